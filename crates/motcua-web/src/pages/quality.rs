//! Service quality for leaders and inspectors: the Decision 766 index of a period out of 100,
//! with its groups, the data not held yet named, and a trend of the last twelve months (SVG
//! drawn by the server, readable without JavaScript); the Circular 01/2018 scorecards of
//! officers, fields, units and the agency, each rated on its level's bands; the applicants'
//! evaluations; and from every number the dossiers or procedures behind it.
//! And the public statistics page: on-time rate, online share and satisfaction by field over
//! the last twelve months, with no personal data.

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
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
    procedures: Vec<ProcedureFacts>,
    catalog: CatalogCounts,
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
    let field = Some(p.field.clone()).filter(|f| !f.is_empty());
    let procedures = catalog(state, agency, field).await?;
    let catalog = CatalogCounts::of(&procedures, &received);
    Ok(Inputs { window, received, evaluations, procedures, catalog })
}

fn index_of(config: &Config, i: &Inputs) -> Index {
    let inputs = index766::Inputs {
        received: &i.received,
        window: i.window,
        procedures: &i.procedures,
        evaluations: &i.evaluations,
    };
    index766::compute(config, &inputs)
}

/// An agency's index over `window`, exactly as the quality page shows it for the same period
/// (the narrative report quotes it).
pub(crate) async fn agency_index(state: &AppState, agency: Uuid, window: Window) -> Result<Index, ApiError> {
    let inp = inputs(state, &[agency], Some(agency), window, &QualityParams::default()).await?;
    Ok(index_of(&Config::builtin(), &inp))
}

fn pct(rate: f64) -> String {
    format!("{rate:.2}%").replace('.', ",")
}

fn pts(p: f64) -> String {
    format!("{p:.2}").replace('.', ",")
}

/// One indicator's row on the page.
#[derive(Debug)]
pub struct IndicatorRow {
    group: u8,
    id: String,
    name: String,
    numerator: u64,
    denominator: u64,
    rate: String,
    points: String,
    max: String,
    threshold: String,
    unverified: bool,
    /// Links to the dossiers or procedures in and out of the numerator.
    links: Option<(String, String)>,
}

#[derive(Debug)]
pub struct GroupRow {
    name: String,
    points: String,
    max: String,
    /// Its indicators without data, e.g. "3.5, 3.6".
    without_data: String,
}

fn indicator_row(i: &index766::IndicatorResult, base: &str) -> IndicatorRow {
    let list = if i.per_dossier {
        Some("dossiers")
    } else if i.per_procedure {
        Some("procedures")
    } else {
        None
    };
    IndicatorRow {
        links: list.map(|list| {
            let link = |inside| format!("/office/quality/{list}?{base}&indicator={}&inside={inside}", i.id);
            (link(1), link(0))
        }),
        group: i.group,
        id: i.id.clone(),
        name: i.name.clone(),
        numerator: i.numerator,
        denominator: i.denominator,
        rate: pct(i.rate),
        points: pts(i.points),
        max: pts(i.max),
        threshold: i.threshold.map(|t| format!("≥ {t:.0}%")).unwrap_or_default(),
        unverified: i.unverified,
    }
}

/// A scorecard line: name, dossiers, the level's indicators in order, total, band.
#[derive(Debug)]
pub struct CardRow {
    name: String,
    dossiers: u64,
    scores: Vec<String>,
    total: String,
    band: String,
}

fn card_row(name: String, card: &Scorecard, level: &circular01::LevelConfig) -> CardRow {
    CardRow {
        name,
        dossiers: card.dossiers,
        scores: level.indicators.iter().map(|i| card.get(*i).map_or_else(|| "—".into(), show)).collect(),
        total: show(card.total),
        band: level.rating(card.total).to_owned(),
    }
}

/// How a level is rated, for the page: its name, maximum and bands ("Xuất sắc ≥ 15,0; …").
#[derive(Debug)]
pub struct LevelRow {
    name: String,
    max: String,
    indicators: Vec<u8>,
    bands: String,
    unverified: bool,
}

fn level_row(level: &circular01::LevelConfig) -> LevelRow {
    let bands: Vec<String> = level
        .bands
        .iter()
        .map(|b| if b.from > 0.0 { format!("{} ≥ {}", b.label, pts1(b.from)) } else { b.label.clone() })
        .collect();
    LevelRow {
        name: level.name.clone(),
        max: show(level.max()),
        indicators: level.indicators.clone(),
        bands: bands.join("; "),
        unverified: level.unverified,
    }
}

fn pts1(p: f64) -> String {
    format!("{p:.1}").replace('.', ",")
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "quality.html")]
pub struct QualityPage {
    shell: Shell,
    agency_name: String,
    agency_code: String,
    period: String,
    label: String,
    window: String,
    version: String,
    total: String,
    max: String,
    groups: Vec<GroupRow>,
    /// The indicators with cases in the period.
    indicators: Vec<IndicatorRow>,
    /// The indicators without a case in the period, scoring 0: "1.1 …".
    no_cases: Vec<String>,
    /// "chưa có dữ liệu: thanh toán trực tuyến, …" (empty when everything is held).
    missing: String,
    trend_on_time: String,
    trend_online: String,
    trend_labels: Vec<(u32, String)>,
    evaluations: Vec<(&'static str, u64)>,
    officers: Vec<CardRow>,
    units: Vec<CardRow>,
    agency_card: CardRow,
    /// Per field (indicators 1, 2, 3, 4, 7).
    fields: Vec<CardRow>,
    /// The officer, field and unit levels with their bands.
    levels: Vec<LevelRow>,
    /// Indicator 8 has no data (not declared).
    feedback_missing: bool,
    filter_field: String,
    filter_unit: String,
    units_list: Vec<(String, String)>,
    all_fields: Vec<String>,
}

/// The last twelve calendar months up to `last`.
fn twelve_months(last: Period) -> Vec<Period> {
    let mut months = vec![last];
    for _ in 0..11 {
        let p = months[months.len() - 1].previous();
        months.push(p);
    }
    months.reverse();
    months
}

/// An SVG polyline's points for rates 0–100 over a 600 × 200 chart.
fn polyline(rates: &[Option<f64>]) -> String {
    rates
        .iter()
        .enumerate()
        .filter_map(|(i, r)| r.map(|r| format!("{},{:.1}", 40 + i * 50, 180.0 - r * 1.6)))
        .collect::<Vec<_>>()
        .join(" ")
}

pub async fn dashboard(
    State(state): State<AppState>,
    web: Web,
    Officer(actor): Officer,
    Query(p): Query<QualityParams>,
) -> PageResult<QualityPage> {
    let sc = scope(&state, actor, (p.agency.as_deref(), &p.period), true).await?;
    let window = sc.index_window();
    let Scope { agency, period, now, .. } = sc;
    let inp = inputs(&state, &[agency.id], Some(agency.id), window, &p).await?;
    let index = index_of(&Config::builtin(), &inp);
    let base = format!("agency={}&period={period}{}", encode(agency.code.as_str()), p.tail());
    let indicators = index.with_status(Status::Scored).map(|i| indicator_row(i, &base)).collect();
    let no_cases = index.with_status(Status::NoCases).map(|i| format!("{}. {}", i.id, i.name)).collect();
    let groups = index
        .groups
        .iter()
        .map(|g| GroupRow {
            name: format!("{}. {}", g.n, g.name),
            points: pts(g.points),
            max: pts(g.max),
            without_data: g.without_data.join(", "),
        })
        .collect();

    // The trend: on-time and online rates of each of the last twelve months.
    let last = match period.kind {
        PeriodKind::Month => period,
        _ => Period::month(window.last.year(), window.last.month()),
    };
    let months = twelve_months(last);
    let (mut on_time, mut online) = (Vec::new(), Vec::new());
    for m in &months {
        let w = m.calendar().as_of(now);
        let mut facts = state.store.facts(&[agency.id], w.start(), w.end(), true).await?;
        facts.retain(|f| p.keeps(f));
        let rate = |id: &str| {
            let flags: Vec<bool> =
                facts.iter().filter_map(|f| index766::membership(id, f, w.end(), &HashMap::new())).collect();
            (!flags.is_empty()).then(|| percent(flags.iter().filter(|x| **x).count() as u64, flags.len() as u64))
        };
        on_time.push(rate("2.1"));
        online.push(rate("3.3"));
    }
    let trend_labels =
        months.iter().enumerate().map(|(i, m)| (40 + i as u32 * 50, format!("{:02}/{}", m.n, m.year % 100))).collect();

    // Evaluations of the dossiers received in the period.
    let mut evaluations: Vec<(&'static str, u64)> = Overall::ALL.iter().map(|o| (o.label_vi(), 0)).collect();
    for o in inp.evaluations.values() {
        if let Some(i) = Overall::ALL.iter().position(|x| x == o) {
            evaluations[i].1 += 1;
        }
    }

    // Circular 01/2018: the dossiers finished in the period.
    let all = state.store.facts(&[agency.id], window.start(), window.end(), false).await?;
    let finished: Vec<&DossierFacts> =
        all.iter().filter(|f| f.finished_at.is_some_and(|t| window.contains(t))).collect();
    let evals: HashMap<Uuid, motcua_domain::evaluation::Evaluation> = state
        .store
        .evaluations(&[agency.id], window.start(), window.end(), false)
        .await?
        .into_iter()
        .map(|e| (e.dossier_id, e))
        .collect();
    let scored: Vec<_> = finished.iter().filter_map(|f| circular01::scores(f, evals.get(&f.dossier_id))).collect();
    let online_late = inp
        .received
        .iter()
        .filter(|f| f.online() && index766::membership("2.1", f, window.end(), &HashMap::new()) == Some(false))
        .count();
    let c = inp.catalog;
    let c01 = circular01::Config::builtin();
    // Indicator 8: feedback is handled outside the system; the agency may declare its score.
    let feedback = state.config.feedback_score.map(|s| i64::from(s.min(2)) * 10);
    let extra: Vec<(u8, i64)> = [
        (5, circular01::one_stop(&c, c01.one_stop_share(agency.level))),
        (6, circular01::publicity(c.procedures, c.complete, state.config.posted_at_counter)),
        (8, feedback),
        (
            9,
            circular01::online_service(
                c.procedures,
                c.online,
                inp.received.len() as u64,
                inp.received.iter().filter(|f| f.online()).count() as u64,
                online_late as u64,
            ),
        ),
    ]
    .into_iter()
    .filter_map(|(i, s)| s.map(|s| (i, s)))
    .collect();
    let mut officers = Vec::new();
    for (id, card) in circular01::officers(&scored) {
        let name = state.store.user(id).await?.map(|u| u.full_name).unwrap_or_else(|| id.to_string());
        officers.push(card_row(name, &card, c01.level(Level::Officer)));
    }
    let unit_names: HashMap<String, String> =
        state.store.units(agency.id).await?.into_iter().map(|u| (u.code, u.name)).collect();
    let units = circular01::units(&scored, &extra)
        .iter()
        .map(|(code, card)| {
            let name = unit_names.get(code).map_or_else(|| code.clone(), |n| format!("{n} ({code})"));
            card_row(name, card, c01.level(Level::Unit))
        })
        .collect();
    let agency_card = card_row(agency.name.clone(), &circular01::agency(&scored, &extra), c01.level(Level::Unit));
    let mut field_names: Vec<String> = finished.iter().map(|f| f.field.clone()).collect();
    field_names.sort_by_cached_key(|f| motcua_domain::text::fold(f));
    field_names.dedup();
    let fields = field_names
        .into_iter()
        .map(|name| {
            let of: Vec<_> = finished
                .iter()
                .filter(|f| f.field == name)
                .filter_map(|f| circular01::scores(f, evals.get(&f.dossier_id)))
                .collect();
            card_row(name, &circular01::agency(&of, &[]), c01.level(Level::Field))
        })
        .collect();
    let units_list = state.store.units(agency.id).await?.into_iter().map(|u| (u.code, u.name)).collect();
    let mut all_fields: Vec<String> = all.iter().map(|f| f.field.clone()).collect();
    all_fields.sort_by_cached_key(|f| motcua_domain::text::fold(f));
    all_fields.dedup();

    Ok(QualityPage {
        agency_name: agency.name.clone(),
        agency_code: agency.code.to_string(),
        period: period.to_string(),
        label: period.label_vi(),
        window: window.label(),
        version: index.version.clone(),
        total: pts(index.points),
        max: format!("{:.0}", index.max),
        groups,
        indicators,
        no_cases,
        missing: if index.missing.is_empty() {
            String::new()
        } else {
            format!("chưa có dữ liệu: {}", index.missing.join(", "))
        },
        trend_on_time: polyline(&on_time),
        trend_online: polyline(&online),
        trend_labels,
        evaluations,
        officers,
        units,
        agency_card,
        fields,
        levels: [Level::Officer, Level::Field, Level::Unit].map(|l| level_row(c01.level(l))).into(),
        feedback_missing: feedback.is_none(),
        filter_field: p.field.clone(),
        filter_unit: p.unit.clone(),
        units_list,
        all_fields,
        shell: web.shell,
    })
}

/// The dossiers in (or out of) a per-dossier indicator's numerator.
pub async fn indicator_dossiers(
    State(state): State<AppState>,
    web: Web,
    Officer(actor): Officer,
    Query(p): Query<QualityParams>,
) -> PageResult<DrillPage> {
    let sc = scope(&state, actor, (p.agency.as_deref(), &p.period), true).await?;
    let window = sc.index_window();
    let Scope { agency, period, .. } = sc;
    let config = Config::builtin();
    let indicator = listed_indicator(&config, &p.indicator, &index766::PER_DOSSIER)?;
    let inp = inputs(&state, &[agency.id], Some(agency.id), window, &p).await?;
    let inside = p.inside.unwrap_or(1) == 1;
    let found: Vec<&DossierFacts> = inp
        .received
        .iter()
        .filter(|f| index766::membership(&indicator.id, f, window.end(), &inp.evaluations) == Some(inside))
        .collect();
    let which = if inside { "đạt" } else { "không đạt" };
    Ok(DrillPage {
        title: format!(
            "{} — chỉ số {} {}: {} hồ sơ {which}",
            period.label_vi(),
            indicator.id,
            indicator.name,
            found.len()
        ),
        back: format!("/office/quality?agency={}&period={period}{}", encode(agency.code.as_str()), p.tail()),
        rows: dossier_rows(found.into_iter()),
        shell: web.shell,
    })
}

/// The configured indicator `id`, if it is one of `listed`.
fn listed_indicator<'a>(
    config: &'a Config,
    id: &str,
    listed: &[&str],
) -> Result<&'a index766::IndicatorConfig, ApiError> {
    config
        .indicator(id)
        .filter(|i| listed.contains(&i.id.as_str()))
        .ok_or_else(|| ApiError::NotFound("không có chỉ số này".into()))
}

/// A procedure behind a catalog indicator, with the publishing decisions it was judged by.
#[derive(Debug)]
pub struct ProcedureRow {
    code: String,
    name: String,
    field: String,
    /// For 1.1 and 1.2, each decision of the period with its dates and working days.
    decisions: Vec<String>,
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "quality_procedures.html")]
pub struct ProceduresPage {
    shell: Shell,
    title: String,
    back: String,
    rows: Vec<ProcedureRow>,
}

fn decision_line(d: &catalog::PublicationFacts) -> String {
    let date = |d: NaiveDate| d.format("%d/%m/%Y").to_string();
    let days = |n: Option<i64>| n.map_or_else(|| "ngoài lịch".to_owned(), |n| format!("{n} ngày làm việc"));
    format!(
        "Quyết định công bố {}: hiệu lực {} ({} sau quyết định), đưa lên danh mục {} ({} sau quyết định)",
        date(d.decision),
        date(d.effective),
        days(d.lead),
        date(d.made_public),
        days(d.delay)
    )
}

/// The procedures in (or out of) a catalog indicator's numerator.
pub async fn indicator_procedures(
    State(state): State<AppState>,
    web: Web,
    Officer(actor): Officer,
    Query(p): Query<QualityParams>,
) -> PageResult<ProceduresPage> {
    let sc = scope(&state, actor, (p.agency.as_deref(), &p.period), true).await?;
    let window = sc.index_window();
    let Scope { agency, period, .. } = sc;
    let config = Config::builtin();
    let indicator = listed_indicator(&config, &p.indicator, &index766::PER_PROCEDURE)?;
    let inp = inputs(&state, &[agency.id], Some(agency.id), window, &p).await?;
    let inside = p.inside.unwrap_or(1) == 1;
    let used = catalog::online_codes(&inp.received);
    let rows: Vec<ProcedureRow> = inp
        .procedures
        .iter()
        .filter(|x| index766::procedure_membership(&config, &indicator.id, x, window, &used) == Some(inside))
        .map(|x| ProcedureRow {
            code: x.code.clone(),
            name: x.name.clone(),
            field: x.field.clone(),
            decisions: match indicator.id.as_str() {
                "1.1" | "1.2" => x.decided_between(window.first, window.last).map(decision_line).collect(),
                _ => Vec::new(),
            },
        })
        .collect();
    let which = if inside { "đạt" } else { "không đạt" };
    Ok(ProceduresPage {
        title: format!(
            "{} — chỉ số {} {}: {} thủ tục {which}",
            period.label_vi(),
            indicator.id,
            indicator.name,
            rows.len()
        ),
        back: format!("/office/quality?agency={}&period={period}{}", encode(agency.code.as_str()), p.tail()),
        rows,
        shell: web.shell,
    })
}

/// A field's public figures.
#[derive(Debug)]
pub struct PublicRow {
    field: String,
    received: u64,
    on_time: String,
    online: String,
    satisfaction: String,
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "statistics.html")]
pub struct StatisticsPage {
    shell: Shell,
    agencies: Vec<(String, String)>,
    agency: String,
    window: String,
    rows: Vec<PublicRow>,
    total: PublicRow,
}

#[derive(Debug, Default, Deserialize)]
pub struct PublicParams {
    #[serde(default)]
    agency: String,
}

fn public_row(
    field: String,
    facts: &[&DossierFacts],
    end: chrono::NaiveDateTime,
    evaluations: &HashMap<Uuid, Overall>,
) -> PublicRow {
    let n = facts.len() as u64;
    let count =
        |id: &str| facts.iter().filter(|f| index766::membership(id, f, end, evaluations) == Some(true)).count() as u64;
    let rated: Vec<&Overall> = facts.iter().filter_map(|f| evaluations.get(&f.dossier_id)).collect();
    let satisfied = rated.iter().filter(|o| o.satisfied()).count() as u64;
    let rate = |num: u64, den: u64| if den == 0 { "—".to_owned() } else { pct(percent(num, den)) };
    PublicRow {
        field,
        received: n,
        on_time: rate(count("2.1"), n),
        online: rate(count("3.3"), n),
        satisfaction: rate(satisfied, rated.len() as u64),
    }
}

/// On-time rate, online share and satisfaction by field over the last twelve months.
pub async fn public_statistics(
    State(state): State<AppState>,
    web: Web,
    Query(p): Query<PublicParams>,
) -> PageResult<StatisticsPage> {
    let all: Vec<Agency> = state.store.agencies().await?;
    let chosen: Vec<Uuid> = match all.iter().find(|a| a.code.as_str() == p.agency) {
        Some(a) => vec![a.id],
        None => all.iter().map(|a| a.id).collect(),
    };
    let now = state.now_default();
    let today = now.date();
    let first = NaiveDate::from_ymd_opt(today.year() - 1, today.month(), 1).unwrap_or(today);
    // Up to now: a dossier due later today is not overdue yet.
    let window = Window::days(first, today).as_of(now);
    let received = state.store.facts(&chosen, window.start(), window.end(), true).await?;
    let evaluations: HashMap<Uuid, Overall> = state
        .store
        .evaluations(&chosen, window.start(), window.end(), true)
        .await?
        .into_iter()
        .map(|e| (e.dossier_id, e.overall))
        .collect();
    let mut fields: Vec<String> = received.iter().map(|f| f.field.clone()).collect();
    fields.sort_by_cached_key(|f| motcua_domain::text::fold(f));
    fields.dedup();
    let rows = fields
        .into_iter()
        .map(|field| {
            let of: Vec<&DossierFacts> = received.iter().filter(|f| f.field == field).collect();
            public_row(field, &of, window.end(), &evaluations)
        })
        .collect();
    let everything: Vec<&DossierFacts> = received.iter().collect();
    Ok(StatisticsPage {
        agencies: all.iter().map(|a| (a.code.to_string(), a.name.clone())).collect(),
        agency: p.agency,
        window: window.label(),
        rows,
        total: public_row("Tất cả lĩnh vực".into(), &everything, window.end(), &evaluations),
        shell: web.shell,
    })
}

#[derive(Debug, Default, Deserialize)]
pub struct MonitoringParams {
    #[serde(default)]
    agency: Option<String>,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    days: Option<u32>,
    #[serde(default)]
    reminded: Option<u32>,
}

/// A dossier to urge.
#[derive(Debug)]
pub struct WatchRow {
    id: Uuid,
    code: String,
    procedure: String,
    due: String,
    /// "Quá hạn 3 ngày làm việc" or "Còn 1 ngày làm việc".
    status: String,
    overdue: bool,
    officer: String,
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "monitoring.html")]
pub struct MonitoringPage {
    shell: Shell,
    agency_name: String,
    days: u32,
    unit: String,
    units: Vec<(String, String)>,
    groups: Vec<(String, usize, Vec<WatchRow>)>,
    can_remind: bool,
    notice: Option<String>,
}

/// Overdue monitoring (đôn đốc): per unit, the unfinished dossiers overdue or due within N
/// working days, with days late, the officer holding them and a reminder button.
pub async fn monitoring(
    State(state): State<AppState>,
    web: Web,
    Officer(actor): Officer,
    Query(p): Query<MonitoringParams>,
) -> PageResult<MonitoringPage> {
    let (actor, agency) = report_scope(&state, actor, p.agency.as_deref()).await?;
    let cal = state.calendar(agency.id).await?;
    let now = state.now(&cal);
    let today = now.date();
    let days = p.days.unwrap_or(2).min(30);
    let horizon = cal.add_working_days(today, days).map(|d| cal.end_of(d)).unwrap_or(now);
    let filter = motcua_store::DossierFilter {
        agencies: vec![agency.id],
        due_before: Some(horizon),
        unit: Some(p.unit.clone()).filter(|u| !u.is_empty()),
        page: 1,
        page_size: 200,
        ..Default::default()
    };
    let found = state.store.list_dossiers(&filter).await?;
    let units = state.store.units(agency.id).await?;
    let mut names: HashMap<Uuid, String> = HashMap::new();
    let mut groups: Vec<(String, usize, Vec<WatchRow>)> = Vec::new();
    // Waiting for the applicant (supplement, fees) is not the unit's to urge: the clock is paused.
    let waiting = |s: motcua_domain::dossier::State| {
        use motcua_domain::dossier::State::*;
        matches!(s, AwaitingSupplement | AwaitingPayment | NeedsCompletion)
    };
    for d in found.items.into_iter().filter(|d| !waiting(d.state)) {
        let unit = d.step().map(|s| s.unit.clone()).unwrap_or_default();
        let officer = match d.assignee {
            Some(id) => match names.get(&id) {
                Some(n) => n.clone(),
                None => {
                    let n = state.store.user(id).await?.map(|u| u.full_name).unwrap_or_default();
                    names.insert(id, n.clone());
                    n
                }
            },
            None => "Chưa phân công".into(),
        };
        let overdue = d.is_overdue(now);
        let status = match d.due_date {
            Some(due) if overdue => {
                format!("Quá hạn {} ngày làm việc", cal.working_days_between(due, today).unwrap_or(0).max(1))
            }
            Some(due) => format!("Còn {} ngày làm việc", cal.working_days_between(today, due).unwrap_or(0)),
            None => String::new(),
        };
        let row = WatchRow {
            id: d.id,
            code: d.code.as_ref().map(|c| c.to_string()).unwrap_or_default(),
            procedure: d.procedure_name.clone(),
            due: d.due_date.map(|x| x.format("%d/%m/%Y").to_string()).unwrap_or_default(),
            status,
            overdue,
            officer,
        };
        let label = units.iter().find(|u| u.code == unit).map_or(unit.clone(), |u| format!("{} ({})", u.name, u.code));
        match groups.iter_mut().find(|(l, _, _)| *l == label) {
            Some((_, n, rows)) => {
                *n += usize::from(row.overdue);
                rows.push(row);
            }
            None => groups.push((label, usize::from(row.overdue), vec![row])),
        }
    }
    groups.sort_by_cached_key(|(l, _, _)| motcua_domain::text::fold(l));
    Ok(MonitoringPage {
        agency_name: agency.name.clone(),
        days,
        unit: p.unit,
        units: units.into_iter().map(|u| (u.code, u.name)).collect(),
        groups,
        can_remind: actor.grants.iter().any(|g| g.agency_id == agency.id && super::roles::follows_up(g.role)),
        notice: p.reminded.map(|n| {
            if n == 0 {
                "Không gửi thêm lời nhắc: hôm nay đã nhắc, hoặc người xử lý chưa có email, số di động.".into()
            } else {
                format!("Đã gửi lời nhắc ({n} tin nhắn).")
            }
        }),
        shell: web.shell,
    })
}
