//! `GET /api/v1/procedures/{code}`: the version of one procedure in force today, in full (its
//! history, scheduled versions included: `…/versions`), without the remarks meant for officers.

use axum::Json;
use axum::extract::{Path, State};
use motcua_domain::catalog::ProcedureVersion;

use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::state::AppState;

#[utoipa::path(get, path = "/api/v1/procedures/{code}", tag = "catalog",
    params(("code" = String, Path, description = "National procedure code, e.g. 1.004227")),
    responses((status = 200, body = ProcedureVersion), (status = 404, body = ErrorBody)))]
pub async fn show(State(state): State<AppState>, Path(code): Path<String>) -> ApiResult<Json<ProcedureVersion>> {
    let mut v = state
        .store
        .procedure_at(&code, state.now_default().date())
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("không tìm thấy thủ tục \"{code}\"")))?;
    // The remarks are for officers (where demo data came from, cases the limit does not cover);
    // this door is public.
    v.spec.notes = None;
    Ok(Json(v))
}
