//! The National Public Service Portal's dossier sync against a loopback fake of the portal built
//! from the published shapes (`docs/national-portal.md`), on SQLite and PostgreSQL: every change
//! reaches it in order, once; while it is down nothing is lost and the order holds; a refusal
//! becomes a dead letter that holds the dossier's later messages until it is sent again.

#[macro_use]
mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Json;
use axum::http::StatusCode;
use motcua_domain::dossier::Action;
use motcua_notify::portal::Portal;
use motcua_notify::worker::{Notifier, NotifySettings};
use motcua_store::testing::{Fixture, TestDb, at};
use serde_json::{Value, json};

/// One call the fake took: (service, dossier code, status, idempotency key).
type Call = (String, String, i64, String);

/// The fake portal: dossiers by code, each call it took (service, code, status, idempotency
/// key), and scripted answers for the next calls (an HTTP status, or an `error_code`).
#[derive(Clone, Default)]
struct FakePortal {
    known: Arc<Mutex<Vec<String>>>,
    calls: Arc<Mutex<Vec<Call>>>,
    progress: Arc<Mutex<Vec<Value>>>,
    /// HTTP statuses to answer with before answering normally.
    down: Arc<Mutex<Vec<u16>>>,
    /// `error_code`s to answer the next updates with, before "0".
    refuse: Arc<Mutex<Vec<String>>>,
}

async fn start_portal() -> (FakePortal, String) {
    let fake = FakePortal::default();
    let service = |kind: &'static str, fake: FakePortal| {
        axum::routing::post(move |headers: axum::http::HeaderMap, Json(body): Json<Value>| {
            let fake = fake.clone();
            async move {
                if let Some(code) = {
                    let mut down = fake.down.lock().unwrap();
                    if down.is_empty() { None } else { Some(down.remove(0)) }
                } {
                    return (
                        StatusCode::from_u16(code).unwrap(),
                        Json(json!({"error_code": "-1", "message": "bảo trì"})),
                    );
                }
                let key = headers.get("idempotency-key").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
                if kind == "progress" {
                    fake.progress.lock().unwrap().extend(body.as_array().cloned().unwrap_or_default());
                    return (
                        StatusCode::OK,
                        Json(json!({"error_code": "0", "message": "Cập nhật tiến độ thành công"})),
                    );
                }
                let record = &body[0];
                let code = record["MaHoSo"].as_str().unwrap_or("").to_owned();
                let status = record["TrangThaiHoSo"].as_i64().unwrap_or(0);
                let exists = fake.known.lock().unwrap().contains(&code);
                if kind == "create" && exists {
                    // The words of the message vary; the code is what counts.
                    return (
                        StatusCode::OK,
                        Json(json!({"error_code": "3", "message": "Hồ sơ đã tồn tại trên hệ thống"})),
                    );
                }
                if kind == "update" {
                    let refused = {
                        let mut r = fake.refuse.lock().unwrap();
                        if r.is_empty() { None } else { Some(r.remove(0)) }
                    };
                    if let Some(code) = refused {
                        return (
                            StatusCode::OK,
                            Json(json!({"error_code": code, "message": "Sai định dạng NgayHenTra"})),
                        );
                    }
                }
                fake.known.lock().unwrap().push(code.clone());
                fake.calls.lock().unwrap().push((kind.to_owned(), code, status, key));
                (StatusCode::OK, Json(json!({"error_code": "0", "message": "Thêm mới thành công"})))
            }
        })
    };
    let app = axum::Router::new()
        .route("/create", service("create", fake.clone()))
        .route("/update", service("update", fake.clone()))
        .route("/progress", service("progress", fake.clone()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (fake, base)
}

fn notifier(db: &TestDb, base: &str) -> Notifier {
    let portal = Portal::new(
        &format!("{base}/create"),
        &format!("{base}/update"),
        &format!("{base}/progress"),
        vec!["3".into(), "-3".into()],
        Duration::from_secs(5),
    )
    .unwrap();
    Notifier {
        store: db.store.clone(),
        sms: None,
        email: None,
        portal: Some(Arc::new(portal)),
        emc: None,
        portal_inbox: None,
        settings: NotifySettings { digest_at: None, retry_base_seconds: 60, ..Default::default() },
    }
}

on_every_backend!(
    each_change_reaches_the_portal_in_order_and_once,
    while_the_portal_is_down_nothing_is_lost_and_the_order_holds,
    a_refusal_is_a_dead_letter_that_holds_the_dossiers_later_messages_until_sent_again,
    a_resync_tells_the_portal_again_where_each_dossier_stands,
    each_change_of_a_received_dossier_reaches_emc_in_order_in_its_published_shape,
);

/// A dossier accepted, forwarded, asked for a supplement that comes back: four changes, with
/// statuses 2, 4, 5, 4.
async fn story(db: &TestDb, fx: &Fixture) -> motcua_domain::dossier::Dossier {
    let store = db.store.as_ref();
    let d = fx.accepted_dossier(store, at(2026, 2, 12, 9, 0), "0905123456", None).await;
    let forward = Action::Forward { note: None, assignee: None };
    let d = fx.act(store, &d, forward, &fx.reception, at(2026, 2, 12, 10, 0)).await;
    let ask = Action::RequestSupplement { reason: "Thiếu bản vẽ".into() };
    let d = fx.act(store, &d, ask, &fx.specialist, at(2026, 2, 13, 9, 0)).await;
    let back = Action::SupplementReceived { note: None };
    fx.act(store, &d, back, &fx.reception, at(2026, 2, 16, 9, 0)).await
}

/// What the portal should hear of the story: created at acceptance, then each status in order.
fn every_change() -> Vec<(String, i64)> {
    [("create", 2), ("update", 4), ("update", 5), ("update", 4)].into_iter().map(|(k, s)| (k.to_owned(), s)).collect()
}

/// A fake portal (answering first with `down` HTTP statuses, then refusing updates with the
/// `refuse` codes), a worker told of it, and the story's dossier with its code.
async fn setup(
    db: &TestDb,
    down: Vec<u16>,
    refuse: Vec<&str>,
) -> (FakePortal, Notifier, motcua_domain::dossier::Dossier, String) {
    let fx = Fixture::seed(db.store.as_ref()).await;
    let (fake, base) = start_portal().await;
    *fake.down.lock().unwrap() = down;
    *fake.refuse.lock().unwrap() = refuse.into_iter().map(str::to_owned).collect();
    let n = notifier(db, &base);
    let d = story(db, &fx).await;
    let code = d.code.as_ref().unwrap().to_string();
    (fake, n, d, code)
}

async fn portal_deliveries(db: &TestDb, d: &motcua_domain::dossier::Dossier) -> Vec<motcua_store::Delivery> {
    db.store.deliveries_of(d.agency_id, d.id).await.unwrap().into_iter().filter(|x| x.channel == "portal").collect()
}

fn statuses(fake: &FakePortal, code: &str) -> Vec<(String, i64)> {
    fake.calls.lock().unwrap().iter().filter(|c| c.1 == code).map(|c| (c.0.clone(), c.2)).collect()
}

async fn each_change_reaches_the_portal_in_order_and_once(db: TestDb) {
    let (fake, n, d, code) = setup(&db, vec![], vec![]).await;
    let now = at(2026, 2, 16, 9, 5);
    for _ in 0..6 {
        n.run_once(now).await.unwrap();
    }
    // Created once with its acceptance, then updated with each status, in order.
    assert_eq!(statuses(&fake, &code), every_change());
    let keys: Vec<String> = fake.calls.lock().unwrap().iter().map(|c| c.3.clone()).collect();
    let mut unique = keys.clone();
    unique.dedup();
    assert_eq!(keys, unique, "one idempotency key per change");
    // The record carries the provincial code as the dossier has it, and the dates as the portal
    // writes them.
    let portal = portal_deliveries(&db, &d).await;
    assert_eq!(portal.len(), 4);
    assert!(portal.iter().all(|x| x.status == "delivered"), "{portal:?}");
    let sent: Value = serde_json::from_str(&portal[0].body).unwrap();
    assert_eq!(sent["dossier"][0]["MaHoSo"], code.as_str());
    assert!(code.starts_with("000.00.17.H34-"), "the province's identifier (H34) is in the code");
    assert_eq!(sent["dossier"][0]["MaTTHC"], "1.004227");
    assert_eq!(sent["dossier"][0]["KenhThucHien"], 1);
    assert_eq!(sent["dossier"][0]["NgayTiepNhan"], "20260212090000");
    // And each step's progress.
    assert!(fake.progress.lock().unwrap().iter().any(|p| p["NoiDungXuLy"] == "Thẩm định hồ sơ"));
    // Decision 766 indicator 1.4 counts it as told: the one dossier of February, by hand 1 of 1.
    let feb = (at(2026, 2, 1, 0, 0), at(2026, 3, 1, 0, 0));
    let tally = db.store.index766_tally(&[d.agency_id], feb.0, feb.1).await.unwrap();
    assert_eq!((tally.synced, tally.received), (1, 1));
    // Nothing more to send: another round sends nothing twice.
    n.run_once(now + chrono::Duration::hours(1)).await.unwrap();
    assert_eq!(statuses(&fake, &code).len(), 4);
}

async fn while_the_portal_is_down_nothing_is_lost_and_the_order_holds(db: TestDb) {
    // Down for its first five calls (maintenance: 503).
    let (fake, n, d, code) = setup(&db, vec![503; 5], vec![]).await;
    let mut t = at(2026, 2, 16, 9, 5);
    for _ in 0..12 {
        n.run_once(t).await.unwrap();
        t += chrono::Duration::minutes(30);
    }
    assert_eq!(statuses(&fake, &code), every_change(), "every change, in order, once the portal is back");
    let portal = portal_deliveries(&db, &d).await;
    assert!(portal.iter().any(|x| x.attempts > 1), "the first was retried: {portal:?}");
}

async fn a_refusal_is_a_dead_letter_that_holds_the_dossiers_later_messages_until_sent_again(db: TestDb) {
    // The portal refuses the second change (a bad date, say), once.
    let (fake, n, d, code) = setup(&db, vec![], vec!["-1"]).await;
    let now = at(2026, 2, 16, 9, 5);
    for _ in 0..6 {
        n.run_once(now).await.unwrap();
    }
    assert_eq!(statuses(&fake, &code), [("create".into(), 2)], "the later changes wait behind the refused one");
    // Told at least once: 1.4 counts it (a dossier with nothing delivered would not count).
    let feb = (at(2026, 2, 1, 0, 0), at(2026, 3, 1, 0, 0));
    assert_eq!(db.store.index766_tally(&[d.agency_id], feb.0, feb.1).await.unwrap().synced, 1);
    let portal = portal_deliveries(&db, &d).await;
    let dead = portal.iter().find(|x| x.status == "permanent-failure").expect("a dead letter");
    assert!(dead.last_answer.as_deref().unwrap_or("").contains("error_code -1"), "{dead:?}");
    // An officer sends it again (the message log's "Gửi lại"): it and the rest go, in order.
    db.store.resend_delivery(d.agency_id, dead.id, now).await.unwrap();
    for _ in 0..6 {
        n.run_once(now + chrono::Duration::minutes(5)).await.unwrap();
    }
    assert_eq!(statuses(&fake, &code), every_change());
}

async fn a_resync_tells_the_portal_again_where_each_dossier_stands(db: TestDb) {
    let (fake, n, d, code) = setup(&db, vec![], vec![]).await;
    let now = at(2026, 2, 16, 9, 5);
    for _ in 0..6 {
        n.run_once(now).await.unwrap();
    }
    assert_eq!(statuses(&fake, &code), every_change());
    // The portal lost its copy: everything changed since 16/02 is queued again, and the dossier
    // goes as it stands (processing, 4), once.
    let later = at(2026, 2, 17, 8, 0);
    let queued = db.store.queue_portal_resync(d.agency_id, at(2026, 2, 16, 0, 0), later).await.unwrap();
    assert_eq!(queued, 1);
    for _ in 0..3 {
        n.run_once(later).await.unwrap();
    }
    let told = statuses(&fake, &code);
    assert_eq!(told.len(), 5, "{told:?}");
    assert_eq!(told[4], ("update".to_owned(), 4));
    // Nothing changed before that day is sent again.
    assert_eq!(db.store.queue_portal_resync(d.agency_id, at(2026, 2, 18, 0, 0), later).await.unwrap(), 0);
}

/// The EMC tracker, second national sink: a loopback fake that is down for its first answers,
/// then records each message. Every change of the received dossier reaches it once, in order,
/// with the published fields (reference §6.5).
async fn each_change_of_a_received_dossier_reaches_emc_in_order_in_its_published_shape(db: TestDb) {
    let fx = Fixture::seed(db.store.as_ref()).await;
    let seen: Arc<Mutex<Vec<Value>>> = Arc::default();
    let down = Arc::new(Mutex::new(2u32));
    let (s, d) = (seen.clone(), down.clone());
    let emc = axum::routing::post(move |Json(body): Json<Value>| {
        let (seen, down) = (s.clone(), d.clone());
        async move {
            let mut left = down.lock().unwrap();
            if *left > 0 {
                *left -= 1;
                return StatusCode::SERVICE_UNAVAILABLE;
            }
            seen.lock().unwrap().push(body);
            StatusCode::OK
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/TrackingMCDT", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, axum::Router::new().route("/TrackingMCDT", emc)).await.unwrap() });
    let n = Notifier {
        store: db.store.clone(),
        sms: None,
        email: None,
        portal: None,
        emc: Some(Arc::new(motcua_notify::portal::Emc::new(&url, Duration::from_secs(5)).unwrap())),
        portal_inbox: None,
        settings: NotifySettings {
            digest_at: None,
            retry_base_seconds: 60,
            emc_site: Some(motcua_app::portal::EmcSite { site_id: 117, province: "H34".into() }),
            ..Default::default()
        },
    };
    let d = story(&db, &fx).await;
    let mut now = at(2026, 2, 16, 9, 5);
    for _ in 0..8 {
        n.run_once(now).await.unwrap();
        now += chrono::Duration::hours(1);
    }
    let seen = seen.lock().unwrap().clone();
    let statuses: Vec<i64> = seen.iter().map(|m| m["Status"].as_i64().unwrap()).collect();
    // Received, then processing three times (forwarded, supplement asked, supplement in), in
    // order although EMC was down at first.
    assert_eq!(statuses, vec![1, 2, 2, 2], "{seen:?}");
    let first = &seen[0];
    let code = d.code.as_ref().unwrap().to_string();
    assert_eq!(first["CodeProfile"], code.as_str());
    assert_eq!(first["MaHoSo"], code.as_str());
    assert_eq!(first["SiteId"], 117);
    assert_eq!(first["CodeTTHC"], "1.004227");
    assert_eq!(first["FormsReception"], 2, "a counter dossier is direct");
    assert_eq!(first["FormsPayments"], 2, "fees paid directly");
    assert_eq!(first["Level"], 0, "direct, the procedure's online service is partial");
    assert_eq!(first["IsFromDVCQG"], 0);
    let user: Value = serde_json::from_str(first["User"].as_str().unwrap()).unwrap();
    assert_eq!((user["TYPE"].as_i64(), user["LOCATION"].as_str()), (Some(1), Some("H34")));
    let emc: Vec<_> =
        db.store.deliveries_of(d.agency_id, d.id).await.unwrap().into_iter().filter(|x| x.channel == "emc").collect();
    assert_eq!(emc.len(), 4);
    assert!(emc.iter().all(|x| x.status == "delivered"), "{emc:?}");
}
