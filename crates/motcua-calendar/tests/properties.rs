//! Properties of the arithmetic, checked on random inputs: the O(1) tables against a naive
//! day-by-day walk, round trips, and results that never land on a day off.

use std::sync::LazyLock;

use chrono::{Days, NaiveDate, NaiveTime};
use motcua_calendar::lunar::{LunarDate, VIETNAM_TZ_HOURS};
use motcua_calendar::{TimeLimit, WorkCalendar};
use proptest::prelude::*;

static CAL: LazyLock<WorkCalendar> = LazyLock::new(|| WorkCalendar::vietnam().unwrap());

/// Any date from 2000-01-11 to mid-2090 (leaving room before, for the previous working day) (leaving room for the period to end inside the table).
fn date() -> impl Strategy<Value = NaiveDate> {
    (10u64..33_000).prop_map(|i| NaiveDate::from_ymd_opt(2000, 1, 1).unwrap() + Days::new(i))
}

fn naive_add(cal: &WorkCalendar, mut d: NaiveDate, n: u32) -> NaiveDate {
    let mut left = n;
    while left > 0 {
        d = d.succ_opt().unwrap();
        if cal.is_working_day(d).unwrap() {
            left -= 1;
        }
    }
    d
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn adding_working_days_equals_a_naive_walk(d in date(), n in 0u32..400) {
        prop_assert_eq!(CAL.add_working_days(d, n).unwrap(), naive_add(&CAL, d, n));
    }

    #[test]
    fn adding_then_counting_working_days_round_trips(d in date(), n in 0u32..2000) {
        let due = CAL.add_working_days(d, n).unwrap();
        prop_assert_eq!(CAL.working_days_between(d, due).unwrap(), i64::from(n));
        prop_assert_eq!(CAL.working_days_between(due, d).unwrap(), -i64::from(n));
    }

    #[test]
    fn a_period_never_ends_on_a_day_off(d in date(), n in 1u32..400, minute in 0u32..1440) {
        prop_assert!(CAL.is_working_day(CAL.add_working_days(d, n).unwrap()).unwrap());
        let received = d.and_time(NaiveTime::from_num_seconds_from_midnight_opt(minute * 60, 0).unwrap());
        for limit in [TimeLimit::WorkingDays(n), TimeLimit::WorkingHours(n), TimeLimit::SameDay { cutoff: None }] {
            let due = CAL.due(received, limit).unwrap();
            prop_assert!(CAL.is_working_day(due.date).unwrap(), "{:?} {:?}", limit, due);
            prop_assert!(due.at > received);
        }
    }

    #[test]
    fn the_next_working_day_skips_only_days_off(d in date()) {
        let next = CAL.next_working_day(d).unwrap();
        prop_assert!(next > d);
        prop_assert!(CAL.is_working_day(next).unwrap());
        let mut between = d.succ_opt().unwrap();
        while between < next {
            prop_assert!(!CAL.is_working_day(between).unwrap());
            between = between.succ_opt().unwrap();
        }
        prop_assert_eq!(CAL.previous_working_day(next).unwrap() <= d, true);
    }

    #[test]
    fn working_hours_add_exactly_the_limit_to_the_working_clock(d in date(), minute in 0u32..1440, h in 1u32..500) {
        let received = d.and_time(NaiveTime::from_num_seconds_from_midnight_opt(minute * 60, 0).unwrap());
        let due = CAL.due(received, TimeLimit::WorkingHours(h)).unwrap();
        let start = CAL.effective_receipt(received).unwrap();
        prop_assert_eq!(CAL.working_clock(due.at).unwrap() - CAL.working_clock(start).unwrap(), i64::from(h) * 3600);
        prop_assert!(CAL.in_session(due.at - chrono::Duration::seconds(1)).unwrap());
    }

    #[test]
    fn the_explanation_counts_the_same_days_as_the_tables(d in date(), n in 1u32..60) {
        let received = d.and_hms_opt(9, 0, 0).unwrap();
        let (due, trace) = CAL.explain(received, TimeLimit::WorkingDays(n), &[], Default::default()).unwrap();
        let counted = trace.steps.iter().filter(|s| matches!(s, motcua_calendar::trace::TraceStep::Counted { .. })).count();
        prop_assert_eq!(counted as u32, n);
        prop_assert_eq!(due, CAL.due(received, TimeLimit::WorkingDays(n)).unwrap());
    }

    #[test]
    fn lunar_dates_that_exist_round_trip_through_the_solar_calendar(
        year in 1800i32..2199, month in 1u8..=12, day in 1u8..=30, leap in any::<bool>(),
    ) {
        let lunar = LunarDate { day, month, year, leap };
        if let Ok(solar) = lunar.to_solar(VIETNAM_TZ_HOURS) {
            prop_assert_eq!(LunarDate::from_solar(solar, VIETNAM_TZ_HOURS).unwrap(), lunar);
        }
    }
}
