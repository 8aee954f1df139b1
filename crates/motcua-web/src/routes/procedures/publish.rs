//! `POST /api/v1/agencies/{agency_code}/procedures`: publish a procedure or a new version of it
//! (admin). Refused, with the difference named, when the process budgets do not add up.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use motcua_domain::catalog::{ProcedureSpec, ProcedureVersion};
use motcua_domain::org::Role;

use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiJson, Caller};
use crate::state::AppState;

#[utoipa::path(post, path = "/api/v1/agencies/{agency_code}/procedures", tag = "catalog",
    params(("agency_code" = String, Path, description = "e.g. 000.00.17.H34")),
    request_body = ProcedureSpec,
    responses((status = 201, body = ProcedureVersion), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("token" = [])))]
pub async fn publish(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(agency_code): Path<String>,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> ApiResult<(StatusCode, Json<ProcedureVersion>)> {
    let agency = state
        .store
        .agency_by_code(&agency_code)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("không tìm thấy cơ quan \"{agency_code}\"")))?;
    if !actor.has_role(Role::Admin, agency.id, None) {
        return Err(ApiError::Forbidden("công bố thủ tục của cơ quan này".into()));
    }
    // The role is checked before the body is read as a procedure: nobody else's input reaches
    // the parser of time limits and budgets.
    let spec: ProcedureSpec = serde_json::from_value(body).map_err(ApiError::shape)?;
    let units: Vec<String> = state.store.units(agency.id).await?.into_iter().map(|u| u.code).collect();
    spec.validate(&units)?;
    let fields = state.store.fields().await?;
    let field = fields
        .iter()
        .find(|f| f.code == spec.field)
        .ok_or_else(|| ApiError::field("field", format!("lĩnh vực \"{}\" chưa có trong danh mục", spec.field)))?;
    let now = state.now_default();
    let version = state.store.publish_procedure(agency.id, &spec, &field.name, now).await?;
    let what = ("procedure_published", format!("procedure:{}", spec.code));
    let data = serde_json::json!({ "version": version.version, "version_id": version.id });
    motcua_app::audit::record(&*state.store, Some(agency.id), Some(actor.user_id), what, data, now).await?;
    Ok((StatusCode::CREATED, Json(version)))
}
