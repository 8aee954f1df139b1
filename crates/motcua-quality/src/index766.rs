//! The Decision 766/QĐ-TTg real-time service quality index, out of 100, computed as the national
//! portal computes it (`vn-regulatory.md` §3.2) for every indicator whose data motcua holds:
//! - dossiers are those accepted in the period, judged at its end;
//! - catalog indicators read the procedures ([`crate::catalog`]), and the publishing decisions
//!   dated in the period for 1.1 and 1.2;
//! - a rate is rounded to two decimals; "X % or more earns full points, below that
//!   rate × max / X %" where a threshold is given, otherwise points are proportional;
//! - an indicator without cases in the period (zero denominator) scores 0, as the portal shows
//!   it (configurable: `no_cases`);
//! - an indicator whose data motcua does not hold yet (online payment, feedback, sync with the
//!   portal…) scores 0 and is named, so the maximum stays 100 and a reader sees what is missing.
//!
//! Points per indicator are configuration (`index766.toml`), marked unverified where the
//! reference does not give them.

use std::collections::{BTreeSet, HashMap, HashSet};

use chrono::NaiveDateTime;
use motcua_domain::dossier::{DossierFacts, Finish};
use motcua_domain::evaluation::Overall;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::catalog::ProcedureFacts;
use crate::period::Window;
use crate::report06::percent;

/// The index's maximum: the six groups' maxima add up to it.
pub const TOTAL: f64 = 100.0;

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct IndicatorConfig {
    pub id: String,
    pub group: u8,
    pub name: String,
    pub max: f64,
    #[serde(default)]
    pub threshold: Option<f64>,
    #[serde(default)]
    pub unverified: bool,
    /// The rate is multiplied by the sync rate (1.4), as the portal computes 3.3: it counts only
    /// the dossiers it has been told of.
    #[serde(default)]
    pub times_sync_rate: bool,
    /// The data motcua does not hold for it yet, as the page names it ("chưa có dữ liệu: …").
    #[serde(default)]
    pub missing: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct GroupConfig {
    pub n: u8,
    pub name: String,
    pub max: f64,
}

/// Working-day limits of indicators 1.1 and 1.2, by who publishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct PublicationDays {
    /// 1.1: the publishing decision at least this many working days before the effective date.
    pub lead_ministry: i64,
    pub lead_province: i64,
    /// 1.2: made public at most this many working days after the decision.
    pub public_ministry: i64,
    pub public_province: i64,
}

/// What an indicator without cases in the period (zero denominator) scores.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoCases {
    /// Nothing, as the portal shows 0.
    #[default]
    Zero,
    /// Its maximum: nothing was due, so nothing was late.
    Full,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Config {
    pub version: String,
    #[serde(default)]
    pub no_cases: NoCases,
    pub publication: PublicationDays,
    pub indicator: Vec<IndicatorConfig>,
    pub group: Vec<GroupConfig>,
}

impl Config {
    /// The built-in configuration.
    pub fn builtin() -> Config {
        let config: Config = toml::from_str(include_str!("../index766.toml")).expect("index766.toml is valid (tested)");
        config.check().expect("index766.toml adds up to 100 (tested)");
        config
    }

    pub fn indicator(&self, id: &str) -> Option<&IndicatorConfig> {
        self.indicator.iter().find(|i| i.id == id)
    }

    /// Checks that the groups add up to [`TOTAL`] and each group's indicators to its maximum,
    /// so that no configuration can shrink the maximum.
    pub fn check(&self) -> Result<(), String> {
        let near = |a: f64, b: f64| (a - b).abs() < 0.005;
        let total: f64 = self.group.iter().map(|g| g.max).sum();
        if !near(total, TOTAL) {
            return Err(format!("các nhóm cộng lại {total} điểm, không phải {TOTAL}"));
        }
        for i in &self.indicator {
            if !self.group.iter().any(|g| g.n == i.group) {
                return Err(format!("chỉ số {} thuộc nhóm {} không có", i.id, i.group));
            }
        }
        for g in &self.group {
            let sum: f64 = self.indicator.iter().filter(|i| i.group == g.n).map(|i| i.max).sum();
            if !near(sum, g.max) {
                return Err(format!("nhóm {}: các chỉ số cộng lại {sum} điểm, nhóm có {} điểm", g.n, g.max));
            }
        }
        Ok(())
    }
}

/// `rate` (percent) in points out of `max`: full at `threshold` or above, proportional below.
pub fn scaled_points(rate: f64, threshold: Option<f64>, max: f64) -> f64 {
    let t = threshold.unwrap_or(100.0);
    let points = if rate >= t { max } else { rate * max / t };
    round2(points)
}

/// Two decimals; `+ 0.0` turns an empty sum's -0.0 into 0.0.
fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0 + 0.0
}

/// The indicators computed from dossiers, whose dossiers a page can list.
pub const PER_DOSSIER: [&str; 5] = ["2.1", "3.3", "4.1", "4.2", "5.4"];
/// The indicators computed from feedback cases, whose cases a page can list.
pub const PER_CASE: [&str; 3] = ["5.1", "5.2", "5.3"];
/// The indicators computed from the catalog, whose procedures a page can list.
pub const PER_PROCEDURE: [&str; 5] = ["1.1", "1.2", "1.3", "3.1", "3.2"];
/// Online payment by dossier (3.6) and by procedure (3.5), whose lists a page shows too.
pub const PAID_DOSSIER: &str = "3.6";
pub const PAID_PROCEDURE: &str = "3.5";

/// 3.6: whether a dossier with fees was paid online (`paid_online`: the dossiers whose fees an
/// online provider took); `None` for a dossier without fees, which 3.6 does not count.
pub fn paid_membership(f: &DossierFacts, paid_online: &HashSet<Uuid>) -> Option<bool> {
    (f.fees > 0).then(|| paid_online.contains(&f.dossier_id))
}

/// The codes of the procedures with a dossier of `received` paid online (3.5's numerator).
pub fn paid_online_codes(received: &[DossierFacts], paid_online: &HashSet<Uuid>) -> BTreeSet<String> {
    received
        .iter()
        .filter(|f| paid_membership(f, paid_online) == Some(true))
        .map(|f| f.procedure_code.clone())
        .collect()
}

/// 3.5: whether a procedure with fees had a dossier paid online (`paid_codes`); `None` for a
/// procedure without fees.
pub fn paid_procedure_membership(p: &ProcedureFacts, paid_codes: &BTreeSet<String>) -> Option<bool> {
    p.has_fees.then(|| paid_codes.contains(&p.code))
}

/// Whether a dossier is in an indicator's denominator, and in its numerator.
pub fn membership(
    id: &str,
    f: &DossierFacts,
    period_end: NaiveDateTime,
    evaluations: &HashMap<Uuid, Overall>,
) -> Option<bool> {
    let finished = f.finished_at.filter(|t| *t < period_end);
    match id {
        "2.1" => Some(!overdue(f, period_end)),
        "3.3" => Some(f.online()),
        "4.1" => finished.map(|_| f.result_electronic),
        "4.2" => Some(f.documents_digitised),
        // 5.4's dossiers to look at: those overdue or evaluated "not satisfied".
        "5.4" => Some(!overdue(f, period_end) && !dissatisfied(f, evaluations)),
        _ => None,
    }
}

/// Whether a procedure is in a catalog indicator's denominator, and in its numerator. For 1.1
/// and 1.2 a procedure counts once however many times it was amended in the period, and is
/// late if any of its decisions was (a decision outside the calendar's years is not judged).
/// `online_used` are the codes of the procedures that received an online dossier.
pub fn procedure_membership(
    config: &Config,
    id: &str,
    p: &ProcedureFacts,
    window: Window,
    online_used: &HashSet<&str>,
) -> Option<bool> {
    let days = config.publication;
    let all = |judged: Vec<bool>| (!judged.is_empty()).then(|| judged.iter().all(|x| *x));
    match id {
        "1.1" => {
            let need = if p.central() { days.lead_ministry } else { days.lead_province };
            all(p.decided_between(window.first, window.last).filter_map(|d| d.lead.map(|l| l >= need)).collect())
        }
        "1.2" => {
            let limit = if p.central() { days.public_ministry } else { days.public_province };
            all(p.decided_between(window.first, window.last).filter_map(|d| d.delay.map(|l| l <= limit)).collect())
        }
        "1.3" => Some(p.complete),
        "3.1" => Some(p.online),
        "3.2" => p.online.then(|| online_used.contains(p.code.as_str())),
        _ => None,
    }
}

fn overdue(f: &DossierFacts, period_end: NaiveDateTime) -> bool {
    match f.finished_at.filter(|t| *t < period_end) {
        Some(done) => f.judge(done) == Finish::Late,
        None => f.overdue_at(period_end),
    }
}

/// The applicants' opinions of their dossiers as 5.4 reads them: each evaluation's overall answer,
/// and "not satisfied" for every dossier that is the subject of a PAKN (`vn-regulatory.md` §3.2:
/// "rate of dossiers with PAKN or a dislike"), whatever its evaluation said.
pub fn opinions(evaluations: &HashMap<Uuid, Overall>, pakn_dossiers: &[Uuid]) -> HashMap<Uuid, Overall> {
    let mut all = evaluations.clone();
    for id in pakn_dossiers {
        all.insert(*id, Overall::NotSatisfied);
    }
    all
}

fn dissatisfied(f: &DossierFacts, evaluations: &HashMap<Uuid, Overall>) -> bool {
    evaluations.get(&f.dossier_id).is_some_and(|o| !o.satisfied())
}

/// How an indicator came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Computed from its cases.
    Scored,
    /// No case in the period (zero denominator).
    NoCases,
    /// motcua does not hold its data yet.
    NoData,
}

/// One indicator's figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IndicatorResult {
    pub id: String,
    pub group: u8,
    pub name: String,
    pub status: Status,
    pub numerator: u64,
    pub denominator: u64,
    /// Percent, two decimals.
    pub rate: f64,
    pub points: f64,
    pub max: f64,
    pub threshold: Option<f64>,
    pub unverified: bool,
    /// Whether its dossiers can be listed.
    pub per_dossier: bool,
    /// Whether its procedures can be listed.
    pub per_procedure: bool,
    /// Whether its feedback cases can be listed.
    pub per_case: bool,
    /// The data it lacks, when [`Status::NoData`].
    pub missing: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupResult {
    pub n: u8,
    pub name: String,
    pub points: f64,
    pub max: f64,
    /// Its indicators without data.
    pub without_data: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Index {
    pub version: String,
    pub indicators: Vec<IndicatorResult>,
    pub groups: Vec<GroupResult>,
    pub points: f64,
    /// The sum of the groups' maxima: 100.
    pub max: f64,
    /// The data motcua does not hold yet, each named once, in the order of the indicators.
    pub missing: Vec<String>,
}

impl Index {
    pub fn get(&self, id: &str) -> Option<&IndicatorResult> {
        self.indicators.iter().find(|i| i.id == id)
    }

    pub fn with_status(&self, status: Status) -> impl Iterator<Item = &IndicatorResult> {
        self.indicators.iter().filter(move |i| i.status == status)
    }
}

/// What the per-dossier indicators count of the dossiers accepted in a period, judged at its
/// end: all the index needs of them. Counted here from their facts ([`DossierTally::of`]), or by
/// the database in one pass (`QualityStore::index766_tally`, tested to agree), so that a
/// province's month is not read into memory dossier by dossier.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DossierTally {
    /// Dossiers accepted in the period.
    pub received: u64,
    /// Of those, finished late or overdue at the period's end.
    pub overdue: u64,
    /// Received online (3.3).
    pub online: u64,
    /// Finished before the period's end (4.1's denominator)…
    pub finished: u64,
    /// … and of those, with an electronic result (4.1).
    pub finished_electronic: u64,
    /// Every document received has a file (4.2).
    pub digitised: u64,
    /// Evaluated "not satisfied".
    pub dissatisfied: u64,
    /// Neither overdue nor evaluated "not satisfied" (5.4).
    pub neither: u64,
    /// The codes of the procedures that received an online dossier (3.2).
    pub online_codes: BTreeSet<String>,
    /// Told to the national portal: a sync message of theirs was delivered (1.4).
    pub synced: u64,
    /// With fees to pay (3.6's denominator)…
    pub with_fees: u64,
    /// … and of those, paid online (VNPAY, the national platform, VietQR) (3.6).
    pub paid_online: u64,
    /// The codes of the procedures with a dossier paid online (3.5).
    pub paid_online_codes: BTreeSet<String>,
}

impl DossierTally {
    /// The tally of `received` (the dossiers accepted in the period) at `period_end`; `synced`:
    /// the dossiers the national portal has been told of.
    pub fn of(
        received: &[DossierFacts],
        period_end: NaiveDateTime,
        evaluations: &HashMap<Uuid, Overall>,
        synced: &HashSet<Uuid>,
    ) -> Self {
        let mut t = DossierTally::default();
        for f in received {
            t.synced += u64::from(synced.contains(&f.dossier_id));
            let late = overdue(f, period_end);
            let unhappy = dissatisfied(f, evaluations);
            let finished = f.finished_at.is_some_and(|at| at < period_end);
            t.received += 1;
            t.overdue += u64::from(late);
            t.online += u64::from(f.online());
            t.finished += u64::from(finished);
            t.finished_electronic += u64::from(finished && f.result_electronic);
            t.digitised += u64::from(f.documents_digitised);
            t.dissatisfied += u64::from(unhappy);
            t.neither += u64::from(!late && !unhappy);
            t.with_fees += u64::from(f.fees > 0);
            if f.online() {
                t.online_codes.insert(f.procedure_code.clone());
            }
        }
        t
    }

    /// Counts the dossiers of `received` with fees that were paid online (`paid_online`: the ids
    /// of the dossiers whose fees were paid through an online provider), for 3.5 and 3.6.
    pub fn paid(mut self, received: &[DossierFacts], paid_online: &HashSet<Uuid>) -> Self {
        for f in received.iter().filter(|f| paid_membership(f, paid_online) == Some(true)) {
            self.paid_online += 1;
            self.paid_online_codes.insert(f.procedure_code.clone());
        }
        self
    }

    /// Numerator and denominator of a per-dossier indicator ([`PER_DOSSIER`]), as [`membership`]
    /// decides each dossier.
    pub fn count(&self, id: &str) -> Option<(u64, u64)> {
        match id {
            "2.1" => Some((self.received - self.overdue, self.received)),
            "3.3" => Some((self.online, self.received)),
            "4.1" => Some((self.finished_electronic, self.finished)),
            "4.2" => Some((self.digitised, self.received)),
            "5.4" => Some((self.neither, self.received)),
            _ => None,
        }
    }
}

/// Everything the index reads.
#[derive(Debug, Clone, Copy)]
pub struct Inputs<'a> {
    /// The dossiers accepted in the period, counted.
    pub dossiers: &'a DossierTally,
    pub window: Window,
    pub procedures: &'a [ProcedureFacts],
    /// The feedback cases received in the period (5.1–5.3).
    pub feedback: &'a [motcua_domain::feedback::Case],
}

/// Whether a feedback case counts in 5.1–5.3's numerator, judged at `end` (the period's end);
/// `None` when the indicator does not count it at all. `vn-regulatory.md` §3.2:
/// - 5.1: statements received (questions aside), classified as PAKN on regulations or on conduct;
/// - 5.2: PAKN whose every step was on time, and, when still open at the period's end, not past
///   its answer's deadline;
/// - 5.3: PAKN neither rated "not useful" more than "useful", nor late, nor reopened as
///   unsatisfactory.
pub fn feedback_membership(id: &str, c: &motcua_domain::feedback::Case, end: NaiveDateTime) -> Option<bool> {
    use motcua_domain::feedback::CaseKind;
    let pakn = c.kind.is_some_and(CaseKind::is_pakn);
    let late = !c.late_steps.is_empty() || c.overdue(end.date());
    match id {
        "5.1" => (c.kind != Some(CaseKind::Question)).then_some(pakn),
        "5.2" => pakn.then_some(!late),
        "5.3" => pakn.then_some(c.not_useful <= c.useful && !late && c.reopened == 0),
        _ => None,
    }
}

/// Numerator and denominator of a computable indicator, `None` for one motcua cannot compute.
fn count(config: &Config, id: &str, inputs: &Inputs<'_>, online_used: &HashSet<&str>) -> Option<(u64, u64)> {
    let tally = |flags: &mut dyn Iterator<Item = bool>| {
        flags.fold((0, 0), |(num, den), inside| (num + u64::from(inside), den + 1))
    };
    if PER_DOSSIER.contains(&id) {
        inputs.dossiers.count(id)
    } else if matches!(id, "5.1" | "5.2" | "5.3") {
        let end = inputs.window.end();
        Some(tally(&mut inputs.feedback.iter().filter_map(|c| feedback_membership(id, c, end))))
    } else if id == "3.6" {
        // The dossiers with fees accepted in the period that were paid online.
        Some((inputs.dossiers.paid_online, inputs.dossiers.with_fees))
    } else if id == "3.5" {
        // The procedures with fees of the catalog that had a dossier paid online in the period.
        let codes = &inputs.dossiers.paid_online_codes;
        Some(tally(&mut inputs.procedures.iter().filter_map(|p| paid_procedure_membership(p, codes))))
    } else if id == "1.4" {
        // The dossiers accepted in the period that the portal has been told of, of all accepted
        // (the portal divides by its own statistics of dossiers received; `docs/quality.md`).
        Some((inputs.dossiers.synced, inputs.dossiers.received))
    } else if PER_PROCEDURE.contains(&id) {
        Some(tally(
            &mut inputs
                .procedures
                .iter()
                .filter_map(|p| procedure_membership(config, id, p, inputs.window, online_used)),
        ))
    } else {
        None
    }
}

/// 5.4: 100 % − (overdue rate + dissatisfied rate), as the portal computes it.
fn satisfaction_rate(inputs: &Inputs<'_>, denominator: u64) -> f64 {
    let (late, unhappy) = (inputs.dossiers.overdue, inputs.dossiers.dissatisfied);
    round2((100.0 - percent(late, denominator) - percent(unhappy, denominator)).max(0.0))
}

fn indicator(config: &Config, c: &IndicatorConfig, inputs: &Inputs<'_>, used: &HashSet<&str>) -> IndicatorResult {
    let counted = if c.missing.is_some() { None } else { count(config, &c.id, inputs, used) };
    let (status, numerator, denominator) = match counted {
        None => (Status::NoData, 0, 0),
        Some((_, 0)) => (Status::NoCases, 0, 0),
        Some((num, den)) => (Status::Scored, num, den),
    };
    let rate = match status {
        Status::Scored if c.id == "5.4" => satisfaction_rate(inputs, denominator),
        Status::Scored if c.times_sync_rate => {
            let sync = percent(inputs.dossiers.synced, inputs.dossiers.received);
            round2(percent(numerator, denominator) * sync / 100.0)
        }
        Status::Scored => percent(numerator, denominator),
        _ => 0.0,
    };
    let points = match (status, config.no_cases) {
        (Status::Scored, _) => scaled_points(rate, c.threshold, c.max),
        (Status::NoCases, NoCases::Full) => c.max,
        _ => 0.0,
    };
    IndicatorResult {
        id: c.id.clone(),
        group: c.group,
        name: c.name.clone(),
        status,
        numerator,
        denominator,
        rate,
        points,
        max: c.max,
        threshold: c.threshold,
        unverified: c.unverified,
        per_dossier: PER_DOSSIER.contains(&c.id.as_str()) || c.id == PAID_DOSSIER,
        per_procedure: PER_PROCEDURE.contains(&c.id.as_str()) || c.id == PAID_PROCEDURE,
        per_case: PER_CASE.contains(&c.id.as_str()),
        missing: (status == Status::NoData).then(|| c.missing.clone().unwrap_or_else(|| c.name.clone())),
    }
}

/// The index over the period's inputs.
pub fn compute(config: &Config, inputs: &Inputs<'_>) -> Index {
    let used: HashSet<&str> = inputs.dossiers.online_codes.iter().map(String::as_str).collect();
    let indicators: Vec<IndicatorResult> =
        config.indicator.iter().map(|c| indicator(config, c, inputs, &used)).collect();
    let groups: Vec<GroupResult> = config
        .group
        .iter()
        .map(|g| {
            let of = || indicators.iter().filter(|i| i.group == g.n);
            GroupResult {
                n: g.n,
                name: g.name.clone(),
                points: round2(of().map(|i| i.points).sum()),
                max: g.max,
                without_data: of().filter(|i| i.status == Status::NoData).map(|i| i.id.clone()).collect(),
            }
        })
        .collect();
    let mut missing: Vec<String> = Vec::new();
    for label in indicators.iter().filter_map(|i| i.missing.as_ref()) {
        if !missing.contains(label) {
            missing.push(label.clone());
        }
    }
    Index {
        version: config.version.clone(),
        points: round2(groups.iter().map(|g| g.points).sum()),
        max: round2(groups.iter().map(|g| g.max).sum()),
        missing,
        indicators,
        groups,
    }
}
