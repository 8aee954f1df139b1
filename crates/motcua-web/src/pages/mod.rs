//! Server-rendered HTML pages (askama templates, checked at compile time). They work without
//! JavaScript; the kiosk's idle reset is the only script. Handlers parse, call the domain and
//! the store, and fill a template: no business rule lives in a template or a handler.

pub mod i18n;
pub mod public;
pub mod session;

use axum::Router;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::IntoResponse;
use axum::routing::get;

use crate::state::AppState;

const CSS: &str = include_str!("../../static/app.css");
const KIOSK_JS: &str = include_str!("../../static/kiosk.js");

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(public::home))
        .route("/procedures", get(public::catalog))
        .route("/procedures/{code}", get(public::procedure))
        .route("/lookup", get(public::lookup))
        .route("/kiosk", get(public::kiosk))
        .route("/static/app.css", get(|| async { ([(CONTENT_TYPE, "text/css; charset=utf-8"), (CACHE_CONTROL, "public, max-age=3600")], CSS).into_response() }))
        .route("/static/kiosk.js", get(|| async { ([(CONTENT_TYPE, "text/javascript; charset=utf-8"), (CACHE_CONTROL, "public, max-age=3600")], KIOSK_JS).into_response() }))
}
