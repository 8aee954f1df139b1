//! The lunar calendar against the test vectors of shared/domain/vn-regulatory.md §8.4.

use chrono::NaiveDate;
use motcua_calendar::CalendarError;
use motcua_calendar::lunar::{self, LunarDate, VIETNAM_TZ_HOURS};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

#[test]
fn tet_and_hung_kings_day_match_the_published_calendars() {
    let vectors = [
        (2023, d(2023, 1, 22), d(2023, 4, 29)),
        (2024, d(2024, 2, 10), d(2024, 4, 18)),
        (2025, d(2025, 1, 29), d(2025, 4, 7)),
        (2026, d(2026, 2, 17), d(2026, 4, 26)),
        (2027, d(2027, 2, 6), d(2027, 4, 16)),
        (2028, d(2028, 1, 26), d(2028, 4, 4)),
        (2029, d(2029, 2, 13), d(2029, 4, 23)),
        (2030, d(2030, 2, 2), d(2030, 4, 12)),
    ];
    for (year, tet, gio_to) in vectors {
        assert_eq!(lunar::tet(year, VIETNAM_TZ_HOURS).unwrap(), tet, "Tết {year}");
        let hung = LunarDate { day: 10, month: 3, year, leap: false };
        assert_eq!(hung.to_solar(VIETNAM_TZ_HOURS).unwrap(), gio_to, "Giỗ Tổ {year}");
    }
}

#[test]
fn leap_months_are_found_where_the_years_have_thirteen_months() {
    let vectors = [
        (2023, Some((2, d(2023, 3, 22)))),
        (2024, None),
        (2025, Some((6, d(2025, 7, 25)))),
        (2026, None),
        (2027, None),
        (2028, Some((5, d(2028, 6, 23)))),
        (2031, Some((3, d(2031, 4, 21)))),
    ];
    for (year, expected) in vectors {
        let found = lunar::leap_month(year, VIETNAM_TZ_HOURS);
        assert_eq!(found, expected.map(|(m, _)| m), "leap month of {year}");
        if let Some((month, start)) = expected {
            let first = LunarDate { day: 1, month, year, leap: true };
            assert_eq!(first.to_solar(VIETNAM_TZ_HOURS).unwrap(), start);
            assert_eq!(LunarDate::from_solar(start, VIETNAM_TZ_HOURS).unwrap(), first);
        }
    }
}

#[test]
fn vietnamese_tet_differs_from_chinese_tet_in_the_known_years() {
    let vectors = [
        (1965, d(1965, 2, 1), d(1965, 2, 2)),
        (1968, d(1968, 1, 29), d(1968, 1, 30)),
        (1969, d(1969, 2, 16), d(1969, 2, 17)),
        (1985, d(1985, 1, 21), d(1985, 2, 20)),
        (2007, d(2007, 2, 17), d(2007, 2, 18)),
        (2030, d(2030, 2, 2), d(2030, 2, 3)),
    ];
    for (year, vietnam, china) in vectors {
        assert_eq!(lunar::tet(year, 7.0).unwrap(), vietnam, "Vietnamese Tết {year}");
        assert_eq!(lunar::tet(year, 8.0).unwrap(), china, "Chinese Tết {year}");
    }
    // And in an ordinary year they agree.
    assert_eq!(lunar::tet(2026, 7.0).unwrap(), lunar::tet(2026, 8.0).unwrap());
}

#[test]
fn the_last_day_of_at_ty_is_the_29th_of_the_twelfth_month() {
    let eve = LunarDate::from_solar(d(2026, 2, 16), VIETNAM_TZ_HOURS).unwrap();
    assert_eq!(eve, LunarDate { day: 29, month: 12, year: 2025, leap: false });
    assert_eq!(eve.year_name(), "Ất Tỵ");
    assert_eq!(eve.to_string(), "29/12 Ất Tỵ");
    // There is no 30th in that month.
    let thirtieth = LunarDate { day: 30, month: 12, year: 2025, leap: false };
    assert!(matches!(thirtieth.to_solar(VIETNAM_TZ_HOURS), Err(CalendarError::InvalidLunarDate(_))));
}

#[test]
fn can_chi_names_follow_the_sixty_year_cycle() {
    let names = [
        (1984, "Giáp Tý"),
        (2020, "Canh Tý"),
        (2024, "Giáp Thìn"),
        (2025, "Ất Tỵ"),
        (2026, "Bính Ngọ"),
        (2027, "Đinh Mùi"),
    ];
    for (year, name) in names {
        assert_eq!(LunarDate { day: 1, month: 1, year, leap: false }.year_name(), name);
    }
}

#[test]
fn dates_outside_1800_to_2199_are_errors_not_panics() {
    assert!(matches!(LunarDate::from_solar(d(1799, 12, 31), 7.0), Err(CalendarError::OutOfRange { .. })));
    assert!(matches!(LunarDate::from_solar(d(2200, 1, 1), 7.0), Err(CalendarError::OutOfRange { .. })));
    assert!(LunarDate::from_solar(d(1800, 1, 1), 7.0).is_ok());
    assert!(LunarDate::from_solar(d(2199, 12, 31), 7.0).is_ok());
    assert!(LunarDate { day: 1, month: 1, year: 2300, leap: false }.to_solar(7.0).is_err());
    assert!(LunarDate { day: 0, month: 1, year: 2026, leap: false }.to_solar(7.0).is_err());
    assert!(LunarDate { day: 1, month: 13, year: 2026, leap: false }.to_solar(7.0).is_err());
    // 2026 has no leap month.
    assert!(LunarDate { day: 1, month: 4, year: 2026, leap: true }.to_solar(7.0).is_err());
}

#[test]
fn every_day_from_1800_to_2199_round_trips_through_the_lunar_calendar() {
    let mut date = lunar::FIRST_SUPPORTED;
    let mut previous: Option<LunarDate> = None;
    while date <= lunar::LAST_SUPPORTED {
        let l = LunarDate::from_solar(date, VIETNAM_TZ_HOURS).unwrap();
        assert_eq!(l.to_solar(VIETNAM_TZ_HOURS).unwrap(), date, "{date} → {l:?}");
        // Consecutive days are consecutive lunar days or the first of the next month.
        if let Some(p) = previous {
            assert!(l.day == p.day + 1 || (l.day == 1 && (29..=30).contains(&p.day)), "{date}: {p:?} → {l:?}");
        }
        previous = Some(l);
        date = date.succ_opt().unwrap();
    }
}
