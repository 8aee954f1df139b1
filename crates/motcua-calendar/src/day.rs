//! What one day is in a working calendar, and where that fact comes from.

use std::fmt;

use chrono::{NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

/// The kind of a day. The serialised names are part of the CLI's JSON output and of schedule files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DayKind {
    /// An ordinary working day.
    Working,
    /// A weekly rest day of the calendar's pattern (Saturday and Sunday by default).
    Weekend,
    /// A public holiday (or an agency's local holiday).
    Holiday,
    /// A day off given in compensation: a holiday fell on a rest day (Labor Code Art. 111(3)), or a
    /// weekday given off in exchange for a worked Saturday (hoán đổi ngày làm việc).
    Compensatory,
    /// A weekly rest day that is worked, in exchange for a weekday off ("làm bù").
    SwappedWorking,
}

impl DayKind {
    pub fn is_working(self) -> bool {
        matches!(self, DayKind::Working | DayKind::SwappedWorking)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            DayKind::Working => "working",
            DayKind::Weekend => "weekend",
            DayKind::Holiday => "holiday",
            DayKind::Compensatory => "compensatory",
            DayKind::SwappedWorking => "swapped_working",
        }
    }

    /// The Vietnamese label shown to people.
    pub fn label_vi(self) -> &'static str {
        match self {
            DayKind::Working => "ngày làm việc",
            DayKind::Weekend => "nghỉ hằng tuần",
            DayKind::Holiday => "nghỉ lễ, tết",
            DayKind::Compensatory => "nghỉ bù",
            DayKind::SwappedWorking => "làm bù",
        }
    }
}

/// The document a day's status comes from: an official notice, or the statute a rule applies.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// Number and type of the document, e.g. "Thông báo 6150/TB-LĐTBXH" or "Bộ luật Lao động 2019, Điều 112".
    pub document: String,
    /// Date the document was signed, where known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<NaiveDate>,
    /// Who issued it, e.g. "Bộ Lao động - Thương binh và Xã hội".
    pub issuer: String,
}

impl fmt::Display for Source {
    /// `Thông báo 6150/TB-LĐTBXH ngày 24/12/2019, Bộ Lao động - Thương binh và Xã hội`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.document)?;
        if let Some(date) = self.date {
            write!(f, " ngày {}", date.format("%d/%m/%Y"))?;
        }
        write!(f, ", {}", self.issuer)
    }
}

/// A named day with its source: an entry of a schedule, or a day derived by rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayEntry {
    pub date: NaiveDate,
    pub kind: DayKind,
    pub name: String,
    pub source: Source,
}

/// Vietnamese weekday name: "Thứ Hai" … "Chủ nhật".
pub fn weekday_vi(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "Thứ Hai",
        Weekday::Tue => "Thứ Ba",
        Weekday::Wed => "Thứ Tư",
        Weekday::Thu => "Thứ Năm",
        Weekday::Fri => "Thứ Sáu",
        Weekday::Sat => "Thứ Bảy",
        Weekday::Sun => "Chủ nhật",
    }
}

/// `Thứ Năm 12/02/2026`
pub fn format_date_vi(date: NaiveDate) -> String {
    use chrono::Datelike;
    format!("{} {}", weekday_vi(date.weekday()), date.format("%d/%m/%Y"))
}
