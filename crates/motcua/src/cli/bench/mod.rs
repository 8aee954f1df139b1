//! `motcua bench`: how motcua behaves as data grows, on either backend, each figure beside a
//! baseline measured in the same run (these machines are shared and noisy, so ratios travel
//! better than absolute numbers).
//!
//! `motcua bench [--database sqlite|postgres] [--dossiers N] [--quick] [--json]` builds a
//! synthetic province ([`province`]), starts the real `motcua serve` on it, and runs:
//! intake + acceptance vs raw single-row inserts ([`intake`]), public lookup over HTTP vs a
//! static route and the server's footprint ([`http`]), the officer inbox and the period reports
//! ([`queries`]), notifications delivered against the intake rate ([`notify`]), and the
//! working-day calendar. `motcua bench pages` times the main pages on the
//! demo data. `docs/performance.md` holds the figures and what limits each one.

mod http;
mod intake;
mod notify;
mod pages;
mod province;
mod queries;

use anyhow::Context as _;
use std::time::{Duration, Instant};

use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use motcua_store::testing::TestDb;
use serde::Serialize;

use super::{CliResult, runtime};

#[derive(Debug, Args)]
pub struct BenchArgs {
    #[command(subcommand)]
    pub command: Option<BenchCommand>,
    /// sqlite (a file in a temporary directory) or postgres (a throwaway server started with
    /// initdb/pg_ctl and production durability — fsync and synchronous commit on — or the
    /// server at MOTCUA_TEST_POSTGRES_URL).
    #[arg(long, default_value = "sqlite")]
    pub database: String,
    /// Dossiers in the synthetic province (up to 10,000,000).
    #[arg(long, default_value_t = 1_000_000)]
    pub dossiers: usize,
    /// Every scenario at a small scale (20,000 dossiers, short runs): under a minute.
    #[arg(long)]
    pub quick: bool,
    /// Print the figures as JSON on standard output (progress stays on standard error).
    #[arg(long)]
    pub json: bool,
    /// Leave the checklist, fees and step list out of each synthetic dossier's document (about
    /// 0.9 KB instead of 2.3 KB), so that 10,000,000 dossiers fit a small disk. The reports and the
    /// inbox read the same rows either way.
    #[arg(long)]
    pub lean: bool,
    /// Only these scenarios (lookup, queries, intake, notify, calendar; comma-separated), e.g.
    /// to profile one of them. All by default.
    #[arg(long, value_delimiter = ',')]
    pub only: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Server render time and weight of the main pages, on the demo data.
    Pages {
        #[arg(long, default_value_t = 200)]
        requests: usize,
    },
}

/// How long and how much each scenario runs.
#[derive(Debug, Clone, Copy)]
pub struct Scale {
    pub dossiers: usize,
    /// Dossiers taken in each intake run.
    pub intake: usize,
    /// Length of each HTTP load run.
    pub http: Duration,
    /// Repetitions of each query (percentiles) and of each report (median).
    pub queries: usize,
    pub reports: usize,
}

impl Scale {
    fn new(dossiers: usize, quick: bool) -> Scale {
        if quick {
            Scale {
                dossiers: dossiers.min(20_000),
                intake: 1000,
                http: Duration::from_secs(2),
                queries: 50,
                reports: 3,
            }
        } else {
            Scale { dossiers, intake: 2000, http: Duration::from_secs(10), queries: 300, reports: 5 }
        }
    }
}

/// A target from the issue, checked against the figure (or its ratio to the baseline).
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    AtLeast(f64),
    AtMost(f64),
    RatioAtLeast(f64),
}

/// One measured figure.
#[derive(Debug, Clone, Serialize)]
pub struct Figure {
    pub scenario: &'static str,
    pub measure: String,
    pub value: f64,
    pub unit: &'static str,
    /// The same measure of the baseline, measured in the same run.
    pub baseline: Option<f64>,
    pub baseline_name: Option<&'static str>,
    pub target: Option<Target>,
    pub met: Option<bool>,
}

impl Figure {
    pub fn new(scenario: &'static str, measure: impl Into<String>, value: f64, unit: &'static str) -> Figure {
        Figure {
            scenario,
            measure: measure.into(),
            value,
            unit,
            baseline: None,
            baseline_name: None,
            target: None,
            met: None,
        }
    }

    pub fn against(mut self, name: &'static str, baseline: f64) -> Figure {
        self.baseline = Some(baseline);
        self.baseline_name = Some(name);
        self
    }

    pub fn target(mut self, target: Target) -> Figure {
        self.met = Some(match target {
            Target::AtLeast(t) => self.value >= t,
            Target::AtMost(t) => self.value <= t,
            Target::RatioAtLeast(t) => self.ratio().is_some_and(|r| r >= t),
        });
        self.target = Some(target);
        self
    }

    pub fn ratio(&self) -> Option<f64> {
        self.baseline.filter(|b| *b > 0.0).map(|b| self.value / b)
    }
}

#[derive(Debug, Serialize)]
struct Run {
    database: String,
    dossiers: usize,
    quick: bool,
    lean: bool,
    cores: usize,
    /// Size of the database after the load (SQLite: the file; PostgreSQL: the database).
    database_mb: f64,
    load_seconds: f64,
    figures: Vec<Figure>,
}

pub fn run(args: BenchArgs) -> CliResult {
    if let Some(BenchCommand::Pages { requests }) = args.command {
        return runtime()?.block_on(pages::pages(requests.max(1)));
    }
    if !matches!(args.database.as_str(), "sqlite" | "postgres") {
        return Err(anyhow::anyhow!(
            "--database \"{}\": dùng sqlite hoặc postgres / use sqlite or postgres",
            args.database
        ));
    }
    if args.dossiers == 0 || args.dossiers > 10_000_000 {
        anyhow::bail!("--dossiers: từ 1 đến 10.000.000 / from 1 to 10,000,000");
    }
    const SCENARIOS: [&str; 5] = ["lookup", "queries", "intake", "notify", "calendar"];
    if let Some(unknown) = args.only.iter().find(|o| !SCENARIOS.contains(&o.as_str())) {
        let names = SCENARIOS.join(", ");
        return Err(anyhow::anyhow!("--only \"{unknown}\": chỉ có {names} / the scenarios are {names}"));
    }
    let scale = Scale::new(args.dossiers, args.quick);
    let run = runtime()?.block_on(province_run(&args.database, scale, args.quick, args.lean, &args.only))?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&run)?);
    } else {
        print_table(&run);
    }
    Ok(())
}

/// A progress bar on standard error (hidden when it is not a terminal).
pub fn bar(len: u64, what: &str) -> ProgressBar {
    let bar = ProgressBar::new(len);
    bar.set_style(
        ProgressStyle::with_template("{msg:<32} [{bar:30}] {human_pos}/{human_len} {per_sec} ETA {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_message(what.to_owned());
    bar
}

/// A spinner for a step without a count.
pub fn spinner(what: &str) -> ProgressBar {
    let s = ProgressBar::new_spinner();
    s.set_message(what.to_owned());
    s.enable_steady_tick(Duration::from_millis(200));
    s
}

async fn province_run(database: &str, scale: Scale, quick: bool, lean: bool, only: &[String]) -> anyhow::Result<Run> {
    let runs = |scenario: &str| only.is_empty() || only.iter().any(|o| o == scenario);
    let db = match database {
        "postgres" => TestDb::postgres_durable().await,
        _ => TestDb::sqlite().await,
    };
    let cal = motcua_calendar::WorkCalendar::vietnam()?;
    let now = cal.to_local(chrono::Utc::now());
    let started = Instant::now();
    let load = bar(scale.dossiers as u64, "synthetic province");
    let province = province::build(db.store.as_ref(), &db.url, scale.dossiers, now, lean, &load).await?;
    let load_seconds = started.elapsed().as_secs_f64();
    let s = spinner("analyze");
    motcua_store::bulk::analyze(&db.url).await?;
    let database_mb = motcua_store::bulk::size_bytes(&db.url).await? as f64 / 1048576.0;
    s.finish_and_clear();
    let mut figures = Vec::new();
    if runs("lookup") {
        figures.extend(http::run(&db.url, &province, scale).await?);
    }
    if runs("queries") {
        figures.extend(queries::run(db.store.as_ref(), &province, scale).await?);
    }
    if runs("intake") {
        figures.extend(intake::run(&db, &province, scale).await?);
    }
    if runs("notify") {
        figures.extend(notify::run(&db, &province, scale).await?);
    }
    if runs("calendar") {
        figures.extend(calendar(&cal, if quick { 2_000_000 } else { 20_000_000 })?);
    }
    Ok(Run {
        database: database.to_owned(),
        dossiers: scale.dossiers,
        quick,
        lean,
        database_mb,
        cores: std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        load_seconds,
        figures,
    })
}

/// Adding working days (weekends, holidays and make-up days from the real calendar) against
/// adding calendar days with chrono, over the same dates and counts.
fn calendar(cal: &motcua_calendar::WorkCalendar, ops: usize) -> anyhow::Result<Vec<Figure>> {
    use std::hint::black_box;
    let base = chrono::NaiveDate::from_ymd_opt(2025, 1, 1).context("date")?;
    let dates: Vec<(chrono::NaiveDate, u32)> =
        (0..1024).map(|i| (base + chrono::Duration::days(i % 700), 1 + (i as u32 * 7) % 30)).collect();
    let s = spinner("calendar");
    let t = Instant::now();
    for i in 0..ops {
        let (d, n) = dates[i % dates.len()];
        black_box(cal.add_working_days(black_box(d), black_box(n))?);
    }
    let working = ops as f64 / t.elapsed().as_secs_f64();
    let t = Instant::now();
    for i in 0..ops {
        let (d, n) = dates[i % dates.len()];
        black_box(black_box(d) + chrono::Duration::days(black_box(n) as i64));
    }
    let plain = ops as f64 / t.elapsed().as_secs_f64();
    s.finish_and_clear();
    Ok(vec![
        Figure::new("calendar", "add working days", working, "ops/s")
            .against("chrono: add calendar days", plain)
            .target(Target::AtLeast(5_000_000.0)),
    ])
}

fn human(value: f64, unit: &str) -> String {
    match unit {
        "ops/s" | "req/s" | "dossiers/s" | "messages/s" if value >= 1e6 => format!("{:.1}M {unit}", value / 1e6),
        "ops/s" | "req/s" | "dossiers/s" | "messages/s" | "messages" => format!("{value:.0} {unit}"),
        "MB" => format!("{value:.1} MB"),
        _ => format!("{value:.2} {unit}"),
    }
}

fn print_table(run: &Run) {
    println!(
        "motcua bench — {} · {} dossiers{}{} · {} cores · province loaded in {:.0} s, {:.0} MB on disk\n",
        run.database,
        motcua_domain::types::thousands(run.dossiers as u64),
        if run.quick { " (quick)" } else { "" },
        if run.lean { " (lean documents)" } else { "" },
        run.cores,
        run.load_seconds,
        run.database_mb
    );
    println!("{:<10} {:<44} {:>18} {:>18} {:>7}  target", "scenario", "measure", "value", "baseline", "ratio");
    for f in &run.figures {
        let baseline = f.baseline.map(|b| human(b, f.unit)).unwrap_or_default();
        let ratio = f.ratio().map(|r| format!("{r:.2}")).unwrap_or_default();
        let target = match (f.target, f.met) {
            (Some(Target::AtLeast(t)), Some(m)) => format!("≥ {} {}", human(t, f.unit), if m { "✓" } else { "✗" }),
            (Some(Target::AtMost(t)), Some(m)) => format!("≤ {} {}", human(t, f.unit), if m { "✓" } else { "✗" }),
            (Some(Target::RatioAtLeast(t)), Some(m)) => format!("ratio ≥ {t} {}", if m { "✓" } else { "✗" }),
            _ => String::new(),
        };
        println!(
            "{:<10} {:<44} {:>18} {:>18} {:>7}  {target}",
            f.scenario,
            f.measure,
            human(f.value, f.unit),
            baseline,
            ratio
        );
        if let Some(name) = f.baseline_name {
            println!("{:<10}   baseline: {name}", "");
        }
    }
}
