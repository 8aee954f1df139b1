//! The `motcua` binary as a person at a terminal uses it.

use std::process::{Command, Output};

fn motcua(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_motcua")).args(args).output().expect("the binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

#[test]
fn calendar_json_prints_one_object_per_day_with_kind_name_lunar_date_and_source() {
    let out = motcua(&["calendar", "2026", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 365);
    let tet = lines.iter().find(|v| v["date"] == "2026-02-17").unwrap();
    assert_eq!(tet["weekday"], "Tue");
    assert_eq!(tet["working"], false);
    assert_eq!(tet["kind"], "holiday");
    assert_eq!(tet["name"], "Tết Nguyên đán");
    assert_eq!(tet["lunar"], serde_json::json!({"day": 1, "month": 1, "year": 2026, "leap": false}));
    assert!(tet["source"].as_str().unwrap().contains("9441/TB-BNV"));
    let kind = |date: &str| lines.iter().find(|v| v["date"] == date).unwrap()["kind"].clone();
    assert_eq!(kind("2026-08-22"), "swapped_working");
    assert_eq!(kind("2026-08-31"), "compensatory");
    assert_eq!(kind("2026-08-29"), "weekend");
    assert_eq!(kind("2026-11-26"), "working");
    assert_eq!(lines.iter().filter(|v| v["working"] == true).count(), 249);
}

#[test]
fn calendar_text_shows_the_month_grids_and_lists_each_day_off_with_its_source() {
    let out = motcua(&["calendar", "2026"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("Năm Bính Ngọ (Tết Nguyên đán: Thứ Ba 17/02/2026)"), "{text}");
    assert!(text.contains("Tháng 2/2026"));
    assert!(text.contains(" 16* 17* 18* 19* 20*"), "{text}");
    assert!(text.contains(" 22!"), "the swapped Saturday is marked");
    assert!(text.contains("Thứ Hai 31/08/2026     nghỉ bù        Nghỉ hoán đổi dịp Quốc khánh"), "{text}");
    assert!(text.contains("nguồn: Thông báo 9441/TB-BNV ngày 16/10/2025, Bộ Nội vụ"));
}

#[test]
fn due_prints_the_deadline_and_explains_it() {
    let out = motcua(&["due", "--received", "2026-02-12 09:00", "--limit", "10d"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with("Hạn giải quyết: 24:00 Thứ Năm 05/03/2026"), "{text}");
    assert!(text.contains("gửi chậm nhất: Thứ Tư 04/03/2026"));
    assert!(text.contains("bỏ qua Thứ Ba 17/02/2026 — Tết Nguyên đán (Thông báo 9441/TB-BNV"));

    let swapped = stdout(&motcua(&["due", "--received", "19/08/2026 09:00", "--limit", "5d"]));
    assert!(swapped.starts_with("Hạn giải quyết: 24:00 Thứ Ba 25/08/2026"), "{swapped}");

    let hours = stdout(&motcua(&["due", "--received", "2026-03-06 10:00", "--limit", "8h"]));
    assert!(hours.starts_with("Hạn giải quyết: 10:00 Thứ Hai 09/03/2026"), "{hours}");

    let same_day = stdout(&motcua(&["due", "--received", "2026-03-03 15:20", "--limit", "same-day"]));
    assert!(same_day.starts_with("Hạn giải quyết: 24:00 Thứ Tư 04/03/2026"), "{same_day}");
    assert!(!text.contains("dự kiến"), "2026 has its official schedule");

    // Tết 2028 is not announced yet: the answer says it is an estimate, and so does the calendar.
    let projected = stdout(&motcua(&["due", "--received", "2028-01-20 09:00", "--limit", "10d"]));
    assert!(projected.contains("(dự kiến: năm 2028 chưa có lịch nghỉ chính thức"), "{projected}");
    let year = stdout(&motcua(&["calendar", "2028"]));
    assert!(year.contains("DỰ KIẾN") && year.contains("Tết Nguyên đán (dự kiến)"), "{year}");
    assert!(!stdout(&motcua(&["calendar", "2026"])).contains("dự kiến"));
}

#[test]
fn due_json_carries_the_instant_in_utc_and_the_trace() {
    let out = motcua(&[
        "due",
        "--received",
        "2026-03-09 09:00",
        "--limit",
        "5d",
        "--pause",
        "2026-03-11 10:00..2026-03-16 09:00",
        "--supplement-rule",
        "restart",
        "--json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["due_date"], "2026-03-23");
    assert_eq!(v["due_at_utc"], "2026-03-23T17:00:00Z");
    assert_eq!(v["limit"], "5d");
    assert!(v["trace"].as_array().unwrap().iter().any(|s| s["step"] == "paused"));
}

#[test]
fn bad_input_gets_a_clear_message_and_exit_code_2() {
    let zero = motcua(&["due", "--received", "2026-02-12 09:00", "--limit", "0d"]);
    assert_eq!(zero.status.code(), Some(2));
    assert!(stderr(&zero).contains("phải lớn hơn 0"), "{}", stderr(&zero));

    let bad_time = motcua(&["due", "--received", "hôm qua", "--limit", "1d"]);
    assert_eq!(bad_time.status.code(), Some(2));
    assert!(stderr(&bad_time).contains("thời điểm \"hôm qua\" không hợp lệ"));

    let far = motcua(&["calendar", "2300"]);
    assert_eq!(far.status.code(), Some(2));
    assert!(stderr(&far).contains("ngoài phạm vi 1800–2199"));

    let dir = std::env::temp_dir().join(format!("motcua-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("lich.toml");
    std::fs::write(&file, "name = \"Sở\"\n\n[[day]]\ndate = \"2026-06-05\"\nkind = \"swapped_working\"\nname = \"Làm bù\"\nsource = \"x\"\n").unwrap();
    let out = motcua(&["calendar", "2026", "--calendar", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let message = stderr(&out);
    assert!(message.contains("lich.toml:5: làm bù (swapped_working) phải rơi vào ngày nghỉ hằng tuần"), "{message}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_old_year_prints_with_the_labor_code_rules_of_its_time() {
    let out = motcua(&["calendar", "1985", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    // Vietnamese Tết 1985 was 21 January, a month before China's.
    let tet = text.lines().find(|l| l.contains("\"date\":\"1985-01-21\"")).unwrap();
    assert!(tet.contains("\"lunar\":{\"day\":1,\"month\":1,\"year\":1985,\"leap\":false}"), "{tet}");
    assert!(tet.contains("\"kind\":\"holiday\""), "{tet}");
}

#[test]
fn an_unknown_database_url_is_refused_naming_both_backends() {
    let dir = std::env::temp_dir().join(format!("motcua-cli-url-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_motcua"))
        .arg("migrate")
        .current_dir(&dir)
        .env("MOTCUA_DATABASE__URL", "mysql://root:hunter2@localhost/motcua")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let message = stderr(&out);
    assert!(message.contains("sqlite://") && message.contains("postgres://"), "{message}");
    assert!(!message.contains("hunter2"), "the password leaked: {message}");
    // A configuration file is read, and the environment overrides it.
    std::fs::write(dir.join("motcua.toml"), "[database]\nurl = \"sqlite://./from-file.db\"\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_motcua")).arg("migrate").current_dir(&dir).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(dir.join("from-file.db").exists());
    let out = Command::new(env!("CARGO_BIN_EXE_motcua"))
        .arg("migrate")
        .current_dir(&dir)
        .env("MOTCUA_DATABASE__URL", "sqlite://./from-env.db")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(dir.join("from-env.db").exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Issue 12: an unknown configuration key (a typo) and a missing `--config` file were silently
/// ignored; the service then ran on defaults. Both are now errors that name the problem.
#[test]
fn a_typo_in_the_configuration_or_a_missing_config_file_is_an_error() {
    let dir = std::env::temp_dir().join(format!("motcua-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("motcua.toml");
    std::fs::write(&file, "[limits]\nmax_upload_mbb = 5\n").unwrap();
    let run = |args: &[&str], env: &[(&str, &str)]| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_motcua"));
        c.args(args).current_dir(&dir);
        for (k, v) in env {
            c.env(k, v);
        }
        c.output().unwrap()
    };
    let out = run(&["migrate", "--config", file.to_str().unwrap()], &[]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("max_upload_mbb"), "{}", stderr(&out));
    let out = run(&["migrate", "--config", "khong-co.toml"], &[]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("khong-co.toml"), "{}", stderr(&out));
    std::fs::write(&file, "[limits]\nmax_upload_mb = 5\n").unwrap();
    let out = run(&["migrate", "--config", file.to_str().unwrap()], &[("MOTCUA_SERVER__BINDD", "x")]);
    assert!(stderr(&out).contains("bindd"), "an unknown MOTCUA_SECTION__KEY variable: {}", stderr(&out));
    let out = run(&["migrate", "--config", file.to_str().unwrap()], &[("MOTCUA_DEMO_PASSWORD", "x")]);
    assert!(out.status.success(), "other MOTCUA_ variables are not configuration: {}", stderr(&out));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn config_check_names_what_a_partly_configured_feature_lacks_and_reads_secret_files() {
    let dir = std::env::temp_dir().join(format!("motcua-config-check-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("motcua.toml");
    let secret = dir.join("vnpay-secret");
    std::fs::write(&secret, "BIMAT\n").unwrap();
    let run = |env: &[(&str, &str)]| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_motcua"));
        c.args(["config", "check", "--config", file.to_str().unwrap()]).current_dir(&dir);
        for (k, v) in env {
            c.env(k, v);
        }
        c.output().unwrap()
    };
    // Nothing optional configured: complete.
    std::fs::write(&file, "[database]\nurl = \"sqlite://motcua.db\"\n").unwrap();
    let out = run(&[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Đủ / complete."));
    // A VNPAY merchant without its secret, agency or public address: named, and a failure.
    std::fs::write(&file, "[payments.vnpay]\ntmn_code = \"DEMO0001\"\n").unwrap();
    let out = run(&[]);
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(!out.status.success());
    for key in ["payments.vnpay.agency", "payments.vnpay.hash_secret", "server.public_url"] {
        assert!(stdout.contains(key), "{key}: {stdout}");
    }
    // The secret from a file, the rest from variables: complete; the secret is never printed.
    let env = [
        ("MOTCUA_PAYMENTS__VNPAY__HASH_SECRET_FILE", secret.to_str().unwrap()),
        ("MOTCUA_PAYMENTS__VNPAY__AGENCY", "000.00.17.H34"),
        ("MOTCUA_SERVER__PUBLIC_URL", "https://dvc.example.vn"),
    ];
    let out = run(&env);
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "{stdout} {}", stderr(&out));
    assert!(stdout.contains("payments.vnpay") && !stdout.contains("BIMAT"), "{stdout}");
    let _ = std::fs::remove_dir_all(&dir);
}
