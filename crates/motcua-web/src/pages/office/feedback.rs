//! The officers' side of feedback: the queue (by deadline, late ones marked), a case with the
//! actions the domain allows this officer, and the counter's form for a statement received at
//! the counter, by the hotline, by post or by e-mail. A denunciation's sender is shown only to the
//! agency's leaders, its inspectors and the unit handling it.

#[allow(unused_imports)]
use super::*;
use axum::http::StatusCode;
use motcua_domain::feedback::{Case, CaseAction, CaseKind, CaseState, Intake};
use motcua_domain::org::Role;
use motcua_store::FeedbackFilter;

/// The agencies whose feedback the officer works on.
fn feedback_agencies(actor: &Actor) -> Vec<Uuid> {
    let mut a: Vec<Uuid> = actor.grants.iter().map(|g| g.agency_id).collect();
    a.sort();
    a.dedup();
    a
}

/// Whether the officer may see the case at all. A conduct complaint is handled confidentially:
/// the counter (which triages it), the agency's leaders and inspectors, and the unit it is
/// assigned to see it; the officer it names never does.
fn may_see(actor: &Actor, c: &Case) -> bool {
    if c.kind != Some(CaseKind::Conduct) {
        return true;
    }
    if c.officer_id == Some(actor.user_id) {
        return false;
    }
    actor.grants.iter().any(|g| {
        g.agency_id == c.agency_id
            && (matches!(g.role, Role::Reception | Role::AgencyLead | Role::Inspector)
                || c.unit.as_deref().is_some_and(|u| g.unit.as_deref() == Some(u)))
    })
}

/// Whether the officer may see who sent it.
fn sees_sender(actor: &Actor, c: &Case) -> bool {
    if c.kind != Some(CaseKind::Denunciation) {
        return true;
    }
    actor.grants.iter().any(|g| {
        g.agency_id == c.agency_id
            && (matches!(g.role, Role::AgencyLead | Role::Inspector)
                || c.unit.as_deref().is_some_and(|u| g.unit.as_deref() == Some(u)))
    })
}

#[derive(Debug)]
pub struct FeedbackRow {
    id: Uuid,
    label: String,
    kind: &'static str,
    state: &'static str,
    title: String,
    sender: String,
    answer_by: String,
    late: bool,
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "office_feedback.html")]
pub struct FeedbackQueuePage {
    shell: Shell,
    rows: Vec<FeedbackRow>,
    total: i64,
    view: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct FeedbackQueueQuery {
    /// `open` (default), `late`, `all`.
    #[serde(default)]
    view: String,
}

pub async fn feedback_queue(
    State(state): State<AppState>,
    web: Web,
    Officer(actor): Officer,
    Query(q): Query<FeedbackQueueQuery>,
) -> PageResult<FeedbackQueuePage> {
    let cal = home_calendar(&state, &actor).await?;
    let today = state.now(&cal).date();
    let view = if matches!(q.view.as_str(), "late" | "all") { q.view.clone() } else { "open".into() };
    let (items, total) = if view == "late" {
        let mut late = Vec::new();
        for agency in feedback_agencies(&actor) {
            late.extend(motcua_app::feedback::late(&*state.store, agency, today).await?);
        }
        late.sort_by_key(|c| c.step_deadline());
        let total = late.len() as i64;
        (late, total)
    } else {
        let filter = FeedbackFilter {
            agencies: feedback_agencies(&actor),
            states: if view == "all" {
                vec![]
            } else {
                CaseState::OPEN.iter().map(|s| s.as_str().to_owned()).collect()
            },
            page: 1,
            page_size: 200,
            ..Default::default()
        };
        let found = state.store.feedback_cases(&filter).await?;
        (found.items, found.total)
    };
    let hidden = items.iter().filter(|c| !may_see(&actor, c)).count() as i64;
    let total = total - hidden;
    let rows = items
        .iter()
        .filter(|c| may_see(&actor, c))
        .map(|c| FeedbackRow {
            id: c.id,
            label: c.label(),
            kind: c.kind.map_or("Chưa phân loại", |k| k.label_vi()),
            state: c.state.label_vi(),
            title: c.title.clone(),
            sender: if sees_sender(&actor, c) { c.sender.name.clone() } else { "(được bảo vệ)".into() },
            answer_by: c.answer_by.format("%d/%m/%Y").to_string(),
            late: c.overdue(today),
        })
        .collect();
    Ok(FeedbackQueuePage { shell: web.shell, rows, total, view })
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "office_feedback_case.html")]
pub struct FeedbackCasePage {
    shell: Shell,
    c: Case,
    sender_visible: bool,
    late: bool,
    /// The actions this officer may take now, by name.
    offered: Vec<&'static str>,
    kinds: Vec<(&'static str, &'static str)>,
    units: Vec<(String, String)>,
    /// The unit suggested for it: the specialist team of its procedure's field.
    team: Option<String>,
    /// The agency's officers (for a conduct finding): (id, name).
    officers: Vec<(Uuid, String)>,
    /// The name of the officer a finding names.
    officer_name: Option<String>,
    /// The statement it was split from: (id, label).
    split_from: Option<(Uuid, String)>,
    /// Whether this officer may split it.
    may_split: bool,
    events: Vec<(String, String, String)>,
    errors: Vec<FieldError>,
    notice: Option<String>,
}

/// The actions the domain would accept from `actor` now, tried on a copy with placeholder text.
fn offered(c: &Case, actor: &Actor, clock: motcua_domain::feedback::Clock<'_>) -> Vec<&'static str> {
    let t = || "x".to_owned();
    let tries = [
        CaseAction::Classify { kind: CaseKind::Regulation },
        CaseAction::Refuse { reason: t(), other_body: t() },
        CaseAction::Forward { other_body: t(), reason: t() },
        CaseAction::AskInfo { what: t() },
        CaseAction::InfoReceived { note: t() },
        CaseAction::Assign { unit: c.unit.clone().unwrap_or_else(t) },
        CaseAction::DraftAnswer { answer: t(), legal_basis: t() },
        CaseAction::SendBack { remark: t() },
        CaseAction::Approve,
        CaseAction::Publish,
        CaseAction::Close,
        CaseAction::Reopen { reason: t() },
        CaseAction::Finding { justified: false, measure: t(), officer_id: None },
    ];
    tries.into_iter().filter(|a| c.apply(a.clone(), actor, clock).is_ok()).map(|a| a.name()).collect()
}

async fn load(state: &AppState, actor: &Actor, id: Uuid) -> Result<Case, ApiError> {
    for agency in feedback_agencies(actor) {
        if let Some(c) = state.store.feedback_case(agency, id).await?
            && may_see(actor, &c)
        {
            return Ok(c);
        }
    }
    Err(ApiError::NotFound("không tìm thấy phản ánh, kiến nghị".into()))
}

async fn case_page(
    state: &AppState,
    web: Web,
    actor: &Actor,
    c: Case,
    errors: Vec<FieldError>,
    notice: Option<String>,
) -> PageResult<FeedbackCasePage> {
    let cal = state.calendar(c.agency_id).await?;
    let now = state.now(&cal);
    let rules = motcua_domain::feedback::FeedbackRules::in_force(
        &motcua_app::feedback::rules(&*state.store, c.agency_id).await?,
        c.received_at.date(),
    );
    let clock = motcua_domain::feedback::Clock { rules: &rules, calendar: &cal, now };
    let events = state
        .store
        .feedback_events(c.agency_id, c.id)
        .await?
        .into_iter()
        .map(|e| {
            let to = CaseState::parse(&e.to_state).map_or("", |s| s.label_vi());
            let what = motcua_domain::feedback::action_label_vi(&e.action).to_owned();
            (e.at.format("%H:%M %d/%m/%Y").to_string(), what, to.to_owned())
        })
        .collect();
    let mut officers = Vec::new();
    for u in state.store.users_of(c.agency_id).await? {
        if u.active {
            officers.push((u.id, u.full_name));
        }
    }
    let officer_name = c.officer_id.and_then(|id| officers.iter().find(|(o, _)| *o == id).map(|(_, n)| n.clone()));
    let split_from = match c.split_from {
        Some(id) => state.store.feedback_case(c.agency_id, id).await?.map(|p| (p.id, p.label())),
        None => None,
    };
    let may_split = c.state == CaseState::Received
        && actor.grants.iter().any(|g| {
            g.agency_id == c.agency_id && matches!(g.role, Role::Reception | Role::AgencyLead | Role::UnitLead)
        });
    let team = motcua_app::feedback::team_for(&*state.store, &c, now.date()).await?;
    Ok(FeedbackCasePage {
        team,
        officers,
        officer_name,
        split_from,
        may_split,
        offered: offered(&c, actor, clock),
        sender_visible: sees_sender(actor, &c),
        late: c.overdue(now.date()),
        kinds: CaseKind::ALL.iter().map(|k| (k.as_str(), k.label_vi())).collect(),
        units: state.store.units(c.agency_id).await?.into_iter().map(|u| (u.code, u.name)).collect(),
        events,
        shell: web.shell,
        c,
        errors,
        notice,
    })
}

pub async fn feedback_case(
    State(state): State<AppState>,
    web: Web,
    Officer(actor): Officer,
    Path(id): Path<Uuid>,
) -> PageResult<FeedbackCasePage> {
    let c = load(&state, &actor, id).await?;
    case_page(&state, web, &actor, c, vec![], None).await
}

#[derive(Debug, Default, Deserialize)]
pub struct FeedbackActForm {
    action: String,
    #[serde(default)]
    version: i64,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    other_body: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    answer: String,
    #[serde(default)]
    legal_basis: String,
    #[serde(default)]
    justified: String,
    #[serde(default)]
    officer_id: String,
}

pub async fn feedback_act(
    State(state): State<AppState>,
    web: Web,
    Officer(actor): Officer,
    Path(id): Path<Uuid>,
    CsrfForm(f): CsrfForm<FeedbackActForm>,
) -> PageResult<Response> {
    let c = load(&state, &actor, id).await?;
    let text = f.reason.clone();
    let action = match f.action.as_str() {
        "classify" => CaseAction::Classify {
            kind: CaseKind::parse(&f.kind).ok_or_else(|| ApiError::field("kind", "chọn loại"))?,
        },
        "refuse" => CaseAction::Refuse { reason: text, other_body: f.other_body },
        "forward" => CaseAction::Forward { other_body: f.other_body, reason: text },
        "ask_info" => CaseAction::AskInfo { what: text },
        "info_received" => CaseAction::InfoReceived { note: text },
        "assign" => CaseAction::Assign { unit: f.unit },
        "draft_answer" => CaseAction::DraftAnswer { answer: f.answer, legal_basis: f.legal_basis },
        "send_back" => CaseAction::SendBack { remark: text },
        "approve" => CaseAction::Approve,
        "publish" => CaseAction::Publish,
        "close" => CaseAction::Close,
        "reopen" => CaseAction::Reopen { reason: text },
        "finding" => CaseAction::Finding {
            justified: f.justified == "yes",
            measure: text,
            officer_id: match f.officer_id.trim() {
                "" => None,
                id => Some(
                    Uuid::parse_str(id).map_err(|_| ApiError::field("officer_id", "chọn cán bộ trong danh sách"))?,
                ),
            },
        },
        _ => return Err(ApiError::field("action", "thao tác không hợp lệ").into()),
    };
    let cal = state.calendar(c.agency_id).await?;
    let now = state.now(&cal);
    match motcua_app::feedback::act(&*state.store, &cal, &actor, &c, f.version, action, now).await {
        Ok(_) => Ok(Redirect::to(&format!("/office/feedback/{id}")).into_response()),
        Err(motcua_app::AppError::Domain(motcua_domain::DomainError::Invalid(fields))) => {
            let page = case_page(&state, web, &actor, c, fields, None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(ApiError::from(e).into()),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct FeedbackSplitForm {
    #[serde(default)]
    part_title: String,
    #[serde(default)]
    part_content: String,
}

/// `POST /office/feedback/{id}/split`: a part of the statement becomes a case of its own.
pub async fn feedback_split(
    State(state): State<AppState>,
    web: Web,
    Officer(actor): Officer,
    Path(id): Path<Uuid>,
    CsrfForm(f): CsrfForm<FeedbackSplitForm>,
) -> PageResult<Response> {
    let c = load(&state, &actor, id).await?;
    let cal = state.calendar(c.agency_id).await?;
    let now = state.now(&cal);
    let part = (f.part_title.as_str(), f.part_content.as_str());
    match motcua_app::feedback::split(&*state.store, &cal, &actor, &c, part, now).await {
        Ok(new) => {
            let notice = Some(format!("Đã tách thành phản ánh, kiến nghị số {}.", new.label()));
            Ok(case_page(&state, web, &actor, c, vec![], notice).await?.into_response())
        }
        Err(motcua_app::AppError::Domain(motcua_domain::DomainError::Invalid(fields))) => {
            let page = case_page(&state, web, &actor, c, fields, None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(ApiError::from(e).into()),
    }
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "office_feedback_new.html")]
pub struct FeedbackNewPage {
    shell: Shell,
    errors: Vec<FieldError>,
    form: FeedbackNewForm,
    agencies: Vec<(String, String)>,
}

#[derive(Debug, Default, Deserialize)]
pub struct FeedbackNewForm {
    /// What the public form asks, the agency included.
    #[serde(flatten)]
    s: crate::pages::feedback::FeedbackForm,
    #[serde(default)]
    intake: String,
    /// For the hotline: the caller heard the summary read back and confirmed it.
    #[serde(default)]
    confirmed: String,
    /// The hotline call it is recorded from.
    #[serde(default)]
    call: Option<Uuid>,
}

#[derive(Debug, Default, Deserialize)]
pub struct FeedbackNewQuery {
    /// A call of the hotline log to turn into a case.
    #[serde(default)]
    call: Option<Uuid>,
}

async fn counter_agencies(state: &AppState, actor: &Actor) -> Result<Vec<(String, String)>, ApiError> {
    let mut out = Vec::new();
    for id in actor.grants.iter().filter(|g| g.role == Role::Reception).map(|g| g.agency_id) {
        if let Some(a) = state.store.agency(id).await?
            && !out.iter().any(|(c, _): &(String, String)| *c == a.code.to_string())
        {
            out.push((a.code.to_string(), a.name));
        }
    }
    if out.is_empty() {
        return Err(ApiError::Forbidden("tiếp nhận phản ánh, kiến nghị (bộ phận một cửa)".into()));
    }
    Ok(out)
}

pub async fn feedback_new_form(
    State(state): State<AppState>,
    web: Web,
    Officer(actor): Officer,
    Query(q): Query<FeedbackNewQuery>,
) -> PageResult<FeedbackNewPage> {
    let agencies = counter_agencies(&state, &actor).await?;
    let mut form = FeedbackNewForm { intake: "counter".into(), ..Default::default() };
    form.s.agency = agencies[0].0.clone();
    if let Some(id) = q.call {
        // The call's record fills the form: the caller, the topic as title, the summary read
        // back to them as the content; the officer adds what the call did not give.
        let mut found = None;
        for (code, _) in &agencies {
            if let Some(a) = state.store.agency_by_code(code).await?
                && let Some(call) = state.store.hotline_call(a.id, id).await?
            {
                found = Some((code.clone(), call));
                break;
            }
        }
        let (code, call) = found.ok_or_else(|| ApiError::NotFound("không tìm thấy cuộc gọi".into()))?;
        if call.case_id.is_some() {
            return Err(ApiError::Conflict {
                code: "call_already_recorded",
                message: "cuộc gọi này đã được ghi thành phản ánh, kiến nghị".into(),
            }
            .into());
        }
        form.s.agency = code;
        form.intake = "hotline".into();
        form.confirmed = if call.confirmed { "on".into() } else { String::new() };
        form.call = Some(call.id);
        form.s.name = call.caller_name.unwrap_or_default();
        form.s.phone = call.caller_phone.unwrap_or_default();
        form.s.title = call.topic;
        form.s.content = call.summary;
        form.s.procedure_code = call.procedure_code.unwrap_or_default();
    }
    Ok(FeedbackNewPage { shell: web.shell, errors: vec![], form, agencies })
}

pub async fn feedback_new(
    State(state): State<AppState>,
    web: Web,
    Officer(actor): Officer,
    CsrfForm(f): CsrfForm<FeedbackNewForm>,
) -> PageResult<Response> {
    let agencies = counter_agencies(&state, &actor).await?;
    let agency = match agencies.iter().find(|(c, _)| *c == f.s.agency) {
        Some((code, _)) => state.store.agency_by_code(code).await?,
        None => None,
    }
    .ok_or_else(|| ApiError::field("agency", "chọn cơ quan"))?;
    let intake = Intake::parse(&f.intake).filter(|i| *i != Intake::Web);
    let input = f.s.input();
    let mut errors = Vec::new();
    if intake.is_none() {
        errors.push(FieldError::new("intake", "chọn nơi tiếp nhận: quầy, đường dây nóng, bưu chính hoặc thư điện tử"));
    }
    if intake == Some(Intake::Hotline) && f.confirmed != "on" {
        errors.push(FieldError::new("confirmed", "đọc lại nội dung cho người gọi và ghi nhận họ đã xác nhận"));
    }
    match input.parse(None) {
        Ok(statement) if errors.is_empty() => {
            let cal = state.calendar(agency.id).await?;
            let now = state.now(&cal);
            let intake = intake.unwrap_or(Intake::Counter);
            let call = f.call.filter(|_| intake == Intake::Hotline);
            let received = motcua_app::feedback::receive(
                &*state.store,
                &cal,
                agency.id,
                intake,
                statement,
                Some(&actor),
                call,
                now,
            )
            .await;
            match received {
                Ok(case) => return Ok(Redirect::to(&format!("/office/feedback/{}", case.id)).into_response()),
                Err(motcua_app::AppError::Domain(motcua_domain::DomainError::Invalid(fields))) => errors.extend(fields),
                Err(e) => return Err(ApiError::from(e).into()),
            }
        }
        Ok(_) => {}
        Err(motcua_domain::DomainError::Invalid(fields)) => errors.extend(fields),
        Err(other) => return Err(ApiError::from(other).into()),
    }
    let page = FeedbackNewPage { shell: web.shell, errors, form: f, agencies };
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}
