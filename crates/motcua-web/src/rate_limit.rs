//! Rate limiting of the public endpoints: a fixed one-minute window per client address and
//! endpoint group, counted in the database so that every app server sees the same counts.
//!
//! Writing every hit would make each public lookup a write transaction — on one hot row when
//! many people share an address (an office behind NAT, a commune's kiosk) — which caps the public
//! lookup at what the database commits per second. So each server adds its hits to the shared
//! count in small batches ([`LocalCounts`]): at most a twentieth of the limit, and at least once
//! a second. A low limit (under 40 a minute, as for sign-in) is still counted hit by hit, so
//! exactly; a high one may be passed by at most a batch per server. Nothing a second server
//! needs lives here: a server that dies loses at most its unsent batch, less than a minute's
//! worth of hits already allowed.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use motcua_store::Store;

use crate::error::ApiError;
use crate::state::AppState;

/// A key's hits in the current window: the shared count last read back, and this server's hits
/// not yet added to it.
#[derive(Debug)]
struct Local {
    window: i64,
    shared: i64,
    pending: u32,
    sent_at: Instant,
}

/// This server's part of the counts, keyed by client and endpoint group.
#[derive(Debug, Default)]
pub struct LocalCounts {
    keys: Mutex<HashMap<String, Local>>,
}

impl LocalCounts {
    /// Counts one hit for `key` in the window starting at `window` (seconds); whether it is
    /// within `limit` hits a minute across all servers.
    pub async fn hit(&self, store: &dyn Store, key: &str, window: i64, limit: u32) -> Result<bool, ApiError> {
        let batch = (limit / 20).max(1);
        let send = {
            let mut keys = self.keys.lock().expect("rate limit counts");
            if keys.len() > 50_000 {
                keys.retain(|_, l| l.window >= window);
            }
            let now = Instant::now();
            let local = keys.entry(key.to_owned()).or_insert(Local { window, shared: 0, pending: 0, sent_at: now });
            if local.window != window {
                *local = Local { window, shared: 0, pending: 0, sent_at: now };
            }
            if local.shared + i64::from(local.pending) >= i64::from(limit) {
                return Ok(false);
            }
            local.pending += 1;
            if local.pending >= batch || now.duration_since(local.sent_at) >= Duration::from_secs(1) {
                local.sent_at = now;
                Some(std::mem::take(&mut local.pending))
            } else {
                None
            }
        };
        let Some(hits) = send else { return Ok(true) };
        let total = store.rate_limit_add(key, window, hits).await?;
        if let Some(local) = self.keys.lock().expect("rate limit counts").get_mut(key)
            && local.window == window
        {
            local.shared = local.shared.max(total);
        }
        Ok(total <= i64::from(limit))
    }
}

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
    let limit = state.config.public_requests_per_minute;
    if !state.rate_limits.hit(state.store.as_ref(), &key, window, limit).await? {
        return Err(ApiError::RateLimited);
    }
    Ok(next.run(req).await)
}
