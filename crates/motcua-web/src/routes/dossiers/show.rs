//! `GET /api/v1/dossiers/{id}`.

use axum::Json;
use axum::extract::{Path, State};
use uuid::Uuid;

use super::view::DossierView;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::Caller;
use crate::state::AppState;

#[utoipa::path(get, path = "/api/v1/dossiers/{id}", tag = "dossiers", params(("id" = Uuid, Path)),
    responses((status = 200, body = DossierView), (status = 404, body = ErrorBody)), security(("token" = [])))]
pub async fn show(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<DossierView>> {
    let d = state.readable_dossier(&actor, id).await?;
    let now = state.now(&*state.calendar(d.agency_id).await?);
    Ok(Json(DossierView::new(d, now)))
}
