//! `motcua demo`: load the demo data into an empty database and print the demo accounts once.

use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;
use motcua_app::files::FileStore;
use motcua_store::Store;

use super::{CliResult, open_store, runtime};
use crate::config::Config;

#[derive(Debug, Args)]
pub struct DemoArgs {
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Số hồ sơ minh họa / number of demo dossiers.
    #[arg(long, default_value_t = 300)]
    pub dossiers: usize,
    /// Thời điểm "bây giờ" của dữ liệu minh họa, giờ Việt Nam / the demo's "now", local time
    /// ("2026-11-27 10:00"); the system clock by default.
    #[arg(long, value_name = "YYYY-MM-DD HH:MM", value_parser = parse_now)]
    pub now: Option<chrono::NaiveDateTime>,
    /// Hạt giống ngẫu nhiên / the random seed; by default one derived from the day.
    #[arg(long)]
    pub seed: Option<u64>,
}

fn parse_now(s: &str) -> Result<chrono::NaiveDateTime, String> {
    chrono::NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%d %H:%M")
        .map_err(|_| format!("\"{s}\": cần dạng \"2026-11-27 10:00\" / expected \"2026-11-27 10:00\""))
}

pub fn run(args: DemoArgs) -> CliResult {
    let config = Config::load(args.config.as_deref())?;
    runtime()?.block_on(async {
        let store = open_store(&config).await?;
        let files = FileStore::new(&config.files.dir);
        if !store.agencies().await?.is_empty() {
            anyhow::bail!("cơ sở dữ liệu đã có dữ liệu; dữ liệu minh họa chỉ nạp vào cơ sở dữ liệu trống");
        }
        load(store, &files, args.dossiers, args.now, args.seed).await
    })
}

/// Loads the demo when the database has no agency yet; says so otherwise.
pub async fn load_if_empty(store: Arc<dyn Store>, files: &FileStore) -> CliResult {
    if store.agencies().await?.is_empty() {
        load(store, files, 300, None, None).await
    } else {
        println!("Cơ sở dữ liệu đã có dữ liệu: không nạp lại dữ liệu minh họa.");
        Ok(())
    }
}

async fn load(
    store: Arc<dyn Store>,
    files: &FileStore,
    dossiers: usize,
    now: Option<chrono::NaiveDateTime>,
    seed: Option<u64>,
) -> CliResult {
    let cal = motcua_calendar::WorkCalendar::vietnam()?;
    let now = now.unwrap_or_else(|| cal.to_local(chrono::Utc::now()));
    let seed = seed.unwrap_or_else(|| crate::demo::default_seed(now));
    let password = std::env::var("MOTCUA_DEMO_PASSWORD").ok().filter(|p| !p.is_empty());
    let credentials = crate::demo::load(store.clone(), files, now, seed, password, dossiers).await?;
    let agencies = store.agencies().await?.len();
    let procedures = crate::demo::procedure_count()?;
    println!("Đã nạp dữ liệu minh họa: {agencies} cơ quan, {procedures} thủ tục, {dossiers} hồ sơ.");
    println!("Tài khoản minh họa (mật khẩu chỉ hiện một lần):");
    for c in credentials {
        println!("  {:<12} {:<12} {}", c.username, c.role, c.password);
    }
    Ok(())
}
