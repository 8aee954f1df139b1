//! Official schedules as data files, the rules that stand in for missing years, and the errors a
//! bad file gets.

use std::collections::BTreeSet;

use chrono::{Datelike, NaiveDate};
use motcua_calendar::rules::statutory_days_off;
use motcua_calendar::schedule::{Schedule, official_schedules};
use motcua_calendar::{CalendarConfig, DayKind, TimeLimit, WeeklyPattern, WorkCalendar};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// Weekdays off in `year` of a calendar.
fn weekdays_off(cal: &WorkCalendar, year: i32) -> BTreeSet<NaiveDate> {
    let mut out = BTreeSet::new();
    let mut date = d(year, 1, 1);
    while date.year() == year {
        let day = cal.day(date).unwrap();
        if !day.kind.is_working() && day.kind != DayKind::Weekend && date.weekday().num_days_from_monday() < 5 {
            out.insert(date);
        }
        date = date.succ_opt().unwrap();
    }
    out
}

#[test]
fn the_shipped_schedules_cover_2020_to_2026_and_cite_a_source_for_every_day() {
    let schedules = official_schedules().unwrap();
    let years: Vec<i32> = schedules.iter().map(|s| s.year).collect();
    assert_eq!(years, (2020..=2026).collect::<Vec<_>>());
    for s in &schedules {
        assert!(s.days.iter().all(|day| !day.source.document.is_empty() && !day.source.issuer.is_empty()));
        // Every year has New Year's Day, Tết, 30/4, 1/5 and National Day.
        for (m, day) in [(1, 1), (4, 30), (5, 1), (9, 2)] {
            assert!(
                s.days.iter().any(|e| e.date == d(s.year, m, day) && e.kind == DayKind::Holiday),
                "{} {day}/{m}",
                s.year
            );
        }
        assert!(s.days.iter().filter(|e| e.name == "Tết Nguyên đán").count() >= 5, "{}", s.year);
    }
}

#[test]
fn the_rules_reproduce_2022_where_the_government_made_no_swap() {
    let rules =
        WorkCalendar::new(CalendarConfig { official_schedules: false, years: 2022..=2022, ..Default::default() })
            .unwrap();
    let official = WorkCalendar::new(CalendarConfig { years: 2022..=2022, ..Default::default() }).unwrap();
    assert_eq!(weekdays_off(&rules, 2022), weekdays_off(&official, 2022));
    assert_eq!(weekdays_off(&official, 2022).len(), 11);
}

#[test]
fn official_data_overrides_the_rules_for_its_year() {
    // Rules put Tết 2020 on 24–30/01 (1 day before, 4 after, 2 compensatory); the notice chose 23–29/01.
    let rules =
        WorkCalendar::new(CalendarConfig { official_schedules: false, years: 2020..=2020, ..Default::default() })
            .unwrap();
    let official = WorkCalendar::new(CalendarConfig { years: 2020..=2020, ..Default::default() }).unwrap();
    assert!(rules.is_working_day(d(2020, 1, 23)).unwrap());
    assert!(!official.is_working_day(d(2020, 1, 23)).unwrap());
    assert!(!rules.is_working_day(d(2020, 1, 30)).unwrap());
    assert!(official.is_working_day(d(2020, 1, 30)).unwrap());
    // Labor Code 2012: one day for National Day in 2020; 2019 code: two from 2021.
    assert!(official.is_working_day(d(2020, 9, 3)).unwrap());
    let days = statutory_days_off(2021, WeeklyPattern::default(), 7.0).unwrap();
    assert_eq!(days.iter().filter(|e| e.name == "Quốc khánh").count(), 2);
}

#[test]
fn the_rules_give_compensatory_days_when_holidays_fall_on_a_weekend() {
    // 2027 has no notice yet: 1/1/2027 is a Friday, Tết 2027 is Saturday 06/02.
    let days = statutory_days_off(2027, WeeklyPattern::default(), 7.0).unwrap();
    let off: Vec<(NaiveDate, DayKind)> = days.iter().map(|e| (e.date, e.kind)).collect();
    // Tết: 05/02 (last day of Bính Ngọ) + 06–09/02; 06 and 07 fall on the weekend → 10 and 11/02.
    for date in [d(2027, 2, 5), d(2027, 2, 6), d(2027, 2, 7), d(2027, 2, 8), d(2027, 2, 9)] {
        assert!(off.contains(&(date, DayKind::Holiday)), "{date}");
    }
    assert!(off.contains(&(d(2027, 2, 10), DayKind::Compensatory)));
    assert!(off.contains(&(d(2027, 2, 11), DayKind::Compensatory)));
    // 2/9/2027 is a Thursday: the adjacent day is Friday 3/9.
    assert!(off.contains(&(d(2027, 9, 3), DayKind::Holiday)));
    // Every compensatory day is a weekday no holiday occupies.
    for e in days.iter().filter(|e| e.kind == DayKind::Compensatory) {
        assert!(e.date.weekday().num_days_from_monday() < 5);
        assert_eq!(days.iter().filter(|x| x.date == e.date).count(), 1);
    }
    // And the calendar without data uses them.
    let cal = WorkCalendar::vietnam().unwrap();
    assert_eq!(cal.day(d(2027, 2, 10)).unwrap().kind, DayKind::Compensatory);
    assert_eq!(cal.next_working_day(d(2027, 2, 4)).unwrap(), d(2027, 2, 12));
}

const SOURCES: &str = "year = 2026\n[sources.tb]\ndocument = \"Thông báo 1/TB\"\nissuer = \"Bộ Nội vụ\"\n";

fn parse(body: &str) -> Result<Schedule, String> {
    Schedule::parse("agency-2026.toml", &format!("{SOURCES}{body}"), WeeklyPattern::default())
        .map_err(|e| e.to_string())
}

#[test]
fn a_bad_schedule_file_is_refused_with_its_name_line_and_reason() {
    let day = |date: &str, kind: &str, source: &str| {
        format!("[[day]]\ndate = \"{date}\"\nkind = \"{kind}\"\nname = \"Nghỉ\"\nsource = \"{source}\"\n")
    };
    let cases = [
        (day("2026-13-01", "holiday", "tb"), "agency-2026.toml:6: ngày \"2026-13-01\" không hợp lệ"),
        (day("2025-12-31", "holiday", "tb"), "agency-2026.toml:6: ngày 2025-12-31 không thuộc năm 2026"),
        (day("2026-06-01", "holday", "tb"), "agency-2026.toml:7: unknown variant `holday`"),
        (day("2026-06-01", "holiday", "nope"), "agency-2026.toml:9: nguồn \"nope\" chưa khai báo"),
        (
            day("2026-06-05", "swapped_working", "tb"),
            "agency-2026.toml:7: làm bù (swapped_working) phải rơi vào ngày nghỉ hằng tuần, nhưng 2026-06-05 là Thứ Sáu",
        ),
        (
            day("2026-06-06", "compensatory", "tb"),
            "agency-2026.toml:7: nghỉ bù (compensatory) không thể rơi vào ngày nghỉ hằng tuần",
        ),
        (day("2026-06-06", "weekend", "tb"), "agency-2026.toml:7: kind \"weekend\" không dùng trong tệp"),
        (
            format!("{}{}", day("2026-06-01", "holiday", "tb"), day("2026-06-01", "holiday", "tb")),
            "agency-2026.toml:11: ngày 2026-06-01 đã khai báo ở dòng 6",
        ),
        (
            "[[day]]\ndate = \"2026-06-01\"\nkind = \"holiday\"\nsource = \"tb\"\n".to_owned(),
            "agency-2026.toml:5: missing field `name`",
        ),
        ("[[day]]\ndate = 2026-06-01\n".to_owned(), "agency-2026.toml:6: "),
        ("[[day]\n".to_owned(), "agency-2026.toml:5: "),
        ("colour = \"red\"\n".to_owned(), "agency-2026.toml:5: unknown field `colour`"),
    ];
    for (body, expected) in cases {
        let err = parse(&body).expect_err(&body);
        assert!(err.starts_with(expected), "expected «{expected}», got «{err}» for\n{body}");
    }
    assert!(parse(&day("2026-06-01", "holiday", "tb")).is_ok());
}

#[test]
fn an_agency_calendar_file_adds_local_days_and_its_own_hours() {
    let text = r#"
name = "Sở Nông nghiệp và Môi trường tỉnh Khánh Hòa"
sessions = ["07:30-11:30", "13:30-17:30"]
same_day_cutoff = "16:00"

[sources.qd]
document = "Quyết định 123/QĐ-UBND"
date = "2026-03-01"
issuer = "UBND tỉnh Khánh Hòa"

[[day]]
date = "2026-06-01"
kind = "holiday"
name = "Ngày nghỉ của tỉnh"
source = "qd"

[[day]]
date = "2026-06-06"
kind = "swapped_working"
name = "Làm bù cho ngày 01/06/2026"
source = "qd"
"#;
    let config = CalendarConfig::from_toml("khanh-hoa.toml", text).unwrap();
    let cal = WorkCalendar::new(config).unwrap();
    assert_eq!(cal.day(d(2026, 6, 1)).unwrap().kind, DayKind::Holiday);
    assert_eq!(cal.day(d(2026, 6, 1)).unwrap().entry.unwrap().source.issuer, "UBND tỉnh Khánh Hòa");
    assert!(cal.is_working_day(d(2026, 6, 6)).unwrap());
    // The national days are still there.
    assert!(!cal.is_working_day(d(2026, 2, 17)).unwrap());
    // Its sessions: 07:30 start, 16:00 cut-off.
    let t = d(2026, 6, 2).and_hms_opt(6, 0, 0).unwrap();
    assert_eq!(cal.effective_receipt(t).unwrap(), d(2026, 6, 2).and_hms_opt(7, 30, 0).unwrap());
    let late = d(2026, 6, 2).and_hms_opt(15, 30, 0).unwrap();
    assert_eq!(cal.due(late, TimeLimit::SameDay { cutoff: None }).unwrap().date, d(2026, 6, 2));

    for (bad, expected) in [
        ("time_zone = \"Asia/Saigon_City\"", "x.toml:1: múi giờ \"Asia/Saigon_City\" không tồn tại"),
        (
            "sessions = [\"11:30-07:00\"]",
            "x.toml:1: buổi làm việc \"11:30-07:00\": giờ bắt đầu phải trước giờ kết thúc",
        ),
        ("sessions = [\"07:00-12:00\", \"11:00-17:00\"]", "x.toml:1: cần ít nhất một buổi làm việc"),
        ("weekly_rest_days = [\"sat\", \"funday\"]", "x.toml:1: ngày trong tuần cần dạng"),
        ("years = [2100, 2000]", "x.toml:1: years cần dạng"),
    ] {
        let err = CalendarConfig::from_toml("x.toml", bad).unwrap_err().to_string();
        assert!(err.starts_with(expected), "expected «{expected}», got «{err}»");
    }
}
