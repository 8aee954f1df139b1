//! The Decision 766/QĐ-TTg real-time service quality index, for the indicators the system has
//! data for, computed as the national portal computes them (`vn-regulatory.md` §3.2):
//! - the period filters on the receipt (acceptance) date;
//! - a rate is rounded to two decimals, a zero denominator gives no score (left out);
//! - "X % or more earns full points, below that rate × max / X %" where a threshold is given,
//!   otherwise points are proportional to the rate.
//!
//! Points per indicator are configuration (`index766.toml`), marked unverified where the
//! reference does not give them.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use motcua_domain::dossier::{DossierFacts, Finish};
use motcua_domain::evaluation::Overall;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::report06::percent;

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
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct GroupConfig {
    pub n: u8,
    pub name: String,
    pub max: f64,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Config {
    pub version: String,
    pub indicator: Vec<IndicatorConfig>,
    pub group: Vec<GroupConfig>,
}

impl Config {
    /// The built-in configuration.
    pub fn builtin() -> Config {
        toml::from_str(include_str!("../index766.toml")).expect("index766.toml is valid (tested)")
    }
}

/// `rate` (percent) in points out of `max`: full at `threshold` or above, proportional below.
pub fn scaled_points(rate: f64, threshold: Option<f64>, max: f64) -> f64 {
    let t = threshold.unwrap_or(100.0);
    let points = if rate >= t { max } else { rate * max / t };
    (points * 100.0).round() / 100.0
}

/// What the catalog says, for the procedure indicators.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CatalogCounts {
    pub procedures: u64,
    /// With every component the law requires published (name, steps, method, documents, time
    /// limit, who may apply, the competent body).
    pub complete: u64,
    /// With a partial or full online service.
    pub online: u64,
    /// Online services that received at least one online dossier in the period.
    pub online_used: u64,
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

fn overdue(f: &DossierFacts, period_end: NaiveDateTime) -> bool {
    match f.finished_at.filter(|t| *t < period_end) {
        Some(done) => f.judge(done) == Finish::Late,
        None => f.overdue_at(period_end),
    }
}

fn dissatisfied(f: &DossierFacts, evaluations: &HashMap<Uuid, Overall>) -> bool {
    evaluations.get(&f.dossier_id).is_some_and(|o| !o.satisfied())
}

/// One indicator's figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IndicatorResult {
    pub id: String,
    pub group: u8,
    pub name: String,
    pub numerator: u64,
    pub denominator: u64,
    /// Percent, two decimals.
    pub rate: f64,
    pub points: f64,
    pub max: f64,
    pub threshold: Option<f64>,
    pub unverified: bool,
    /// Whether its dossiers can be listed (dossier-based indicators).
    pub per_dossier: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupResult {
    pub n: u8,
    pub name: String,
    pub points: f64,
    /// The maximum of the indicators computed (those without data are left out).
    pub available: f64,
    pub max: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Index {
    pub version: String,
    pub indicators: Vec<IndicatorResult>,
    pub groups: Vec<GroupResult>,
    pub points: f64,
    pub available: f64,
}

/// The index over `received` (the dossiers accepted in the period) at `period_end`.
pub fn compute(
    config: &Config,
    received: &[DossierFacts],
    period_end: NaiveDateTime,
    catalog: CatalogCounts,
    evaluations: &HashMap<Uuid, Overall>,
) -> Index {
    let mut indicators = Vec::new();
    for c in &config.indicator {
        let (numerator, denominator, per_dossier) = match c.id.as_str() {
            "1.3" => (catalog.complete, catalog.procedures, false),
            "3.1" => (catalog.online, catalog.procedures, false),
            "3.2" => (catalog.online_used, catalog.online, false),
            id => {
                let (mut num, mut den) = (0, 0);
                for f in received {
                    if let Some(inside) = membership(id, f, period_end, evaluations) {
                        den += 1;
                        num += u64::from(inside);
                    }
                }
                (num, den, true)
            }
        };
        if denominator == 0 {
            continue;
        }
        let mut rate = percent(numerator, denominator);
        if c.id == "5.4" {
            // 100 % − (overdue rate + dissatisfied rate), as the portal computes it.
            let late = received.iter().filter(|f| overdue(f, period_end)).count() as u64;
            let unhappy = received.iter().filter(|f| dissatisfied(f, evaluations)).count() as u64;
            rate = (100.0 - percent(late, denominator) - percent(unhappy, denominator)).max(0.0);
            rate = (rate * 100.0).round() / 100.0;
        }
        indicators.push(IndicatorResult {
            id: c.id.clone(),
            group: c.group,
            name: c.name.clone(),
            numerator,
            denominator,
            rate,
            points: scaled_points(rate, c.threshold, c.max),
            max: c.max,
            threshold: c.threshold,
            unverified: c.unverified,
            per_dossier,
        });
    }
    // `+ 0.0` turns the empty sum (-0.0) into 0.0.
    let round = |x: f64| (x * 100.0).round() / 100.0 + 0.0;
    let groups: Vec<GroupResult> = config
        .group
        .iter()
        .map(|g| {
            let of: Vec<&IndicatorResult> = indicators.iter().filter(|i| i.group == g.n).collect();
            GroupResult {
                n: g.n,
                name: g.name.clone(),
                points: round(of.iter().map(|i| i.points).sum()),
                available: round(of.iter().map(|i| i.max).sum()),
                max: g.max,
            }
        })
        .collect();
    Index {
        version: config.version.clone(),
        points: round(groups.iter().map(|g| g.points).sum()),
        available: round(groups.iter().map(|g| g.available).sum()),
        indicators,
        groups,
    }
}
