//! Behind an indicator: the dossiers or the procedures that make its figure.

#[allow(unused_imports)]
use super::*;

/// The dossiers in (or out of) a per-dossier indicator's numerator.
pub async fn indicator_dossiers(
    State(state): State<AppState>,
    web: Web,
    Officer(actor): Officer,
    Query(p): Query<QualityParams>,
) -> PageResult<DrillPage> {
    let config = Config::builtin();
    let listed: Vec<&str> = index766::PER_DOSSIER.into_iter().chain([index766::PAID_DOSSIER]).collect();
    let Drill { agency, period, window, indicator, inp, inside } = drill(&state, actor, &p, &config, &listed).await?;
    let member = |f: &DossierFacts| match indicator.id.as_str() {
        index766::PAID_DOSSIER => index766::paid_membership(f, &inp.paid_online),
        id => index766::membership(id, f, window.end(), &inp.opinions),
    };
    let found: Vec<&DossierFacts> = inp.received.iter().filter(|f| member(f) == Some(inside)).collect();
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

/// A feedback case behind a group 5 indicator.
#[derive(Debug)]
pub struct CaseRow {
    id: Uuid,
    label: String,
    kind: &'static str,
    state: &'static str,
    /// The title; a denunciation's is not shown.
    title: String,
    received: String,
    answer_by: String,
    /// Why it is out of the numerator, in words, when it is.
    why: String,
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "quality_feedback.html")]
pub struct CasesPage {
    shell: Shell,
    title: String,
    back: String,
    rows: Vec<CaseRow>,
}

/// The feedback cases in (or out of) a group 5 indicator's numerator (5.1–5.3).
pub async fn indicator_cases(
    State(state): State<AppState>,
    web: Web,
    Officer(actor): Officer,
    Query(p): Query<QualityParams>,
) -> PageResult<CasesPage> {
    use motcua_domain::feedback::CaseKind;
    let config = Config::builtin();
    let Drill { agency, period, window, indicator, inp, inside } =
        drill(&state, actor, &p, &config, &index766::PER_CASE).await?;
    let end = window.end();
    let rows: Vec<CaseRow> = inp
        .feedback
        .iter()
        .filter(|c| index766::feedback_membership(&indicator.id, c, end) == Some(inside))
        .map(|c| {
            let mut why = Vec::new();
            if !inside {
                if !c.kind.is_some_and(CaseKind::is_pakn) {
                    why.push("không phải PAKN".to_owned());
                }
                why.extend(c.late_steps.iter().cloned());
                if c.overdue(end.date()) {
                    why.push("quá hạn cuối kỳ".into());
                }
                if c.not_useful > c.useful {
                    why.push(format!("{} không hữu ích / {} hữu ích", c.not_useful, c.useful));
                }
                if c.reopened > 0 {
                    why.push(format!("xem xét lại {} lần", c.reopened));
                }
            }
            CaseRow {
                id: c.id,
                label: c.label(),
                kind: c.kind.map_or("Chưa phân loại", |k| k.label_vi()),
                state: c.state.label_vi(),
                title: if c.kind == Some(CaseKind::Denunciation) {
                    "(nội dung tố cáo được bảo vệ)".into()
                } else {
                    c.title.clone()
                },
                received: c.received_at.format("%d/%m/%Y").to_string(),
                answer_by: c.answer_by.format("%d/%m/%Y").to_string(),
                why: why.join("; "),
            }
        })
        .collect();
    let which = if inside { "đạt" } else { "không đạt" };
    Ok(CasesPage {
        title: format!(
            "{} — chỉ số {} {}: {} phản ánh, kiến nghị {which}",
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

/// What a drill-down page reads: the reader's agency and period, the indicator (one of those the
/// page lists), the period's inputs, and whether the numerator's members or the others are asked.
struct Drill<'a> {
    agency: motcua_domain::org::Agency,
    period: Period,
    window: Window,
    indicator: &'a index766::IndicatorConfig,
    inp: Inputs,
    inside: bool,
}

async fn drill<'a>(
    state: &AppState,
    actor: motcua_domain::org::Actor,
    p: &QualityParams,
    config: &'a Config,
    listed: &[&str],
) -> Result<Drill<'a>, crate::pages::error::PageError> {
    let sc = scope(state, actor, (p.agency.as_deref(), &p.period), true).await?;
    let window = sc.index_window();
    let Scope { agency, period, .. } = sc;
    let indicator = listed_indicator(config, &p.indicator, listed)?;
    let inp = inputs(state, &[agency.id], Some(agency.id), window, p).await?;
    Ok(Drill { agency, period, window, indicator, inp, inside: p.inside.unwrap_or(1) == 1 })
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
    let listed: Vec<&str> = index766::PER_PROCEDURE.into_iter().chain([index766::PAID_PROCEDURE]).collect();
    let indicator = listed_indicator(&config, &p.indicator, &listed)?;
    let inp = inputs(&state, &[agency.id], Some(agency.id), window, &p).await?;
    let inside = p.inside.unwrap_or(1) == 1;
    let used = catalog::online_codes(&inp.received);
    let paid_codes = index766::paid_online_codes(&inp.received, &inp.paid_online);
    let member = |x: &catalog::ProcedureFacts| match indicator.id.as_str() {
        index766::PAID_PROCEDURE => index766::paid_procedure_membership(x, &paid_codes),
        id => index766::procedure_membership(&config, id, x, window, &used),
    };
    let rows: Vec<ProcedureRow> = inp
        .procedures
        .iter()
        .filter(|x| member(x) == Some(inside))
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
