//! Requests by route and status, with their latency, for Prometheus. Each server counts its own
//! (a scraper reads every server; nothing here is needed by another), into the process's one
//! recorder (`metrics` with the Prometheus exporter, rendering only: `/metrics` serves it behind
//! its token, with the figures read from the database).
//!
//! The route is the pattern (`/office/dossiers/{id}`), never the path, and an unknown method is
//! `OTHER`, so that the series stay few whatever clients send, and no dossier id or code lands
//! in them.

use std::sync::OnceLock;
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

const REQUESTS: &str = "motcua_http_requests_total";
const DURATION: &str = "motcua_http_request_duration_seconds";
/// Seconds: a page answered within 50 ms is good, a report within 2.5 s acceptable.
const BUCKETS: &[f64] = &[0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

/// The process's recorder, installed on first use (`None` if another recorder was installed).
pub fn handle() -> Option<&'static PrometheusHandle> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let builder =
                PrometheusBuilder::new().set_buckets_for_metric(Matcher::Full(DURATION.into()), BUCKETS).ok()?;
            let handle = builder.install_recorder().ok()?;
            metrics::describe_counter!(REQUESTS, "HTTP requests answered, by method, route and status.");
            metrics::describe_histogram!(DURATION, metrics::Unit::Seconds, "Time to answer, by method and route.");
            Some(handle)
        })
        .as_ref()
}

/// The requests' figures in Prometheus' text format.
pub fn render() -> String {
    handle()
        .map(|h| {
            h.run_upkeep();
            h.render()
        })
        .unwrap_or_default()
}

/// Counts the request and its time, under its route's pattern.
pub async fn count(req: Request, next: Next) -> Response {
    let started = Instant::now();
    // A client may send any method name: only the known ones make series of their own.
    let method = match req.method().as_str() {
        m @ ("GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE" | "OPTIONS") => m.to_owned(),
        _ => "OTHER".to_owned(),
    };
    let route = req.extensions().get::<MatchedPath>().map_or_else(|| "(none)".to_owned(), |m| m.as_str().to_owned());
    let res = next.run(req).await;
    if handle().is_some() {
        let status = res.status().as_u16().to_string();
        metrics::counter!(REQUESTS, "method" => method.clone(), "route" => route.clone(), "status" => status)
            .increment(1);
        metrics::histogram!(DURATION, "method" => method, "route" => route).record(started.elapsed().as_secs_f64());
    }
    res
}
