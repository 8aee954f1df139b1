//! An agency's calendar file: the settings of [`CalendarConfig`] plus its own `[[day]]` entries
//! (local holidays, extra swaps) in the format of the yearly schedules.
//!
//! ```toml
//! name = "Sở Nông nghiệp và Môi trường tỉnh Khánh Hòa"
//! time_zone = "Asia/Ho_Chi_Minh"
//! weekly_rest_days = ["sat", "sun"]
//! sessions = ["07:00-11:30", "13:30-17:00"]
//! same_day_cutoff = "15:00"
//! after_hours = "next_session"   # or "as_received"
//! due_at = "end_of_day"          # or "end_of_sessions"
//!
//! [sources.qd-tinh]
//! document = "Quyết định 123/QĐ-UBND"
//! date = "2026-03-01"
//! issuer = "UBND tỉnh Khánh Hòa"
//!
//! [[day]]
//! date = "2026-06-01"
//! kind = "holiday"
//! name = "Ngày nghỉ của tỉnh"
//! source = "qd-tinh"
//! ```
//!
//! Every key is optional; what is missing keeps the default.

use std::collections::BTreeMap;

use chrono::{NaiveTime, Weekday};
use serde::Deserialize;
use toml::Spanned;

use crate::config::{AfterHours, CalendarConfig, DueAt, Session, WeeklyPattern};
use crate::day::Source;
use crate::schedule::{RawDay, ScheduleError, error_at, from_toml_error, resolve_days};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    name: Option<String>,
    time_zone: Option<Spanned<String>>,
    lunar_time_zone_hours: Option<Spanned<f64>>,
    weekly_rest_days: Option<Spanned<Vec<String>>>,
    sessions: Option<Spanned<Vec<String>>>,
    same_day_cutoff: Option<Spanned<String>>,
    after_hours: Option<AfterHours>,
    due_at: Option<DueAt>,
    official_schedules: Option<bool>,
    years: Option<Spanned<[i32; 2]>>,
    #[serde(default)]
    sources: BTreeMap<String, Source>,
    #[serde(default)]
    day: Vec<RawDay>,
}

impl CalendarConfig {
    /// Reads a calendar file; `file` names it in errors, which carry the line and the reason.
    pub fn from_toml(file: &str, text: &str) -> Result<CalendarConfig, ScheduleError> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| from_toml_error(file, text, &e))?;
        let fail = |at: usize, message: String| error_at(file, text, at, message);
        let mut config = CalendarConfig::default();
        if let Some(name) = raw.name {
            config.name = name;
        }
        if let Some(tz) = raw.time_zone {
            config.time_zone = tz.get_ref().parse().map_err(|_| {
                fail(tz.span().start, format!("múi giờ \"{}\" không tồn tại (ví dụ: Asia/Ho_Chi_Minh)", tz.get_ref()))
            })?;
        }
        if let Some(hours) = raw.lunar_time_zone_hours {
            if !(-12.0..=14.0).contains(hours.get_ref()) {
                return Err(fail(hours.span().start, "lunar_time_zone_hours phải trong khoảng -12 … 14".into()));
            }
            config.lunar_tz_hours = *hours.get_ref();
        }
        if let Some(days) = raw.weekly_rest_days {
            let parsed: Result<Vec<Weekday>, _> = days.get_ref().iter().map(|d| d.parse::<Weekday>()).collect();
            let parsed =
                parsed.map_err(|_| fail(days.span().start, "ngày trong tuần cần dạng \"sat\", \"sun\"…".into()))?;
            if parsed.len() >= 7 {
                return Err(fail(days.span().start, "lịch phải có ít nhất một ngày làm việc trong tuần".into()));
            }
            config.weekly = WeeklyPattern::new(&parsed);
        }
        if let Some(sessions) = raw.sessions {
            let at = sessions.span().start;
            let mut parsed = sessions
                .get_ref()
                .iter()
                .map(|s| s.parse::<Session>())
                .collect::<Result<Vec<_>, _>>()
                .map_err(|m| fail(at, m))?;
            parsed.sort();
            if parsed.is_empty() || parsed.windows(2).any(|w| w[0].end > w[1].start) {
                return Err(fail(at, "cần ít nhất một buổi làm việc, các buổi không chồng lấn nhau".into()));
            }
            config.sessions = parsed;
        }
        if let Some(cutoff) = raw.same_day_cutoff {
            config.same_day_cutoff = NaiveTime::parse_from_str(cutoff.get_ref(), "%H:%M")
                .map_err(|_| fail(cutoff.span().start, format!("giờ \"{}\" cần dạng HH:MM", cutoff.get_ref())))?;
        }
        if let Some(v) = raw.after_hours {
            config.after_hours = v;
        }
        if let Some(v) = raw.due_at {
            config.due_at = v;
        }
        if let Some(v) = raw.official_schedules {
            config.official_schedules = v;
        }
        if let Some(years) = raw.years {
            let [first, last] = *years.get_ref();
            if first > last || first < 1800 || last > 2199 {
                return Err(fail(years.span().start, "years cần dạng [đầu, cuối] trong khoảng 1800–2199".into()));
            }
            config.years = first..=last;
        }
        config.extra_days = resolve_days(file, text, &raw.sources, raw.day, config.weekly, None)?;
        Ok(config)
    }
}
