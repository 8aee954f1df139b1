//! Every deadline can explain itself: which days were counted, which were skipped and why (with
//! the holiday's name and the document it comes from), where the clock stopped.
//!
//! The trace is built by a day-by-day walk, separately from the table look-ups that compute the
//! deadline; the tests check that the two agree, so the trace is also a second opinion.

use std::fmt;

use chrono::{Days, NaiveDate, NaiveDateTime};
use serde::Serialize;

use crate::day::{DayKind, format_date_vi};
use crate::deadline::{Due, Pause, SupplementRule};
use crate::{CalendarError, TimeLimit, WorkCalendar};

/// One line of an explanation.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum TraceStep {
    Received {
        at: NaiveDateTime,
    },
    /// Received outside working hours: counts from the next session.
    MovedToSession {
        at: NaiveDateTime,
    },
    /// For a same-day limit: whether the receipt was by the cut-off.
    CutOff {
        cutoff: String,
        met: bool,
    },
    /// A working day counted; `n` is its number in the period.
    Counted {
        date: NaiveDate,
        n: u32,
        working_seconds: i64,
    },
    /// A day that does not count.
    Skipped {
        date: NaiveDate,
        kind: DayKind,
        name: Option<String>,
        source: Option<String>,
    },
    /// The clock stopped (waiting for the applicant).
    Paused {
        from: NaiveDateTime,
        to: NaiveDateTime,
        rule: SupplementRule,
    },
    Due {
        at: NaiveDateTime,
        date: NaiveDate,
    },
}

/// The explanation of a deadline, step by step.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Trace {
    pub limit: TimeLimit,
    pub steps: Vec<TraceStep>,
}

impl WorkCalendar {
    /// The deadline as [`WorkCalendar::due_with_pauses`] computes it, with its explanation.
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use motcua_calendar::{trace::TraceStep, SupplementRule, TimeLimit, WorkCalendar};
    /// let cal = WorkCalendar::vietnam().unwrap();
    /// let received = NaiveDate::from_ymd_opt(2026, 2, 12).unwrap().and_hms_opt(9, 0, 0).unwrap();
    /// let (due, trace) = cal.explain(received, TimeLimit::WorkingDays(10), &[], SupplementRule::default()).unwrap();
    /// let tet = trace.steps.iter().find(|s| matches!(s, TraceStep::Skipped { date, .. } if *date == NaiveDate::from_ymd_opt(2026, 2, 17).unwrap()));
    /// assert!(matches!(tet, Some(TraceStep::Skipped { name: Some(n), .. }) if n == "Tết Nguyên đán"));
    /// assert_eq!(due.date, NaiveDate::from_ymd_opt(2026, 3, 5).unwrap());
    /// ```
    pub fn explain(
        &self,
        received: NaiveDateTime,
        limit: TimeLimit,
        pauses: &[Pause],
        rule: SupplementRule,
    ) -> Result<(Due, Trace), CalendarError> {
        let (due, applied) = self.apply_pauses(received, limit, pauses, rule)?;
        let mut steps = vec![TraceStep::Received { at: received }];
        let start = self.effective_receipt(received)?;
        if start != received {
            steps.push(TraceStep::MovedToSession { at: start });
        }
        if let TimeLimit::SameDay { cutoff } = limit {
            let cutoff = cutoff.unwrap_or(self.config().same_day_cutoff);
            let met = self.is_working_day(start.date())? && start.time() <= cutoff;
            steps.push(TraceStep::CutOff { cutoff: cutoff.format("%H:%M").to_string(), met });
        }
        let by_hours = matches!(limit, TimeLimit::WorkingHours(_));
        // Limits in days count from the next day (Civil Code Art. 147); hours count from `start`.
        let mut date = if by_hours { start.date() } else { start.date() + Days::new(1) };
        let mut n = 0;
        let mut pauses = applied.iter().peekable();
        let mut clock = start;
        if matches!(limit, TimeLimit::SameDay { .. }) && due.date == start.date() {
            date = start.date();
        }
        while date <= due.date {
            // In days, the day a pause begins still counts (see `due_with_pauses`); in hours, the
            // working time before the pause on that day counts.
            let pause = if by_hours {
                pauses.next_if(|p| p.from.date() <= date)
            } else {
                pauses.next_if(|p| p.from.date() < date)
            };
            if let Some(p) = pause {
                if by_hours && p.from.date() == date && self.is_working_day(date)? {
                    let from = if date == clock.date() { clock } else { date.and_time(chrono::NaiveTime::MIN) };
                    let working_seconds = (self.working_clock(p.from)? - self.working_clock(from)?).max(0);
                    if working_seconds > 0 {
                        n += 1;
                        steps.push(TraceStep::Counted { date, n, working_seconds });
                    }
                }
                steps.push(TraceStep::Paused { from: p.from, to: p.to, rule });
                if rule == SupplementRule::RestartClock {
                    n = 0;
                }
                clock = self.effective_receipt(p.to)?;
                date = if by_hours { clock.date() } else { p.to.date() + Days::new(1) };
                continue;
            }
            let day = self.day(date)?;
            if day.kind.is_working() {
                let day_start = if date == clock.date() { clock } else { date.and_time(chrono::NaiveTime::MIN) };
                let day_end = if date == due.date && by_hours { due.at } else { self.close_of_business(date) };
                let working_seconds = (self.working_clock(day_end)? - self.working_clock(day_start)?).max(0);
                if !by_hours || working_seconds > 0 {
                    n += 1;
                    steps.push(TraceStep::Counted { date, n, working_seconds });
                }
            } else {
                steps.push(TraceStep::Skipped {
                    date,
                    kind: day.kind,
                    name: day.entry.map(|e| e.name.clone()),
                    source: day.entry.map(|e| e.source.to_string()),
                });
            }
            date = date + Days::new(1);
        }
        steps.push(TraceStep::Due { at: due.at, date: due.date });
        Ok((due, Trace { limit, steps }))
    }
}

fn time_vi(t: NaiveDateTime) -> String {
    format!("{} {}", t.format("%H:%M"), format_date_vi(t.date()))
}

impl fmt::Display for Trace {
    /// The explanation in Vietnamese, one step a line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Thời hạn: {}", self.limit.describe_vi())?;
        for step in &self.steps {
            match step {
                TraceStep::Received { at } => writeln!(f, "Nhận hồ sơ: {}", time_vi(*at))?,
                TraceStep::MovedToSession { at } => {
                    writeln!(f, "  ngoài giờ làm việc: tính là nhận lúc {}", time_vi(*at))?
                }
                TraceStep::CutOff { cutoff, met: true } => writeln!(f, "  nhận trước {cutoff}: trả trong ngày")?,
                TraceStep::CutOff { cutoff, met: false } => {
                    writeln!(f, "  nhận sau {cutoff} hoặc ngoài ngày làm việc: trả vào ngày làm việc tiếp theo")?
                }
                TraceStep::Counted { date, n, working_seconds } => {
                    if matches!(self.limit, TimeLimit::WorkingHours(_)) {
                        let (h, m) = (working_seconds / 3600, working_seconds % 3600 / 60);
                        writeln!(f, "  tính {h} giờ {m:02} phút: {}", format_date_vi(*date))?
                    } else {
                        writeln!(f, "  ngày thứ {n}: {}", format_date_vi(*date))?
                    }
                }
                TraceStep::Skipped { date, kind, name, source } => {
                    write!(f, "  bỏ qua {} — {}", format_date_vi(*date), name.as_deref().unwrap_or(kind.label_vi()))?;
                    if let Some(source) = source {
                        write!(f, " ({source})")?;
                    }
                    writeln!(f)?
                }
                TraceStep::Paused { from, to, rule } => {
                    let how = match rule {
                        SupplementRule::PauseClock => "dừng tính thời gian",
                        SupplementRule::RestartClock => "tính lại từ đầu khi nhận đủ hồ sơ",
                    };
                    writeln!(f, "  chờ bổ sung từ {} đến {}: {how}", time_vi(*from), time_vi(*to))?
                }
                TraceStep::Due { at, date } => {
                    let when = if at.date() != *date { "24:00".to_owned() } else { at.format("%H:%M").to_string() };
                    writeln!(f, "Hạn: {when} {}", format_date_vi(*date))?
                }
            }
        }
        Ok(())
    }
}
