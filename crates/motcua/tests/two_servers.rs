//! Several servers as one service: two `motcua serve` processes (each with its worker) and two
//! `motcua worker` processes on one PostgreSQL database, started together on an empty database.
//!
//! - Migrations run once: both servers come up ready (every migration recorded), whichever took
//!   the migration lock first; the other found them applied.
//! - A dossier taken in through one server is read, and changed, through the other at once.
//! - The applicant gets each message once although four workers race for it.
//! - A public door's rate limit is counted in the database: one client passing both servers
//!   gets no more than the limit in all.
//! - On SIGTERM every process ends cleanly and leaves no lease behind: nothing claimed is left
//!   waiting for its lease to run out.

mod common;

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use motcua_store::testing::{Fixture, TestDb};

const PASSWORD: &str = "mat-khau-hai-may";

/// A started process, killed if the test ends early.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Running {
    fn stop(&mut self) -> std::process::ExitStatus {
        let term = Command::new("kill").args(["-TERM", &self.0.id().to_string()]).status().unwrap();
        assert!(term.success());
        let started = Instant::now();
        loop {
            if let Some(status) = self.0.try_wait().unwrap() {
                return status;
            }
            assert!(started.elapsed() < Duration::from_secs(60), "still running a minute after SIGTERM");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

fn motcua(args: &[&str], url: &str, gateway: &str) -> Child {
    Command::new(env!("CARGO_BIN_EXE_motcua"))
        .args(args)
        .env("MOTCUA_DATABASE__URL", url)
        .env("MOTCUA_NOTIFY__SMS__KIND", "http")
        .env("MOTCUA_NOTIFY__SMS__URL", gateway)
        .env("MOTCUA_NOTIFY__INTERVAL_SECONDS", "1")
        .env("MOTCUA_NOTIFY__DIGEST_TIME", "")
        .env("MOTCUA_LIMITS__LOOKUP_PER_MINUTE", "6")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .expect("start motcua")
}

/// The reception's API read of a dossier through the server at `base`.
async fn read(http: &reqwest::Client, base: &str, token: &str, id: &str) -> serde_json::Value {
    let answer = http.get(format!("{base}/api/v1/dossiers/{id}")).bearer_auth(token).send().await.unwrap();
    answer.error_for_status().unwrap().json().await.unwrap()
}

async fn username(url: &str, id: uuid::Uuid) -> String {
    let pool = sqlx::PgPool::connect(url).await.unwrap();
    let name: (String,) =
        sqlx::query_as("select username from users where id = $1").bind(id).fetch_one(&pool).await.unwrap();
    pool.close().await;
    name.0
}

async fn token(http: &reqwest::Client, base: &str, username: &str) -> String {
    let answer: serde_json::Value = http
        .post(format!("{base}/api/v1/auth/token"))
        .json(&serde_json::json!({ "username": username, "password": PASSWORD }))
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap()
        .json()
        .await
        .unwrap();
    answer["token"].as_str().expect("a token").to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_and_two_workers_on_one_database_behave_as_one_service() {
    let db = TestDb::postgres_unmigrated().await;
    let (sms_url, received) = common::sms_gateway().await;

    // Both servers start at once on the empty database.
    let mut a = Running(motcua(&["serve", "--bind", "127.0.0.1:0"], &db.url, &sms_url));
    let mut b = Running(motcua(&["serve", "--bind", "127.0.0.1:0"], &db.url, &sms_url));
    let (addr_a, addr_b) = (common::address_of(&mut a.0), common::address_of(&mut b.0));
    let (base_a, base_b) = (format!("http://{addr_a}"), format!("http://{addr_b}"));
    motcua_notify::gateway::init_tls();
    let http = reqwest::Client::new();
    for base in [&base_a, &base_b] {
        let ready = http.get(format!("{base}/readyz")).send().await.unwrap();
        assert_eq!(ready.status(), 200, "{base} is ready");
    }
    let pool = sqlx::PgPool::connect(&db.url).await.unwrap();

    // Two more workers.
    let mut w1 = Running(motcua(&["worker"], &db.url, &sms_url));
    let mut w2 = Running(motcua(&["worker"], &db.url, &sms_url));

    let hash = motcua_app::accounts::hash_password(PASSWORD).await.unwrap();
    let fx = Fixture::seed_with_password_hash(db.store.as_ref(), &hash).await;
    let reception = token(&http, &base_a, &username(&db.url, fx.reception.user_id).await).await;

    // Dossiers taken in through either server, each read through the other at once.
    let mut phones = HashMap::new();
    for i in 0..12 {
        let (here, there) = if i % 2 == 0 { (&base_a, &base_b) } else { (&base_b, &base_a) };
        let phone = format!("09141{i:05}");
        let created: serde_json::Value = http
            .post(format!("{here}/api/v1/dossiers"))
            .bearer_auth(&reception)
            .json(&serde_json::json!({
                "procedure_code": "1.004227", "channel": "counter",
                "applicant": {"name": "Trần Thị Bình", "citizen_id": "056190004321", "phone": phone,
                              "address": "5 Lê Lợi, Nha Trang"}
            }))
            .send()
            .await
            .unwrap()
            .error_for_status()
            .unwrap()
            .json()
            .await
            .unwrap();
        let id = created["dossier"]["id"].as_str().unwrap().to_owned();
        let seen = read(&http, there, &reception, &id).await;
        assert_eq!(seen["version"], created["dossier"]["version"], "seen through the other server at once");
        assert_eq!(seen["state"], "accepted");
        phones.insert(phone, created["dossier"]["code"].as_str().unwrap().to_owned());
        if i == 0 {
            // Changed through the other server: seen back through the first one at once.
            let version = seen["version"].as_i64().unwrap();
            let forwarded = http
                .post(format!("{there}/api/v1/dossiers/{id}/forward"))
                .bearer_auth(&reception)
                .json(&serde_json::json!({ "version": version }))
                .send()
                .await
                .unwrap();
            assert_eq!(forwarded.status(), 200, "{}", forwarded.text().await.unwrap());
            let back = read(&http, here, &reception, &id).await;
            assert_eq!(back["version"].as_i64().unwrap(), version + 1);
            assert_eq!(back["state"], "processing");
        }
    }

    // Every applicant gets the "accepted" message, and only once.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let got = received.lock().unwrap().clone();
        let accepted =
            |phone: &str| got.iter().filter(|m| m.contains(phone) && m.contains("da duoc tiep nhan")).count();
        if phones.keys().all(|p| accepted(p) >= 1) {
            break;
        }
        assert!(Instant::now() < deadline, "not every applicant was told within 30 s: {got:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    let got = received.lock().unwrap().clone();
    for (phone, code) in &phones {
        let messages: Vec<_> = got.iter().filter(|m| m.contains(phone.as_str())).collect();
        let accepted = messages.iter().filter(|m| m.contains("da duoc tiep nhan")).count();
        assert_eq!(accepted, 1, "{code}: {messages:?}");
        assert!(messages.iter().all(|m| m.contains(code.as_str())), "{messages:?}");
    }

    // The lookup door lets one client through six times a minute, whichever server it asks.
    let code = phones.values().next().unwrap();
    let mut answers = Vec::new();
    for i in 0..8 {
        let base = if i % 2 == 0 { &base_a } else { &base_b };
        let answer = http.get(format!("{base}/api/v1/lookup?code={code}&phone_last4=0000")).send().await.unwrap();
        answers.push(answer.status().as_u16());
    }
    assert_eq!(answers.iter().filter(|s| **s == 429).count(), 2, "{answers:?}");
    assert_eq!(&answers[6..], &[429, 429], "{answers:?}");

    // Stopped, every process exits cleanly and no claim is left to run out.
    for (name, p) in [("serve a", &mut a), ("serve b", &mut b), ("worker 1", &mut w1), ("worker 2", &mut w2)] {
        assert!(p.stop().success(), "{name}");
    }
    let (outbox,): (i64,) =
        sqlx::query_as("select count(*) from outbox where expanded_at is null and claimed_until > now() at time zone 'Asia/Ho_Chi_Minh'")
            .fetch_one(&pool)
            .await
            .unwrap();
    let (deliveries,): (i64,) = sqlx::query_as(
        "select count(*) from deliveries where status in ('created', 'sending', 'temporary-failure') and locked_until > now() at time zone 'Asia/Ho_Chi_Minh'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((outbox, deliveries), (0, 0), "claims left behind");
    pool.close().await;
}
