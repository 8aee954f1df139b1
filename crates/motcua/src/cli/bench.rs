//! `motcua bench accept --backend sqlite|postgres --clients 16 --dossiers 2000`: how many
//! dossiers per second the API takes at the counter (intake + acceptance: code allocation, due
//! date, event and outbox rows), with concurrent clients, on a fresh database. The requests go
//! through the whole axum application in-process (no socket), so the figure is the
//! application's and the database's, not the network's.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use clap::{Args, Subcommand};
use motcua_store::ApiToken;
use motcua_store::testing::{Fixture, TestDb};
use motcua_web::clock::SystemClock;
use motcua_web::extract::token_hash;
use motcua_web::files::FileStore;
use motcua_web::{AppState, WebConfig, app};
use tower::ServiceExt;
use uuid::Uuid;

use super::{CliResult, runtime};

#[derive(Debug, Args)]
pub struct BenchArgs {
    #[command(subcommand)]
    pub command: BenchCommand,
}

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Counter intake and acceptance through the API.
    Accept {
        /// sqlite or postgres (a throwaway server, or MOTCUA_TEST_POSTGRES_URL).
        #[arg(long, default_value = "sqlite")]
        backend: String,
        #[arg(long, default_value_t = 16)]
        clients: usize,
        #[arg(long, default_value_t = 2000)]
        dossiers: usize,
    },
    /// Server render time and weight of the main pages, on the demo data.
    Pages {
        #[arg(long, default_value_t = 200)]
        requests: usize,
    },
    /// Biểu 06 (a month, a year) and the Decision 766 index over N synthetic dossiers.
    Report {
        #[arg(long, default_value = "sqlite")]
        backend: String,
        #[arg(long, default_value_t = 1_000_000)]
        dossiers: usize,
        /// Runs of each measurement (the median is shown).
        #[arg(long, default_value_t = 5)]
        runs: usize,
    },
}

pub fn run(args: BenchArgs) -> CliResult {
    match args.command {
        BenchCommand::Accept { backend, clients, dossiers } => {
            if !matches!(backend.as_str(), "sqlite" | "postgres") {
                return Err(format!("backend \"{backend}\": dùng sqlite hoặc postgres"));
            }
            runtime()?.block_on(accept(backend, clients.max(1), dossiers.max(1)))
        }
        BenchCommand::Pages { requests } => runtime()?.block_on(pages(requests.max(1))),
        BenchCommand::Report { backend, dossiers, runs } => {
            if !matches!(backend.as_str(), "sqlite" | "postgres") {
                return Err(format!("backend \"{backend}\": dùng sqlite hoặc postgres"));
            }
            runtime()?.block_on(report(backend, dossiers.max(1), runs.max(1)))
        }
    }
}

/// `count` dossier facts spread over 2025–2026: channels 60 % counter, 35 % online, 5 % post;
/// ten fields, four units; 8 % asked once for a supplement, 1 % twice; about 10 % finished
/// late; those received in the last 40 days still open. Deterministic (a fixed LCG).
pub fn synthetic_facts(agency_id: Uuid, count: usize) -> Vec<motcua_domain::dossier::DossierFacts> {
    use chrono::{Duration as D, NaiveDate};
    use motcua_domain::catalog::Channel;
    use motcua_domain::dossier::{DossierFacts, State};
    let fields = [
        "Đất đai",
        "Môi trường",
        "Tài nguyên nước",
        "Khoáng sản",
        "Đo đạc bản đồ",
        "Biển và hải đảo",
        "Khí tượng thủy văn",
        "Nông nghiệp",
        "Thủy lợi",
        "Lâm nghiệp",
    ];
    let units = ["DD", "MT", "TN", "VP"];
    let start = NaiveDate::from_ymd_opt(2025, 1, 1).expect("date").and_hms_opt(8, 0, 0).expect("time");
    let span_minutes = 730 * 24 * 60;
    let last_open = start + D::days(730 - 40);
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move |n: u64| {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (seed >> 33) % n
    };
    (0..count)
        .map(|i| {
            let received = start + D::minutes(next(span_minutes) as i64);
            let due = (received + D::days(10 + next(20) as i64)).date().and_hms_opt(0, 0, 0).expect("midnight");
            let roll = next(100);
            let channel = match roll {
                0..60 => Channel::Counter,
                60..95 => Channel::Online,
                _ => Channel::Postal,
            };
            let asks = match next(100) {
                0..1 => 2,
                1..9 => 1,
                _ => 0,
            };
            let supplements =
                (0..asks).map(|k| (received + D::days(2 + 3 * k), Some(received + D::days(4 + 3 * k)))).collect();
            let finished = (received < last_open).then(|| {
                let late = next(100) < 10;
                if late { due + D::days(1 + next(10) as i64) } else { due - D::hours(1 + next(200) as i64) }
            });
            DossierFacts {
                dossier_id: Uuid::now_v7(),
                agency_id,
                code: Some(format!("SYN-{i:08}")),
                procedure_code: format!("1.{:06}", next(60)),
                field: fields[next(fields.len() as u64) as usize].to_owned(),
                unit: Some(units[next(units.len() as u64) as usize].to_owned()),
                channel,
                state: if finished.is_some() { State::Returned } else { State::Processing },
                received_at: Some(received),
                due_at: Some(due),
                finished_at: finished,
                supplements,
                reappointed: false,
                fees: 0,
                result_electronic: next(2) == 0,
                documents_digitised: channel == Channel::Online || next(3) == 0,
                returned_online: channel == Channel::Online && next(2) == 0,
                steps: vec![],
            }
        })
        .collect()
}

/// `motcua bench report`: Biểu 06 for one month and one year, and the Decision 766 index for one
/// month, over `dossiers` synthetic dossiers on a fresh database; the database read and the
/// computation together, as the report page does them.
async fn report(backend: String, dossiers: usize, runs: usize) -> CliResult {
    use motcua_quality::Period;
    use motcua_quality::index766::{self, CatalogCounts, Config};
    use motcua_quality::report06;
    let err = |e: motcua_store::StoreError| e.to_string();
    let db = TestDb::by_name(&backend).await;
    let fx = Fixture::seed(db.store.as_ref()).await;
    let started = Instant::now();
    let facts = synthetic_facts(fx.agency.id, dossiers);
    for (i, chunk) in facts.chunks(100_000).enumerate() {
        motcua_store::testing::load_facts_for_benchmark(&db.url, fx.procedure.procedure_id, chunk)
            .await
            .map_err(err)?;
        eprintln!("loaded {} of {dossiers}", (i * 100_000 + chunk.len()).min(dossiers));
    }
    drop(facts);
    println!("backend: {backend}, dossiers: {dossiers}, loaded in {:.0} s", started.elapsed().as_secs_f64());
    let store = db.store.clone();
    let agency = fx.agency.id;
    let median = |mut v: Vec<Duration>| {
        v.sort();
        v[v.len() / 2].as_secs_f64() * 1000.0
    };
    for (what, period) in [("Biểu 06, one month (2026-03)", "2026-03"), ("Biểu 06, one year (2026)", "2026")] {
        let period = Period::parse(period).ok_or("period")?;
        let w = period.report_window();
        let mut times = Vec::new();
        let mut received = 0;
        for _ in 0..runs {
            let t = Instant::now();
            let r = motcua_notify::reports::bieu06(store.as_ref(), &[agency], &w).await.map_err(err)?;
            times.push(t.elapsed());
            received = r.total.get(report06::Column::Received);
        }
        let t = Instant::now();
        let late = store
            .report06_facts(&[agency], (w.start(), w.end()), &["late", "overdue"], (None, None), 500)
            .await
            .map_err(err)?;
        let late_ms = t.elapsed().as_secs_f64() * 1000.0;
        println!(
            "{what:<40} {:>9.1} ms  ({received} dossiers in the report; the first {} late ones listed in {late_ms:.0} ms)",
            median(times),
            late.len()
        );
    }
    let period = Period::parse("2026-03").ok_or("period")?;
    let w = period.calendar();
    let mut times = Vec::new();
    let mut received = 0;
    for _ in 0..runs {
        let t = Instant::now();
        let facts = store.facts(&[agency], w.start(), w.end(), true).await.map_err(err)?;
        let evaluations = store
            .evaluations(&[agency], w.start(), w.end(), true)
            .await
            .map_err(err)?
            .into_iter()
            .map(|e| (e.dossier_id, e.overall))
            .collect();
        let index = index766::compute(&Config::builtin(), &facts, w.end(), CatalogCounts::default(), &evaluations);
        times.push(t.elapsed());
        received = facts.len();
        let _ = index.points;
    }
    println!("{:<40} {:>9.1} ms  ({received} dossiers received)", "Decision 766 index, one month", median(times));
    Ok(())
}

async fn accept(backend: String, clients: usize, dossiers: usize) -> CliResult {
    let db = TestDb::by_name(&backend).await;
    let fx = Fixture::seed(db.store.as_ref()).await;
    let token = format!("bench-{}", Uuid::new_v4());
    db.store
        .insert_token(&ApiToken {
            id: Uuid::now_v7(),
            agency_id: None,
            user_id: fx.reception.user_id,
            token_hash: token_hash(&token),
            name: "bench".into(),
        })
        .await
        .map_err(|e| e.to_string())?;
    let files = std::env::temp_dir().join(format!("motcua-bench-{}", Uuid::new_v4()));
    let state = AppState::new(db.store.clone(), FileStore::new(&files), Arc::new(SystemClock), WebConfig::default())
        .map_err(|e| e.to_string())?;
    let router = app(state);
    let body = serde_json::json!({
        "procedure_code": "1.004227",
        "channel": "counter",
        "applicant": {"name": "Nguyễn Văn An", "citizen_id": "056090001234", "phone": "0905123456", "address": "Nha Trang"}
    })
    .to_string();
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (router, body, token, next) = (router.clone(), body.clone(), token.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            while next.fetch_add(1, Ordering::Relaxed) < dossiers {
                let req = Request::post("/api/v1/dossiers")
                    .header("authorization", format!("Bearer {token}"))
                    .header("content-type", "application/json")
                    .body(Body::from(body.clone()))
                    .expect("request");
                let t = Instant::now();
                let res = router.clone().oneshot(req).await.expect("infallible");
                if res.status() != StatusCode::CREATED {
                    return Err(format!("HTTP {}", res.status()));
                }
                latencies.push(t.elapsed());
            }
            Ok(latencies)
        }));
    }
    let mut latencies: Vec<Duration> = Vec::new();
    for t in tasks {
        latencies.extend(t.await.map_err(|e| e.to_string())??);
    }
    let elapsed = started.elapsed();
    latencies.sort();
    let pct = |p: f64| latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)];
    let codes =
        db.store.next_sequence(fx.agency.id, chrono::Utc::now().date_naive()).await.map_err(|e| e.to_string())?;
    println!("backend: {backend}, clients: {clients}, dossiers: {}", latencies.len());
    println!("accepted per second: {:.0}", latencies.len() as f64 / elapsed.as_secs_f64());
    println!("latency p50 {:.1} ms, p99 {:.1} ms", pct(0.5).as_secs_f64() * 1000.0, pct(0.99).as_secs_f64() * 1000.0);
    println!("codes allocated today (incl. this check): {codes}");
    let _ = std::fs::remove_dir_all(files);
    Ok(())
}

/// `motcua bench pages`: server render time and weight of each main page, on the demo data.
pub async fn pages(requests: usize) -> CliResult {
    use http_body_util::BodyExt;
    let db = TestDb::sqlite().await;
    let files_dir = std::env::temp_dir().join(format!("motcua-bench-pages-{}", Uuid::new_v4()));
    let files = FileStore::new(&files_dir);
    let cal = motcua_calendar::WorkCalendar::vietnam().map_err(|e| e.to_string())?;
    let now = cal.to_local(chrono::Utc::now());
    crate::demo::load(db.store.clone(), &files, now, Some("bench-password".into()), 300).await?;
    let store = db.store.clone();
    let reception = store.user_by_username("tiepnhan").await.map_err(|e| e.to_string())?.ok_or("demo user")?;
    let citizen = store.user_by_username("congdan").await.map_err(|e| e.to_string())?.ok_or("demo user")?;
    let session = |user: Uuid| {
        let store = store.clone();
        async move {
            let token = format!("bench-{}", Uuid::new_v4());
            store.insert_session(&token_hash(&token), user, now + chrono::Duration::hours(1)).await.map(|_| token)
        }
    };
    let officer_cookie = format!("motcua_session={}", session(reception.id).await.map_err(|e| e.to_string())?);
    let citizen_cookie = format!("motcua_session={}", session(citizen.id).await.map_err(|e| e.to_string())?);
    let scope = motcua_store::DossierFilter {
        agencies: store.agencies().await.map_err(|e| e.to_string())?.iter().map(|a| a.id).collect(),
        state: Some(motcua_domain::dossier::State::Processing),
        page: 1,
        page_size: 1,
        ..Default::default()
    };
    let d = store.list_dossiers(&scope).await.map_err(|e| e.to_string())?.items.pop().ok_or("a demo dossier")?;
    let code = d.code.as_ref().map(|c| c.to_string()).unwrap_or_default();
    let state = AppState::new(
        store.clone(),
        files,
        Arc::new(SystemClock),
        WebConfig { public_requests_per_minute: u32::MAX, ..Default::default() },
    )
    .map_err(|e| e.to_string())?;
    let router = app(state);
    let css = router
        .clone()
        .oneshot(Request::get("/static/app.css").body(Body::empty()).expect("request"))
        .await
        .expect("infallible");
    let css_bytes = css.into_body().collect().await.map_err(|e| e.to_string())?.to_bytes().len();
    let pages: Vec<(String, Option<&String>)> = vec![
        ("/".into(), None),
        ("/procedures?q=dat%20dai".into(), None),
        (format!("/procedures/{}", d.procedure_code), None),
        (format!("/lookup?code={code}&phone_last4={}", d.phone_last4()), None),
        ("/kiosk?mode=procedures&q=nuoc".into(), None),
        ("/my".into(), Some(&citizen_cookie)),
        ("/office".into(), Some(&officer_cookie)),
        ("/office/dossiers?view=all".into(), Some(&officer_cookie)),
        (format!("/office/dossiers/{}", d.id), Some(&officer_cookie)),
        (format!("/office/dossiers/{}/receipt", d.id), Some(&officer_cookie)),
    ];
    println!("{:<60} {:>9} {:>9} {:>10}", "page (demo data, 300 dossiers)", "mean ms", "p95 ms", "KB+css");
    for (path, cookie) in pages {
        let mut times = Vec::with_capacity(requests);
        let mut bytes = 0;
        for _ in 0..requests {
            let mut req = Request::get(path.as_str());
            if let Some(c) = cookie {
                req = req.header("cookie", c.as_str());
            }
            let t = Instant::now();
            let res = router.clone().oneshot(req.body(Body::empty()).expect("request")).await.expect("infallible");
            let status = res.status();
            let body = res.into_body().collect().await.map_err(|e| e.to_string())?.to_bytes();
            times.push(t.elapsed());
            if status != StatusCode::OK {
                return Err(format!("{path}: HTTP {status}"));
            }
            bytes = body.len();
        }
        times.sort();
        let mean = times.iter().sum::<Duration>().as_secs_f64() * 1000.0 / times.len() as f64;
        let p95 = times[(times.len() * 95 / 100).min(times.len() - 1)].as_secs_f64() * 1000.0;
        println!("{:<60} {:>9.2} {:>9.2} {:>10.1}", path, mean, p95, (bytes + css_bytes) as f64 / 1024.0);
    }
    let _ = std::fs::remove_dir_all(files_dir);
    Ok(())
}
