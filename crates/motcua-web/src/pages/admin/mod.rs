//! Administration of one agency: users and roles (create, lock, reset password), procedures and
//! their internal process (the domain's validation shown inline), and the agency's own calendar
//! days. Every change is audited.

use crate::extract::ApiQuery as Query;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use motcua_calendar::CalendarConfig;
use motcua_domain::FieldError;
use motcua_domain::org::{Actor, Agency, Role, RoleGrant, Unit};
use motcua_store::{ProcedureQuery, StoreError, UserRecord};
use serde::Deserialize;
use uuid::Uuid;

use super::error::PageResult;
use super::roles::AgencyAdmin;
use super::session::{CsrfForm, Shell, Web};
use crate::error::ApiError;
use crate::state::AppState;

/// The agency the signed-in administrator manages (the first where they are admin).
/// Records who changed what in the agency.
pub(crate) async fn audit(
    state: &AppState,
    actor: &Actor,
    agency_id: Uuid,
    action: &str,
    object: String,
    data: serde_json::Value,
) -> Result<(), ApiError> {
    let now = state.now_default();
    Ok(motcua_app::audit::record(&*state.store, Some(agency_id), Some(actor.user_id), (action, object), data, now)
        .await?)
}

fn new_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    (0..14).map(|_| ALPHABET[rand::random_range(0..ALPHABET.len())] as char).collect()
}

async fn hash(password: String) -> Result<String, ApiError> {
    Ok(motcua_app::accounts::hash_password(&password).await?)
}

mod calendar;
mod drafts;
mod editor;
mod feedback;
mod organisation;
mod procedures;
mod user;
mod users;

pub use calendar::*;
pub use drafts::*;
pub use feedback::*;
pub use organisation::*;
pub use procedures::*;
pub use user::*;
pub use users::*;
