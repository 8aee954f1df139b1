//! Rate limiting of the public endpoints, counted in the database so that every app server
//! sees the same counts: a fixed one-minute window per client address and endpoint group.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::Response;

use crate::error::ApiError;
use crate::state::AppState;

fn client_address(req: &Request, trust_forwarded_for: bool) -> String {
    if trust_forwarded_for
        && let Some(first) =
            req.headers().get("x-forwarded-for").and_then(|v| v.to_str().ok()).and_then(|v| v.split(',').next())
    {
        return first.trim().to_owned();
    }
    req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_string()).unwrap_or_else(|| "local".into())
}

pub async fn limit_public(State(state): State<AppState>, req: Request, next: Next) -> Result<Response, ApiError> {
    let now = state.clock.now_utc().timestamp();
    let window = now - now.rem_euclid(60);
    let group = req.uri().path().split('/').take(4).collect::<Vec<_>>().join("/");
    let key = format!("{}|{group}", client_address(&req, state.config.trust_forwarded_for));
    if !state.store.rate_limit_hit(&key, window, state.config.public_requests_per_minute).await? {
        return Err(ApiError::RateLimited);
    }
    Ok(next.run(req).await)
}
