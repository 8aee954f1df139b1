//! Extractors: JSON and query strings whose rejections become the error envelope, and the
//! authenticated caller.

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use motcua_domain::org::Actor;
use serde::de::DeserializeOwned;

use crate::error::ApiError;
use crate::state::AppState;
use motcua_domain::FieldError;

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
            Err(JsonRejection::JsonDataError(e)) => Err(match shape_of::<serde_json::Error>(&e) {
                Some(field) => ApiError::Invalid {
                    code: "invalid_input",
                    message: shape_message("dữ liệu không đúng cấu trúc", &field),
                    fields: vec![field],
                },
                None => ApiError::shape(e.body_text()),
            }),
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

/// The one field a JSON body or a query string got wrong, named by its path (`applicant.phone`),
/// from the deserializer's error that axum's rejection carries (`E` is that deserializer's error
/// type). The message is Vietnamese, with serde's own words after it.
fn shape_of<E: std::error::Error + 'static>(rejection: &dyn std::error::Error) -> Option<FieldError> {
    let e = rejection.source()?.source()?.downcast_ref::<serde_path_to_error::Error<E>>()?;
    Some(field_of(e))
}

/// The field a deserializer's error names, with [`field_error`]'s message (a JSON body, a query
/// string, a page form).
pub(crate) fn field_of<E: std::fmt::Display>(e: &serde_path_to_error::Error<E>) -> FieldError {
    field_error(&e.path().to_string(), &e.inner().to_string())
}

/// [`field_of`]'s field and message from serde's path (`.` for the top) and
/// its message, whose forms are serde's `de::Error` constructors (`missing_field`,
/// `unknown_variant`, …). A JSON error's position (" at line 1 column 9") is dropped: the field
/// says where.
fn field_error(path: &str, detail: &str) -> FieldError {
    let detail = match detail.rfind(" at line ") {
        Some(i) if detail[i..].contains(" column ") => &detail[..i],
        _ => detail,
    };
    // serde names a missing, repeated or unknown field inside the path of its container.
    let named = |rest: &str| {
        let name = rest.split('`').next().unwrap_or_default();
        if path == "." || path.is_empty() { name.to_owned() } else { format!("{path}.{name}") }
    };
    let field = if path == "." { String::new() } else { path.to_owned() };
    if let Some(rest) = detail.strip_prefix("missing field `") {
        return FieldError::new(named(rest), "bắt buộc, chưa có (missing field)");
    }
    if let Some(rest) = detail.strip_prefix("duplicate field `") {
        return FieldError::new(named(rest), "có hai lần (duplicate field)");
    }
    if let Some(rest) = detail.strip_prefix("unknown field `") {
        return FieldError::new(named(rest), format!("không có trường này ({detail})"));
    }
    let message = if detail.starts_with("unknown variant") {
        format!("giá trị không được chấp nhận ({detail})")
    } else if detail.starts_with("invalid type") {
        format!("sai kiểu dữ liệu ({detail})")
    } else {
        format!("giá trị không hợp lệ ({detail})")
    };
    FieldError::new(field, message)
}

/// `what` is wrong, and where: the field's path (none for the whole body) and its message.
pub(crate) fn shape_message(what: &str, field: &FieldError) -> String {
    if field.field.is_empty() {
        format!("{what}: {}", field.message)
    } else {
        format!("{what}: {}: {}", field.field, field.message)
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
                Err(match shape_of::<serde_urlencoded::de::Error>(&e) {
                    Some(field) => ApiError::BadQuery {
                        message: shape_message("tham số truy vấn không hợp lệ", &field),
                        fields: vec![field],
                    },
                    None => ApiError::BadRequest(format!("tham số truy vấn không hợp lệ: {}", e.body_text())),
                })
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

#[cfg(test)]
mod tests {
    use super::field_error;

    #[test]
    fn serdes_complaints_become_the_field_and_a_vietnamese_message() {
        let f = field_error(".", "missing field `procedure_code` at line 1 column 46");
        assert_eq!((f.field.as_str(), f.message.as_str()), ("procedure_code", "bắt buộc, chưa có (missing field)"));
        let f = field_error("applicant", "missing field `name`");
        assert_eq!(f.field, "applicant.name");
        let f = field_error(".", "duplicate field `code`");
        assert_eq!(f.field, "code");
        let f = field_error("channel", "unknown variant `fax`, expected one of `counter`, `online` at line 1 column 9");
        assert_eq!(f.field, "channel");
        assert_eq!(
            f.message,
            "giá trị không được chấp nhận (unknown variant `fax`, expected one of `counter`, `online`)"
        );
        let f = field_error("applicant.phone", "invalid type: integer `12`, expected a string at line 1 column 83");
        assert_eq!((f.field.as_str(), f.message.starts_with("sai kiểu dữ liệu")), ("applicant.phone", true));
        // A message that merely mentions a line is kept whole; nothing here can panic on odd text.
        assert_eq!(field_error("x", "bad at line ").message, "giá trị không hợp lệ (bad at line )");
        assert_eq!(field_error(".", "missing field `").field, "");
        assert_eq!(field_error("", "").field, "");
    }
}
