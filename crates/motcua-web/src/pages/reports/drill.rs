//! Behind a figure of Biểu 06: the dossiers it counts.

#[allow(unused_imports)]
use super::*;

/// A row of the drill-down.
#[derive(Debug)]
pub struct DossierRow {
    id: Uuid,
    code: String,
    procedure_code: String,
    field: String,
    unit: String,
    received: String,
    due: String,
    finished: String,
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "report_dossiers.html")]
pub struct DrillPage {
    pub(crate) shell: Shell,
    pub(crate) title: String,
    pub(crate) back: String,
    pub(crate) rows: Vec<DossierRow>,
}

fn fmt_time(t: Option<NaiveDateTime>) -> String {
    t.map(|t| t.format("%H:%M %d/%m/%Y").to_string()).unwrap_or_default()
}

pub(crate) fn dossier_rows<'a>(facts: impl Iterator<Item = &'a DossierFacts>) -> Vec<DossierRow> {
    facts
        .map(|f| DossierRow {
            id: f.dossier_id,
            code: f.code.clone().unwrap_or_default(),
            procedure_code: f.procedure_code.clone(),
            field: f.field.clone(),
            unit: f.unit.clone().unwrap_or_default(),
            received: fmt_time(f.received_at),
            due: f.due_date().map(|d| d.format("%d/%m/%Y").to_string()).unwrap_or_default(),
            finished: fmt_time(f.finished_at),
        })
        .collect()
}

/// The most dossiers a drill-down lists.
const LIST_LIMIT: usize = 2000;

/// The dossiers behind one number of the report.
pub async fn report_dossiers(
    State(state): State<AppState>,
    web: Web,
    Officer(actor): Officer,
    Query(p): Query<ReportParams>,
) -> PageResult<DrillPage> {
    let sc = scope(&state, actor, (p.agency.as_deref(), &p.period), false).await?;
    let w = sc.report_window();
    let Scope { agency, period, .. } = sc;
    let column = p.col.and_then(Column::from_number).ok_or_else(|| ApiError::NotFound("không có cột này".into()))?;
    let facts = state
        .store
        .report06_facts(
            &[agency.id],
            (w.start(), w.end()),
            column.placements(),
            (p.field.as_deref(), p.unit.as_deref()),
            LIST_LIMIT as i64,
        )
        .await?;
    // The database picked the column's dossiers; the field or unit narrows them, and the domain's
    // own placement checks each.
    let found = report06::behind(&facts, &w, column, p.field.as_deref(), p.unit.as_deref());
    let shown = if found.len() >= LIST_LIMIT {
        format!(" (hiển thị {} hồ sơ đầu theo hạn)", thousands(LIST_LIMIT as u64))
    } else {
        String::new()
    };
    let of = match (&p.field, &p.unit) {
        (Some(f), _) => format!(" — lĩnh vực {f}"),
        (_, Some(u)) => format!(" — đơn vị {u}"),
        _ => String::new(),
    };
    Ok(DrillPage {
        title: format!(
            "{} ({}): cột ({}) {}{of} — {} hồ sơ{shown}",
            period.label_vi(),
            w.label(),
            column.number(),
            column.label_vi(),
            found.len()
        ),
        back: format!("/office/reports?agency={}&period={period}", enc(agency.code.as_str())),
        rows: dossier_rows(found.into_iter()),
        shell: web.shell,
    })
}
