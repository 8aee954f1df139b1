//! What the quality indices read of the procedure catalog, one row per procedure, derived from
//! its stored versions the way `DossierFacts` is derived from a dossier: the current version's
//! completeness, online service and internal process, and every version's publishing decision
//! with the working days that separate it from the effective date and from its publication in
//! the catalog. The Decision 766 indicators 1.1, 1.2, 1.3, 3.1, 3.2 and the Circular 01/2018
//! indicators 5, 6 and 9 are judged from these rows.

use std::collections::{BTreeMap, HashSet};

use chrono::{NaiveDate, NaiveDateTime};
use motcua_calendar::WorkCalendar;
use motcua_domain::catalog::{OnlineService, ProcedureLevel, ProcedureSpec, ProcedureVersion};
use motcua_domain::dossier::DossierFacts;
use motcua_domain::org::Role;
use serde::Serialize;

/// One version's publishing decision (quyết định công bố) and what followed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublicationFacts {
    pub version: i32,
    /// The date of the publishing decision.
    pub decision: NaiveDate,
    /// The day the version takes effect (the legal text's effective date).
    pub effective: NaiveDate,
    /// The day the version was published in the catalog (made public to applicants).
    pub made_public: NaiveDate,
    /// Working days from the decision to the effective date, the effective date counted
    /// (`None` outside the calendar's years).
    pub lead: Option<i64>,
    /// Working days from the decision to the day it was made public (negative if before).
    pub delay: Option<i64>,
}

/// One procedure as the indices see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProcedureFacts {
    pub code: String,
    pub name: String,
    /// The field's code.
    pub field: String,
    pub level: ProcedureLevel,
    /// Every component the law requires is published (Decree 63/2010 Art. 8(2)): name, steps,
    /// channels, documents, who may apply, result.
    pub complete: bool,
    /// Has a partial or full online service.
    pub online: bool,
    /// Received and returned at the one-stop unit: its process begins and ends at the counter.
    pub at_counter: bool,
    /// Examined and approved (or submitted for approval) by the one-stop unit itself: every step
    /// but the agency lead's signature is done by a unit that holds a counter step.
    pub by_counter: bool,
    /// Charges a fee (phí or lệ phí) of some amount (Decision 766 indicator 3.5).
    pub has_fees: bool,
    /// Every version that has a publishing decision, oldest first.
    pub publications: Vec<PublicationFacts>,
}

impl ProcedureFacts {
    /// The publishing decisions dated inside `[first, last]`.
    pub fn decided_between(&self, first: NaiveDate, last: NaiveDate) -> impl Iterator<Item = &PublicationFacts> {
        self.publications.iter().filter(move |p| p.decision >= first && p.decision <= last)
    }

    /// Whether it is handled at the ministry's level (Decree 63/2010 gives ministries longer).
    pub fn central(&self) -> bool {
        self.level == ProcedureLevel::Central
    }
}

fn complete(s: &ProcedureSpec) -> bool {
    !s.name.trim().is_empty()
        && !s.steps.is_empty()
        && !s.channels.is_empty()
        && !s.documents.is_empty()
        && s.who_may_apply.as_deref().is_some_and(|w| !w.trim().is_empty())
        && !s.result.trim().is_empty()
}

fn at_counter(s: &ProcedureSpec) -> bool {
    let counter = |i: Option<&motcua_domain::catalog::ProcessStep>| i.is_some_and(|s| s.role == Role::Reception);
    counter(s.steps.first()) && counter(s.steps.last())
}

fn by_counter(s: &ProcedureSpec) -> bool {
    let counters: Vec<&str> =
        s.steps.iter().filter(|st| st.role == Role::Reception).map(|st| st.unit.as_str()).collect();
    !counters.is_empty()
        && s.steps.iter().filter(|st| st.role != Role::AgencyLead).all(|st| counters.contains(&st.unit.as_str()))
}

fn publication(v: &ProcedureVersion, published_at: NaiveDateTime, cal: &WorkCalendar) -> Option<PublicationFacts> {
    let decision = v.spec.publication.as_ref()?.date;
    let made_public = published_at.date();
    Some(PublicationFacts {
        version: v.version,
        decision,
        effective: v.spec.effective_from,
        made_public,
        lead: cal.working_days_between(decision, v.spec.effective_from).ok(),
        delay: cal.working_days_between(decision, made_public).ok(),
    })
}

/// The catalog's procedures from every stored version and the instant each was published; the
/// highest version of a procedure is its current one.
pub fn procedures(versions: &[(ProcedureVersion, NaiveDateTime)], cal: &WorkCalendar) -> Vec<ProcedureFacts> {
    let mut by_procedure: BTreeMap<_, Vec<&(ProcedureVersion, NaiveDateTime)>> = BTreeMap::new();
    for v in versions {
        by_procedure.entry(v.0.procedure_id).or_default().push(v);
    }
    let mut out: Vec<ProcedureFacts> = by_procedure
        .into_values()
        .filter_map(|mut vs| {
            vs.sort_by_key(|(v, _)| v.version);
            let (current, _) = vs.last()?;
            let s = &current.spec;
            Some(ProcedureFacts {
                code: s.code.clone(),
                name: s.name.clone(),
                field: s.field.clone(),
                level: s.level,
                complete: complete(s),
                online: s.online != OnlineService::None,
                at_counter: at_counter(s),
                by_counter: by_counter(s),
                has_fees: s.fees.iter().any(|f| f.amount.0 > 0),
                publications: vs.iter().filter_map(|(v, at)| publication(v, *at, cal)).collect(),
            })
        })
        .collect();
    out.sort_by(|a, b| a.code.cmp(&b.code));
    out
}

/// The catalog's counts, for the Circular 01/2018 unit indicators and the narrative report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct CatalogCounts {
    pub procedures: u64,
    pub complete: u64,
    pub online: u64,
    /// Online services that received an online dossier among `received`.
    pub online_used: u64,
    pub at_counter: u64,
    pub by_counter: u64,
}

impl CatalogCounts {
    pub fn of(procedures: &[ProcedureFacts], received: &[DossierFacts]) -> CatalogCounts {
        let used = online_codes(received);
        let n = |keep: &dyn Fn(&ProcedureFacts) -> bool| procedures.iter().filter(|p| keep(p)).count() as u64;
        CatalogCounts {
            procedures: procedures.len() as u64,
            complete: n(&|p| p.complete),
            online: n(&|p| p.online),
            online_used: n(&|p| p.online && used.contains(p.code.as_str())),
            at_counter: n(&|p| p.at_counter),
            by_counter: n(&|p| p.by_counter),
        }
    }
}

/// The codes of the procedures that received an online dossier among `received`.
pub fn online_codes(received: &[DossierFacts]) -> HashSet<&str> {
    received.iter().filter(|f| f.online()).map(|f| f.procedure_code.as_str()).collect()
}
