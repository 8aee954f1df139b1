//! Nothing is lost when a worker dies: `motcua worker` is killed with SIGKILL in the middle of a
//! batch, started again, and every message reaches the gateway; a message sent twice (the one in
//! flight at the kill) carries the same idempotency key both times. On PostgreSQL two workers
//! then share the queue (`for update skip locked`), on SQLite one. The same holds for the
//! national portal's sync, whose messages also keep their order per dossier across the kill.

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use motcua_store::testing::{Fixture, TestDb, at};

/// Messages received by key, in order of arrival.
type Received = Arc<Mutex<Vec<String>>>;

/// A slow SMS gateway (each answer takes 50 ms) on loopback.
async fn gateway() -> (Received, String) {
    let received: Received = Arc::default();
    let sink = received.clone();
    let app = axum::Router::new().route(
        "/send",
        axum::routing::post(move |headers: axum::http::HeaderMap| {
            let sink = sink.clone();
            async move {
                let key = headers.get("idempotency-key").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
                sink.lock().unwrap().push(key);
                tokio::time::sleep(Duration::from_millis(50)).await;
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/send", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (received, url)
}

fn worker(database_url: &str, gateway: &str) -> Child {
    Command::new(env!("CARGO_BIN_EXE_motcua"))
        .arg("worker")
        .env("MOTCUA_DATABASE__URL", database_url)
        .env("MOTCUA_NOTIFY__SMS__KIND", "http")
        .env("MOTCUA_NOTIFY__SMS__URL", gateway)
        .env("MOTCUA_NOTIFY__INTERVAL_SECONDS", "1")
        .env("MOTCUA_NOTIFY__LEASE_SECONDS", "2")
        .env("MOTCUA_NOTIFY__DIGEST_TIME", "")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .expect("start motcua worker")
}

/// The fixture agency's deliveries of one channel (the first 200).
async fn deliveries(
    db: &TestDb,
    fx: &Fixture,
    channel: motcua_store::DeliveryChannel,
) -> motcua_store::Page<motcua_store::Delivery> {
    let q = motcua_store::DeliveryQuery {
        agencies: vec![fx.agency.id],
        channel: Some(channel),
        page: 1,
        page_size: 200,
        ..Default::default()
    };
    db.store.search_deliveries(&q).await.unwrap()
}

async fn wait_for(what: &str, seconds: u64, done: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    while !done() {
        assert!(Instant::now() < deadline, "{what}: not within {seconds} s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn a_killed_worker_loses_nothing(db: TestDb, workers_after: usize) {
    let fx = Fixture::seed(db.store.as_ref()).await;
    let day = at(2026, 2, 12, 9, 0);
    // 80 dossiers taken at the counter: 80 SMS (the acceptance) and no e-mail channel
    // configured, so the 80 e-mails stay technical failures for the log.
    for _ in 0..80 {
        fx.accepted_dossier(db.store.as_ref(), day, "0905123456", None).await;
    }
    let (received, url) = gateway().await;

    let mut first = worker(&db.url, &url);
    wait_for("the first messages", 60, || received.lock().unwrap().len() >= 10).await;
    first.kill().expect("SIGKILL");
    first.wait().unwrap();
    let at_kill = received.lock().unwrap().len();
    assert!(at_kill < 80, "the worker was killed mid-batch ({at_kill} sent)");
    let held = db
        .store
        .search_deliveries(&motcua_store::DeliveryQuery {
            agencies: vec![fx.agency.id],
            status: Some(motcua_store::DeliveryStatus::Sending),
            page: 1,
            page_size: 1,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(held.total > 0, "the dead worker left messages it had claimed");

    let mut again: Vec<Child> = (0..workers_after).map(|_| worker(&db.url, &url)).collect();
    let distinct = || received.lock().unwrap().iter().collect::<std::collections::HashSet<_>>().len();
    wait_for("every message", 120, || distinct() >= 80).await;
    // Let the workers record the last outcomes, then stop them.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    for w in &mut again {
        w.kill().unwrap();
        w.wait().unwrap();
    }

    let received = received.lock().unwrap().clone();
    let mut by_key: HashMap<&str, usize> = HashMap::new();
    for k in &received {
        *by_key.entry(k.as_str()).or_default() += 1;
    }
    assert_eq!(by_key.len(), 80, "every message, once per key at least");
    assert!(by_key.keys().all(|k| k.ends_with(":sms:0905123456")), "{by_key:?}");
    let repeated: Vec<_> = by_key.iter().filter(|(_, n)| **n > 1).collect();
    // Only what was in flight at the kill can have been sent twice, and with the same key.
    assert!(repeated.len() <= 50, "{repeated:?}");
    let sms = deliveries(&db, &fx, motcua_store::DeliveryChannel::Sms).await;
    assert_eq!(sms.total, 80);
    assert!(
        sms.items.iter().all(|d| d.status == "delivered"),
        "{:?}",
        sms.items.iter().find(|d| d.status != "delivered")
    );
}

/// One status the fake portal took: (idempotency key, dossier code, status).
type Told = Arc<Mutex<Vec<(String, String, i64)>>>;

/// A slow fake of the portal's create and update services (50 ms each).
async fn portal() -> (Told, String) {
    let told: Told = Arc::default();
    let known: Arc<Mutex<Vec<String>>> = Arc::default();
    let service = |kind: &'static str| {
        let (told, known) = (told.clone(), known.clone());
        axum::routing::post(move |headers: axum::http::HeaderMap, axum::Json(body): axum::Json<serde_json::Value>| {
            let (told, known) = (told.clone(), known.clone());
            async move {
                tokio::time::sleep(Duration::from_millis(50)).await;
                let key = headers.get("idempotency-key").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
                let code = body[0]["MaHoSo"].as_str().unwrap_or("").to_owned();
                if kind == "create" && known.lock().unwrap().contains(&code) {
                    return axum::Json(serde_json::json!({"error_code": "3", "message": "đã tồn tại"}));
                }
                known.lock().unwrap().push(code.clone());
                told.lock().unwrap().push((key, code, body[0]["TrangThaiHoSo"].as_i64().unwrap_or(0)));
                axum::Json(serde_json::json!({"error_code": "0", "message": "thành công"}))
            }
        })
    };
    let app = axum::Router::new().route("/create", service("create")).route("/update", service("update"));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (told, base)
}

fn portal_worker(database_url: &str, base: &str) -> Child {
    Command::new(env!("CARGO_BIN_EXE_motcua"))
        .arg("worker")
        .env("MOTCUA_DATABASE__URL", database_url)
        .env("MOTCUA_NOTIFY__PORTAL__CREATE_URL", format!("{base}/create"))
        .env("MOTCUA_NOTIFY__PORTAL__UPDATE_URL", format!("{base}/update"))
        .env("MOTCUA_NOTIFY__INTERVAL_SECONDS", "1")
        .env("MOTCUA_NOTIFY__LEASE_SECONDS", "2")
        .env("MOTCUA_NOTIFY__DIGEST_TIME", "")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .expect("start motcua worker")
}

/// 30 dossiers with three changes each (accepted 2, forwarded 4, supplement asked 5): the worker
/// is killed mid-sync and started again; every change reaches the portal, each dossier's in
/// order, a repeat only with the same key.
async fn a_worker_killed_mid_sync_keeps_the_portal_whole_and_in_order(db: TestDb, workers_after: usize) {
    use motcua_domain::dossier::Action;
    let fx = Fixture::seed(db.store.as_ref()).await;
    let store = db.store.as_ref();
    for i in 0..30 {
        let d = fx.accepted_dossier(store, at(2026, 2, 12, 9, 0), "0905123456", None).await;
        let forward = Action::Forward { note: None, assignee: None };
        let d = fx.act(store, &d, forward, &fx.reception, at(2026, 2, 12, 10, i)).await;
        let ask = Action::RequestSupplement { reason: "Thiếu bản vẽ".into() };
        fx.act(store, &d, ask, &fx.specialist, at(2026, 2, 13, 9, i)).await;
    }
    let (told, base) = portal().await;
    let mut first = portal_worker(&db.url, &base);
    wait_for("the first statuses", 60, || told.lock().unwrap().len() >= 10).await;
    first.kill().expect("SIGKILL");
    first.wait().unwrap();
    assert!(told.lock().unwrap().len() < 90, "killed mid-sync");
    let mut again: Vec<Child> = (0..workers_after).map(|_| portal_worker(&db.url, &base)).collect();
    let distinct = || told.lock().unwrap().iter().map(|t| t.0.clone()).collect::<std::collections::HashSet<_>>().len();
    wait_for("every status", 180, || distinct() >= 90).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    for w in &mut again {
        w.kill().unwrap();
        w.wait().unwrap();
    }
    let told = told.lock().unwrap().clone();
    let mut first_seen: HashMap<String, Vec<i64>> = HashMap::new();
    let mut keys = std::collections::HashSet::new();
    for (key, code, status) in &told {
        if keys.insert(key.clone()) {
            first_seen.entry(code.clone()).or_default().push(*status);
        }
    }
    assert_eq!(first_seen.len(), 30, "every dossier");
    for (code, statuses) in &first_seen {
        assert_eq!(statuses, &vec![2, 4, 5], "{code}: in order");
    }
    let portal = deliveries(&db, &fx, motcua_store::DeliveryChannel::Portal).await;
    assert_eq!(portal.total, 90);
    assert!(portal.items.iter().all(|d| d.status == "delivered"));
}

mod sqlite {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_killed_worker_loses_nothing() {
        super::a_killed_worker_loses_nothing(super::TestDb::sqlite().await, 1).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_worker_killed_mid_sync_keeps_the_portal_whole_and_in_order() {
        super::a_worker_killed_mid_sync_keeps_the_portal_whole_and_in_order(super::TestDb::sqlite().await, 1).await;
    }
}

mod postgres {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_killed_worker_loses_nothing_and_two_workers_share_the_queue() {
        super::a_killed_worker_loses_nothing(super::TestDb::postgres().await, 2).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_worker_killed_mid_sync_keeps_the_portal_whole_and_in_order_with_two_after() {
        super::a_worker_killed_mid_sync_keeps_the_portal_whole_and_in_order(super::TestDb::postgres().await, 2).await;
    }
}
