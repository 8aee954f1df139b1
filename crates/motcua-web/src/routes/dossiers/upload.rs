//! `PUT /api/v1/dossiers/{id}/documents/{index}?name=…&version=…`: upload the file of one line
//! of the checklist as the raw request body. The type is recognised from the content (PDF, PNG,
//! JPEG), not from what the client claims, and must agree with its `Content-Type`; the size is
//! limited; the file is stored by its SHA-256.

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use motcua_domain::dossier::Action;
use serde::Deserialize;
use uuid::Uuid;

use super::view::{TransitionResponse, apply_and_store};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiQuery, Caller};
use crate::state::AppState;
use motcua_app::files::sniff;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct UploadParams {
    /// The file's name as the applicant knows it.
    pub name: String,
    /// The dossier's `version` as last read.
    pub version: i64,
}

#[utoipa::path(put, path = "/api/v1/dossiers/{id}/documents/{index}", tag = "dossiers",
    params(("id" = Uuid, Path), ("index" = usize, Path, description = "Line of the checklist, from 0"), UploadParams),
    request_body(content = Vec<u8>, content_type = "application/pdf"),
    responses((status = 200, body = TransitionResponse), (status = 413, body = ErrorBody), (status = 415, body = ErrorBody),
              (status = 409, body = ErrorBody)),
    security(("token" = [])))]
pub async fn upload(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path((id, index)): Path<(Uuid, usize)>,
    ApiQuery(p): ApiQuery<UploadParams>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Json<TransitionResponse>> {
    let dossier = state.readable_dossier(&actor, id).await?;
    let limit = state.config.max_upload_bytes;
    let bytes = axum::body::to_bytes(body, limit).await.map_err(|_| ApiError::TooLarge { limit })?;
    if bytes.is_empty() {
        return Err(ApiError::field("body", "tệp rỗng"));
    }
    let sniffed = sniff(&bytes).ok_or_else(|| {
        ApiError::UnsupportedMedia("chỉ nhận tệp PDF, PNG hoặc JPEG / only PDF, PNG or JPEG files".into())
    })?;
    let declared = headers.get(axum::http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let declared = declared.split(';').next().unwrap_or("").trim();
    if !declared.is_empty() && declared != sniffed && declared != "application/octet-stream" {
        return Err(ApiError::UnsupportedMedia(format!(
            "nội dung tệp là {sniffed} nhưng Content-Type khai báo {declared}"
        )));
    }
    let name = p.name.trim();
    if name.is_empty() || name.len() > 255 || name.contains(['/', '\\']) {
        return Err(ApiError::field("name", "tên tệp không hợp lệ"));
    }
    let file = motcua_app::files::keep(&*state.store, &state.files, dossier.agency_id, name, sniffed, &bytes).await?;
    Ok(Json(apply_and_store(&state, &actor, &dossier, p.version, Action::AttachDocument { index, file }).await?))
}
