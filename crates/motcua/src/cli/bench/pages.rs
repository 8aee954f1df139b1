//! `motcua bench pages`: server render time and weight of each main page, on the demo data. The
//! requests go through the whole axum application in-process (no socket).

use anyhow::Context as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use motcua_app::files::FileStore;
use motcua_store::testing::TestDb;
use motcua_web::clock::SystemClock;
use motcua_web::extract::token_hash;
use motcua_web::{AppState, WebConfig, app};
use tower::ServiceExt;
use uuid::Uuid;

use crate::cli::CliResult;

pub async fn pages(requests: usize) -> CliResult {
    use http_body_util::BodyExt;
    let db = TestDb::sqlite().await;
    let files_dir = std::env::temp_dir().join(format!("motcua-bench-pages-{}", Uuid::new_v4()));
    let files = FileStore::new(&files_dir);
    let cal = motcua_calendar::WorkCalendar::vietnam()?;
    let now = cal.to_local(chrono::Utc::now());
    crate::demo::load(
        db.store.clone(),
        &files,
        now,
        crate::demo::default_seed(now),
        Some("bench-password".into()),
        300,
    )
    .await?;
    let store = db.store.clone();
    let reception = store.user_by_username("tiepnhan").await?.context("demo user")?;
    let citizen = store.user_by_username("congdan").await?.context("demo user")?;
    let session = |user: Uuid| {
        let store = store.clone();
        async move {
            let token = format!("bench-{}", Uuid::new_v4());
            store.insert_session(&token_hash(&token), user, now + chrono::Duration::hours(1)).await.map(|_| token)
        }
    };
    let officer_cookie = format!("motcua_session={}", session(reception.id).await?);
    let citizen_cookie = format!("motcua_session={}", session(citizen.id).await?);
    let scope = motcua_store::DossierFilter {
        agencies: store.agencies().await?.iter().map(|a| a.id).collect(),
        state: Some(motcua_domain::dossier::State::Processing),
        page: 1,
        page_size: 1,
        ..Default::default()
    };
    let d = store.list_dossiers(&scope).await?.items.pop().context("a demo dossier")?;
    let code = d.code.as_ref().map(|c| c.to_string()).unwrap_or_default();
    let state = AppState::new(
        store.clone(),
        files,
        Arc::new(SystemClock),
        WebConfig { public_requests_per_minute: u32::MAX, ..Default::default() },
    )?;
    let router = app(state);
    let css = router
        .clone()
        .oneshot(Request::get("/static/app.css").body(Body::empty()).expect("request"))
        .await
        .expect("infallible");
    let css_bytes = css.into_body().collect().await?.to_bytes().len();
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
            let body = res.into_body().collect().await?.to_bytes();
            times.push(t.elapsed());
            if status != StatusCode::OK {
                return Err(anyhow::anyhow!("{path}: HTTP {status}"));
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
