//! The worked examples of shared/domain/vn-regulatory.md §8.3, and the policies around them.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use motcua_calendar::trace::TraceStep;
use motcua_calendar::{AfterHours, CalendarConfig, DayKind, DueAt, Pause, SupplementRule, TimeLimit, WorkCalendar};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn at(y: i32, m: u32, day: u32, h: u32, min: u32) -> NaiveDateTime {
    d(y, m, day).and_hms_opt(h, min, 0).unwrap()
}

fn vietnam() -> WorkCalendar {
    WorkCalendar::vietnam().unwrap()
}

/// Working seconds the trace counted, all days together.
fn counted_seconds(trace: &motcua_calendar::trace::Trace) -> i64 {
    trace
        .steps
        .iter()
        .filter_map(|s| match s {
            TraceStep::Counted { working_seconds, .. } => Some(*working_seconds),
            _ => None,
        })
        .sum()
}

fn limit(s: &str) -> TimeLimit {
    s.parse().unwrap()
}

#[test]
fn ten_working_days_from_thursday_before_tet_2026_are_due_thursday_5_march() {
    let cal = vietnam();
    let due = cal.due(at(2026, 2, 12, 9, 0), limit("10d")).unwrap();
    assert_eq!(due.date, d(2026, 3, 5));
    // The period ends at 24:00 of its last day (Civil Code Art. 148).
    assert_eq!(due.at, at(2026, 3, 6, 0, 0));
    assert!(due.is_on_time(at(2026, 3, 5, 16, 59)));
    assert!(!due.is_on_time(at(2026, 3, 6, 7, 0)));
}

#[test]
fn counting_the_same_ten_days_in_hours_ends_at_nine_on_the_same_date() {
    let due = vietnam().due(at(2026, 2, 12, 9, 0), limit("80h")).unwrap();
    assert_eq!(due.at, at(2026, 3, 5, 9, 0));
}

#[test]
fn five_working_days_from_19_august_2026_count_the_swapped_saturday() {
    let cal = vietnam();
    let due = cal.due(at(2026, 8, 19, 9, 0), limit("5d")).unwrap();
    assert_eq!(due.date, d(2026, 8, 25));
    assert_eq!(cal.day(d(2026, 8, 22)).unwrap().kind, DayKind::SwappedWorking);
    assert_eq!(cal.day(d(2026, 8, 31)).unwrap().kind, DayKind::Compensatory);

    // A calendar that ignores the swap (rules only) gives the 26th.
    let rules_only = WorkCalendar::new(CalendarConfig { official_schedules: false, ..Default::default() }).unwrap();
    assert_eq!(rules_only.due(at(2026, 8, 19, 9, 0), limit("5d")).unwrap().date, d(2026, 8, 26));
}

#[test]
fn the_apology_for_a_dossier_due_5_march_2026_goes_out_by_4_march() {
    assert_eq!(vietnam().latest_apology_date(d(2026, 3, 5)).unwrap(), d(2026, 3, 4));
    // After Tết, the working day before Mon 23/02 is Fri 13/02.
    assert_eq!(vietnam().latest_apology_date(d(2026, 2, 23)).unwrap(), d(2026, 2, 13));
}

#[test]
fn a_paper_dossier_received_at_15_20_is_transferred_from_the_start_of_the_next_working_day() {
    let cal = vietnam();
    // Same-day transfer with the 15:00 cut-off: too late for Tuesday 03/03.
    let due = cal.due(at(2026, 3, 3, 15, 20), limit("same-day")).unwrap();
    assert_eq!(due.date, d(2026, 3, 4));
    // And before the cut-off it is the same day.
    assert_eq!(cal.due(at(2026, 3, 3, 14, 59), limit("same-day")).unwrap().date, d(2026, 3, 3));
    // A cut-off of its own.
    assert_eq!(cal.due(at(2026, 3, 3, 15, 20), limit("same-day@16:00")).unwrap().date, d(2026, 3, 3));
    // The next working session starts Wednesday at 07:00.
    assert_eq!(cal.next_session_start(at(2026, 3, 3, 17, 20)).unwrap(), at(2026, 3, 4, 7, 0));
}

#[test]
fn a_dossier_received_after_hours_counts_from_the_next_working_session() {
    let cal = vietnam();
    // Friday 13/02/2026 at 18:00 is after hours and before Tết: it counts from Mon 23/02 07:00.
    let due = cal.due(at(2026, 2, 13, 18, 0), limit("1d")).unwrap();
    assert_eq!(due.counted_from, at(2026, 2, 23, 7, 0));
    assert_eq!(due.date, d(2026, 2, 24));
    // With the policy off, counting starts the day after receipt: Monday 23/02 is day 1.
    let as_received =
        WorkCalendar::new(CalendarConfig { after_hours: AfterHours::AsReceived, ..Default::default() }).unwrap();
    assert_eq!(as_received.due(at(2026, 2, 13, 18, 0), limit("1d")).unwrap().date, d(2026, 2, 23));
    // Lunch break: 12:00 counts from 13:30 the same day.
    assert_eq!(cal.effective_receipt(at(2026, 3, 3, 12, 0)).unwrap(), at(2026, 3, 3, 13, 30));
}

#[test]
fn working_hours_walk_the_sessions_and_skip_the_lunch_break_and_the_weekend() {
    let cal = vietnam();
    // Fri 06/03/2026 10:00 + 8h: 1h30 to 11:30, 3h30 to 17:00, then Monday 07:00 + 3h = 10:00.
    assert_eq!(cal.due(at(2026, 3, 6, 10, 0), limit("8h")).unwrap().at, at(2026, 3, 9, 10, 0));
    // A period ending exactly at a session's end ends then, not when the next session opens.
    assert_eq!(cal.due(at(2026, 3, 6, 7, 0), limit("8h")).unwrap().at, at(2026, 3, 6, 17, 0));
    let due = cal.due(at(2026, 3, 6, 10, 0), limit("1h")).unwrap();
    assert_eq!(due.at, at(2026, 3, 6, 11, 0));
    // Two hours from 10:30 cross the lunch break: 11:30 then 13:30 → 14:30.
    assert_eq!(cal.due(at(2026, 3, 6, 10, 30), limit("2h")).unwrap().at, at(2026, 3, 6, 14, 30));
}

#[test]
fn due_at_end_of_sessions_ends_at_17_00() {
    let cal = WorkCalendar::new(CalendarConfig { due_at: DueAt::EndOfSessions, ..Default::default() }).unwrap();
    assert_eq!(cal.due(at(2026, 2, 12, 9, 0), limit("10d")).unwrap().at, at(2026, 3, 5, 17, 0));
}

#[test]
fn elapsed_working_time_leaves_out_nights_weekends_holidays_and_pauses() {
    let cal = vietnam();
    // Thu 12/02 09:00 → Mon 23/02 09:00: Thu 6h, Fri 8h, Tết and weekends 0, Mon 2h = 16h.
    let elapsed = cal.working_time_between(at(2026, 2, 12, 9, 0), at(2026, 2, 23, 9, 0), &[]).unwrap();
    assert_eq!(elapsed.hours(), 16.0);
    assert_eq!(elapsed.days(), 2.0);
    assert_eq!(elapsed.to_string(), "2 ngày 0 giờ 0 phút làm việc");
    // Waiting for the applicant on Friday 13/02 from 07:00 to 11:30 does not count, even twice.
    let pause = Pause { from: at(2026, 2, 13, 7, 0), to: at(2026, 2, 13, 11, 30) };
    let overlapping = Pause { from: at(2026, 2, 13, 8, 0), to: at(2026, 2, 13, 9, 0) };
    let paused = cal.working_time_between(at(2026, 2, 12, 9, 0), at(2026, 2, 23, 9, 0), &[pause, overlapping]).unwrap();
    assert_eq!(paused.hours(), 11.5);
}

#[test]
fn a_supplement_request_stops_the_clock_or_restarts_it_as_configured() {
    let cal = vietnam();
    let received = at(2026, 3, 9, 9, 0);
    let pause = Pause { from: at(2026, 3, 11, 10, 0), to: at(2026, 3, 16, 9, 0) };
    let paused = cal.due_with_pauses(received, limit("5d"), &[pause], SupplementRule::PauseClock).unwrap();
    assert_eq!(paused.date, d(2026, 3, 19));
    let restarted = cal.due_with_pauses(received, limit("5d"), &[pause], SupplementRule::RestartClock).unwrap();
    assert_eq!(restarted.date, d(2026, 3, 23));
    assert_eq!(restarted.counted_from, at(2026, 3, 16, 9, 0));
    // A pause that starts after the deadline changes nothing.
    let late = Pause { from: at(2026, 3, 20, 9, 0), to: at(2026, 3, 25, 9, 0) };
    assert_eq!(
        cal.due_with_pauses(received, limit("5d"), &[late], SupplementRule::PauseClock).unwrap().date,
        d(2026, 3, 16)
    );
    // In hours, the pause's working hours are added.
    let hours = cal
        .due_with_pauses(
            received,
            limit("8h"),
            &[Pause { from: at(2026, 3, 9, 10, 0), to: at(2026, 3, 9, 14, 0) }],
            SupplementRule::PauseClock,
        )
        .unwrap();
    // 10:00–14:00 holds 1h30 + 0h30 = 2h of working time: Tue 09:00 + 2h = 11:00.
    assert_eq!(hours.at, at(2026, 3, 10, 11, 0));
    // A pause that ends before it begins is refused.
    let backwards = Pause { from: at(2026, 3, 12, 9, 0), to: at(2026, 3, 11, 9, 0) };
    assert!(cal.due_with_pauses(received, limit("5d"), &[backwards], SupplementRule::PauseClock).is_err());
}

#[test]
fn the_trace_names_every_skipped_day_with_its_source_and_counts_to_the_limit() {
    let cal = vietnam();
    let (due, trace) = cal.explain(at(2026, 2, 12, 9, 0), limit("10d"), &[], SupplementRule::PauseClock).unwrap();
    let counted: Vec<NaiveDate> = trace
        .steps
        .iter()
        .filter_map(|s| match s {
            TraceStep::Counted { date, .. } => Some(*date),
            _ => None,
        })
        .collect();
    assert_eq!(counted.len(), 10);
    assert_eq!(counted[0], d(2026, 2, 13));
    assert_eq!(*counted.last().unwrap(), due.date);
    let skipped_tet = trace.steps.iter().any(|s| {
        matches!(s,
        TraceStep::Skipped { date, kind: DayKind::Holiday, name: Some(name), source: Some(source) }
            if *date == d(2026, 2, 16) && name == "Tết Nguyên đán" && source.contains("9441/TB-BNV"))
    });
    assert!(skipped_tet, "{trace}");
    let text = trace.to_string();
    assert!(text.contains("bỏ qua Thứ Bảy 14/02/2026 — nghỉ hằng tuần"), "{text}");
    assert!(text.contains("ngày thứ 10: Thứ Năm 05/03/2026"), "{text}");
    assert!(text.contains("Hạn: 24:00 Thứ Năm 05/03/2026"), "{text}");
}

#[test]
fn the_trace_of_a_paused_period_shows_the_pause_and_still_counts_to_the_limit() {
    let cal = vietnam();
    let pause = Pause { from: at(2026, 3, 11, 10, 0), to: at(2026, 3, 16, 9, 0) };
    for rule in [SupplementRule::PauseClock, SupplementRule::RestartClock] {
        let (due, trace) = cal.explain(at(2026, 3, 9, 9, 0), limit("5d"), &[pause], rule).unwrap();
        let last_n = trace.steps.iter().rev().find_map(|s| match s {
            TraceStep::Counted { n, date, .. } => Some((*n, *date)),
            _ => None,
        });
        assert_eq!(last_n, Some((5, due.date)), "{rule:?}: {trace}");
        assert!(trace.steps.iter().any(|s| matches!(s, TraceStep::Paused { .. })));
    }
}

#[test]
fn an_hour_trace_adds_up_to_the_limit() {
    let cal = vietnam();
    let (_, trace) = cal.explain(at(2026, 3, 6, 10, 0), limit("8h"), &[], SupplementRule::PauseClock).unwrap();
    let seconds = counted_seconds(&trace);
    assert_eq!(seconds, 8 * 3600, "{trace}");
}

#[test]
fn the_2026_culture_day_and_tet_are_days_off() {
    let cal = vietnam();
    for (date, kind) in [
        (d(2026, 11, 24), DayKind::Holiday),
        (d(2026, 2, 17), DayKind::Holiday),
        (d(2026, 4, 27), DayKind::Compensatory),
        (d(2026, 1, 2), DayKind::Compensatory),
        (d(2026, 1, 10), DayKind::SwappedWorking),
        (d(2026, 11, 26), DayKind::Working),
        (d(2026, 11, 28), DayKind::Weekend),
    ] {
        assert_eq!(cal.day(date).unwrap().kind, kind, "{date}");
    }
}

#[test]
fn dates_outside_the_calendar_are_errors() {
    let cal = vietnam();
    assert!(cal.is_working_day(d(1999, 12, 31)).is_err());
    assert!(cal.add_working_days(d(2100, 12, 30), 5).is_err());
    let wide = WorkCalendar::new(CalendarConfig { years: 1800..=2199, ..Default::default() }).unwrap();
    assert!(wide.is_working_day(d(1800, 1, 2)).is_ok());
    assert!(WorkCalendar::new(CalendarConfig { years: 1700..=2000, ..Default::default() }).is_err());
}

#[test]
fn local_times_convert_to_and_from_utc_in_asia_ho_chi_minh() {
    let cal = vietnam();
    let local = at(2026, 2, 12, 9, 0);
    let utc = cal.to_instant(local).unwrap();
    assert_eq!(utc.format("%Y-%m-%d %H:%M").to_string(), "2026-02-12 02:00");
    assert_eq!(cal.to_local(utc), local);
    let _ = NaiveTime::MIN;
}

#[test]
fn an_hour_trace_with_a_pause_adds_up_to_the_limit() {
    let cal = vietnam();
    let pause = Pause { from: at(2026, 3, 9, 10, 0), to: at(2026, 3, 9, 14, 0) };
    let (due, trace) = cal.explain(at(2026, 3, 9, 9, 0), limit("8h"), &[pause], SupplementRule::PauseClock).unwrap();
    assert_eq!(due.at, at(2026, 3, 10, 11, 0));
    let seconds = counted_seconds(&trace);
    assert_eq!(seconds, 8 * 3600, "{trace}");
}
