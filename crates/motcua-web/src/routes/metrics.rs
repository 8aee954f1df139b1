//! `GET /metrics`: Prometheus counters of messages (sent, delivered, failed by channel and
//! reason) and open phone-call tasks. Figures come from the database, so every server answers the
//! same; they are counts only, with no personal data. Only the scraper holding the configured
//! token (`[server] metrics_token`, sent as a bearer token) may read them; with none configured
//! nobody may.

use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;
use crate::state::AppState;

#[utoipa::path(
    get,
    path = "/metrics",
    tag = "system",
    responses((status = 200, content_type = "text/plain"), (status = 401))
)]
pub async fn metrics(State(state): State<AppState>, headers: axum::http::HeaderMap) -> Result<Response, ApiError> {
    crate::extract::shared_token(&headers, state.config.metrics_token_sha256.as_deref())?;
    let text = motcua_app::metrics::render(&*state.store).await?;
    Ok(([(CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], text).into_response())
}
