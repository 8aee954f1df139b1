//! What officers and inspectors read as the data grows: a unit's inbox (its overdue and
//! due-soon dossiers, first page, as the office list shows them) and the period reports (Biểu 06
//! for the province, a month and a year; the Decision 766 index of one department for a month),
//! each through the same store calls and computation the pages make.

use anyhow::Context as _;
use std::time::{Duration, Instant};

use motcua_quality::Period;
use motcua_store::{DossierFilter, Store};

use super::province::Province;
use super::{Figure, Scale, Target, spinner};

fn pct(times: &mut [Duration], p: f64) -> f64 {
    times.sort();
    times[((times.len() as f64 * p) as usize).min(times.len() - 1)].as_secs_f64() * 1000.0
}

pub async fn run(store: &dyn Store, province: &Province, scale: Scale) -> anyhow::Result<Vec<Figure>> {
    let cal = motcua_calendar::WorkCalendar::vietnam()?;
    let now = province.now;
    let soon = cal.end_of(cal.add_working_days(now.date(), 2)?);
    let main = province.agencies[0];
    let s = spinner("officer inbox");
    let inbox = DossierFilter {
        agencies: vec![main],
        unit: Some("DD".into()),
        due_before: Some(soon),
        page: 1,
        page_size: 20,
        ..Default::default()
    };
    let mut times = Vec::with_capacity(scale.queries);
    let mut found = 0;
    for _ in 0..scale.queries {
        let t = Instant::now();
        let page = store.list_dossiers(&inbox).await?;
        times.push(t.elapsed());
        found = page.total;
    }
    s.finish_and_clear();
    let mut figures = vec![
        Figure::new("inbox", format!("unit inbox p50 ({found} due soon or late)"), pct(&mut times, 0.5), "ms"),
        Figure::new("inbox", "unit inbox p99", pct(&mut times, 0.99), "ms").target(Target::AtMost(20.0)),
    ];
    let median = |mut v: Vec<Duration>| pct(&mut v, 0.5);
    let last_month = now.date() - chrono::Duration::days(i64::from(chrono::Datelike::day(&now.date())));
    let month = last_month.format("%Y-%m").to_string();
    let year = now.date().format("%Y").to_string();
    for (label, period) in [("Biểu 06, province, month", month.as_str()), ("Biểu 06, province, year", year.as_str())]
    {
        let s = spinner(label);
        let window = Period::parse(period).context("period")?.report_window();
        let mut times = Vec::new();
        let mut counted = 0;
        for _ in 0..scale.reports {
            let t = Instant::now();
            let r = motcua_app::reports::bieu06(store, &province.agencies, &window).await?;
            times.push(t.elapsed());
            counted = r.total.get(motcua_quality::report06::Column::Received);
        }
        s.finish_and_clear();
        let figure = Figure::new("report", format!("{label} {period} ({counted} dossiers)"), median(times), "ms");
        figures.push(if period == month { figure.target(Target::AtMost(1000.0)) } else { figure });
    }
    let s = spinner("Decision 766 index");
    let window = Period::parse(&month).context("period")?.calendar();
    let cal = motcua_calendar::WorkCalendar::vietnam()?;
    let mut times = Vec::new();
    let mut counted = 0;
    for _ in 0..scale.reports {
        let t = Instant::now();
        let index = motcua_app::reports::index766(store, main, window, &cal).await?;
        times.push(t.elapsed());
        counted = index.indicators.iter().find(|i| i.id == "2.1").map_or(0, |i| i.denominator);
        std::hint::black_box(index.points);
    }
    s.finish_and_clear();
    figures.push(Figure::new(
        "report",
        format!("Decision 766, one department, {month} ({counted} dossiers)"),
        median(times),
        "ms",
    ));
    Ok(figures)
}
