//! Printable documents of a dossier (Circular 01/2018 → 03/2025): Mẫu 02 supplement request,
//! Mẫu 03 refusal, Mẫu 04 apology and re-appointment, Mẫu 05 control sheet, the stop notice;
//! and the register book (Mẫu 06, Sổ theo dõi hồ sơ) for a date range, to print or as CSV.
//! Laid out as administrative documents (Decree 30/2020: motto block, agency, number, place and
//! date, signature block) with the print stylesheet's A4 page and Times-compatible fonts.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use chrono::{NaiveDate, NaiveDateTime};
use motcua_domain::dossier::{Dossier, PauseKind, State as DState};
use motcua_store::DossierFilter;
use serde::Deserialize;
use uuid::Uuid;

use super::error::PageResult;
use super::roles::Officer;
use crate::error::ApiError;
use crate::state::AppState;

fn t(v: Option<NaiveDateTime>) -> String {
    v.map(|t| t.format("%H giờ %M, ngày %d/%m/%Y").to_string()).unwrap_or_default()
}

fn day(v: Option<NaiveDate>) -> String {
    v.map(|d| d.format("%d/%m/%Y").to_string()).unwrap_or_default()
}

/// The documents a dossier has, by the state it went through: (form, title).
pub fn documents_of(d: &Dossier) -> Vec<(&'static str, &'static str)> {
    let mut out = Vec::new();
    let asked = d.state == DState::NeedsCompletion || d.pauses.iter().any(|p| p.kind == PauseKind::Supplement);
    if asked {
        out.push(("mau-02", "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ (Mẫu 02)"));
    }
    if d.state == DState::RefusedAtIntake {
        out.push(("mau-03", "Phiếu từ chối tiếp nhận giải quyết hồ sơ (Mẫu 03)"));
    }
    if d.reappointment.is_some() {
        out.push(("mau-04", "Phiếu xin lỗi và hẹn lại ngày trả kết quả (Mẫu 04)"));
    }
    if d.accepted_at.is_some() {
        out.push(("mau-05", "Phiếu kiểm soát quá trình giải quyết hồ sơ (Mẫu 05)"));
    }
    if d.state == DState::Stopped {
        out.push(("thong-bao-dung", "Thông báo dừng giải quyết hồ sơ"));
    }
    out
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "form_doc.html")]
pub struct FormPage {
    form: String,
    title: String,
    d: Dossier,
    code: String,
    number: String,
    agency_name: String,
    agency_name_plain: String,
    place_date: String,
    reason: String,
    received: String,
    previous_due: String,
    new_due: String,
    stopped_at: String,
    steps: Vec<(String, String, String, &'static str, String)>,
}

pub async fn form(
    State(state): State<AppState>,
    Officer(actor): Officer,
    Path((id, form)): Path<(Uuid, String)>,
) -> PageResult<FormPage> {
    let actor = &actor;
    let d = state.readable_dossier(actor, id).await?;
    let title = documents_of(&d)
        .into_iter()
        .find(|(f, _)| *f == form)
        .map(|(_, title)| title.split(" (").next().unwrap_or(title).to_uppercase())
        .ok_or_else(|| ApiError::NotFound("hồ sơ này không có văn bản đó".into()))?;
    let agency = state.store.agency(d.agency_id).await?.ok_or_else(|| ApiError::Internal("agency".into()))?;
    let units = state.store.units(d.agency_id).await?;
    let supplement = d.pauses.iter().rev().find(|p| p.kind == PauseKind::Supplement);
    let (reason, when) = match form.as_str() {
        "mau-02" => match supplement {
            Some(p) => (p.reason.clone(), Some(p.from)),
            None => (d.reason.clone().unwrap_or_default(), Some(d.submitted_at)),
        },
        "mau-04" => (
            d.reappointment.as_ref().map(|r| r.reason.clone()).unwrap_or_default(),
            d.reappointment.as_ref().map(|r| r.at),
        ),
        "mau-05" => (String::new(), d.accepted_at),
        _ => (d.reason.clone().unwrap_or_default(), d.finished_at),
    };
    let when = when.unwrap_or(d.submitted_at);
    let steps = d
        .steps
        .iter()
        .map(|s| {
            let unit = units.iter().find(|u| u.code == s.unit).map_or(s.unit.clone(), |u| u.name.clone());
            let result = match (s.on_time, s.finished_at, s.deadline) {
                (Some(false), _, _) => "Quá hạn",
                (Some(true), Some(done), Some(deadline)) if done.date() < deadline.date() => "Trước hạn",
                (Some(true), _, _) => "Đúng hạn",
                _ => "",
            };
            (
                format!("{} — {}", unit, s.name),
                t(s.started_at),
                t(s.finished_at),
                result,
                s.note.clone().unwrap_or_default(),
            )
        })
        .collect();
    let code = d.code.as_ref().map_or_else(String::new, |c| c.to_string());
    Ok(FormPage {
        number: format!("{}/{}", code.rsplit('-').next().unwrap_or(""), form.to_uppercase()),
        title,
        agency_name: agency.name.to_uppercase(),
        agency_name_plain: agency.name.clone(),
        place_date: format!("Khánh Hòa, {}", motcua_domain::text::official_date(when.date())),
        reason,
        received: day(d.received_at.map(|r| r.date())),
        previous_due: day(d.reappointment.as_ref().map(|r| r.previous_due_date)),
        new_due: day(d.reappointment.as_ref().map(|r| r.new_due_date)),
        stopped_at: t(d.finished_at),
        steps,
        code,
        form,
        d,
    })
}

#[derive(Debug, Deserialize)]
pub struct RegisterParams {
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    #[serde(default)]
    format: String,
}

const HEADERS: [&str; 12] = [
    "TT",
    "Mã hồ sơ",
    "Tên thủ tục hành chính",
    "Số lượng hồ sơ (bộ)",
    "Tên cá nhân, tổ chức",
    "Địa chỉ, số điện thoại",
    "Nhận hồ sơ",
    "Hẹn trả kết quả",
    "Chuyển hồ sơ đến cơ quan giải quyết",
    "Nhận kết quả từ cơ quan giải quyết",
    "Trả kết quả cho cá nhân, tổ chức",
    "Ghi chú",
];

#[derive(Debug, Template, WebTemplate)]
#[template(path = "register.html")]
pub struct RegisterPage {
    from: NaiveDate,
    to: NaiveDate,
    from_vi: String,
    to_vi: String,
    agency_names: String,
    headers: [&'static str; 12],
    rows: Vec<Vec<String>>,
}

/// The register book (Mẫu 06) of the dossiers received in a date range.
pub async fn register(
    State(state): State<AppState>,
    Officer(actor): Officer,
    Query(p): Query<RegisterParams>,
) -> PageResult<Response> {
    let today = state.now_default().date();
    let from = p.from.unwrap_or_else(|| today - chrono::Duration::days(30));
    let to = p.to.unwrap_or(today);
    if from > to {
        return Err(ApiError::field("from", "Ngày bắt đầu sau ngày kết thúc.").into());
    }
    let mut dossiers = Vec::new();
    let mut page = 1;
    loop {
        let f = DossierFilter {
            agencies: actor.agencies(),
            received_from: Some(from),
            received_to: Some(to),
            page,
            page_size: 200,
            ..Default::default()
        };
        let found = state.store.list_dossiers(&f).await?;
        let done = found.items.len() < 200;
        dossiers.extend(found.items);
        if done {
            break;
        }
        page += 1;
    }
    dossiers.sort_by_key(|d| d.received_at);
    let rows: Vec<Vec<String>> = dossiers
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let note = match (d.state, d.timeliness) {
                (DState::Returned, Some(motcua_domain::dossier::Timeliness::Late)) => "Trả trễ hạn".to_owned(),
                (DState::Returned, _) => String::new(),
                (s, _) => s.label_vi().to_owned(),
            };
            vec![
                (i + 1).to_string(),
                d.code.as_ref().map_or_else(String::new, |c| c.to_string()),
                d.procedure_name.clone(),
                "01".to_owned(),
                d.applicant.name.clone(),
                format!("{}; {}", d.applicant.address, d.applicant.phone),
                t(d.received_at),
                day(d.due_date),
                t(d.steps.first().and_then(|s| s.finished_at)),
                t(if d.state == DState::Stopped { None } else { d.finished_at }),
                t(d.returned_at),
                note,
            ]
        })
        .collect();
    if p.format == "csv" {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(HEADERS).map_err(|e| ApiError::Internal(e.to_string()))?;
        for r in &rows {
            w.write_record(r).map_err(|e| ApiError::Internal(e.to_string()))?;
        }
        let mut body = "\u{feff}".as_bytes().to_vec(); // BOM: spreadsheet programs then read UTF-8
        body.extend(w.into_inner().map_err(|e| ApiError::Internal(e.to_string()))?);
        let name = format!("attachment; filename=\"so-theo-doi-ho-so-{from}-{to}.csv\"");
        return Ok(
            ([(CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()), (CONTENT_DISPOSITION, name)], body).into_response()
        );
    }
    let mut names = Vec::new();
    for a in actor.agencies() {
        if let Some(agency) = state.store.agency(a).await? {
            names.push(agency.name);
        }
    }
    Ok(RegisterPage {
        from,
        to,
        from_vi: from.format("%d/%m/%Y").to_string(),
        to_vi: to.format("%d/%m/%Y").to_string(),
        agency_names: names.join("; "),
        headers: HEADERS,
        rows,
    }
    .into_response())
}
