//! `GET /api/v1/fields`: the fields (lĩnh vực) of the catalog.

use axum::Json;
use axum::extract::State;
use motcua_domain::catalog::Field;

use crate::error::ApiResult;
use crate::state::AppState;

#[utoipa::path(get, path = "/api/v1/fields", tag = "catalog", responses((status = 200, body = [Field])))]
pub async fn list(State(state): State<AppState>) -> ApiResult<Json<Vec<Field>>> {
    Ok(Json(state.store.fields().await?))
}
