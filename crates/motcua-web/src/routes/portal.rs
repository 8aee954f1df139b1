//! `POST /api/v1/portal/{agency_code}/dossiers`: the national portal (DVCQG, through the
//! provincial LGSP) pushes the dossiers filed there for this agency, and again when the citizen
//! acts on one (withdraws it, supplements it). A JSON array of records in the sync shape, or one.
//! Each is kept as it came, in one write per record, before the answer: the worker applies it
//! (`motcua_notify::portal_inbox`). The same record sent again is kept once. The portal presents
//! the configured token; the answer is in its style, `{error_code, message}`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use motcua_app::portal_in::{PortalDossier, records};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Records per push at most.
const RECORDS_MAX: usize = 100;

/// What the portal is told: `error_code` "0" when every record is kept.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PushAnswer {
    pub error_code: String,
    pub message: String,
    /// Records kept now.
    pub accepted: usize,
    /// Records already kept by an earlier push.
    pub repeated: usize,
}

#[utoipa::path(post, path = "/api/v1/portal/{agency_code}/dossiers", tag = "portal",
    params(("agency_code" = String, Path, description = "e.g. 000.00.17.H34")),
    responses((status = 200, body = PushAnswer), (status = 401), (status = 404), (status = 422)),
    security(("token" = [])))]
pub async fn push(
    State(state): State<AppState>,
    Path(agency_code): Path<String>,
    headers: HeaderMap,
    body: String,
) -> ApiResult<Json<PushAnswer>> {
    crate::extract::shared_token(&headers, state.config.portal_inbox_token_sha256.as_deref())?;
    let agency = state
        .store
        .agency_by_code(&agency_code)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("không tìm thấy cơ quan \"{agency_code}\"")))?;
    let items = records(&body).map_err(ApiError::BadRequest)?;
    if items.len() > RECORDS_MAX {
        return Err(ApiError::field("records", format!("tối đa {RECORDS_MAX} hồ sơ mỗi lần gửi")));
    }
    // Every record must at least say which dossier it is; otherwise nothing is kept and the
    // portal is told which, so that it sends the batch again once fixed.
    let mut keyed = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let text = item.to_string();
        match PortalDossier::parse(&text) {
            Ok(p) => keyed.push((p.code, text)),
            Err(why) if why.contains("MaHoSo") || why.contains("không đọc được") => {
                return Err(ApiError::field(&format!("records[{i}]"), why));
            }
            // Readable and keyed, but not (yet) a dossier: kept for an officer to see.
            Err(_) => match item["MaHoSo"].as_str() {
                Some(code) => keyed.push((code.to_owned(), text)),
                None => return Err(ApiError::field(&format!("records[{i}]"), "thiếu mã hồ sơ (MaHoSo)")),
            },
        }
    }
    let now = state.now_default();
    let (mut accepted, mut repeated) = (0, 0);
    for (code, text) in &keyed {
        let digest = hex::encode(Sha256::digest(text.as_bytes()));
        let (_, new) = state.store.insert_portal_message(agency.id, code, &digest, text, now).await?;
        if new { accepted += 1 } else { repeated += 1 }
    }
    Ok(Json(PushAnswer {
        error_code: "0".into(),
        message: format!("đã nhận {accepted} hồ sơ mới, {repeated} hồ sơ đã nhận trước đó"),
        accepted,
        repeated,
    }))
}
