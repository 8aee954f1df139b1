//! Report periods and their official data windows (Decree 09/2019/NĐ-CP Art. 12): a month runs
//! from the 15th of the month before to the 14th; a quarter from the 15th of the month before
//! it to the 14th of its last month; the first half-year from 15 December of the year before to
//! 14 June; the year from 15 December of the year before to 14 December. The second half-year
//! (not in the decree's table) runs from 15 June to 14 December.
//!
//! Dashboards use plain calendar windows (1st to last day), as the national portal's real-time
//! index does; [`Period::calendar`] gives those.

use std::fmt;

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PeriodKind {
    Month,
    Quarter,
    Half,
    Year,
}

/// A reporting period: `2026-03`, `2026-Q1`, `2026-H1`, `2026`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Period {
    pub kind: PeriodKind,
    pub year: i32,
    /// Month 1–12, quarter 1–4, half 1–2; 1 for a year.
    pub n: u32,
}

/// A window of days, both ends included, counted up to its end or, for a period still under
/// way, up to the instant it is looked at ([`Window::as_of`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub first: NaiveDate,
    pub last: NaiveDate,
    /// The instant the figures are taken at, when it is before the window's end: the figures
    /// are provisional ("số liệu tạm tính").
    pub as_of: Option<NaiveDateTime>,
}

impl Window {
    /// The days `first` to `last`, counted to the end.
    pub fn days(first: NaiveDate, last: NaiveDate) -> Window {
        Window { first, last, as_of: None }
    }

    /// The window as it stands at `now`: the whole window once it has ended; otherwise counted up
    /// to `now`, so that a dossier is overdue only if it was due before `now`, and what has not
    /// happened yet is not counted.
    pub fn as_of(self, now: NaiveDateTime) -> Window {
        let full = Window { as_of: None, ..self };
        Window { as_of: (now < full.end()).then_some(now.max(full.start())), ..full }
    }

    /// Whether the period is still under way: its figures are provisional.
    pub fn provisional(&self) -> bool {
        self.as_of.is_some()
    }

    /// Its first instant.
    pub fn start(&self) -> NaiveDateTime {
        self.first.and_time(NaiveTime::MIN)
    }

    /// The cut-off: the instant after its last day, or the instant it is taken at if earlier.
    pub fn end(&self) -> NaiveDateTime {
        let end = self.last.succ_opt().unwrap_or(self.last).and_time(NaiveTime::MIN);
        self.as_of.map_or(end, |t| t.min(end))
    }

    /// "15/11/2026 – 14/12/2026", and for a period under way "… (số liệu tạm tính đến 10:05
    /// 30/11/2026)".
    pub fn label(&self) -> String {
        let days = format!("{} – {}", self.first.format("%d/%m/%Y"), self.last.format("%d/%m/%Y"));
        match self.as_of {
            Some(t) => format!("{days} (số liệu tạm tính đến {})", t.format("%H:%M %d/%m/%Y")),
            None => days,
        }
    }

    pub fn contains(&self, t: NaiveDateTime) -> bool {
        t >= self.start() && t < self.end()
    }
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
}

/// The 15th of the month before `(y, m)`.
fn fifteenth_before(y: i32, m: u32) -> NaiveDate {
    if m == 1 { date(y - 1, 12, 15) } else { date(y, m - 1, 15) }
}

fn last_day(y: i32, m: u32) -> NaiveDate {
    let next = if m == 12 { date(y + 1, 1, 1) } else { date(y, m + 1, 1) };
    next.pred_opt().unwrap_or(next)
}

impl Period {
    pub fn month(year: i32, month: u32) -> Period {
        Period { kind: PeriodKind::Month, year, n: month.clamp(1, 12) }
    }

    /// Parses `2026-03`, `2026-Q1`, `2026-H2`, `2026`.
    pub fn parse(s: &str) -> Option<Period> {
        let s = s.trim();
        let (year, rest) = match s.split_once('-') {
            Some((y, rest)) => (y.parse().ok()?, Some(rest)),
            None => (s.parse().ok()?, None),
        };
        if !(1900..=2200).contains(&year) {
            return None;
        }
        let (kind, n, max) = match rest {
            None => (PeriodKind::Year, 1, 1),
            Some(r) if r.starts_with(['Q', 'q']) => (PeriodKind::Quarter, r[1..].parse().ok()?, 4),
            Some(r) if r.starts_with(['H', 'h']) => (PeriodKind::Half, r[1..].parse().ok()?, 2),
            Some(r) => (PeriodKind::Month, r.parse().ok()?, 12),
        };
        (1..=max).contains(&n).then_some(Period { kind, year, n })
    }

    /// The official data window of the period's report.
    pub fn report_window(&self) -> Window {
        let (y, n) = (self.year, self.n);
        match self.kind {
            PeriodKind::Month => Window::days(fifteenth_before(y, n), date(y, n, 14)),
            PeriodKind::Quarter => Window::days(fifteenth_before(y, 3 * n - 2), date(y, 3 * n, 14)),
            PeriodKind::Half if n == 1 => Window::days(date(y - 1, 12, 15), date(y, 6, 14)),
            PeriodKind::Half => Window::days(date(y, 6, 15), date(y, 12, 14)),
            PeriodKind::Year => Window::days(date(y - 1, 12, 15), date(y, 12, 14)),
        }
    }

    /// The calendar window: the 1st to the last day.
    pub fn calendar(&self) -> Window {
        let (y, n) = (self.year, self.n);
        match self.kind {
            PeriodKind::Month => Window::days(date(y, n, 1), last_day(y, n)),
            PeriodKind::Quarter => Window::days(date(y, 3 * n - 2, 1), last_day(y, 3 * n)),
            PeriodKind::Half => Window::days(date(y, 6 * n - 5, 1), last_day(y, 6 * n)),
            PeriodKind::Year => Window::days(date(y, 1, 1), date(y, 12, 31)),
        }
    }

    /// The period of the same kind before this one.
    pub fn previous(&self) -> Period {
        let max = match self.kind {
            PeriodKind::Month => 12,
            PeriodKind::Quarter => 4,
            PeriodKind::Half => 2,
            PeriodKind::Year => 1,
        };
        if self.n > 1 { Period { n: self.n - 1, ..*self } } else { Period { year: self.year - 1, n: max, ..*self } }
    }

    /// The month whose report window holds `day` (the 15th starts the next month's report).
    pub fn month_of_report(day: NaiveDate) -> Period {
        if day.day() >= 15 {
            let (y, m) = if day.month() == 12 { (day.year() + 1, 1) } else { (day.year(), day.month() + 1) };
            Period::month(y, m)
        } else {
            Period::month(day.year(), day.month())
        }
    }

    /// "Tháng 3/2026", "Quý I/2026", "6 tháng đầu năm 2026", "Năm 2026".
    pub fn label_vi(&self) -> String {
        match self.kind {
            PeriodKind::Month => format!("Tháng {}/{}", self.n, self.year),
            PeriodKind::Quarter => format!("Quý {}/{}", ["I", "II", "III", "IV"][self.n as usize - 1], self.year),
            PeriodKind::Half if self.n == 1 => format!("6 tháng đầu năm {}", self.year),
            PeriodKind::Half => format!("6 tháng cuối năm {}", self.year),
            PeriodKind::Year => format!("Năm {}", self.year),
        }
    }
}

impl fmt::Display for Period {
    /// The form [`Period::parse`] reads.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            PeriodKind::Month => write!(f, "{}-{:02}", self.year, self.n),
            PeriodKind::Quarter => write!(f, "{}-Q{}", self.year, self.n),
            PeriodKind::Half => write!(f, "{}-H{}", self.year, self.n),
            PeriodKind::Year => write!(f, "{}", self.year),
        }
    }
}
