//! The Vietnamese lunisolar calendar (âm lịch), after Hồ Ngọc Đức's algorithm (2004), itself based
//! on Jean Meeus, *Astronomical Algorithms*.
//!
//! Why it is here: Tết and the Hùng Kings' day are lunar dates, so every deadline that crosses
//! them depends on this arithmetic. Vietnam reckons lunar days at UTC+7 while China uses UTC+8; a
//! new moon between 16:00 and 17:00 UTC moves Tết by a day (1965, 2007, 2030) or even a month
//! (1985), so the time zone is a parameter and the tests pin the years where the two differ.
//!
//! The functions keep the original's shape and floor semantics on `f64` on purpose: a "cleaner"
//! rewrite that rounds differently would silently disagree with every published calendar.

use std::f64::consts::PI;
use std::fmt;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::CalendarError;

/// Vietnam's civil time zone for lunar reckoning, in hours east of UTC.
pub const VIETNAM_TZ_HOURS: f64 = 7.0;

/// First and last solar dates the lunar conversion is defined for.
pub const FIRST_SUPPORTED: NaiveDate = NaiveDate::from_ymd_opt(1800, 1, 1).unwrap();
/// See [`FIRST_SUPPORTED`].
pub const LAST_SUPPORTED: NaiveDate = NaiveDate::from_ymd_opt(2199, 12, 31).unwrap();

/// Julian day of the reference new moon (1900-01-01 13:52 UT) and the mean synodic month.
const REF_NEW_MOON: f64 = 2_415_021.076_998_695;
const SYNODIC_MONTH: f64 = 29.530_588_853;
/// Offset between chrono's days-from-CE and the Julian Day Number.
const JDN_OFFSET: i64 = 1_721_425;

/// A day of the lunar calendar: `{"day":1,"month":1,"year":2026,"leap":false}` is Tết Bính Ngọ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LunarDate {
    pub day: u8,
    pub month: u8,
    /// The lunar year, numbered like the solar year in which it mostly falls.
    pub year: i32,
    /// Whether the month is the intercalary (nhuận) month of a 13-month year.
    pub leap: bool,
}

impl LunarDate {
    /// Converts a solar (Gregorian) date to the lunar calendar of the time zone `tz_hours`.
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use motcua_calendar::lunar::{LunarDate, VIETNAM_TZ_HOURS};
    /// let tet = NaiveDate::from_ymd_opt(2026, 2, 17).unwrap();
    /// let lunar = LunarDate::from_solar(tet, VIETNAM_TZ_HOURS).unwrap();
    /// assert_eq!((lunar.day, lunar.month, lunar.year, lunar.leap), (1, 1, 2026, false));
    /// assert_eq!(lunar.year_name(), "Bính Ngọ");
    /// ```
    pub fn from_solar(date: NaiveDate, tz_hours: f64) -> Result<LunarDate, CalendarError> {
        check_range(date)?;
        Ok(solar_to_lunar(jdn(date), tz_hours))
    }

    /// Converts this lunar date back to the solar calendar. A leap month that the year does not
    /// have, or a day past the month's end (a "short" month has 29 days), is an error.
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use motcua_calendar::lunar::{LunarDate, VIETNAM_TZ_HOURS};
    /// // Giỗ Tổ Hùng Vương 2026: 10th day of the 3rd lunar month.
    /// let gio_to = LunarDate { day: 10, month: 3, year: 2026, leap: false };
    /// assert_eq!(gio_to.to_solar(VIETNAM_TZ_HOURS).unwrap(), NaiveDate::from_ymd_opt(2026, 4, 26).unwrap());
    /// ```
    pub fn to_solar(self, tz_hours: f64) -> Result<NaiveDate, CalendarError> {
        let invalid = || CalendarError::InvalidLunarDate(self);
        if !(1..=30).contains(&self.day) || !(1..=12).contains(&self.month) {
            return Err(invalid());
        }
        if !(FIRST_SUPPORTED.year() - 1..=LAST_SUPPORTED.year()).contains(&self.year) {
            return Err(CalendarError::OutOfRange {
                what: format!("năm âm lịch {}", self.year),
                first: FIRST_SUPPORTED,
                last: LAST_SUPPORTED,
            });
        }
        let start = lunar_month_start(self.month, self.year, self.leap, tz_hours).ok_or_else(invalid)?;
        // The next month starts at the next new moon; a 29-day month has no day 30.
        let k = ((start as f64 - REF_NEW_MOON) / SYNODIC_MONTH + 0.5).floor() as i64;
        let next = new_moon_day(k + 1, tz_hours);
        if start + i64::from(self.day) > next {
            return Err(invalid());
        }
        let date = from_jdn(start + i64::from(self.day) - 1);
        check_range(date)?;
        Ok(date)
    }

    /// The year's name in the sexagenary cycle (can chi), e.g. "Bính Ngọ" for 2026.
    pub fn year_name(&self) -> String {
        let stem = STEMS[(self.year + 6).rem_euclid(10) as usize];
        let branch = BRANCHES[(self.year + 8).rem_euclid(12) as usize];
        format!("{stem} {branch}")
    }
}

impl fmt::Display for LunarDate {
    /// `1/1 Bính Ngọ`, `15/6 nhuận Ất Tỵ`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let leap = if self.leap { " nhuận" } else { "" };
        write!(f, "{}/{}{} {}", self.day, self.month, leap, self.year_name())
    }
}

/// The solar date of the first day (mùng 1 Tết) of lunar year `year`.
pub fn tet(year: i32, tz_hours: f64) -> Result<NaiveDate, CalendarError> {
    LunarDate { day: 1, month: 1, year, leap: false }.to_solar(tz_hours)
}

/// The leap month (1–12) of lunar year `year`, if that year has thirteen months.
pub fn leap_month(year: i32, tz_hours: f64) -> Option<u8> {
    (1..=12).find(|&m| lunar_month_start(m, year, true, tz_hours).is_some())
}

const STEMS: [&str; 10] = ["Giáp", "Ất", "Bính", "Đinh", "Mậu", "Kỷ", "Canh", "Tân", "Nhâm", "Quý"];
const BRANCHES: [&str; 12] = ["Tý", "Sửu", "Dần", "Mão", "Thìn", "Tỵ", "Ngọ", "Mùi", "Thân", "Dậu", "Tuất", "Hợi"];

fn check_range(date: NaiveDate) -> Result<(), CalendarError> {
    if (FIRST_SUPPORTED..=LAST_SUPPORTED).contains(&date) {
        Ok(())
    } else {
        Err(CalendarError::OutOfRange {
            what: date.format("%d/%m/%Y").to_string(),
            first: FIRST_SUPPORTED,
            last: LAST_SUPPORTED,
        })
    }
}

fn jdn(date: NaiveDate) -> i64 {
    i64::from(date.num_days_from_ce()) + JDN_OFFSET
}

fn from_jdn(jd: i64) -> NaiveDate {
    // Every caller stays inside the supported range, far from chrono's limits.
    NaiveDate::from_num_days_from_ce_opt((jd - JDN_OFFSET) as i32).expect("date within chrono's range")
}

/// Julian day (fractional, UT) of the k-th new moon after the reference one.
fn new_moon(k: i64) -> f64 {
    let k = k as f64;
    let t = k / 1236.85;
    let t2 = t * t;
    let t3 = t2 * t;
    let dr = PI / 180.0;
    let mut jd1 = 2_415_020.759_33 + 29.530_588_68 * k + 0.000_117_8 * t2 - 0.000_000_155 * t3;
    jd1 += 0.000_33 * ((166.56 + 132.87 * t - 0.009_173 * t2) * dr).sin();
    let m = 359.2242 + 29.105_356_08 * k - 0.000_033_3 * t2 - 0.000_003_47 * t3;
    let mpr = 306.0253 + 385.816_918_06 * k + 0.010_730_6 * t2 + 0.000_012_36 * t3;
    let f = 21.2964 + 390.670_506_46 * k - 0.001_652_8 * t2 - 0.000_002_39 * t3;
    let mut c1 = (0.1734 - 0.000_393 * t) * (m * dr).sin() + 0.0021 * (2.0 * dr * m).sin();
    c1 = c1 - 0.4068 * (mpr * dr).sin() + 0.0161 * (dr * 2.0 * mpr).sin();
    c1 -= 0.0004 * (dr * 3.0 * mpr).sin();
    c1 = c1 + 0.0104 * (dr * 2.0 * f).sin() - 0.0051 * (dr * (m + mpr)).sin();
    c1 = c1 - 0.0074 * (dr * (m - mpr)).sin() + 0.0004 * (dr * (2.0 * f + m)).sin();
    c1 = c1 - 0.0004 * (dr * (2.0 * f - m)).sin() - 0.0006 * (dr * (2.0 * f + mpr)).sin();
    c1 = c1 + 0.0010 * (dr * (2.0 * f - mpr)).sin() + 0.0005 * (dr * (2.0 * mpr + m)).sin();
    let deltat = if t < -11.0 {
        0.001 + 0.000_839 * t + 0.000_226_1 * t2 - 0.000_008_45 * t3 - 0.000_000_081 * t * t3
    } else {
        -0.000_278 + 0.000_265 * t + 0.000_262 * t2
    };
    jd1 + c1 - deltat
}

/// The sun's ecliptic longitude in radians, 0..2π, at Julian day `jdn` (UT).
fn sun_longitude(jdn: f64) -> f64 {
    let t = (jdn - 2_451_545.0) / 36525.0;
    let t2 = t * t;
    let dr = PI / 180.0;
    let m = 357.529_10 + 35_999.050_30 * t - 0.000_155_9 * t2 - 0.000_000_48 * t * t2;
    let l0 = 280.466_45 + 36_000.769_83 * t + 0.000_303_2 * t2;
    let mut dl = (1.914_600 - 0.004_817 * t - 0.000_014 * t2) * (dr * m).sin();
    dl = dl + (0.019_993 - 0.000_101 * t) * (dr * 2.0 * m).sin() + 0.000_290 * (dr * 3.0 * m).sin();
    let l = (l0 + dl) * dr;
    l - PI * 2.0 * (l / (PI * 2.0)).floor()
}

/// The day (JDN) containing the k-th new moon, in local time.
fn new_moon_day(k: i64, tz: f64) -> i64 {
    (new_moon(k) + 0.5 + tz / 24.0).floor() as i64
}

/// The 30° sector (0..11) of the sun's longitude at local midnight starting day `day`.
fn sun_sector(day: i64, tz: f64) -> i64 {
    (sun_longitude(day as f64 - 0.5 - tz / 24.0) / PI * 6.0).floor() as i64
}

/// First day of lunar month 11 (the month containing the December solstice) of solar year `year`.
fn lunar_month_11(year: i32, tz: f64) -> i64 {
    let dec31 = NaiveDate::from_ymd_opt(year, 12, 31).expect("31 December exists");
    let off = jdn(dec31) as f64 - 2_415_021.0;
    let k = (off / SYNODIC_MONTH).floor() as i64;
    let nm = new_moon_day(k, tz);
    if sun_sector(nm, tz) >= 9 { new_moon_day(k - 1, tz) } else { nm }
}

/// Which month after month 11 is the leap month: the first with no major solar term.
fn leap_month_offset(a11: i64, tz: f64) -> i64 {
    let k = ((a11 as f64 - REF_NEW_MOON) / SYNODIC_MONTH + 0.5).floor() as i64;
    let mut i = 1;
    let mut arc = sun_sector(new_moon_day(k + i, tz), tz);
    loop {
        let last = arc;
        i += 1;
        arc = sun_sector(new_moon_day(k + i, tz), tz);
        if arc == last || i >= 14 {
            break;
        }
    }
    i - 1
}

fn solar_to_lunar(day_number: i64, tz: f64) -> LunarDate {
    // The mean lunation locates the month; the true new moon can sit more than a day off the
    // mean (e.g. in 1877), where the original took one step and produced "day 0". Step until
    // the month containing the day is found.
    let mut k = ((day_number as f64 - REF_NEW_MOON) / SYNODIC_MONTH).floor() as i64 + 1;
    while new_moon_day(k, tz) > day_number {
        k -= 1;
    }
    while new_moon_day(k + 1, tz) <= day_number {
        k += 1;
    }
    let month_start = new_moon_day(k, tz);
    let solar_year = from_jdn(day_number).year();
    let mut a11 = lunar_month_11(solar_year, tz);
    let mut b11 = a11;
    let mut lunar_year;
    if a11 >= month_start {
        lunar_year = solar_year;
        a11 = lunar_month_11(solar_year - 1, tz);
    } else {
        lunar_year = solar_year + 1;
        b11 = lunar_month_11(solar_year + 1, tz);
    }
    let day = day_number - month_start + 1;
    let diff = (month_start - a11) / 29;
    let mut leap = false;
    let mut month = diff + 11;
    if b11 - a11 > 365 {
        let leap_diff = leap_month_offset(a11, tz);
        if diff >= leap_diff {
            month = diff + 10;
            leap = diff == leap_diff;
        }
    }
    if month > 12 {
        month -= 12;
    }
    if month >= 11 && diff < 4 {
        lunar_year -= 1;
    }
    LunarDate { day: day as u8, month: month as u8, year: lunar_year, leap }
}

/// JDN of the first day of the given lunar month, or `None` for a leap month the year lacks.
fn lunar_month_start(month: u8, year: i32, leap: bool, tz: f64) -> Option<i64> {
    let (a11, b11) = if month < 11 {
        (lunar_month_11(year - 1, tz), lunar_month_11(year, tz))
    } else {
        (lunar_month_11(year, tz), lunar_month_11(year + 1, tz))
    };
    let k = (0.5 + (a11 as f64 - REF_NEW_MOON) / SYNODIC_MONTH).floor() as i64;
    let mut off = i64::from(month) - 11;
    if off < 0 {
        off += 12;
    }
    if b11 - a11 > 365 {
        let leap_off = leap_month_offset(a11, tz);
        let mut leap_month = leap_off - 2;
        if leap_month < 0 {
            leap_month += 12;
        }
        if leap && i64::from(month) != leap_month {
            return None;
        } else if leap || off >= leap_off {
            off += 1;
        }
    } else if leap {
        return None;
    }
    Some(new_moon_day(k + off, tz))
}
