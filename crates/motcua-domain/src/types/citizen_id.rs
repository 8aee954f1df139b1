//! The 12-digit personal identification number (số định danh cá nhân, on the citizen ID card):
//! 3 digits of the province of birth registration, 1 of century and sex, 2 of the birth year,
//! 6 random.

use super::string_newtype;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CitizenId(String);
string_newtype!(CitizenId);

impl CitizenId {
    /// ```
    /// use motcua_domain::types::CitizenId;
    /// assert!(CitizenId::parse("056090001234").is_ok());
    /// assert!(CitizenId::parse("05609000123").is_err());   // 11 digits
    /// assert!(CitizenId::parse("999090001234").is_err());  // no province 999
    /// ```
    pub fn parse(s: &str) -> Result<CitizenId, String> {
        let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
        if s.len() != 12 || !s.chars().all(|c| c.is_ascii_digit()) {
            return Err("số định danh cá nhân phải gồm đúng 12 chữ số".to_owned());
        }
        let province: u32 = s[..3].parse().unwrap_or(0);
        if !(1..=96).contains(&province) {
            return Err(format!("số định danh cá nhân có mã tỉnh \"{}\" không tồn tại", &s[..3]));
        }
        Ok(CitizenId(s))
    }
}
