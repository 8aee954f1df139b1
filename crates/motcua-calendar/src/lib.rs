//! Vietnamese working-day calendar for the one-stop system.
//!
//! Every deadline in the one-stop system (the appointment date on the receipt, each internal
//! step's budget, the overdue lists, the apology letter due one working day before a missed date)
//! is counted in Vietnamese working days. This crate does that arithmetic and nothing else: no
//! I/O, no database, serde-friendly types.
//!
//! - [`lunar`]: the lunar calendar at UTC+7 (Tết and the Hùng Kings' day are lunar dates);
//! - [`rules`]: the Labor Code's holidays and compensatory days for any year;
//! - [`schedule`]: the official yearly schedules (data files), which override the rules;
//! - [`WorkCalendar`]: a calendar with precomputed tables, for O(1) deadline arithmetic;
//! - [`TimeLimit`], [`Due`], [`trace`]: deadlines that explain themselves.
//!
//! ```
//! use chrono::NaiveDate;
//! use motcua_calendar::{TimeLimit, WorkCalendar};
//! let cal = WorkCalendar::vietnam()?;
//! let received = NaiveDate::from_ymd_opt(2026, 8, 19).unwrap().and_hms_opt(9, 0, 0).unwrap();
//! // Saturday 22/08/2026 is a working day, swapped for Monday 31/08.
//! assert_eq!(cal.due(received, TimeLimit::WorkingDays(5))?.date, NaiveDate::from_ymd_opt(2026, 8, 25).unwrap());
//! # Ok::<(), motcua_calendar::CalendarError>(())
//! ```

mod calendar;
mod config;
mod config_file;
mod day;
mod deadline;
mod error;
mod limit;
pub mod lunar;
pub mod rules;
pub mod schedule;
pub mod trace;

pub use calendar::{DayInfo, WorkCalendar};
pub use config::{AfterHours, CalendarConfig, DueAt, Session, WeeklyPattern};
pub use day::{DayEntry, DayKind, Source, format_date_vi, weekday_vi};
pub use deadline::{Due, Pause, SupplementRule, WorkingTime};
pub use error::CalendarError;
pub use limit::TimeLimit;
pub use schedule::{Schedule, ScheduleError};
