//! The quality page: the Decision 766 index of the month, its indicators and twelve-month trend, the Circular 01 scorecards.

#[allow(unused_imports)]
use super::*;

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
    } else if i.per_case {
        Some("feedback")
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
    /// Where indicator 8 comes from, in words.
    feedback_source: String,
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
    // Indicator 7: conduct complaints of the period that the inspector found justified. One about
    // a dossier scored here sets its attitude to 0 (as the applicant's own answer would), and
    // counts for the officer named if they had no step in it; one about no such dossier is one
    // more 0 for the officer, their unit and the agency.
    let justified: Vec<&motcua_domain::feedback::Case> = inp
        .feedback
        .iter()
        .filter(|c| c.kind == Some(motcua_domain::feedback::CaseKind::Conduct) && c.justified == Some(true))
        .collect();
    let complained_of: HashSet<Uuid> = justified.iter().filter_map(|c| c.dossier_id).collect();
    let score = |f: &DossierFacts| {
        circular01::scores(f, evals.get(&f.dossier_id))
            .map(|s| if complained_of.contains(&f.dossier_id) { circular01::justified_on(s) } else { s })
    };
    let scored: Vec<_> = finished.iter().filter_map(|f| score(f)).collect();
    let (mut officer_complaints, mut unit_complaints) = (Vec::new(), Vec::new());
    for c in &justified {
        let Some(officer) = c.officer_id else { continue };
        let unit = state
            .store
            .grants(officer)
            .await?
            .into_iter()
            .find(|g| g.agency_id == agency.id && g.unit.is_some())
            .and_then(|g| g.unit);
        let complaint = circular01::Complaint { officer, unit };
        match c.dossier_id.and_then(|d| finished.iter().find(|f| f.dossier_id == d)) {
            Some(f) => {
                if !f.steps.iter().any(|s| s.officer == Some(officer)) {
                    officer_complaints.push(complaint);
                }
            }
            None => {
                officer_complaints.push(complaint.clone());
                unit_complaints.push(complaint);
            }
        }
    }
    let online_late = inp
        .received
        .iter()
        .filter(|f| f.online() && index766::membership("2.1", f, window.end(), &HashMap::new()) == Some(false))
        .count();
    let c = inp.catalog;
    let c01 = circular01::Config::builtin();
    // Indicator 8: from the PAKN received in the period, unless the agency declared its score
    // (feedback handled outside the system).
    let feedback = Some(
        state
            .config
            .feedback_score
            .map_or_else(|| circular01::feedback_of(&inp.feedback, window.end()), |s| i64::from(s.min(2)) * 10),
    );
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
    for (id, card) in circular01::officers(&scored, &officer_complaints) {
        let name = state.store.user(id).await?.map(|u| u.full_name).unwrap_or_else(|| id.to_string());
        officers.push(card_row(name, &card, c01.level(Level::Officer)));
    }
    let unit_names: HashMap<String, String> =
        state.store.units(agency.id).await?.into_iter().map(|u| (u.code, u.name)).collect();
    let units = circular01::units(&scored, &unit_complaints, &extra)
        .iter()
        .map(|(code, card)| {
            let name = unit_names.get(code).map_or_else(|| code.clone(), |n| format!("{n} ({code})"));
            card_row(name, card, c01.level(Level::Unit))
        })
        .collect();
    let agency_card =
        card_row(agency.name.clone(), &circular01::agency(&scored, &unit_complaints, &extra), c01.level(Level::Unit));
    let mut field_names: Vec<String> = finished.iter().map(|f| f.field.clone()).collect();
    field_names.sort_by_cached_key(|f| motcua_domain::text::fold(f));
    field_names.dedup();
    let fields = field_names
        .into_iter()
        .map(|name| {
            let of: Vec<_> = finished.iter().filter(|f| f.field == name).filter_map(|f| score(f)).collect();
            card_row(name, &circular01::agency(&of, &[], &[]), c01.level(Level::Field))
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
        feedback_source: match state.config.feedback_score {
            Some(_) => {
                "Chỉ số (8) theo điểm cơ quan khai trong cấu hình (xử lý phản ánh, kiến nghị ngoài hệ thống).".into()
            }
            None => format!(
                "Chỉ số (8) tính từ {} phản ánh, kiến nghị tiếp nhận trong kỳ.",
                inp.feedback.iter().filter(|c| c.kind.is_some_and(motcua_domain::feedback::CaseKind::is_pakn)).count()
            ),
        },
        filter_field: p.field.clone(),
        filter_unit: p.unit.clone(),
        units_list,
        all_fields,
        shell: web.shell,
    })
}
