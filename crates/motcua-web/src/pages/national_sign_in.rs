//! Sign-in through the national identity: the national portal's single sign-on (an OpenID
//! Connect provider; since 20/7/2026 a VNeID account), authorization code flow with PKCE.
//!
//! - `GET /auth/national` sends the browser to the provider with a fresh `state`, `nonce` and
//!   code challenge; the three are kept in a short-lived cookie (not in this server's memory: the
//!   callback may reach another server).
//! - `GET /auth/national/callback` checks `state`, exchanges the code at the token endpoint
//!   (with the verifier and the client's secret), checks the ID token's `nonce`, audience and
//!   expiry, and reads the person from the userinfo endpoint. Both answers come straight from
//!   the provider over TLS, which is what vouches for them (OpenID Connect Core §3.1.3.7), so
//!   the ID token's signature is not checked here.
//! - The person is the citizen account of their 12-digit citizen ID (`vneid-…`), made on first
//!   sight: the dossiers they filed on the portal are already on it.

use crate::extract::ApiQuery as Query;
use axum::extract::State;
use axum::http::header::SET_COOKIE;
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use motcua_domain::dossier::ApplicantKind;
use motcua_domain::types::CitizenId;
use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq as _;

use super::error::PageResult;
use super::session::{cookie_value, set_cookie};
use crate::error::ApiError;
use crate::rate_limit::{ClientAddr, sign_in_address};
use crate::state::AppState;

/// The cookie that carries `state.verifier.nonce` between the two legs.
const FLOW_COOKIE: &str = "motcua_national";
/// Minutes a person has to sign in at the provider.
const FLOW_MINUTES: i64 = 10;

/// The national identity provider (OpenID Connect), as configured.
#[derive(Clone)]
pub struct NationalSignIn {
    pub authorize_url: String,
    pub token_url: String,
    pub userinfo_url: String,
    pub client_id: String,
    pub client_secret: String,
    /// Where the provider sends the browser back: `<public url>/auth/national/callback`.
    pub redirect_url: String,
    pub scope: String,
    /// The userinfo claim that holds the 12-digit citizen ID (to confirm with the operator).
    pub id_claim: String,
}

impl std::fmt::Debug for NationalSignIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NationalSignIn")
            .field("authorize_url", &self.authorize_url)
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .finish()
    }
}

fn enc(s: &str) -> String {
    crate::pages::url_component(s)
}

/// `GET /auth/national`: off to the provider.
pub async fn start(State(state): State<AppState>) -> PageResult<Response> {
    let cfg = state.config.national_sign_in.as_ref().ok_or_else(|| ApiError::NotFound("trang".into()))?;
    let (flow, verifier, nonce) = (
        motcua_app::accounts::random_secret(),
        motcua_app::accounts::random_secret(),
        motcua_app::accounts::random_secret(),
    );
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    let sep = if cfg.authorize_url.contains('?') { '&' } else { '?' };
    let to = format!(
        "{}{sep}response_type=code&client_id={}&redirect_uri={}&scope={}&state={flow}&nonce={nonce}&code_challenge={challenge}&code_challenge_method=S256",
        cfg.authorize_url,
        enc(&cfg.client_id),
        enc(&cfg.redirect_url),
        enc(&cfg.scope),
    );
    let cookie = set_cookie(&state, FLOW_COOKIE, &format!("{flow}.{verifier}.{nonce}"), FLOW_MINUTES * 60, true);
    Ok(([(SET_COOKIE, cookie)], Redirect::to(&to)).into_response())
}

#[derive(Debug, Deserialize)]
pub struct Callback {
    #[serde(default)]
    code: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    error: String,
}

fn refuse(message: &str) -> ApiError {
    ApiError::Forbidden(format!("đăng nhập bằng tài khoản định danh điện tử: {message}"))
}

/// `GET /auth/national/callback`: back from the provider.
pub async fn callback(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    headers: axum::http::HeaderMap,
    Query(q): Query<Callback>,
) -> PageResult<Response> {
    let cfg = state.config.national_sign_in.clone().ok_or_else(|| ApiError::NotFound("trang".into()))?;
    state.pass(sign_in_address(&state), &client).await?;
    if !q.error.is_empty() {
        let said = motcua_domain::text::printable(&q.error, 100);
        return Err(refuse(&format!("Cổng không cho đăng nhập ({said})")).into());
    }
    let flow = cookie_value(&headers, FLOW_COOKIE).unwrap_or_default();
    let mut parts = flow.splitn(3, '.');
    let (expected, verifier, nonce) =
        (parts.next().unwrap_or(""), parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    if expected.is_empty()
        || q.code.is_empty()
        || q.code.len() > 2000
        || !bool::from(expected.as_bytes().ct_eq(q.state.as_bytes()))
    {
        return Err(ApiError::BadRequest("phiên đăng nhập đã hết hạn hoặc không khớp; vui lòng thử lại".into()).into());
    }
    let client = http_client()?;
    let form = serde_urlencoded::to_string([
        ("grant_type", "authorization_code"),
        ("code", q.code.as_str()),
        ("redirect_uri", cfg.redirect_url.as_str()),
        ("client_id", cfg.client_id.as_str()),
        ("client_secret", cfg.client_secret.as_str()),
        ("code_verifier", verifier),
    ])
    .map_err(|e| ApiError::Internal(e.to_string()))?;
    let token: Value = client
        .post(&cfg.token_url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .map_err(|e| ApiError::Internal(format!("national sign-in token endpoint: {e}")))?
        .error_for_status()
        .map_err(|_| refuse("Cổng không xác nhận mã đăng nhập"))?
        .json()
        .await
        .map_err(|_| refuse("câu trả lời của Cổng không đọc được"))?;
    let access = token["access_token"].as_str().ok_or_else(|| refuse("Cổng không cấp mã truy cập"))?;
    if let Some(id_token) = token["id_token"].as_str() {
        check_id_token(id_token, &cfg.client_id, nonce, chrono::Utc::now().timestamp())?;
    }
    let claims: Value = client
        .get(&cfg.userinfo_url)
        .bearer_auth(access)
        .send()
        .await
        .map_err(|e| ApiError::Internal(format!("national sign-in userinfo: {e}")))?
        .error_for_status()
        .map_err(|_| refuse("Cổng không cho biết thông tin tài khoản"))?
        .json()
        .await
        .map_err(|_| refuse("thông tin tài khoản không đọc được"))?;
    let number = claims[cfg.id_claim.as_str()].as_str().unwrap_or_default();
    let id = CitizenId::parse(number).map_err(|_| refuse("tài khoản không có số định danh cá nhân hợp lệ"))?;
    let text =
        |k: &str| claims[k].as_str().map(|s| motcua_domain::text::printable(s.trim(), 200)).filter(|s| !s.is_empty());
    let name = text("name").unwrap_or_else(|| id.as_str().to_owned());
    let phone = text("phone_number").and_then(|p| motcua_domain::types::PhoneNumber::parse(&p).ok());
    let email = text("email").and_then(|e| motcua_domain::types::Email::parse(&e).ok());
    let username = motcua_app::accounts::national_username(ApplicantKind::Person, id.as_str());
    let user = motcua_app::accounts::national_account(
        &*state.store,
        &username,
        &name,
        phone.as_ref().map(|p| p.as_str()),
        email.as_ref().map(|e| e.as_str()),
    )
    .await?;
    if !user.active {
        return Err(refuse("tài khoản đã bị khóa").into());
    }
    let done = set_cookie(&state, FLOW_COOKIE, "", 0, true);
    let mut then = super::auth::start_national_session(&state, &user, "/my").await?;
    then.headers_mut().append(SET_COOKIE, done);
    Ok(then)
}

pub(crate) fn http_client() -> Result<reqwest::Client, ApiError> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| ApiError::Internal(format!("HTTP client: {e}")))
}

/// The ID token's claims that bind it to this sign-in: the `nonce` sent, this client among its
/// audience, not expired at `now` (seconds since the epoch).
fn check_id_token(id_token: &str, client_id: &str, nonce: &str, now: i64) -> Result<(), ApiError> {
    let payload = id_token.split('.').nth(1).ok_or_else(|| refuse("mã định danh không đúng dạng"))?;
    let bytes =
        URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).map_err(|_| refuse("mã định danh không đọc được"))?;
    let claims: Value = serde_json::from_slice(&bytes).map_err(|_| refuse("mã định danh không đọc được"))?;
    let audience = match &claims["aud"] {
        Value::String(a) => a == client_id,
        Value::Array(a) => a.iter().any(|x| x.as_str() == Some(client_id)),
        _ => false,
    };
    let fresh = claims["exp"].as_i64().is_some_and(|exp| exp > now);
    let ours = claims["nonce"].as_str().is_some_and(|n| bool::from(n.as_bytes().ct_eq(nonce.as_bytes())));
    if audience && fresh && ours {
        Ok(())
    } else {
        Err(refuse("mã định danh không dành cho lần đăng nhập này"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(claims: Value) -> String {
        format!("eyJhbGciOiJSUzI1NiJ9.{}.c2ln", URL_SAFE_NO_PAD.encode(claims.to_string()))
    }

    #[test]
    fn the_id_token_must_be_this_sign_ins() {
        let good = serde_json::json!({"aud": "motcua", "exp": 2000, "nonce": "n1"});
        assert!(check_id_token(&token(good.clone()), "motcua", "n1", 1000).is_ok());
        assert!(check_id_token(&token(good.clone()), "motcua", "n2", 1000).is_err(), "another nonce");
        assert!(check_id_token(&token(good.clone()), "other", "n1", 1000).is_err(), "another client");
        assert!(check_id_token(&token(good), "motcua", "n1", 3000).is_err(), "expired");
        let list = serde_json::json!({"aud": ["x", "motcua"], "exp": 2000, "nonce": "n1"});
        assert!(check_id_token(&token(list), "motcua", "n1", 1000).is_ok());
        assert!(check_id_token("garbage", "motcua", "n1", 1000).is_err());
        assert!(check_id_token("a.!!!.c", "motcua", "n1", 1000).is_err());
    }
}
