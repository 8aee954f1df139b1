//! Upgrades: a database written by the previous release migrates forward and keeps working, on
//! SQLite and PostgreSQL. The fixtures (`tests/fixtures/*.sql`, made with that release's binary
//! by `scripts/upgrade-fixture`) hold a small demo — procedures, dossiers in every state, their
//! messages — and the record sealed by that release. After `motcua migrate` of this build:
//! the database is ready, every dossier and its history read, and `motcua audit verify` passes,
//! so the record's hashes were computed the same way by both releases.

use std::process::Command;

use motcua_store::DossierFilter;
use motcua_store::testing::TestDb;

/// The release before this one, whose fixtures the test loads.
const PREVIOUS: &str = "release-2026-11-30";

fn fixture(backend: &str) -> String {
    let path = format!("{}/tests/fixtures/{PREVIOUS}.{backend}.sql", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

async fn load(db: &TestDb, sql: String) {
    if db.url.starts_with("postgres") {
        let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&pool).await.unwrap();
        pool.close().await;
    } else {
        let path = db.url.strip_prefix("sqlite://").unwrap();
        let options = sqlx::sqlite::SqliteConnectOptions::new().filename(path).create_if_missing(true);
        let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&pool).await.unwrap();
        pool.close().await;
    }
}

fn motcua(db: &TestDb, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_motcua"))
        .args(args)
        .env("MOTCUA_DATABASE__URL", &db.url)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap()
}

async fn the_previous_releases_database_migrates_forward(db: TestDb) {
    load(&db, fixture(if db.url.starts_with("postgres") { "postgres" } else { "sqlite" })).await;
    let store = db.store.as_ref();
    assert!(!store.ready().await.unwrap(), "the previous release's schema lacks this one's migrations");
    let out = motcua(&db, &["migrate"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(store.ready().await.unwrap());
    // Every dossier and its history read with this release's types.
    let agencies = store.agencies().await.unwrap();
    let filter = DossierFilter {
        agencies: agencies.iter().map(|a| a.id).collect(),
        page: 1,
        page_size: 500,
        ..Default::default()
    };
    let dossiers = store.list_dossiers(&filter).await.unwrap().items;
    assert_eq!(dossiers.len(), 49, "the fixture's dossiers (the demo's 24 and the ones it shows off)");
    for d in &dossiers {
        let again = store.dossier(d.agency_id, d.id).await.unwrap().expect("read by id");
        assert!(again.applicant.consent.sms && again.applicant.consent.email, "consent absent means yes");
        assert!(!store.events(d.agency_id, d.id).await.unwrap().is_empty(), "{} has its history", d.id);
    }
    // The record the previous release sealed still verifies, and sealing goes on from it.
    let out = motcua(&db, &["audit", "verify"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    let entry = motcua_store::AuditEntry {
        agency_id: Some(dossiers[0].agency_id),
        actor_id: None,
        action: "dossier_read".into(),
        object: format!("dossier:{}", dossiers[0].id),
        at: motcua_store::testing::at(2026, 11, 30, 12, 0),
        data: serde_json::json!({}),
    };
    store.audit(&entry).await.unwrap();
    let out = motcua(&db, &["audit", "seal"]);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("Đã niêm phong 1 dòng"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let out = motcua(&db, &["audit", "verify"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
}

#[tokio::test]
async fn on_sqlite() {
    the_previous_releases_database_migrates_forward(TestDb::sqlite_unmigrated().await).await;
}

#[tokio::test]
async fn on_postgres() {
    the_previous_releases_database_migrates_forward(TestDb::postgres_unmigrated().await).await;
}
