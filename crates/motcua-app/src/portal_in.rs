//! What the National Public Service Portal (DVCQG) sends an agency: a dossier filed there, in the
//! shape of the sync record (`MaHoSo`, `MaTTHC`, `ChuHoSo`, `DinhDanhCHS`, `TaiLieuNop[]` with
//! each file's download address, `TrangThaiHoSo`…), sent again when the citizen acts on it later
//! (withdraws it: status `cancelled`/7; supplements it: new files). Read leniently (numbers or
//! strings, missing fields) and bounded, then checked field by field: a message that cannot
//! become a dossier waits for an officer with the reason, never a panic nor a guess. The mapping
//! and what is to be confirmed with the portal's operator are in `docs/national-portal.md`.

use motcua_domain::dossier::{ApplicantInput, ApplicantKind};
use motcua_domain::text::printable;
use serde::Deserialize;
use serde_json::Value;

/// The longest portal code kept (the portal's own are about 30 characters).
pub const CODE_MAX: usize = 60;
/// Files per message at most.
pub const FILES_MAX: usize = 100;

/// A file the citizen attached on the portal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortalFile {
    pub name: String,
    /// The line of the procedure's checklist, from 1 (`MaThanhPhanHoSo`), as the portal numbers
    /// the components of the national procedure record.
    pub line: Option<usize>,
    /// Where to fetch it (`DuongDanTaiTepTin`).
    pub url: String,
}

/// What the portal did to the dossier, as far as the agency must act on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PortalStatus {
    /// The citizen withdrew it on the portal (`cancelled`, 7).
    Cancelled,
    /// Anything else (filed, supplemented, or the portal repeating a status).
    Other,
}

/// A dossier as the portal sends it, read.
#[derive(Debug, Clone, PartialEq)]
pub struct PortalDossier {
    pub code: String,
    pub procedure_code: String,
    pub applicant: ApplicantInput,
    pub status: PortalStatus,
    pub files: Vec<PortalFile>,
    /// The citizen's note (a withdrawal's reason).
    pub note: Option<String>,
    pub vneid_verified: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Raw {
    #[serde(rename = "MaHoSo")]
    code: Value,
    #[serde(rename = "MaTTHC")]
    procedure_code: Value,
    #[serde(rename = "ChuHoSo")]
    name: Value,
    #[serde(rename = "LoaiDoiTuong")]
    kind: Value,
    #[serde(rename = "SoGiayToChuHoSo")]
    id_number: Value,
    #[serde(rename = "DinhDanhCHS")]
    identities: Vec<Value>,
    #[serde(rename = "SoDienThoai")]
    phone: Value,
    #[serde(rename = "Email")]
    email: Value,
    #[serde(rename = "DiaChi")]
    address: Value,
    #[serde(rename = "TrangThaiHoSo")]
    status: Value,
    #[serde(rename = "TaiLieuNop")]
    files: Vec<Value>,
    #[serde(rename = "GhiChu")]
    note: Value,
    #[serde(rename = "TaiKhoanDuocXacThucVoiVNeID")]
    vneid: Value,
}

/// A string or a number as text, bounded; `None` when absent or empty.
fn text(v: &Value, max: usize) -> Option<String> {
    let s = match v {
        Value::String(s) => s.trim().to_owned(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    (!s.is_empty()).then(|| printable(&s, max))
}

/// The portal's national code in its short form: `1.003560.000.00.00.H56` → `1.003560`.
pub fn short_code(code: &str) -> &str {
    match code.match_indices('.').nth(1) {
        Some((i, _)) if code.starts_with("1.") || code.starts_with("2.") || code.starts_with("3.") => &code[..i],
        _ => code,
    }
}

impl PortalDossier {
    /// Reads one record; the reason when it cannot be read.
    pub fn parse(body: &str) -> Result<PortalDossier, String> {
        let raw: Raw = serde_json::from_str(body).map_err(|e| format!("bản tin không đọc được: {e}"))?;
        let code = text(&raw.code, CODE_MAX + 1).ok_or("thiếu mã hồ sơ (MaHoSo)")?;
        if code.chars().count() > CODE_MAX || !code.chars().all(|c| c.is_ascii_alphanumeric() || "-._/".contains(c)) {
            return Err(format!("mã hồ sơ (MaHoSo) không hợp lệ: {code}"));
        }
        let procedure_code = text(&raw.procedure_code, 60).ok_or("thiếu mã thủ tục (MaTTHC)")?;
        let organisation = text(&raw.kind, 4).is_some_and(|k| k != "1");
        // The person's number: the identity of type 1 (12-digit citizen ID), or the holder's
        // number as written.
        let identity = raw
            .identities
            .iter()
            .find(|i| text(&i["LoaiDinhDanh"], 4).as_deref() == Some("1"))
            .and_then(|i| text(&i["SoDinhDanh"], 20));
        let number = identity.or_else(|| text(&raw.id_number, 20));
        let applicant = ApplicantInput {
            kind: Some(if organisation { ApplicantKind::Organisation } else { ApplicantKind::Person }),
            name: text(&raw.name, 300),
            citizen_id: if organisation { None } else { number.clone() },
            tax_code: if organisation { number } else { None },
            phone: text(&raw.phone, 30),
            email: text(&raw.email, 200),
            address: text(&raw.address, 600),
            consent: None,
        };
        let status = match text(&raw.status, 20).as_deref() {
            Some("cancelled" | "7") => PortalStatus::Cancelled,
            _ => PortalStatus::Other,
        };
        if raw.files.len() > FILES_MAX {
            return Err(format!("quá nhiều tệp ({}; tối đa {FILES_MAX})", raw.files.len()));
        }
        let files = raw
            .files
            .iter()
            .filter(|f| {
                !matches!(&f["IsDeleted"], Value::Bool(true)) && text(&f["IsDeleted"], 5).as_deref() != Some("1")
            })
            .map(|f| {
                let name = text(&f["TenTepDinhKem"], 200).unwrap_or_else(|| "tep-dinh-kem".into());
                let url =
                    text(&f["DuongDanTaiTepTin"], 2000).ok_or_else(|| format!("tệp \"{name}\" thiếu đường dẫn tải"))?;
                let line = text(&f["MaThanhPhanHoSo"], 10).and_then(|l| l.parse::<usize>().ok());
                Ok(PortalFile { name, line, url })
            })
            .collect::<Result<Vec<_>, String>>()?;
        Ok(PortalDossier {
            code,
            procedure_code,
            applicant,
            status,
            files,
            note: text(&raw.note, 1000),
            vneid_verified: text(&raw.vneid, 5).as_deref() == Some("1"),
        })
    }
}

/// The records of a push: a JSON array of records (as the sync services take them) or one.
pub fn records(body: &str) -> Result<Vec<Value>, String> {
    match serde_json::from_str::<Value>(body).map_err(|e| format!("JSON không hợp lệ: {e}"))? {
        Value::Array(items) => Ok(items),
        one @ Value::Object(_) => Ok(vec![one]),
        _ => Err("cần một hồ sơ hoặc một mảng hồ sơ".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_record_leniently_and_refuses_what_cannot_be_a_dossier() {
        let d = PortalDossier::parse(
            r#"{"MaHoSo":"G22.99-261130-0001","MaTTHC":"1.010727.000.00.00.H34","ChuHoSo":"Nguyễn Văn A",
                "LoaiDoiTuong":1,"DinhDanhCHS":[{"LoaiDinhDanh":1,"SoDinhDanh":"056090001234"}],
                "SoDienThoai":"0905123456","DiaChi":"Nha Trang","TrangThaiHoSo":"new",
                "TaiLieuNop":[{"TenTepDinhKem":"don.pdf","MaThanhPhanHoSo":"1","DuongDanTaiTepTin":"http://x/1"},
                              {"TenTepDinhKem":"cu.pdf","IsDeleted":true}],
                "TaiKhoanDuocXacThucVoiVNeID":1}"#,
        )
        .unwrap();
        assert_eq!(short_code(&d.procedure_code), "1.010727");
        assert_eq!(d.applicant.citizen_id.as_deref(), Some("056090001234"));
        assert_eq!(d.files.len(), 1);
        assert_eq!(d.files[0].line, Some(1));
        assert!(d.vneid_verified);
        assert_eq!(d.status, PortalStatus::Other);
        assert!(PortalDossier::parse(r#"{"MaTTHC":"1.010727"}"#).unwrap_err().contains("MaHoSo"));
        assert!(PortalDossier::parse(r#"{"MaHoSo":"<script>","MaTTHC":"1"}"#).is_err());
        assert!(PortalDossier::parse("[1,2").is_err());
        let cancelled = PortalDossier::parse(r#"{"MaHoSo":"A-1","MaTTHC":"1.1","TrangThaiHoSo":7}"#).unwrap();
        assert_eq!(cancelled.status, PortalStatus::Cancelled);
        assert_eq!(short_code("KH.MT.01"), "KH.MT.01");
    }
}
