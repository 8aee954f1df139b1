//! Yearly schedules as data: the days off, compensatory days and swapped working days that the
//! government announces each year, each citing the document it comes from.
//!
//! Official data overrides the rules (see `rules`): when a year has a file, the rules are not
//! used for that year at all, because each notice is the complete list for its year. The files
//! for the years shipped live in `schedules/` beside this crate, one TOML file per year; an
//! agency's own entries use the same `[[day]]` format in its calendar file (see `config_file`).
//!
//! A bad file is refused with its name, line and reason; nothing is guessed.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{Datelike, NaiveDate};
use serde::Deserialize;
use toml::Spanned;

use crate::WeeklyPattern;
use crate::day::{DayEntry, DayKind, Source, weekday_vi};

/// A schedule file that could not be used, with where and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct ScheduleError {
    pub file: String,
    /// 1-based line of the offending value.
    pub line: usize,
    pub message: String,
}

/// One year's official schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    pub year: i32,
    pub days: Vec<DayEntry>,
}

/// The schedules shipped with this crate, one file per year.
const OFFICIAL_FILES: &[(&str, &str)] = &[
    ("schedules/2020.toml", include_str!("../schedules/2020.toml")),
    ("schedules/2021.toml", include_str!("../schedules/2021.toml")),
    ("schedules/2022.toml", include_str!("../schedules/2022.toml")),
    ("schedules/2023.toml", include_str!("../schedules/2023.toml")),
    ("schedules/2024.toml", include_str!("../schedules/2024.toml")),
    ("schedules/2025.toml", include_str!("../schedules/2025.toml")),
    ("schedules/2026.toml", include_str!("../schedules/2026.toml")),
];

/// The official national schedules for civil servants shipped with this crate.
pub fn official_schedules() -> Result<Vec<Schedule>, ScheduleError> {
    OFFICIAL_FILES.iter().map(|(file, text)| Schedule::parse(file, text, WeeklyPattern::default())).collect()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSchedule {
    year: Spanned<i32>,
    #[serde(default)]
    sources: BTreeMap<String, Source>,
    #[serde(default)]
    day: Vec<RawDay>,
}

/// One `[[day]]` table of a schedule or calendar file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawDay {
    date: Spanned<String>,
    kind: Spanned<DayKind>,
    name: Spanned<String>,
    source: Spanned<String>,
}

impl Schedule {
    /// Parses a yearly schedule file. `file` names it in errors; `pattern` is the weekly rest
    /// pattern the swaps are checked against.
    ///
    /// ```
    /// use motcua_calendar::{schedule::Schedule, WeeklyPattern};
    /// let text = r#"
    /// year = 2026
    /// [sources.tb]
    /// document = "Thông báo 1/TB"
    /// issuer = "Bộ Nội vụ"
    /// [[day]]
    /// date = "2026-08-21"   # a Friday
    /// kind = "swapped_working"
    /// name = "Làm bù"
    /// source = "tb"
    /// "#;
    /// let err = Schedule::parse("2026.toml", text, WeeklyPattern::default()).unwrap_err();
    /// assert_eq!(err.line, 8); // the line of `kind`
    /// assert!(err.to_string().starts_with("2026.toml:8: làm bù"));
    /// ```
    pub fn parse(file: &str, text: &str, pattern: WeeklyPattern) -> Result<Schedule, ScheduleError> {
        let raw: RawSchedule = toml::from_str(text).map_err(|e| from_toml_error(file, text, &e))?;
        let year = *raw.year.get_ref();
        if !(1800..=2199).contains(&year) {
            return Err(error_at(file, text, raw.year.span().start, format!("năm {year} ngoài phạm vi 1800–2199")));
        }
        let days = resolve_days(file, text, &raw.sources, raw.day, pattern, Some(year))?;
        Ok(Schedule { year, days })
    }
}

/// Checks and resolves `[[day]]` tables against their `[sources]`.
pub(crate) fn resolve_days(
    file: &str,
    text: &str,
    sources: &BTreeMap<String, Source>,
    raw_days: Vec<RawDay>,
    pattern: WeeklyPattern,
    year: Option<i32>,
) -> Result<Vec<DayEntry>, ScheduleError> {
    for (id, source) in sources {
        if source.document.trim().is_empty() || source.issuer.trim().is_empty() {
            let at = text.find(&format!("[sources.{id}]")).unwrap_or(0);
            return Err(error_at(file, text, at, format!("nguồn \"{id}\" cần có document và issuer")));
        }
    }
    let mut seen: BTreeMap<NaiveDate, usize> = BTreeMap::new();
    let mut days = Vec::with_capacity(raw_days.len());
    for raw in raw_days {
        let at = raw.date.span().start;
        let fail = |message: String| error_at(file, text, at, message);
        let date = NaiveDate::parse_from_str(raw.date.get_ref(), "%Y-%m-%d").map_err(|_| {
            fail(format!("ngày \"{}\" không hợp lệ, cần dạng YYYY-MM-DD / invalid date", raw.date.get_ref()))
        })?;
        if let Some(year) = year.filter(|y| *y != date.year()) {
            return Err(fail(format!("ngày {date} không thuộc năm {year} của tệp / date outside the file's year")));
        }
        if let Some(line) = seen.insert(date, line_of(text, at)) {
            return Err(fail(format!("ngày {date} đã khai báo ở dòng {line} / duplicate date")));
        }
        let kind = *raw.kind.get_ref();
        let weekday = date.weekday();
        let kind_fail = |message: String| error_at(file, text, raw.kind.span().start, message);
        match kind {
            DayKind::Weekend => {
                return Err(kind_fail(
                    "kind \"weekend\" không dùng trong tệp: ngày nghỉ hằng tuần suy ra từ lịch tuần / \
                     weekends come from the weekly pattern"
                        .to_owned(),
                ));
            }
            DayKind::SwappedWorking if !pattern.is_rest_day(weekday) => {
                return Err(kind_fail(format!(
                    "làm bù (swapped_working) phải rơi vào ngày nghỉ hằng tuần, nhưng {date} là {} / \
                     a swapped working day must be a rest day",
                    weekday_vi(weekday)
                )));
            }
            DayKind::Compensatory if pattern.is_rest_day(weekday) => {
                return Err(kind_fail(format!(
                    "nghỉ bù (compensatory) không thể rơi vào ngày nghỉ hằng tuần ({date} là {}) / \
                     a compensatory day must be a working weekday",
                    weekday_vi(weekday)
                )));
            }
            _ => {}
        }
        let name = raw.name.get_ref().trim();
        if name.is_empty() {
            return Err(error_at(
                file,
                text,
                raw.name.span().start,
                "tên ngày không được để trống / empty name".into(),
            ));
        }
        let source = sources.get(raw.source.get_ref()).cloned().ok_or_else(|| {
            error_at(
                file,
                text,
                raw.source.span().start,
                format!("nguồn \"{}\" chưa khai báo trong [sources] / unknown source", raw.source.get_ref()),
            )
        })?;
        days.push(DayEntry { date, kind, name: name.to_owned(), source });
    }
    days.sort_by_key(|d| d.date);
    Ok(days)
}

pub(crate) fn from_toml_error(file: &str, text: &str, e: &toml::de::Error) -> ScheduleError {
    let at = e.span().map_or(0, |s| s.start);
    error_at(file, text, at, e.message().trim().to_owned())
}

pub(crate) fn error_at(file: &str, text: &str, offset: usize, message: String) -> ScheduleError {
    ScheduleError { file: file.to_owned(), line: line_of(text, offset), message }
}

fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())].iter().filter(|b| **b == b'\n').count() + 1
}

impl fmt::Display for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "lịch năm {} ({} ngày đặc biệt)", self.year, self.days.len())
    }
}
