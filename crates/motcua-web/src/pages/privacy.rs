//! The personal data law's pages: the public notice of what is collected, why, for how long and
//! who sees it (`/privacy`, its periods read from `[privacy]`), and a citizen's own data as one
//! JSON file (`/my/data`), audited.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use motcua_app::privacy::Retention;

use super::error::PageResult;
use super::i18n::Lang;
use super::roles::Citizen;
use super::session::{Shell, Web};
use crate::error::ApiError;
use crate::state::AppState;

#[derive(Debug, Template, WebTemplate)]
#[template(path = "privacy.html")]
pub struct PrivacyPage {
    shell: Shell,
    english: bool,
    /// The agencies served here (the controllers of their applicants' data).
    agencies: Vec<String>,
    retention: Retention,
}

pub async fn notice(State(state): State<AppState>, web: Web) -> PageResult<PrivacyPage> {
    let agencies = state.store.agencies().await?.into_iter().map(|a| a.name).collect();
    Ok(PrivacyPage {
        english: web.shell.lang == Lang::En,
        shell: web.shell,
        agencies,
        retention: state.config.retention,
    })
}

/// The signed-in citizen's data: their account, how they hear from agencies, their dossiers
/// and each one's history; the download is an audit entry.
pub async fn my_data(State(state): State<AppState>, Citizen(actor): Citizen) -> PageResult<Response> {
    let now = state.now_default();
    let data = motcua_app::privacy::subject_export(&*state.store, actor.user_id, now).await?;
    let body = serde_json::to_vec_pretty(&data).map_err(|e| ApiError::Internal(e.to_string()))?;
    let what = ("privacy_export", format!("user:{}", actor.user_id));
    motcua_app::audit::record(&*state.store, None, Some(actor.user_id), what, serde_json::json!({}), now).await?;
    let name = format!("attachment; filename=\"du-lieu-cua-toi-{}.json\"", now.format("%Y%m%d"));
    Ok((
        [
            (CONTENT_TYPE, "application/json; charset=utf-8".to_owned()),
            (CONTENT_DISPOSITION, name),
            (CACHE_CONTROL, "no-store".to_owned()),
        ],
        body,
    )
        .into_response())
}
