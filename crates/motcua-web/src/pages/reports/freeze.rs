//! Freezing a period's figures, and a frozen report read back as it was.

#[allow(unused_imports)]
use super::*;

#[derive(Debug, Default, Deserialize)]
pub struct FreezeForm {
    #[serde(default)]
    period: String,
    #[serde(default)]
    agency: Option<String>,
}

/// Freezes the period's report as it stands: an immutable snapshot, kept with who made it.
pub async fn freeze(
    State(state): State<AppState>,
    Officer(actor): Officer,
    crate::pages::session::CsrfForm(f): crate::pages::session::CsrfForm<FreezeForm>,
) -> PageResult<Response> {
    let sc = scope(&state, actor, (f.agency.as_deref(), &f.period), false).await?;
    let Scope { actor, agency, period, now, .. } = sc;
    motcua_app::reports::freeze(&*state.store, &actor, &agency, period, now).await?;
    let to = format!("/office/reports?agency={}&period={period}&frozen=1", enc(agency.code.as_str()));
    Ok(axum::response::Redirect::to(&to).into_response())
}

/// A frozen report, as it was.
pub async fn snapshot(
    State(state): State<AppState>,
    web: Web,
    Officer(actor): Officer,
    axum::extract::Path(id): axum::extract::Path<Uuid>,
) -> PageResult<Report06Page> {
    let not_found = || ApiError::NotFound("không tìm thấy bản chốt số liệu".into());
    let (agency_id, _, period, at, data) = state.store.report_snapshot(id).await?.ok_or_else(not_found)?;
    let agency = state.store.agency(agency_id).await?.ok_or_else(not_found)?;
    report_scope(&state, actor, Some(agency.code.as_str())).await.map_err(|_| not_found())?;
    let anchors: Vec<motcua_app::evidence::Anchor> =
        data.get("anchors").and_then(|a| serde_json::from_value(a.clone()).ok()).unwrap_or_default();
    let report: Report06 = serde_json::from_value(data).map_err(|e| ApiError::Internal(e.to_string()))?;
    let period = Period::parse(&period).ok_or_else(not_found)?;
    let units = unit_names(&state, &agency).await?;
    let none = |_: Column| String::new();
    Ok(Report06Page {
        agency_name: agency.name.clone(),
        agency_code: agency.code.to_string(),
        period: period.to_string(),
        label: period.label_vi(),
        window: period.report_window().label(),
        provisional: false,
        previous: period.previous().to_string(),
        columns: Column::ALL.iter().map(|c| (c.number(), c.label_vi())).collect(),
        by_field: report.by_field.iter().map(|(k, l)| line_view(k, l, &none)).collect(),
        by_unit: report.by_unit.iter().map(|(k, l)| line_view(&unit_label(&units, k), l, &none)).collect(),
        total: line_view("Tổng cộng", &report.total, &none),
        on_time_rate: report.total.on_time_rate().map_or_else(|| "—".into(), |r| format!("{r:.2}%").replace('.', ",")),
        late: vec![],
        snapshots: vec![],
        anchors: anchor_rows(&anchors),
        notice: Some(format!("Số liệu đã chốt lúc {}; bản chốt không thay đổi.", at.format("%H:%M %d/%m/%Y"))),
        print: true,
        shell: web.shell,
    })
}

pub(crate) fn encode(s: &str) -> String {
    enc(s)
}
