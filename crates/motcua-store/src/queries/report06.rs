//! How [`crate::QualityStore::report06_counts`] counts Biểu 06 without reading every dossier of
//! its window.
//!
//! A window `[s, e)` counts the dossiers received in it and those carried into it (received
//! before `s`, not finished before `s`). Each is placed by its received column (carried, online,
//! direct) and its outcome: a dossier finished before `e` by its own dates (early, on time, late:
//! fixed once it is finished); any other by where it stands at `e` (within its time or overdue).
//!
//! The finished dossiers are counted per day and per month in `dossier_day_counts` (migration
//! 13, kept by triggers in step with the facts): by the day each was received (`AR`) and by the
//! day it was finished (`AF`), per field, unit, channel (online or direct) and outcome. A window
//! adds up its whole months and the days before and after them ([`spans`]). Reading the facts only for the
//! dossiers still open at `e` (the set `O`, small: what is in progress at one instant), the
//! window's counts follow, for each field, unit, channel and outcome `g`:
//! - `X[g]`: the dossiers of `O` received in the window and finished since `e`;
//! - received in the window and finished before `e`: `RF = AR − X` (received column by channel);
//! - carried and finished in the window: `KF = AF − RF` (a dossier is finished after it is
//!   received, so one finished in the window was received in it or carried);
//! - the dossiers of `O` themselves, placed by SQL as before (`placement_sql`).
//!
//! Whole days come from the day counts; a window's part of a day (the cut-off of a report taken
//! now, "số liệu tạm tính") is counted from the facts. The conformance story
//! `the_database_places_dossiers_in_biểu_06_as_the_domain_does` checks the result against the
//! domain's placement of every dossier, on both backends.

use std::collections::BTreeMap;

use chrono::{Datelike, Days, Months, NaiveDate, NaiveDateTime, NaiveTime};
use uuid::Uuid;

use super::{Arg, INTRINSIC_OUTCOME, PLACEMENT_COLUMNS, agencies_in, placement_sql};
use crate::PlacementCount;

/// A query's text and its arguments.
pub(crate) type Sql = (String, Vec<Arg>);

/// The three kinds of query of one count.
pub(crate) struct Plan {
    pub days: Option<Sql>,
    pub edges: Vec<Sql>,
    pub open: Sql,
}

impl Plan {
    pub fn new(agencies: &[Uuid], start: NaiveDateTime, end: NaiveDateTime) -> Plan {
        let midnight = |d: NaiveDate| d.and_time(NaiveTime::MIN);
        let first_whole = if start.time() == NaiveTime::MIN { start.date() } else { start.date() + Days::new(1) };
        let after_whole = end.date();
        let (days, edges) = if first_whole < after_whole {
            let edges = [(start, midnight(first_whole)), (midnight(after_whole), end)];
            let edges = edges.into_iter().filter(|(a, b)| a < b).map(|(a, b)| edge(agencies, a, b)).collect();
            (Some(whole_days(agencies, first_whole, after_whole)), edges)
        } else {
            (None, if start < end { vec![edge(agencies, start, end)] } else { Vec::new() })
        };
        Plan { days, edges, open: open(agencies, start, end) }
    }
}

/// The spans of `[first, after)` (whole days) the day counts hold: the months wholly inside it,
/// and the days before and after them.
pub(crate) fn spans(first: NaiveDate, after: NaiveDate) -> Vec<(&'static str, NaiveDate, NaiveDate)> {
    let month_of = |d: NaiveDate| d - Days::new(u64::from(d.day0()));
    let months_from =
        if first.day() == 1 { first } else { month_of(first).checked_add_months(Months::new(1)).unwrap_or(after) };
    let months_to = month_of(after);
    let spans = if months_from < months_to {
        vec![("day", first, months_from), ("month", months_from, months_to), ("day", months_to, after)]
    } else {
        vec![("day", first, after)]
    };
    spans.into_iter().filter(|(_, a, b)| a < b).collect()
}

/// The day counts of the whole days `[first, after)`.
fn whole_days(agencies: &[Uuid], first: NaiveDate, after: NaiveDate) -> Sql {
    let mut args = Vec::new();
    let agency = agencies_in(agencies, &mut args);
    let mut parts = Vec::new();
    for (span, a, b) in spans(first, after) {
        args.push(Arg::Date(a));
        args.push(Arg::Date(b));
        let (from, to) = (args.len() - 1, args.len());
        parts.push(format!(
            "select kind, field, unit, channel, outcome, count from dossier_day_counts
             where {agency} and span = '{span}' and day >= ${from} and day < ${to}"
        ));
    }
    let sql = format!(
        "select kind, field, unit, channel, outcome, cast(sum(count) as bigint) from ({}) counted
         group by kind, field, unit, channel, outcome",
        parts.join(" union all ")
    );
    (sql, args)
}

/// The finished dossiers received, and those finished, in `[a, b)` (part of a day), as the day
/// counts hold them.
fn edge(agencies: &[Uuid], a: NaiveDateTime, b: NaiveDateTime) -> Sql {
    let mut args = Vec::new();
    let agency = agencies_in(agencies, &mut args);
    args.push(Arg::Ts(a));
    args.push(Arg::Ts(b));
    let (from, to) = (args.len() - 1, args.len());
    let sql = format!(
        "select 'received', field, coalesce(unit, ''), channel, {INTRINSIC_OUTCOME}, count(*) from dossier_facts
         where {agency} and received_at >= ${from} and received_at < ${to} and finished_at is not null
         group by 2, 3, 4, 5
         union all
         select 'finished', field, coalesce(unit, ''), channel, {INTRINSIC_OUTCOME}, count(*) from dossier_facts
         where {agency} and finished_at >= ${from} and finished_at < ${to} and received_at is not null
         group by 2, 3, 4, 5"
    );
    (sql, args)
}

/// The dossiers open at `end` (not finished, or finished since), placed, with the outcome of
/// those received in the window and finished since `end`.
fn open(agencies: &[Uuid], start: NaiveDateTime, end: NaiveDateTime) -> Sql {
    let mut args = Vec::new();
    let agency = agencies_in(agencies, &mut args);
    args.push(Arg::Ts(start));
    args.push(Arg::Ts(end));
    let (s, e) = (args.len() - 1, args.len());
    let (received, outcome) = placement_sql(s, e);
    let sql = format!(
        "select field, coalesce(unit, ''), channel, {received}, {outcome},
           case when finished_at is not null and received_at >= ${s} then {INTRINSIC_OUTCOME} else '' end, count(*)
         from (select {PLACEMENT_COLUMNS} from dossier_facts where {agency} and finished_at is null and received_at < ${e}
               union all
               select {PLACEMENT_COLUMNS} from dossier_facts where {agency} and finished_at >= ${e} and received_at < ${e}
              ) open_at_end
         group by 1, 2, 3, 4, 5, 6"
    );
    (sql, args)
}

/// Field, unit, received column (online or direct), outcome.
type Group = (String, String, String, String);

/// Biểu 06's received column of a channel not carried over: online, or direct (counter, post).
fn column(channel: &str) -> &'static str {
    if channel == "online" { "online" } else { "direct" }
}

/// The counts read, put together.
#[derive(Debug, Default)]
pub(crate) struct Tally {
    received: BTreeMap<Group, i64>,
    finished: BTreeMap<Group, i64>,
    since_end: BTreeMap<Group, i64>,
    placed: BTreeMap<(String, String, String, String), i64>,
}

impl Tally {
    /// Rows of the day counts or of an edge: kind, field, unit, channel, outcome, count.
    pub fn add_finished(&mut self, rows: Vec<(String, String, String, String, String, i64)>) {
        for (kind, field, unit, channel, outcome, count) in rows {
            let to = if kind == "received" { &mut self.received } else { &mut self.finished };
            *to.entry((field, unit, column(&channel).into(), outcome)).or_default() += count;
        }
    }

    /// Rows of the open dossiers: field, unit, channel, received column, outcome at the cut-off,
    /// own outcome if received in the window and finished since (else empty), count.
    pub fn add_open(&mut self, rows: Vec<(String, String, String, String, String, String, i64)>) {
        for (field, unit, channel, received, outcome, own, count) in rows {
            if !own.is_empty() {
                *self.since_end.entry((field.clone(), unit.clone(), column(&channel).into(), own)).or_default() +=
                    count;
            }
            *self.placed.entry((field, unit, received, outcome)).or_default() += count;
        }
    }

    /// Biểu 06's counts per field, unit, received column and outcome.
    pub fn placements(mut self) -> Vec<PlacementCount> {
        let groups: std::collections::BTreeSet<Group> =
            self.received.keys().chain(self.finished.keys()).cloned().collect();
        for g in groups {
            let get = |m: &BTreeMap<Group, i64>| m.get(&g).copied().unwrap_or(0);
            let in_window = get(&self.received) - get(&self.since_end);
            let carried = get(&self.finished) - in_window;
            let (field, unit, column, outcome) = g;
            for (received, count) in [(column.as_str(), in_window), ("carried", carried)] {
                *self.placed.entry((field.clone(), unit.clone(), received.into(), outcome.clone())).or_default() +=
                    count;
            }
        }
        self.placed
            .into_iter()
            .filter(|(_, count)| *count != 0)
            .map(|((field, unit, received, outcome), count)| PlacementCount { field, unit, received, outcome, count })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(d: u32, h: u32) -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 3, d).unwrap().and_hms_opt(h, 0, 0).unwrap()
    }

    #[test]
    fn whole_days_come_from_the_day_counts_and_a_part_of_a_day_from_the_facts() {
        let a = [Uuid::nil()];
        let closed = Plan::new(&a, at(1, 0), at(15, 0));
        assert!(closed.days.is_some() && closed.edges.is_empty());
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        // A year's report window: its first half month by day, whole months, the last half by day.
        assert_eq!(
            spans(d(2025, 12, 15), d(2026, 12, 15)),
            vec![
                ("day", d(2025, 12, 15), d(2026, 1, 1)),
                ("month", d(2026, 1, 1), d(2026, 12, 1)),
                ("day", d(2026, 12, 1), d(2026, 12, 15))
            ]
        );
        assert_eq!(spans(d(2026, 2, 1), d(2026, 3, 1)), vec![("month", d(2026, 2, 1), d(2026, 3, 1))]);
        assert_eq!(spans(d(2026, 2, 15), d(2026, 3, 15)), vec![("day", d(2026, 2, 15), d(2026, 3, 15))]);
        let provisional = Plan::new(&a, at(1, 0), at(10, 14));
        assert_eq!(provisional.edges.len(), 1, "today until now");
        assert!(
            matches!(provisional.edges[0].1[1..], [Arg::Ts(from), Arg::Ts(to)] if from == at(10, 0) && to == at(10, 14))
        );
        let within_a_day = Plan::new(&a, at(10, 0), at(10, 9));
        assert!(within_a_day.days.is_none() && within_a_day.edges.len() == 1);
        assert!(Plan::new(&a, at(10, 0), at(10, 0)).edges.is_empty());
    }

    #[test]
    fn finished_dossiers_are_split_between_received_and_carried() {
        let g = |o: &str| ("Đất đai".to_owned(), "VP".to_owned(), "counter".to_owned(), o.to_owned());
        let mut t = Tally::default();
        // 10 received in the window and finished (ever), 3 of them since the cut-off; 12
        // finished in the window: 7 received in it, so 5 carried.
        t.add_finished(vec![
            ("received".into(), g("late").0, g("late").1, g("late").2, "late".into(), 10),
            ("finished".into(), g("late").0, g("late").1, g("late").2, "late".into(), 12),
        ]);
        t.add_open(vec![
            ("Đất đai".into(), "VP".into(), "counter".into(), "direct".into(), "within".into(), "late".into(), 3),
            ("Đất đai".into(), "VP".into(), "online".into(), "carried".into(), "overdue".into(), String::new(), 2),
        ]);
        let counts: Vec<(String, String, i64)> =
            t.placements().into_iter().map(|c| (c.received, c.outcome, c.count)).collect();
        assert_eq!(
            counts,
            vec![
                ("carried".into(), "late".into(), 5),
                ("carried".into(), "overdue".into(), 2),
                ("direct".into(), "late".into(), 7),
                ("direct".into(), "within".into(), 3),
            ]
        );
    }
}
