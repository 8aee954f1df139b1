//! How fast the deadline arithmetic is. Run with `cargo bench -p motcua-calendar`; divan prints
//! the time per batch and the throughput in items per second (one item = one computation).

use chrono::{Days, NaiveDate, NaiveDateTime};
use divan::counter::ItemsCount;
use divan::{Bencher, black_box};
use motcua_calendar::lunar::{LunarDate, VIETNAM_TZ_HOURS};
use motcua_calendar::{CalendarConfig, SupplementRule, TimeLimit, WorkCalendar};

fn main() {
    divan::main();
}

const BATCH: usize = 10_000;

/// Pseudo-random dates in 2000–2089 (a fixed linear congruential sequence: repeatable runs).
fn dates() -> Vec<NaiveDate> {
    let base = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap();
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..BATCH)
        .map(|_| {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            base + Days::new((x >> 33) % 32_800)
        })
        .collect()
}

fn instants() -> Vec<NaiveDateTime> {
    dates().into_iter().enumerate().map(|(i, d)| d.and_hms_opt((i % 24) as u32, (i % 60) as u32, 0).unwrap()).collect()
}

#[divan::bench]
fn add_working_days(bencher: Bencher) {
    let cal = WorkCalendar::vietnam().unwrap();
    let dates = dates();
    bencher.counter(ItemsCount::new(BATCH)).bench(|| {
        for (i, d) in dates.iter().enumerate() {
            black_box(cal.add_working_days(black_box(*d), (i % 60) as u32 + 1).unwrap());
        }
    });
}

#[divan::bench]
fn working_days_between(bencher: Bencher) {
    let cal = WorkCalendar::vietnam().unwrap();
    let dates = dates();
    bencher.counter(ItemsCount::new(BATCH - 1)).bench(|| {
        for pair in dates.windows(2) {
            black_box(cal.working_days_between(black_box(pair[0]), black_box(pair[1])).unwrap());
        }
    });
}

#[divan::bench(args = ["10d", "8h", "same-day"])]
fn due(bencher: Bencher, limit: &str) {
    let cal = WorkCalendar::vietnam().unwrap();
    let limit: TimeLimit = limit.parse().unwrap();
    let instants = instants();
    bencher.counter(ItemsCount::new(BATCH)).bench(|| {
        for t in &instants {
            black_box(cal.due(black_box(*t), limit).unwrap());
        }
    });
}

#[divan::bench]
fn explain_10_days(bencher: Bencher) {
    let cal = WorkCalendar::vietnam().unwrap();
    let t = NaiveDate::from_ymd_opt(2026, 2, 12).unwrap().and_hms_opt(9, 0, 0).unwrap();
    bencher.bench(|| cal.explain(black_box(t), TimeLimit::WorkingDays(10), &[], SupplementRule::PauseClock).unwrap());
}

#[divan::bench]
fn solar_to_lunar(bencher: Bencher) {
    let dates = dates();
    bencher.counter(ItemsCount::new(BATCH)).bench(|| {
        for d in &dates {
            black_box(LunarDate::from_solar(black_box(*d), VIETNAM_TZ_HOURS).unwrap());
        }
    });
}

#[divan::bench(sample_count = 10)]
fn build_calendar_2000_2100() -> WorkCalendar {
    WorkCalendar::new(CalendarConfig::default()).unwrap()
}
