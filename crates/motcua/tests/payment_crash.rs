//! A payment is never lost or counted twice when the server dies mid-IPN: the real `motcua serve`
//! receives VNPAY's IPNs for 40 paid dossiers from eight connections at once and is killed with
//! SIGKILL mid-stream; started again, it gets every IPN again (VNPAY retries until it reads 00 or
//! 02). Then every request is paid once, its two receipts numbered with no gap and no duplicate
//! across all of them, and every dossier's clock has resumed — by the IPN, or by `motcua worker`
//! from the outbox row when the kill fell between the credit and the dossier. On SQLite and
//! PostgreSQL.

mod common;

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use motcua_domain::dossier::{Action, State};
use motcua_domain::payment::{Attempt, Provider, RequestState};
use motcua_payments::vnpay::{canonical, hmac_hex};
use motcua_store::testing::{Fixture, TestDb, at};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const SECRET: &str = "BIMATTHUNGHIEMVNPAY0123456789ABC";
const AGENCY: &str = "000.00.17.H34";

async fn get(addr: &str, path: &str) -> Option<(u16, String)> {
    let mut stream = tokio::net::TcpStream::connect(addr).await.ok()?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.ok()?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.ok()?;
    let text = String::from_utf8_lossy(&response).to_string();
    let status = text.split_whitespace().nth(1)?.parse().ok()?;
    Some((status, text.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default()))
}

fn ipn_path(txn_ref: &str, amount: u64, transaction_no: &str) -> String {
    let params: Vec<(String, String)> = [
        ("vnp_TmnCode", "DEMO0001".to_owned()),
        ("vnp_Amount", (amount * 100).to_string()),
        ("vnp_BankCode", "NCB".to_owned()),
        ("vnp_PayDate", "20260305101500".to_owned()),
        ("vnp_TransactionNo", transaction_no.to_owned()),
        ("vnp_ResponseCode", "00".to_owned()),
        ("vnp_TransactionStatus", "00".to_owned()),
        ("vnp_TxnRef", txn_ref.to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let q = canonical(&params);
    format!("/api/v1/payments/vnpay/{AGENCY}/ipn?{q}&vnp_SecureHash={}", hmac_hex(SECRET, &q))
}

fn motcua(db: &TestDb, args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_motcua"))
        .args(args)
        .env("MOTCUA_DATABASE__URL", &db.url)
        .env("MOTCUA_NOTIFY__ENABLED", "false")
        .env("MOTCUA_NOTIFY__INTERVAL_SECONDS", "1")
        .env("MOTCUA_NOTIFY__DIGEST_TIME", "")
        .env("MOTCUA_PAYMENTS__VNPAY__AGENCY", AGENCY)
        .env("MOTCUA_PAYMENTS__VNPAY__TMN_CODE", "DEMO0001")
        .env("MOTCUA_PAYMENTS__VNPAY__HASH_SECRET", SECRET)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .expect("start motcua")
}

/// Starts `motcua serve` on a free port; the process and its address.
fn serve(db: &TestDb) -> (Child, String) {
    let mut server = motcua(db, &["serve", "--bind", "127.0.0.1:0"]);
    let addr = common::address_of(&mut server);
    (server, addr)
}

async fn payments_survive_a_kill(db: TestDb) {
    let store = db.store.as_ref();
    let fx = Fixture::seed(store).await;
    let mut paths = Vec::new();
    let mut dossiers = Vec::new();
    for i in 0..40u32 {
        let d = fx.accepted_dossier(store, at(2026, 3, 2, 9, 0), "0905123456", None).await;
        let forward = Action::Forward { note: None, assignee: None };
        let d = fx.act(store, &d, forward, &fx.reception, at(2026, 3, 2, 10, 0)).await;
        let ask = Action::RequestPayment { reason: "Nộp phí, lệ phí".into(), assessed: None };
        let d = fx.act(store, &d, ask, &fx.specialist, at(2026, 3, 3, 9, 0)).await;
        let request = motcua_app::payments::request_for(store, &d, at(2026, 3, 4, 9, 0)).await.unwrap();
        let attempt = Attempt::start(uuid::Uuid::now_v7(), &request, Provider::Vnpay, 1, at(2026, 3, 4, 9, 0)).unwrap();
        store.insert_attempt(&attempt).await.unwrap();
        paths.push(ipn_path(&attempt.txn_ref, request.total.0, &format!("1400{i:04}")));
        dossiers.push((d.id, request.id));
    }
    let paths: Arc<Vec<String>> = Arc::new(paths);

    // Eight connections at once; SIGKILL after ten credits.
    let (mut server, addr) = serve(&db);
    let credited = Arc::new(AtomicUsize::new(0));
    let mut clients = Vec::new();
    for c in 0..8 {
        let (addr, paths, credited) = (addr.clone(), paths.clone(), credited.clone());
        clients.push(tokio::spawn(async move {
            for path in paths.iter().skip(c).step_by(8) {
                match get(&addr, path).await {
                    Some((200, body)) if body.contains("\"00\"") => {
                        credited.fetch_add(1, Ordering::SeqCst);
                    }
                    Some((status, body)) => panic!("IPN answered {status}: {body}"),
                    None => return, // the server is gone
                }
            }
        }));
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while credited.load(Ordering::SeqCst) < 10 {
        assert!(Instant::now() < deadline, "no IPN credited within 60 s");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    server.kill().expect("SIGKILL");
    server.wait().unwrap();
    for c in clients {
        c.await.unwrap();
    }
    let before_restart = credited.load(Ordering::SeqCst);
    assert!(before_restart < 40, "the server was killed mid-stream ({before_restart} credited)");

    // VNPAY retries every IPN not answered: all of them again, to a new server.
    let (mut server, addr) = serve(&db);
    let mut answers = Vec::new();
    for path in paths.iter() {
        let (status, body) = get(&addr, path).await.expect("the new server answers");
        assert_eq!(status, 200, "{body}");
        answers.push(body);
    }
    server.kill().unwrap();
    server.wait().unwrap();
    assert!(
        answers.iter().all(|a| a.contains("\"RspCode\":\"00\"") || a.contains("\"RspCode\":\"02\"")),
        "{answers:?}"
    );
    // The worker resumes any dossier the kill left paid but still waiting.
    let mut worker = motcua(&db, &["worker"]);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let mut waiting = 0;
        for (dossier, _) in &dossiers {
            let d = store.dossier(fx.agency.id, *dossier).await.unwrap().unwrap();
            waiting += usize::from(d.state != State::Processing);
        }
        if waiting == 0 {
            break;
        }
        assert!(Instant::now() < deadline, "{waiting} dossiers paid but not resumed");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    worker.kill().unwrap();
    worker.wait().unwrap();

    // Each request paid once, two receipts each, 80 numbers: 1 to 80 exactly.
    let mut numbers = Vec::new();
    for (_, request) in &dossiers {
        let r = store.payment_request(fx.agency.id, *request).await.unwrap().unwrap();
        assert_eq!(r.state, RequestState::Paid);
        let receipts = store.receipts_of(fx.agency.id, *request).await.unwrap();
        assert_eq!(receipts.len(), 2, "one receipt per fee kind, once");
        numbers.extend(receipts.iter().map(|b| b.number));
    }
    numbers.sort_unstable();
    assert_eq!(numbers, (1..=80).collect::<Vec<u32>>());
}

mod sqlite {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn a_server_killed_mid_ipn_loses_no_payment_and_counts_none_twice() {
        super::payments_survive_a_kill(super::TestDb::sqlite().await).await;
    }
}

mod postgres {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn a_server_killed_mid_ipn_loses_no_payment_and_counts_none_twice() {
        super::payments_survive_a_kill(super::TestDb::postgres().await).await;
    }
}
