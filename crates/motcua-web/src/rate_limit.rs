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

/// The client's address: the connecting peer's, or, behind trusted reverse proxies (with
/// `trust_forwarded_for`), the rightmost `X-Forwarded-For` entry that is not one of them. The
/// leftmost entries are whatever the client wrote and are never believed.
pub fn client_address(
    headers: &axum::http::HeaderMap,
    peer: Option<std::net::IpAddr>,
    config: &crate::state::WebConfig,
) -> String {
    let Some(peer) = peer else { return "local".into() };
    if !config.trust_forwarded_for || !config.trusted_proxies.contains(&peer) {
        return peer.to_string();
    }
    let mut client = peer;
    for header in headers.get_all("x-forwarded-for").iter().rev() {
        let Ok(text) = header.to_str() else { return client.to_string() };
        for entry in text.rsplit(',') {
            match entry.trim().parse::<std::net::IpAddr>() {
                Ok(ip) if config.trusted_proxies.contains(&ip) => client = ip,
                Ok(ip) => return ip.to_string(),
                Err(_) => return client.to_string(),
            }
        }
    }
    client.to_string()
}

/// The client address of a request (see [`client_address`]).
#[derive(Debug, Clone)]
pub struct ClientAddr(pub String);

impl ClientAddr {
    /// The request's client: judged once per request by the first layer
    /// ([`crate::audit_reads`], which keeps it in the extensions), else judged here.
    pub fn of(
        headers: &axum::http::HeaderMap,
        extensions: &axum::http::Extensions,
        config: &crate::state::WebConfig,
    ) -> ClientAddr {
        if let Some(judged) = extensions.get::<ClientAddr>() {
            return judged.clone();
        }
        let peer = extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
        ClientAddr(client_address(headers, peer, config))
    }
}

impl axum::extract::FromRequestParts<AppState> for ClientAddr {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &AppState) -> Result<Self, ApiError> {
        Ok(ClientAddr::of(&parts.headers, &parts.extensions, &state.config))
    }
}

/// A public door and how often one client (or one key) may pass it.
#[derive(Debug, Clone, Copy)]
pub struct Door {
    pub name: &'static str,
    pub limit: u32,
    pub window_seconds: i64,
}

/// Wrong phone numbers tried against one dossier code, from anywhere, in an hour: past this the
/// code answers "not found" to everyone until the hour is over.
pub const LOOKUP_CODE_FAILURES: Door = Door { name: "lookup-code", limit: 5, window_seconds: 3600 };
/// Evaluations given from one address in an hour.
pub const EVALUATE: Door = Door { name: "evaluate", limit: 10, window_seconds: 3600 };
/// Survey answers from one address in an hour (the counter's screen is one address).
pub const SURVEY: Door = Door { name: "survey", limit: 30, window_seconds: 3600 };
/// Feedback statements sent from one address in an hour.
pub const FEEDBACK: Door = Door { name: "feedback", limit: 10, window_seconds: 3600 };
/// Ratings of published answers from one address in an hour.
pub const RATE_ANSWER: Door = Door { name: "rate-answer", limit: 30, window_seconds: 3600 };
/// Payment pages started from one address in a minute (a citizen clicks a few times).
pub const PAYMENT: Door = Door { name: "payment", limit: 60, window_seconds: 60 };
/// A payment provider's callbacks (IPN, confirmation) from one address in a minute: a busy
/// agency's payments come from a few provider servers; past this the provider retries later and
/// the worker's query settles what it missed.
pub const PROVIDER_CALLBACK: Door = Door { name: "provider-callback", limit: 1200, window_seconds: 60 };
/// Accounts opened from one address in an hour.
pub const SIGNUP: Door = Door { name: "signup", limit: 10, window_seconds: 3600 };
/// Sign-in attempts from one address in a minute: `limits.sign_in_per_minute` (20 by default; a
/// department whose staff share one address may need more).
pub fn sign_in_address(state: &AppState) -> Door {
    Door { name: "sign-in", limit: state.config.sign_in_per_minute.max(1), window_seconds: 60 }
}
/// Wrong passwords for one account from one address in ten minutes.
pub const SIGN_IN_PAIR: Door = Door { name: "sign-in-pair", limit: 5, window_seconds: 600 };
/// Wrong passwords for one account from anywhere in an hour; past a few, each further attempt is
/// slowed (never refused: nobody can lock an officer out).
pub const SIGN_IN_ACCOUNT: Door = Door { name: "sign-in-account", limit: 10, window_seconds: 3600 };

impl AppState {
    fn window(&self, door: Door) -> i64 {
        let now = self.clock.now_utc().timestamp();
        now - now.rem_euclid(door.window_seconds.max(1))
    }

    /// Counts one pass of `door` by `who`; 429 past its limit.
    pub async fn pass(&self, door: Door, who: &str) -> Result<(), ApiError> {
        let key = format!("{}|{who}", door.name);
        if self.rate_limits.hit(self.store.as_ref(), &key, self.window(door), door.limit).await? {
            Ok(())
        } else {
            Err(ApiError::RateLimited)
        }
    }

    /// Adds `hits` to `who`'s count at `door` (exactly, in the database); the new count.
    pub async fn count(&self, door: Door, who: &str, hits: u32) -> Result<i64, ApiError> {
        let key = format!("{}|{who}", door.name);
        Ok(self.store.rate_limit_add(&key, self.window(door), hits).await?)
    }

    /// `who`'s count at `door` in the current window, without adding to it.
    pub async fn counted(&self, door: Door, who: &str) -> Result<i64, ApiError> {
        let key = format!("{}|{who}", door.name);
        Ok(self.store.rate_limit_count(&key, self.window(door)).await?)
    }
}

/// The key of [`public_door`]: the client address and the path's first `segments` parts
/// (`/api/v1/lookup`, `/lookup`). Read before the request is passed on, not held across it.
fn path_key(state: &AppState, req: &Request, segments: usize) -> String {
    let group = req.uri().path().split('/').take(segments + 1).collect::<Vec<_>>().join("/");
    let ClientAddr(client) = ClientAddr::of(req.headers(), req.extensions(), &state.config);
    format!("{client}|{group}")
}

/// `public_requests_per_minute` per client address and group of addresses.
fn public_door(state: &AppState, name: &'static str) -> Door {
    Door { name, limit: state.config.public_requests_per_minute, window_seconds: 60 }
}

/// The public API's limit (see [`public_door`]).
pub async fn limit_public(State(state): State<AppState>, req: Request, next: Next) -> Result<Response, ApiError> {
    let key = path_key(&state, &req, 3);
    state.pass(public_door(&state, "api"), &key).await?;
    Ok(next.run(req).await)
}

/// The same limit on the public pages, per client address and page; an HTML 429 page.
pub async fn limit_public_pages(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Result<Response, crate::pages::error::PageError> {
    let key = path_key(&state, &req, 1);
    state.pass(public_door(&state, "page"), &key).await?;
    Ok(next.run(req).await)
}

#[cfg(test)]
mod tests {
    use super::client_address;
    use crate::state::WebConfig;
    use axum::http::HeaderMap;

    fn headers(xff: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in xff {
            h.append("x-forwarded-for", v.parse().unwrap());
        }
        h
    }

    #[test]
    fn the_client_is_the_rightmost_address_not_a_trusted_proxy() {
        let proxy = "127.0.0.1".parse().ok();
        let stranger = "203.0.113.5".parse().ok();
        let trusting = WebConfig {
            trust_forwarded_for: true,
            trusted_proxies: vec!["127.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap()],
            ..Default::default()
        };
        // The client wrote "1.2.3.4" itself; the proxy appended the real address.
        assert_eq!(client_address(&headers(&["1.2.3.4, 198.51.100.7"]), proxy, &trusting), "198.51.100.7");
        // Two proxies in a row, over two headers.
        assert_eq!(client_address(&headers(&["1.2.3.4", "198.51.100.7, 10.0.0.2"]), proxy, &trusting), "198.51.100.7");
        // A peer that is not a trusted proxy is the client, whatever it forwards.
        assert_eq!(client_address(&headers(&["1.2.3.4"]), stranger, &trusting), "203.0.113.5");
        // Garbage stops the walk at the last address believed.
        assert_eq!(client_address(&headers(&["nonsense"]), proxy, &trusting), "127.0.0.1");
        // Without trust_forwarded_for the header is ignored.
        let plain = WebConfig::default();
        assert_eq!(client_address(&headers(&["1.2.3.4"]), proxy, &plain), "127.0.0.1");
    }
}
