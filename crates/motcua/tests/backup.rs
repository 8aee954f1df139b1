//! A backup taken while dossiers are being taken at the counter restores elsewhere: `motcua
//! backup` copies the live SQLite database (at one instant) and the file store, `motcua restore`
//! puts them in another place, and the restored service has every dossier the backup saw, each
//! with its history, and every file, and its hash chains verify; restoring over an existing
//! database needs `--force`. The worker also backs up by itself (`[backup]`): on its schedule,
//! once whichever worker comes first, keeping the newest few.

use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use motcua_app::files::FileStore;
use motcua_store::testing::{Fixture, TestDb, at};
use motcua_store::{DossierFilter, Store};

async fn count(store: &dyn Store, fx: &Fixture) -> i64 {
    let f = DossierFilter { agencies: vec![fx.agency.id], page: 1, page_size: 1, ..Default::default() };
    store.list_dossiers(&f).await.unwrap().total
}

/// The counter taking dossiers, one after another, until stopped.
struct Counter {
    running: Arc<AtomicBool>,
    taken: Arc<AtomicUsize>,
    taker: tokio::task::JoinHandle<()>,
}

impl Counter {
    /// Starts taking dossiers; returns once a few are taken.
    async fn start(db: &TestDb, fx: &Fixture) -> Counter {
        let (running, taken) = (Arc::new(AtomicBool::new(true)), Arc::new(AtomicUsize::new(0)));
        let taker = {
            let (store, fx, running, taken) = (db.store.clone(), fx.clone(), running.clone(), taken.clone());
            tokio::spawn(async move {
                while running.load(Ordering::SeqCst) {
                    fx.accepted_dossier(store.as_ref(), at(2026, 3, 2, 9, 0), "0905123456", None).await;
                    taken.fetch_add(1, Ordering::SeqCst);
                }
            })
        };
        while taken.load(Ordering::SeqCst) < 5 {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        Counter { running, taken, taker }
    }

    /// Stops after the dossier under way; how many were taken.
    async fn stop(self) -> usize {
        self.running.store(false, Ordering::SeqCst);
        self.taker.await.unwrap();
        self.taken.load(Ordering::SeqCst)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_backup_taken_during_intake_restores_with_its_dossiers_and_files() {
    let db = TestDb::sqlite().await;
    let fx = Fixture::seed(db.store.as_ref()).await;
    let dir = std::env::temp_dir().join(format!("motcua-backup-{}", uuid::Uuid::new_v4()));
    let files_dir = dir.join("files");
    let scan = b"%PDF-1.4\n% Don dang ky bien dong\n%%EOF\n".to_vec();
    let sha = FileStore::new(&files_dir).put(&scan).await.unwrap();
    // The counter keeps taking dossiers while the backup runs.
    let counter = Counter::start(&db, &fx).await;
    let before = count(db.store.as_ref(), &fx).await;
    let motcua = |args: &[&str], url: &str, files: &std::path::Path| {
        Command::new(env!("CARGO_BIN_EXE_motcua"))
            .args(args)
            .env("MOTCUA_DATABASE__URL", url)
            .env("MOTCUA_FILES__DIR", files)
            .env("RUST_LOG", "warn")
            .output()
            .unwrap()
    };
    // The record sealed meanwhile: the restored chains verify.
    let out = motcua(&["audit", "seal"], &db.url, &files_dir);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let backup = dir.join("sao-luu");
    let out = motcua(&["backup", "--to", backup.to_str().unwrap()], &db.url, &files_dir);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let after = count(db.store.as_ref(), &fx).await;
    assert!(counter.stop().await > 5, "dossiers were taken during the backup");
    // A second backup into the same directory is refused: nothing is overwritten.
    let out = motcua(&["backup", "--to", backup.to_str().unwrap()], &db.url, &files_dir);
    assert!(!out.status.success());
    // Restored elsewhere.
    let restored_url = format!("sqlite://{}", dir.join("phuc-hoi").join("motcua.db").display());
    let restored_files = dir.join("phuc-hoi").join("files");
    let out = motcua(&["restore", "--from", backup.to_str().unwrap()], &restored_url, &restored_files);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let restored = motcua_store::connect(&restored_url).await.unwrap();
    assert!(restored.ready().await.unwrap());
    let n = count(restored.as_ref(), &fx).await;
    assert!(before <= n && n <= after, "the database at one instant of the backup: {before} ≤ {n} ≤ {after}");
    let f = DossierFilter { agencies: vec![fx.agency.id], page: 1, page_size: 500, ..Default::default() };
    for d in restored.list_dossiers(&f).await.unwrap().items {
        assert!(!restored.events(d.agency_id, d.id).await.unwrap().is_empty(), "{} has its history", d.id);
    }
    assert_eq!(FileStore::new(&restored_files).get(&sha).await.unwrap(), scan);
    restored.close().await;
    let out = motcua(&["audit", "verify"], &restored_url, &restored_files);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    assert!(String::from_utf8_lossy(&out.stdout).contains("000.00.17.H34 events:"));
    // Restoring over a database needs --force.
    let out = motcua(&["restore", "--from", backup.to_str().unwrap()], &restored_url, &restored_files);
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("--force"));
    let out = motcua(&["restore", "--from", backup.to_str().unwrap(), "--force"], &restored_url, &restored_files);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_worker_backs_up_on_its_schedule_and_keeps_the_newest() {
    let db = TestDb::sqlite().await;
    let fx = Fixture::seed(db.store.as_ref()).await;
    fx.accepted_dossier(db.store.as_ref(), at(2026, 3, 2, 9, 0), "0905123456", None).await;
    let dir = std::env::temp_dir().join(format!("motcua-scheduled-{}", uuid::Uuid::new_v4()));
    let backups = dir.join("sao-luu");
    // Three earlier backups, and an unfinished one (no manifest), which is left alone.
    for name in ["2026-01-01-0000", "2026-01-02-0000", "2026-01-03-0000"] {
        std::fs::create_dir_all(backups.join(name)).unwrap();
        std::fs::write(backups.join(name).join("manifest.json"), "{}").unwrap();
    }
    std::fs::create_dir_all(backups.join("2026-01-04-0000")).unwrap();
    let worker = |n: usize| {
        Command::new(env!("CARGO_BIN_EXE_motcua"))
            .arg("worker")
            .env("MOTCUA_DATABASE__URL", &db.url)
            .env("MOTCUA_FILES__DIR", dir.join("files"))
            .env("MOTCUA_BACKUP__DIR", &backups)
            .env("MOTCUA_BACKUP__EVERY_HOURS", "6")
            .env("MOTCUA_BACKUP__KEEP", "2")
            .env("MOTCUA_NOTIFY__INTERVAL_SECONDS", "1")
            .env("MOTCUA_NOTIFY__DIGEST_TIME", "")
            .env("RUST_LOG", format!("warn,motcua={}", if n == 0 { "info" } else { "warn" }))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap()
    };
    // Two workers at once: one backup for the slot.
    let mut workers = [worker(0), worker(1)];
    let finished = |p: &std::path::Path| p.join("manifest.json").is_file() && p.join("motcua.db").is_file();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let made = loop {
        let mut new: Vec<_> = std::fs::read_dir(&backups)
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| !p.file_name().unwrap().to_string_lossy().starts_with("2026-01-"))
            .collect();
        if new.len() == 1 && finished(&new[0]) {
            break new.remove(0);
        }
        assert!(std::time::Instant::now() < deadline, "no backup within 30 s: {new:?}");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    for w in &mut workers {
        let _ = Command::new("kill").args(["-TERM", &w.id().to_string()]).status();
        assert!(w.wait().unwrap().success());
    }
    let mut left: Vec<String> =
        std::fs::read_dir(&backups).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    left.sort();
    let made_name = made.file_name().unwrap().to_string_lossy().into_owned();
    assert_eq!(
        left,
        vec!["2026-01-03-0000".to_owned(), "2026-01-04-0000".to_owned(), made_name],
        "the newest two finished, and the unfinished one"
    );
    // The backup restores: a database with the dossier.
    let copy = motcua_store::connect(&format!("sqlite://{}", made.join("motcua.db").display())).await.unwrap();
    assert_eq!(count(copy.as_ref(), &fx).await, 1);
    copy.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// PostgreSQL is backed up with its own tools, as `docs/operations.md` says: `pg_dump -Fc` while
/// the counter keeps taking dossiers, `pg_restore` into an empty database; the restored database
/// is ready, holds the dossiers of one instant each with its history, and its chains verify.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_postgresql_dump_taken_during_intake_restores_with_its_chains() {
    let db = TestDb::postgres().await;
    let fx = Fixture::seed(db.store.as_ref()).await;
    let counter = Counter::start(&db, &fx).await;
    let motcua = |args: &[&str], url: &str| {
        Command::new(env!("CARGO_BIN_EXE_motcua")).args(args).env("MOTCUA_DATABASE__URL", url).output().unwrap()
    };
    let out = motcua(&["audit", "seal"], &db.url);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let before = count(db.store.as_ref(), &fx).await;
    let dump = std::env::temp_dir().join(format!("motcua-{}.dump", uuid::Uuid::new_v4()));
    let out = Command::new("pg_dump").args(["-Fc", "-f", dump.to_str().unwrap(), &db.url]).output().unwrap();
    assert!(out.status.success(), "pg_dump: {}", String::from_utf8_lossy(&out.stderr));
    let after = count(db.store.as_ref(), &fx).await;
    counter.stop().await;
    let restored = TestDb::postgres_unmigrated().await;
    let out =
        Command::new("pg_restore").args(["--no-owner", "-d", &restored.url, dump.to_str().unwrap()]).output().unwrap();
    assert!(out.status.success(), "pg_restore: {}", String::from_utf8_lossy(&out.stderr));
    let _ = std::fs::remove_file(&dump);
    assert!(restored.store.ready().await.unwrap());
    let n = count(restored.store.as_ref(), &fx).await;
    assert!(before <= n && n <= after, "the database at one instant of the dump: {before} ≤ {n} ≤ {after}");
    let f = DossierFilter { agencies: vec![fx.agency.id], page: 1, page_size: 500, ..Default::default() };
    for d in restored.store.list_dossiers(&f).await.unwrap().items {
        assert!(!restored.store.events(d.agency_id, d.id).await.unwrap().is_empty(), "{} has its history", d.id);
    }
    let out = motcua(&["audit", "verify"], &restored.url);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    // The append-only triggers came back with the schema.
    let pool = sqlx::PgPool::connect(&restored.url).await.unwrap();
    let refused = sqlx::query("delete from dossier_events").execute(&pool).await.unwrap_err().to_string();
    assert!(refused.contains("append-only"), "{refused}");
    pool.close().await;
}
