//! `POST /api/v1/auth/token`: exchange a username and password for an API token. Only the
//! token's SHA-256 is stored; the token is shown once.

use axum::Json;
use axum::extract::State;
use motcua_app::accounts;
use motcua_store::{ApiToken, TokenInfo, UserRecord};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiJson, Caller, token_hash};
use crate::rate_limit::{ClientAddr, SIGN_IN_ACCOUNT, SIGN_IN_PAIR, sign_in_address};
use crate::state::AppState;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct TokenRequest {
    pub username: String,
    pub password: String,
    /// A label for the token, e.g. the integration's name.
    #[serde(default)]
    pub name: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TokenResponse {
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
    pub user_id: Uuid,
    pub full_name: String,
    /// Local time after which the token must be asked for again.
    #[schema(value_type = String)]
    pub expires_at: chrono::NaiveDateTime,
    /// Wrong passwords tried on this account in the last hour, from anywhere.
    pub failed_attempts: i64,
}

/// A successful sign-in: the user, and how many wrong passwords were tried on the account in the
/// last hour (to tell them).
#[derive(Debug)]
pub struct SignedIn {
    pub user: UserRecord,
    pub failed_attempts: i64,
}

/// The active user with this username (or phone, or e-mail for citizens) and password; `None`
/// otherwise, after the same work. Each failure is audited. The guards (`docs/web.md`):
/// - one address may try `limits.sign_in_per_minute` times a minute (429 past it);
/// - one address may give an account [`SIGN_IN_PAIR`] wrong passwords in ten minutes;
/// - an account that had [`SIGN_IN_ACCOUNT`] wrong passwords in the hour, from anywhere, answers
///   each further attempt a little later, but is never locked: its owner, from their own
///   address, still signs in, and is then told how many wrong attempts there were.
pub async fn verify_login(
    state: &AppState,
    client: &str,
    username: &str,
    password: &str,
) -> Result<Option<SignedIn>, ApiError> {
    state.pass(sign_in_address(state), client).await?;
    if username.chars().count() > 200 || password.len() > 1024 {
        return Ok(None);
    }
    let account = accounts::normalised_username(username);
    let pair = format!("{client}|{account}");
    if state.counted(SIGN_IN_PAIR, &pair).await? >= i64::from(SIGN_IN_PAIR.limit) {
        return Err(ApiError::RateLimited);
    }
    let failures = state.counted(SIGN_IN_ACCOUNT, &account).await?;
    let over = failures - i64::from(SIGN_IN_ACCOUNT.limit);
    if over >= 0 {
        // Slowed, not refused: 1 s, then 2 s, … at most 5 s.
        tokio::time::sleep(std::time::Duration::from_secs(over.unsigned_abs().saturating_add(1).min(5))).await;
    }
    let user = accounts::find_account(&*state.store, username).await?;
    let verified = accounts::password_matches(user.as_ref(), password).await?;
    match user {
        Some(u) if verified && u.active => Ok(Some(SignedIn { user: u, failed_attempts: failures })),
        _ => {
            state.count(SIGN_IN_PAIR, &pair, 1).await?;
            state.count(SIGN_IN_ACCOUNT, &account, 1).await?;
            accounts::audit_sign_in_failed(&*state.store, &account, state.now_default()).await?;
            Ok(None)
        }
    }
}

#[utoipa::path(post, path = "/api/v1/auth/token", tag = "auth", request_body = TokenRequest,
    responses((status = 200, body = TokenResponse), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn create_token(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    ApiJson(req): ApiJson<TokenRequest>,
) -> ApiResult<Json<TokenResponse>> {
    let SignedIn { user, failed_attempts } =
        verify_login(&state, &client, &req.username, &req.password).await?.ok_or(ApiError::Unauthenticated)?;
    let token = accounts::new_token();
    let expires_at = state.now_default() + chrono::Duration::days(state.config.api_token_days);
    state
        .store
        .insert_token(&ApiToken {
            id: Uuid::now_v7(),
            agency_id: user.agency_id,
            user_id: user.id,
            token_hash: token_hash(&token),
            name: req.name.map(|n| motcua_domain::text::printable(&n, 100)).unwrap_or_else(|| "api".into()),
            expires_at,
        })
        .await?;
    accounts::audit_sign_in(&*state.store, &user, "api_token", state.now_default()).await?;
    Ok(Json(TokenResponse { token, user_id: user.id, full_name: user.full_name, expires_at, failed_attempts }))
}

#[utoipa::path(get, path = "/api/v1/auth/tokens", tag = "auth",
    responses((status = 200, body = Vec<TokenInfo>), (status = 401, body = ErrorBody)), security(("token" = [])))]
/// The caller's API tokens (never the tokens themselves).
pub async fn list_tokens(State(state): State<AppState>, Caller(actor): Caller) -> ApiResult<Json<Vec<TokenInfo>>> {
    Ok(Json(state.store.tokens_of(actor.user_id).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct RevokeParams {
    /// Whose token: the caller's by default; an administrator may name a user they manage.
    pub user_id: Option<Uuid>,
}

#[utoipa::path(delete, path = "/api/v1/auth/tokens/{id}", tag = "auth", params(("id" = Uuid, Path), RevokeParams),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)), security(("token" = [])))]
/// Revokes one token: the caller's own, or (for an administrator) one of a user they manage.
pub async fn revoke_token(
    State(state): State<AppState>,
    Caller(actor): Caller,
    axum::extract::Path(id): axum::extract::Path<Uuid>,
    crate::extract::ApiQuery(p): crate::extract::ApiQuery<RevokeParams>,
) -> ApiResult<axum::http::StatusCode> {
    let owner = p.user_id.unwrap_or(actor.user_id);
    if owner != actor.user_id {
        crate::pages::admin::managed_user(&state, &actor, owner).await?;
    }
    let now = state.now_default();
    if !state.store.revoke_token(owner, id, now).await? {
        return Err(ApiError::NotFound("không có mã truy cập này / no such token".into()));
    }
    let what = ("token_revoked", format!("token:{id}"));
    motcua_app::audit::record(
        &*state.store,
        None,
        Some(actor.user_id),
        what,
        serde_json::json!({ "user_id": owner }),
        now,
    )
    .await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}
