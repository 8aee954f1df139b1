//! Dossiers from the national portal that could not be taken in by themselves (an unknown
//! procedure code, a bad field, a file refused): the counter sees each with its reason, and
//! either names the procedure it belongs to (it is then taken in again, and its later messages
//! follow) or sets it aside with a note. Every decision is audited. See
//! `motcua_notify::portal_inbox` and `docs/national-portal.md`.

use crate::extract::ApiQuery as Query;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use motcua_app::portal_in::PortalDossier;
use motcua_store::PortalOutcome;
use serde::Deserialize;
use uuid::Uuid;

use super::error::PageResult;
use super::roles::CounterOrAdmin;
use super::session::{CsrfForm, Shell, Web};
use crate::error::ApiError;
use crate::state::AppState;

#[derive(Debug)]
pub struct Row {
    id: Uuid,
    portal_code: String,
    procedure_code: String,
    applicant: String,
    received: String,
    reason: String,
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "portal_inbox.html")]
pub struct InboxPage {
    shell: Shell,
    agency_name: String,
    rows: Vec<Row>,
    /// (code, name) of the agency's procedures taking online dossiers.
    procedures: Vec<(String, String)>,
    notice: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct Done {
    done: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    web: Web,
    CounterOrAdmin { agency, .. }: CounterOrAdmin,
    Query(q): Query<Done>,
) -> PageResult<InboxPage> {
    let waiting = state.store.portal_messages(agency.id, "unmappable", 200).await?;
    let rows = waiting
        .into_iter()
        .map(|m| {
            let read = PortalDossier::parse(&m.body).ok();
            Row {
                id: m.id,
                portal_code: m.portal_code,
                procedure_code: read.as_ref().map(|p| p.procedure_code.clone()).unwrap_or_default(),
                applicant: read.and_then(|p| p.applicant.name).unwrap_or_default(),
                received: m.received_at.format("%d/%m/%Y %H:%M").to_string(),
                reason: m.outcome.unwrap_or_default(),
            }
        })
        .collect();
    let today = state.now_default().date();
    let query = motcua_store::ProcedureQuery {
        agency_id: Some(agency.id),
        in_force_on: Some(today),
        page: 1,
        page_size: 200,
        ..Default::default()
    };
    let procedures = state
        .store
        .search_procedures(&query)
        .await?
        .items
        .into_iter()
        .filter(|v| v.agency_id == agency.id && v.spec.channels.contains(&motcua_domain::catalog::Channel::Online))
        .map(|v| (v.spec.code.clone(), v.spec.name.clone()))
        .collect();
    let notice = match q.done.as_deref() {
        Some("map") => Some("Đã gán thủ tục; hồ sơ được tiếp nhận lại trong giây lát.".to_owned()),
        Some("dismiss") => Some("Đã gác lại bản tin.".to_owned()),
        _ => None,
    };
    Ok(InboxPage { shell: web.shell, agency_name: agency.name, rows, procedures, notice })
}

#[derive(Debug, Deserialize)]
pub struct Decide {
    /// `map` (with `procedure_code`) or `dismiss` (with `note`).
    action: String,
    #[serde(default)]
    procedure_code: String,
    #[serde(default)]
    note: String,
}

pub async fn decide(
    State(state): State<AppState>,
    CounterOrAdmin { actor, agency }: CounterOrAdmin,
    Path(id): Path<Uuid>,
    CsrfForm(form): CsrfForm<Decide>,
) -> PageResult<Response> {
    let message = state
        .store
        .portal_message(agency.id, id)
        .await?
        .filter(|m| m.status == "unmappable")
        .ok_or_else(|| ApiError::NotFound("không có bản tin này đang chờ xử lý".into()))?;
    let now = state.now_default();
    let done = match form.action.as_str() {
        "map" => {
            let code = form.procedure_code.trim();
            let today = now.date();
            let known = state.store.procedure_at(code, today).await?.is_some_and(|v| v.agency_id == agency.id);
            if code.is_empty() || code.len() > 60 || !known {
                return Err(ApiError::field("procedure_code", "chọn một thủ tục của cơ quan đang có hiệu lực").into());
            }
            state.store.requeue_portal_message(agency.id, id, Some(code), now).await?;
            serde_json::json!({ "portal_code": message.portal_code, "procedure": code })
        }
        "dismiss" => {
            let note = motcua_domain::text::clean(&form.note, motcua_domain::text::NOTE_MAX, false)
                .map_err(|e| ApiError::field("note", e))?;
            if note.is_empty() {
                return Err(ApiError::field("note", "cần ghi lý do gác lại (để trả lời Cổng và công dân)").into());
            }
            let outcome = PortalOutcome {
                status: "dismissed",
                dossier_id: None,
                outcome: format!("{} gác lại: {note}", actor.name),
                next_attempt_at: None,
            };
            state.store.finish_portal_message(agency.id, id, &outcome, now).await?;
            serde_json::json!({ "portal_code": message.portal_code })
        }
        _ => return Err(ApiError::field("action", "chọn gán thủ tục hoặc gác lại").into()),
    };
    let action = if form.action == "map" { "portal_message_mapped" } else { "portal_message_dismissed" };
    super::admin::audit(&state, &actor, agency.id, action, format!("portal_message:{id}"), done).await?;
    state.outbox_wake.notify_one();
    Ok(Redirect::to(&format!("/office/portal-inbox?done={}", form.action)).into_response())
}
