//! `motcua serve` delivers messages from the outbox through the configured SMS gateway: a
//! dossier accepted through the API reaches the applicant's phone at once — the change wakes the
//! worker, which would otherwise look again only after its five-minute interval.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dossier_accepted_through_the_api_reaches_the_applicant_by_sms() {
    let (gateway, received) = common::sms_gateway().await;

    let dir = std::env::temp_dir().join(format!("motcua-worker-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_motcua"))
        .args(["serve", "--demo", "--bind", "127.0.0.1:0"])
        .current_dir(&dir)
        .env("MOTCUA_DEMO_PASSWORD", "mat-khau-thu")
        .env("MOTCUA_NOTIFY__SMS__KIND", "http")
        .env("MOTCUA_NOTIFY__SMS__URL", &gateway)
        .env("MOTCUA_NOTIFY__INTERVAL_SECONDS", "300")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let base = format!("http://{}", common::address_of(&mut child));

    let run = |args: &[&str]| {
        let out = Command::new("curl").args(["-s", "--fail-with-body"]).args(args).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    let token = run(&[
        "-X",
        "POST",
        &format!("{base}/api/v1/auth/token"),
        "-H",
        "content-type: application/json",
        "-d",
        r#"{"username": "tiepnhan", "password": "mat-khau-thu"}"#,
    ])["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let body = r#"{"procedure_code": "1.013831", "channel": "counter", "applicant": {"name": "Trần Thị Bình",
        "citizen_id": "056190004321", "phone": "0914555678", "address": "5 Lê Lợi, Nha Trang"}}"#;
    let created = run(&[
        "-X",
        "POST",
        &format!("{base}/api/v1/dossiers"),
        "-H",
        "content-type: application/json",
        "-H",
        &format!("authorization: Bearer {token}"),
        "-d",
        body,
    ]);
    let code = created["dossier"]["code"].as_str().unwrap().to_owned();

    let deadline = Instant::now() + Duration::from_secs(20);
    let sms = loop {
        if let Some(m) = received
            .lock()
            .unwrap()
            .iter()
            .find(|b| b.contains("0914555678") && b.contains("da duoc tiep nhan"))
            .cloned()
        {
            break m;
        }
        assert!(Instant::now() < deadline, "no SMS within 20 s: the worker was not woken by the change");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(sms.contains(&code), "{sms}");
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);
}
