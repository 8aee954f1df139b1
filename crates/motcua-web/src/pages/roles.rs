//! Who may open a page, stated in the handler's signature: each extractor below admits one kind
//! of person and turns everyone else away before the handler runs (a visitor not signed in to
//! the sign-in page and back; a person without the role to a 403 page). Finer rules (this
//! dossier's unit, this step) stay in the domain and are judged per dossier.
//!
//! - [`Officer`]: staff of some agency, any role (inspectors read).
//! - [`Citizen`]: a citizen's account (the staff have their own pages).
//! - [`FollowUp`]: the counter and the leaders, who take the phone calls owed to applicants.
//! - [`AgencyAdmin`]: the administrator of an agency, with that agency.
//! - [`Auditor`]: who may read an agency's audit log (its inspectors, leaders, administrator).

use axum::extract::FromRequestParts;
use axum::http::Method;
use axum::http::request::Parts;
use motcua_domain::org::{Actor, Agency, Role};
use uuid::Uuid;

use super::error::PageError;
use super::session::Web;
use crate::error::ApiError;
use crate::state::AppState;

/// Where to bring a visitor back after signing in: the page asked for, or, after a form was
/// posted, the page the form was on (its same-site `Referer`).
fn back_to(parts: &Parts) -> Option<String> {
    if parts.method == Method::GET || parts.method == Method::HEAD {
        return parts.uri.path_and_query().map(|p| p.as_str().to_owned());
    }
    let referer = parts.headers.get(axum::http::header::REFERER)?.to_str().ok()?;
    let uri: axum::http::Uri = referer.parse().ok()?;
    uri.path_and_query().map(|p| p.as_str().to_owned())
}

/// The signed-in person, or the way to the sign-in page.
async fn signed_in(parts: &mut Parts, state: &AppState) -> Result<Actor, PageError> {
    let web = Web::from_request_parts(parts, state).await?;
    web.actor.ok_or_else(|| PageError { error: ApiError::Unauthenticated, back_to: back_to(parts) })
}

/// The first agency where `actor` holds a grant `admits`, read from the store; 403 naming `what`
/// when there is none.
async fn agency_where(
    state: &AppState,
    actor: &Actor,
    admits: impl Fn(Role) -> bool,
    what: &str,
) -> Result<Agency, PageError> {
    let agency_id = actor
        .grants
        .iter()
        .find(|g| admits(g.role))
        .map(|g| g.agency_id)
        .ok_or_else(|| ApiError::Forbidden(what.to_owned()))?;
    Ok(state.store.agency(agency_id).await?.ok_or_else(|| ApiError::NotFound("cơ quan".into()))?)
}

/// An officer of some agency.
#[derive(Debug, Clone)]
pub struct Officer(pub Actor);

impl FromRequestParts<AppState> for Officer {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let actor = signed_in(parts, state).await?;
        if actor.grants.is_empty() {
            return Err(ApiError::Forbidden("vào khu vực của cán bộ (tài khoản công dân)".into()).into());
        }
        Ok(Officer(actor))
    }
}

/// A citizen signed in to the citizens' portal.
#[derive(Debug, Clone)]
pub struct Citizen(pub Actor);

impl FromRequestParts<AppState> for Citizen {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let actor = signed_in(parts, state).await?;
        if !actor.citizen {
            return Err(ApiError::Forbidden("dùng cổng công dân bằng tài khoản cán bộ".into()).into());
        }
        Ok(Citizen(actor))
    }
}

/// Whether a role follows dossiers up with applicants and units: the counter and the leaders
/// take phone calls and send reminders.
pub fn follows_up(role: Role) -> bool {
    matches!(role, Role::Reception | Role::UnitLead | Role::AgencyLead)
}

/// An officer of the counter or a leader; the agencies whose applicants they follow up.
#[derive(Debug, Clone)]
pub struct FollowUp {
    pub actor: Actor,
    pub agencies: Vec<Uuid>,
}

impl FromRequestParts<AppState> for FollowUp {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let actor = signed_in(parts, state).await?;
        let mut agencies: Vec<Uuid> = actor.grants.iter().filter(|g| follows_up(g.role)).map(|g| g.agency_id).collect();
        agencies.sort();
        agencies.dedup();
        if agencies.is_empty() {
            return Err(
                ApiError::Forbidden("theo dõi, gọi điện cho người nộp (bộ phận một cửa, lãnh đạo)".into()).into()
            );
        }
        Ok(FollowUp { actor, agencies })
    }
}

/// The administrator of an agency, with the agency they administer.
#[derive(Debug, Clone)]
pub struct AgencyAdmin {
    pub actor: Actor,
    pub agency: Agency,
}

impl FromRequestParts<AppState> for AgencyAdmin {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let actor = signed_in(parts, state).await?;
        let agency = agency_where(state, &actor, |r| r == Role::Admin, "quản trị").await?;
        Ok(AgencyAdmin { actor, agency })
    }
}

/// A leader or an administrator of an agency (who sees what a change of the calendar does to
/// its dossiers); `lead` when a leader, who may act on it.
#[derive(Debug, Clone)]
pub struct LeadOrAdmin {
    pub actor: Actor,
    pub agency: Agency,
    pub lead: bool,
}

impl FromRequestParts<AppState> for LeadOrAdmin {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let actor = signed_in(parts, state).await?;
        let admits = |r| matches!(r, Role::AgencyLead | Role::Admin);
        let agency = agency_where(state, &actor, admits, "việc của lãnh đạo cơ quan, quản trị").await?;
        let lead = actor.has_role(Role::AgencyLead, agency.id, None);
        Ok(LeadOrAdmin { actor, agency, lead })
    }
}

/// An officer of an agency's counter (or its administrator), with the agency: who sees to the
/// dossiers the national portal sent that could not be taken in by themselves.
#[derive(Debug, Clone)]
pub struct CounterOrAdmin {
    pub actor: Actor,
    pub agency: Agency,
}

impl FromRequestParts<AppState> for CounterOrAdmin {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let actor = signed_in(parts, state).await?;
        let admits = |r| matches!(r, Role::Reception | Role::Admin);
        let agency = agency_where(state, &actor, admits, "việc của bộ phận một cửa").await?;
        Ok(CounterOrAdmin { actor, agency })
    }
}

/// The leader of an agency (lãnh đạo cơ quan), with the agency they lead.
#[derive(Debug, Clone)]
pub struct AgencyLead {
    pub actor: Actor,
    pub agency: Agency,
}

impl FromRequestParts<AppState> for AgencyLead {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let actor = signed_in(parts, state).await?;
        let agency = agency_where(state, &actor, |r| r == Role::AgencyLead, "việc của lãnh đạo cơ quan").await?;
        Ok(AgencyLead { actor, agency })
    }
}

/// Who may read an agency's record (the audit log and the dossiers' events): its inspectors,
/// its leaders and its administrator; with the agency.
#[derive(Debug, Clone)]
pub struct Auditor {
    pub actor: Actor,
    pub agency: Agency,
}

impl FromRequestParts<AppState> for Auditor {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let actor = signed_in(parts, state).await?;
        let admits = |r| matches!(r, Role::Inspector | Role::AgencyLead | Role::Admin);
        let agency = agency_where(state, &actor, admits, "nhật ký kiểm tra (thanh tra, lãnh đạo, quản trị)").await?;
        Ok(Auditor { actor, agency })
    }
}
