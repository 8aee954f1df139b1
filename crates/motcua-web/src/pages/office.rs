//! The officers' workspace: dashboard, lists with deadline colours, the dossier page with the
//! actions this person may take now, counter intake and the printed receipt (Mẫu 01).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDateTime;
use motcua_calendar::WorkCalendar;
use motcua_domain::FieldError;
use motcua_domain::catalog::Channel;
use motcua_domain::dossier::{Action, ApplicantInput, Dossier, Postal, State as DState, Submission};
use motcua_domain::org::Actor;
use motcua_store::{DossierFilter, ProcedureQuery};
use serde::Deserialize;
use uuid::Uuid;

use super::dossier_forms::{ActForm, ActionForm, available};
use super::error::PageResult;
use super::roles::{Officer, follows_up};
use super::session::{CsrfForm, Shell, Web};
use crate::error::ApiError;
use crate::routes::dossiers::view::{apply_and_store, load_readable};
use crate::state::AppState;

/// The signed-in officer, or a trip to the sign-in page and back.
async fn home_calendar(state: &AppState, actor: &Actor) -> Result<std::sync::Arc<WorkCalendar>, ApiError> {
    state.calendar(actor.agencies().first().copied().unwrap_or(Uuid::nil())).await
}

/// "on-time", "due-soon" or "overdue" (the domain's rules), for the deadline colours.
pub fn deadline_class(d: &Dossier, cal: &WorkCalendar, now: NaiveDateTime) -> &'static str {
    if d.is_overdue(now) {
        "overdue"
    } else if d.is_due_soon(cal, now) {
        "due-soon"
    } else {
        "on-time"
    }
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "office_dashboard.html")]
pub struct Dashboard {
    shell: Shell,
    to_receive: i64,
    to_process: i64,
    due_soon: i64,
    overdue: i64,
    /// Phone calls owed to applicants, for the counter and leaders.
    calls: Option<usize>,
}

fn view_filter(actor: &Actor, view: &str, cal: &WorkCalendar, now: NaiveDateTime) -> DossierFilter {
    let base = DossierFilter { agencies: actor.agencies(), page: 1, page_size: 100, ..Default::default() };
    match view {
        "receive" => DossierFilter { state: Some(DState::Submitted), ..base },
        "process" => DossierFilter { state: Some(DState::Processing), ..base },
        "due_soon" => DossierFilter { due_before: motcua_domain::dossier::due_soon_until(cal, now), ..base },
        "overdue" => DossierFilter { overdue_at: Some(now), ..base },
        _ => base,
    }
}

pub async fn dashboard(State(state): State<AppState>, web: Web, Officer(actor): Officer) -> PageResult<Dashboard> {
    let actor = &actor;
    let cal = home_calendar(&state, actor).await?;
    let now = state.now(&cal);
    let mut counts = [0; 4];
    for (i, view) in ["receive", "process", "due_soon", "overdue"].iter().enumerate() {
        let f = DossierFilter { page_size: 1, ..view_filter(actor, view, &cal, now) };
        counts[i] = state.store.list_dossiers(&f).await?.total;
    }
    let handles_calls = |r: motcua_domain::org::Role| {
        matches!(
            r,
            motcua_domain::org::Role::Reception
                | motcua_domain::org::Role::UnitLead
                | motcua_domain::org::Role::AgencyLead
        )
    };
    let mut agencies: Vec<Uuid> = actor.grants.iter().filter(|g| handles_calls(g.role)).map(|g| g.agency_id).collect();
    agencies.sort();
    agencies.dedup();
    let mut calls = None;
    for agency in agencies {
        let open = state.store.call_tasks(agency, true).await?.len();
        calls = Some(calls.unwrap_or(0) + open);
    }
    Ok(Dashboard {
        calls,
        shell: web.shell,
        to_receive: counts[0],
        to_process: counts[1],
        due_soon: counts[2],
        overdue: counts[3],
    })
}

#[derive(Debug)]
pub struct Row {
    id: Uuid,
    code: String,
    procedure: String,
    applicant: String,
    state: &'static str,
    step: Option<String>,
    due: String,
    deadline_class: &'static str,
    /// The due date lies in a year without an official schedule of days off.
    due_projected: bool,
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "office_list.html")]
pub struct ListPage {
    shell: Shell,
    title: String,
    total: i64,
    rows: Vec<Row>,
    p: ListParams,
    units: Vec<(String, String)>,
    states: Vec<(&'static str, &'static str)>,
}

#[derive(Debug, Default, Deserialize)]
pub struct ListParams {
    #[serde(default)]
    view: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    channel: String,
    #[serde(default)]
    sort: String,
}

pub async fn list(
    State(state): State<AppState>,
    web: Web,
    Officer(actor): Officer,
    Query(p): Query<ListParams>,
) -> PageResult<ListPage> {
    let actor = &actor;
    let cal = home_calendar(&state, actor).await?;
    let now = state.now(&cal);
    let mut filter = view_filter(actor, &p.view, &cal, now);
    if let Some(s) = DState::parse(&p.state) {
        filter.state = Some(s);
    }
    if !p.unit.is_empty() {
        filter.unit = Some(p.unit.clone());
    }
    filter.channel = match p.channel.as_str() {
        "counter" => Some(Channel::Counter),
        "online" => Some(Channel::Online),
        "postal" => Some(Channel::Postal),
        _ => None,
    };
    filter.newest_first = p.sort == "received";
    let page = state.store.list_dossiers(&filter).await?;
    let mut units = Vec::new();
    for agency in actor.agencies() {
        units.extend(state.store.units(agency).await?.into_iter().map(|u| (u.code, u.name)));
    }
    let states = DState::ALL.iter().map(|s| (s.as_str(), s.label_vi())).collect();
    let t = web.shell.t;
    let title = match p.view.as_str() {
        "receive" => t.to_receive,
        "process" => t.to_process,
        "due_soon" => t.due_soon,
        "overdue" => t.overdue,
        _ => "Tất cả hồ sơ",
    }
    .to_owned();
    let rows = page
        .items
        .iter()
        .map(|d| Row {
            id: d.id,
            code: d.code.as_ref().map_or_else(|| "(chưa cấp mã)".to_owned(), |c| c.to_string()),
            procedure: d.procedure_name.clone(),
            applicant: d.applicant.name.clone(),
            state: d.state.label_vi(),
            step: d.step().map(|s| s.name.clone()),
            due: d.due_date.map(|d| d.format("%d/%m/%Y").to_string()).unwrap_or_default(),
            deadline_class: deadline_class(d, &cal, now),
            due_projected: d.due_date.is_some_and(|due| cal.is_projected(due)),
        })
        .collect();
    Ok(ListPage { shell: web.shell, title, total: page.total, rows, p, units, states })
}

#[derive(Debug)]
pub struct StepRow {
    name: String,
    unit: String,
    started: String,
    deadline: String,
    finished: String,
    on_time: &'static str,
    current: bool,
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "office_dossier.html")]
pub struct DossierPage {
    shell: Shell,
    d: Dossier,
    code: String,
    channel: &'static str,
    fees: String,
    deadline_class: &'static str,
    /// The due date lies in a year without an official schedule of days off.
    due_projected: bool,
    actions: Vec<ActionForm>,
    steps: Vec<StepRow>,
    events: Vec<(String, String)>,
    errors: Vec<FieldError>,
    warnings: Vec<String>,
    done: Option<String>,
    today: String,
    documents: Vec<(&'static str, &'static str)>,
    can_attach_result: bool,
    /// Messages to the applicant: channel, recipient, status, attempts, last answer.
    messages: Vec<(String, String, &'static str, i64, String)>,
    /// A reminder to whoever holds it: offered on an unfinished dossier that is late or due soon.
    can_remind: bool,
}

/// A time as officers read it. A day-based deadline is the midnight ending its last day: it
/// reads "24:00 09/12/2026", not "00:00 10/12/2026".
fn fmt_time(t: Option<NaiveDateTime>) -> String {
    match t {
        Some(t) if t.time() == chrono::NaiveTime::MIN => {
            let day = t.date().pred_opt().unwrap_or(t.date());
            format!("24:00 {}", day.format("%d/%m/%Y"))
        }
        Some(t) => t.format("%H:%M %d/%m/%Y").to_string(),
        None => String::new(),
    }
}

pub fn channel_label(c: Channel) -> &'static str {
    match c {
        Channel::Counter => "Trực tiếp",
        Channel::Online => "Trực tuyến",
        Channel::Postal => "Bưu chính",
    }
}

async fn dossier_page(
    state: &AppState,
    web: Web,
    actor: &Actor,
    id: Uuid,
    errors: Vec<FieldError>,
    warnings: Vec<String>,
    done: Option<String>,
) -> PageResult<DossierPage> {
    let d = load_readable(state, actor, id).await?;
    let cal = state.calendar(d.agency_id).await?;
    let now = state.now(&cal);
    let units = state.store.units(d.agency_id).await?;
    let steps = d
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| StepRow {
            name: s.name.clone(),
            unit: units.iter().find(|u| u.code == s.unit).map_or(s.unit.clone(), |u| u.name.clone()),
            started: fmt_time(s.started_at),
            deadline: fmt_time(s.deadline),
            finished: fmt_time(s.finished_at),
            on_time: match s.on_time {
                Some(true) => "Đúng hạn",
                Some(false) => "Trễ hạn",
                None => "",
            },
            current: d.current_step == Some(i),
        })
        .collect();
    // The timeline: the dossier's events, every message sent about it, and every phone call.
    let mut timeline: Vec<(NaiveDateTime, String)> = state
        .store
        .events(d.id)
        .await?
        .into_iter()
        .map(|e| (e.at, format!("{} → {}", e.kind.label(false), e.to_state.label_vi())))
        .collect();
    let deliveries = state.store.deliveries_of(d.id).await?;
    for m in &deliveries {
        let channel = m.channel.label();
        let what = if m.idempotency_key.starts_with("remind:") { "Nhắc xử lý" } else { "Thông báo" };
        let status = super::messages::status_vi(m.status);
        timeline.push((m.created_at, format!("{what} ({channel}) tới {}: {status}", m.recipient)));
    }
    for c in state.store.call_tasks_of(d.id).await? {
        timeline.push((c.created_at, format!("Cần gọi điện cho người nộp ({})", c.phone.clone().unwrap_or_default())));
        if let Some(outcome) = &c.outcome {
            let note = c.note.as_deref().map(|n| format!(" — {n}")).unwrap_or_default();
            let lan = if c.attempts > 1 { format!(" (lần {})", c.attempts) } else { String::new() };
            let line = format!("Gọi điện: {}{lan}{note}", super::messages::outcome_vi(outcome));
            timeline.push((c.updated_at, line));
        }
    }
    timeline.sort_by_key(|(at, _)| *at);
    let events = timeline.into_iter().map(|(at, text)| (at.format("%H:%M %d/%m/%Y").to_string(), text)).collect();
    let class = deadline_class(&d, &cal, now);
    let can_remind = d.finished_at.is_none()
        && class != "on-time"
        && actor.grants.iter().any(|g| g.agency_id == d.agency_id && follows_up(g.role));
    Ok(DossierPage {
        code: d.code.as_ref().map_or_else(|| "(chưa cấp mã)".to_owned(), |c| c.to_string()),
        channel: channel_label(d.channel),
        fees: d.total_fees().to_string(),
        deadline_class: class,
        due_projected: d.due_date.is_some_and(|due| cal.is_projected(due)),
        can_remind,
        actions: available(&d, actor, &cal, now),
        steps,
        events,
        errors,
        warnings,
        done,
        today: now.date().to_string(),
        documents: super::forms::documents_of(&d),
        messages: deliveries
            .into_iter()
            .map(|m| {
                let channel = m.channel.label();
                let status = super::messages::status_vi(m.status);
                (channel.to_owned(), m.recipient, status, m.attempts, m.last_answer.unwrap_or_default())
            })
            .collect(),
        can_attach_result: d.result.is_some()
            && actor.has_any(
                &[
                    motcua_domain::org::Role::Reception,
                    motcua_domain::org::Role::UnitLead,
                    motcua_domain::org::Role::AgencyLead,
                ],
                d.agency_id,
                None,
            ),
        shell: web.shell,
        d,
    })
}

#[derive(Debug, Deserialize)]
pub struct DoneParam {
    done: Option<String>,
    reminded: Option<u32>,
}

pub async fn show(
    State(state): State<AppState>,
    web: Web,
    Officer(actor): Officer,
    Path(id): Path<Uuid>,
    Query(p): Query<DoneParam>,
) -> PageResult<DossierPage> {
    let done = match (p.done, p.reminded) {
        (_, Some(0)) => {
            Some("Không gửi thêm lời nhắc: hôm nay đã nhắc, hoặc người xử lý chưa có email, số di động.".into())
        }
        (_, Some(n)) => Some(format!("Đã gửi lời nhắc ({n} tin nhắn).")),
        (Some(_), None) => Some("Đã cập nhật hồ sơ.".to_owned()),
        (None, None) => None,
    };
    dossier_page(&state, web, &actor, id, vec![], vec![], done).await
}

pub async fn act(
    State(state): State<AppState>,
    web: Web,
    Officer(actor): Officer,
    Path(id): Path<Uuid>,
    CsrfForm(f): CsrfForm<ActForm>,
) -> PageResult<Response> {
    let d = load_readable(&state, &actor, id).await?;
    let result = match f.action() {
        Ok(action) => apply_and_store(&state, &actor, &d, f.version, action).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(r) if r.warnings.is_empty() => Ok(Redirect::to(&format!("/office/dossiers/{id}?done=1")).into_response()),
        Ok(r) => Ok(dossier_page(&state, web, &actor, id, vec![], r.warnings, Some("Đã cập nhật hồ sơ.".into()))
            .await?
            .into_response()),
        Err(e) => {
            let status = e.clone_status();
            let errors = super::dossier_forms::field_errors(e);
            let page = dossier_page(&state, web, &actor, id, errors, vec![], None).await?;
            Ok((status, page).into_response())
        }
    }
}

pub async fn file(
    State(state): State<AppState>,
    Officer(actor): Officer,
    Path((id, index)): Path<(Uuid, usize)>,
) -> PageResult<Response> {
    let actor = &actor;
    Ok(super::dossier_forms::document_file(&state, actor, id, index).await?)
}

#[derive(Debug, Default, Deserialize)]
pub struct IntakeForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub procedure_code: String,
    #[serde(default)]
    pub channel: String,
    #[serde(default)]
    pub handover_at: String,
    #[serde(default)]
    pub tracking_number: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub citizen_id: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub address: String,
    /// The checklist's boxes: `doc_<n>` for each document received.
    #[serde(flatten)]
    pub checked: std::collections::HashMap<String, String>,
}

impl IntakeForm {
    /// The applicant's fields, read through `get` (a submitted form's fields by name).
    pub fn applicant_from(get: impl Fn(&str) -> String) -> IntakeForm {
        IntakeForm {
            name: get("name"),
            citizen_id: get("citizen_id"),
            phone: get("phone"),
            email: get("email"),
            address: get("address"),
            ..Default::default()
        }
    }
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "office_intake.html")]
pub struct IntakePage {
    shell: Shell,
    errors: Vec<FieldError>,
    procedures: Vec<(String, String, String)>,
    /// The chosen procedure's documents: name, originals and copies, required, ticked.
    checklist: Vec<(String, String, bool, bool)>,
    form: IntakeForm,
}

async fn intake_page(
    state: &AppState,
    web: Web,
    actor: &Actor,
    mut form: IntakeForm,
    errors: Vec<FieldError>,
) -> PageResult<IntakePage> {
    let mut procedures = Vec::new();
    for agency in actor.agencies() {
        let q = ProcedureQuery {
            agency_id: Some(agency),
            in_force_on: Some(state.now_default().date()),
            page: 1,
            page_size: 200,
            ..Default::default()
        };
        for v in state.store.search_procedures(&q).await?.items {
            if v.spec.channels.contains(&Channel::Counter) {
                procedures.push((v.spec.code.clone(), v.spec.name.clone(), v.spec.time_limit.describe_vi()));
            }
        }
    }
    if form.procedure_code.is_empty()
        && let Some(first) = procedures.first()
    {
        form.procedure_code = first.0.clone();
    }
    let chosen = procedures.iter().any(|p| p.0 == form.procedure_code);
    let checklist = match state.store.procedure_at(&form.procedure_code, state.now_default().date()).await? {
        Some(v) if chosen => v
            .spec
            .documents
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let ticked = form.checked.contains_key(&format!("doc_{i}"));
                (d.name.clone(), format!("{} bản chính, {} bản sao", d.originals, d.copies), d.required, ticked)
            })
            .collect(),
        _ => Vec::new(),
    };
    Ok(IntakePage { shell: web.shell, errors, procedures, checklist, form })
}

#[derive(Debug, Deserialize)]
pub struct IntakeQuery {
    #[serde(default)]
    procedure_code: String,
}

pub async fn intake_form(
    State(state): State<AppState>,
    web: Web,
    Officer(actor): Officer,
    Query(q): Query<IntakeQuery>,
) -> PageResult<IntakePage> {
    let form = IntakeForm { procedure_code: q.procedure_code, ..Default::default() };
    intake_page(&state, web, &actor, form, vec![]).await
}

pub async fn intake(
    State(state): State<AppState>,
    web: Web,
    Officer(actor): Officer,
    CsrfForm(f): CsrfForm<IntakeForm>,
) -> PageResult<Response> {
    match create_at_counter(&state, &actor, &f).await {
        Ok(id) => Ok(Redirect::to(&format!("/office/dossiers/{id}/receipt")).into_response()),
        Err(e) => {
            let status = e.clone_status();
            let errors = super::dossier_forms::field_errors(e);
            Ok((status, intake_page(&state, web, &actor, f, errors).await?).into_response())
        }
    }
}

/// Counter or postal intake: the dossier is created and accepted at once.
async fn create_at_counter(state: &AppState, actor: &Actor, f: &IntakeForm) -> Result<Uuid, ApiError> {
    // The version in force at the receipt instant; one scheduled for later is not used yet.
    let version = state
        .store
        .procedure_at(&f.procedure_code, state.now_default().date())
        .await?
        .ok_or_else(|| ApiError::field("procedure_code", "Cần chọn thủ tục."))?;
    // The officer checks the paper originals against the checklist: every required document.
    let ticked: Vec<usize> =
        (0..version.spec.documents.len()).filter(|i| f.checked.contains_key(&format!("doc_{i}"))).collect();
    let missing: Vec<FieldError> = version
        .spec
        .missing_documents(&ticked)
        .map(|(i, d)| FieldError::new(format!("doc_{i}"), format!("Chưa nhận giấy tờ bắt buộc: {}.", d.name)))
        .collect();
    if !missing.is_empty() {
        return Err(ApiError::invalid(missing));
    }
    let opt = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
    let applicant = ApplicantInput {
        kind: None,
        name: opt(&f.name),
        citizen_id: opt(&f.citizen_id),
        tax_code: None,
        phone: opt(&f.phone),
        email: opt(&f.email),
        address: opt(&f.address),
    }
    .parse()?;
    let channel = if f.channel == "postal" { Channel::Postal } else { Channel::Counter };
    let postal = if channel == Channel::Postal {
        let handover_at = NaiveDateTime::parse_from_str(&f.handover_at, "%Y-%m-%dT%H:%M")
            .map_err(|_| ApiError::field("handover_at", "Cần thời điểm bàn giao của bưu chính."))?;
        Some(Postal { handover_at, tracking_number: f.tracking_number.trim().to_owned() })
    } else {
        None
    };
    let agency = state.store.agency(version.agency_id).await?.ok_or_else(|| ApiError::Internal("agency".into()))?;
    let cal = state.calendar(agency.id).await?;
    let sub = Submission { id: Uuid::now_v7(), channel, applicant, postal, citizen_user_id: None, files: vec![] };
    let t = motcua_app::dossiers::intake(&*state.store, actor, &version, &agency, sub, state.at(&cal)).await?;
    Ok(t.dossier.id)
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "receipt.html")]
pub struct ReceiptPage {
    d: Dossier,
    code: String,
    agency_name: String,
    place_date: String,
    time_limit: String,
    received: String,
    due: String,
    fees: String,
    officer: String,
    lookup_url: String,
    qr_svg: String,
}

/// The receipt and appointment (Giấy tiếp nhận hồ sơ và hẹn trả kết quả, Mẫu 01), to print,
/// with a QR code to the public lookup.
pub async fn receipt(
    State(state): State<AppState>,
    Officer(actor): Officer,
    Path(id): Path<Uuid>,
) -> PageResult<ReceiptPage> {
    let d = load_readable(&state, &actor, id).await?;
    let code =
        d.code.as_ref().map(|c| c.to_string()).ok_or_else(|| ApiError::NotFound("hồ sơ chưa được tiếp nhận".into()))?;
    let agency = state.store.agency(d.agency_id).await?.ok_or_else(|| ApiError::Internal("agency".into()))?;
    let lookup_url = format!("{}/lookup?code={code}&phone_last4={}", state.config.public_url, d.phone_last4());
    let qr_svg = qrcode::QrCode::new(lookup_url.as_bytes())
        .map(|q| q.render::<qrcode::render::svg::Color>().min_dimensions(160, 160).build())
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let accepted = d.accepted_at.unwrap_or(d.submitted_at);
    Ok(ReceiptPage {
        agency_name: agency.name.to_uppercase(),
        place_date: format!(
            "Khánh Hòa, ngày {} tháng {} năm {}",
            accepted.format("%d"),
            accepted.format("%m"),
            accepted.format("%Y")
        ),
        time_limit: d.time_limit.describe_vi(),
        received: d.received_at.map(|r| r.format("%H giờ %M phút, ngày %d/%m/%Y").to_string()).unwrap_or_default(),
        due: d.due_date.map(|r| r.format("%d/%m/%Y").to_string()).unwrap_or_default(),
        fees: d.total_fees().to_string(),
        officer: actor.name.clone(),
        code,
        lookup_url,
        qr_svg,
        d,
    })
}

/// Attaches the result's file (multipart `file_0`), once the result is ready.
pub async fn result_file(
    State(state): State<AppState>,
    Officer(actor): Officer,
    Path(id): Path<Uuid>,
    super::dossier_forms::CsrfUpload(upload): super::dossier_forms::CsrfUpload,
) -> PageResult<Response> {
    let (fields, files) = upload?;
    let d = load_readable(&state, &actor, id).await?;
    let version: i64 = fields.get("version").and_then(|v| v.parse().ok()).unwrap_or(-1);
    let (_, upload) = files.into_iter().next().ok_or_else(|| ApiError::field("file_0", "Cần chọn tệp kết quả."))?;
    let file = super::dossier_forms::store_upload(&state, d.agency_id, &upload).await?;
    apply_and_store(&state, &actor, &d, version, Action::AttachResult { file }).await?;
    Ok(Redirect::to(&format!("/office/dossiers/{id}?done=1")).into_response())
}

pub async fn result_download(
    State(state): State<AppState>,
    Officer(actor): Officer,
    Path(id): Path<Uuid>,
) -> PageResult<Response> {
    let actor = &actor;
    Ok(super::dossier_forms::result_file(&state, actor, id).await?)
}
