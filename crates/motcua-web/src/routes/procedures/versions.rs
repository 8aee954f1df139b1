//! `GET /api/v1/procedures/{code}/versions`: a procedure's history — every published version with
//! its effective dates, where it stands today (in force, scheduled, superseded, expired) and what
//! changed from the version before.

use axum::Json;
use axum::extract::{Path, State};
use chrono::NaiveDate;
use motcua_domain::catalog::{SpecChange, VersionStatus, version_status};
use serde::Serialize;

use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::state::AppState;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct VersionEntry {
    pub version: i32,
    pub effective_from: NaiveDate,
    pub effective_to: Option<NaiveDate>,
    pub status: VersionStatus,
    /// What differs from the version before (empty for the first).
    pub changes: Vec<SpecChange>,
}

#[utoipa::path(get, path = "/api/v1/procedures/{code}/versions", tag = "catalog",
    params(("code" = String, Path, description = "National procedure code, e.g. 1.004227")),
    responses((status = 200, body = Vec<VersionEntry>), (status = 404, body = ErrorBody)))]
pub async fn list(State(state): State<AppState>, Path(code): Path<String>) -> ApiResult<Json<Vec<VersionEntry>>> {
    let latest = state
        .store
        .procedure(&code)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("không tìm thấy thủ tục \"{code}\"")))?;
    Ok(Json(history(&state, latest.procedure_id).await?))
}

/// A procedure's versions, oldest first, as of today.
pub(crate) async fn history(state: &AppState, procedure_id: uuid::Uuid) -> Result<Vec<VersionEntry>, ApiError> {
    let versions = state.store.procedure_versions(procedure_id).await?;
    let today = state.now_default().date();
    Ok(versions
        .iter()
        .enumerate()
        .map(|(i, v)| VersionEntry {
            version: v.version,
            effective_from: v.spec.effective_from,
            effective_to: v.spec.effective_to,
            status: version_status(&versions, v, today),
            changes: i.checked_sub(1).map(|p| v.spec.changes_from(&versions[p].spec)).unwrap_or_default(),
        })
        .collect())
}
