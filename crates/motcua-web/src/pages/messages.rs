//! Messages seen from inside the agency: the counter's queue of phone calls owed to applicants
//! whom an essential SMS could not reach, the one-click reminder on a late dossier, the
//! administrator's message log (search, resend) and the editor of the agency's own words for each
//! message, with a live preview, the SMS segment count and every earlier version.

use askama::Template;
use askama_web::WebTemplate;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use motcua_app::template::{self, LANGS, Placeholder, TemplateSet};
use motcua_app::{MessageContext, Segments, render_with, segments};
use motcua_domain::FieldError;
use motcua_domain::org::Agency;
use motcua_store::{DeliveryQuery, MessageTemplate};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::admin::audit;
use super::error::PageResult;
use super::roles::{AgencyAdmin, FollowUp};
use super::session::{CsrfForm, Shell, Web};
use crate::error::ApiError;
use crate::routes::dossiers::view::load_readable;
use crate::state::AppState;
use motcua_store::{DeliveryChannel, DeliveryStatus};

/// How a delivery stands, in Vietnamese.
pub fn status_vi(status: DeliveryStatus) -> &'static str {
    match status {
        DeliveryStatus::Delivered => "Đã gửi",
        DeliveryStatus::Created | DeliveryStatus::Sending => "Đang gửi",
        DeliveryStatus::TemporaryFailure => "Lỗi tạm thời, sẽ gửi lại",
        DeliveryStatus::PermanentFailure => "Không gửi được",
        DeliveryStatus::TechnicalFailure => "Lỗi kỹ thuật",
    }
}

/// What came of a call, in Vietnamese.
pub fn outcome_vi(outcome: &str) -> &'static str {
    match outcome {
        "reached" => "Đã liên lạc được",
        "no_answer" => "Không nghe máy",
        "wrong_number" => "Sai số điện thoại",
        _ => "",
    }
}

fn reason_vi(reason: &str) -> &'static str {
    if reason == "no_mobile" { "Không có số di động" } else { "SMS không gửi được" }
}

#[derive(Debug)]
pub struct CallRow {
    id: Uuid,
    dossier_id: Uuid,
    code: String,
    applicant: String,
    phone: String,
    reason: &'static str,
    script: String,
    attempts: i64,
    last_outcome: &'static str,
    created: String,
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "office_calls.html")]
pub struct CallsPage {
    shell: Shell,
    rows: Vec<CallRow>,
    notice: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct NoticeParam {
    done: Option<String>,
}

pub async fn calls(
    State(state): State<AppState>,
    web: Web,
    FollowUp { agencies, .. }: FollowUp,
    Query(p): Query<NoticeParam>,
) -> PageResult<CallsPage> {
    let mut rows = Vec::new();
    for agency in agencies {
        for t in state.store.call_tasks(agency, true).await? {
            let code = state.store.dossier(t.dossier_id).await?.and_then(|d| d.code.map(|c| c.to_string()));
            rows.push(CallRow {
                id: t.id,
                dossier_id: t.dossier_id,
                code: code.unwrap_or_else(|| "(chưa cấp mã)".into()),
                applicant: t.applicant,
                phone: t.phone.unwrap_or_default(),
                reason: reason_vi(&t.reason),
                script: t.script,
                attempts: t.attempts,
                last_outcome: t.outcome.as_deref().map(outcome_vi).unwrap_or(""),
                created: t.created_at.format("%H:%M %d/%m/%Y").to_string(),
            });
        }
    }
    let notice = p.done.map(|_| "Đã ghi kết quả cuộc gọi.".to_owned());
    Ok(CallsPage { shell: web.shell, rows, notice })
}

#[derive(Debug, Default, Deserialize)]
pub struct CallForm {
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    note: String,
}

pub async fn record_call(
    State(state): State<AppState>,
    FollowUp { actor, agencies }: FollowUp,
    Path(id): Path<Uuid>,
    CsrfForm(f): CsrfForm<CallForm>,
) -> PageResult<Response> {
    let actor = &actor;
    let not_found = || ApiError::NotFound("không tìm thấy cuộc gọi".into());
    let task = state.store.call_task(id).await?.ok_or_else(not_found)?;
    if !agencies.contains(&task.agency_id) {
        return Err(not_found().into());
    }
    if outcome_vi(&f.outcome).is_empty() {
        let message = "chọn kết quả cuộc gọi: liên lạc được, không nghe máy hoặc sai số".to_owned();
        let fields = vec![FieldError::new("outcome", message.clone())];
        return Err(ApiError::Invalid { code: "invalid_outcome", message, fields }.into());
    }
    let note = Some(f.note.trim()).filter(|n| !n.is_empty());
    let done = f.outcome != "no_answer";
    let now = state.now_default();
    state.store.record_call(id, &f.outcome, note, actor.user_id, done, now).await?;
    let data = serde_json::json!({ "dossier_id": task.dossier_id, "outcome": f.outcome, "note": note });
    audit(&state, actor, task.agency_id, "call.record", format!("call_task:{id}"), data).await?;
    Ok(Redirect::to("/office/calls?done=1").into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct BackForm {
    /// `monitoring` to return to the monitoring page rather than the dossier.
    #[serde(default)]
    back: String,
}

/// Queues a reminder about one unfinished dossier to whoever holds it (leaders and the counter).
pub async fn remind(
    State(state): State<AppState>,
    FollowUp { actor, agencies }: FollowUp,
    Path(id): Path<Uuid>,
    CsrfForm(f): CsrfForm<BackForm>,
) -> PageResult<Response> {
    let back = format!("/office/dossiers/{id}");
    let actor = &actor;
    let d = load_readable(&state, actor, id).await?;
    if !agencies.contains(&d.agency_id) {
        return Err(ApiError::Forbidden("nhắc xử lý hồ sơ".into()).into());
    }
    if d.finished_at.is_some() {
        let message = "hồ sơ đã giải quyết xong, không cần nhắc".to_owned();
        return Err(ApiError::Conflict { code: "finished", message }.into());
    }
    let cal = state.calendar(d.agency_id).await?;
    let now = state.now(&cal);
    let by = state.store.user(actor.user_id).await?.ok_or(ApiError::Unauthenticated)?;
    let sent = motcua_app::digest::remind(&*state.store, &cal, &d, &by, now, &state.config.public_url).await?;
    audit(
        &state,
        actor,
        d.agency_id,
        "dossier.remind",
        format!("dossier:{id}"),
        serde_json::json!({ "messages": sent }),
    )
    .await?;
    if f.back == "monitoring" {
        return Ok(Redirect::to(&format!("/office/monitoring?reminded={sent}")).into_response());
    }
    Ok(Redirect::to(&format!("{back}?reminded={sent}")).into_response())
}

#[derive(Debug)]
pub struct LogRow {
    id: Uuid,
    created: String,
    channel: &'static str,
    recipient: String,
    text: String,
    status: &'static str,
    attempts: i64,
    answer: String,
    dossier_id: Option<Uuid>,
    resendable: bool,
}

#[derive(Debug, Default, Deserialize)]
pub struct LogParams {
    #[serde(default)]
    q: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    channel: String,
    #[serde(default)]
    page: Option<u32>,
    #[serde(default)]
    done: Option<String>,
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "admin_messages.html")]
pub struct MessageLog {
    shell: Shell,
    agency_name: String,
    rows: Vec<LogRow>,
    total: i64,
    page: u32,
    pages: u32,
    p: LogParams,
    statuses: Vec<(&'static str, &'static str)>,
    notice: Option<String>,
    /// Events that could not become messages: when, event, dossier, why.
    set_aside: Vec<(String, String, String, String)>,
}

const PAGE_SIZE: u32 = 50;

pub async fn message_log(
    State(state): State<AppState>,
    web: Web,
    AgencyAdmin { agency, .. }: AgencyAdmin,
    Query(p): Query<LogParams>,
) -> PageResult<MessageLog> {
    let page = p.page.unwrap_or(1).max(1);
    let found = state
        .store
        .search_deliveries(&DeliveryQuery {
            agencies: vec![agency.id],
            q: Some(p.q.clone()),
            status: DeliveryStatus::parse(p.status.trim()),
            channel: DeliveryChannel::parse(p.channel.trim()),
            page,
            page_size: PAGE_SIZE,
        })
        .await?;
    let rows = found
        .items
        .into_iter()
        .map(|m| LogRow {
            id: m.id,
            created: m.created_at.format("%H:%M %d/%m/%Y").to_string(),
            channel: m.channel.label(),
            recipient: m.recipient,
            text: m.subject.unwrap_or_else(|| m.body.chars().take(120).collect()),
            status: status_vi(m.status),
            resendable: !matches!(m.status, DeliveryStatus::Created | DeliveryStatus::Sending),
            attempts: m.attempts,
            answer: m.last_answer.unwrap_or_default(),
            dossier_id: m.dossier_id,
        })
        .collect();
    let statuses = vec![
        ("delivered", "Đã gửi"),
        ("created", "Chờ gửi"),
        ("sending", "Đang gửi"),
        ("temporary-failure", "Lỗi tạm thời"),
        ("permanent-failure", "Không gửi được"),
        ("technical-failure", "Lỗi kỹ thuật"),
    ];
    let notice = p.done.as_ref().map(|_| "Đã đưa tin nhắn vào hàng đợi gửi lại.".to_owned());
    let set_aside = state
        .store
        .failed_outbox(agency.id, 20)
        .await?
        .into_iter()
        .map(|f| {
            (
                f.created_at.format("%H:%M %d/%m/%Y").to_string(),
                f.kind,
                f.dossier_id.map(|d| d.to_string()).unwrap_or_default(),
                f.failed_reason.unwrap_or_default(),
            )
        })
        .collect();
    Ok(MessageLog {
        set_aside,
        shell: web.shell,
        agency_name: agency.name,
        rows,
        total: found.total,
        page,
        pages: (found.total as u32).div_ceil(PAGE_SIZE).max(1),
        p,
        statuses,
        notice,
    })
}

pub async fn resend(
    State(state): State<AppState>,
    AgencyAdmin { actor, agency }: AgencyAdmin,
    Path(id): Path<Uuid>,
    CsrfForm(_): CsrfForm<BackForm>,
) -> PageResult<Response> {
    let not_found = || ApiError::NotFound("không tìm thấy tin nhắn".into());
    let d = state.store.delivery(id).await?.filter(|d| d.agency_id == agency.id).ok_or_else(not_found)?;
    state.store.resend_delivery(id, state.now_default()).await?;
    let data = serde_json::json!({ "key": d.idempotency_key, "previous_status": d.status });
    audit(&state, &actor, agency.id, "message.resend", format!("delivery:{id}"), data).await?;
    Ok(Redirect::to("/admin/messages?done=1").into_response())
}

#[derive(Debug)]
pub struct EventRow {
    event: String,
    label: String,
    essential: bool,
    versions: Vec<(&'static str, Option<i64>)>,
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "admin_templates.html")]
pub struct TemplatesIndex {
    shell: Shell,
    agency_name: String,
    rows: Vec<EventRow>,
}

pub async fn templates(
    State(state): State<AppState>,
    web: Web,
    AgencyAdmin { agency, .. }: AgencyAdmin,
) -> PageResult<TemplatesIndex> {
    let saved = state.store.message_templates(agency.id).await?;
    let rows = template::events()
        .into_iter()
        .map(|e| EventRow {
            versions: LANGS
                .iter()
                .map(|lang| {
                    let latest = saved.iter().find(|t| t.event == e.event && t.lang == *lang).map(|t| t.version);
                    (*lang, latest)
                })
                .collect(),
            event: e.event,
            label: e.label,
            essential: e.essential,
        })
        .collect();
    Ok(TemplatesIndex { shell: web.shell, agency_name: agency.name, rows })
}

/// The rendered sample of a template set, as the editor shows it.
#[derive(Debug, Default, Serialize)]
pub struct Preview {
    subject: String,
    body_text: String,
    body_html: String,
    sms: String,
    sms_cost: String,
    sms_with_marks_cost: String,
}

fn cost(s: Segments) -> String {
    let encoding = match s.encoding {
        motcua_app::Encoding::Gsm7 => "GSM-7",
        motcua_app::Encoding::Ucs2 => "Unicode (UCS-2)",
    };
    format!("{} tin nhắn · {} ký tự {encoding}", s.count, s.units)
}

fn preview(event: &str, lang: &str, set: &TemplateSet) -> Preview {
    let ctx = MessageContext::sample(event);
    let (Some(plain), Some(marked)) =
        (render_with(&ctx, lang, Some(set), false), render_with(&ctx, lang, Some(set), true))
    else {
        return Preview::default();
    };
    Preview {
        sms_cost: cost(segments(&plain.sms)),
        sms_with_marks_cost: cost(segments(&marked.sms)),
        subject: plain.subject,
        body_text: plain.body_text,
        body_html: plain.body_html,
        sms: plain.sms,
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct TemplateForm {
    #[serde(default)]
    subject: String,
    #[serde(default)]
    body_text: String,
    #[serde(default)]
    body_html: String,
    #[serde(default)]
    sms: String,
}

impl TemplateForm {
    fn set(&self) -> TemplateSet {
        let clean = |s: &str| motcua_domain::text::nfc(&s.replace("\r\n", "\n"));
        TemplateSet {
            subject: clean(self.subject.trim()),
            body_text: clean(&self.body_text),
            body_html: clean(&self.body_html),
            sms: clean(self.sms.trim()),
        }
    }
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "admin_template_edit.html")]
pub struct TemplateEditor {
    shell: Shell,
    event: String,
    label: String,
    essential: bool,
    lang: String,
    form: TemplateSet,
    errors: Vec<FieldError>,
    preview: Preview,
    /// (version, saved at, by)
    versions: Vec<(i64, String, String)>,
    showing: Option<i64>,
    placeholders: Vec<(String, &'static str)>,
    notice: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct EditorParams {
    version: Option<i64>,
    saved: Option<i64>,
}

fn known(event: &str, lang: &str) -> Result<template::EventInfo, ApiError> {
    match template::event(event) {
        Some(info) if LANGS.contains(&lang) => Ok(info),
        _ => Err(ApiError::NotFound("không có mẫu tin nhắn này".into())),
    }
}

async fn editor(
    state: &AppState,
    shell: Shell,
    agency: &Agency,
    (event, lang): (&str, &str),
    form: Option<TemplateSet>,
    errors: Vec<FieldError>,
    (showing, notice): (Option<i64>, Option<String>),
) -> Result<TemplateEditor, ApiError> {
    let info = known(event, lang)?;
    let saved: Vec<MessageTemplate> = state
        .store
        .message_templates(agency.id)
        .await?
        .into_iter()
        .filter(|t| t.event == event && t.lang == lang)
        .collect();
    let shown = match showing {
        Some(v) => Some(
            saved.iter().find(|t| t.version == v).ok_or_else(|| ApiError::NotFound("không có phiên bản này".into()))?,
        ),
        None => saved.first(),
    };
    let form = form.or_else(|| {
        shown.map(|t| TemplateSet {
            subject: t.subject.clone(),
            body_text: t.body_text.clone(),
            body_html: t.body_html.clone(),
            sms: t.sms.clone(),
        })
    });
    let form = form.or_else(|| template::default_set(event, lang)).unwrap_or_default();
    let mut versions = Vec::new();
    for t in &saved {
        let by = match t.author_id {
            Some(id) => state.store.user(id).await?.map(|u| u.full_name).unwrap_or_default(),
            None => String::new(),
        };
        versions.push((t.version, t.created_at.format("%H:%M %d/%m/%Y").to_string(), by));
    }
    Ok(TemplateEditor {
        shell,
        preview: preview(event, lang, &form),
        event: event.to_owned(),
        label: info.label,
        essential: info.essential,
        lang: lang.to_owned(),
        form,
        errors,
        versions,
        showing,
        placeholders: Placeholder::ALL.iter().map(|p| (format!("{{{}}}", p.name()), p.describe_vi())).collect(),
        notice,
    })
}

pub async fn edit_template(
    State(state): State<AppState>,
    web: Web,
    AgencyAdmin { agency, .. }: AgencyAdmin,
    Path((event, lang)): Path<(String, String)>,
    Query(p): Query<EditorParams>,
) -> PageResult<TemplateEditor> {
    let notice = p.saved.map(|v| format!("Đã lưu phiên bản {v}. Tin nhắn từ nay dùng nội dung này."));
    Ok(editor(&state, web.shell, &agency, (&event, &lang), None, vec![], (p.version, notice)).await?)
}

fn template_errors(set: &TemplateSet) -> Vec<FieldError> {
    let mut errors: Vec<FieldError> = match set.parse() {
        Ok(_) => vec![],
        Err(errors) => errors.into_iter().map(|(field, e)| FieldError::new(field, e.to_string())).collect(),
    };
    for (field, text) in
        [("subject", &set.subject), ("body_text", &set.body_text), ("body_html", &set.body_html), ("sms", &set.sms)]
    {
        if text.trim().is_empty() {
            errors.push(FieldError::new(field, "không được để trống"));
        }
    }
    errors
}

pub async fn save_template(
    State(state): State<AppState>,
    web: Web,
    AgencyAdmin { actor, agency }: AgencyAdmin,
    Path((event, lang)): Path<(String, String)>,
    CsrfForm(f): CsrfForm<TemplateForm>,
) -> PageResult<Response> {
    known(&event, &lang)?;
    let set = f.set();
    let errors = template_errors(&set);
    if !errors.is_empty() {
        let page = editor(&state, web.shell, &agency, (&event, &lang), Some(set), errors, (None, None)).await?;
        return Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    let saved = state
        .store
        .insert_message_template(&MessageTemplate {
            id: Uuid::now_v7(),
            agency_id: agency.id,
            event: event.clone(),
            lang: lang.clone(),
            version: 0,
            subject: set.subject,
            body_text: set.body_text,
            body_html: set.body_html,
            sms: set.sms,
            author_id: Some(actor.user_id),
            created_at: state.now_default(),
        })
        .await?;
    let data = serde_json::json!({ "event": event, "lang": lang, "version": saved.version });
    audit(&state, &actor, agency.id, "template.save", format!("template:{event}:{lang}"), data).await?;
    Ok(Redirect::to(&format!("/admin/templates/{event}/{lang}?saved={}", saved.version)).into_response())
}

/// The live preview: the form as it stands, rendered with sample values, or its errors.
#[derive(Debug, Serialize)]
pub struct PreviewAnswer {
    preview: Preview,
    errors: Vec<FieldError>,
}

pub async fn preview_template(
    _: AgencyAdmin,
    Path((event, lang)): Path<(String, String)>,
    CsrfForm(f): CsrfForm<TemplateForm>,
) -> PageResult<Json<PreviewAnswer>> {
    known(&event, &lang)?;
    let set = f.set();
    let errors = template_errors(&set);
    let preview = if errors.is_empty() { preview(&event, &lang, &set) } else { Preview::default() };
    Ok(Json(PreviewAnswer { preview, errors }))
}
