//! A tax code (mã số thuế) of an organisation: 10 digits, or 10 digits, a hyphen and 3 digits for
//! a dependent unit.

use super::string_newtype;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TaxCode(String);
string_newtype!(TaxCode);

impl TaxCode {
    /// ```
    /// use motcua_domain::types::TaxCode;
    /// assert!(TaxCode::parse("4200123456").is_ok());
    /// assert!(TaxCode::parse("4200123456-001").is_ok());
    /// assert!(TaxCode::parse("42001234").is_err());
    /// ```
    pub fn parse(s: &str) -> Result<TaxCode, String> {
        let s = s.trim();
        let digits = |p: &str, n: usize| p.len() == n && p.chars().all(|c| c.is_ascii_digit());
        let ok = match s.split_once('-') {
            Some((main, branch)) => digits(main, 10) && digits(branch, 3),
            None => digits(s, 10),
        };
        if ok {
            Ok(TaxCode(s.to_owned()))
        } else {
            Err("mã số thuế phải gồm 10 chữ số (hoặc 10-3 chữ số)".to_owned())
        }
    }
}
