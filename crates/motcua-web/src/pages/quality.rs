//! Service quality for leaders and inspectors: the Decision 766 index of a period with its groups
//! and a trend of the last twelve months (SVG drawn by the server, readable without JavaScript),
//! the Circular 01/2018 scorecards of officers, units and the agency with their bands, the
//! applicants' evaluations, and from every per-dossier number the list of dossiers behind it.
//! And the public statistics page: on-time rate, online share and satisfaction by field over
//! the last twelve months, with no personal data.

use std::collections::{HashMap, HashSet};

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use chrono::{Datelike, NaiveDate};
use motcua_domain::catalog::OnlineService;
use motcua_domain::dossier::DossierFacts;
use motcua_domain::evaluation::Overall;
use motcua_domain::org::Agency;
use motcua_quality::circular01::{self, Scorecard, show};
use motcua_quality::index766::{self, CatalogCounts, Config, Index};
use motcua_quality::report06::percent;
use motcua_quality::{Period, PeriodKind, Window};
use motcua_store::ProcedureQuery;
use serde::Deserialize;
use uuid::Uuid;

use super::error::PageResult;
use super::reports::{DrillPage, Scope, dossier_rows, encode, report_scope, scope};
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

/// The catalog's counts for the procedure indicators; `used` are the procedures that received
/// an online dossier.
pub(crate) async fn catalog_counts(
    state: &AppState,
    agency: Option<Uuid>,
    field_name: Option<String>,
    used: &HashSet<String>,
) -> Result<CatalogCounts, ApiError> {
    // Procedures store their field's code; the filter names the field.
    let field = match field_name {
        Some(name) => state.store.fields().await?.into_iter().find(|f| f.name == name).map(|f| f.code).or(Some(name)),
        None => None,
    };
    let mut counts = CatalogCounts::default();
    let mut page = 1;
    loop {
        let q = ProcedureQuery {
            agency_id: agency,
            field: field.clone(),
            in_force_on: Some(state.now_default().date()),
            page,
            page_size: 200,
            ..Default::default()
        };
        let found = state.store.search_procedures(&q).await?;
        for v in &found.items {
            let s = &v.spec;
            counts.procedures += 1;
            let complete = !s.name.trim().is_empty()
                && !s.steps.is_empty()
                && !s.channels.is_empty()
                && !s.documents.is_empty()
                && s.who_may_apply.as_deref().is_some_and(|w| !w.trim().is_empty())
                && !s.result.trim().is_empty();
            counts.complete += u64::from(complete);
            if s.online != OnlineService::None {
                counts.online += 1;
                counts.online_used += u64::from(used.contains(&s.code));
            }
        }
        if found.items.len() < 200 {
            return Ok(counts);
        }
        page += 1;
    }
}

/// Everything a period's index needs.
struct Inputs {
    window: Window,
    received: Vec<DossierFacts>,
    evaluations: HashMap<Uuid, Overall>,
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
    let used: HashSet<String> = received.iter().filter(|f| f.online()).map(|f| f.procedure_code.clone()).collect();
    let field = Some(p.field.clone()).filter(|f| !f.is_empty());
    let catalog = catalog_counts(state, agency, field, &used).await?;
    Ok(Inputs { window, received, evaluations, catalog })
}

fn index_of(i: &Inputs) -> Index {
    index766::compute(&Config::builtin(), &i.received, i.window.end(), i.catalog, &i.evaluations)
}

/// An agency's index over `window`, exactly as the quality page shows it for the same period
/// (the narrative report quotes it).
pub(crate) async fn agency_index(state: &AppState, agency: Uuid, window: Window) -> Result<Index, ApiError> {
    let inp = inputs(state, &[agency], Some(agency), window, &QualityParams::default()).await?;
    Ok(index_of(&inp))
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
    id: String,
    name: String,
    numerator: u64,
    denominator: u64,
    rate: String,
    points: String,
    max: String,
    threshold: String,
    unverified: bool,
    /// Links to the dossiers in and out of the numerator.
    links: Option<(String, String)>,
}

#[derive(Debug)]
pub struct GroupRow {
    name: String,
    points: String,
    available: String,
    max: String,
}

/// A scorecard line: name, dossiers, the indicators in order, total, band.
#[derive(Debug)]
pub struct CardRow {
    name: String,
    dossiers: u64,
    scores: Vec<String>,
    total: String,
    band: &'static str,
}

fn card_row(name: String, card: &Scorecard, indicators: &[u8], band: fn(i64) -> &'static str) -> CardRow {
    CardRow {
        name,
        dossiers: card.dossiers,
        scores: indicators.iter().map(|i| card.get(*i).map_or_else(|| "—".into(), show)).collect(),
        total: show(card.total),
        band: band(card.total),
    }
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
    available: String,
    groups: Vec<GroupRow>,
    indicators: Vec<IndicatorRow>,
    trend_on_time: String,
    trend_online: String,
    trend_labels: Vec<(u32, String)>,
    evaluations: Vec<(&'static str, u64)>,
    officers: Vec<CardRow>,
    units: Vec<CardRow>,
    agency_card: CardRow,
    /// Per field (indicators 1, 2, 3, 4, 7).
    fields: Vec<CardRow>,
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
    Query(p): Query<QualityParams>,
) -> PageResult<QualityPage> {
    let sc = scope(&state, &web, (p.agency.as_deref(), &p.period), "/office/quality", true).await?;
    let window = sc.index_window();
    let Scope { agency, period, now, .. } = sc;
    let inp = inputs(&state, &[agency.id], Some(agency.id), window, &p).await?;
    let index = index_of(&inp);
    let base = format!("/office/quality/dossiers?agency={}&period={period}{}", encode(agency.code.as_str()), p.tail());
    let indicators = index
        .indicators
        .iter()
        .map(|i| IndicatorRow {
            links: i.per_dossier.then(|| {
                (format!("{base}&indicator={}&inside=1", i.id), format!("{base}&indicator={}&inside=0", i.id))
            }),
            id: i.id.clone(),
            name: i.name.clone(),
            numerator: i.numerator,
            denominator: i.denominator,
            rate: pct(i.rate),
            points: pts(i.points),
            max: pts(i.max),
            threshold: i.threshold.map(|t| format!("≥ {t:.0}%")).unwrap_or_default(),
            unverified: i.unverified,
        })
        .collect();
    let groups = index
        .groups
        .iter()
        .map(|g| GroupRow {
            name: format!("{}. {}", g.n, g.name),
            points: pts(g.points),
            available: pts(g.available),
            max: pts(g.max),
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
    let extra: Vec<(u8, i64)> = [
        (6, circular01::publicity(c.procedures, c.complete, state.config.posted_at_counter)),
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
        officers.push(card_row(name, &card, &[1, 2, 3, 4, 7], circular01::officer_band));
    }
    let unit_names: HashMap<String, String> =
        state.store.units(agency.id).await?.into_iter().map(|u| (u.code, u.name)).collect();
    let units = circular01::units(&scored, &extra)
        .iter()
        .map(|(code, card)| {
            let name = unit_names.get(code).map_or_else(|| code.clone(), |n| format!("{n} ({code})"));
            card_row(name, card, &[1, 2, 3, 4, 6, 7, 9], circular01::unit_band)
        })
        .collect();
    let agency_card = card_row(
        agency.name.clone(),
        &circular01::agency(&scored, &extra),
        &[1, 2, 3, 4, 6, 7, 9],
        circular01::unit_band,
    );
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
            card_row(name, &circular01::agency(&of, &[]), &[1, 2, 3, 4, 7], circular01::unit_band)
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
        available: pts(index.available),
        groups,
        indicators,
        trend_on_time: polyline(&on_time),
        trend_online: polyline(&online),
        trend_labels,
        evaluations,
        officers,
        units,
        agency_card,
        fields,
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
    Query(p): Query<QualityParams>,
) -> PageResult<DrillPage> {
    let sc = scope(&state, &web, (p.agency.as_deref(), &p.period), "/office/quality", true).await?;
    let window = sc.index_window();
    let Scope { agency, period, .. } = sc;
    let config = Config::builtin();
    let indicator = config
        .indicator
        .iter()
        .find(|i| i.id == p.indicator)
        .ok_or_else(|| ApiError::NotFound("không có chỉ số này".into()))?;
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
    Query(p): Query<MonitoringParams>,
) -> PageResult<MonitoringPage> {
    let (actor, agency) = report_scope(&state, &web, p.agency.as_deref(), "/office/monitoring").await?;
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
        can_remind: actor.grants.iter().any(|g| g.agency_id == agency.id && super::messages::follows_up(g.role)),
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
