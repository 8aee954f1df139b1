//! An e-mail address: one `@`, a non-empty local part, a domain with a dot.

use super::string_newtype;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);
string_newtype!(Email);

impl Email {
    /// ```
    /// use motcua_domain::types::Email;
    /// assert!(Email::parse("an.nguyen@example.vn").is_ok());
    /// assert!(Email::parse("an.nguyen@localhost").is_err());
    /// ```
    pub fn parse(s: &str) -> Result<Email, String> {
        let s = s.trim();
        let bad = || format!("địa chỉ email \"{s}\" không hợp lệ");
        let (local, domain) = s.split_once('@').ok_or_else(bad)?;
        let ok = !local.is_empty()
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !s.chars().any(|c| c.is_whitespace() || c == '<' || c == '>')
            && !domain.contains('@')
            && s.len() <= 254;
        if ok { Ok(Email(s.to_lowercase())) } else { Err(bad()) }
    }
}
