//! Circular 01/2018/TT-VPCP Art. 13–15: nine indicators scored 2 / 1 / 0, averaged per officer,
//! field and unit over a quarter or a year, rounded to one decimal, summed and banded by level.
//!
//! Per dossier (finished in the period), from data where the system has it:
//! - 1 time: early 2, on time 1, late 0 ([`DossierFacts::finish`]); the applicant's own answer,
//!   when they gave one, takes precedence;
//! - 2 each unit's step time against its budget: shorter 2, equal (same day) 1, longer 0, scored
//!   per step and counted for the unit and the officer who finished the step;
//! - 3 contacts to complete the dossier: no supplement request 2, one 1, more 0;
//! - 4 bodies contacted: online submission with an online return 2, otherwise 1 (the one-stop
//!   unit); the applicant's answer takes precedence;
//! - 7 attitude: the applicant's answer when given; otherwise early 2, on time 1, late 0 (the
//!   circular's 2 needs an early result and 1 an on-time one, so a late one has neither). A
//!   conduct complaint the inspector found justified scores 0 ([`Complaint`]): on the dossier it
//!   names, or, naming none, as one more 0 for the officer concerned, their unit and the agency
//!   (unfounded ones are not counted, as the circular says).
//!
//! Per unit, besides: 5 organisation at the one-stop unit, 6 publicity and 9 online service from
//! the catalog and the dossiers ([`one_stop`], [`publicity`], [`online_service`]); 8 feedback
//! handling ([`feedback`]) from the PAKN cases received in the period ([`feedback_of`]), or the
//! score the agency declares when it handles feedback outside the system.
//!
//! Levels and bands (`circular01.toml`): officers on 1, 2, 3, 4, 7 (max 10) and units on all
//! nine (max 18) with the circular's bands; fields on 1, 2, 3, 4, 7 (max 10) with bands the
//! circular does not give, by default the unit's scaled to 10 (marked unverified).

use std::collections::BTreeMap;

use motcua_domain::dossier::{DossierFacts, Finish};
use motcua_domain::evaluation::Evaluation;
use motcua_domain::org::AgencyLevel;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::catalog::CatalogCounts;

/// A score in tenths (1.3 is 13): the circular rounds averages to one decimal.
pub type Tenths = i64;

/// The average of `sum / n` scores, in tenths, rounded half up (5/4 = 1.25 → 1.3).
pub fn mean_tenths(sum: u64, n: u64) -> Option<Tenths> {
    (n > 0).then(|| ((sum * 20 + n) / (2 * n)) as Tenths)
}

pub fn show(t: Tenths) -> String {
    format!("{},{}", t / 10, t % 10)
}

/// A dossier's scores.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DossierScores {
    pub time: u8,
    /// (unit, officer, score) of each step.
    pub steps: Vec<(String, Option<Uuid>, u8)>,
    pub contacts: u8,
    pub bodies: u8,
    pub attitude: u8,
}

fn finish_score(f: Finish) -> u8 {
    match f {
        Finish::Early => 2,
        Finish::OnTime => 1,
        Finish::Late => 0,
    }
}

/// The scores of a finished dossier; `None` while it is not finished.
pub fn scores(f: &DossierFacts, evaluation: Option<&Evaluation>) -> Option<DossierScores> {
    let finish = f.finish()?;
    let answers = evaluation.map(|e| e.answers).unwrap_or_default();
    let automatic_bodies = if f.online() && f.returned_online { 2 } else { 1 };
    Some(DossierScores {
        time: answers.time.unwrap_or(finish_score(finish)),
        steps: f.steps.iter().filter_map(|s| s.score.map(|score| (s.unit.clone(), s.officer, score))).collect(),
        contacts: match f.supplements.len() {
            0 => 2,
            1 => 1,
            _ => 0,
        },
        bodies: answers.bodies.unwrap_or(automatic_bodies),
        attitude: answers.attitude.unwrap_or(finish_score(finish)),
    })
}

/// Sums and counts of one indicator.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Acc {
    sum: u64,
    n: u64,
}

impl Acc {
    fn add(&mut self, score: u8) {
        self.sum += u64::from(score);
        self.n += 1;
    }
}

/// One person's or unit's indicators and total.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Scorecard {
    /// How many dossiers it is computed from.
    pub dossiers: u64,
    /// (indicator number, score in tenths); indicators without data are absent.
    pub indicators: Vec<(u8, Tenths)>,
    pub total: Tenths,
}

impl Scorecard {
    pub fn get(&self, indicator: u8) -> Option<Tenths> {
        self.indicators.iter().find(|(i, _)| *i == indicator).map(|(_, s)| *s)
    }
}

#[derive(Debug, Clone, Copy, Default)]
struct Accs {
    dossiers: u64,
    by: [Acc; 10],
}

impl Accs {
    fn card(&self, extra: &[(u8, Tenths)]) -> Scorecard {
        let mut indicators: Vec<(u8, Tenths)> = [1u8, 2, 3, 4, 7]
            .into_iter()
            .filter_map(|i| mean_tenths(self.by[i as usize].sum, self.by[i as usize].n).map(|t| (i, t)))
            .collect();
        indicators.extend_from_slice(extra);
        indicators.sort();
        let total = indicators.iter().map(|(_, t)| t).sum();
        Scorecard { dossiers: self.dossiers, indicators, total }
    }

    fn add_dossier(&mut self, s: &DossierScores, step_scores: impl Iterator<Item = u8>) {
        self.dossiers += 1;
        self.by[1].add(s.time);
        for score in step_scores {
            self.by[2].add(score);
        }
        self.by[3].add(s.contacts);
        self.by[4].add(s.bodies);
        self.by[7].add(s.attitude);
    }
}

/// A conduct complaint found justified that names no dossier scored in the period: one more 0
/// in indicator 7 for the officer concerned, their unit and the agency. (One that names a scored
/// dossier sets that dossier's attitude to 0 instead, before scoring: [`justified_on`].)
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Complaint {
    pub officer: Uuid,
    /// The officer's unit, if they belong to one.
    pub unit: Option<String>,
}

/// A dossier's scores with a justified conduct complaint about it: attitude 0.
pub fn justified_on(mut s: DossierScores) -> DossierScores {
    s.attitude = 0;
    s
}

/// The officers' scorecards: each officer is scored on the dossiers where they finished a step,
/// with indicator 2 from their own steps, and on the justified complaints against them.
pub fn officers(scored: &[DossierScores], complaints: &[Complaint]) -> BTreeMap<Uuid, Scorecard> {
    let mut accs: BTreeMap<Uuid, Accs> = BTreeMap::new();
    for s in scored {
        let mut officers: Vec<Uuid> = s.steps.iter().filter_map(|(_, o, _)| *o).collect();
        officers.sort();
        officers.dedup();
        for officer in officers {
            let own = s.steps.iter().filter(|(_, o, _)| *o == Some(officer)).map(|(_, _, score)| *score);
            accs.entry(officer).or_default().add_dossier(s, own);
        }
    }
    for c in complaints {
        accs.entry(c.officer).or_default().by[7].add(0);
    }
    accs.into_iter().map(|(k, a)| (k, a.card(&[]))).collect()
}

/// The units' scorecards for indicators 1, 2, 3, 4 and 7: a unit is scored on the dossiers it
/// had a step in, with indicator 2 from its own steps, and on the justified complaints against
/// its officers; `extra` adds the unit-level indicators.
pub fn units(
    scored: &[DossierScores],
    complaints: &[Complaint],
    extra: &[(u8, Tenths)],
) -> BTreeMap<String, Scorecard> {
    let mut accs: BTreeMap<String, Accs> = BTreeMap::new();
    for s in scored {
        let mut units: Vec<&String> = s.steps.iter().map(|(u, _, _)| u).collect();
        units.sort();
        units.dedup();
        for unit in units {
            let own = s.steps.iter().filter(|(u, _, _)| u == unit).map(|(_, _, score)| *score);
            accs.entry(unit.clone()).or_default().add_dossier(s, own);
        }
    }
    for c in complaints {
        if let Some(unit) = &c.unit {
            accs.entry(unit.clone()).or_default().by[7].add(0);
        }
    }
    accs.into_iter().map(|(k, a)| (k, a.card(extra))).collect()
}

/// The whole agency's scorecard over every scored dossier and justified complaint.
pub fn agency(scored: &[DossierScores], complaints: &[Complaint], extra: &[(u8, Tenths)]) -> Scorecard {
    let mut acc = Accs::default();
    for s in scored {
        acc.add_dossier(s, s.steps.iter().map(|(_, _, score)| *score));
    }
    for _ in complaints {
        acc.by[7].add(0);
    }
    acc.card(extra)
}

/// Indicator 6 (publicity): 2 when every procedure is published both electronically and posted
/// at the counter, 1 when only one of them, 0 when some procedure is incomplete.
pub fn publicity(procedures: u64, complete: u64, posted_at_counter: bool) -> Option<Tenths> {
    if procedures == 0 {
        return None;
    }
    Some(match (complete == procedures, posted_at_counter) {
        (false, _) => 0,
        (true, true) => 20,
        (true, false) => 10,
    })
}

/// Indicator 9 (online service): 2 with ≥ 20 % of procedures online, ≥ 30 % of dossiers online and
/// no online dossier late; 1 with some procedures online, 15–30 % of dossiers online and none
/// late; 0 otherwise.
pub fn online_service(
    procedures: u64,
    online_procedures: u64,
    dossiers: u64,
    online_dossiers: u64,
    online_late: u64,
) -> Option<Tenths> {
    if procedures == 0 || dossiers == 0 {
        return None;
    }
    let procedure_share = online_procedures * 100 / procedures;
    let share = online_dossiers * 1000 / dossiers; // tenths of a percent
    Some(if online_late == 0 && procedure_share >= 20 && share >= 300 {
        20
    } else if online_late == 0 && online_procedures > 0 && share >= 150 {
        10
    } else {
        0
    })
}

/// Indicator 5 (organisation at the one-stop unit): 2 when every procedure is received and
/// returned at the one-stop unit and the unit itself examines and approves (or submits for
/// approval) at least `share` percent of them; 1 when every procedure is received and returned
/// there; 0 otherwise.
pub fn one_stop(c: &CatalogCounts, share: u64) -> Option<Tenths> {
    if c.procedures == 0 {
        return None;
    }
    let all_at_counter = c.at_counter == c.procedures;
    Some(if all_at_counter && c.by_counter * 100 >= share * c.procedures {
        20
    } else if all_at_counter {
        10
    } else {
        0
    })
}

/// Indicator 8 (handling of feedback): 2 with no feedback, or all handled on time and none
/// dragging on; 1 with at least 90 % on time and none dragging; 0 otherwise.
pub fn feedback(received: u64, on_time: u64, dragging: u64) -> Tenths {
    if received == 0 || (on_time >= received && dragging == 0) {
        20
    } else if dragging == 0 && on_time * 10 >= received * 9 {
        10
    } else {
        0
    }
}

/// Indicator 8 from the feedback cases received in the period, judged at `end`: the PAKN among
/// them (regulation and conduct), on time when every step was (Decision 766's 5.2 test), dragging
/// when still open past its deadline at `end`.
pub fn feedback_of(cases: &[motcua_domain::feedback::Case], end: chrono::NaiveDateTime) -> Tenths {
    let pakn: Vec<_> =
        cases.iter().filter(|c| c.kind.is_some_and(motcua_domain::feedback::CaseKind::is_pakn)).collect();
    let on_time =
        pakn.iter().filter(|c| crate::index766::feedback_membership("5.2", c, end) == Some(true)).count() as u64;
    let dragging = pakn.iter().filter(|c| !c.state.is_finished() && c.overdue(end.date())).count() as u64;
    feedback(pakn.len() as u64, on_time, dragging)
}

/// Who is rated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Cán bộ, công chức, viên chức.
    Officer,
    /// Lĩnh vực.
    Field,
    /// Cơ quan, đơn vị.
    Unit,
}

/// One rating band: a total of `from` points or more.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Band {
    pub from: f64,
    pub label: String,
}

/// How one level is rated.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct LevelConfig {
    pub name: String,
    pub indicators: Vec<u8>,
    /// Highest first; the last is the floor.
    pub bands: Vec<Band>,
    /// The reference does not give these bands.
    #[serde(default)]
    pub unverified: bool,
}

impl LevelConfig {
    /// The most points its indicators can reach.
    pub fn max(&self) -> Tenths {
        self.indicators.len() as Tenths * 20
    }

    /// The band of `total`.
    pub fn rating(&self, total: Tenths) -> &str {
        self.bands
            .iter()
            .find(|b| total >= (b.from * 10.0).round() as Tenths)
            .or(self.bands.last())
            .map_or("", |b| b.label.as_str())
    }
}

/// Indicator 5's share of procedures the one-stop unit must examine itself, in percent, by the
/// agency's level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct OneStopShares {
    pub province: u64,
    pub department: u64,
    pub service_unit: u64,
    pub commune: u64,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Config {
    pub version: String,
    pub officer: LevelConfig,
    pub field: LevelConfig,
    pub unit: LevelConfig,
    pub one_stop: OneStopShares,
}

impl Config {
    /// The built-in configuration.
    pub fn builtin() -> Config {
        toml::from_str(include_str!("../circular01.toml")).expect("circular01.toml is valid (tested)")
    }

    pub fn level(&self, level: Level) -> &LevelConfig {
        match level {
            Level::Officer => &self.officer,
            Level::Field => &self.field,
            Level::Unit => &self.unit,
        }
    }

    pub fn rating(&self, level: Level, total: Tenths) -> &str {
        self.level(level).rating(total)
    }

    pub fn one_stop_share(&self, level: AgencyLevel) -> u64 {
        match level {
            AgencyLevel::Province => self.one_stop.province,
            AgencyLevel::Department => self.one_stop.department,
            AgencyLevel::ServiceUnit => self.one_stop.service_unit,
            AgencyLevel::Commune => self.one_stop.commune,
        }
    }
}
