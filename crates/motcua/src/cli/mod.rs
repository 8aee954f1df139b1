//! The subcommands, one file each, and what they share: loading a calendar.

pub mod audit;
pub mod backup;
#[cfg(feature = "bench")]
pub mod bench;
pub mod calendar;
pub mod catalog;
pub mod config_cmd;
pub mod demo;
pub mod due;
pub mod migrate;
pub mod portal;
pub mod serve;
pub mod worker;

use anyhow::Context as _;
use std::ops::RangeInclusive;
use std::path::PathBuf;

use motcua_calendar::{CalendarConfig, WorkCalendar};

/// A message for the person at the terminal.
pub type CliResult = anyhow::Result<()>;

/// Builds the calendar of `--calendar FILE` (or the national default) covering at least `years`.
pub fn load_calendar(file: Option<&PathBuf>, years: RangeInclusive<i32>) -> anyhow::Result<WorkCalendar> {
    let mut config = match file {
        Some(path) => {
            let text = std::fs::read_to_string(path).with_context(|| format!("không đọc được {}", path.display()))?;
            CalendarConfig::from_toml(&path.display().to_string(), &text)?
        }
        None => CalendarConfig::default(),
    };
    let first = (*config.years.start()).min(*years.start());
    let last = (*config.years.end()).max(*years.end());
    config.years = first..=last;
    WorkCalendar::new(config).map_err(anyhow::Error::from)
}

/// The async runtime for the commands that talk to the database.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(anyhow::Error::from)
}

/// Opens and migrates the configured store: the backend is chosen here, once, from the URL.
pub async fn open_store(config: &crate::config::Config) -> anyhow::Result<std::sync::Arc<dyn motcua_store::Store>> {
    let store = motcua_store::connect(&config.database.url).await?;
    store.migrate().await.context("migrate")?;
    Ok(store)
}
