//! A working calendar with precomputed tables, so that deadline arithmetic is a few array
//! look-ups rather than a walk over days.
//!
//! For every day of the covered years the calendar keeps its kind and how many working days came
//! before it; it also keeps the list of working days in order. Adding N working days to a date is
//! then "how many working days up to this date, plus N, and which day is that": two look-ups.
//! Working hours use the same tables with a clock that counts working seconds since the first
//! day covered (every working day has the same sessions).

use std::collections::BTreeMap;

use chrono::{Datelike, Days, NaiveDate, NaiveDateTime, NaiveTime, Timelike};

use crate::config::{AfterHours, CalendarConfig};
use crate::day::{DayEntry, DayKind};
use crate::rules::statutory_days_off;
use crate::schedule::official_schedules;
use crate::{CalendarError, Schedule};

/// A working calendar: the days of its years classified, with the tables that make arithmetic
/// O(1). Build it once (it takes about a millisecond per decade) and share it.
#[derive(Debug, Clone)]
pub struct WorkCalendar {
    config: CalendarConfig,
    first: NaiveDate,
    first_day: i32,
    kinds: Vec<DayKind>,
    /// Index into `entries` of the named entry for a day, if any.
    entry_of: Vec<u32>,
    entries: Vec<DayEntry>,
    /// `working_upto[i]`: working days among days `0..i` (one longer than `kinds`).
    working_upto: Vec<u32>,
    /// Day indices of the working days, in order.
    working: Vec<u32>,
    /// Sessions as (start, end) seconds from midnight.
    sessions: Vec<(u32, u32)>,
    day_seconds: i64,
    /// Years whose days off come from an official schedule; the others are projected from the
    /// Labour Code's rules (Tết and the compensatory days are estimates until announced).
    official_years: std::collections::BTreeSet<i32>,
}

/// What one day is, with the entry that made it so (holiday name and source).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DayInfo<'a> {
    pub date: NaiveDate,
    pub kind: DayKind,
    pub entry: Option<&'a DayEntry>,
}

const NO_ENTRY: u32 = u32::MAX;

impl WorkCalendar {
    /// Builds the calendar of `config`: rules for each year, replaced by the official schedule
    /// where one exists (if enabled), then the agency's own days on top.
    pub fn new(config: CalendarConfig) -> Result<WorkCalendar, CalendarError> {
        let official: BTreeMap<i32, Schedule> = if config.official_schedules {
            official_schedules()?.into_iter().map(|s| (s.year, s)).collect()
        } else {
            BTreeMap::new()
        };
        let first = NaiveDate::from_ymd_opt(*config.years.start(), 1, 1).ok_or_else(|| range_error(&config))?;
        let last = NaiveDate::from_ymd_opt(*config.years.end(), 12, 31).ok_or_else(|| range_error(&config))?;
        if first < crate::lunar::FIRST_SUPPORTED || last > crate::lunar::LAST_SUPPORTED {
            return Err(range_error(&config));
        }

        let official_years = config.years.clone().filter(|y| official.contains_key(y)).collect();
        let mut by_date: BTreeMap<NaiveDate, DayEntry> = BTreeMap::new();
        for year in config.years.clone() {
            let days = match official.get(&year) {
                Some(schedule) => schedule.days.clone(),
                None => statutory_days_off(year, config.weekly, config.lunar_tz_hours)?,
            };
            by_date.extend(days.into_iter().map(|d| (d.date, d)));
        }
        for extra in &config.extra_days {
            if (first..=last).contains(&extra.date) {
                by_date.insert(extra.date, extra.clone());
            }
        }

        let n = (last - first).num_days() as usize + 1;
        let mut kinds = Vec::with_capacity(n);
        let mut entry_of = vec![NO_ENTRY; n];
        let mut entries = Vec::with_capacity(by_date.len());
        let mut date = first;
        for (i, slot) in entry_of.iter_mut().enumerate() {
            let kind = match by_date.remove(&date) {
                Some(entry) => {
                    *slot = entries.len() as u32;
                    let kind = entry.kind;
                    entries.push(entry);
                    kind
                }
                None if config.weekly.is_rest_day(date.weekday()) => DayKind::Weekend,
                None => DayKind::Working,
            };
            kinds.push(kind);
            if i + 1 < n {
                date = date + Days::new(1);
            }
        }
        let mut working_upto = Vec::with_capacity(n + 1);
        let mut working = Vec::new();
        working_upto.push(0);
        for (i, kind) in kinds.iter().enumerate() {
            if kind.is_working() {
                working.push(i as u32);
            }
            working_upto.push(working.len() as u32);
        }
        let sessions: Vec<(u32, u32)> = config
            .sessions
            .iter()
            .map(|s| (s.start.num_seconds_from_midnight(), s.end.num_seconds_from_midnight()))
            .collect();
        let day_seconds = sessions.iter().map(|(a, b)| i64::from(b - a)).sum();
        Ok(WorkCalendar {
            first,
            first_day: first.num_days_from_ce(),
            kinds,
            entry_of,
            entries,
            working_upto,
            working,
            sessions,
            day_seconds,
            official_years,
            config,
        })
    }

    /// Whether `date`'s year has no official schedule: its days off, and so any due date that
    /// crosses them, are projected from the rules ("dự kiến") and may move when the government
    /// announces the year's schedule.
    pub fn is_projected(&self, date: NaiveDate) -> bool {
        !self.official_years.contains(&date.year())
    }

    /// The Vietnamese civil-service calendar (Asia/Ho_Chi_Minh, Monday–Friday, official
    /// schedules), covering 2000–2100.
    pub fn vietnam() -> Result<WorkCalendar, CalendarError> {
        WorkCalendar::new(CalendarConfig::default())
    }

    pub fn config(&self) -> &CalendarConfig {
        &self.config
    }

    pub fn first_date(&self) -> NaiveDate {
        self.first
    }

    pub fn last_date(&self) -> NaiveDate {
        self.first + Days::new(self.kinds.len() as u64 - 1)
    }

    /// Working seconds in one working day (8 h by default).
    pub fn working_day_seconds(&self) -> i64 {
        self.day_seconds
    }

    fn index(&self, date: NaiveDate) -> Result<usize, CalendarError> {
        let i = date.num_days_from_ce() - self.first_day;
        if i >= 0 && (i as usize) < self.kinds.len() {
            Ok(i as usize)
        } else {
            Err(self.out_of_range(date.format("%d/%m/%Y").to_string()))
        }
    }

    fn date_at(&self, index: u32) -> NaiveDate {
        NaiveDate::from_num_days_from_ce_opt(self.first_day + index as i32).expect("index inside the table")
    }

    fn out_of_range(&self, what: String) -> CalendarError {
        CalendarError::OutOfRange { what, first: self.first, last: self.last_date() }
    }

    /// The kind of `date` and the named entry behind it.
    pub fn day(&self, date: NaiveDate) -> Result<DayInfo<'_>, CalendarError> {
        let i = self.index(date)?;
        let entry = self.entries.get(self.entry_of[i] as usize);
        Ok(DayInfo { date, kind: self.kinds[i], entry })
    }

    /// The named days (holidays, compensatory and swapped days) between two dates, inclusive.
    pub fn entries_between(&self, from: NaiveDate, to: NaiveDate) -> impl Iterator<Item = &DayEntry> {
        self.entries.iter().filter(move |e| e.date >= from && e.date <= to)
    }

    /// ```
    /// use chrono::NaiveDate;
    /// let cal = motcua_calendar::WorkCalendar::vietnam().unwrap();
    /// let tet = NaiveDate::from_ymd_opt(2026, 2, 17).unwrap();
    /// let swapped_saturday = NaiveDate::from_ymd_opt(2026, 8, 22).unwrap();
    /// assert!(!cal.is_working_day(tet).unwrap());
    /// assert!(cal.is_working_day(swapped_saturday).unwrap());
    /// ```
    pub fn is_working_day(&self, date: NaiveDate) -> Result<bool, CalendarError> {
        Ok(self.kinds[self.index(date)?].is_working())
    }

    /// The first working day strictly after `date`.
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// let cal = motcua_calendar::WorkCalendar::vietnam().unwrap();
    /// let d = |m, d| NaiveDate::from_ymd_opt(2026, m, d).unwrap();
    /// // Friday before Tết → the Monday after the nine-day break.
    /// assert_eq!(cal.next_working_day(d(2, 13)).unwrap(), d(2, 23));
    /// ```
    pub fn next_working_day(&self, date: NaiveDate) -> Result<NaiveDate, CalendarError> {
        self.add_working_days(date, 1)
    }

    /// The last working day strictly before `date`.
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// let cal = motcua_calendar::WorkCalendar::vietnam().unwrap();
    /// let d = |m, d| NaiveDate::from_ymd_opt(2026, m, d).unwrap();
    /// assert_eq!(cal.previous_working_day(d(2, 23)).unwrap(), d(2, 13));
    /// ```
    pub fn previous_working_day(&self, date: NaiveDate) -> Result<NaiveDate, CalendarError> {
        let before = self.working_upto[self.index(date)?];
        match before.checked_sub(1) {
            Some(k) => Ok(self.date_at(self.working[k as usize])),
            None => Err(self.out_of_range(format!("ngày làm việc trước {}", date.format("%d/%m/%Y")))),
        }
    }

    /// Working days in the period after `from` up to and including `to` (Civil Code Art. 147:
    /// the first day is not counted). Negative when `to` is before `from`.
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// let cal = motcua_calendar::WorkCalendar::vietnam().unwrap();
    /// let d = |m, d| NaiveDate::from_ymd_opt(2026, m, d).unwrap();
    /// assert_eq!(cal.working_days_between(d(2, 12), d(3, 5)).unwrap(), 10);
    /// ```
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> Result<i64, CalendarError> {
        let a = self.working_upto[self.index(from)? + 1];
        let b = self.working_upto[self.index(to)? + 1];
        Ok(i64::from(b) - i64::from(a))
    }

    /// The `n`-th working day after `date` (Civil Code Art. 147–148: counting starts the next
    /// day; the period ends on a working day). `n = 0` gives `date` itself.
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// let cal = motcua_calendar::WorkCalendar::vietnam().unwrap();
    /// let d = |m, d| NaiveDate::from_ymd_opt(2026, m, d).unwrap();
    /// // The swapped Saturday 22/08/2026 counts: 5 working days from Wed 19/08 end on Tue 25/08.
    /// assert_eq!(cal.add_working_days(d(8, 19), 5).unwrap(), d(8, 25));
    /// ```
    #[inline]
    pub fn add_working_days(&self, date: NaiveDate, n: u32) -> Result<NaiveDate, CalendarError> {
        if n == 0 {
            self.index(date)?;
            return Ok(date);
        }
        let upto = self.working_upto[self.index(date)? + 1] as usize;
        match self.working.get(upto + n as usize - 1) {
            Some(&i) => Ok(self.date_at(i)),
            None => Err(self.out_of_range(format!("{} + {n} ngày làm việc", date.format("%d/%m/%Y")))),
        }
    }

    /// Seconds of working time inside the sessions before `time` on a working day.
    fn seconds_into_day(&self, time: NaiveTime) -> i64 {
        let t = time.num_seconds_from_midnight();
        self.sessions.iter().map(|&(a, b)| i64::from(t.clamp(a, b) - a)).sum()
    }

    /// The working clock: working seconds from the start of the calendar to `t`.
    pub fn working_clock(&self, t: NaiveDateTime) -> Result<i64, CalendarError> {
        let i = self.index(t.date())?;
        let mut w = i64::from(self.working_upto[i]) * self.day_seconds;
        if self.kinds[i].is_working() {
            w += self.seconds_into_day(t.time());
        }
        Ok(w)
    }

    /// The instant at which the working clock reads `w`. An instant at a session boundary is
    /// placed at the end of the earlier session (a period ends when the office closes, not when
    /// it reopens).
    pub fn at_working_clock(&self, w: i64) -> Result<NaiveDateTime, CalendarError> {
        if w <= 0 || self.day_seconds == 0 {
            return Err(self.out_of_range("thời điểm làm việc".to_owned()));
        }
        let (k, r) = ((w - 1) / self.day_seconds, (w - 1) % self.day_seconds + 1);
        let index = *self.working.get(k as usize).ok_or_else(|| self.out_of_range("thời điểm làm việc".to_owned()))?;
        let mut left = r;
        let mut second = 0;
        for &(a, b) in &self.sessions {
            let len = i64::from(b - a);
            if left <= len {
                second = i64::from(a) + left;
                break;
            }
            left -= len;
        }
        Ok(self.date_at(index).and_time(time_of(second)))
    }

    /// The instant `hours` working hours after `t`, walking the working sessions (lunch breaks,
    /// nights, weekends and holidays do not count). `t` is taken as it is; [`WorkCalendar::due`]
    /// applies the after-hours policy first.
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// let cal = motcua_calendar::WorkCalendar::vietnam().unwrap();
    /// let at = |d, h, m| NaiveDate::from_ymd_opt(2026, 3, d).unwrap().and_hms_opt(h, m, 0).unwrap();
    /// // Friday 10:00 + 8 h: 1h30 before lunch, 3h30 after, then Monday 07:00 + 3h.
    /// assert_eq!(cal.add_working_hours(at(6, 10, 0), 8).unwrap(), at(9, 10, 0));
    /// ```
    pub fn add_working_hours(&self, t: NaiveDateTime, hours: u32) -> Result<NaiveDateTime, CalendarError> {
        self.at_working_clock(self.working_clock(t)? + i64::from(hours) * 3600)
    }

    /// Whether `t` falls inside a working session of a working day.
    pub fn in_session(&self, t: NaiveDateTime) -> Result<bool, CalendarError> {
        let s = t.time().num_seconds_from_midnight();
        Ok(self.is_working_day(t.date())? && self.sessions.iter().any(|&(a, b)| s >= a && s < b))
    }

    /// The start of the first working session at or after `t` (`t` itself inside a session).
    pub fn next_session_start(&self, t: NaiveDateTime) -> Result<NaiveDateTime, CalendarError> {
        if self.in_session(t)? {
            return Ok(t);
        }
        let s = t.time().num_seconds_from_midnight();
        if self.is_working_day(t.date())?
            && let Some(&(a, _)) = self.sessions.iter().find(|&&(a, _)| a > s)
        {
            return Ok(t.date().and_time(time_of(i64::from(a))));
        }
        let next = self.next_working_day(t.date())?;
        Ok(next.and_time(time_of(i64::from(self.sessions[0].0))))
    }

    /// When a dossier received at `t` counts as received, under the calendar's after-hours policy.
    pub fn effective_receipt(&self, t: NaiveDateTime) -> Result<NaiveDateTime, CalendarError> {
        match self.config.after_hours {
            AfterHours::NextSession => self.next_session_start(t),
            AfterHours::AsReceived => {
                self.index(t.date())?;
                Ok(t)
            }
        }
    }

    /// The end of the last working session of `date`.
    pub fn close_of_business(&self, date: NaiveDate) -> NaiveDateTime {
        let end = self.sessions.last().map_or(0, |s| s.1);
        date.and_time(time_of(i64::from(end)))
    }
}

fn time_of(second: i64) -> NaiveTime {
    NaiveTime::from_num_seconds_from_midnight_opt(second as u32, 0).expect("a second of the day")
}

fn range_error(config: &CalendarConfig) -> CalendarError {
    CalendarError::OutOfRange {
        what: format!("các năm {}–{}", config.years.start(), config.years.end()),
        first: crate::lunar::FIRST_SUPPORTED,
        last: crate::lunar::LAST_SUPPORTED,
    }
}
