//! The officers' workspace: dashboard, lists with deadline colours, the dossier page with the
//! actions this person may take now, counter intake and the printed receipt (Mẫu 01).

use crate::extract::ApiQuery as Query;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
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
use crate::state::AppState;

/// The calendar of the officer's first agency (its dashboard's "due soon" counts in it).
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

/// The dossiers of a dashboard view (to receive, in process, due soon, late) in the officer's scope.
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

mod attendance;
mod dashboard;
mod dossier;
mod feedback;
mod hotline;
mod intake;
mod list;
mod payments;
mod receipt;
mod result;

pub use attendance::*;
pub use dashboard::*;
pub use dossier::*;
pub use feedback::*;
pub use hotline::*;
pub use intake::*;
pub use list::*;
pub use payments::*;
pub use receipt::*;
pub use result::*;
