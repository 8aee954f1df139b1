//! Service quality for leaders and inspectors: the Decision 766 index of a period out of 100,
//! with its groups, the data not held yet named, and a trend of the last twelve months (SVG
//! drawn by the server, readable without JavaScript); the Circular 01/2018 scorecards of
//! officers, fields, units and the agency, each rated on its level's bands; the applicants'
//! evaluations; and from every number the dossiers or procedures behind it.
//! And the public statistics page: on-time rate, online share and satisfaction by field over
//! the last twelve months, with no personal data.

use std::collections::{HashMap, HashSet};

use crate::extract::ApiQuery as Query;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use chrono::{Datelike, NaiveDate};
use motcua_domain::dossier::DossierFacts;
use motcua_domain::evaluation::Overall;
use motcua_domain::org::Agency;
use motcua_quality::catalog::{self, CatalogCounts, ProcedureFacts};
use motcua_quality::circular01::{self, Level, Scorecard, show};
use motcua_quality::index766::{self, Config, Index, Status};
use motcua_quality::report06::percent;
use motcua_quality::{Period, PeriodKind, Window};
use serde::Deserialize;
use uuid::Uuid;

use super::error::PageResult;
use super::reports::{DrillPage, Scope, dossier_rows, encode, report_scope, scope};
use super::roles::Officer;
use super::session::{Shell, Web};
use crate::error::ApiError;
use crate::state::AppState;

#[derive(Debug, Default, Deserialize)]
pub struct QualityParams {
    #[serde(default)]
    period: String,
    #[serde(default)]
    agency: Option<String>,
    #[serde(default)]
    indicator: String,
    #[serde(default)]
    inside: Option<u8>,
    /// Only this field's dossiers (and procedures).
    #[serde(default)]
    field: String,
    /// Only the dossiers this unit is in charge of.
    #[serde(default)]
    unit: String,
}

impl QualityParams {
    fn keeps(&self, f: &DossierFacts) -> bool {
        (self.field.is_empty() || f.field == self.field)
            && (self.unit.is_empty() || f.unit.as_deref() == Some(self.unit.as_str()))
    }

    /// The filters as a query-string tail.
    fn tail(&self) -> String {
        format!("&field={}&unit={}", encode(&self.field), encode(&self.unit))
    }
}

/// The agency's procedures as the indices see them, only those of the field named
/// `field_name` if given.
pub(crate) async fn catalog(
    state: &AppState,
    agency: Option<Uuid>,
    field_name: Option<String>,
) -> Result<Vec<ProcedureFacts>, ApiError> {
    let Some(agency) = agency else { return Ok(Vec::new()) };
    // Procedures store their field's code; the filter names the field.
    let field = match field_name {
        Some(name) => Some(state.store.fields().await?.into_iter().find(|f| f.name == name).map_or(name, |f| f.code)),
        None => None,
    };
    let cal = state.calendar(agency).await?;
    let mut procedures = catalog::procedures(&state.store.procedure_history(agency).await?, &cal);
    procedures.retain(|p| field.as_ref().is_none_or(|f| p.field == *f));
    Ok(procedures)
}

/// Everything a period's index needs.
struct Inputs {
    window: Window,
    received: Vec<DossierFacts>,
    evaluations: HashMap<Uuid, Overall>,
    /// The evaluations with the dossiers that are the subject of a PAKN as "not satisfied" (5.4).
    opinions: HashMap<Uuid, Overall>,
    procedures: Vec<ProcedureFacts>,
    catalog: CatalogCounts,
    /// The dossiers the national portal has been told of (1.4).
    synced: HashSet<Uuid>,
    /// The feedback cases received in the period (5.1–5.3).
    feedback: Vec<motcua_domain::feedback::Case>,
    /// The dossiers whose fees were paid online (3.5, 3.6).
    paid_online: HashSet<Uuid>,
}

async fn inputs(
    state: &AppState,
    agencies: &[Uuid],
    agency: Option<Uuid>,
    window: Window,
    p: &QualityParams,
) -> Result<Inputs, ApiError> {
    let mut received = state.store.facts(agencies, window.start(), window.end(), true).await?;
    received.retain(|f| p.keeps(f));
    let evaluations = state
        .store
        .evaluations(agencies, window.start(), window.end(), true)
        .await?
        .into_iter()
        .map(|e| (e.dossier_id, e.overall))
        .collect();
    let opinions = index766::opinions(&evaluations, &state.store.pakn_dossiers(agencies).await?);
    let field = Some(p.field.clone()).filter(|f| !f.is_empty());
    let procedures = catalog(state, agency, field).await?;
    let catalog = CatalogCounts::of(&procedures, &received);
    let mut synced = HashSet::new();
    for a in agencies {
        synced.extend(state.store.portal_synced(*a, window.start()).await?);
    }
    let feedback = motcua_app::feedback::received_in(&*state.store, agencies, window.start(), window.end()).await?;
    let paid_online = state.store.paid_online_dossiers(agencies).await?.into_iter().collect();
    Ok(Inputs { window, received, evaluations, opinions, procedures, catalog, synced, feedback, paid_online })
}

fn index_of(config: &Config, i: &Inputs) -> Index {
    let dossiers = index766::DossierTally::of(&i.received, i.window.end(), &i.opinions, &i.synced)
        .paid(&i.received, &i.paid_online);
    let inputs =
        index766::Inputs { dossiers: &dossiers, window: i.window, procedures: &i.procedures, feedback: &i.feedback };
    index766::compute(config, &inputs)
}

/// An agency's index over `window`, exactly as the quality page shows it for the same period
/// (the narrative report quotes it).
pub(crate) async fn agency_index(state: &AppState, agency: Uuid, window: Window) -> Result<Index, ApiError> {
    let cal = state.calendar(agency).await?;
    Ok(motcua_app::reports::index766(&*state.store, agency, window, &cal).await?)
}

fn pct(rate: f64) -> String {
    format!("{rate:.2}%").replace('.', ",")
}

fn pts(p: f64) -> String {
    format!("{p:.2}").replace('.', ",")
}

mod dashboard;
mod drill;
mod monitoring;
mod statistics;

pub use dashboard::*;
pub use drill::*;
pub use monitoring::*;
pub use statistics::*;
