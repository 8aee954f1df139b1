//! What the National Public Service Portal (DVCQG) is told about a dossier: the dossier record in
//! the shape the provincial sync services take ("DongBoHoSoMC": `MaHoSo`, `MaTTHC`,
//! `KenhThucHien`, `TrangThaiHoSo` 1–10, dates as `yyyyMMddHHmmss` in Asia/Ho_Chi_Minh…) and its
//! progress entries, one per step of the internal process. Built from the dossier and the event
//! that caused the message, so each status is told in order even when several changes come
//! close together. The field mapping and what is still to be confirmed with the portal's
//! operator are in `docs/national-portal.md`.

use chrono::NaiveDateTime;
use motcua_domain::catalog::Channel;
use motcua_domain::dossier::{ApplicantKind, Dossier, State};
use serde_json::{Value, json};

/// `yyyyMMddHHmmss`, as the portal writes dates (local time of the agency).
pub fn portal_time(t: NaiveDateTime) -> String {
    t.format("%Y%m%d%H%M%S").to_string()
}

fn time(t: Option<NaiveDateTime>) -> Value {
    t.map_or(Value::Null, |t| Value::String(portal_time(t)))
}

/// The channel's code: 1 direct (counter), 2 online, 3 postal.
pub fn channel_code(c: Channel) -> u8 {
    match c {
        Channel::Counter => 1,
        Channel::Online => 2,
        Channel::Postal => 3,
    }
}

/// The code the portal knows the dossier by: the portal's own for a dossier filed there (ours
/// goes as `MaHoSoKhac`), else ours; `None` until it has one.
pub fn portal_code(d: &Dossier) -> Option<String> {
    d.portal.as_ref().map(|p| p.code.clone()).or_else(|| d.code.as_ref().map(|c| c.to_string()))
}

/// The dossier record as the portal takes it, with the status `state` (the state the event being
/// told left the dossier in) and `at` (that event's instant).
pub fn dossier_record(d: &Dossier, state: State, at: NaiveDateTime, vneid_verified: bool) -> Value {
    let a = &d.applicant;
    let code = portal_code(d);
    let finished = matches!(state, State::ResultReady | State::Returned | State::Stopped | State::RefusedAtIntake);
    let documents: Vec<Value> = d
        .documents
        .iter()
        .enumerate()
        .filter(|(_, doc)| doc.received)
        .flat_map(|(i, doc)| {
            doc.files().map(move |f| {
                json!({
                    "TepDinhKemId": f.sha256,
                    "TenTepDinhKem": f.name,
                    "IsDeleted": false,
                    "MaThanhPhanHoSo": format!("{}", i + 1),
                    "DuocSoHoa": 1,
                    "DuocTaiSuDung": 0,
                    "DuocLayTuKhoDMQG": 0,
                })
            })
        })
        .collect();
    let digitised = d.documents.iter().filter(|doc| doc.received).all(|doc| doc.file.is_some());
    let fees: Vec<Value> = d
        .fees
        .iter()
        .map(|f| {
            json!({ "TenPhiLePhi": f.name, "Gia": f.amount.0, "LoaiPhiLePhi": f.kind.map(|k| match k {
            motcua_domain::catalog::FeeKind::Fee => 1,
            motcua_domain::catalog::FeeKind::Charge => 2,
        }) })
        })
        .collect();
    let supplements: Vec<Value> = d
        .pauses
        .iter()
        .filter(|p| p.kind == motcua_domain::dossier::PauseKind::Supplement)
        .map(|p| json!({ "NgayYeuCau": portal_time(p.from), "NgayBoSung": time(p.to), "NoiDung": p.reason }))
        .collect();
    let mut record = json!({
        "MaHoSo": code,
        "MaHoSoKhac": d.portal.as_ref().and(d.code.as_ref()).map(|c| c.to_string()),
        "MaTTHC": d.procedure_code,
        "TenTTHC": d.procedure_name,
        "KenhThucHien": channel_code(d.channel),
        "ChuHoSo": a.name,
        "LoaiDoiTuong": match a.kind { ApplicantKind::Person => 1, ApplicantKind::Organisation => 4 },
        "SoGiayToChuHoSo": a.citizen_id.as_ref().map(|c| c.as_str().to_owned())
            .or_else(|| a.tax_code.as_ref().map(|t| t.as_str().to_owned())),
        "DinhDanhCHS": a.citizen_id.as_ref().map(|c| vec![json!({ "LoaiDinhDanh": 1, "SoDinhDanh": c.as_str() })])
            .unwrap_or_default(),
        "SoDienThoai": a.phone.as_str(),
        "Email": a.email.as_ref().map(|e| e.as_str().to_owned()),
        "DiaChi": a.address,
        "TrichYeuHoSo": d.procedure_name.chars().take(1000).collect::<String>(),
        "NgayNopHoSo": portal_time(d.submitted_at),
        "NgayTiepNhan": time(d.received_at),
        "NgayHenTra": time(d.due_at.or_else(|| d.due_date.and_then(|x| x.and_hms_opt(17, 0, 0)))),
        "TrangThaiHoSo": state.portal_status(),
        "ThoiDiemCapNhat": portal_time(at),
        "NgayKetThucXuLy": if finished { time(d.finished_at.or(Some(at))) } else { Value::Null },
        "NgayTra": time(d.returned_at),
        "NgayTuChoi": if state == State::RefusedAtIntake { time(d.finished_at.or(Some(at))) } else { Value::Null },
        "HoSoCoThanhPhanSoHoa": u8::from(digitised && !documents.is_empty()),
        "TaiKhoanDuocXacThucVoiVNeID": u8::from(vneid_verified),
        "TaiLieuNop": documents,
        "DanhSachLePhi": fees,
        "DanhSachHoSoBoSung": supplements,
        "GhiChu": d.reason,
    });
    if let Some(r) = &d.reappointment {
        record["NgayHenTraTruoc"] = Value::String(r.previous_due_date.format("%Y%m%d").to_string());
        record["NgayHenTraMoi"] = Value::String(r.new_due_date.format("%Y%m%d").to_string());
    }
    if let Some(result) = &d.result {
        record["DanhSachGiayToKetQua"] = json!([{
            "TenGiayTo": result.number,
            "GiayToId": result.file.as_ref().map(|f| f.sha256.clone()),
        }]);
    }
    record
}

/// The progress entries of the steps begun so far ("CapNhatTienDoHoSoMC"): who held the dossier,
/// from when, until when by rule, and what was done.
pub fn progress(d: &Dossier) -> Vec<Value> {
    let code = portal_code(d);
    d.steps
        .iter()
        .filter(|s| s.started_at.is_some())
        .map(|s| {
            json!({
                "MaHoSo": code,
                "PhongBanXuLy": s.external_agency.clone().unwrap_or_else(|| s.unit.clone()),
                "NoiDungXuLy": s.name,
                "NgayBatDau": time(s.started_at),
                "NgayKetThucTheoQuyDinh": time(s.deadline),
                "ThoiDiemXuLy": time(s.finished_at),
                "TrangThai": if s.finished_at.is_some() { 1 } else { 0 },
            })
        })
        .collect()
}

/// One message to the portal: the dossier (an array of one, as the services take arrays) and its
/// progress, as the worker sends them (`motcua_notify::portal`).
pub fn message(d: &Dossier, state: State, at: NaiveDateTime, vneid_verified: bool) -> Value {
    json!({ "dossier": [dossier_record(d, state, at, vneid_verified)], "progress": progress(d) })
}

/// Where the EMC tracker (the digital-government service monitoring, `TrackingMCDT`) knows the
/// agency's system: its site number and the province's code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmcSite {
    pub site_id: i64,
    /// e.g. `H34`.
    pub province: String,
}

/// EMC's status of a change: 1 received, 2 processing, 3 result returned, 4 assigned to a
/// handler, 0 anything else (refused, stopped, withdrawn).
pub fn emc_status(state: State, assigned: bool) -> u8 {
    match state {
        State::Accepted => 1,
        State::Processing if assigned => 4,
        State::Processing | State::AwaitingSupplement | State::AwaitingPayment | State::ResultReady => 2,
        State::Returned => 3,
        State::Submitted | State::NeedsCompletion | State::RefusedAtIntake | State::Stopped => 0,
    }
}

/// One EMC tracking message ("TrackingMCDT", reference §6.5) for a change that left the dossier
/// in `state` (`assigned`: the change handed it to a named officer); `online` is the
/// procedure's online service level.
pub fn emc_record(
    d: &Dossier,
    state: State,
    assigned: bool,
    online: motcua_domain::catalog::OnlineService,
    site: &EmcSite,
) -> Value {
    use motcua_domain::catalog::OnlineService;
    let full = online == OnlineService::Full;
    let level = match (d.channel, full) {
        (Channel::Online, true) => 4,
        (Channel::Online, false) => 3,
        (_, true) => 1,
        (_, false) => 0,
    };
    let payments = if d.fees.is_empty() { 0 } else { 2 };
    let user = json!({
        "ID_local": d.citizen_user_id.map(|u| u.to_string()).unwrap_or_default(),
        "ID_QG": d.applicant.citizen_id.as_ref().map(|c| c.as_str().to_owned())
            .or_else(|| d.applicant.tax_code.as_ref().map(|t| t.as_str().to_owned())).unwrap_or_default(),
        "TYPE": match d.applicant.kind { ApplicantKind::Person => 1, ApplicantKind::Organisation => 2 },
        "LOCATION": site.province,
    });
    json!({
        "CodeProfile": d.code.as_ref().map(|c| c.to_string()),
        "SiteId": site.site_id,
        "CodeTTHC": d.procedure_code,
        "NameTTHC": d.procedure_name,
        "MaHoSo": portal_code(d),
        "Status": emc_status(state, assigned),
        "FormsReception": if d.channel == Channel::Online { 1 } else { 2 },
        "FormsPayments": payments,
        "Level": level,
        "IsFromDVCQG": u8::from(d.portal.is_some()),
        "IsDVCBC": if d.channel == Channel::Postal { 1 } else { 0 },
        "Data": "",
        "User": user.to_string(),
    })
}
