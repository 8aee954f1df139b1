//! A Vietnamese phone number, kept in national form `0xxxxxxxxx`: mobiles are 10 digits with the
//! network prefixes 03, 05, 07, 08 and 09; landlines are 11 digits starting 02.

use super::string_newtype;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PhoneNumber(String);
string_newtype!(PhoneNumber);

impl PhoneNumber {
    /// Accepts spaces, dots, dashes and the +84 / 84 prefix.
    ///
    /// ```
    /// use motcua_domain::types::PhoneNumber;
    /// assert_eq!(PhoneNumber::parse("+84 905 123 456").unwrap().as_str(), "0905123456");
    /// assert_eq!(PhoneNumber::parse("0258.3822.123").unwrap().as_str(), "02583822123");
    /// assert!(PhoneNumber::parse("0123456789").is_err()); // 01x prefixes were retired in 2018
    /// ```
    pub fn parse(s: &str) -> Result<PhoneNumber, String> {
        let digits: String = s.chars().filter(|c| !matches!(c, ' ' | '.' | '-' | '(' | ')')).collect();
        let national = if let Some(rest) = digits.strip_prefix("+84") {
            format!("0{rest}")
        } else if digits.starts_with("84") && digits.len() == 11 {
            format!("0{}", &digits[2..])
        } else {
            digits
        };
        let bad = || format!("số điện thoại \"{}\" không hợp lệ", s.trim());
        if !national.chars().all(|c| c.is_ascii_digit()) {
            return Err(bad());
        }
        let mobile = national.len() == 10 && ["03", "05", "07", "08", "09"].iter().any(|p| national.starts_with(p));
        let landline = national.len() == 11 && national.starts_with("02");
        if mobile || landline { Ok(PhoneNumber(national)) } else { Err(bad()) }
    }

    /// Whether it is a mobile number (10 digits, 03/05/07/08/09), which can receive SMS; a
    /// landline (02…) can only be called.
    ///
    /// ```
    /// use motcua_domain::types::PhoneNumber;
    /// assert!(PhoneNumber::parse("0905123456").unwrap().is_mobile());
    /// assert!(!PhoneNumber::parse("0258.3822.123").unwrap().is_mobile());
    /// ```
    pub fn is_mobile(&self) -> bool {
        self.0.len() == 10 && !self.0.starts_with("02")
    }

    /// The last four digits, which the public lookup asks for.
    pub fn last4(&self) -> &str {
        &self.0[self.0.len() - 4..]
    }
}
