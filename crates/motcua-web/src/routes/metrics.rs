//! `GET /metrics`: this server's requests by route and status with their latency
//! ([`crate::http_metrics`]), then the figures read from the database, the same on every server:
//! messages by channel and status, open phone-call tasks, the outbox and the national portal's
//! backlog, and this process's database connections. Counts only, with no personal data. Only the scraper holding the configured
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
    let mut text = crate::http_metrics::render();
    text.push_str(&motcua_app::metrics::render(&*state.store, state.now_default()).await?);
    Ok(([(CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], text).into_response())
}
