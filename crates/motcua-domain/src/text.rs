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
