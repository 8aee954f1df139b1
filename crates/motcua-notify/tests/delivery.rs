//! Delivery from the outbox to real local servers: an HTTP SMS gateway with scripted answers and
//! an SMTP sink, on SQLite and PostgreSQL. Temporary failures are retried with the same
//! idempotency key, permanent ones are not, and a delivery left `sending` by a dead worker is
//! sent again once its lease runs out.

#[macro_use]
mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::StatusCode;
use chrono::NaiveDateTime;
use motcua_calendar::WorkCalendar;
use motcua_domain::dossier::Dossier;
use motcua_notify::gateway::{HttpSms, Smtp, SmtpSecurity};
use motcua_notify::worker::{Notifier, NotifySettings};
use motcua_store::testing::{Fixture, TestDb, at};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// An HTTP SMS gateway on loopback: answers with the scripted statuses in turn (then 200), and
/// keeps what it received.
#[derive(Clone, Default)]
struct Gateway {
    /// (HTTP status, milliseconds to wait before answering)
    script: Arc<Mutex<Vec<(u16, u64)>>>,
    received: Arc<Mutex<Vec<(String, String)>>>,
}

async fn start_gateway(script: Vec<u16>) -> (Gateway, String) {
    start_gateway_on("127.0.0.1:0", script.into_iter().map(|c| (c, 0)).collect()).await
}

async fn start_gateway_on(address: &str, script: Vec<(u16, u64)>) -> (Gateway, String) {
    let gw = Gateway { script: Arc::new(Mutex::new(script)), received: Arc::default() };
    let state = gw.clone();
    let app = axum::Router::new().route(
        "/send",
        axum::routing::post(move |headers: axum::http::HeaderMap, body: String| {
            let state = state.clone();
            async move {
                let key = headers.get("idempotency-key").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
                state.received.lock().unwrap().push((key, body));
                let (code, delay) = {
                    let mut script = state.script.lock().unwrap();
                    if script.is_empty() { (200, 0) } else { script.remove(0) }
                };
                tokio::time::sleep(Duration::from_millis(delay)).await;
                (StatusCode::from_u16(code).unwrap(), format!("status {code}"))
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind(address).await.unwrap();
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
    fx.accepted_dossier(db.store.as_ref(), now, "0905123456", None).await
}

async fn accepted_dossier_of(
    db: &TestDb,
    fx: &Fixture,
    now: NaiveDateTime,
    phone: &str,
    citizen_user_id: Option<uuid::Uuid>,
) -> Dossier {
    fx.accepted_dossier(db.store.as_ref(), now, phone, citizen_user_id).await
}

async fn notifier(db: &TestDb, sms_url: &str, smtp_port: u16) -> Notifier {
    notifier_with_timeout(db, sms_url, smtp_port, Duration::from_secs(5)).await
}

async fn notifier_with_timeout(db: &TestDb, sms_url: &str, smtp_port: u16, timeout: Duration) -> Notifier {
    let sms = HttpSms::new("POST", sms_url, r#"{"to": "{to}", "text": "{text}", "key": "{key}"}"#, timeout).unwrap();
    let email = Smtp::new("127.0.0.1", smtp_port, SmtpSecurity::Plain, None, "Một cửa <motcua@example.vn>").unwrap();
    Notifier {
        store: db.store.clone(),
        sms: Some(Arc::new(sms)),
        email: Some(Arc::new(email)),
        portal: None,
        emc: None,
        portal_inbox: None,
        settings: NotifySettings {
            sender: "SO NNMT KH".into(),
            public_url: "https://dvc.example.vn".into(),
            digest_at: None,
            ..Default::default()
        },
    }
}

on_every_backend!(
    each_message_says_what_its_own_event_recorded,
    one_poisoned_event_is_set_aside_and_the_others_go_out,
    every_event_reaches_the_applicant_by_sms_and_email,
    a_temporary_failure_is_retried_with_the_same_key_and_a_permanent_one_is_not,
    a_delivery_left_sending_by_a_dead_worker_goes_out_after_its_lease,
    a_gateway_that_times_out_is_retried_and_a_slow_one_is_waited_for,
    messages_wait_while_the_gateway_is_down_and_go_out_when_it_returns,
    an_essential_sms_that_cannot_go_becomes_a_phone_call,
    a_landline_gets_a_phone_call_instead_of_an_sms,
    the_applicant_chooses_channels_and_language_but_not_for_essential_messages,
    the_agency_words_replace_the_built_in_ones,
    officers_get_one_digest_per_working_day_and_reminders_once_a_day,
    viettel_answers_are_read_from_the_soap_envelope,
    a_generic_gateway_may_take_the_message_in_a_query_string,
);

async fn every_event_reaches_the_applicant_by_sms_and_email(db: TestDb) {
    let fx = Fixture::seed(db.store.as_ref()).await;
    let (gw, url) = start_gateway(vec![]).await;
    let (mails, port) = start_smtp().await;
    let n = notifier(&db, &url, port).await;
    let now = at(2026, 2, 12, 9, 0);
    let d = accepted_dossier(&db, &fx, now).await;

    // Taken at the counter: one event, the acceptance, by SMS and e-mail.
    let report = n.run_once(now).await.unwrap();
    assert_eq!((report.expanded, report.delivered, report.temporary, report.permanent), (1, 2, 0, 0));
    let received = gw.received.lock().unwrap().clone();
    assert_eq!(received.len(), 1);
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
    assert_eq!(mails.len(), 1);
    assert!(mails.iter().any(|m| m.contains("an@example.vn") && m.contains("@motcua>")), "{mails:?}");

    let deliveries = db.store.deliveries_of(d.agency_id, d.id).await.unwrap();
    assert_eq!(deliveries.len(), 2);
    assert!(deliveries.iter().all(|x| x.status == "delivered" && x.attempts == 1), "{deliveries:?}");
    // Nothing is sent twice (the hour later, the worker seals the event into the record's chain).
    let again = n.run_once(now + chrono::Duration::hours(1)).await.unwrap();
    assert_eq!(motcua_notify::worker::RunReport { sealed: 0, ..again }, Default::default());
}

/// The worker reads each event typed (its step, reason, due dates) with its dossier: five changes
/// made before the worker runs give five messages, each with the words of its own event: the
/// acceptance keeps the due date it set, although a re-appointment has moved it since.
async fn each_message_says_what_its_own_event_recorded(db: TestDb) {
    use motcua_domain::dossier::Action;
    let fx = Fixture::seed(db.store.as_ref()).await;
    let (gw, url) = start_gateway(vec![]).await;
    let (_mails, port) = start_smtp().await;
    let n = notifier(&db, &url, port).await;
    let store = db.store.as_ref();
    let d = accepted_dossier(&db, &fx, at(2026, 2, 12, 9, 0)).await;
    let d =
        fx.act(store, &d, Action::Forward { note: None, assignee: None }, &fx.reception, at(2026, 2, 12, 10, 0)).await;
    let step = d.steps[1].name.clone();
    let ask = Action::RequestSupplement { reason: "Thiếu bản vẽ".into() };
    let d = fx.act(store, &d, ask, &fx.specialist, at(2026, 2, 13, 9, 0)).await;
    let d = fx.act(store, &d, Action::SupplementReceived { note: None }, &fx.reception, at(2026, 2, 16, 9, 0)).await;
    let resumed_due = d.due_date.unwrap();
    let cal = WorkCalendar::vietnam().unwrap();
    let new_due = cal.add_working_days(resumed_due, 5).unwrap();
    let late = Action::Reappoint { new_due_date: new_due, reason: "Chờ ý kiến cơ quan thuế".into() };
    fx.act(store, &d, late, &fx.agency_lead, at(2026, 2, 20, 9, 0)).await;

    let report = n.run_once(at(2026, 2, 20, 9, 5)).await.unwrap();
    assert_eq!(report.expanded, 5);
    let texts: Vec<String> = gw
        .received
        .lock()
        .unwrap()
        .iter()
        .map(|(_, body)| serde_json::from_str::<serde_json::Value>(body).unwrap()["text"].as_str().unwrap().to_owned())
        .collect();
    let find = |words: &str| {
        texts.iter().find(|t| t.to_lowercase().contains(words)).unwrap_or_else(|| panic!("{words}: {texts:#?}"))
    };
    assert!(find("da duoc tiep nhan").contains("hen tra ket qua ngay 05/03/2026"));
    let folded_step = motcua_domain::text::fold(&step);
    assert!(motcua_domain::text::fold(find("da chuyen den buoc")).contains(&folded_step), "{step}: {texts:#?}");
    assert!(find("de nghi ong/ba bo sung ho so").contains(": Thieu ban ve."));
    let day = |d: chrono::NaiveDate| d.format("%d/%m/%Y").to_string();
    assert!(find("tiep tuc duoc giai quyet").contains(&day(resumed_due)));
    let apology = find("xin loi ong/ba");
    assert!(apology.contains(&day(new_due)) && apology.contains("Cho y kien co quan thue"), "{apology}");
}

async fn a_temporary_failure_is_retried_with_the_same_key_and_a_permanent_one_is_not(db: TestDb) {
    let fx = Fixture::seed(db.store.as_ref()).await;
    // The first SMS gets 503 (temporary), the second 400 (permanent); then the gateway is fine.
    let (gw, url) = start_gateway(vec![503, 400]).await;
    let (_mails, port) = start_smtp().await;
    let n = notifier(&db, &url, port).await;
    let now = at(2026, 2, 12, 9, 0);
    let d = accepted_dossier(&db, &fx, now).await;
    let e = accepted_dossier(&db, &fx, now).await;
    let report = n.run_once(now).await.unwrap();
    assert_eq!((report.delivered, report.temporary, report.permanent), (2, 1, 1));
    let mut both = db.store.deliveries_of(d.agency_id, d.id).await.unwrap();
    both.extend(db.store.deliveries_of(e.agency_id, e.id).await.unwrap());
    let sms: Vec<_> = both.into_iter().filter(|x| x.channel == "sms").collect();
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
    let mut after: Vec<_> = db.store.deliveries_of(d.agency_id, d.id).await.unwrap();
    after.extend(db.store.deliveries_of(e.agency_id, e.id).await.unwrap());
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
    assert_eq!(n.expand(now).await.unwrap(), 1);
    let other = db.store.claim_deliveries(fx.other_agency.id, now, now + chrono::Duration::seconds(120), 10).await;
    assert!(other.unwrap().is_empty(), "another agency's claim");
    let claimed = db.store.claim_deliveries(fx.agency.id, now, now + chrono::Duration::seconds(120), 10).await.unwrap();
    assert_eq!(claimed.len(), 2);
    // During the lease nobody else takes them.
    assert!(
        db.store
            .claim_deliveries(
                fx.agency.id,
                now + chrono::Duration::seconds(60),
                now + chrono::Duration::seconds(180),
                10
            )
            .await
            .unwrap()
            .is_empty()
    );
    // After it, the next run sends them, with the keys of the first claim.
    let report = n.run_once(now + chrono::Duration::seconds(121)).await.unwrap();
    assert_eq!(report.delivered, 2);
    let keys: Vec<String> = gw.received.lock().unwrap().iter().map(|(k, _)| k.clone()).collect();
    for c in claimed.iter().filter(|c| c.channel == "sms") {
        assert!(keys.contains(&c.idempotency_key));
    }
    let after = db.store.deliveries_of(d.agency_id, d.id).await.unwrap();
    assert!(after.iter().all(|x| x.status == "delivered" && x.attempts == 2), "{after:?}");
}

async fn a_gateway_that_times_out_is_retried_and_a_slow_one_is_waited_for(db: TestDb) {
    let fx = Fixture::seed(db.store.as_ref()).await;
    // The first SMS hangs past the client's 1 s timeout; the second answers after 300 ms.
    let (gw, url) = start_gateway_on("127.0.0.1:0", vec![(200, 3000), (200, 300)]).await;
    let (_mails, port) = start_smtp().await;
    let n = notifier_with_timeout(&db, &url, port, Duration::from_secs(1)).await;
    let now = at(2026, 2, 12, 9, 0);
    let d = accepted_dossier(&db, &fx, now).await;
    let e = accepted_dossier(&db, &fx, now).await;
    let report = n.run_once(now).await.unwrap();
    assert_eq!((report.delivered, report.temporary, report.permanent), (3, 1, 0));
    let mut both = db.store.deliveries_of(d.agency_id, d.id).await.unwrap();
    both.extend(db.store.deliveries_of(e.agency_id, e.id).await.unwrap());
    let sms: Vec<_> = both.into_iter().filter(|x| x.channel == "sms").collect();
    let timed_out = sms.iter().find(|x| x.status == "temporary-failure").expect("the timed-out one");
    assert!(timed_out.last_answer.as_deref().unwrap().contains("không kết nối được"), "{timed_out:?}");
    // The gateway did receive the first request: the retry carries the same key, so a gateway
    // that honours keys sends one SMS.
    let report = n.run_once(now + chrono::Duration::hours(1)).await.unwrap();
    assert_eq!(report.delivered, 1);
    let received = gw.received.lock().unwrap().clone();
    assert_eq!(received.iter().filter(|(k, _)| k == &timed_out.idempotency_key).count(), 2);
}

async fn messages_wait_while_the_gateway_is_down_and_go_out_when_it_returns(db: TestDb) {
    let fx = Fixture::seed(db.store.as_ref()).await;
    // A port where nothing listens yet.
    let address = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().to_string()
    };
    let (_mails, port) = start_smtp().await;
    let n = notifier(&db, &format!("http://{address}/send"), port).await;
    let now = at(2026, 2, 12, 9, 0);
    let d = accepted_dossier(&db, &fx, now).await;
    let mut t = now;
    for _ in 0..3 {
        let report = n.run_once(t).await.unwrap();
        assert_eq!(report.delivered, if t == now { 1 } else { 0 }, "the e-mail goes, the SMS waits");
        t += chrono::Duration::hours(7);
    }
    let sms: Vec<_> =
        db.store.deliveries_of(d.agency_id, d.id).await.unwrap().into_iter().filter(|x| x.channel == "sms").collect();
    assert!(sms.iter().all(|x| x.status == "temporary-failure" && x.attempts == 3), "{sms:?}");
    assert!(db.store.call_tasks(fx.agency.id, true).await.unwrap().is_empty(), "no call while retrying");
    // The gateway comes back on the same address.
    let (gw, _) = start_gateway_on(&address, vec![]).await;
    let report = n.run_once(t).await.unwrap();
    assert_eq!(report.delivered, 1);
    assert_eq!(gw.received.lock().unwrap().len(), 1);
    let after = db.store.deliveries_of(d.agency_id, d.id).await.unwrap();
    assert!(after.iter().all(|x| x.status == "delivered"), "{after:?}");
}

async fn an_essential_sms_that_cannot_go_becomes_a_phone_call(db: TestDb) {
    let fx = Fixture::seed(db.store.as_ref()).await;
    let (_gw, url) = start_gateway(vec![400, 400]).await;
    let (_mails, port) = start_smtp().await;
    let n = notifier(&db, &url, port).await;
    let now = at(2026, 2, 12, 9, 0);
    let d = accepted_dossier(&db, &fx, now).await;
    let report = n.run_once(now).await.unwrap();
    assert_eq!(report.permanent, 1);
    // The acceptance is essential: one call, with the words in full Vietnamese.
    let calls = db.store.call_tasks(fx.agency.id, true).await.unwrap();
    assert_eq!(calls.len(), 1, "{calls:?}");
    let call = &calls[0];
    assert_eq!(
        (call.reason.as_str(), call.phone.as_deref(), call.dossier_id),
        ("sms_failed", Some("0905123456"), d.id)
    );
    assert!(call.script.contains("đã được tiếp nhận, hẹn trả kết quả ngày 05/03/2026"), "{}", call.script);
    // Running again does not open a second task; the officer's outcome closes it.
    n.run_once(now + chrono::Duration::hours(1)).await.unwrap();
    assert_eq!(db.store.call_tasks(fx.agency.id, true).await.unwrap().len(), 1);
    db.store
        .record_call(
            call.agency_id,
            call.id,
            &motcua_store::CallOutcome {
                outcome: "no_answer",
                note: None,
                officer_id: fx.reception.user_id,
                done: false,
            },
            now,
        )
        .await
        .unwrap();
    assert_eq!(db.store.call_tasks(fx.agency.id, true).await.unwrap()[0].attempts, 1);
    db.store
        .record_call(
            call.agency_id,
            call.id,
            &motcua_store::CallOutcome {
                outcome: "reached",
                note: Some("Đã báo"),
                officer_id: fx.reception.user_id,
                done: true,
            },
            now,
        )
        .await
        .unwrap();
    assert!(db.store.call_tasks(fx.agency.id, true).await.unwrap().is_empty());
    let done = db.store.call_tasks_of(d.agency_id, d.id).await.unwrap();
    assert_eq!((done[0].outcome.as_deref(), done[0].attempts, done[0].status.as_str()), (Some("reached"), 2, "done"));
}

async fn a_landline_gets_a_phone_call_instead_of_an_sms(db: TestDb) {
    let fx = Fixture::seed(db.store.as_ref()).await;
    let (gw, url) = start_gateway(vec![]).await;
    let (_mails, port) = start_smtp().await;
    let n = notifier(&db, &url, port).await;
    let now = at(2026, 2, 12, 9, 0);
    let d = accepted_dossier_of(&db, &fx, now, "0258 3822 123", None).await;
    let report = n.run_once(now).await.unwrap();
    assert_eq!(report.delivered, 1, "the e-mail");
    assert!(gw.received.lock().unwrap().is_empty(), "no SMS to a landline");
    let calls = db.store.call_tasks_of(d.agency_id, d.id).await.unwrap();
    assert_eq!(calls.len(), 1);
    assert_eq!((calls[0].reason.as_str(), calls[0].phone.as_deref()), ("no_mobile", Some("02583822123")));
}

async fn the_applicant_chooses_channels_and_language_but_not_for_essential_messages(db: TestDb) {
    let fx = Fixture::seed(db.store.as_ref()).await;
    let (gw, url) = start_gateway(vec![]).await;
    let (mails, port) = start_smtp().await;
    let n = notifier(&db, &url, port).await;
    let prefs = motcua_store::NotifyPreferences { channels: "email".into(), lang: "en".into() };
    db.store.set_notify_preferences(fx.citizen.user_id, &prefs).await.unwrap();
    assert_eq!(db.store.notify_preferences(fx.citizen.user_id).await.unwrap(), prefs);
    let now = at(2026, 2, 12, 9, 0);
    let d = accepted_dossier_of(&db, &fx, now, "0905123456", Some(fx.citizen.user_id)).await;
    let forward = motcua_domain::dossier::Action::Forward { note: None, assignee: None };
    fx.act(db.store.as_ref(), &d, forward, &fx.reception, now + chrono::Duration::minutes(30)).await;
    n.run_once(now + chrono::Duration::hours(1)).await.unwrap();
    let deliveries = db.store.deliveries_of(d.agency_id, d.id).await.unwrap();
    let channels = |essential: bool| {
        let mut c: Vec<_> =
            deliveries.iter().filter(|x| x.essential == essential).map(|x| x.channel.as_str()).collect();
        c.sort();
        c
    };
    // Passing on to the next step is optional: e-mail only, as asked. The acceptance goes
    // everywhere.
    assert_eq!(channels(false), ["email"]);
    assert_eq!(channels(true), ["email", "sms"]);
    let sms = gw.received.lock().unwrap()[0].1.clone();
    assert!(sms.contains("Dossier 000.00.17.H34-260212-0001 was accepted; the result is due on 05/03/2026"), "{sms}");
    assert!(mails.lock().unwrap().iter().any(|m| m.contains("Dear Nguy")), "English e-mail");
}

async fn the_agency_words_replace_the_built_in_ones(db: TestDb) {
    let fx = Fixture::seed(db.store.as_ref()).await;
    let (gw, url) = start_gateway(vec![]).await;
    let (_mails, port) = start_smtp().await;
    let n = notifier(&db, &url, port).await;
    let now = at(2026, 2, 12, 9, 0);
    let mut words = motcua_app::template::default_set("accept", "vi").unwrap();
    words.sms = "{sender}: Da nhan ho so {code}. Hen tra {due_date}.[[ Xem: {lookup_url}]]".into();
    for _ in 0..2 {
        let saved = db
            .store
            .insert_message_template(&motcua_store::MessageTemplate {
                id: uuid::Uuid::now_v7(),
                agency_id: fx.agency.id,
                event: "accept".into(),
                lang: "vi".into(),
                version: 0,
                subject: words.subject.clone(),
                body_text: words.body_text.clone(),
                body_html: words.body_html.clone(),
                sms: words.sms.clone(),
                author_id: Some(fx.admin.user_id),
                created_at: now,
            })
            .await
            .unwrap();
        assert!(saved.version >= 1);
        words.sms = words.sms.replace("Da nhan", "Da tiep nhan");
    }
    let versions = db.store.message_templates(fx.agency.id).await.unwrap();
    assert_eq!(versions.iter().map(|v| v.version).collect::<Vec<_>>(), [2, 1], "newest first, both kept");
    accepted_dossier(&db, &fx, now).await;
    n.run_once(now).await.unwrap();
    let received = gw.received.lock().unwrap().clone();
    assert!(
        received.iter().any(|(_, body)| body
            .contains("SO NNMT KH: Da tiep nhan ho so 000.00.17.H34-260212-0001. Hen tra 05/03/2026. Xem: https://")),
        "{received:?}"
    );
}

async fn officers_get_one_digest_per_working_day_and_reminders_once_a_day(db: TestDb) {
    use motcua_domain::org::{Role, RoleGrant};
    let fx = Fixture::seed(db.store.as_ref()).await;
    let (_gw, url) = start_gateway(vec![]).await;
    let (mails, port) = start_smtp().await;
    let mut n = notifier(&db, &url, port).await;
    n.settings.digest_at = chrono::NaiveTime::from_hms_opt(7, 30, 0);
    let officer = |name: &str, email: Option<&str>, phone: Option<&str>| motcua_store::UserRecord {
        id: uuid::Uuid::now_v7(),
        agency_id: Some(fx.agency.id),
        username: format!("{name}-{}", uuid::Uuid::new_v4().simple()),
        full_name: name.into(),
        password_hash: "x".into(),
        citizen: false,
        phone: phone.map(str::to_owned),
        email: email.map(str::to_owned),
        active: true,
    };
    let counter = officer("Lê Thị Quầy", Some("quay@example.vn"), None);
    let director = officer("Trần Giám Đốc", None, Some("0912000111"));
    let idle = officer("Phạm Phòng Khác", Some("khac@example.vn"), None);
    for (u, role, unit) in [
        (&counter, Role::Reception, Some("VP")),
        (&director, Role::AgencyLead, None),
        (&idle, Role::Specialist, Some("LD")),
    ] {
        db.store.insert_user(u).await.unwrap();
        db.store
            .insert_grant(u.id, &RoleGrant { role, agency_id: fx.agency.id, unit: unit.map(str::to_owned) })
            .await
            .unwrap();
    }
    let received = at(2026, 2, 12, 9, 0);
    let d = accepted_dossier(&db, &fx, received).await;
    n.run_once(received).await.unwrap();
    let sent_before = mails.lock().unwrap().len();

    // Saturday 07/03/2026: a day off, no digest. (Due 05/03: overdue by then.)
    let report = n.run_once(at(2026, 3, 7, 8, 0)).await.unwrap();
    assert_eq!(report.digests, 0);
    // Monday 09/03 before 07:30: not yet; at 07:31: the counter officer (e-mail) and the
    // director (SMS); the officer of a unit with nothing due gets nothing.
    assert_eq!(n.run_once(at(2026, 3, 9, 7, 0)).await.unwrap().digests, 0);
    let report = n.run_once(at(2026, 3, 9, 7, 31)).await.unwrap();
    assert_eq!(report.digests, 2, "{report:?}");
    let digest = mails.lock().unwrap()[sent_before..].join("\n");
    assert!(digest.contains("quay@example.vn"), "{digest}");
    assert!(!digest.contains("khac@example.vn"));
    let director_sms = db
        .store
        .search_deliveries(&motcua_store::DeliveryQuery {
            agencies: vec![fx.agency.id],
            q: Some("0912000111".into()),
            page: 1,
            page_size: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(director_sms.total, 1);
    assert!(
        director_sms.items[0].body.contains("Don doc giai quyet ho so ngay 09/03/2026"),
        "{:?}",
        director_sms.items[0]
    );
    let counter_digest = db
        .store
        .search_deliveries(&motcua_store::DeliveryQuery {
            agencies: vec![fx.agency.id],
            q: Some("quay@".into()),
            page: 1,
            page_size: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    let body = &counter_digest.items[0].body;
    assert!(body.contains("Đơn vị VP: 1 hồ sơ quá hạn"), "{body}");
    assert!(
        body.contains("000.00.17.H34-260212-0001") && body.contains("quá hạn 2 ngày làm việc (hạn 05/03/2026)"),
        "{body}"
    );
    // The same day again, or a second worker: nothing new.
    assert_eq!(n.run_once(at(2026, 3, 9, 10, 0)).await.unwrap().digests, 0);

    // A reminder about the overdue dossier goes to the officers of the unit holding it, once a day.
    let cal = WorkCalendar::vietnam().unwrap();
    let lead = db.store.user(fx.agency_lead.user_id).await.unwrap().unwrap();
    let now = at(2026, 3, 9, 10, 0);
    assert_eq!(
        motcua_app::digest::remind(db.store.as_ref(), &cal, &d, &lead, now, "https://dvc.example.vn").await.unwrap(),
        0,
        "reception is not a unit holder"
    );
    let mut held = d.clone();
    held.assignee = Some(counter.id);
    assert_eq!(
        motcua_app::digest::remind(db.store.as_ref(), &cal, &held, &lead, now, "https://dvc.example.vn").await.unwrap(),
        1
    );
    assert_eq!(
        motcua_app::digest::remind(db.store.as_ref(), &cal, &held, &lead, now, "https://dvc.example.vn").await.unwrap(),
        0,
        "once a day"
    );
    let reminders = db.store.deliveries_of(d.agency_id, d.id).await.unwrap();
    let reminder = reminders.iter().find(|x| x.idempotency_key.starts_with("remind:")).expect("a reminder");
    assert_eq!(reminder.recipient, "quay@example.vn");
    assert!(
        reminder.body.contains("Người nhắc: ") && reminder.body.contains("quá hạn 2 ngày làm việc"),
        "{}",
        reminder.body
    );
}

async fn viettel_answers_are_read_from_the_soap_envelope(db: TestDb) {
    use motcua_notify::gateway::{Channel, SendError, Viettel};
    let fx = Fixture::seed(db.store.as_ref()).await;
    let answers = Arc::new(Mutex::new(vec![
        "<result>1</result><message>Insert MT_QUEUE: OK</message>",
        "<result>0</result><message>Authenticate: fail</message>",
        "<result>0</result><message>System busy</message>",
        // Read as XML, not by searching for "<result>": prefixed names, entities, spaces.
        "<ns2:result> 1 </ns2:result><ns2:message>MT_QUEUE &amp; OK &#x2713;</ns2:message>",
    ]));
    let bodies: Arc<Mutex<Vec<String>>> = Arc::default();
    let (a, b) = (answers.clone(), bodies.clone());
    let app = axum::Router::new().route(
        "/ws",
        axum::routing::post(move |body: String| {
            let (a, b) = (a.clone(), b.clone());
            async move {
                b.lock().unwrap().push(body);
                let inner = a.lock().unwrap().remove(0);
                format!(
                    "<?xml version=\"1.0\" ?><S:Envelope xmlns:S=\"http://schemas.xmlsoap.org/soap/envelope/\"><S:Body>\
                     <ns2:wsCpMtResponse xmlns:ns2=\"http://impl.bulkSms.ws/\"><return>{inner}</return>\
                     </ns2:wsCpMtResponse></S:Body></S:Envelope>"
                )
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/ws", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let viettel = Viettel::new(&url, "user", "p&ss", "CP", "SO-NNMT-KH", Duration::from_secs(5)).unwrap();
    let (_mails, port) = start_smtp().await;
    let n = Notifier { sms: Some(Arc::new(viettel.clone())), ..notifier(&db, &url, port).await };
    let now = at(2026, 2, 12, 9, 0);
    let d = accepted_dossier(&db, &fx, now).await;
    n.expand(now).await.unwrap();
    let sms =
        db.store.deliveries_of(d.agency_id, d.id).await.unwrap().into_iter().find(|x| x.channel == "sms").unwrap();
    assert!(matches!(viettel.send(&sms).await, Ok(answer) if answer.contains("Insert MT_QUEUE: OK")));
    assert!(matches!(viettel.send(&sms).await, Err(SendError::Permanent(_))));
    assert!(matches!(viettel.send(&sms).await, Err(SendError::Temporary(_))));
    let answer = viettel.send(&sms).await;
    assert!(matches!(&answer, Ok(a) if a.contains("MT_QUEUE & OK ✓")), "{answer:?}");
    let body = bodies.lock().unwrap()[0].clone();
    assert!(
        body.contains("<ReceiverID>84905123456</ReceiverID>") && body.contains("<Password>p&amp;ss</Password>"),
        "{body}"
    );
    assert!(body.contains("<ServiceID>SO-NNMT-KH</ServiceID><CommandCode>bulksms</CommandCode>"), "{body}");
    assert!(body.contains("<ContentType>0</ContentType>"), "unaccented text is GSM-7");
}

async fn a_generic_gateway_may_take_the_message_in_a_query_string(db: TestDb) {
    use motcua_notify::gateway::Channel;
    let fx = Fixture::seed(db.store.as_ref()).await;
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let sink = seen.clone();
    let app = axum::Router::new().route(
        "/sms",
        axum::routing::get(move |uri: axum::http::Uri| {
            let sink = sink.clone();
            async move {
                sink.lock().unwrap().push(uri.query().unwrap_or("").to_owned());
                "OK"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/sms?phone={{to}}&msg={{text}}&ref={{key}}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let gateway = HttpSms::new("get", &url, "", Duration::from_secs(5)).unwrap();
    assert!(HttpSms::new("DELETE", &url, "", Duration::from_secs(5)).is_err(), "an unknown method is refused");
    let now = at(2026, 2, 12, 9, 0);
    let d = accepted_dossier(&db, &fx, now).await;
    let (_mails, port) = start_smtp().await;
    notifier(&db, &url, port).await.expand(now).await.unwrap();
    let sms = db
        .store
        .deliveries_of(d.agency_id, d.id)
        .await
        .unwrap()
        .into_iter()
        .find(|x| x.body.contains("da duoc tiep nhan"))
        .unwrap();
    assert!(gateway.send(&sms).await.unwrap().starts_with("HTTP 200"));
    let query = seen.lock().unwrap()[0].clone();
    assert!(
        query.starts_with("phone=0905123456&msg=SO%20NNMT%20KH%3A%20Ho%20so%20000.00.17.H34-260212-0001%20da%20duoc"),
        "{query}"
    );
    assert!(query.contains(&format!("&ref={}", sms.idempotency_key.replace(':', "%3A"))), "{query}");
}

/// Issue 12, defect 5: a name with a NUL character (which PostgreSQL refuses in text) made the
/// worker fail on the same outbox row every second, and no message went out for anyone. Now
/// intake refuses the character, and a row that still cannot be expanded is set aside with its
/// reason while the others are delivered.
async fn one_poisoned_event_is_set_aside_and_the_others_go_out(db: TestDb) {
    let fx = Fixture::seed(db.store.as_ref()).await;
    let (gateway, url) = start_gateway(vec![]).await;
    let (_mails, port) = start_smtp().await;
    let store = db.store.as_ref();
    // The poisoned dossier: its stored name carries a NUL (as an older version let in).
    let poisoned = accepted_dossier_of(&db, &fx, at(2026, 2, 12, 9, 0), "0905111111", None).await;
    let cal = WorkCalendar::vietnam().unwrap();
    let ctx = motcua_domain::dossier::Context {
        actor: &fx.reception,
        now: at(2026, 2, 12, 9, 30),
        calendar: &cal,
        new_code: None,
        max_reappoint_days: motcua_domain::dossier::DEFAULT_MAX_REAPPOINT_DAYS,
    };
    let forward = motcua_domain::dossier::Action::Forward { note: None, assignee: None };
    let mut t = poisoned.apply(forward, &ctx).unwrap();
    t.dossier.applicant.name = "Công dân\u{0}".into();
    store.update_dossier(poisoned.version, &t).await.unwrap();
    // A good dossier after it.
    let good = accepted_dossier_of(&db, &fx, at(2026, 2, 12, 10, 0), "0905222222", None).await;
    let n = notifier(&db, &url, port).await;
    n.run_once(at(2026, 2, 12, 10, 5)).await.expect("the run goes on past the bad row");
    let sent = gateway.received.lock().unwrap().clone();
    assert!(sent.iter().any(|(_, body)| body.contains("0905222222") || body.contains("84905222222")), "{sent:?}");
    let good_code = good.code.unwrap().to_string();
    assert!(sent.iter().any(|(_, body)| body.contains(&good_code)), "the good dossier's acceptance went out");
    let set_aside = store.failed_outbox(fx.agency.id, 10).await.unwrap();
    if db.url.starts_with("postgres") {
        assert!(!set_aside.is_empty(), "PostgreSQL refuses the NUL: the row is set aside");
        assert!(set_aside.iter().all(|f| f.dossier_id == Some(poisoned.id)));
        assert!(set_aside[0].failed_reason.as_deref().is_some_and(|r| !r.is_empty()));
    }
    // A second run does not try the set-aside rows again, and fails on nothing.
    n.run_once(at(2026, 2, 12, 10, 10)).await.unwrap();
    assert_eq!(store.failed_outbox(fx.agency.id, 10).await.unwrap().len(), set_aside.len());
}

/// A gateway's keys are secrets: a gateway printed for a log or an error shows none of them.
#[test]
fn gateway_secrets_never_show_in_debug_output() {
    use motcua_notify::gateway::{Esms, Viettel};
    let timeout = Duration::from_secs(1);
    let esms = Esms::new("https://127.0.0.1:1/", "api-key-123", "secret-456", "SONNMT", timeout).unwrap();
    let viettel = Viettel::new("https://127.0.0.1:1/", "sonnmt", "pass-789", "CP01", "SONNMT", timeout).unwrap();
    let printed = format!("{esms:?} {viettel:?}");
    for secret in ["api-key-123", "secret-456", "pass-789"] {
        assert!(!printed.contains(secret), "{printed}");
    }
    assert!(printed.contains("SONNMT"), "the rest is still shown: {printed}");
}
