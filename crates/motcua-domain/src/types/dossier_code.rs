//! The dossier code (mã số hồ sơ, Decree 61/2018 Art. 26; Circular 01/2018 Art. 19):
//! `<agency code>-YYMMDD-<sequence of the day>`, e.g. `000.00.17.H34-260212-0001`. The sequence
//! width is configurable (4 by default) and grows past it rather than wrapping.

use chrono::NaiveDate;

use super::{AgencyCode, string_newtype};

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DossierCode(String);
string_newtype!(DossierCode);

impl DossierCode {
    /// ```
    /// use chrono::NaiveDate;
    /// use motcua_domain::types::{AgencyCode, DossierCode};
    /// let agency = AgencyCode::parse("000.00.17.H34").unwrap();
    /// let code = DossierCode::new(&agency, NaiveDate::from_ymd_opt(2026, 2, 12).unwrap(), 7, 4);
    /// assert_eq!(code.as_str(), "000.00.17.H34-260212-0007");
    /// assert_eq!(DossierCode::parse("000.00.17.h34-260212-0007").unwrap(), code);
    /// ```
    pub fn new(agency: &AgencyCode, date: NaiveDate, sequence: u32, width: usize) -> DossierCode {
        DossierCode(format!("{agency}-{}-{sequence:0width$}", date.format("%y%m%d")))
    }

    pub fn parse(s: &str) -> Result<DossierCode, String> {
        let s = s.trim().to_ascii_uppercase();
        let bad = || format!("mã hồ sơ \"{s}\" không hợp lệ, cần dạng 000.00.17.H34-260212-0001");
        let mut parts = s.rsplitn(3, '-');
        let (seq, date, agency) = (parts.next(), parts.next(), parts.next());
        let (Some(seq), Some(date), Some(agency)) = (seq, date, agency) else { return Err(bad()) };
        AgencyCode::parse(agency).map_err(|_| bad())?;
        let date_ok = date.len() == 6 && NaiveDate::parse_from_str(&format!("20{date}"), "%Y%m%d").is_ok();
        let seq_ok = !seq.is_empty() && seq.len() <= 9 && seq.chars().all(|c| c.is_ascii_digit());
        if date_ok && seq_ok { Ok(DossierCode(s)) } else { Err(bad()) }
    }

    /// The code of the agency that gave the number (everything before the date).
    ///
    /// ```
    /// use motcua_domain::types::DossierCode;
    /// assert_eq!(DossierCode::parse("000.00.17.H34-260212-0007").unwrap().agency_code(), "000.00.17.H34");
    /// ```
    pub fn agency_code(&self) -> &str {
        self.0.rsplitn(3, '-').nth(2).unwrap_or_default()
    }
}
