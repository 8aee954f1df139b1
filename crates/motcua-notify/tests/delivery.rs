//! Delivery from the outbox to real local servers: an HTTP SMS gateway with scripted answers and
//! an SMTP sink, on SQLite and PostgreSQL. Temporary failures are retried with the same
//! idempotency key, permanent ones are not, and a delivery left `sending` by a dead worker is
//! sent again once its lease runs out.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::StatusCode;
use chrono::NaiveDateTime;
use motcua_calendar::WorkCalendar;
use motcua_domain::catalog::Channel as Intake;
use motcua_domain::dossier::{Action, ApplicantInput, Context, Dossier, Submission};
use motcua_domain::rules::rules_for;
use motcua_domain::types::DossierCode;
use motcua_notify::gateway::{HttpSms, Smtp, SmtpSecurity};
use motcua_notify::worker::{Notifier, NotifySettings};
use motcua_store::testing::{Fixture, TestDb, at};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// An HTTP SMS gateway on loopback: answers with the scripted statuses in turn (then 200), and
/// keeps what it received.
#[derive(Clone, Default)]
struct Gateway {
    script: Arc<Mutex<Vec<u16>>>,
    received: Arc<Mutex<Vec<(String, String)>>>,
}

async fn start_gateway(script: Vec<u16>) -> (Gateway, String) {
    let gw = Gateway { script: Arc::new(Mutex::new(script)), received: Arc::default() };
    let state = gw.clone();
    let app = axum::Router::new().route(
        "/send",
        axum::routing::post(move |headers: axum::http::HeaderMap, body: String| {
            let state = state.clone();
            async move {
                let key = headers.get("idempotency-key").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
                state.received.lock().unwrap().push((key, body));
                let mut script = state.script.lock().unwrap();
                let code = if script.is_empty() { 200 } else { script.remove(0) };
                (StatusCode::from_u16(code).unwrap(), format!("status {code}"))
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/send", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (gw, url)
}

/// A minimal SMTP server on loopback that accepts every message and keeps it.
async fn start_smtp() -> (Arc<Mutex<Vec<String>>>, u16) {
    let mails: Arc<Mutex<Vec<String>>> = Arc::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let store = mails.clone();
    tokio::spawn(async move {
        loop {
            let Ok((socket, _)) = listener.accept().await else { return };
            let store = store.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                write.write_all(b"220 sink ESMTP\r\n").await.ok();
                let mut data: Option<String> = None;
                while let Ok(Some(line)) = lines.next_line().await {
                    if let Some(body) = data.as_mut() {
                        if line == "." {
                            store.lock().unwrap().push(data.take().unwrap());
                            write.write_all(b"250 queued\r\n").await.ok();
                        } else {
                            body.push_str(&line);
                            body.push('\n');
                        }
                        continue;
                    }
                    let upper = line.to_ascii_uppercase();
                    let reply: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                        b"250 sink\r\n"
                    } else if upper.starts_with("DATA") {
                        data = Some(String::new());
                        b"354 go on\r\n"
                    } else if upper.starts_with("QUIT") {
                        write.write_all(b"221 bye\r\n").await.ok();
                        return;
                    } else {
                        b"250 ok\r\n"
                    };
                    write.write_all(reply).await.ok();
                }
            });
        }
    });
    (mails, port)
}

/// A dossier accepted at the counter: two outbox events (submitted, accept) for its applicant.
async fn accepted_dossier(db: &TestDb, fx: &Fixture, now: NaiveDateTime) -> Dossier {
    let cal = WorkCalendar::vietnam().unwrap();
    let applicant = ApplicantInput {
        name: Some("Nguyễn Văn An".into()),
        citizen_id: Some("056090001234".into()),
        phone: Some("0905123456".into()),
        email: Some("an@example.vn".into()),
        address: Some("Nha Trang".into()),
        ..Default::default()
    }
    .parse()
    .unwrap();
    let sub = Submission {
        id: uuid::Uuid::now_v7(),
        channel: Intake::Counter,
        applicant,
        postal: None,
        citizen_user_id: None,
        files: vec![],
    };
    let ctx = Context { actor: &fx.reception, now, calendar: &cal, new_code: None };
    let t = Dossier::submit(&fx.procedure, fx.agency.code.clone(), sub, &ctx).unwrap();
    db.store.insert_dossier(&t).await.unwrap();
    let seq = db.store.next_sequence(fx.agency.id, now.date()).await.unwrap();
    let code = DossierCode::new(&fx.agency.code, now.date(), seq, rules_for(now.date()).code_sequence_width);
    let ctx = Context { actor: &fx.reception, now, calendar: &cal, new_code: Some(code) };
    let accepted = t.dossier.apply(Action::Accept, &ctx).unwrap();
    db.store.update_dossier(t.dossier.version, &accepted).await.unwrap();
    accepted.dossier
}

async fn notifier(db: &TestDb, sms_url: &str, smtp_port: u16) -> Notifier {
    let sms =
        HttpSms::new(sms_url, r#"{"to": "{to}", "text": "{text}", "key": "{key}"}"#, Duration::from_secs(5)).unwrap();
    let email = Smtp::new("127.0.0.1", smtp_port, SmtpSecurity::Plain, None, "Một cửa <motcua@example.vn>").unwrap();
    Notifier {
        store: db.store.clone(),
        sms: Some(Arc::new(sms)),
        email: Some(Arc::new(email)),
        settings: NotifySettings {
            sender: "SO NNMT KH".into(),
            public_url: "https://dvc.example.vn".into(),
            ..Default::default()
        },
    }
}

macro_rules! on_every_backend {
    ($($test:ident),* $(,)?) => {
        mod sqlite {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $test() { super::$test(motcua_store::testing::TestDb::sqlite().await).await; } )*
        }
        mod postgres {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $test() { super::$test(motcua_store::testing::TestDb::postgres().await).await; } )*
        }
    };
}

on_every_backend!(
    every_event_reaches_the_applicant_by_sms_and_email,
    a_temporary_failure_is_retried_with_the_same_key_and_a_permanent_one_is_not,
    a_delivery_left_sending_by_a_dead_worker_goes_out_after_its_lease,
);

async fn every_event_reaches_the_applicant_by_sms_and_email(db: TestDb) {
    let fx = Fixture::seed(db.store.as_ref()).await;
    let (gw, url) = start_gateway(vec![]).await;
    let (mails, port) = start_smtp().await;
    let n = notifier(&db, &url, port).await;
    let now = at(2026, 2, 12, 9, 0);
    let d = accepted_dossier(&db, &fx, now).await;

    let report = n.run_once(now).await.unwrap();
    assert_eq!((report.expanded, report.delivered, report.temporary, report.permanent), (2, 4, 0, 0));
    let received = gw.received.lock().unwrap().clone();
    assert_eq!(received.len(), 2);
    let accept_sms =
        &received.iter().find(|(_, body)| body.contains("da duoc tiep nhan")).expect("the acceptance SMS").1;
    let body: serde_json::Value = serde_json::from_str(accept_sms).unwrap();
    assert_eq!(body["to"], "0905123456");
    assert_eq!(
        body["text"],
        "SO NNMT KH: Ho so 000.00.17.H34-260212-0001 da duoc tiep nhan, hen tra ket qua ngay 05/03/2026. \
         Tra cuu: https://dvc.example.vn/lookup?code=000.00.17.H34-260212-0001&phone_last4=3456"
    );
    assert!(body["key"].as_str().unwrap().ends_with(":sms:0905123456"));
    let mails = mails.lock().unwrap().clone();
    assert_eq!(mails.len(), 2);
    assert!(mails.iter().any(|m| m.contains("an@example.vn") && m.contains("@motcua>")), "{mails:?}");

    let deliveries = db.store.deliveries_of(d.id).await.unwrap();
    assert_eq!(deliveries.len(), 4);
    assert!(deliveries.iter().all(|x| x.status == "delivered" && x.attempts == 1), "{deliveries:?}");
    // Nothing is sent twice.
    assert_eq!(n.run_once(now + chrono::Duration::hours(1)).await.unwrap(), Default::default());
}

async fn a_temporary_failure_is_retried_with_the_same_key_and_a_permanent_one_is_not(db: TestDb) {
    let fx = Fixture::seed(db.store.as_ref()).await;
    // The first SMS gets 503 (temporary), the second 400 (permanent); then the gateway is fine.
    let (gw, url) = start_gateway(vec![503, 400]).await;
    let (_mails, port) = start_smtp().await;
    let n = notifier(&db, &url, port).await;
    let now = at(2026, 2, 12, 9, 0);
    let d = accepted_dossier(&db, &fx, now).await;
    let report = n.run_once(now).await.unwrap();
    assert_eq!((report.delivered, report.temporary, report.permanent), (2, 1, 1));
    let sms: Vec<_> = db.store.deliveries_of(d.id).await.unwrap().into_iter().filter(|x| x.channel == "sms").collect();
    let retrying = sms.iter().find(|x| x.status == "temporary-failure").expect("one to retry");
    assert!(retrying.next_attempt_at > now + chrono::Duration::seconds(29), "backoff");
    assert!(retrying.last_answer.as_deref().unwrap().contains("503"));
    assert!(sms.iter().any(|x| x.status == "permanent-failure"));
    // Not yet due: nothing happens; later, the retry goes out with the same key.
    assert_eq!(n.run_once(now + chrono::Duration::seconds(5)).await.unwrap().delivered, 0);
    let report = n.run_once(now + chrono::Duration::hours(1)).await.unwrap();
    assert_eq!((report.delivered, report.permanent), (1, 0));
    let received = gw.received.lock().unwrap().clone();
    assert_eq!(received.len(), 3);
    assert_eq!(received.iter().filter(|(key, _)| key == &retrying.idempotency_key).count(), 2);
    let after: Vec<_> = db.store.deliveries_of(d.id).await.unwrap();
    assert_eq!(after.iter().filter(|x| x.status == "delivered").count(), 3);
    assert_eq!(after.iter().filter(|x| x.status == "permanent-failure").count(), 1);
}

async fn a_delivery_left_sending_by_a_dead_worker_goes_out_after_its_lease(db: TestDb) {
    let fx = Fixture::seed(db.store.as_ref()).await;
    let (gw, url) = start_gateway(vec![]).await;
    let (_mails, port) = start_smtp().await;
    let n = notifier(&db, &url, port).await;
    let now = at(2026, 2, 12, 9, 0);
    let d = accepted_dossier(&db, &fx, now).await;
    // A worker expands the events, claims everything and dies before sending.
    assert_eq!(n.expand(now).await.unwrap(), 2);
    let claimed = db.store.claim_deliveries(now, now + chrono::Duration::seconds(120), 10).await.unwrap();
    assert_eq!(claimed.len(), 4);
    // During the lease nobody else takes them.
    assert!(
        db.store
            .claim_deliveries(now + chrono::Duration::seconds(60), now + chrono::Duration::seconds(180), 10)
            .await
            .unwrap()
            .is_empty()
    );
    // After it, the next run sends them, with the keys of the first claim.
    let report = n.run_once(now + chrono::Duration::seconds(121)).await.unwrap();
    assert_eq!(report.delivered, 4);
    let keys: Vec<String> = gw.received.lock().unwrap().iter().map(|(k, _)| k.clone()).collect();
    for c in claimed.iter().filter(|c| c.channel == "sms") {
        assert!(keys.contains(&c.idempotency_key));
    }
    let after = db.store.deliveries_of(d.id).await.unwrap();
    assert!(after.iter().all(|x| x.status == "delivered" && x.attempts == 2), "{after:?}");
}
