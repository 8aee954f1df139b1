//! `motcua serve --demo` as a newcomer runs it, and docs/api.md's walk-through run as written:
//! every `sh` block of the document, in order, in one bash shell, against the real server.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

struct Server {
    child: Child,
    dir: std::path::PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Starts the binary with the demo on a fresh SQLite file and a free port; returns its base URL.
fn start_demo_server(password: &str) -> (Server, String) {
    let dir = std::env::temp_dir().join(format!("motcua-walkthrough-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_motcua"))
        .args(["serve", "--demo", "--bind", "127.0.0.1:0"])
        .current_dir(&dir)
        .env("MOTCUA_DEMO_PASSWORD", password)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
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
    (Server { child, dir }, base)
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
    let password = "matkhau-kiem-thu";
    let (_server, base) = start_demo_server(password);
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
}
