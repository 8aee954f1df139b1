//! A backup taken while dossiers are being taken at the counter restores elsewhere: `motcua
//! backup` copies the live SQLite database (at one instant) and the file store, `motcua restore`
//! puts them in another place, and the restored service has every dossier the backup saw, each
//! with its history, and every file; restoring over an existing database needs `--force`.

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

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_backup_taken_during_intake_restores_with_its_dossiers_and_files() {
    let db = TestDb::sqlite().await;
    let fx = Fixture::seed(db.store.as_ref()).await;
    let dir = std::env::temp_dir().join(format!("motcua-backup-{}", uuid::Uuid::new_v4()));
    let files_dir = dir.join("files");
    let scan = b"%PDF-1.4\n% Don dang ky bien dong\n%%EOF\n".to_vec();
    let sha = FileStore::new(&files_dir).put(&scan).await.unwrap();
    // The counter keeps taking dossiers while the backup runs.
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
    let backup = dir.join("sao-luu");
    let out = motcua(&["backup", "--to", backup.to_str().unwrap()], &db.url, &files_dir);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let after = count(db.store.as_ref(), &fx).await;
    running.store(false, Ordering::SeqCst);
    taker.await.unwrap();
    assert!(taken.load(Ordering::SeqCst) > 5, "dossiers were taken during the backup");
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
    // Restoring over a database needs --force.
    let out = motcua(&["restore", "--from", backup.to_str().unwrap()], &restored_url, &restored_files);
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("--force"));
    let out = motcua(&["restore", "--from", backup.to_str().unwrap(), "--force"], &restored_url, &restored_files);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let _ = std::fs::remove_dir_all(&dir);
}
