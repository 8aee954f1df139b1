//! Errors of the calendar. Every message is Vietnamese first, because it reaches officers and
//! administrators as it is; the variants are what a program matches on.

use chrono::NaiveDate;

use crate::lunar::LunarDate;

/// What can go wrong in calendar arithmetic. None of these is a panic.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CalendarError {
    /// A date or year outside the range a calendar or the lunar conversion covers.
    #[error(
        "{what} nằm ngoài phạm vi lịch ({} – {}) / outside the calendar's range",
        first.format("%d/%m/%Y"),
        last.format("%d/%m/%Y")
    )]
    OutOfRange { what: String, first: NaiveDate, last: NaiveDate },
    /// A lunar date that does not exist (a leap month the year lacks, day 30 of a short month).
    #[error("ngày âm lịch {}/{}{}/{} không tồn tại / no such lunar date",
        .0.day, .0.month, if .0.leap { " nhuận" } else { "" }, .0.year)]
    InvalidLunarDate(LunarDate),
    /// A local time that does not exist or is ambiguous in the calendar's time zone.
    #[error("thời điểm {0} không hợp lệ ở múi giờ của lịch / no such local time")]
    InvalidLocalTime(String),
    /// A pause that ends before it begins, or begins before the dossier was received.
    #[error(
        "khoảng tạm dừng {from} – {to} không hợp lệ (kết thúc trước khi bắt đầu, hoặc trước ngày nhận hồ sơ) / invalid pause"
    )]
    InvalidPause { from: String, to: String },
    /// A schedule file that could not be used.
    #[error(transparent)]
    Schedule(#[from] crate::schedule::ScheduleError),
}
