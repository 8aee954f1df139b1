//! The inspector's view of an agency's record: the audit log and the dossiers' events together,
//! searched by person, dossier, action and period, and exported to CSV (itself an audited
//! export). Who may read it: [`Auditor`].

use crate::extract::ApiQuery as Query;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use chrono::{Duration, NaiveDate};
use motcua_app::audit::AuditLine;
use motcua_store::AuditQuery;
use serde::Deserialize;
use uuid::Uuid;

use super::error::PageResult;
use super::roles::Auditor;
use super::session::{Shell, Web};
use crate::error::ApiError;
use crate::state::AppState;

const PAGE_SIZE: i64 = 100;
/// The most lines one CSV export holds (a longer period is exported in parts).
const EXPORT_LIMIT: i64 = 50_000;

#[derive(Debug, Default, Deserialize)]
pub struct AuditParams {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    /// A username, or a person's id (the links in the table).
    #[serde(default)]
    person: String,
    /// A dossier's code.
    #[serde(default)]
    dossier: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    page: Option<u32>,
    #[serde(default)]
    format: String,
}

#[derive(Debug)]
pub struct Line {
    at: String,
    person: String,
    actor_id: String,
    action: String,
    action_label: String,
    dossier_id: String,
    dossier_code: String,
    object: String,
    client: String,
    details: String,
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "audit_log.html")]
pub struct AuditLog {
    shell: Shell,
    agency_name: String,
    from: String,
    to: String,
    person: String,
    dossier: String,
    action: String,
    actions: Vec<(String, String)>,
    lines: Vec<Line>,
    page: u32,
    more: bool,
    /// The query without the page, for the links.
    query: String,
}

/// A day as the form sends it (`yyyy-mm-dd`) or as people write it (`dd/mm/yyyy`).
fn day(field: &str, text: &str) -> Result<Option<NaiveDate>, ApiError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(text, "%d/%m/%Y"))
        .map(Some)
        .map_err(|_| ApiError::field(field, format!("Ngày \"{}\" không hợp lệ: viết dd/mm/yyyy.", cut(text, 20))))
}

fn cut(text: &str, chars: usize) -> String {
    text.chars().take(chars).collect()
}

/// The store's query for the page's filters, after checking them.
async fn query_of(state: &AppState, agency_id: Uuid, p: &AuditParams) -> Result<AuditQuery, ApiError> {
    let today = state.now_default().date();
    let to = day("to", &p.to)?.unwrap_or(today);
    let from = day("from", &p.from)?.unwrap_or(to - Duration::days(30));
    if from > to {
        return Err(ApiError::field("from", "Ngày bắt đầu sau ngày kết thúc."));
    }
    let person = p.person.trim();
    let actor_id = if person.is_empty() {
        None
    } else if let Ok(id) = Uuid::parse_str(person) {
        Some(id)
    } else {
        let user = state.store.user_by_username(&cut(person, 100)).await?;
        Some(
            user.map(|u| u.id)
                .ok_or_else(|| ApiError::field("person", format!("Không có tài khoản \"{}\".", cut(person, 40))))?,
        )
    };
    let code = p.dossier.trim().to_uppercase();
    let dossier_id =
        if code.is_empty() {
            None
        } else {
            let found = state.store.dossier_by_code(agency_id, &cut(&code, 40)).await?;
            Some(found.map(|d| d.id).ok_or_else(|| {
                ApiError::field("dossier", format!("Cơ quan không có hồ sơ mã \"{}\".", cut(&code, 40)))
            })?)
        };
    let action = p.action.trim();
    if action.len() > 60 || !action.chars().all(|c| c.is_ascii_lowercase() || c == '_' || c == '.') {
        return Err(ApiError::field("action", "Hành động không hợp lệ."));
    }
    Ok(AuditQuery {
        agency_id,
        from: from.and_hms_opt(0, 0, 0).unwrap_or_default(),
        before: (to + Duration::days(1)).and_hms_opt(0, 0, 0).unwrap_or_default(),
        actor_id,
        dossier_id,
        action: (!action.is_empty()).then(|| action.to_owned()),
        limit: PAGE_SIZE + 1,
        offset: 0,
    })
}

fn line(l: AuditLine) -> Line {
    Line {
        at: l.at.format("%d/%m/%Y %H:%M:%S").to_string(),
        person: l.person,
        actor_id: l.actor_id.map(|i| i.to_string()).unwrap_or_default(),
        action: l.action,
        action_label: l.action_label,
        dossier_id: l.dossier_id.map(|i| i.to_string()).unwrap_or_default(),
        dossier_code: l.dossier_code.unwrap_or_default(),
        object: l.object,
        client: l.client,
        details: l.details,
    }
}

pub async fn audit_log(
    State(state): State<AppState>,
    web: Web,
    Auditor { agency, .. }: Auditor,
    Query(p): Query<AuditParams>,
) -> PageResult<Response> {
    let mut query = query_of(&state, agency.id, &p).await?;
    if p.format == "csv" {
        query.limit = EXPORT_LIMIT;
        let lines = motcua_app::audit::search(&*state.store, &query).await?;
        let mut w = csv::Writer::from_writer(vec![0xef, 0xbb, 0xbf]);
        let fail = |e: csv::Error| ApiError::Internal(e.to_string());
        w.write_record([
            "Thời điểm",
            "Người thực hiện",
            "Hành động",
            "Mã hành động",
            "Hồ sơ",
            "Đối tượng",
            "Địa chỉ máy",
            "Chi tiết",
        ])
        .map_err(fail)?;
        for l in lines.into_iter().map(line) {
            let row = [l.at, l.person, l.action_label, l.action, l.dossier_code, l.object, l.client, l.details];
            w.write_record(row.iter().map(|c| super::spreadsheet_cell(c))).map_err(fail)?;
        }
        let body = w.into_inner().map_err(|e| ApiError::Internal(e.to_string()))?;
        let day = |d: chrono::NaiveDateTime| d.format("%Y%m%d").to_string();
        let name = format!(
            "attachment; filename=\"nhat-ky-{}-{}-{}.csv\"",
            agency.code,
            day(query.from),
            day(query.before - Duration::days(1))
        );
        return Ok(
            ([(CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()), (CONTENT_DISPOSITION, name)], body).into_response()
        );
    }
    let page = p.page.unwrap_or(1).clamp(1, 10_000);
    query.offset = i64::from(page - 1) * PAGE_SIZE;
    let mut lines: Vec<Line> = motcua_app::audit::search(&*state.store, &query).await?.into_iter().map(line).collect();
    let more = lines.len() as i64 > PAGE_SIZE;
    lines.truncate(PAGE_SIZE as usize);
    let from = query.from.date().format("%Y-%m-%d").to_string();
    let to = (query.before - Duration::days(1)).date().format("%Y-%m-%d").to_string();
    let enc = |s: &str| percent_encoding::utf8_percent_encode(s.trim(), percent_encoding::NON_ALPHANUMERIC).to_string();
    let query_text =
        format!("from={from}&to={to}&person={}&dossier={}&action={}", enc(&p.person), enc(&p.dossier), enc(&p.action));
    Ok(AuditLog {
        shell: web.shell,
        agency_name: agency.name,
        from,
        to,
        person: cut(p.person.trim(), 100),
        dossier: cut(p.dossier.trim(), 40),
        action: p.action.trim().to_owned(),
        actions: motcua_app::audit::actions(),
        lines,
        page,
        more,
        query: query_text,
    }
    .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_read_both_ways_and_formulas_are_defused() {
        let want = NaiveDate::from_ymd_opt(2026, 3, 2);
        assert_eq!(day("from", "2026-03-02").unwrap(), want);
        assert_eq!(day("from", " 02/03/2026 ").unwrap(), want);
        assert_eq!(day("from", "").unwrap(), None);
        assert!(day("from", "31/02/2026").is_err());
        assert_eq!(super::super::spreadsheet_cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(super::super::spreadsheet_cell("Nguyễn Văn An"), "Nguyễn Văn An");
    }
}
