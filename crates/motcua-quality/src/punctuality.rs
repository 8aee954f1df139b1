//! The counter's monthly punctuality report (issue 17): per officer, the days they checked in,
//! the days they arrived after the counter opened, and the spot checks that found them away in
//! opening hours; per unit, the same summed. Opening is the first working session of the day on
//! the agency's calendar; a grace of a few minutes is configurable.

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveDateTime};
use uuid::Uuid;

/// One officer's month.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Punctuality {
    pub days: u32,
    /// Days checked in after opening (plus the grace).
    pub late: u32,
    /// Spot checks that found the officer away.
    pub absent: u32,
    /// Spot checks in all.
    pub checked: u32,
}

/// Per officer: `checkins` (officer, first check-in of a day), `checks` (officer, present),
/// `opening` the counter's opening on a day (`None` on a day off: a check-in then is not late).
pub fn report(
    checkins: &[(Uuid, NaiveDateTime)],
    checks: &[(Uuid, bool)],
    opening: impl Fn(NaiveDate) -> Option<NaiveDateTime>,
    grace_minutes: i64,
) -> BTreeMap<Uuid, Punctuality> {
    let mut out: BTreeMap<Uuid, Punctuality> = BTreeMap::new();
    for (officer, at) in checkins {
        let p = out.entry(*officer).or_default();
        p.days += 1;
        if opening(at.date()).is_some_and(|open| *at > open + chrono::Duration::minutes(grace_minutes)) {
            p.late += 1;
        }
    }
    for (officer, present) in checks {
        let p = out.entry(*officer).or_default();
        p.checked += 1;
        if !present {
            p.absent += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn late_after_opening_and_grace_absent_when_a_check_found_nobody() {
        let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let t = |d: u32, h: u32, m: u32| NaiveDate::from_ymd_opt(2026, 3, d).unwrap().and_hms_opt(h, m, 0).unwrap();
        let opening = |day: NaiveDate| {
            (day != NaiveDate::from_ymd_opt(2026, 3, 7).unwrap()).then(|| day.and_hms_opt(7, 30, 0).unwrap())
        };
        let checkins = [(a, t(2, 7, 25)), (a, t(3, 7, 36)), (a, t(7, 9, 0)), (b, t(2, 7, 34))];
        let r = report(&checkins, &[(a, true), (b, false), (b, true)], opening, 5);
        assert_eq!(
            r[&a],
            Punctuality { days: 3, late: 1, absent: 0, checked: 1 },
            "7:36 is late, 7:34 is within the grace, a Saturday is not"
        );
        assert_eq!(r[&b], Punctuality { days: 1, late: 0, absent: 1, checked: 2 });
    }
}
