//! Browser sessions, the CSRF token and the language, all carried in cookies:
//! - `motcua_session`: a random token whose SHA-256 is a row of `web_sessions` (HttpOnly,
//!   SameSite=Lax, Secure behind HTTPS);
//! - `motcua_csrf`: a random token every form repeats in a hidden field (double submit), checked
//!   on every POST. Once signed in, the token a form must carry is derived from the session's
//!   secret instead ([`csrf_for_session`]), so it is tied to that session: a token planted in
//!   the CSRF cookie (say, from a sibling subdomain) is worth nothing, and signing in again
//!   changes it;
//! - `motcua_lang`: `vi` (default) or `en`, set by `?lang=`.

use axum::extract::{FromRequestParts, Request, State};
use axum::http::HeaderValue;
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;
use motcua_app::accounts::random_secret;
use motcua_domain::org::Actor;

use super::i18n::{Lang, Texts};
use crate::error::ApiError;
use crate::extract::token_hash;
use crate::state::AppState;

pub const SESSION_COOKIE: &str = "motcua_session";
pub const CSRF_COOKIE: &str = "motcua_csrf";
pub const LANG_COOKIE: &str = "motcua_lang";

/// The value of cookie `name` in the request.
pub fn cookie(parts: &Parts, name: &str) -> Option<String> {
    cookie_value(&parts.headers, name)
}

/// The value of the cookie `name` among `headers`.
pub fn cookie_value(headers: &axum::http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(cookie::Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_owned())
}

/// The CSRF token of a signed-in session: derived from the session's secret token (which only
/// the browser holding the HttpOnly cookie knows), so it cannot be planted or reused elsewhere.
pub fn csrf_for_session(session_token: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(format!("motcua-csrf|{session_token}").as_bytes()))
}

/// `Set-Cookie` for a cookie of ours.
pub fn set_cookie(state: &AppState, name: &str, value: &str, max_age_seconds: i64, http_only: bool) -> HeaderValue {
    let c = cookie::Cookie::build((name, value))
        .path("/")
        .max_age(cookie::time::Duration::seconds(max_age_seconds))
        .same_site(cookie::SameSite::Lax)
        .http_only(http_only)
        .secure(state.config.secure_cookies)
        .build();
    HeaderValue::from_str(&c.to_string()).expect("cookie names and values are ASCII tokens")
}

/// The cookies this request carries or is given, put in its extensions by [`cookies`].
#[derive(Debug, Clone)]
pub struct RequestCookies {
    pub csrf: String,
    pub lang: Lang,
}

/// Middleware: makes sure every browser has a CSRF token, and applies `?lang=`.
pub async fn cookies(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let (mut parts, body) = req.into_parts();
    let existing_csrf = cookie(&parts, CSRF_COOKIE).filter(|c| c.len() == 64);
    let csrf = existing_csrf.clone().unwrap_or_else(random_secret);
    let query_lang = parts.uri.query().and_then(|q| {
        q.split('&').find_map(|kv| match kv {
            "lang=en" => Some(Lang::En),
            "lang=vi" => Some(Lang::Vi),
            _ => None,
        })
    });
    let lang = query_lang.unwrap_or(match cookie(&parts, LANG_COOKIE).as_deref() {
        Some("en") => Lang::En,
        _ => Lang::Vi,
    });
    parts.extensions.insert(RequestCookies { csrf: csrf.clone(), lang });
    req = Request::from_parts(parts, body);
    let mut res = next.run(req).await;
    if existing_csrf.is_none() {
        res.headers_mut().append(SET_COOKIE, set_cookie(&state, CSRF_COOKIE, &csrf, 60 * 60 * 24 * 30, true));
    }
    if let Some(lang) = query_lang {
        res.headers_mut().append(SET_COOKIE, set_cookie(&state, LANG_COOKIE, lang.code(), 60 * 60 * 24 * 365, false));
    }
    res
}

/// What every page's frame needs.
#[derive(Debug, Clone)]
pub struct Shell {
    pub lang: Lang,
    pub t: &'static Texts,
    pub csrf: String,
    pub user_name: Option<String>,
    pub citizen: bool,
    pub staff: bool,
    pub admin: bool,
}

/// The browser's person (if signed in) and the page frame.
#[derive(Debug, Clone)]
pub struct Web {
    pub shell: Shell,
    pub actor: Option<Actor>,
    pub session_hash: Option<String>,
}

impl Web {
    /// The signed-in person, or a redirect to the sign-in page.
    pub fn require(&self) -> Result<&Actor, ApiError> {
        self.actor.as_ref().ok_or(ApiError::Unauthenticated)
    }
}

impl FromRequestParts<AppState> for Web {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        // Read once per request: a handler's `Web` and its `CsrfForm` share it.
        if let Some(web) = parts.extensions.get::<Web>() {
            return Ok(web.clone());
        }
        let cookies = parts
            .extensions
            .get::<RequestCookies>()
            .cloned()
            .unwrap_or_else(|| RequestCookies { csrf: random_secret(), lang: Lang::Vi });
        let session_token = cookie(parts, SESSION_COOKIE).filter(|t| !t.is_empty());
        let session_hash = session_token.as_deref().map(token_hash);
        let mut actor = None;
        let mut csrf = cookies.csrf;
        if let (Some(token), Some(hash)) = (&session_token, &session_hash)
            && let Some(user) = state.store.session_actor(hash, state.now_default()).await?
        {
            motcua_app::audit::identified(&user);
            actor = Some(user);
            csrf = csrf_for_session(token);
        }
        let shell = Shell {
            lang: cookies.lang,
            t: cookies.lang.texts(),
            csrf,
            user_name: actor.as_ref().map(|a| a.name.clone()),
            citizen: actor.as_ref().is_some_and(|a| a.citizen),
            staff: actor.as_ref().is_some_and(|a| !a.grants.is_empty()),
            admin: actor.as_ref().is_some_and(|a| a.grants.iter().any(|g| g.role == motcua_domain::org::Role::Admin)),
        };
        let web = Web { shell, actor, session_hash };
        parts.extensions.insert(web.clone());
        Ok(web)
    }
}

/// A form posted from one of our pages: its `csrf` field is checked against the session before
/// the form is read into `T` and before the handler runs, so a handler that takes a `CsrfForm`
/// cannot forget the check. `T` need not declare the field.
#[derive(Debug)]
pub struct CsrfForm<T>(pub T);

impl<T: serde::de::DeserializeOwned> axum::extract::FromRequest<AppState> for CsrfForm<T> {
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, state: &AppState) -> Result<Self, Self::Rejection> {
        #[derive(serde::Deserialize)]
        struct Token {
            #[serde(default)]
            csrf: String,
        }
        let (mut parts, body) = req.into_parts();
        let web = Web::from_request_parts(&mut parts, state).await?;
        let req = axum::extract::Request::from_parts(parts, body);
        let bytes = <axum::body::Bytes as axum::extract::FromRequest<AppState>>::from_request(req, state)
            .await
            .map_err(|e| match e.status() {
                axum::http::StatusCode::PAYLOAD_TOO_LARGE => {
                    ApiError::TooLarge { limit: state.config.max_upload_bytes + 64 * 1024 }
                }
                _ => ApiError::BadRequest(format!("không đọc được biểu mẫu: {}", e.body_text())),
            })?;
        let token: Token = serde_urlencoded::from_bytes(&bytes).unwrap_or(Token { csrf: String::new() });
        check_csrf(&web, Some(&token.csrf))?;
        let fields = serde_urlencoded::Deserializer::new(form_urlencoded::parse(&bytes));
        serde_path_to_error::deserialize(fields).map(CsrfForm).map_err(|e| {
            let field = crate::extract::field_of(&e);
            ApiError::Invalid {
                code: "invalid_form",
                message: crate::extract::shape_message("biểu mẫu không đúng", &field),
                fields: vec![field],
            }
        })
    }
}

/// Checks a submitted form's `csrf` field against the cookie.
pub(crate) fn check_csrf(web: &Web, submitted: Option<&str>) -> Result<(), ApiError> {
    let expected = web.shell.csrf.as_bytes();
    let got = submitted.unwrap_or("").as_bytes();
    let same = bool::from(subtle::ConstantTimeEq::ct_eq(expected, got));
    if same {
        Ok(())
    } else {
        Err(ApiError::Forbidden("gửi biểu mẫu này (phiên đã hết hạn, hãy tải lại trang)".into()))
    }
}
