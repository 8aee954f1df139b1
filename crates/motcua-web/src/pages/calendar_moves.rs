//! Calendar changes that reach dossiers: when an official schedule is loaded or the agency adds a
//! day off, open dossiers already given that day as their due date are listed, and the agency's
//! lead applies the documented rule to all of them in one audited action — the due date moves to
//! the next working day and each applicant is told (the `move_due_date` message). See
//! `docs/domain.md`, "Calendar changes".

use crate::extract::ApiQuery as Query;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use motcua_calendar::WorkCalendar;
use motcua_domain::dossier::{Action, Dossier, State as DState};
use motcua_store::DossierFilter;
use serde::Deserialize;
use uuid::Uuid;

use super::error::PageResult;
use super::roles::{AgencyLead, LeadOrAdmin};
use super::session::{CsrfForm, Shell, Web};
use crate::error::ApiError;
use crate::state::AppState;

/// An open dossier whose due date is now a day off.
#[derive(Debug)]
pub struct Affected {
    pub dossier: Dossier,
    pub due: NaiveDate,
    pub next: NaiveDate,
    /// The day off and the document behind it.
    pub why: String,
}

/// The agency's open dossiers due on a day its current calendar says is not a working day.
pub async fn affected(state: &AppState, agency: Uuid, cal: &WorkCalendar) -> Result<Vec<Affected>, ApiError> {
    let mut out = Vec::new();
    let far = NaiveDate::from_ymd_opt(2199, 12, 31).and_then(|d| d.and_hms_opt(0, 0, 0));
    let mut page = 1;
    loop {
        let filter =
            DossierFilter { agencies: vec![agency], due_before: far, page, page_size: 100, ..Default::default() };
        let found = state.store.list_dossiers(&filter).await?;
        let n = found.items.len();
        for d in found.items {
            let open = matches!(
                d.state,
                DState::Accepted | DState::Processing | DState::AwaitingSupplement | DState::AwaitingPayment
            );
            let Some(due) = d.due_date.filter(|_| open) else { continue };
            if cal.is_working_day(due).map_err(|e| ApiError::Internal(e.to_string()))? {
                continue;
            }
            let next = cal.next_working_day(due).map_err(|e| ApiError::Internal(e.to_string()))?;
            let why = match cal.day(due).ok().and_then(|i| i.entry.cloned()) {
                Some(e) => format!("{} {} ({})", e.kind.label_vi().to_lowercase(), e.name, e.source),
                None => "ngày nghỉ hằng tuần".to_owned(),
            };
            out.push(Affected { dossier: d, due, next, why });
        }
        if n < 100 {
            break;
        }
        page += 1;
    }
    out.sort_by_key(|a| (a.due, a.dossier.code.as_ref().map(|c| c.to_string())));
    Ok(out)
}

#[derive(Debug)]
pub struct Row {
    id: Uuid,
    code: String,
    applicant: String,
    due: String,
    next: String,
    why: String,
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "calendar_moves.html")]
pub struct MovesPage {
    shell: Shell,
    agency_name: String,
    rows: Vec<Row>,
    may_apply: bool,
    notice: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct MovedParam {
    moved: Option<usize>,
}

/// The agency's leads and administrators see the list; its leads apply the moves.
pub async fn list(
    State(state): State<AppState>,
    web: Web,
    LeadOrAdmin { agency, lead, .. }: LeadOrAdmin,
    Query(p): Query<MovedParam>,
) -> PageResult<MovesPage> {
    let cal = state.calendar(agency.id).await?;
    let rows = affected(&state, agency.id, &cal)
        .await?
        .into_iter()
        .map(|a| Row {
            id: a.dossier.id,
            code: a.dossier.code.as_ref().map(|c| c.to_string()).unwrap_or_default(),
            applicant: a.dossier.applicant.name.clone(),
            due: a.due.format("%d/%m/%Y").to_string(),
            next: a.next.format("%d/%m/%Y").to_string(),
            why: a.why,
        })
        .collect();
    Ok(MovesPage {
        shell: web.shell,
        agency_name: agency.name,
        rows,
        may_apply: lead,
        notice: p.moved.map(|n| format!("Đã dời ngày hẹn của {n} hồ sơ và gửi thông báo cho người nộp.")),
    })
}

#[derive(Debug, Deserialize)]
pub struct ApplyForm {}

/// Moves every affected dossier's due date to the next working day, each through the domain
/// (its event and the applicant's message in the same write), and records one audit entry.
pub async fn apply(
    State(state): State<AppState>,
    AgencyLead { actor, agency }: AgencyLead,
    CsrfForm(_): CsrfForm<ApplyForm>,
) -> PageResult<Response> {
    let cal = state.calendar(agency.id).await?;
    let mut moved = Vec::new();
    for a in affected(&state, agency.id, &cal).await? {
        let reason = format!("ngày {} là {}", a.due.format("%d/%m/%Y"), a.why);
        let action = Action::MoveDueDate { new_due_date: a.next, reason };
        state.act(&actor, &a.dossier, a.dossier.version, action).await?;
        moved.push(serde_json::json!({
            "code": a.dossier.code.as_ref().map(|c| c.to_string()),
            "from": a.due,
            "to": a.next,
        }));
    }
    let n = moved.len();
    super::admin::audit(
        &state,
        &actor,
        agency.id,
        "due_dates_moved",
        format!("agency:{}", agency.id),
        serde_json::json!({ "dossiers": moved }),
    )
    .await?;
    Ok(Redirect::to(&format!("/office/calendar-moves?moved={n}")).into_response())
}
