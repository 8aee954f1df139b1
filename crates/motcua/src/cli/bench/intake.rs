//! Intake and acceptance at the counter through the API — code allocation, due date, the dossier
//! document, its facts, an event and an outbox row, one transaction — against the cheapest write
//! the database can durably do: a single-row INSERT transaction of about a dossier's size, through
//! a pool opened exactly as the service opens it. 1 and 16 concurrent clients, on the loaded
//! province. The requests go through the whole axum application in-process (no socket), so the
//! figure is the application's and the database's, not the network's.

use anyhow::Context as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use motcua_app::files::FileStore;
use motcua_store::ApiToken;
use motcua_store::bulk::RawInserts;
use motcua_store::testing::TestDb;
use motcua_web::clock::SystemClock;
use motcua_web::extract::token_hash;
use motcua_web::{AppState, WebConfig, app};
use tower::ServiceExt;
use uuid::Uuid;

use super::province::Province;
use super::{Figure, Scale, Target, bar};

/// Runs `count` operations from `clients` tasks; operations per second.
pub(super) async fn concurrently<F, Fut>(clients: usize, count: usize, what: &str, op: F) -> anyhow::Result<f64>
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = anyhow::Result<()>> + Send,
{
    let progress = bar(count as u64, what);
    let op = Arc::new(op);
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (op, next, progress) = (op.clone(), next.clone(), progress.clone());
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= count {
                    return anyhow::Ok(());
                }
                op(i).await?;
                progress.inc(1);
            }
        }));
    }
    for t in tasks {
        t.await??;
    }
    progress.finish_and_clear();
    Ok(count as f64 / started.elapsed().as_secs_f64())
}

/// An API token of the province's reception officer.
pub(super) async fn reception_token(db: &TestDb, province: &Province) -> anyhow::Result<String> {
    let token = format!("bench-{}", Uuid::new_v4());
    db.store
        .insert_token(&ApiToken {
            id: Uuid::now_v7(),
            agency_id: None,
            user_id: province.fixture.reception.user_id,
            token_hash: token_hash(&token),
            name: "bench".into(),
            expires_at: motcua_store::testing::at(2100, 1, 1, 0, 0),
        })
        .await?;
    Ok(token)
}

/// One counter intake through the whole application, in-process; an error unless 201.
pub(super) async fn post_intake(router: axum::Router, token: String, body: String) -> anyhow::Result<()> {
    let req = Request::post("/api/v1/dossiers")
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .body(Body::from(body))?;
    let res = router.oneshot(req).await?;
    if res.status() != StatusCode::CREATED {
        return Err(anyhow::anyhow!("intake: HTTP {}", res.status()));
    }
    Ok(())
}

pub async fn run(db: &TestDb, province: &Province, scale: Scale) -> anyhow::Result<Vec<Figure>> {
    let fx = &province.fixture;
    let token = reception_token(db, province).await?;
    let files = std::env::temp_dir().join(format!("motcua-bench-{}", Uuid::new_v4()));
    let state = AppState::new(db.store.clone(), FileStore::new(&files), Arc::new(SystemClock), WebConfig::default())?;
    let router = app(state);
    let body = serde_json::json!({
        "procedure_code": "1.004227",
        "channel": "counter",
        "applicant": {"name": "Nguyễn Văn An", "citizen_id": "056090001234", "phone": "0905123456", "address": "Nha Trang"}
    })
    .to_string();
    // The raw rows carry a document of the size intake writes.
    let code = motcua_domain::types::DossierCode::parse(&province.lookups[0].0).map_err(anyhow::Error::msg)?;
    let owner = db.store.agency_by_code(code.agency_code()).await?.context("the dossier's agency")?;
    let sample = db.store.dossier_by_code(owner.id, code.as_str()).await?.context("a dossier")?;
    let doc = Arc::new(serde_json::to_string(&sample)?);
    let raw = RawInserts::open(&db.url).await?;
    let agency = fx.agency.id;
    let mut figures = Vec::new();
    for clients in [1, 16] {
        let (router, body, token) = (router.clone(), body.clone(), token.clone());
        let accepted = concurrently(clients, scale.intake, &format!("intake, {clients} clients"), move |_| {
            post_intake(router.clone(), token.clone(), body.clone())
        })
        .await?;
        let (raw, doc) = (raw.clone(), doc.clone());
        let inserts = concurrently(clients, scale.intake, &format!("raw inserts, {clients} clients"), move |i| {
            let (raw, doc) = (raw.clone(), doc.clone());
            async move { raw.insert(agency, &format!("RAW-{clients}-{i}"), &doc).await.map_err(anyhow::Error::from) }
        })
        .await?;
        figures.push(
            Figure::new("intake", format!("accepted through the API, {clients} client(s)"), accepted, "dossiers/s")
                .against("single-row INSERT transactions, same pool settings", inserts)
                .target(Target::RatioAtLeast(0.5)),
        );
    }
    raw.close().await;
    let _ = std::fs::remove_dir_all(files);
    Ok(figures)
}
