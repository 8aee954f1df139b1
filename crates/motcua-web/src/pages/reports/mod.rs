//! Reports for the agency: Biểu 06/VPCP/KSTT for any month, quarter, half-year or year with the
//! official cut-off dates, per field and per unit, with the dossiers behind every number, the
//! list of late dossiers with their apology, and exports to CSV and XLSX that hold the same
//! numbers as the page (one computation: `motcua_quality`). A period's report can be frozen as an
//! immutable snapshot.

use crate::extract::ApiQuery as Query;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
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
        state.store.dossiers_by_id(agency.id, &ids).await?.into_iter().map(|d| (d.id, d)).collect();
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
    /// The record's anchors shown: (day, chain, link, hash).
    anchors: Vec<(String, &'static str, i64, String)>,
    notice: Option<String>,
    print: bool,
}

/// Anchors as the page shows them.
fn anchor_rows(anchors: &[motcua_app::evidence::Anchor]) -> Vec<(String, &'static str, i64, String)> {
    anchors
        .iter()
        .map(|a| {
            let chain = if a.chain == "events" { "Lịch sử hồ sơ" } else { "Nhật ký kiểm tra" };
            (a.day.format("%d/%m/%Y").to_string(), chain, a.seq, a.hash.clone())
        })
        .collect()
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

mod bieu06;
mod drill;
mod export;
mod freeze;

pub use bieu06::*;
pub use drill::*;
pub use export::*;
pub use freeze::*;
