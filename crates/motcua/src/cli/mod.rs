//! The subcommands, one file each, and what they share: loading a calendar.

pub mod calendar;
pub mod due;

use std::ops::RangeInclusive;
use std::path::PathBuf;

use motcua_calendar::{CalendarConfig, WorkCalendar};

/// A message for the person at the terminal.
pub type CliResult = Result<(), String>;

/// Builds the calendar of `--calendar FILE` (or the national default) covering at least `years`.
pub fn load_calendar(file: Option<&PathBuf>, years: RangeInclusive<i32>) -> Result<WorkCalendar, String> {
    let mut config = match file {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| format!("không đọc được {}: {e}", path.display()))?;
            CalendarConfig::from_toml(&path.display().to_string(), &text).map_err(|e| e.to_string())?
        }
        None => CalendarConfig::default(),
    };
    let first = (*config.years.start()).min(*years.start());
    let last = (*config.years.end()).max(*years.end());
    config.years = first..=last;
    WorkCalendar::new(config).map_err(|e| e.to_string())
}
