//! `motcua serve --demo` as a newcomer runs it, and docs/api.md's walk-through run as written:
//! every `sh` block of the document, in order, in one bash shell, against the real server.
//!
//! The same story checks the personal data law's rule for logs: with every log level on
//! (`RUST_LOG=debug`, requests, SQL statements, the worker's rounds) and an SMS gateway that
//! fails while echoing what it was sent, the server's whole output never names the applicant,
//! their citizen ID, phone, e-mail or address.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

struct Server {
    child: Child,
    dir: std::path::PathBuf,
    log: std::path::PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// An SMS gateway on loopback that refuses every message with HTTP 500, echoing the request it
/// was sent (phone and text) in its answer, as a misbehaving gateway might; returns its URL.
fn echoing_gateway() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/send", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let _ = stream.set_read_timeout(Some(std::time::Duration::from_millis(500)));
            let mut stream = stream;
            let mut seen = Vec::new();
            let mut buf = [0u8; 4096];
            while let Ok(n @ 1..) = std::io::Read::read(&mut stream, &mut buf) {
                seen.extend_from_slice(&buf[..n]);
                if seen.windows(4).any(|w| w == b"\r\n\r\n") && seen.ends_with(b"}") {
                    break;
                }
            }
            let answer = format!(
                "HTTP/1.1 500 Internal Server Error\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                seen.len()
            );
            let _ = std::io::Write::write_all(&mut stream, answer.as_bytes());
            let _ = std::io::Write::write_all(&mut stream, &seen);
        }
    });
    url
}

/// Starts the binary with the demo on a fresh SQLite file and a free port, every log level on
/// and written to a file; returns its base URL.
fn start_demo_server(password: &str, database: Option<&str>) -> (Server, String) {
    let dir = std::env::temp_dir().join(format!("motcua-walkthrough-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let log = dir.join("server.log");
    let mut command = Command::new(env!("CARGO_BIN_EXE_motcua"));
    if let Some(url) = database {
        command.env("MOTCUA_DATABASE__URL", url);
    }
    let mut child = command
        .args(["serve", "--demo", "--bind", "127.0.0.1:0"])
        .current_dir(&dir)
        .env("MOTCUA_DEMO_PASSWORD", password)
        .env("RUST_LOG", "debug,hyper=info,h2=info")
        .env("MOTCUA_NOTIFY__SMS__KIND", "http")
        .env("MOTCUA_NOTIFY__SMS__URL", echoing_gateway())
        .env("MOTCUA_NOTIFY__INTERVAL_SECONDS", "1")
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .expect("the binary starts");
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let mut seen = Vec::new();
    let base = loop {
        let line = lines.next().expect("server output").expect("utf-8");
        if let Some(rest) = line.strip_prefix("motcua đang chạy tại ") {
            break rest.split_whitespace().next().unwrap().to_owned();
        }
        seen.push(line);
    };
    // Keep draining stdout so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    let printed = seen.join("\n");
    assert!(printed.contains("46 thủ tục, 300 hồ sơ"), "{printed}");
    assert!(printed.contains(&format!("tiepnhan     reception    {password}")), "{printed}");
    (Server { child, dir, log }, base)
}

fn sh_blocks(markdown: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for line in markdown.lines() {
        if line.trim_start().starts_with("```") {
            inside = !inside && line.trim() == "```sh";
            continue;
        }
        if inside {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

#[test]
fn the_api_walkthrough_works_as_written_against_the_demo() {
    walk(None);
}

#[test]
fn the_api_walkthrough_works_as_written_on_postgresql() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let db = runtime.block_on(motcua_store::testing::TestDb::postgres_unmigrated());
    walk(Some(&db.url));
}

/// The walk-through against the demo on the default SQLite file, or on `database`.
fn walk(database: Option<&str>) {
    let password = "matkhau-kiem-thu";
    let (_server, base) = start_demo_server(password, database);
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/api.md")).unwrap();
    let script = sh_blocks(&doc);
    assert!(script.contains("return-result"), "the walk-through lost its blocks");
    let out = Command::new("bash")
        .args(["-euo", "pipefail", "-c", &script])
        .env("BASE", &base)
        .env("PASSWORD", password)
        .output()
        .expect("bash runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "walk-through failed\n--- stdout\n{stdout}\n--- stderr\n{stderr}");
    for expected in [
        "\"state\":\"accepted\"",
        "\"state\":\"awaiting_supplement\"",
        "\"state\":\"result_ready\"",
        "\"state_label\": \"Đã trả kết quả\"",
        "Yêu cầu bổ sung",
        "sai số điện thoại: HTTP 404",
    ] {
        assert!(stdout.contains(expected), "missing {expected} in\n{stdout}");
    }

    // The worker has had its rounds (the change wakes it; the gateway refuses each message).
    std::thread::sleep(std::time::Duration::from_secs(3));
    let log = std::fs::read_to_string(&_server.log).unwrap();
    assert!(log.contains("request_id") && log.contains("/api/v1/dossiers"), "the log was written:\n{log:.2000}");
    for personal in [
        "Nguyễn Văn An",
        "Nguyen Van An",
        "056090001234",
        "0905 123 456",
        "0905123456",
        "84905123456",
        "an@example.vn",
        "12 Trần Phú",
    ] {
        if let Some(at) = log.find(personal) {
            let line = log[..at].rsplit('\n').next().unwrap_or_default();
            let rest: String = log[at..].chars().take(200).collect();
            panic!("the log names the applicant ({personal}): {line}{rest}");
        }
    }
}
