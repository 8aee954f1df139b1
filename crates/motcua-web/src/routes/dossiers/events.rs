//! `GET /api/v1/dossiers/{id}/events`: the timeline, oldest first.

use axum::Json;
use axum::extract::{Path, State};
use motcua_store::EventRecord;
use uuid::Uuid;

use crate::error::{ApiResult, ErrorBody};
use crate::extract::Caller;
use crate::state::AppState;

#[utoipa::path(get, path = "/api/v1/dossiers/{id}/events", tag = "dossiers", params(("id" = Uuid, Path)),
    responses((status = 200, body = [EventRecord]), (status = 404, body = ErrorBody)), security(("token" = [])))]
pub async fn list(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<Vec<EventRecord>>> {
    let d = state.readable_dossier(&actor, id).await?;
    Ok(Json(state.store.events(d.agency_id, d.id).await?))
}
