//! Printable documents of a dossier (Circular 01/2018 → 03/2025): Mẫu 02 supplement request,
//! Mẫu 03 refusal, Mẫu 04 apology and re-appointment, Mẫu 05 control sheet, the stop notice;
//! and the register book (Mẫu 06, Sổ theo dõi hồ sơ) for a date range, to print or as CSV.
//! Laid out as administrative documents (Decree 30/2020: motto block, agency, number, place and
//! date, signature block) with the print stylesheet's A4 page and Times-compatible fonts.

use crate::extract::ApiQuery as Query;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use chrono::{NaiveDate, NaiveDateTime};
use motcua_domain::dossier::{Dossier, FormKind, Notice, PauseKind, State as DState};
use motcua_store::DossierFilter;
use serde::Deserialize;
use uuid::Uuid;

use super::error::PageResult;
use super::roles::Officer;
use crate::error::ApiError;
use crate::state::{AppState, Letterhead};

fn t(v: Option<NaiveDateTime>) -> String {
    v.map(|t| t.format("%H giờ %M, ngày %d/%m/%Y").to_string()).unwrap_or_default()
}

fn day(v: Option<NaiveDate>) -> String {
    v.map(|d| d.format("%d/%m/%Y").to_string()).unwrap_or_default()
}

/// The papers received, as the forms list them: name, form ("Bản chính" when not recorded),
/// quantity (two digits).
pub fn papers(d: &Dossier) -> Vec<(String, &'static str, String)> {
    d.received_documents()
        .map(|p| (p.name.clone(), p.form.map_or("Bản chính", |f| f.label_vi()), format!("{:02}", p.quantity())))
        .collect()
}

/// The forms issued on a dossier, once each (the latest of a kind), in the order issued. A
/// dossier stored before forms were numbered has them judged from the state it went through.
fn issued_kinds(d: &Dossier) -> Vec<FormKind> {
    let mut kinds: Vec<FormKind> = Vec::new();
    for f in &d.issued {
        if !kinds.contains(&f.kind) {
            kinds.push(f.kind);
        }
    }
    if d.issued.is_empty() {
        if d.accepted_at.is_some() {
            kinds.push(FormKind::Receipt);
        }
        if d.state == DState::NeedsCompletion || d.pauses.iter().any(|p| p.kind == PauseKind::Supplement) {
            kinds.push(FormKind::Completion);
        }
        if d.state == DState::RefusedAtIntake {
            kinds.push(FormKind::IntakeRefusal);
        }
        if d.reappointment.is_some() {
            kinds.push(FormKind::Apology);
        }
        if d.state == DState::Stopped {
            kinds.push(FormKind::StopNotice);
        }
    }
    kinds
}

/// The documents of a dossier to print: (path, title). Mẫu 01 is the receipt page; the
/// control sheet (Mẫu 05) goes with every accepted dossier.
pub fn documents_of(d: &Dossier) -> Vec<(&'static str, String)> {
    let mut out: Vec<(&'static str, String)> = issued_kinds(d)
        .into_iter()
        .filter(|k| *k != FormKind::Receipt)
        .map(|k| (k.slug(), k.template().map_or_else(|| k.title().to_owned(), |t| format!("{} ({t})", k.title()))))
        .collect();
    if d.accepted_at.is_some() {
        out.push((CONTROL_SHEET, "Phiếu kiểm soát quá trình giải quyết hồ sơ (Mẫu 05)".to_owned()));
    }
    if d.postal.is_some() && d.accepted_at.is_some() {
        out.push((HANDOVER, "Biên bản giao nhận hồ sơ với bưu chính".to_owned()));
    }
    if let Some(s) = sent_out(d) {
        out.push((TRANSFER, format!("Phiếu chuyển hồ sơ liên thông ({})", s.external_agency.as_deref().unwrap_or(""))));
    }
    out
}

/// The latest inter-agency step the dossier was sent to.
fn sent_out(d: &Dossier) -> Option<&motcua_domain::dossier::StepRecord> {
    d.steps.iter().rev().find(|s| s.external_agency.is_some() && s.started_at.is_some())
}

/// The slip that goes with a dossier sent to another agency for an inter-agency step.
const TRANSFER: &str = "phieu-chuyen-lien-thong";

/// The control sheet's path: it has no number and is not issued to the applicant.
const CONTROL_SHEET: &str = "mau-05";
/// The handover record signed with the postal worker (Decision 45/2016 Art. 7(3)); its signing
/// is the legal filing time.
const HANDOVER: &str = "bien-ban-giao-nhan";

#[derive(Debug, Template, WebTemplate)]
#[template(path = "form_doc.html")]
pub struct FormPage {
    form: String,
    title: String,
    d: Dossier,
    code: String,
    number: String,
    head: Letterhead,
    place_date: String,
    reason: String,
    notice: Notice,
    received: String,
    previous_due: String,
    new_due: String,
    stopped_at: String,
    steps: Vec<(String, String, String, &'static str, String)>,
    /// The dossier's due date (dd/mm/yyyy).
    due: String,
    /// The time spent at each other agency: (agency, step, time, status).
    external: Vec<(String, String, String, String)>,
    /// The inter-agency step sent out: (agency, what is asked, sent, deadline).
    transfer: Option<(String, String, String, String)>,
    /// The postal handover: its time and item number; the papers in it (name, form, quantity).
    handover: String,
    tracking_number: String,
    papers: Vec<(String, &'static str, String)>,
}

pub async fn form(
    State(state): State<AppState>,
    Officer(actor): Officer,
    Path((id, form)): Path<(Uuid, String)>,
) -> PageResult<FormPage> {
    let actor = &actor;
    let d = state.readable_dossier(actor, id).await?;
    let kind = FormKind::from_slug(&form);
    let found = match kind {
        Some(k) => k != FormKind::Receipt && issued_kinds(&d).contains(&k),
        None => {
            (form == CONTROL_SHEET && d.accepted_at.is_some())
                || (form == HANDOVER && d.postal.is_some() && d.accepted_at.is_some())
                || (form == TRANSFER && sent_out(&d).is_some())
        }
    };
    if !found {
        return Err(ApiError::NotFound("hồ sơ này không có văn bản đó".into()).into());
    }
    let title = match kind {
        Some(k) => k.title(),
        None if form == HANDOVER => "Biên bản giao nhận hồ sơ",
        None if form == TRANSFER => "Phiếu chuyển hồ sơ liên thông",
        None => "Phiếu kiểm soát quá trình giải quyết hồ sơ",
    }
    .to_uppercase();
    let agency = state.store.agency(d.agency_id).await?.ok_or_else(|| ApiError::Internal("agency".into()))?;
    let head = state.letterhead(&agency).await?;
    let units = state.store.units(d.agency_id).await?;
    let cal = state.calendar(d.agency_id).await?;
    let now = state.now(&cal);
    let issued = kind.and_then(|k| d.issued(k));
    // The time at other agencies, apart (Mẫu 05), and the step this slip sends (the transfer).
    let external = d
        .external_time(&cal, now)
        .into_iter()
        .map(|x| {
            let spent = x.describe_vi(cal.working_day_seconds());
            let status = match (x.to, x.late) {
                (None, true) => format!("đang ở {}, đã quá hạn bước (hạn {})", x.agency, t(x.deadline)),
                (None, false) => format!("đang ở {}, hạn {}", x.agency, t(x.deadline)),
                (Some(_), true) => format!("trả lại sau hạn {}: quá hạn do {}", t(x.deadline), x.agency),
                (Some(_), false) => "trả lại đúng hạn".to_owned(),
            };
            (x.agency, x.step, spent, status)
        })
        .collect();
    let transfer = sent_out(&d)
        .map(|s| (s.external_agency.clone().unwrap_or_default(), s.name.clone(), t(s.started_at), t(s.deadline)));
    let supplement = d.pauses.iter().rev().find(|p| p.kind == PauseKind::Supplement);
    let (reason, when) = match kind {
        Some(FormKind::Completion) => match supplement {
            Some(p) => (p.reason.clone(), Some(p.from)),
            None => (d.reason.clone().unwrap_or_default(), Some(d.submitted_at)),
        },
        Some(FormKind::Apology) => (
            d.reappointment.as_ref().map(|r| r.reason.clone()).unwrap_or_default(),
            d.reappointment.as_ref().map(|r| r.at),
        ),
        None if form == HANDOVER => (String::new(), d.postal.as_ref().map(|p| p.handover_at)),
        None if form == TRANSFER => (String::new(), sent_out(&d).and_then(|s| s.started_at)),
        None => (String::new(), d.accepted_at),
        _ => (d.reason.clone().unwrap_or_default(), d.finished_at),
    };
    let when = issued.map(|f| f.at).or(when).unwrap_or(d.submitted_at);
    let steps = d
        .steps
        .iter()
        .map(|s| {
            let unit = units.iter().find(|u| u.code == s.unit).map_or(s.unit.clone(), |u| u.name.clone());
            let holder = match &s.external_agency {
                Some(external) => format!("{external} (liên thông)"),
                None => unit,
            };
            let result = match (s.on_time, s.finished_at, s.deadline) {
                (Some(false), _, _) => "Quá hạn",
                (Some(true), Some(done), Some(deadline)) if done.date() < deadline.date() => "Trước hạn",
                (Some(true), _, _) => "Đúng hạn",
                _ => "",
            };
            (
                format!("{} — {}", holder, s.name),
                t(s.started_at),
                t(s.finished_at),
                result,
                s.note.clone().unwrap_or_default(),
            )
        })
        .collect();
    let code = d.code.as_ref().map_or_else(String::new, |c| c.to_string());
    Ok(FormPage {
        number: kind.map(|k| head.style.number(k, issued.and_then(|f| f.number))).unwrap_or_default(),
        title,
        place_date: head.style.place_date(when.date()),
        head,
        reason,
        notice: d.notice.clone().unwrap_or_default(),
        received: day(d.received_at.map(|r| r.date())),
        previous_due: day(d.reappointment.as_ref().map(|r| r.previous_due_date)),
        new_due: day(d.reappointment.as_ref().map(|r| r.new_due_date)),
        stopped_at: t(d.finished_at),
        steps,
        external,
        transfer,
        due: day(d.due_date),
        handover: d.postal.as_ref().map(|p| crate::pages::office::hour_day(p.handover_at)).unwrap_or_default(),
        tracking_number: d.postal.as_ref().map(|p| p.tracking_number.clone()).unwrap_or_default(),
        papers: papers(&d),
        code,
        form,
        d,
    })
}

#[derive(Debug, Deserialize)]
pub struct RegisterParams {
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    /// The agency whose book it is (one of the officer's; the first by default).
    agency: Option<Uuid>,
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
    agency_name: String,
    agency: Uuid,
    /// The officer's agencies, to choose the book: (id, name).
    agencies: Vec<(Uuid, String)>,
    headers: [&'static str; 12],
    rows: Vec<Vec<String>>,
}

/// The register book (Mẫu 06) of one agency, the dossiers received in a date range: each line
/// numbered as the book numbers it, continuously through the year (the number given at
/// acceptance, also that of its Mẫu 01), whatever range is shown.
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
    let mine = actor.agencies();
    let agency = match p.agency {
        Some(a) if mine.contains(&a) => a,
        Some(_) => return Err(ApiError::NotFound("không có sổ của cơ quan này".into()).into()),
        None => *mine.first().ok_or_else(|| ApiError::NotFound("không có sổ".into()))?,
    };
    let mut dossiers = Vec::new();
    let mut page = 1;
    loop {
        let f = DossierFilter {
            agencies: vec![agency],
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
    // The book's order: its line numbers; dossiers accepted before lines were numbered, by
    // their acceptance, after them.
    dossiers.sort_by_key(|d| (d.register_no.is_none(), d.register_no, d.accepted_at));
    let rows: Vec<Vec<String>> = dossiers
        .iter()
        .map(|d| {
            let note = match (d.state, d.timeliness) {
                (DState::Returned, Some(motcua_domain::dossier::Timeliness::Late)) => "Trả trễ hạn".to_owned(),
                (DState::Returned, _) => String::new(),
                (s, _) => s.label_vi().to_owned(),
            };
            vec![
                d.register_no.map_or_else(String::new, |n| n.to_string()),
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
            w.write_record(r.iter().map(|c| super::spreadsheet_cell(c)))
                .map_err(|e| ApiError::Internal(e.to_string()))?;
        }
        let mut body = "\u{feff}".as_bytes().to_vec(); // BOM: spreadsheet programs then read UTF-8
        body.extend(w.into_inner().map_err(|e| ApiError::Internal(e.to_string()))?);
        let name = format!("attachment; filename=\"so-theo-doi-ho-so-{from}-{to}.csv\"");
        return Ok(
            ([(CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()), (CONTENT_DISPOSITION, name)], body).into_response()
        );
    }
    let mut agencies = Vec::new();
    for a in mine {
        if let Some(found) = state.store.agency(a).await? {
            agencies.push((found.id, found.name));
        }
    }
    let agency_name = agencies.iter().find(|(id, _)| *id == agency).map(|(_, n)| n.clone()).unwrap_or_default();
    Ok(RegisterPage {
        from,
        to,
        from_vi: from.format("%d/%m/%Y").to_string(),
        to_vi: to.format("%d/%m/%Y").to_string(),
        agency_name,
        agency,
        agencies,
        headers: HEADERS,
        rows,
    }
    .into_response())
}
