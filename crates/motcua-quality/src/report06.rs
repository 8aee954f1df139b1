//! Biểu số 06/VPCP/KSTT (Circular 01/2020/TT-VPCP): dossiers received, resolved and pending in a
//! period, per field and per unit. Each dossier accepted before the cut-off falls in exactly one
//! "received" column and one "resolved" or "pending" column, so the form's invariants hold:
//! col 3 = 4 + 5 + 6, col 7 = 8 + 9 + 10, col 11 = 12 + 13, col 3 = 7 + 11.
//!
//! Rules (documented in `docs/quality.md`):
//! - only accepted dossiers count (received_at set); refused at the counter, never;
//! - received in the window: online (col 4) or counter and post (col 5); accepted before it and
//!   not finished before it: carried over (col 6);
//! - finished in the window (result ready, refused after appraisal, or stopped at the
//!   applicant's request) is resolved, early / on time / late by [`DossierFacts::judge`];
//! - not finished at the cut-off is pending: overdue when [`DossierFacts::overdue_at`] says so.

use motcua_domain::dossier::{DossierFacts, Finish};
use serde::{Deserialize, Serialize};

use crate::period::Window;

/// The columns 3–13 of the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Column {
    Received = 3,
    Online = 4,
    Direct = 5,
    Carried = 6,
    Resolved = 7,
    Early = 8,
    OnTime = 9,
    Late = 10,
    Pending = 11,
    Within = 12,
    Overdue = 13,
}

impl Column {
    pub const ALL: [Column; 11] = [
        Column::Received,
        Column::Online,
        Column::Direct,
        Column::Carried,
        Column::Resolved,
        Column::Early,
        Column::OnTime,
        Column::Late,
        Column::Pending,
        Column::Within,
        Column::Overdue,
    ];

    pub fn number(self) -> u8 {
        self as u8
    }

    pub fn from_number(n: u8) -> Option<Column> {
        Column::ALL.into_iter().find(|c| c.number() == n)
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Column::Received => "Số hồ sơ nhận giải quyết: tổng số",
            Column::Online => "Trong kỳ: trực tuyến",
            Column::Direct => "Trong kỳ: trực tiếp, dịch vụ bưu chính",
            Column::Carried => "Từ kỳ trước",
            Column::Resolved => "Số hồ sơ đã giải quyết: tổng số",
            Column::Early => "Trước hạn",
            Column::OnTime => "Đúng hạn",
            Column::Late => "Quá hạn",
            Column::Pending => "Số hồ sơ đang giải quyết: tổng số",
            Column::Within => "Trong hạn",
            Column::Overdue => "Quá hạn",
        }
    }
}

impl Column {
    /// The placements a column counts, by the names of [`Column::named`].
    pub fn placements(self) -> &'static [&'static str] {
        match self {
            Column::Received => &["online", "direct", "carried"],
            Column::Online => &["online"],
            Column::Direct => &["direct"],
            Column::Carried => &["carried"],
            Column::Resolved => &["early", "on_time", "late"],
            Column::Early => &["early"],
            Column::OnTime => &["on_time"],
            Column::Late => &["late"],
            Column::Pending => &["within", "overdue"],
            Column::Within => &["within"],
            Column::Overdue => &["overdue"],
        }
    }

    /// The names the database's count uses: `online`, `direct`, `carried`, `early`, `on_time`,
    /// `late`, `within`, `overdue`.
    pub fn named(s: &str) -> Option<Column> {
        Some(match s {
            "online" => Column::Online,
            "direct" => Column::Direct,
            "carried" => Column::Carried,
            "early" => Column::Early,
            "on_time" => Column::OnTime,
            "late" => Column::Late,
            "within" => Column::Within,
            "overdue" => Column::Overdue,
            _ => return None,
        })
    }
}

/// Where one dossier falls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placement {
    /// Online, Direct or Carried.
    pub received: Column,
    /// Early, OnTime, Late, Within or Overdue.
    pub outcome: Column,
}

impl Placement {
    /// Whether the dossier is counted in `column`.
    pub fn counts_in(&self, column: Column) -> bool {
        match column {
            Column::Received => true,
            Column::Resolved => matches!(self.outcome, Column::Early | Column::OnTime | Column::Late),
            Column::Pending => matches!(self.outcome, Column::Within | Column::Overdue),
            c => c == self.received || c == self.outcome,
        }
    }
}

/// Where `f` falls in the report of `window`, if it is in it at all.
pub fn place(f: &DossierFacts, window: &Window) -> Option<Placement> {
    let received_at = f.received_at?;
    let (start, cutoff) = (window.start(), window.end());
    if received_at >= cutoff || f.finished_at.is_some_and(|t| t < start) {
        return None;
    }
    let received = if received_at < start {
        Column::Carried
    } else if f.online() {
        Column::Online
    } else {
        Column::Direct
    };
    let outcome = match f.finished_at.filter(|t| *t < cutoff) {
        Some(done) => match f.judge(done) {
            Finish::Early => Column::Early,
            Finish::OnTime => Column::OnTime,
            Finish::Late => Column::Late,
        },
        None if f.overdue_at(cutoff) => Column::Overdue,
        None => Column::Within,
    };
    Some(Placement { received, outcome })
}

/// One line of the form: the count in each column 3–13.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Line {
    pub counts: [u64; 11],
}

impl Line {
    pub fn get(&self, c: Column) -> u64 {
        self.counts[c.number() as usize - 3]
    }

    fn add(&mut self, p: &Placement) {
        self.add_n(p, 1);
    }

    fn add_n(&mut self, p: &Placement, n: u64) {
        for c in Column::ALL {
            if p.counts_in(c) {
                self.counts[c.number() as usize - 3] += n;
            }
        }
    }

    /// The form's invariants.
    pub fn is_consistent(&self) -> bool {
        use Column::*;
        let g = |c| self.get(c);
        g(Received) == g(Online) + g(Direct) + g(Carried)
            && g(Resolved) == g(Early) + g(OnTime) + g(Late)
            && g(Pending) == g(Within) + g(Overdue)
            && g(Received) == g(Resolved) + g(Pending)
    }

    /// Resolved early or on time, of resolved, in percent with two decimals; `None` for none.
    pub fn on_time_rate(&self) -> Option<f64> {
        let resolved = self.get(Column::Resolved);
        (resolved > 0).then(|| percent(self.get(Column::Early) + self.get(Column::OnTime), resolved))
    }
}

/// `num / den` in percent, rounded to two decimals.
pub fn percent(num: u64, den: u64) -> f64 {
    if den == 0 { 0.0 } else { ((num as f64) * 10_000.0 / den as f64).round() / 100.0 }
}

/// The form: a line per field and per unit, and the total.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report06 {
    pub by_field: Vec<(String, Line)>,
    pub by_unit: Vec<(String, Line)>,
    pub total: Line,
}

/// The report of `window` over `facts` (every dossier of the agency that may fall in it).
pub fn report(facts: &[DossierFacts], window: &Window) -> Report06 {
    let mut by_field: Vec<(String, Line)> = Vec::new();
    let mut by_unit: Vec<(String, Line)> = Vec::new();
    let mut total = Line::default();
    let add = |lines: &mut Vec<(String, Line)>, key: &str, p: &Placement| match lines.iter_mut().find(|(k, _)| k == key)
    {
        Some((_, line)) => line.add(p),
        None => {
            let mut line = Line::default();
            line.add(p);
            lines.push((key.to_owned(), line));
        }
    };
    for f in facts {
        let Some(p) = place(f, window) else { continue };
        total.add(&p);
        add(&mut by_field, &f.field, &p);
        add(&mut by_unit, f.unit.as_deref().unwrap_or(""), &p);
    }
    // In Vietnamese alphabetical order (Đ with D), not by code point.
    by_field.sort_by_cached_key(|(k, _)| motcua_domain::text::fold(k));
    by_unit.sort_by_cached_key(|(k, _)| motcua_domain::text::fold(k));
    Report06 { by_field, by_unit, total }
}

/// The report from counts of dossiers per (field, unit, placement), as the database counts them
/// (`Store::report06_counts`); the same lines as [`report`] over the same dossiers.
pub fn from_counts(counts: &[(String, String, Placement, u64)]) -> Report06 {
    let mut by_field: Vec<(String, Line)> = Vec::new();
    let mut by_unit: Vec<(String, Line)> = Vec::new();
    let mut total = Line::default();
    let add = |lines: &mut Vec<(String, Line)>, key: &str, p: &Placement, n: u64| match lines
        .iter_mut()
        .find(|(k, _)| k == key)
    {
        Some((_, line)) => line.add_n(p, n),
        None => {
            let mut line = Line::default();
            line.add_n(p, n);
            lines.push((key.to_owned(), line));
        }
    };
    for (field, unit, p, n) in counts {
        total.add_n(p, *n);
        add(&mut by_field, field, p, *n);
        add(&mut by_unit, unit, p, *n);
    }
    by_field.sort_by_cached_key(|(k, _)| motcua_domain::text::fold(k));
    by_unit.sort_by_cached_key(|(k, _)| motcua_domain::text::fold(k));
    Report06 { by_field, by_unit, total }
}

/// The dossiers behind one number: those of `window` counted in `column`, optionally of one
/// field or unit.
pub fn behind<'a>(
    facts: &'a [DossierFacts],
    window: &Window,
    column: Column,
    field: Option<&str>,
    unit: Option<&str>,
) -> Vec<&'a DossierFacts> {
    facts
        .iter()
        .filter(|f| field.is_none_or(|x| f.field == x))
        .filter(|f| unit.is_none_or(|x| f.unit.as_deref().unwrap_or("") == x))
        .filter(|f| place(f, window).is_some_and(|p| p.counts_in(column)))
        .collect()
}
