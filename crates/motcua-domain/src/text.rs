//! Vietnamese text: NFC for storage and display, and a folded form for diacritic-insensitive
//! search ("dat dai" finds "Đất đai").
//!
//! Why fold in Rust rather than in the database: SQLite's FTS5 folds tone marks but not đ/Đ, and
//! PostgreSQL's `unaccent` is an extension an installation may lack; one folding function used
//! for indexing and for querying behaves the same on both backends.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// The canonical (NFC) form of `s`, trimmed.
pub fn nfc(s: &str) -> String {
    s.trim().nfc().collect()
}

/// Lowercase, without diacritics, đ → d, with runs of non-alphanumerics collapsed to one space.
///
/// ```
/// use motcua_domain::text::fold;
/// assert_eq!(fold("Đăng ký biến động ĐẤT ĐAI"), "dang ky bien dong dat dai");
/// assert_eq!(fold("  Khai thác, sử dụng nước—mặt "), "khai thac su dung nuoc mat");
/// ```
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.nfd().filter(|c| !is_combining_mark(*c)) {
        let c = match c {
            'đ' | 'Đ' => 'd',
            c => c,
        };
        if c.is_alphanumeric() {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.extend(c.to_lowercase());
        } else {
            space = true;
        }
    }
    out
}

/// Longest applicant or organisation name, in characters.
pub const NAME_MAX: usize = 200;
/// Longest address, in characters.
pub const ADDRESS_MAX: usize = 500;
/// Longest reason, note or free text on an action, in characters.
pub const NOTE_MAX: usize = 2000;
/// Longest short code or number (result number, tracking number), in characters.
pub const CODE_MAX: usize = 100;

/// `s` as NFC and trimmed, if it is at most `max` characters and has no control character (a
/// line break and a tab are allowed where `multiline`). Every text a person types goes through
/// here before it is stored: a NUL byte is refused by PostgreSQL, other control characters
/// confuse an SMS gateway or a printed form, and a megabyte name fills every page that shows it.
///
/// ```
/// use motcua_domain::text::clean;
/// assert_eq!(clean(" Nguyễn Văn An ", 200, false).unwrap(), "Nguyễn Văn An");
/// assert!(clean("Công dân\u{0}", 200, false).unwrap_err().contains("ký tự điều khiển"));
/// assert!(clean(&"a".repeat(201), 200, false).unwrap_err().contains("200"));
/// assert_eq!(clean("dòng 1\ndòng 2", 200, true).unwrap(), "dòng 1\ndòng 2");
/// ```
pub fn clean(s: &str, max: usize, multiline: bool) -> Result<String, String> {
    // Count before normalising, so that a huge input is refused without building a copy.
    if s.chars().nth(max * 2 + 63).is_some() {
        return Err(format!("dài quá {max} ký tự / longer than {max} characters"));
    }
    let t = nfc(s);
    if t.chars().count() > max {
        return Err(format!("dài quá {max} ký tự / longer than {max} characters"));
    }
    let allowed = |c: char| multiline && (c == '\n' || c == '\t' || c == '\r');
    if t.chars().any(|c| (c.is_control() && !allowed(c)) || matches!(c, '\u{2028}' | '\u{2029}' | '\u{FEFF}')) {
        return Err("có ký tự điều khiển không được phép / contains a control character".into());
    }
    Ok(t)
}

/// Longest search, in characters and in words.
pub const SEARCH_MAX_CHARS: usize = 200;
pub const SEARCH_MAX_WORDS: usize = 12;

/// A search as typed, checked: at most [`SEARCH_MAX_CHARS`] characters and
/// [`SEARCH_MAX_WORDS`] words (each word is a condition on the database; a thousand of them made
/// a query the database refused, and the page's memory grow tenfold). `None` for an empty one.
///
/// ```
/// use motcua_domain::text::search_terms;
/// assert_eq!(search_terms(" đất  đai ").unwrap().as_deref(), Some("đất  đai"));
/// assert!(search_terms(&"a ".repeat(13)).is_err());
/// assert!(search_terms(&"x".repeat(201)).is_err());
/// ```
pub fn search_terms(q: &str) -> Result<Option<String>, String> {
    if q.chars().nth(SEARCH_MAX_CHARS).is_some() {
        return Err(format!("tìm kiếm tối đa {SEARCH_MAX_CHARS} ký tự / at most {SEARCH_MAX_CHARS} characters"));
    }
    if fold(q).split(' ').filter(|w| !w.is_empty()).count() > SEARCH_MAX_WORDS {
        return Err(format!("tìm kiếm tối đa {SEARCH_MAX_WORDS} từ / at most {SEARCH_MAX_WORDS} words"));
    }
    let q = q.trim();
    Ok((!q.is_empty()).then(|| q.to_owned()))
}

/// At most `max` characters of `s` without its control characters: for text that is recorded,
/// not typed (an error's message kept as a reason, an integration's label), where refusing would
/// lose the record.
///
/// ```
/// assert_eq!(motcua_domain::text::printable("lỗi\u{0}: 0x00\n", 6), "lỗi: 0");
/// ```
pub fn printable(s: &str, max: usize) -> String {
    s.chars().filter(|c| !c.is_control()).take(max).collect()
}

/// A date as an official document writes it (Decree 30/2020, Appendix I): "ngày 05 tháng 9 năm
/// 2026". Days below 10 and the months 1 and 2 take a leading zero; the other months do not.
///
/// ```
/// use chrono::NaiveDate;
/// use motcua_domain::text::official_date;
/// let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
/// assert_eq!(official_date(d(2026, 9, 5)), "ngày 05 tháng 9 năm 2026");
/// assert_eq!(official_date(d(2026, 2, 12)), "ngày 12 tháng 02 năm 2026");
/// assert_eq!(official_date(d(2026, 1, 1)), "ngày 01 tháng 01 năm 2026");
/// assert_eq!(official_date(d(2026, 12, 24)), "ngày 24 tháng 12 năm 2026");
/// ```
pub fn official_date(date: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    let month = if date.month() <= 2 { format!("{:02}", date.month()) } else { date.month().to_string() };
    format!("ngày {:02} tháng {month} năm {}", date.day(), date.year())
}
