//! The time limit of a procedure or of one step of its internal process.

use std::fmt;
use std::str::FromStr;

use chrono::NaiveTime;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A time limit as published: "10 ngày làm việc", "08 giờ làm việc", "trong ngày".
///
/// Written `10d`, `8h`, `same-day` or `same-day@14:00` (a cut-off other than the calendar's).
///
/// ```
/// use motcua_calendar::TimeLimit;
/// assert_eq!("10d".parse::<TimeLimit>().unwrap(), TimeLimit::WorkingDays(10));
/// assert_eq!("8h".parse::<TimeLimit>().unwrap().to_string(), "8h");
/// assert_eq!("same-day".parse::<TimeLimit>().unwrap().describe_vi(), "trong ngày làm việc");
/// assert!("0d".parse::<TimeLimit>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimeLimit {
    /// N working days (at least 1).
    WorkingDays(u32),
    /// N working hours (at least 1).
    WorkingHours(u32),
    /// Within the day of receipt if received by the cut-off, else by the end of the next working
    /// day. `None` uses the calendar's cut-off (15:00 by default).
    SameDay { cutoff: Option<NaiveTime> },
}

impl TimeLimit {
    /// "10 ngày làm việc", "8 giờ làm việc", "trong ngày làm việc".
    pub fn describe_vi(&self) -> String {
        match self {
            TimeLimit::WorkingDays(n) => format!("{n} ngày làm việc"),
            TimeLimit::WorkingHours(n) => format!("{n} giờ làm việc"),
            TimeLimit::SameDay { cutoff: None } => "trong ngày làm việc".to_owned(),
            TimeLimit::SameDay { cutoff: Some(c) } => {
                format!("trong ngày làm việc (nhận trước {})", c.format("%H:%M"))
            }
        }
    }

    /// "10 working days", "8 working hours", "within the working day".
    pub fn describe_en(&self) -> String {
        match self {
            TimeLimit::WorkingDays(n) => format!("{n} working day{}", if *n == 1 { "" } else { "s" }),
            TimeLimit::WorkingHours(n) => format!("{n} working hour{}", if *n == 1 { "" } else { "s" }),
            TimeLimit::SameDay { cutoff: None } => "within the working day".to_owned(),
            TimeLimit::SameDay { cutoff: Some(c) } => {
                format!("within the working day (if received by {})", c.format("%H:%M"))
            }
        }
    }
}

impl fmt::Display for TimeLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TimeLimit::WorkingDays(n) => write!(f, "{n}d"),
            TimeLimit::WorkingHours(n) => write!(f, "{n}h"),
            TimeLimit::SameDay { cutoff: None } => f.write_str("same-day"),
            TimeLimit::SameDay { cutoff: Some(c) } => write!(f, "same-day@{}", c.format("%H:%M")),
        }
    }
}

impl FromStr for TimeLimit {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let bad = || {
            format!(
                "thời hạn \"{s}\" không hợp lệ; dùng \"10d\" (ngày làm việc), \"8h\" (giờ làm việc) \
                 hoặc \"same-day\" / invalid time limit"
            )
        };
        if s == "same-day" {
            return Ok(TimeLimit::SameDay { cutoff: None });
        }
        if let Some(cutoff) = s.strip_prefix("same-day@") {
            let cutoff = NaiveTime::parse_from_str(cutoff, "%H:%M").map_err(|_| bad())?;
            return Ok(TimeLimit::SameDay { cutoff: Some(cutoff) });
        }
        // Split off the last character, not the last byte: "đ" or "\u{80}" must be an error, not
        // a slice through the middle of a character.
        let Some(unit) = s.chars().last() else { return Err(bad()) };
        let number = &s[..s.len() - unit.len_utf8()];
        if number.len() > 6 {
            return Err(bad());
        }
        let n: u32 = number.trim().parse().map_err(|_| bad())?;
        if n == 0 {
            return Err(format!("thời hạn \"{s}\" phải lớn hơn 0 / must be positive"));
        }
        match unit {
            'd' => Ok(TimeLimit::WorkingDays(n)),
            'h' => Ok(TimeLimit::WorkingHours(n)),
            _ => Err(bad()),
        }
    }
}

impl Serialize for TimeLimit {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for TimeLimit {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}
