//! Signing in and out, and citizens' sign-up (phone or e-mail + password, argon2id).

use crate::extract::ApiQuery as Query;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::header::SET_COOKIE;
use axum::response::{IntoResponse, Redirect, Response};
use motcua_domain::FieldError;
use motcua_domain::types::{Email, PhoneNumber};
use motcua_store::{StoreError, UserRecord};
use serde::Deserialize;
use uuid::Uuid;

use super::error::PageResult;
use super::session::{CsrfForm, SESSION_COOKIE, Shell, Web, set_cookie};
use crate::error::ApiError;
use crate::extract::token_hash;
use crate::rate_limit::ClientAddr;
use crate::routes::auth_token::{SignedIn, verify_login};
use crate::state::AppState;

const SESSION_HOURS: i64 = 12;

#[derive(Debug, Template, WebTemplate)]
#[template(path = "login.html")]
pub struct LoginPage {
    shell: Shell,
    errors: Vec<FieldError>,
    username: String,
    next: String,
    /// Whether the national identity's sign-in is offered.
    national: bool,
}

#[derive(Debug, Deserialize)]
pub struct NextParam {
    #[serde(default)]
    next: String,
}

/// Where to go after signing in: a path on this site, or nowhere. Browsers drop tabs and line
/// breaks from addresses, so "/\t/evil.example" would become "//evil.example" (another site):
/// any control character, space or backslash, and anything not starting with one "/", is refused.
pub fn safe_next(next: &str) -> String {
    let on_site = next.starts_with('/')
        && !next.starts_with("//")
        && next.len() <= 2000
        && !next.chars().any(|c| c.is_control() || c.is_whitespace() || c == '\\');
    if on_site { next.to_owned() } else { String::new() }
}

pub async fn login_form(State(state): State<AppState>, web: Web, Query(p): Query<NextParam>) -> LoginPage {
    let national = state.config.national_sign_in.is_some();
    LoginPage { shell: web.shell, errors: vec![], username: String::new(), next: safe_next(&p.next), national }
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    #[serde(default)]
    next: String,
}

/// Opens a session for `user` and sends the browser on.
async fn start_session(state: &AppState, user: &UserRecord, to: &str) -> PageResult<Response> {
    start_session_with(state, user, Redirect::to(to).into_response()).await
}

/// Opens a session for `user`, signed in through the national identity, and sends the browser on.
pub(crate) async fn start_national_session(state: &AppState, user: &UserRecord, to: &str) -> PageResult<Response> {
    start_session_via(state, user, "vneid", Redirect::to(to).into_response()).await
}

/// Opens a session for `user` and answers `then` with its cookie.
async fn start_session_with(state: &AppState, user: &UserRecord, then: Response) -> PageResult<Response> {
    start_session_via(state, user, "web", then).await
}

async fn start_session_via(state: &AppState, user: &UserRecord, via: &str, mut then: Response) -> PageResult<Response> {
    let token = motcua_app::accounts::random_secret();
    let expires = state.now_default() + chrono::Duration::hours(SESSION_HOURS);
    state.store.insert_session(&token_hash(&token), user.id, expires).await?;
    motcua_app::accounts::audit_sign_in(&*state.store, user, via, state.now_default()).await?;
    let cookie = set_cookie(state, SESSION_COOKIE, &token, SESSION_HOURS * 3600, true);
    then.headers_mut().append(SET_COOKIE, cookie);
    Ok(then)
}

pub async fn login(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    web: Web,
    CsrfForm(f): CsrfForm<LoginForm>,
) -> PageResult<Response> {
    let (signed_in, status, message) = match verify_login(&state, &client, &f.username, &f.password).await {
        Ok(Some(s)) => (Some(s), axum::http::StatusCode::OK, ""),
        Ok(None) => (None, axum::http::StatusCode::UNAUTHORIZED, "Tên đăng nhập hoặc mật khẩu không đúng."),
        Err(ApiError::RateLimited) => (
            None,
            axum::http::StatusCode::TOO_MANY_REQUESTS,
            "Đã thử quá nhiều lần từ máy này; vui lòng đợi vài phút rồi thử lại.",
        ),
        Err(e) => return Err(e.into()),
    };
    let Some(SignedIn { user, failed_attempts }) = signed_in else {
        let page = LoginPage {
            shell: web.shell,
            errors: vec![FieldError::new("username", message)],
            username: f.username.chars().take(200).collect(),
            next: safe_next(&f.next),
            national: state.config.national_sign_in.is_some(),
        };
        return Ok((status, page).into_response());
    };
    let next = safe_next(&f.next);
    let to = if !next.is_empty() {
        next
    } else if user.citizen {
        "/my".into()
    } else {
        "/office".into()
    };
    if failed_attempts > 0 {
        // Tell the owner before going on: someone tried wrong passwords on this account.
        let page = SignInNotice { shell: web.shell, failed_attempts, to: to.clone() };
        return start_session_with(&state, &user, page.into_response()).await;
    }
    start_session(&state, &user, &to).await
}

/// Shown once after signing in when wrong passwords were tried on the account.
#[derive(Debug, Template, WebTemplate)]
#[template(path = "signin_notice.html")]
pub struct SignInNotice {
    shell: Shell,
    failed_attempts: i64,
    to: String,
}

#[derive(Debug, Deserialize)]
pub struct CsrfOnly {}

pub async fn logout(State(state): State<AppState>, web: Web, CsrfForm(_): CsrfForm<CsrfOnly>) -> PageResult<Response> {
    if let Some(hash) = &web.session_hash {
        state.store.delete_session(hash).await?;
    }
    if let Some(actor) = &web.actor {
        motcua_app::accounts::audit_sign_out(&*state.store, actor, state.now_default()).await?;
    }
    let cookie = set_cookie(&state, SESSION_COOKIE, "", 0, true);
    Ok(([(SET_COOKIE, cookie)], Redirect::to("/")).into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct SignupForm {
    #[serde(default)]
    pub full_name: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    password: String,
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "signup.html")]
pub struct SignupPage {
    shell: Shell,
    errors: Vec<FieldError>,
    form: SignupForm,
}

pub async fn signup_form(web: Web) -> SignupPage {
    SignupPage { shell: web.shell, errors: vec![], form: SignupForm::default() }
}

pub async fn signup(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    web: Web,
    CsrfForm(f): CsrfForm<SignupForm>,
) -> PageResult<Response> {
    state.pass(crate::rate_limit::SIGNUP, &client).await?;
    let mut errors = Vec::new();
    let name = motcua_domain::text::clean(&f.full_name, motcua_domain::text::NAME_MAX, false)
        .map_err(|e| errors.push(FieldError::new("full_name", e)))
        .unwrap_or_default();
    if name.is_empty() && errors.is_empty() {
        errors.push(FieldError::new("full_name", "Cần nhập họ và tên."));
    }
    let phone = PhoneNumber::parse(&f.phone).map_err(|e| errors.push(FieldError::new("phone", e))).ok();
    let email = if f.email.trim().is_empty() {
        None
    } else {
        Email::parse(&f.email).map_err(|e| errors.push(FieldError::new("email", e))).ok()
    };
    if f.password.chars().count() < 8 {
        errors.push(FieldError::new("password", "Mật khẩu cần ít nhất 8 ký tự."));
    } else if f.password.len() > 1024 {
        errors.push(FieldError::new("password", "Mật khẩu dài quá 1024 byte."));
    }
    if let (true, Some(phone)) = (errors.is_empty(), phone) {
        let hash = motcua_app::accounts::hash_password(&f.password).await?;
        let user = UserRecord {
            id: Uuid::now_v7(),
            agency_id: None,
            username: phone.as_str().to_owned(),
            full_name: name,
            password_hash: hash,
            citizen: true,
            phone: Some(phone.as_str().to_owned()),
            email: email.map(|e| e.as_str().to_owned()),
            active: true,
        };
        match state.store.insert_user(&user).await {
            Ok(()) => return start_session(&state, &user, "/my").await,
            Err(StoreError::Duplicate(_)) => {
                errors.push(FieldError::new("phone", "Số điện thoại này đã có tài khoản."))
            }
            Err(e) => return Err(e.into()),
        }
    }
    let page = SignupPage { shell: web.shell, errors, form: SignupForm { password: String::new(), ..f } };
    Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}
