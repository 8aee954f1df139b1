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

impl From<motcua_app::AppError> for PageError {
    fn from(e: motcua_app::AppError) -> Self {
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
            let encoded = super::url_component(&next);
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

/// Middleware on the pages: an error answered in plain text (a form or a query string that
/// could not be read, a body over the limit) or in JSON becomes the same HTML page as the other
/// errors, with the same status and message. JSON stays under `/api`.
pub async fn html_errors(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let res = next.run(req).await;
    let status = res.status();
    let is_text = |v: &axum::http::HeaderValue| {
        let v = v.as_bytes();
        v.starts_with(b"text/plain") || v.starts_with(b"application/json")
    };
    if !(status.is_client_error() || status.is_server_error())
        || !res.headers().get(axum::http::header::CONTENT_TYPE).is_some_and(is_text)
    {
        return res;
    }
    let bytes = axum::body::to_bytes(res.into_body(), 64 * 1024).await.unwrap_or_default();
    let text = String::from_utf8_lossy(&bytes).to_string();
    let message = serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| v["message"].as_str().map(str::to_owned))
        .unwrap_or(text);
    let message =
        if status.is_server_error() { "Lỗi hệ thống, vui lòng thử lại sau.".to_owned() } else { message };
    (status, Html(page(&message))).into_response()
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
