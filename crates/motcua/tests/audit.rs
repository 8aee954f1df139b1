//! The record's hash chains catch what SQL did behind the application's back, on SQLite and
//! PostgreSQL: `motcua audit seal` seals dossier events and audit entries, `motcua audit verify`
//! passes and prints each chain's head; then, with the append-only triggers lifted (as only the
//! database's owner can), an event's data is rewritten, an audit entry deleted, an event
//! inserted with an old date — and `verify` names each, and fails.
//!
//! A chain rewritten whole (links dropped, a row changed, everything sealed again) verifies as
//! sound by itself; the daily anchors an outside party held (`motcua audit anchors`) catch it.

use std::process::{Command, Output};

use motcua_store::testing::{Fixture, TestDb, at};

fn motcua(db: &TestDb, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_motcua")).args(args).env("MOTCUA_DATABASE__URL", &db.url).output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Runs `sql` with the append-only triggers of `table` lifted, as the database's owner could.
async fn behind_the_back(db: &TestDb, table: &str, sql: &str) {
    if db.url.starts_with("postgres") {
        let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
        let sql = format!("alter table {table} disable trigger user; {sql}; alter table {table} enable trigger user");
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&pool).await.unwrap();
        pool.close().await;
    } else {
        let path = db.url.strip_prefix("sqlite://").unwrap();
        let pool =
            sqlx::SqlitePool::connect_with(sqlx::sqlite::SqliteConnectOptions::new().filename(path)).await.unwrap();
        let sql = format!("drop trigger if exists {table}_no_update; drop trigger if exists {table}_no_delete; {sql}");
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&pool).await.unwrap();
        pool.close().await;
    }
}

async fn tampering_is_named_by_audit_verify(db: TestDb) {
    let store = db.store.as_ref();
    let fx = Fixture::seed(store).await;
    let mut dossiers = Vec::new();
    for hour in [9, 11, 14] {
        dossiers.push(fx.accepted_dossier(store, at(2026, 3, 2, hour, 0), "0905123456", None).await);
    }
    for d in &dossiers {
        let entry = motcua_store::AuditEntry {
            agency_id: Some(fx.agency.id),
            actor_id: Some(fx.reception.user_id),
            action: "dossier_read".into(),
            object: format!("dossier:{}", d.id),
            at: at(2026, 3, 2, 10, 0),
            data: serde_json::json!({}),
        };
        store.audit(&entry).await.unwrap();
    }
    let out = motcua(&db, &["audit", "seal"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout(&out).contains("Đã niêm phong"), "{}", stdout(&out));
    let out = motcua(&db, &["audit", "verify", "--agency", "000.00.17.H34"]);
    assert!(out.status.success(), "{}", stdout(&out));
    assert!(stdout(&out).contains("000.00.17.H34 events: ") && stdout(&out).contains("đầu chuỗi"), "{}", stdout(&out));
    // Sealing again adds nothing and verifies the same.
    let heads = stdout(&out);
    assert!(motcua(&db, &["audit", "seal"]).status.success());
    assert_eq!(stdout(&motcua(&db, &["audit", "verify", "--agency", "000.00.17.H34"])), heads);

    let pg = db.url.starts_with("postgres");
    let id = |u: uuid::Uuid| if pg { format!("'{u}'") } else { format!("x'{}'", u.simple()) };
    // An event put in among sealed ones, dated back: named as inserted.
    let source = store.events(fx.agency.id, dossiers[0].id).await.unwrap()[0].id;
    let forged = uuid::Uuid::now_v7();
    let columns = "agency_id, dossier_id, kind, from_state, to_state, actor_id, at, data";
    let sql = format!(
        "insert into dossier_events (id, {columns}) select {}, {columns} from dossier_events where id = {}",
        id(forged),
        id(source)
    );
    behind_the_back(&db, "dossier_events", &sql).await;
    let report = stdout(&motcua(&db, &["audit", "verify"]));
    assert!(report.contains("chèn thêm") && report.contains(&forged.to_string()), "{report}");
    // A recorded event's data rewritten by SQL: named as altered, and a failure.
    let target = store.events(fx.agency.id, dossiers[1].id).await.unwrap().last().unwrap().id;
    let sql = format!("update dossier_events set data = data || ' ' where id = {}", id(target));
    behind_the_back(&db, "dossier_events", &sql).await;
    let out = motcua(&db, &["audit", "verify"]);
    assert!(!out.status.success());
    let report = stdout(&out);
    assert!(report.contains("events: SAI / TAMPERED") && report.contains(&target.to_string()), "{report}");
    assert!(report.contains("đã bị sửa"), "{report}");
    // An audit entry deleted: named as removed.
    let sql = format!("delete from audit_log where object = 'dossier:{}'", dossiers[2].id);
    behind_the_back(&db, "audit_log", &sql).await;
    let report = stdout(&motcua(&db, &["audit", "verify"]));
    assert!(report.contains("audit: SAI / TAMPERED") && report.contains("đã bị xóa"), "{report}");
}

async fn held_anchors_catch_a_chain_rewritten_whole(db: TestDb) {
    let store = db.store.as_ref();
    let fx = Fixture::seed(store).await;
    let agency = fx.agency.id;
    let mut dossiers = Vec::new();
    for day in [2, 3] {
        for hour in [9, 14] {
            dossiers.push(fx.accepted_dossier(store, at(2026, 3, day, hour, 0), "0905123456", None).await);
        }
        // The worker seals each afternoon.
        motcua_app::evidence::seal(store, agency, at(2026, 3, day, 16, 0)).await.unwrap();
    }
    let out =
        motcua(&db, &["audit", "anchors", "--agency", "000.00.17.H34", "--from", "01/03/2026", "--to", "03/03/2026"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let csv = stdout(&out);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "co_quan,ngay,chuoi,mat_xich,ma_bam");
    // Nothing sealed by the end of 01/03; each accepted dossier is one event.
    assert!(lines[1].starts_with("000.00.17.H34,02/03/2026,events,2,"), "{csv}");
    assert!(lines[2].starts_with("000.00.17.H34,03/03/2026,events,4,"), "{csv}");
    assert_eq!(lines.len(), 3, "{csv}");
    let held = std::env::temp_dir().join(format!("motcua-anchors-{}.csv", uuid::Uuid::new_v4()));
    std::fs::write(&held, &csv).unwrap();
    let held_arg = held.to_str().unwrap();
    let out = motcua(&db, &["audit", "verify", "--agency", "000.00.17.H34", "--anchors", held_arg]);
    assert!(out.status.success(), "{}", stdout(&out));
    assert!(stdout(&out).contains("Đã đối chiếu 2 neo"), "{}", stdout(&out));

    // Someone able to lift every trigger changes the first day's event and seals it all again.
    let pg = db.url.starts_with("postgres");
    let id = |u: uuid::Uuid| if pg { format!("'{u}'") } else { format!("x'{}'", u.simple()) };
    let target = store.events(agency, dossiers[0].id).await.unwrap()[0].id;
    behind_the_back(&db, "chain_links", &format!("delete from chain_links where agency_id = {}", id(agency))).await;
    let sql = format!("update dossier_events set data = data || ' ' where id = {}", id(target));
    behind_the_back(&db, "dossier_events", &sql).await;
    motcua_app::evidence::seal(store, agency, at(2026, 3, 4, 16, 0)).await.unwrap();
    // The chain is sound by itself…
    let out = motcua(&db, &["audit", "verify", "--agency", "000.00.17.H34"]);
    assert!(out.status.success(), "{}", stdout(&out));
    // …but no longer passes through the anchors held.
    let out = motcua(&db, &["audit", "verify", "--agency", "000.00.17.H34", "--anchors", held_arg]);
    assert!(!out.status.success(), "{}", stdout(&out));
    let report = stdout(&out);
    assert!(report.contains("02/03/2026 events: mắt xích 2 khác neo đã giữ"), "{report}");
    // An unreadable file of anchors is an error naming its line, not a pass.
    std::fs::write(&held, "co_quan,ngay,chuoi,mat_xich,ma_bam\n000.00.17.H34,02/03/2026,events,2,xyz\n").unwrap();
    let out = motcua(&db, &["audit", "verify", "--anchors", held_arg]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("dòng 2"), "{}", String::from_utf8_lossy(&out.stderr));
    let _ = std::fs::remove_file(&held);
}

#[tokio::test]
async fn on_sqlite() {
    tampering_is_named_by_audit_verify(TestDb::sqlite().await).await;
}

#[tokio::test]
async fn anchors_on_sqlite() {
    held_anchors_catch_a_chain_rewritten_whole(TestDb::sqlite().await).await;
}

#[tokio::test]
async fn anchors_on_postgres() {
    held_anchors_catch_a_chain_rewritten_whole(TestDb::postgres().await).await;
}

#[tokio::test]
async fn on_postgres() {
    tampering_is_named_by_audit_verify(TestDb::postgres().await).await;
}
