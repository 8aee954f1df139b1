//! `motcua bench accept --backend sqlite|postgres --clients 16 --dossiers 2000`: how many
//! dossiers per second the API takes at the counter (intake + acceptance: code allocation, due
//! date, event and outbox rows), with concurrent clients, on a fresh database. The requests go
//! through the whole axum application in-process (no socket), so the figure is the
//! application's and the database's, not the network's.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use clap::{Args, Subcommand};
use motcua_store::ApiToken;
use motcua_store::testing::{Fixture, TestDb};
use motcua_web::clock::SystemClock;
use motcua_web::extract::token_hash;
use motcua_web::files::FileStore;
use motcua_web::{AppState, WebConfig, app};
use tower::ServiceExt;
use uuid::Uuid;

use super::{CliResult, runtime};

#[derive(Debug, Args)]
pub struct BenchArgs {
    #[command(subcommand)]
    pub command: BenchCommand,
}

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Counter intake and acceptance through the API.
    Accept {
        /// sqlite or postgres (a throwaway server, or MOTCUA_TEST_POSTGRES_URL).
        #[arg(long, default_value = "sqlite")]
        backend: String,
        #[arg(long, default_value_t = 16)]
        clients: usize,
        #[arg(long, default_value_t = 2000)]
        dossiers: usize,
    },
}

pub fn run(args: BenchArgs) -> CliResult {
    let BenchCommand::Accept { backend, clients, dossiers } = args.command;
    if !matches!(backend.as_str(), "sqlite" | "postgres") {
        return Err(format!("backend \"{backend}\": dùng sqlite hoặc postgres"));
    }
    runtime()?.block_on(accept(backend, clients.max(1), dossiers.max(1)))
}

async fn accept(backend: String, clients: usize, dossiers: usize) -> CliResult {
    let db = TestDb::by_name(&backend).await;
    let fx = Fixture::seed(db.store.as_ref()).await;
    let token = format!("bench-{}", Uuid::new_v4());
    db.store
        .insert_token(&ApiToken {
            id: Uuid::now_v7(),
            agency_id: None,
            user_id: fx.reception.user_id,
            token_hash: token_hash(&token),
            name: "bench".into(),
        })
        .await
        .map_err(|e| e.to_string())?;
    let files = std::env::temp_dir().join(format!("motcua-bench-{}", Uuid::new_v4()));
    let state = AppState::new(db.store.clone(), FileStore::new(&files), Arc::new(SystemClock), WebConfig::default())
        .map_err(|e| e.to_string())?;
    let router = app(state);
    let body = serde_json::json!({
        "procedure_code": "1.004227",
        "channel": "counter",
        "applicant": {"name": "Nguyễn Văn An", "citizen_id": "056090001234", "phone": "0905123456", "address": "Nha Trang"}
    })
    .to_string();
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (router, body, token, next) = (router.clone(), body.clone(), token.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            while next.fetch_add(1, Ordering::Relaxed) < dossiers {
                let req = Request::post("/api/v1/dossiers")
                    .header("authorization", format!("Bearer {token}"))
                    .header("content-type", "application/json")
                    .body(Body::from(body.clone()))
                    .expect("request");
                let t = Instant::now();
                let res = router.clone().oneshot(req).await.expect("infallible");
                if res.status() != StatusCode::CREATED {
                    return Err(format!("HTTP {}", res.status()));
                }
                latencies.push(t.elapsed());
            }
            Ok(latencies)
        }));
    }
    let mut latencies: Vec<Duration> = Vec::new();
    for t in tasks {
        latencies.extend(t.await.map_err(|e| e.to_string())??);
    }
    let elapsed = started.elapsed();
    latencies.sort();
    let pct = |p: f64| latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)];
    let codes =
        db.store.next_sequence(fx.agency.id, chrono::Utc::now().date_naive()).await.map_err(|e| e.to_string())?;
    println!("backend: {backend}, clients: {clients}, dossiers: {}", latencies.len());
    println!("accepted per second: {:.0}", latencies.len() as f64 / elapsed.as_secs_f64());
    println!("latency p50 {:.1} ms, p99 {:.1} ms", pct(0.5).as_secs_f64() * 1000.0, pct(0.99).as_secs_f64() * 1000.0);
    println!("codes allocated today (incl. this check): {codes}");
    let _ = std::fs::remove_dir_all(files);
    Ok(())
}
