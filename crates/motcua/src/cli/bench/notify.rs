//! Notifications under load: counter intakes through the API while the delivery worker runs as
//! `motcua serve` runs it (its own connections, woken by each change, rounds back to back while
//! busy), sending every SMS to an HTTP gateway on loopback that answers at once. The figure is the rate at which SMS
//! reach the gateway, from the first intake to the last SMS, against the intake rate of the same
//! run: delivery keeps pace when the two are close and nothing is left queued for long.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use motcua_app::files::FileStore;
use motcua_notify::gateway::{Channel, HttpSms};
use motcua_notify::worker::{Notifier, NotifySettings};
use motcua_store::testing::TestDb;
use motcua_web::clock::SystemClock;
use motcua_web::{AppState, WebConfig, app};
use uuid::Uuid;

use super::intake::concurrently;
use super::province::Province;
use super::{Figure, Scale, Target};

/// An SMS gateway on loopback that accepts everything and counts.
async fn gateway() -> anyhow::Result<(String, Arc<AtomicUsize>, tokio::task::JoinHandle<()>)> {
    let received = Arc::new(AtomicUsize::new(0));
    let counter = received.clone();
    let router = axum::Router::new().route(
        "/sms",
        axum::routing::post(move || {
            let counter = counter.clone();
            async move {
                counter.fetch_add(1, Ordering::Relaxed);
                "{\"ok\": true}"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/sms", listener.local_addr()?);
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    Ok((url, received, server))
}

fn local_now() -> chrono::NaiveDateTime {
    chrono::Utc::now().naive_utc() + chrono::Duration::hours(7)
}

pub async fn run(db: &TestDb, province: &Province, scale: Scale) -> anyhow::Result<Vec<Figure>> {
    let token = super::intake::reception_token(db, province).await?;
    let (url, received, server) = gateway().await?;
    let sms: Arc<dyn Channel> = Arc::new(HttpSms::new(
        "POST",
        &url,
        r#"{"to": "{to}", "text": "{text}", "key": "{key}"}"#,
        Duration::from_secs(10),
    )?);
    // Its own connections, as `motcua serve` gives its worker.
    let own = motcua_store::connect_worker(&db.url).await?;
    let notifier = Notifier {
        store: own,
        sms: Some(sms),
        email: None,
        portal: None,
        emc: None,
        portal_inbox: None,
        settings: NotifySettings { digest_at: None, ..Default::default() },
    };
    // What earlier scenarios queued goes out first, outside the measure.
    loop {
        let report = notifier.drain(local_now()).await?;
        if report == Default::default() {
            break;
        }
    }
    let files = std::env::temp_dir().join(format!("motcua-bench-notify-{}", Uuid::new_v4()));
    let state = AppState::new(db.store.clone(), FileStore::new(&files), Arc::new(SystemClock), WebConfig::default())?;
    // Stopped by abort at the end; the sender is kept so the loop is never told to stop.
    let (_stop, stopped) = tokio::sync::watch::channel(false);
    let worker = tokio::spawn(crate::cli::worker::run_loop(notifier, (5, None), state.outbox_wake.clone(), stopped));
    let router = app(state);
    let body = serde_json::json!({
        "procedure_code": "1.004227",
        "channel": "counter",
        "applicant": {"name": "Trần Thị Bình", "citizen_id": "056090004321", "phone": "0905654321", "address": "Cam Ranh"}
    })
    .to_string();
    let before = received.load(Ordering::Relaxed);
    let count = scale.intake * 5;
    let started = Instant::now();
    let intake_rate = concurrently(16, count, "intake with notifications", move |_| {
        super::intake::post_intake(router.clone(), token.clone(), body.clone())
    })
    .await?;
    let intake_done = started.elapsed();
    let queued_at_end = count.saturating_sub(received.load(Ordering::Relaxed) - before);
    // Each accepted dossier sends its applicant one SMS.
    let deadline = Instant::now() + Duration::from_secs(300);
    while received.load(Ordering::Relaxed) - before < count {
        if Instant::now() > deadline {
            worker.abort();
            server.abort();
            return Err(anyhow::anyhow!(
                "notifications: {} of {count} SMS after 5 minutes",
                received.load(Ordering::Relaxed) - before
            ));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let all_sent = started.elapsed();
    worker.abort();
    server.abort();
    let _ = std::fs::remove_dir_all(files);
    let delivered_rate = count as f64 / all_sent.as_secs_f64();
    Ok(vec![
        Figure::new("notify", "SMS delivered, intake at 16 clients", delivered_rate, "messages/s")
            .against("dossiers accepted in the same run", intake_rate)
            .target(Target::RatioAtLeast(0.9)),
        Figure::new("notify", "SMS still queued when intake ended", queued_at_end as f64, "messages"),
        Figure::new(
            "notify",
            "last SMS after the last intake",
            (all_sent.saturating_sub(intake_done)).as_secs_f64(),
            "s",
        )
        .target(Target::AtMost(2.0)),
    ])
}
