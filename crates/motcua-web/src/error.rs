//! The one error type at the HTTP edge. Every failure becomes the same JSON envelope
//! `{"code": "snake_case", "message": "Vietnamese text", "fields": [{"field", "message"}]}`;
//! client mistakes are 4xx, and an internal error is a generic 500 logged once with its cause.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use motcua_domain::{DomainError, FieldError};
use motcua_store::StoreError;
use serde::Serialize;

/// The error envelope of every API response that is not a success.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Stable code for clients to match and translate.
    pub code: String,
    /// What went wrong, in Vietnamese.
    pub message: String,
    /// Per-field problems, for forms.
    pub fields: Vec<FieldError>,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: the request could not be read (malformed JSON, bad query string).
    #[error("{0}")]
    BadRequest(String),
    /// 400: a query string of the wrong shape; the fields say which parameter and why.
    #[error("{message}")]
    BadQuery { message: String, fields: Vec<FieldError> },
    /// 401: no valid credentials.
    #[error("cần đăng nhập (mã truy cập không hợp lệ hoặc đã hết hạn)")]
    Unauthenticated,
    /// 403: authenticated, but not allowed.
    #[error("bạn không có quyền {0}")]
    Forbidden(String),
    /// 404.
    #[error("{0}")]
    NotFound(String),
    /// 409: the state changed, or the action does not fit the state.
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    /// 413.
    #[error("dữ liệu gửi lên quá lớn (tối đa {limit} byte)")]
    TooLarge { limit: usize },
    /// 415.
    #[error("{0}")]
    UnsupportedMedia(String),
    /// 422: well-formed but invalid; the fields say why.
    #[error("{message}")]
    Invalid { code: &'static str, message: String, fields: Vec<FieldError> },
    /// 429.
    #[error("quá nhiều yêu cầu, vui lòng thử lại sau ít phút")]
    RateLimited,
    /// 500: logged with its cause; the client sees a generic message.
    #[error("lỗi hệ thống, vui lòng thử lại sau")]
    Internal(String),
}

impl ApiError {
    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::BadRequest(_) | ApiError::BadQuery { .. } => (StatusCode::BAD_REQUEST, "bad_request"),
            ApiError::Unauthenticated => (StatusCode::UNAUTHORIZED, "unauthenticated"),
            ApiError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::Conflict { code, .. } => (StatusCode::CONFLICT, code),
            ApiError::TooLarge { .. } => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            ApiError::UnsupportedMedia(_) => (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type"),
            ApiError::Invalid { code, .. } => (StatusCode::UNPROCESSABLE_ENTITY, code),
            ApiError::RateLimited => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
            ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal_error"),
        }
    }

    /// The HTTP status this error answers with.
    pub fn clone_status(&self) -> StatusCode {
        self.status_and_code().0
    }

    /// 422 naming each field at fault; the message says what is wrong (a page that shows only
    /// the message, such as an HTML error page, still tells the person what to change).
    pub fn invalid(fields: Vec<FieldError>) -> ApiError {
        let message = match fields.as_slice() {
            [one] => one.message.clone(),
            [] => "dữ liệu không hợp lệ".into(),
            many => format!(
                "dữ liệu không hợp lệ: {}",
                many.iter().map(|f| f.message.as_str()).collect::<Vec<_>>().join("; ")
            ),
        };
        ApiError::Invalid { code: "invalid_input", message, fields }
    }

    /// 422 for a body that is JSON but not of the expected shape.
    pub fn shape(e: impl std::fmt::Display) -> ApiError {
        ApiError::Invalid {
            code: "invalid_input",
            message: format!("dữ liệu không đúng cấu trúc: {e}"),
            fields: vec![],
        }
    }

    pub fn field(field: &str, message: impl Into<String>) -> ApiError {
        ApiError::invalid(vec![FieldError::new(field, message)])
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        if let ApiError::Internal(cause) = &self {
            tracing::error!(%cause, "internal error");
        }
        let fields = match &self {
            ApiError::Invalid { fields, .. } | ApiError::BadQuery { fields, .. } => fields.clone(),
            _ => Vec::new(),
        };
        let body = ErrorBody { code: code.to_owned(), message: self.to_string(), fields };
        (status, Json(body)).into_response()
    }
}

impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> Self {
        let message = e.to_string();
        match e {
            DomainError::Invalid(fields) => ApiError::invalid(fields),
            DomainError::InvalidTransition { .. } => ApiError::Conflict { code: "invalid_transition", message },
            DomainError::Forbidden(what) => ApiError::Forbidden(what),
            DomainError::Rule(_) => ApiError::Invalid { code: "rule_violation", message, fields: vec![] },
            DomainError::Calendar(_) => ApiError::Invalid { code: "calendar_error", message, fields: vec![] },
        }
    }
}

impl From<motcua_app::AppError> for ApiError {
    fn from(e: motcua_app::AppError) -> Self {
        use motcua_app::AppError;
        match e {
            AppError::Domain(e) => e.into(),
            AppError::Store(e) => e.into(),
            AppError::Conflict { code, message } => ApiError::Conflict { code, message },
            AppError::NotFound(what) => ApiError::NotFound(what),
            AppError::Internal(what) => ApiError::Internal(what),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict => ApiError::Conflict { code: "stale_version", message: e.to_string() },
            StoreError::Duplicate(_) => ApiError::Conflict { code: "duplicate", message: e.to_string() },
            StoreError::InvalidText => ApiError::BadRequest(e.to_string()),
            other => ApiError::Internal(format!("{other:?}")),
        }
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
