//! Extractors: JSON and query strings whose rejections become the error envelope, and the
//! authenticated caller.

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use motcua_domain::org::Actor;
use serde::de::DeserializeOwned;

use crate::error::ApiError;
use crate::state::AppState;

/// Whether the request presents `Authorization: Bearer <token>` whose SHA-256 is `expected`
/// (a machine's shared token: the national portal's push, the metrics scraper); none
/// configured refuses every caller.
pub fn shared_token(headers: &axum::http::HeaderMap, expected_sha256: Option<&str>) -> Result<(), ApiError> {
    let expected = expected_sha256.ok_or(ApiError::Unauthenticated)?;
    let presented = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or(ApiError::Unauthenticated)?;
    if motcua_app::accounts::token_hash(presented.trim()) != expected {
        return Err(ApiError::Unauthenticated);
    }
    Ok(())
}

/// `Json<T>` with errors in the API envelope: 400 for unreadable JSON, 422 for a wrong shape, 413
/// for a body over the limit.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(JsonRejection::JsonSyntaxError(e)) => {
                Err(ApiError::BadRequest(format!("JSON không đọc được: {}", e.body_text())))
            }
            Err(JsonRejection::JsonDataError(e)) => Err(ApiError::shape(e.body_text())),
            Err(JsonRejection::MissingJsonContentType(_)) => {
                Err(ApiError::UnsupportedMedia("cần Content-Type: application/json".into()))
            }
            Err(JsonRejection::BytesRejection(e)) if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => {
                Err(ApiError::TooLarge { limit: state.config.max_json_bytes })
            }
            Err(other) => Err(ApiError::BadRequest(other.body_text())),
        }
    }
}

/// `Query<T>` with errors in the API envelope.
#[derive(Debug)]
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(ApiQuery(v)),
            Err(QueryRejection::FailedToDeserializeQueryString(e)) => {
                Err(ApiError::BadRequest(format!("tham số truy vấn không hợp lệ: {}", e.body_text())))
            }
            Err(other) => Err(ApiError::BadRequest(other.body_text())),
        }
    }
}

pub use motcua_app::accounts::token_hash;

/// An authenticated caller: an officer or a citizen, from `Authorization: Bearer <token>`.
#[derive(Debug, Clone)]
pub struct Caller(pub Actor);

/// A caller who may be anonymous.
#[derive(Debug, Clone)]
pub struct MaybeCaller(pub Option<Actor>);

async fn actor_from(parts: &Parts, state: &AppState) -> Result<Option<Actor>, ApiError> {
    let Some(header) = parts.headers.get(axum::http::header::AUTHORIZATION) else { return Ok(None) };
    let token = header
        .to_str()
        .ok()
        .and_then(|h| h.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or(ApiError::Unauthenticated)?;
    let now = state.now_default();
    let actor = state.store.token_actor(&token_hash(token), now).await?.ok_or(ApiError::Unauthenticated)?;
    motcua_app::audit::identified(&actor);
    Ok(Some(actor))
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        actor_from(parts, state).await?.map(Caller).ok_or(ApiError::Unauthenticated)
    }
}

impl FromRequestParts<AppState> for MaybeCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(MaybeCaller(actor_from(parts, state).await?))
    }
}
