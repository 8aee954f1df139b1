//! The hotline log (sổ theo dõi đường dây nóng): each call to the agency's published number as
//! the counter officer records it — when, how long, who called (if they said), the topic and
//! procedure, a faithful summary read back to the caller — and the month's count by topic. A
//! call that needs an answer in writing becomes a feedback case (PAKN or question) with what was
//! recorded, and the log keeps the link.

#[allow(unused_imports)]
use super::*;
use axum::http::StatusCode;
use chrono::{Datelike, NaiveDate};
use motcua_domain::org::{Agency, Role};
use motcua_store::HotlineCall;

async fn counter_agency(state: &AppState, actor: &Actor) -> Result<Agency, ApiError> {
    let id = actor
        .grants
        .iter()
        .find(|g| matches!(g.role, Role::Reception | Role::AgencyLead | Role::UnitLead | Role::Inspector))
        .map(|g| g.agency_id)
        .ok_or_else(|| ApiError::Forbidden("xem sổ đường dây nóng (bộ phận một cửa, lãnh đạo, thanh tra)".into()))?;
    state.store.agency(id).await?.ok_or_else(|| ApiError::NotFound("cơ quan".into()))
}

#[derive(Debug, Default, Deserialize)]
pub struct HotlineForm {
    #[serde(default)]
    started_at: String,
    #[serde(default)]
    minutes: String,
    #[serde(default)]
    caller_name: String,
    #[serde(default)]
    caller_phone: String,
    #[serde(default)]
    topic: String,
    #[serde(default)]
    procedure_code: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    confirmed: String,
    /// The month shown (`YYYY-MM`).
    #[serde(default)]
    month: String,
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "office_hotline.html")]
pub struct HotlinePage {
    shell: Shell,
    agency_name: String,
    hotline: String,
    month: String,
    calls: Vec<HotlineCall>,
    /// (topic, calls) this month, most first.
    by_topic: Vec<(String, usize)>,
    may_record: bool,
    form: HotlineForm,
    errors: Vec<FieldError>,
    notice: Option<String>,
}

fn month_bounds(month: &str, today: NaiveDate) -> (String, NaiveDateTime, NaiveDateTime) {
    let first = NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d")
        .unwrap_or_else(|_| today.with_day(1).unwrap_or(today));
    let next = first.checked_add_months(chrono::Months::new(1)).unwrap_or(first);
    (first.format("%Y-%m").to_string(), first.and_time(chrono::NaiveTime::MIN), next.and_time(chrono::NaiveTime::MIN))
}

async fn page(
    state: &AppState,
    web: Web,
    actor: &Actor,
    form: HotlineForm,
    errors: Vec<FieldError>,
    notice: Option<String>,
) -> PageResult<HotlinePage> {
    let agency = counter_agency(state, actor).await?;
    let today = state.now_default().date();
    let (month, from, to) = month_bounds(&form.month, today);
    let calls = state.store.hotline_calls(agency.id, from, to).await?;
    let mut by_topic: Vec<(String, usize)> = Vec::new();
    for c in &calls {
        let key = motcua_domain::text::fold(&c.topic);
        match by_topic.iter_mut().find(|(t, _)| motcua_domain::text::fold(t) == key) {
            Some(t) => t.1 += 1,
            None => by_topic.push((c.topic.clone(), 1)),
        }
    }
    by_topic.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let hotline = state
        .store
        .agency_settings(agency.id)
        .await?
        .into_iter()
        .find(|(k, _)| k == crate::pages::admin::HOTLINE_KEY)
        .map(|(_, v)| v)
        .unwrap_or_default();
    Ok(HotlinePage {
        shell: web.shell,
        agency_name: agency.name,
        hotline,
        month,
        calls,
        by_topic,
        may_record: actor.grants.iter().any(|g| g.role == Role::Reception),
        form,
        errors,
        notice,
    })
}

#[derive(Debug, Default, Deserialize)]
pub struct MonthQuery {
    #[serde(default)]
    month: String,
    #[serde(default)]
    recorded: Option<String>,
}

pub async fn hotline_log(
    State(state): State<AppState>,
    web: Web,
    Officer(actor): Officer,
    Query(q): Query<MonthQuery>,
) -> PageResult<HotlinePage> {
    let notice = q.recorded.map(|_| "Đã ghi cuộc gọi vào sổ.".to_owned());
    page(&state, web, &actor, HotlineForm { month: q.month, ..Default::default() }, vec![], notice).await
}

pub async fn hotline_record(
    State(state): State<AppState>,
    web: Web,
    Officer(actor): Officer,
    CsrfForm(f): CsrfForm<HotlineForm>,
) -> PageResult<Response> {
    let agency = counter_agency(&state, &actor).await?;
    if !actor.grants.iter().any(|g| g.agency_id == agency.id && g.role == Role::Reception) {
        return Err(ApiError::Forbidden("ghi sổ đường dây nóng (bộ phận một cửa)".into()).into());
    }
    let mut errors = Vec::new();
    let text = |v: &str, field: &str, max: usize, required: bool, errors: &mut Vec<FieldError>| -> Option<String> {
        let v = v.trim();
        if v.is_empty() {
            if required {
                errors.push(FieldError::new(field, "không được để trống"));
            }
            return None;
        }
        motcua_domain::text::clean(v, max, field == "summary").map_err(|e| errors.push(FieldError::new(field, e))).ok()
    };
    let now = state.now_default();
    let started_at = if f.started_at.trim().is_empty() {
        Some(now)
    } else {
        NaiveDateTime::parse_from_str(f.started_at.trim(), "%Y-%m-%dT%H:%M")
            .map_err(|_| errors.push(FieldError::new("started_at", "thời điểm theo dạng ngày giờ")))
            .ok()
            .filter(|t| *t <= now)
    };
    let minutes = f.minutes.trim().parse::<i32>().ok().filter(|m| (0..=600).contains(m));
    if minutes.is_none() {
        errors.push(FieldError::new("minutes", "số phút từ 0 đến 600"));
    }
    let caller_name = text(&f.caller_name, "caller_name", motcua_domain::text::NAME_MAX, false, &mut errors);
    let caller_phone = match text(&f.caller_phone, "caller_phone", 30, false, &mut errors) {
        Some(p) => {
            motcua_domain::types::PhoneNumber::parse(&p).map(|p| Some(p.as_str().to_owned())).unwrap_or_else(|e| {
                errors.push(FieldError::new("caller_phone", e));
                None
            })
        }
        None => None,
    };
    let topic = text(&f.topic, "topic", 200, true, &mut errors);
    let procedure_code = text(&f.procedure_code, "procedure_code", motcua_domain::text::CODE_MAX, false, &mut errors);
    let summary = text(&f.summary, "summary", motcua_domain::feedback::TEXT_MAX, true, &mut errors);
    if f.confirmed != "on" {
        errors.push(FieldError::new("confirmed", "đọc lại nội dung cho người gọi và ghi nhận họ đã xác nhận"));
    }
    let hotline = state
        .store
        .agency_settings(agency.id)
        .await?
        .into_iter()
        .find(|(k, _)| k == crate::pages::admin::HOTLINE_KEY)
        .map(|(_, v)| v);
    if hotline.is_none() {
        errors.push(FieldError::new("hotline", "cơ quan chưa công bố số đường dây nóng (Quản trị → Văn bản in)"));
    }
    let (Some(started_at), Some(minutes), Some(topic), Some(summary), Some(hotline), true) =
        (started_at, minutes, topic, summary, hotline, errors.is_empty())
    else {
        let p = page(&state, web, &actor, f, errors, None).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, p).into_response());
    };
    let call = HotlineCall {
        agency_id: agency.id,
        id: Uuid::now_v7(),
        hotline,
        started_at,
        minutes,
        officer_id: actor.user_id,
        caller_name,
        caller_phone,
        topic,
        procedure_code,
        summary,
        confirmed: true,
        case_id: None,
    };
    state.store.insert_hotline_call(&call).await?;
    let data = serde_json::json!({ "topic": call.topic, "minutes": call.minutes });
    crate::pages::admin::audit(
        &state,
        &actor,
        agency.id,
        "hotline_call_recorded",
        format!("hotline_call:{}", call.id),
        data,
    )
    .await?;
    Ok(Redirect::to("/office/hotline?recorded=1").into_response())
}
