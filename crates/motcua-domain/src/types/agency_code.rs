//! The national electronic identifier of an agency (mã định danh điện tử, Circular 10/2016/TT-BTTTT
//! as amended): `V1V2V3.Z1Z2.Y1Y2.MX1X2`, e.g. `000.00.17.H34`.

use super::string_newtype;

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AgencyCode(String);
string_newtype!(AgencyCode);

impl AgencyCode {
    /// ```
    /// use motcua_domain::types::AgencyCode;
    /// assert!(AgencyCode::parse("000.00.17.H34").is_ok());
    /// assert!(AgencyCode::parse("000.00.17").is_err());
    /// ```
    pub fn parse(s: &str) -> Result<AgencyCode, String> {
        let s = s.trim().to_ascii_uppercase();
        let parts: Vec<&str> = s.split('.').collect();
        let ok = parts.len() == 4
            && [3, 2, 2, 3]
                .iter()
                .zip(&parts)
                .all(|(n, p)| p.len() == *n && p.chars().all(|c| c.is_ascii_alphanumeric()));
        if ok {
            Ok(AgencyCode(s))
        } else {
            Err(format!("mã định danh cơ quan \"{s}\" không hợp lệ, cần dạng 000.00.17.H34"))
        }
    }
}
