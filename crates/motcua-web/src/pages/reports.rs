//! Reports for the agency: Biểu 06/VPCP/KSTT for any month, quarter, half-year or year with the
//! official cut-off dates, per field and per unit, with the dossiers behind every number, the
//! list of late dossiers with their apology, and exports to CSV and XLSX that hold the same
//! numbers as the page (one computation: `motcua_quality`). A period's report can be frozen as an
//! immutable snapshot.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDateTime;
use motcua_calendar::WorkCalendar;
use motcua_domain::dossier::DossierFacts;
use motcua_domain::org::{Actor, Agency};
use motcua_domain::types::thousands;
use motcua_quality::report06::{self, Column, Line, Report06};
use motcua_quality::{Period, Window};
use serde::Deserialize;
use uuid::Uuid;

use super::error::{PageError, PageResult};
use super::roles::Officer;
use super::session::{Shell, Web};
use crate::error::ApiError;
use crate::state::AppState;

/// Any officer of an agency reads its reports; the agency is their first, or `agency` by code.
pub(crate) async fn report_scope(
    state: &AppState,
    actor: Actor,
    agency: Option<&str>,
) -> Result<(Actor, Agency), PageError> {
    let agency = match agency.filter(|c| !c.is_empty()) {
        Some(code) => state.store.agency_by_code(code).await?,
        None => state.store.agency(actor.agencies()[0]).await?,
    };
    match agency {
        Some(a) if actor.is_staff_of(a.id) => Ok((actor, a)),
        _ => Err(ApiError::NotFound("không tìm thấy cơ quan".into()).into()),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ReportParams {
    #[serde(default)]
    pub period: String,
    #[serde(default)]
    pub agency: Option<String>,
    #[serde(default)]
    pub col: Option<u8>,
    #[serde(default)]
    pub field: Option<String>,
    #[serde(default)]
    pub unit: Option<String>,
}

/// What a report page works on: who asks, for which agency, which period, by whose calendar.
pub(crate) struct Scope {
    pub actor: Actor,
    pub agency: Agency,
    pub period: Period,
    pub cal: std::sync::Arc<WorkCalendar>,
    /// When the page is asked for, in the agency's time.
    pub now: NaiveDateTime,
}

impl Scope {
    /// The period's report window (Decree 09/2019: the 15th to the 14th) as it stands now: a
    /// period under way is counted up to now and marked provisional.
    pub fn report_window(&self) -> Window {
        self.period.report_window().as_of(self.now)
    }

    /// The period's calendar window (the 1st to the last day, as the national portal's real-time
    /// index counts), as it stands now.
    pub fn index_window(&self) -> Window {
        self.period.calendar().as_of(self.now)
    }
}

/// The scope of a report page: [`report_scope`], then the period asked for; without one, the
/// month whose report is under way (`calendar_month`: the current calendar month).
pub(crate) async fn scope(
    state: &AppState,
    actor: Actor,
    (agency, period): (Option<&str>, &str),
    calendar_month: bool,
) -> Result<Scope, PageError> {
    let (actor, agency) = report_scope(state, actor, agency).await?;
    let cal = state.calendar(agency.id).await?;
    let now = state.now(&cal);
    let today = now.date();
    let period = if calendar_month && period.trim().is_empty() {
        Period::month(chrono::Datelike::year(&today), chrono::Datelike::month(&today))
    } else {
        period_of(period, today)?
    };
    Ok(Scope { actor, agency, period, cal, now })
}

/// The period asked for, or the month whose report is under way.
pub(crate) fn period_of(s: &str, today: chrono::NaiveDate) -> Result<Period, ApiError> {
    if s.trim().is_empty() {
        return Ok(Period::month_of_report(today));
    }
    Period::parse(s).ok_or_else(|| {
        let message = format!("kỳ báo cáo \"{s}\" không hợp lệ: viết 2026-03, 2026-Q1, 2026-H1 hoặc 2026");
        ApiError::Invalid {
            code: "invalid_period",
            fields: vec![motcua_domain::FieldError::new("period", message.clone())],
            message,
        }
    })
}

/// A line on the page: its name, and each column's count with the link to its dossiers.
#[derive(Debug)]
pub struct LineView {
    name: String,
    cells: Vec<(String, String)>,
}

fn line_view(name: &str, line: &Line, link: &dyn Fn(Column) -> String) -> LineView {
    LineView {
        name: if name.is_empty() { "(không rõ)".into() } else { name.to_owned() },
        cells: Column::ALL.iter().map(|c| (thousands(line.get(*c)), link(*c))).collect(),
    }
}

fn enc(s: &str) -> String {
    super::url_component(s)
}

/// One late dossier: resolved late or pending overdue in the period.
#[derive(Debug)]
pub struct LateRow {
    id: Uuid,
    code: String,
    procedure: String,
    unit: String,
    due: String,
    status: String,
    days_late: i64,
    apology: &'static str,
    reason: String,
}

async fn late_rows(
    state: &AppState,
    cal: &WorkCalendar,
    agency: &Agency,
    w: &Window,
) -> Result<Vec<LateRow>, ApiError> {
    // The page and the spreadsheet list the first 500 by due date; the counts are in the form.
    let facts =
        state.store.report06_facts(&[agency.id], (w.start(), w.end()), &["late", "overdue"], (None, None), 500).await?;
    let late: Vec<&DossierFacts> = facts.iter().collect();
    // Their documents (procedure name, reason) in one read, not one per row.
    let ids: Vec<Uuid> = late.iter().map(|f| f.dossier_id).collect();
    let mut documents: std::collections::HashMap<Uuid, motcua_domain::dossier::Dossier> =
        state.store.dossiers_by_id(&ids).await?.into_iter().map(|d| (d.id, d)).collect();
    let mut rows = Vec::new();
    for f in late {
        let end = f.finished_at.filter(|t| *t < w.end()).unwrap_or(w.end());
        let days_late = match f.due_date() {
            Some(due) if end.date() > due => cal.working_days_between(due, end.date()).unwrap_or(0),
            _ => 0,
        };
        let d = documents.remove(&f.dossier_id);
        let reason = d
            .as_ref()
            .and_then(|d| {
                d.reappointment.as_ref().map(|r| r.reason.clone()).or_else(|| d.pauses.last().map(|p| p.reason.clone()))
            })
            .unwrap_or_default();
        rows.push(LateRow {
            id: f.dossier_id,
            code: f.code.clone().unwrap_or_default(),
            procedure: d.map(|d| d.procedure_name).unwrap_or_default(),
            unit: f.unit.clone().unwrap_or_default(),
            due: f.due_date().map(|d| d.format("%d/%m/%Y").to_string()).unwrap_or_default(),
            status: match f.finished_at.filter(|t| *t < w.end()) {
                Some(t) => format!("Đã giải quyết {}", t.format("%d/%m/%Y")),
                None => "Đang giải quyết".into(),
            },
            days_late,
            apology: if f.reappointed { "Đã xin lỗi, hẹn lại" } else { "Chưa có văn bản xin lỗi" },
            reason,
        });
    }
    Ok(rows)
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "report06.html")]
pub struct Report06Page {
    shell: Shell,
    agency_name: String,
    agency_code: String,
    period: String,
    label: String,
    window: String,
    /// The period is under way: its figures are as of now, and it cannot be frozen yet.
    provisional: bool,
    previous: String,
    columns: Vec<(u8, &'static str)>,
    by_field: Vec<LineView>,
    by_unit: Vec<LineView>,
    total: LineView,
    on_time_rate: String,
    late: Vec<LateRow>,
    snapshots: Vec<(Uuid, String, String)>,
    notice: Option<String>,
    print: bool,
}

#[derive(Debug, Default, Deserialize)]
pub struct PageParams {
    #[serde(default)]
    period: String,
    #[serde(default)]
    agency: Option<String>,
    #[serde(default)]
    print: Option<String>,
    #[serde(default)]
    frozen: Option<String>,
}

/// Unit codes to names.
async fn unit_names(state: &AppState, agency: &Agency) -> Result<Vec<(String, String)>, ApiError> {
    Ok(state.store.units(agency.id).await?.into_iter().map(|u| (u.code, u.name)).collect())
}

fn unit_label(units: &[(String, String)], code: &str) -> String {
    units.iter().find(|(c, _)| c == code).map_or_else(|| code.to_owned(), |(c, n)| format!("{n} ({c})"))
}

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
        notice: p.frozen.map(|_| "Đã chốt số liệu kỳ báo cáo.".to_owned()),
        print: p.print.is_some(),
        shell: web.shell,
    })
}

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

/// The lines of the form as text cells: (group, name, counts).
fn table(report: &Report06, units: &[(String, String)]) -> Vec<(String, String, [u64; 11])> {
    let mut rows = Vec::new();
    for (k, l) in &report.by_field {
        rows.push(("Lĩnh vực".to_owned(), k.clone(), l.counts));
    }
    for (k, l) in &report.by_unit {
        rows.push(("Đơn vị".to_owned(), unit_label(units, k), l.counts));
    }
    rows.push(("Tổng cộng".to_owned(), String::new(), report.total.counts));
    rows
}

fn header() -> Vec<String> {
    let mut h = vec!["Nhóm".to_owned(), "Tên".to_owned()];
    h.extend(Column::ALL.iter().map(|c| format!("({}) {}", c.number(), c.label_vi())));
    h
}

fn download(content_type: &str, name: &str, body: Vec<u8>) -> Response {
    let disposition = format!("attachment; filename=\"{name}\"");
    ([(CONTENT_TYPE, content_type.to_owned()), (CONTENT_DISPOSITION, disposition)], body).into_response()
}

pub async fn bieu06_csv(
    State(state): State<AppState>,
    Officer(actor): Officer,
    Query(p): Query<PageParams>,
) -> PageResult<Response> {
    let sc = scope(&state, actor, (p.agency.as_deref(), &p.period), false).await?;
    let w = sc.report_window();
    let Scope { agency, period, .. } = sc;
    let report = motcua_app::reports::bieu06(&*state.store, &[agency.id], &w).await?;
    let units = unit_names(&state, &agency).await?;
    // A byte-order mark, so that spreadsheet programs read the Vietnamese right.
    let mut out = "\u{feff}".as_bytes().to_vec();
    {
        let mut w = csv::Writer::from_writer(&mut out);
        let fail = |e: csv::Error| ApiError::Internal(e.to_string());
        w.write_record(header()).map_err(fail)?;
        for (group, name, counts) in table(&report, &units) {
            let mut record = vec![group, name];
            record.extend(counts.iter().map(u64::to_string));
            w.write_record(record).map_err(fail)?;
        }
        w.flush().map_err(|e| ApiError::Internal(e.to_string()))?;
    }
    Ok(download("text/csv; charset=utf-8", &format!("bieu06-{}-{period}.csv", agency.code), out))
}

pub async fn bieu06_xlsx(
    State(state): State<AppState>,
    Officer(actor): Officer,
    Query(p): Query<PageParams>,
) -> PageResult<Response> {
    let sc = scope(&state, actor, (p.agency.as_deref(), &p.period), false).await?;
    let w = sc.report_window();
    let Scope { agency, period, cal, .. } = sc;
    let report = motcua_app::reports::bieu06(&*state.store, &[agency.id], &w).await?;
    let units = unit_names(&state, &agency).await?;
    let late = late_rows(&state, &cal, &agency, &w).await?;
    let bytes = xlsx(&agency, (&period, &w), &report, &units, &late).map_err(|e| ApiError::Internal(e.to_string()))?;
    let kind = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    Ok(download(kind, &format!("bieu06-{}-{period}.xlsx", agency.code), bytes))
}

fn xlsx(
    agency: &Agency,
    (period, window): (&Period, &Window),
    report: &Report06,
    units: &[(String, String)],
    late: &[LateRow],
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let sheet = book.add_worksheet().set_name("Biểu 06")?;
    sheet.write_string_with_format(0, 0, "Biểu số 06/VPCP/KSTT — Tình hình, kết quả giải quyết TTHC", &bold)?;
    sheet.write_string(1, 0, format!("{} ({})", agency.name, agency.code))?;
    sheet.write_string(2, 0, format!("Kỳ báo cáo: {} (từ ngày {})", period.label_vi(), window.label()))?;
    for (c, h) in header().iter().enumerate() {
        sheet.write_string_with_format(4, c as u16, h, &bold)?;
    }
    for (r, (group, name, counts)) in table(report, units).iter().enumerate() {
        let row = 5 + r as u32;
        sheet.write_string(row, 0, group)?;
        sheet.write_string(row, 1, name)?;
        for (c, n) in counts.iter().enumerate() {
            sheet.write_number(row, 2 + c as u16, *n as f64)?;
        }
    }
    sheet.set_column_width(1, 40)?;
    let sheet = book.add_worksheet().set_name("Hồ sơ quá hạn")?;
    let head = ["Mã hồ sơ", "Thủ tục", "Đơn vị", "Hạn", "Tình trạng", "Số ngày làm việc quá hạn", "Xin lỗi", "Lý do"];
    for (c, h) in head.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    for (r, l) in late.iter().enumerate() {
        let row = 1 + r as u32;
        sheet.write_string(row, 0, &l.code)?;
        sheet.write_string(row, 1, &l.procedure)?;
        sheet.write_string(row, 2, &l.unit)?;
        sheet.write_string(row, 3, &l.due)?;
        sheet.write_string(row, 4, &l.status)?;
        sheet.write_number(row, 5, l.days_late as f64)?;
        sheet.write_string(row, 6, l.apology)?;
        sheet.write_string(row, 7, &l.reason)?;
    }
    book.save_to_buffer()
}

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
    super::session::CsrfForm(f): super::session::CsrfForm<FreezeForm>,
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
        notice: Some(format!("Số liệu đã chốt lúc {}; bản chốt không thay đổi.", at.format("%H:%M %d/%m/%Y"))),
        print: true,
        shell: web.shell,
    })
}

pub(crate) fn encode(s: &str) -> String {
    enc(s)
}
