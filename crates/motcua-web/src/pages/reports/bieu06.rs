//! Biểu 06 on the page: the period's lines by field and unit, and the dossiers late in it.

#[allow(unused_imports)]
use super::*;

pub async fn bieu06(
    State(state): State<AppState>,
    web: Web,
    Officer(actor): Officer,
    Query(p): Query<PageParams>,
) -> PageResult<Report06Page> {
    let sc = scope(&state, actor, (p.agency.as_deref(), &p.period), false).await?;
    let w = sc.report_window();
    let Scope { agency, period, cal, .. } = sc;
    let report = motcua_app::reports::bieu06(&*state.store, &[agency.id], &w).await?;
    let units = unit_names(&state, &agency).await?;
    let base = format!("/office/reports/dossiers?agency={}&period={period}", enc(agency.code.as_str()));
    let by_field = report
        .by_field
        .iter()
        .map(|(k, l)| line_view(k, l, &|c| format!("{base}&col={}&field={}", c.number(), enc(k))))
        .collect();
    let by_unit = report
        .by_unit
        .iter()
        .map(|(k, l)| line_view(&unit_label(&units, k), l, &|c| format!("{base}&col={}&unit={}", c.number(), enc(k))))
        .collect();
    let snapshots = state
        .store
        .report_snapshots(agency.id, "bieu06", &period.to_string())
        .await?
        .into_iter()
        .map(|(id, at, by)| (id, at.format("%H:%M %d/%m/%Y").to_string(), by))
        .collect();
    // The heads at the end of the period's last ended day; every day's in the CSV.
    let yesterday = state.now_default().date() - chrono::Duration::days(1);
    let day = w.last.min(yesterday);
    let now = state.now_default();
    let anchors = motcua_app::evidence::daily_anchors(&*state.store, agency.id, (day, day), now).await?;
    Ok(Report06Page {
        agency_name: agency.name.clone(),
        agency_code: agency.code.to_string(),
        period: period.to_string(),
        label: period.label_vi(),
        window: w.label(),
        provisional: w.provisional(),
        previous: period.previous().to_string(),
        columns: Column::ALL.iter().map(|c| (c.number(), c.label_vi())).collect(),
        by_field,
        by_unit,
        total: line_view("Tổng cộng", &report.total, &|c| format!("{base}&col={}", c.number())),
        on_time_rate: report.total.on_time_rate().map_or_else(|| "—".into(), |r| format!("{r:.2}%").replace('.', ",")),
        late: late_rows(&state, &cal, &agency, &w).await?,
        snapshots,
        anchors: anchor_rows(&anchors),
        notice: p.frozen.map(|_| "Đã chốt số liệu kỳ báo cáo.".to_owned()),
        print: p.print.is_some(),
        shell: web.shell,
    })
}

/// The record's daily anchors of the period, as CSV for an outside party to keep.
pub async fn anchors_csv(
    State(state): State<AppState>,
    Officer(actor): Officer,
    Query(p): Query<PageParams>,
) -> PageResult<Response> {
    let sc = scope(&state, actor, (p.agency.as_deref(), &p.period), false).await?;
    let w = sc.report_window();
    let now = state.now_default();
    let anchors = motcua_app::evidence::daily_anchors(&*state.store, sc.agency.id, (w.first, w.last), now).await?;
    let body = motcua_app::evidence::anchors_csv(sc.agency.code.as_str(), &anchors);
    let name = format!("neo-chuoi-bam-{}-{}.csv", sc.agency.code, sc.period);
    Ok(export::download("text/csv; charset=utf-8", &name, body.into_bytes()))
}
