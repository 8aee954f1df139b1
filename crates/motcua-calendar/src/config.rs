//! How one calendar is set up: time zone, weekly rest days, working sessions, the policies that
//! the law leaves to practice, and an agency's own days on top of the national schedule.

use std::fmt;
use std::ops::RangeInclusive;
use std::str::FromStr;

use chrono::{NaiveTime, Weekday};
use serde::{Deserialize, Serialize};

use crate::day::DayEntry;

/// The weekly rest days of a calendar (Saturday and Sunday for Vietnamese civil servants,
/// Decision 188/1999/QĐ-TTg).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct WeeklyPattern {
    rest: [bool; 7],
}

impl WeeklyPattern {
    pub fn new(rest_days: &[Weekday]) -> WeeklyPattern {
        let mut rest = [false; 7];
        for d in rest_days {
            rest[d.num_days_from_monday() as usize] = true;
        }
        WeeklyPattern { rest }
    }

    pub fn is_rest_day(&self, day: Weekday) -> bool {
        self.rest[day.num_days_from_monday() as usize]
    }

    pub fn rest_days(&self) -> Vec<Weekday> {
        [Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri, Weekday::Sat, Weekday::Sun]
            .into_iter()
            .filter(|d| self.is_rest_day(*d))
            .collect()
    }
}

impl Default for WeeklyPattern {
    fn default() -> Self {
        WeeklyPattern::new(&[Weekday::Sat, Weekday::Sun])
    }
}

/// A working session within a working day, e.g. 07:00–11:30. Parsed from `"07:00-11:30"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Session {
    pub start: NaiveTime,
    pub end: NaiveTime,
}

impl FromStr for Session {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("buổi làm việc \"{s}\" không hợp lệ, cần dạng \"07:00-11:30\"");
        let (a, b) = s.split_once('-').ok_or_else(bad)?;
        let start = NaiveTime::parse_from_str(a.trim(), "%H:%M").map_err(|_| bad())?;
        let end = NaiveTime::parse_from_str(b.trim(), "%H:%M").map_err(|_| bad())?;
        if start >= end {
            return Err(format!("buổi làm việc \"{s}\": giờ bắt đầu phải trước giờ kết thúc"));
        }
        Ok(Session { start, end })
    }
}

impl fmt::Display for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.start.format("%H:%M"), self.end.format("%H:%M"))
    }
}

/// What happens to a dossier received outside working hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AfterHours {
    /// Counts as received at the start of the next working session. Common practice (and how the
    /// national portal measures), not a rule of the Civil Code: on by default.
    #[default]
    NextSession,
    /// Counts as received when it was received.
    AsReceived,
}

/// When a period counted in days ends on its last day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DueAt {
    /// At 24:00, the end of the day (Civil Code 2015, Art. 148(1) and (3)).
    #[default]
    EndOfDay,
    /// At the end of the day's last working session.
    EndOfSessions,
}

/// Everything that defines a working calendar. [`CalendarConfig::default`] is the Vietnamese civil
/// service at Asia/Ho_Chi_Minh with the official national schedules.
#[derive(Debug, Clone, PartialEq)]
pub struct CalendarConfig {
    /// A name shown in traces, e.g. the agency's.
    pub name: String,
    pub time_zone: chrono_tz::Tz,
    /// Time zone of lunar reckoning in hours east of UTC (7 for Vietnam).
    pub lunar_tz_hours: f64,
    pub weekly: WeeklyPattern,
    /// Sorted, non-overlapping working sessions of a working day.
    pub sessions: Vec<Session>,
    /// Cut-off of "same day" time limits: received later, due the next working day.
    pub same_day_cutoff: NaiveTime,
    pub after_hours: AfterHours,
    pub due_at: DueAt,
    /// Whether the national official schedules shipped with this crate replace the rules for
    /// the years they cover.
    pub official_schedules: bool,
    /// The agency's own days (local holidays, extra swaps), applied last.
    pub extra_days: Vec<DayEntry>,
    /// Solar years the precomputed tables cover.
    pub years: RangeInclusive<i32>,
}

impl Default for CalendarConfig {
    fn default() -> Self {
        CalendarConfig {
            name: "Lịch làm việc của cơ quan hành chính nhà nước".to_owned(),
            time_zone: chrono_tz::Asia::Ho_Chi_Minh,
            lunar_tz_hours: crate::lunar::VIETNAM_TZ_HOURS,
            weekly: WeeklyPattern::default(),
            sessions: vec!["07:00-11:30".parse().expect("valid"), "13:30-17:00".parse().expect("valid")],
            same_day_cutoff: NaiveTime::from_hms_opt(15, 0, 0).expect("valid"),
            after_hours: AfterHours::default(),
            due_at: DueAt::default(),
            official_schedules: true,
            extra_days: Vec::new(),
            years: 2000..=2100,
        }
    }
}
