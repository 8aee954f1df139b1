//! `motcua demo` on each backend: the organisation, the catalog, the users and ~300 dossiers in
//! every state, some late and some re-appointed.

use std::process::Command;

use motcua_domain::dossier::State;
use motcua_store::testing::TestDb;
use motcua_store::{DossierFilter, ProcedureQuery};

/// The demo's "now" and seed: fixed, so the test gives the same answer on any day it runs.
const NOW: &str = "2026-11-27 10:00";
const SEED: &str = "20261127";

async fn demo_on(db: TestDb) {
    let dir = std::env::temp_dir().join(format!("motcua-demo-{}", uuid_like()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_motcua"))
        .args(["demo", "--now", NOW, "--seed", SEED])
        .current_dir(&dir)
        .env("MOTCUA_DATABASE__URL", &db.url)
        .env("MOTCUA_FILES__DIR", dir.join("files"))
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    // Seven accounts with random passwords, shown once.
    for role in ["reception", "specialist", "unit_lead", "agency_lead", "admin", "inspector", "citizen"] {
        assert!(stdout.contains(role), "{stdout}");
    }
    let store = db.store.as_ref();
    let agencies = store.agencies().await.unwrap();
    assert_eq!(agencies.len(), 3);
    let catalog =
        store.search_procedures(&ProcedureQuery { page: 1, page_size: 200, ..Default::default() }).await.unwrap();
    assert!(catalog.total >= 40, "{}", catalog.total);
    let fields: std::collections::BTreeSet<String> = catalog.items.iter().map(|p| p.spec.field.clone()).collect();
    assert_eq!(fields.len(), 7, "{fields:?}");
    let scope = DossierFilter {
        agencies: agencies.iter().map(|a| a.id).collect(),
        page: 1,
        page_size: 200,
        ..Default::default()
    };
    let all = store.list_dossiers(&scope).await.unwrap();
    assert!((295..=330).contains(&all.total), "{}", all.total);
    for state in State::ALL {
        let n = store.list_dossiers(&DossierFilter { state: Some(state), ..scope.clone() }).await.unwrap().total;
        assert!(n > 0, "no demo dossier in state {state:?}");
    }
    let mut late = 0;
    let mut reappointed = 0;
    let (mut finished, mut on_due_day, mut at_the_counter) = (0, 0, 0);
    let cal = motcua_calendar::WorkCalendar::vietnam().unwrap();
    let mut page = 1;
    loop {
        let items = store.list_dossiers(&DossierFilter { page, ..scope.clone() }).await.unwrap().items;
        if items.is_empty() {
            break;
        }
        let now = chrono::NaiveDateTime::parse_from_str(NOW, "%Y-%m-%d %H:%M").unwrap();
        late += items.iter().filter(|d| d.is_overdue(now)).count();
        reappointed += items.iter().filter(|d| d.reappointment.is_some()).count();
        for d in &items {
            // Papers are handed over at the counter or by the post only while the counter is open.
            if d.channel != motcua_domain::catalog::Channel::Online {
                at_the_counter += 1;
                let handed = d.postal.as_ref().map(|p| p.handover_at).unwrap_or(d.submitted_at);
                assert!(cal.in_session(handed).unwrap(), "{:?} received at {handed} (closed)", d.code);
            }
            if let (Some(done), Some(due), true) =
                (d.finished_at, d.due_date, matches!(d.state, State::ResultReady | State::Returned))
            {
                finished += 1;
                on_due_day += usize::from(done.date() == due);
            }
        }
        page += 1;
    }
    assert!(at_the_counter >= 100, "{at_the_counter}");
    // Biểu 06's "đúng hạn" column is not always empty: some are decided on the due day itself.
    assert!(on_due_day * 10 >= finished, "decided on the due day: {on_due_day} of {finished}");
    assert!(late >= 5, "late: {late}");
    assert!(reappointed >= 3, "re-appointed: {reappointed}");
    // A second run refuses to load over existing data.
    let again = Command::new(env!("CARGO_BIN_EXE_motcua"))
        .args(["demo"])
        .current_dir(&dir)
        .env("MOTCUA_DATABASE__URL", &db.url)
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(2));
    let _ = std::fs::remove_dir_all(dir);
}

fn uuid_like() -> String {
    format!("{}-{:?}", std::process::id(), std::thread::current().id()).replace(['(', ')'], "")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_loads_on_sqlite() {
    demo_on(TestDb::sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_loads_on_postgres() {
    demo_on(TestDb::postgres().await).await;
}
