//! Public holidays derived by rule from the Labor Code, for years with no official schedule.
//!
//! Why rules at all, when official notices decide each year (see `schedule`)? Because a deadline
//! set today may fall in a year whose notice is not published yet: a 45-working-day procedure
//! received in November ends next year. The rule gives the best estimate, and the year's data file
//! replaces it once the notice is out.
//!
//! Where the law leaves a choice to the yearly decision, the defaults are (see docs/calendar.md):
//! - Tết: the last day of the old lunar year and the first four of the new (Labor Code 2012 and
//!   2019 only say "5 days"; the Prime Minister decides which).
//! - Quốc khánh (from 2021): 2/9 plus the day before, except when 2/9 is a Monday or a Thursday,
//!   where the day after joins the break to a weekend. This reproduces every year 2021–2026.
//! - Compensatory days (Art. 111(3)): each holiday on a weekly rest day moves to the next day that
//!   is neither a rest day, a holiday nor already a compensatory day.

use chrono::{Datelike, Days, NaiveDate, Weekday};

use crate::day::{DayEntry, DayKind, Source};
use crate::lunar::LunarDate;
use crate::{CalendarError, WeeklyPattern};

/// One version of the statutory holiday list, in force for holidays on or after `from`.
struct HolidayLaw {
    from: (i32, u32, u32),
    document: &'static str,
    signed: (i32, u32, u32),
    /// Tết days before mùng 1 and from mùng 1 on.
    tet_before: u64,
    tet_from_first: u64,
    hung_kings: bool,
    national_day_adjacent: bool,
    /// Where the law puts the compensatory-day rule.
    compensatory: &'static str,
}

/// Oldest first. Years before the first law use it too (the calendar is not meant for them).
const LAWS: [HolidayLaw; 4] = [
    HolidayLaw {
        from: (1995, 1, 1),
        document: "Bộ luật Lao động 1994, Điều 73",
        signed: (1994, 6, 23),
        tet_before: 1,
        tet_from_first: 3,
        hung_kings: false,
        national_day_adjacent: false,
        compensatory: "nghỉ bù khi ngày lễ trùng ngày nghỉ hằng tuần",
    },
    HolidayLaw {
        from: (2007, 4, 2),
        document: "Luật số 84/2007/QH11 sửa đổi Điều 73 Bộ luật Lao động",
        signed: (2007, 4, 2),
        tet_before: 1,
        tet_from_first: 3,
        hung_kings: true,
        national_day_adjacent: false,
        compensatory: "nghỉ bù khi ngày lễ trùng ngày nghỉ hằng tuần",
    },
    HolidayLaw {
        from: (2013, 5, 1),
        document: "Bộ luật Lao động 2012, Điều 115",
        signed: (2012, 6, 18),
        tet_before: 1,
        tet_from_first: 4,
        hung_kings: true,
        national_day_adjacent: false,
        compensatory: "nghỉ bù khi ngày lễ trùng ngày nghỉ hằng tuần",
    },
    HolidayLaw {
        from: (2021, 1, 1),
        document: "Bộ luật Lao động 2019, Điều 112",
        signed: (2019, 11, 20),
        tet_before: 1,
        tet_from_first: 4,
        hung_kings: true,
        national_day_adjacent: true,
        compensatory: "Điều 111 khoản 3 (nghỉ bù)",
    },
];

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid constant date")
}

fn law_for(date: NaiveDate) -> &'static HolidayLaw {
    LAWS.iter().rev().find(|law| date >= ymd(law.from.0, law.from.1, law.from.2)).unwrap_or(&LAWS[0])
}

fn law_source(law: &HolidayLaw) -> Source {
    Source {
        document: law.document.to_owned(),
        date: Some(ymd(law.signed.0, law.signed.1, law.signed.2)),
        issuer: "Quốc hội".to_owned(),
    }
}

fn holiday(date: NaiveDate, name: &str) -> DayEntry {
    DayEntry { date, kind: DayKind::Holiday, name: name.to_owned(), source: law_source(law_for(date)) }
}

/// The statutory holidays of `year` and their compensatory days, sorted by date.
///
/// ```
/// use chrono::NaiveDate;
/// use motcua_calendar::{rules::statutory_days_off, DayKind, WeeklyPattern};
/// let days = statutory_days_off(2026, WeeklyPattern::default(), 7.0).unwrap();
/// // Giỗ Tổ 2026 is Sunday 26/04, so Monday 27/04 is a compensatory day off.
/// let monday = NaiveDate::from_ymd_opt(2026, 4, 27).unwrap();
/// assert!(days.iter().any(|d| d.date == monday && d.kind == DayKind::Compensatory));
/// ```
pub fn statutory_days_off(year: i32, pattern: WeeklyPattern, tz_hours: f64) -> Result<Vec<DayEntry>, CalendarError> {
    let mut days = vec![holiday(ymd(year, 1, 1), "Tết Dương lịch")];

    let first = LunarDate { day: 1, month: 1, year, leap: false }.to_solar(tz_hours)?;
    let law = law_for(first);
    let tet_start = first - Days::new(law.tet_before);
    for i in 0..law.tet_before + law.tet_from_first {
        days.push(holiday(tet_start + Days::new(i), "Tết Nguyên đán"));
    }
    let gio_to = LunarDate { day: 10, month: 3, year, leap: false }.to_solar(tz_hours)?;
    if law_for(gio_to).hung_kings {
        days.push(holiday(gio_to, "Giỗ Tổ Hùng Vương"));
    }
    days.push(holiday(ymd(year, 4, 30), "Ngày Chiến thắng"));
    days.push(holiday(ymd(year, 5, 1), "Ngày Quốc tế Lao động"));
    let national_day = ymd(year, 9, 2);
    days.push(holiday(national_day, "Quốc khánh"));
    if law_for(national_day).national_day_adjacent {
        let adjacent = match national_day.weekday() {
            Weekday::Mon | Weekday::Thu => ymd(year, 9, 3),
            _ => ymd(year, 9, 1),
        };
        days.push(holiday(adjacent, "Quốc khánh"));
    }
    days.sort_by_key(|d| d.date);
    days.dedup_by_key(|d| d.date);

    let mut compensatory: Vec<DayEntry> = Vec::new();
    for h in days.iter().filter(|h| pattern.is_rest_day(h.date.weekday())) {
        let mut d = h.date;
        loop {
            d = d + Days::new(1);
            let taken = days.iter().any(|x| x.date == d) || compensatory.iter().any(|x| x.date == d);
            if !pattern.is_rest_day(d.weekday()) && !taken {
                break;
            }
        }
        compensatory.push(DayEntry {
            date: d,
            kind: DayKind::Compensatory,
            name: format!("Nghỉ bù {}", h.name),
            source: {
                let law = law_for(h.date);
                Source { document: format!("{}; {}", law.document, law.compensatory), ..law_source(law) }
            },
        });
    }
    days.extend(compensatory);
    days.sort_by_key(|d| d.date);
    Ok(days)
}
