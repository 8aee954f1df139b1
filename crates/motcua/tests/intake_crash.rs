//! Counter intake survives `kill -9`: the real `motcua serve` takes dossiers at the counter from
//! eight clients at once and is killed with SIGKILL mid-stream. Every dossier in the database
//! then has its code and is accepted (intake is one transition, one transaction), and every
//! dossier a client was told about (201) is there. On SQLite and PostgreSQL.

mod common;

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use motcua_domain::catalog::Channel;
use motcua_domain::dossier::State;
use motcua_store::testing::TestDb;
use motcua_store::{DossierFilter, ProcedureQuery};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const PASSWORD: &str = "mat-khau-kiem-thu-1";

/// One HTTP/1.1 request on a fresh connection; the status and the body.
async fn http(addr: &str, method: &str, path: &str, token: Option<&str>, body: &str) -> Option<(u16, String)> {
    let mut stream = tokio::net::TcpStream::connect(addr).await.ok()?;
    let auth = token.map(|t| format!("Authorization: Bearer {t}\r\n")).unwrap_or_default();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n{auth}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.ok()?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.ok()?;
    let text = String::from_utf8_lossy(&response).to_string();
    let status = text.split_whitespace().nth(1)?.parse().ok()?;
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default();
    Some((status, body))
}

async fn intake_survives_a_kill(db: TestDb) {
    let dir = std::env::temp_dir().join(format!("motcua-intake-crash-{}-{}", std::process::id(), db.url.len()));
    std::fs::create_dir_all(&dir).unwrap();
    let demo = Command::new(env!("CARGO_BIN_EXE_motcua"))
        .args(["demo", "--dossiers", "0", "--now", "2026-11-27 10:00", "--seed", "7"])
        .current_dir(&dir)
        .env("MOTCUA_DATABASE__URL", &db.url)
        .env("MOTCUA_DEMO_PASSWORD", PASSWORD)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(demo.status.success(), "{}", String::from_utf8_lossy(&demo.stderr));
    let procedures =
        db.store.search_procedures(&ProcedureQuery { page: 1, page_size: 200, ..Default::default() }).await.unwrap();
    let procedure = procedures.items.iter().find(|p| p.spec.channels.contains(&Channel::Counter)).unwrap();
    let code = procedure.spec.code.clone();

    let mut server = Command::new(env!("CARGO_BIN_EXE_motcua"))
        .args(["serve", "--bind", "127.0.0.1:0"])
        .current_dir(&dir)
        .env("MOTCUA_DATABASE__URL", &db.url)
        .env("MOTCUA_NOTIFY__ENABLED", "false")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let addr = common::address_of(&mut server);
    let login = serde_json::json!({ "username": "tiepnhan", "password": PASSWORD }).to_string();
    let (status, body) = http(&addr, "POST", "/api/v1/auth/token", None, &login).await.unwrap();
    assert_eq!(status, 200, "{body}");
    let token: Arc<str> = serde_json::from_str::<serde_json::Value>(&body).unwrap()["token"].as_str().unwrap().into();

    let acknowledged = Arc::new(AtomicUsize::new(0));
    let mut clients = Vec::new();
    for c in 0..8 {
        let (addr, token, code, acknowledged) = (addr.clone(), token.clone(), code.clone(), acknowledged.clone());
        clients.push(tokio::spawn(async move {
            for i in 0.. {
                let body = serde_json::json!({
                    "procedure_code": code,
                    "channel": "counter",
                    "applicant": {
                        "name": "Nguyễn Văn Bình",
                        "citizen_id": format!("0560{:08}", c * 100_000 + i),
                        "phone": "0905123456",
                        "address": "12 Yersin, Nha Trang"
                    }
                })
                .to_string();
                match http(&addr, "POST", "/api/v1/dossiers", Some(&token), &body).await {
                    Some((201, _)) => {
                        acknowledged.fetch_add(1, Ordering::SeqCst);
                    }
                    Some((status, body)) => panic!("intake answered {status}: {body}"),
                    None => return, // the server is gone
                }
            }
        }));
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while acknowledged.load(Ordering::SeqCst) < 30 {
        assert!(Instant::now() < deadline, "no intake within 60 s");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.kill().expect("SIGKILL");
    server.wait().unwrap();
    for c in clients {
        c.await.unwrap();
    }
    let told = acknowledged.load(Ordering::SeqCst);

    let agencies = db.store.agencies().await.unwrap().iter().map(|a| a.id).collect::<Vec<_>>();
    let mut stored = 0;
    let mut page = 1;
    loop {
        let filter = DossierFilter { agencies: agencies.clone(), page, page_size: 200, ..Default::default() };
        let items = db.store.list_dossiers(&filter).await.unwrap().items;
        if items.is_empty() {
            break;
        }
        for d in &items {
            assert!(d.code.is_some(), "a dossier without a code: {:?}", d.id);
            assert_eq!(d.state, State::Accepted);
            assert_eq!(db.store.events(d.agency_id, d.id).await.unwrap().len(), 1, "one event");
        }
        stored += items.len();
        page += 1;
    }
    assert!(stored >= told, "{told} dossiers acknowledged, {stored} stored");
    let _ = std::fs::remove_dir_all(&dir);
}

mod sqlite {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn counter_intake_killed_mid_stream_leaves_no_dossier_without_a_code() {
        super::intake_survives_a_kill(super::TestDb::sqlite().await).await;
    }
}

mod postgres {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn counter_intake_killed_mid_stream_leaves_no_dossier_without_a_code() {
        super::intake_survives_a_kill(super::TestDb::postgres().await).await;
    }
}
