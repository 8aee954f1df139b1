//! The counter's attendance: officers of the counter check in and out; the agency's inspectors
//! record spot checks (who was at the counter in opening hours); leaders and inspectors read the
//! month's punctuality report per officer and unit (`motcua_quality::punctuality`).

#[allow(unused_imports)]
use super::*;
use axum::http::StatusCode;
use chrono::{Datelike, NaiveDate};
use motcua_domain::org::{Agency, Role};
use motcua_quality::punctuality::{Punctuality, report};
use motcua_store::SpotCheck;
use std::collections::HashMap;

/// Minutes after opening still counted as on time.
const GRACE_MINUTES: i64 = 5;

async fn agency_of(state: &AppState, actor: &Actor) -> Result<Agency, ApiError> {
    let id = actor
        .grants
        .iter()
        .find(|g| matches!(g.role, Role::Reception | Role::Inspector | Role::AgencyLead | Role::UnitLead))
        .map(|g| g.agency_id)
        .ok_or_else(|| ApiError::Forbidden("xem chấm công tại bộ phận một cửa".into()))?;
    state.store.agency(id).await?.ok_or_else(|| ApiError::NotFound("cơ quan".into()))
}

fn has(actor: &Actor, agency: Uuid, role: Role) -> bool {
    actor.grants.iter().any(|g| g.agency_id == agency && g.role == role)
}

#[derive(Debug)]
pub struct PunctualityRow {
    name: String,
    unit: String,
    p: Punctuality,
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "office_attendance.html")]
pub struct AttendancePage {
    shell: Shell,
    agency_name: String,
    month: String,
    /// The officer's own day: checked in at, checked out at.
    today: Option<(String, Option<String>)>,
    at_counter: bool,
    inspector: bool,
    /// (id, name) of the counter's officers, for spot checks.
    officers: Vec<(Uuid, String)>,
    rows: Vec<PunctualityRow>,
    units: Vec<(String, Punctuality)>,
    errors: Vec<FieldError>,
    notice: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct AttendanceQuery {
    #[serde(default)]
    month: String,
    #[serde(default)]
    done: Option<String>,
}

async fn attendance_page(
    state: &AppState,
    web: Web,
    actor: &Actor,
    month: &str,
    errors: Vec<FieldError>,
    notice: Option<String>,
) -> PageResult<AttendancePage> {
    let agency = agency_of(state, actor).await?;
    let cal = state.calendar(agency.id).await?;
    let now = state.now(&cal);
    let first = NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d")
        .unwrap_or_else(|_| now.date().with_day(1).unwrap_or(now.date()));
    let next = first.checked_add_months(chrono::Months::new(1)).unwrap_or(first);
    let days = state.store.attendance(agency.id, first, next).await?;
    let checks = state
        .store
        .spot_checks(agency.id, first.and_time(chrono::NaiveTime::MIN), next.and_time(chrono::NaiveTime::MIN))
        .await?;
    let checkins: Vec<(Uuid, NaiveDateTime)> = days.iter().map(|d| (d.officer_id, d.check_in)).collect();
    let found: Vec<(Uuid, bool)> = checks.iter().map(|c| (c.officer_id, c.present)).collect();
    let opening = |day: NaiveDate| {
        cal.is_working_day(day)
            .ok()
            .filter(|w| *w)
            .and_then(|_| cal.next_session_start(day.and_time(chrono::NaiveTime::MIN)).ok())
            .filter(|t| t.date() == day)
    };
    let by_officer = report(&checkins, &found, opening, GRACE_MINUTES);
    let counter_officers: Vec<_> =
        state.store.users_of(agency.id).await?.into_iter().filter(|u| u.active && !u.citizen).collect();
    let mut officers = Vec::new();
    let mut unit_of: HashMap<Uuid, String> = HashMap::new();
    for u in &counter_officers {
        let grants = state.store.grants(u.id).await?;
        if let Some(g) = grants.iter().find(|g| g.agency_id == agency.id && g.role == Role::Reception) {
            officers.push((u.id, u.full_name.clone()));
            unit_of.insert(u.id, g.unit.clone().unwrap_or_default());
        }
    }
    let mut rows = Vec::new();
    let mut units: Vec<(String, Punctuality)> = Vec::new();
    for (id, p) in &by_officer {
        let name =
            counter_officers.iter().find(|u| u.id == *id).map_or_else(|| id.to_string(), |u| u.full_name.clone());
        let unit = unit_of.get(id).cloned().unwrap_or_default();
        match units.iter_mut().find(|(u, _)| *u == unit) {
            Some((_, sum)) => {
                sum.days += p.days;
                sum.late += p.late;
                sum.absent += p.absent;
                sum.checked += p.checked;
            }
            None => units.push((unit.clone(), p.clone())),
        }
        rows.push(PunctualityRow { name, unit, p: p.clone() });
    }
    let mine = days.iter().find(|d| d.officer_id == actor.user_id && d.day == now.date());
    Ok(AttendancePage {
        shell: web.shell,
        agency_name: agency.name.clone(),
        month: first.format("%Y-%m").to_string(),
        today: mine
            .map(|d| (d.check_in.format("%H:%M").to_string(), d.check_out.map(|t| t.format("%H:%M").to_string()))),
        at_counter: has(actor, agency.id, Role::Reception),
        inspector: has(actor, agency.id, Role::Inspector),
        officers,
        rows,
        units,
        errors,
        notice,
    })
}

pub async fn attendance(
    State(state): State<AppState>,
    web: Web,
    Officer(actor): Officer,
    Query(q): Query<AttendanceQuery>,
) -> PageResult<AttendancePage> {
    let notice = match q.done.as_deref() {
        Some("in") => Some("Đã ghi giờ vào ca.".to_owned()),
        Some("out") => Some("Đã ghi giờ kết thúc ca.".to_owned()),
        Some("check") => Some("Đã ghi kết quả kiểm tra đột xuất.".to_owned()),
        _ => None,
    };
    attendance_page(&state, web, &actor, &q.month, vec![], notice).await
}

#[derive(Debug, Default, Deserialize)]
pub struct ClockForm {
    /// `in` or `out`.
    what: String,
}

pub async fn attendance_clock(
    State(state): State<AppState>,
    web: Web,
    Officer(actor): Officer,
    CsrfForm(f): CsrfForm<ClockForm>,
) -> PageResult<Response> {
    let agency = agency_of(&state, &actor).await?;
    if !has(&actor, agency.id, Role::Reception) {
        return Err(ApiError::Forbidden("chấm công tại bộ phận một cửa".into()).into());
    }
    let now = state.now_default();
    let ok = match f.what.as_str() {
        "in" => state.store.check_in(agency.id, actor.user_id, now).await?,
        "out" => state.store.check_out(agency.id, actor.user_id, now).await?,
        _ => false,
    };
    if !ok {
        let why = if f.what == "in" {
            "Hôm nay đã ghi giờ vào ca."
        } else {
            "Chưa ghi giờ vào ca hôm nay, hoặc đã kết thúc ca."
        };
        let page = attendance_page(&state, web, &actor, "", vec![FieldError::new("what", why)], None).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    let what = if f.what == "in" { "counter_check_in" } else { "counter_check_out" };
    crate::pages::admin::audit(
        &state,
        &actor,
        agency.id,
        what,
        format!("user:{}", actor.user_id),
        serde_json::json!({}),
    )
    .await?;
    Ok(Redirect::to(&format!("/office/attendance?done={}", f.what)).into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct SpotCheckForm {
    #[serde(default)]
    officer: String,
    #[serde(default)]
    present: String,
    #[serde(default)]
    note: String,
}

pub async fn attendance_spot_check(
    State(state): State<AppState>,
    web: Web,
    Officer(actor): Officer,
    CsrfForm(f): CsrfForm<SpotCheckForm>,
) -> PageResult<Response> {
    let agency = agency_of(&state, &actor).await?;
    if !has(&actor, agency.id, Role::Inspector) {
        return Err(ApiError::Forbidden("kiểm tra đột xuất (thanh tra)".into()).into());
    }
    let mut errors = Vec::new();
    let officer = f.officer.parse::<Uuid>().ok();
    let counter = match officer {
        Some(id) => state.store.grants(id).await?.iter().any(|g| g.agency_id == agency.id && g.role == Role::Reception),
        None => false,
    };
    if !counter {
        errors.push(FieldError::new("officer", "chọn cán bộ của bộ phận một cửa"));
    }
    let present = match f.present.as_str() {
        "yes" => Some(true),
        "no" => Some(false),
        _ => {
            errors.push(FieldError::new("present", "có mặt hay vắng mặt"));
            None
        }
    };
    let note = motcua_domain::text::clean(f.note.trim(), motcua_domain::text::NOTE_MAX, false)
        .map_err(|e| errors.push(FieldError::new("note", e)))
        .unwrap_or_default();
    let (Some(officer_id), Some(present), true) = (officer, present, errors.is_empty()) else {
        let page = attendance_page(&state, web, &actor, "", errors, None).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    let check = SpotCheck {
        agency_id: agency.id,
        id: Uuid::now_v7(),
        at: state.now_default(),
        inspector_id: actor.user_id,
        officer_id,
        present,
        note,
    };
    state.store.insert_spot_check(&check).await?;
    let data = serde_json::json!({ "officer": officer_id, "present": present });
    crate::pages::admin::audit(
        &state,
        &actor,
        agency.id,
        "spot_check_recorded",
        format!("spot_check:{}", check.id),
        data,
    )
    .await?;
    Ok(Redirect::to("/office/attendance?done=check").into_response())
}
