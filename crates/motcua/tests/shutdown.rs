//! Stopping `motcua serve` with SIGTERM (what systemd and container runtimes send) lets the
//! requests under way finish: a request whose body is still arriving when the signal comes is
//! answered, no new connection is taken meanwhile, and the process then exits cleanly.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use motcua_store::testing::TestDb;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test]
async fn a_request_under_way_is_answered_after_sigterm_then_the_server_exits() {
    let db = TestDb::sqlite().await;
    let mut server = Command::new(env!("CARGO_BIN_EXE_motcua"))
        .args(["serve", "--bind", "127.0.0.1:0"])
        .env("MOTCUA_DATABASE__URL", &db.url)
        .env("MOTCUA_NOTIFY__INTERVAL_SECONDS", "1")
        .env("MOTCUA_NOTIFY__DIGEST_TIME", "")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .expect("start motcua");
    let addr = common::address_of(&mut server);
    // Half a request: its body (read whole before the handler runs) is still coming.
    let body = "{\"MaLoi\":\"00\"}".repeat(64);
    let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let head = format!(
        "POST /api/v1/payments/platform/000.00.17.H34/confirm HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&body.as_bytes()[..body.len() / 2]).await.unwrap();
    stream.flush().await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let killed = Command::new("kill").args(["-TERM", &server.id().to_string()]).status().unwrap();
    assert!(killed.success());
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(server.try_wait().unwrap().is_none(), "still serving the request under way");
    // No new connection is taken while it drains.
    let refused = match tokio::net::TcpStream::connect(&addr).await {
        Err(_) => true,
        Ok(mut s) => {
            let _ = s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await;
            let mut buf = Vec::new();
            matches!(tokio::time::timeout(Duration::from_secs(2), s.read_to_end(&mut buf)).await, Ok(Ok(0)) | Err(_))
        }
    };
    assert!(refused, "a new request after SIGTERM is not served");
    // The rest of the body: the request is answered (no platform configured: 404).
    stream.write_all(&body.as_bytes()[body.len() / 2..]).await.unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 404"), "{answer}");
    // Then the process ends on its own, with success.
    let started = Instant::now();
    let status = loop {
        if let Some(status) = server.try_wait().unwrap() {
            break status;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "still running 20 s after its last request");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(status.success(), "{status}");
}
