//! Where "now" comes from. Production reads the system clock in the agency's zone; tests set
//! the time so that deadlines over Tết can be exercised on any day of the year.

use std::sync::Mutex;

use chrono::{NaiveDateTime, Utc};

pub trait Clock: Send + Sync + std::fmt::Debug {
    /// The current instant in UTC.
    fn now_utc(&self) -> chrono::DateTime<Utc>;
}

#[derive(Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_utc(&self) -> chrono::DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that shows what it is set to (for tests and demo data).
#[derive(Debug)]
pub struct SetClock(Mutex<chrono::DateTime<Utc>>);

impl SetClock {
    /// Starts at `local` time in Asia/Ho_Chi_Minh.
    pub fn at_local(local: NaiveDateTime) -> SetClock {
        SetClock(Mutex::new(local.and_utc() - chrono::Duration::hours(7)))
    }

    pub fn set_local(&self, local: NaiveDateTime) {
        *self.0.lock().expect("clock lock") = local.and_utc() - chrono::Duration::hours(7);
    }
}

impl Clock for SetClock {
    fn now_utc(&self) -> chrono::DateTime<Utc> {
        *self.0.lock().expect("clock lock")
    }
}
