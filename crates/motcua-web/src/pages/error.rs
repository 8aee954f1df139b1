//! Errors on HTML pages: the API's error, shown as a page. A visitor who must sign in is sent to
//! the sign-in page and brought back afterwards.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};

use crate::error::ApiError;

#[derive(Debug)]
pub struct PageError {
    pub error: ApiError,
    /// Where to come back to after signing in.
    pub back_to: Option<String>,
}

impl From<ApiError> for PageError {
    fn from(error: ApiError) -> Self {
        PageError { error, back_to: None }
    }
}

impl From<motcua_domain::DomainError> for PageError {
    fn from(e: motcua_domain::DomainError) -> Self {
        PageError::from(ApiError::from(e))
    }
}

impl From<motcua_store::StoreError> for PageError {
    fn from(e: motcua_store::StoreError) -> Self {
        PageError::from(ApiError::from(e))
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        if matches!(self.error, ApiError::Unauthenticated) {
            let next =
                self.back_to.filter(|p| p.starts_with('/') && !p.starts_with("//")).unwrap_or_else(|| "/".into());
            let encoded: String = next
                .bytes()
                .map(|b| {
                    if b.is_ascii_alphanumeric() || b"/-_.".contains(&b) {
                        (b as char).to_string()
                    } else {
                        format!("%{b:02X}")
                    }
                })
                .collect();
            return Redirect::to(&format!("/login?next={encoded}")).into_response();
        }
        let status = self.error.clone_status();
        if status == StatusCode::INTERNAL_SERVER_ERROR {
            // Logged with its cause by the API error's own response.
            let _ = self.error.into_response();
            return (status, Html(page("Lỗi hệ thống, vui lòng thử lại sau."))).into_response();
        }
        (status, Html(page(&self.error.to_string()))).into_response()
    }
}

fn page(message: &str) -> String {
    format!(
        "<!doctype html><html lang=\"vi\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Không thực hiện được</title><link rel=\"icon\" href=\"/favicon.ico\" type=\"image/svg+xml\"><link rel=\"stylesheet\" href=\"/static/app.css\"></head><body><main id=\"main\">\
         <h1>Không thực hiện được</h1><div class=\"errors\" role=\"alert\"><p>{}</p></div><p><a href=\"/\">Về trang chủ</a></p></main></body></html>",
        escape(message)
    )
}

pub type PageResult<T> = Result<T, PageError>;
