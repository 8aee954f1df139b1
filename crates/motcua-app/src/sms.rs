//! SMS text: Vietnamese without diacritics (đ → d, Đ → D, case kept) and the GSM 03.38 segment
//! arithmetic: 160 characters in one GSM-7 segment, 153 per segment when concatenated; 70 and 67
//! for UCS-2. Characters of the GSM extension table (`^{}\[~]|€`) take two septets.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// `"Hồ sơ đã được tiếp nhận"` → `"Ho so da duoc tiep nhan"`.
///
/// ```
/// use motcua_app::without_diacritics;
/// assert_eq!(without_diacritics("Đất đai — Hồ sơ"), "Dat dai - Ho so");
/// ```
pub fn without_diacritics(text: &str) -> String {
    text.nfd()
        .filter(|c| !is_combining_mark(*c))
        .map(|c| match c {
            'đ' => 'd',
            'Đ' => 'D',
            '—' | '–' => '-',
            '“' | '”' => '"',
            '‘' | '’' => '\'',
            c => c,
        })
        .collect()
}

const GSM_BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
const GSM_EXTENSION: &str = "^{}\\[~]|€\u{c}";

/// How an SMS is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Gsm7,
    Ucs2,
}

/// The encoding, the length in its units and the number of segments of an SMS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segments {
    pub encoding: Encoding,
    /// Septets for GSM-7, UTF-16 code units for UCS-2.
    pub units: usize,
    pub count: usize,
}

/// ```
/// use motcua_app::{segments, Encoding};
/// assert_eq!(segments(&"a".repeat(160)).count, 1);
/// assert_eq!(segments(&"a".repeat(161)).count, 2);
/// let vi = segments("Hồ sơ đã được tiếp nhận");
/// assert_eq!((vi.encoding, vi.count), (Encoding::Ucs2, 1));
/// ```
pub fn segments(text: &str) -> Segments {
    let gsm: Option<usize> = text
        .chars()
        .map(|c| {
            if GSM_BASIC.contains(c) {
                Some(1)
            } else if GSM_EXTENSION.contains(c) {
                Some(2)
            } else {
                None
            }
        })
        .sum();
    let (encoding, units, single, multi) = match gsm {
        Some(septets) => (Encoding::Gsm7, septets, 160, 153),
        None => (Encoding::Ucs2, text.encode_utf16().count(), 70, 67),
    };
    let count = if units == 0 {
        0
    } else if units <= single {
        1
    } else {
        units.div_ceil(multi)
    };
    Segments { encoding, units, count }
}
