//! Deadlines: when a dossier received at an instant with a [`TimeLimit`] is due, how pauses
//! (waiting for the applicant) move it, and how much working time has elapsed.
//!
//! Counting follows the Civil Code 2015: a period in days starts the day after the event
//! (Art. 147) and ends at the end of its last day, which is always a working day here (Art. 148).
//! Working hours walk the calendar's sessions. All instants are local times of the calendar's
//! time zone; `to_local`/`to_instant` convert from and to UTC.

use chrono::{DateTime, Days, NaiveDate, NaiveDateTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use crate::config::DueAt;
use crate::{CalendarError, TimeLimit, WorkCalendar};

/// When something is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Due {
    /// When it was received.
    pub received: NaiveDateTime,
    /// When the clock started: the receipt, moved by the after-hours policy, or the last restart.
    pub counted_from: NaiveDateTime,
    /// The last day of the period (always a working day).
    pub date: NaiveDate,
    /// The instant the period ends: results returned before it are on time.
    pub at: NaiveDateTime,
}

impl Due {
    /// Whether something done at `t` is within the period.
    pub fn is_on_time(&self, t: NaiveDateTime) -> bool {
        t <= self.at
    }
}

/// A period when the clock stops, e.g. from a supplement request (yêu cầu bổ sung) until the
/// complete dossier comes back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pause {
    pub from: NaiveDateTime,
    pub to: NaiveDateTime,
}

/// What a supplement request does to the clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SupplementRule {
    /// The clock stops while waiting and resumes where it was (the national portal's measure).
    #[default]
    PauseClock,
    /// The period restarts from zero when the complete dossier is received (Decree 61/2018
    /// Art. 19(4): "tính lại từ đầu").
    RestartClock,
}

/// An amount of working time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct WorkingTime {
    pub seconds: i64,
    /// Working seconds in one working day of the calendar that measured it.
    pub day_seconds: i64,
}

impl WorkingTime {
    /// In working days, fractional (8 working hours make a day by default).
    pub fn days(&self) -> f64 {
        self.seconds as f64 / self.day_seconds as f64
    }

    pub fn hours(&self) -> f64 {
        self.seconds as f64 / 3600.0
    }
}

impl std::fmt::Display for WorkingTime {
    /// `2 ngày 3 giờ 15 phút làm việc`
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let days = self.seconds / self.day_seconds.max(1);
        let rest = self.seconds % self.day_seconds.max(1);
        write!(f, "{days} ngày {} giờ {} phút làm việc", rest / 3600, rest % 3600 / 60)
    }
}

impl WorkCalendar {
    /// When something received at `received` (local time) with `limit` is due.
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use motcua_calendar::{TimeLimit, WorkCalendar};
    /// let cal = WorkCalendar::vietnam().unwrap();
    /// let received = NaiveDate::from_ymd_opt(2026, 2, 12).unwrap().and_hms_opt(9, 0, 0).unwrap();
    /// let due = cal.due(received, TimeLimit::WorkingDays(10)).unwrap();
    /// assert_eq!(due.date, NaiveDate::from_ymd_opt(2026, 3, 5).unwrap());
    /// ```
    pub fn due(&self, received: NaiveDateTime, limit: TimeLimit) -> Result<Due, CalendarError> {
        let from = self.effective_receipt(received)?;
        self.due_counted_from(received, from, limit)
    }

    fn due_counted_from(
        &self,
        received: NaiveDateTime,
        from: NaiveDateTime,
        limit: TimeLimit,
    ) -> Result<Due, CalendarError> {
        let date = match limit {
            TimeLimit::WorkingDays(n) => self.add_working_days(from.date(), n)?,
            TimeLimit::WorkingHours(h) => {
                let at = self.add_working_hours(from, h)?;
                return Ok(Due { received, counted_from: from, date: at.date(), at });
            }
            TimeLimit::SameDay { cutoff } => {
                let cutoff = cutoff.unwrap_or(self.config().same_day_cutoff);
                if self.is_working_day(from.date())? && from.time() <= cutoff {
                    from.date()
                } else {
                    self.next_working_day(from.date())?
                }
            }
        };
        Ok(Due { received, counted_from: from, date, at: self.end_of(date) })
    }

    /// When a period whose last day is `date` ends, by the calendar's [`DueAt`] setting.
    pub fn end_of(&self, date: NaiveDate) -> NaiveDateTime {
        match self.config().due_at {
            DueAt::EndOfDay => (date + Days::new(1)).and_time(chrono::NaiveTime::MIN),
            DueAt::EndOfSessions => self.close_of_business(date),
        }
    }

    /// [`WorkCalendar::due`] with the clock stopped during `pauses` (or restarted after each,
    /// per `rule`). Only pauses that begin before the current deadline move it; pauses must not
    /// begin before the receipt nor end before they begin.
    ///
    /// Under [`SupplementRule::PauseClock`] a limit in days gains the working days of the
    /// pause, counted like any period (the day the pause starts counts, the day it ends does
    /// not: counting resumes the next day); a limit in hours gains the pause's working hours.
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use motcua_calendar::{Pause, SupplementRule, TimeLimit, WorkCalendar};
    /// let cal = WorkCalendar::vietnam().unwrap();
    /// let at = |m, d, h| NaiveDate::from_ymd_opt(2026, m, d).unwrap().and_hms_opt(h, 0, 0).unwrap();
    /// // Received Mon 09/03, supplement asked Wed 11/03, complete dossier back Mon 16/03.
    /// let pause = Pause { from: at(3, 11, 10), to: at(3, 16, 9) };
    /// let paused = cal.due_with_pauses(at(3, 9, 9), TimeLimit::WorkingDays(5), &[pause], SupplementRule::PauseClock).unwrap();
    /// let restarted = cal.due_with_pauses(at(3, 9, 9), TimeLimit::WorkingDays(5), &[pause], SupplementRule::RestartClock).unwrap();
    /// assert_eq!(paused.date, NaiveDate::from_ymd_opt(2026, 3, 19).unwrap());    // 16/03 + 3 left
    /// assert_eq!(restarted.date, NaiveDate::from_ymd_opt(2026, 3, 23).unwrap()); // 16/03 + 5
    /// ```
    pub fn due_with_pauses(
        &self,
        received: NaiveDateTime,
        limit: TimeLimit,
        pauses: &[Pause],
        rule: SupplementRule,
    ) -> Result<Due, CalendarError> {
        Ok(self.apply_pauses(received, limit, pauses, rule)?.0)
    }

    /// The deadline and the pauses that moved it, in order.
    pub(crate) fn apply_pauses(
        &self,
        received: NaiveDateTime,
        limit: TimeLimit,
        pauses: &[Pause],
        rule: SupplementRule,
    ) -> Result<(Due, Vec<Pause>), CalendarError> {
        let mut sorted = pauses.to_vec();
        sorted.sort_by_key(|p| p.from);
        for p in &sorted {
            if p.to < p.from || p.from < received {
                return Err(CalendarError::InvalidPause {
                    from: p.from.format("%H:%M %d/%m/%Y").to_string(),
                    to: p.to.format("%H:%M %d/%m/%Y").to_string(),
                });
            }
        }
        let mut due = self.due(received, limit)?;
        let mut applied = Vec::new();
        for p in sorted {
            if p.from >= due.at {
                break;
            }
            applied.push(p);
            due = match rule {
                SupplementRule::RestartClock => {
                    let from = self.effective_receipt(p.to)?;
                    self.due_counted_from(received, from, limit)?
                }
                SupplementRule::PauseClock => match limit {
                    TimeLimit::WorkingHours(_) => {
                        let extra = self.working_clock(p.to)? - self.working_clock(p.from)?;
                        let at = self.at_working_clock(self.working_clock(due.at)? + extra)?;
                        Due { date: at.date(), at, ..due }
                    }
                    TimeLimit::WorkingDays(_) | TimeLimit::SameDay { .. } => {
                        let extra = self.working_days_between(p.from.date(), p.to.date())?;
                        let date = self.add_working_days(due.date, extra.max(0) as u32)?;
                        Due { date, at: self.end_of(date), ..due }
                    }
                },
            };
        }
        Ok((due, applied))
    }

    /// The last day on which the apology and re-appointment letter (Mẫu 04) may go out: one
    /// working day before the due date (Decree 61/2018 Art. 19(9)).
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// let cal = motcua_calendar::WorkCalendar::vietnam().unwrap();
    /// let due = NaiveDate::from_ymd_opt(2026, 3, 5).unwrap();
    /// assert_eq!(cal.latest_apology_date(due).unwrap(), NaiveDate::from_ymd_opt(2026, 3, 4).unwrap());
    /// ```
    pub fn latest_apology_date(&self, due: NaiveDate) -> Result<NaiveDate, CalendarError> {
        self.previous_working_day(due)
    }

    /// Working time from `from` to `to`, minus the working time inside `pauses` (overlapping
    /// pauses count once). Zero if `to` is not after `from`.
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// let cal = motcua_calendar::WorkCalendar::vietnam().unwrap();
    /// let at = |d, h| NaiveDate::from_ymd_opt(2026, 3, d).unwrap().and_hms_opt(h, 0, 0).unwrap();
    /// // Fri 06/03 09:00 → Mon 09/03 09:00: 8 working hours (the weekend does not count).
    /// assert_eq!(cal.working_time_between(at(6, 9), at(9, 9), &[]).unwrap().hours(), 8.0);
    /// ```
    pub fn working_time_between(
        &self,
        from: NaiveDateTime,
        to: NaiveDateTime,
        pauses: &[Pause],
    ) -> Result<WorkingTime, CalendarError> {
        let day_seconds = self.working_day_seconds();
        if to <= from {
            return Ok(WorkingTime { seconds: 0, day_seconds });
        }
        let mut total = self.working_clock(to)? - self.working_clock(from)?;
        let mut clipped: Vec<(NaiveDateTime, NaiveDateTime)> =
            pauses.iter().map(|p| (p.from.max(from), p.to.min(to))).filter(|(a, b)| a < b).collect();
        clipped.sort();
        let mut merged: Vec<(NaiveDateTime, NaiveDateTime)> = Vec::new();
        for (a, b) in clipped {
            match merged.last_mut() {
                Some(last) if a <= last.1 => last.1 = last.1.max(b),
                _ => merged.push((a, b)),
            }
        }
        for (a, b) in merged {
            total -= self.working_clock(b)? - self.working_clock(a)?;
        }
        Ok(WorkingTime { seconds: total, day_seconds })
    }

    /// The local time of the calendar's zone at instant `t`.
    pub fn to_local(&self, t: DateTime<Utc>) -> NaiveDateTime {
        t.with_timezone(&self.config().time_zone).naive_local()
    }

    /// The instant of local time `t`; a time skipped by a daylight-saving jump is refused, an
    /// ambiguous one takes the earlier instant.
    pub fn to_instant(&self, t: NaiveDateTime) -> Result<DateTime<Utc>, CalendarError> {
        self.config()
            .time_zone
            .from_local_datetime(&t)
            .earliest()
            .map(|t| t.with_timezone(&Utc))
            .ok_or_else(|| CalendarError::InvalidLocalTime(t.to_string()))
    }
}
