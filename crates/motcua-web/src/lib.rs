//! The HTTP edge of motcua: the JSON API under `/api/v1` (and, later, the HTML pages). Handlers
//! parse, call the domain and the store, and shape the answer; no business rule lives here.

pub mod audit_reads;
pub mod clock;
pub mod error;
pub mod extract;
pub mod http_metrics;
pub mod lookup_cache;
pub mod pages;
pub mod rate_limit;
pub mod routes;
pub mod state;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware::{Next, from_fn, from_fn_with_state};
use axum::routing::{get, post, put};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

pub use error::{ApiError, ErrorBody};
pub use state::{AppState, WebConfig};

use routes::dossiers;

/// The whole application.
pub fn app(state: AppState) -> Router {
    let public = Router::new()
        .route("/api/v1/procedures", get(routes::procedures::list::list))
        .route("/api/v1/procedures/{code}", get(routes::procedures::show::show))
        .route("/api/v1/procedures/{code}/versions", get(routes::procedures::versions::list))
        .route("/api/v1/fields", get(routes::procedures::fields::list))
        .route("/api/v1/lookup", get(routes::lookup::lookup))
        .route("/api/v1/auth/token", post(routes::auth_token::create_token))
        .route("/open311/v2/{file}", get(routes::open311::top).post(routes::open311::post_request))
        .route("/open311/v2/{kind}/{file}", get(routes::open311::nested))
        .route_layer(from_fn_with_state(state.clone(), rate_limit::limit_public));
    let uploads = Router::new()
        .route("/api/v1/dossiers/{id}/documents/{index}", put(dossiers::upload::upload))
        .layer(DefaultBodyLimit::max(state.config.max_upload_bytes));
    Router::new()
        .route("/healthz", get(routes::health::healthz))
        .route("/readyz", get(routes::health::readyz))
        .route("/metrics", get(routes::metrics::metrics))
        .route("/api/v1/openapi.json", get(routes::openapi::document))
        .route("/api/v1/agencies/{agency_code}/procedures", post(routes::procedures::publish::publish))
        .route("/api/v1/dossiers", post(dossiers::create::create).get(dossiers::list::list))
        .route("/api/v1/dossiers/{id}", get(dossiers::show::show))
        .route("/api/v1/dossiers/{id}/events", get(dossiers::events::list))
        .route("/api/v1/portal/{agency_code}/dossiers", post(routes::portal::push))
        .route("/api/v1/payments/vnpay/{agency_code}/ipn", get(routes::payments::vnpay_ipn))
        .route("/api/v1/payments/platform/{agency_code}/confirm", post(routes::payments::platform_confirm))
        .route("/api/v1/payments/vietqr/{agency_code}/webhook", post(routes::payments::vietqr_webhook))
        .route("/api/v1/auth/tokens", get(routes::auth_token::list_tokens))
        .route("/api/v1/auth/tokens/{id}", axum::routing::delete(routes::auth_token::revoke_token))
        .merge(dossiers::transitions::router())
        .layer(DefaultBodyLimit::max(state.config.max_json_bytes))
        .merge(public)
        .merge(uploads)
        .merge(
            html_errors(pages::router(state.clone()))
                .layer(from_fn_with_state(state.clone(), pages::session::cookies))
                // Forms and the citizens' uploads: the configured upload limit, not axum's 2 MiB.
                .layer(DefaultBodyLimit::max(state.config.max_upload_bytes + 64 * 1024)),
        )
        .fallback(not_found)
        .layer(from_fn_with_state(state.clone(), audit_reads::audit_reads))
        .layer(from_fn(http_metrics::count))
        .layer(from_fn_with_state(state.clone(), after_changes))
        .layer(from_fn(security_headers))
        .layer(TraceLayer::new_for_http().make_span_with(request_span))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(panic_response))
        // Every request gets an id (or keeps its proxy's), logged with it and sent back.
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .with_state(state)
}

/// The span a request is logged in: its method, its path (never the query string, which may
/// carry a code and phone digits) and its id, at the info level.
fn request_span(req: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    let id = request_id(req.headers());
    tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
}

/// The request's id (set by the first layer, or the proxy's), as far as it is safe to log.
pub(crate) fn request_id(headers: &axum::http::HeaderMap) -> String {
    headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .take(64)
        .collect()
}

/// Errors on the pages are pages: a handler's error, a body that could not be read, and a
/// handler that panicked answer with the same HTML page in Vietnamese (JSON stays under `/api`).
fn html_errors<S: Clone + Send + Sync + 'static>(pages: Router<S>) -> Router<S> {
    pages
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(panic_response))
        .layer(from_fn(pages::error::html_errors))
}

/// A handler that panicked: logged (without the request, which may hold personal data) and
/// answered with the 500 envelope instead of a dropped connection.
fn panic_response(panic: Box<dyn std::any::Any + Send + 'static>) -> axum::response::Response {
    use axum::response::IntoResponse;
    let what = panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    ApiError::Internal(format!("panic: {what}")).into_response()
}

/// An address nothing answers: the API's JSON envelope under `/api`, a page everywhere else.
async fn not_found(uri: axum::http::Uri) -> axum::response::Response {
    use axum::response::IntoResponse;
    let error = ApiError::NotFound("không có địa chỉ này / no such page".into());
    if uri.path() == "/api" || uri.path().starts_with("/api/") {
        error.into_response()
    } else {
        pages::error::PageError::from(error).into_response()
    }
}

/// After a request that may have changed something (any method but GET and HEAD), this
/// server's kept lookups are set aside ([`lookup_cache`]); after one that succeeded (answered
/// below 400), the worker in this process is woken: the change's messages go out now, not at the
/// next poll.
async fn after_changes(
    axum::extract::State(state): axum::extract::State<AppState>,
    req: axum::extract::Request,
    next: Next,
) -> axum::response::Response {
    let changes = !matches!(*req.method(), axum::http::Method::GET | axum::http::Method::HEAD);
    let res = next.run(req).await;
    if changes {
        state.lookups.changed();
        if res.status().as_u16() < 400 {
            state.outbox_wake.notify_one();
        }
    }
    res
}

/// The pages' content security policy: no inline script or style, no framing, forms posted to the
/// site only (the payment page adds its provider: `pages/payment.rs`).
pub(crate) const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

/// Headers on every response: no inline script or style, no framing, no sniffing.
async fn security_headers(req: axum::extract::Request, next: Next) -> axum::response::Response {
    use axum::http::HeaderValue;
    let path = req.uri().path();
    let private = ["/office", "/admin", "/my", "/submit", "/api/v1/dossiers", "/api/v1/auth"]
        .iter()
        .any(|p| path.strip_prefix(p).is_some_and(|rest| rest.is_empty() || rest.starts_with('/')));
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    // A handler that set its own policy (uploaded files, framed by our pages) keeps it.
    h.entry("content-security-policy").or_insert(HeaderValue::from_static(CSP));
    h.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    // What officers and citizens see of dossiers stays out of shared and back-button caches.
    if private {
        h.insert("cache-control", HeaderValue::from_static("no-store"));
    }
    h.insert("referrer-policy", HeaderValue::from_static("same-origin"));
    h.entry("x-frame-options").or_insert(HeaderValue::from_static("DENY"));
    res
}

#[cfg(test)]
mod tests {
    use axum::Router;
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use tower::ServiceExt;

    #[tokio::test]
    async fn a_page_that_panics_answers_with_the_html_error_page() {
        let pages = super::html_errors(Router::new().route(
            "/boom",
            axum::routing::get(|| async {
                if true {
                    panic!("boom");
                }
                "never"
            }),
        ));
        let res = pages.oneshot(Request::get("/boom").body(Body::empty()).unwrap()).await.unwrap();
        assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let content_type = res.headers()["content-type"].to_str().unwrap().to_owned();
        assert!(content_type.starts_with("text/html"), "{content_type}");
        let body = axum::body::to_bytes(res.into_body(), 1 << 16).await.unwrap();
        let body = String::from_utf8(body.to_vec()).unwrap();
        assert!(body.contains("Lỗi hệ thống, vui lòng thử lại sau."), "{body}");
        assert!(!body.contains("boom"), "the panic's text stays in the log: {body}");
    }
}
