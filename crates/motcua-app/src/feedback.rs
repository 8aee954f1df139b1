//! Feedback cases as the edges use them: the agency's deadline rules (by effective date, in its
//! settings), a statement received with its number of the year, and each change applied through
//! the domain and written with its event, its message to the sender and its audit entry.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use motcua_calendar::WorkCalendar;
use motcua_domain::DomainError;
use motcua_domain::feedback::{Case, CaseAction, CaseChange, Clock, FeedbackRules, Intake, Statement};
use motcua_domain::org::Actor;
use motcua_store::Store;
use uuid::Uuid;

use crate::AppError;

/// The agency setting that holds its deadline rules (a JSON array of [`FeedbackRules`]).
pub const RULES_KEY: &str = "feedback.rules";

/// The agency's deadline rules, oldest first (empty: the defaults).
pub async fn rules(store: &dyn Store, agency_id: Uuid) -> Result<Vec<FeedbackRules>, AppError> {
    let settings = store.agency_settings(agency_id).await?;
    let Some((_, text)) = settings.into_iter().find(|(k, _)| k == RULES_KEY) else { return Ok(vec![]) };
    let mut rules: Vec<FeedbackRules> = serde_json::from_str(&text)
        .map_err(|e| AppError::Internal(format!("{RULES_KEY} của cơ quan không đọc được: {e}")))?;
    rules.sort_by_key(|r| r.effective_from);
    Ok(rules)
}

/// The agency setting that holds its specialist teams: a JSON object from a field (lĩnh vực) of
/// the catalog to the code of the unit that answers questions and feedback of that field.
pub const TEAMS_KEY: &str = "feedback.teams";

/// The agency's specialist teams, field → unit code.
pub async fn teams(store: &dyn Store, agency_id: Uuid) -> Result<BTreeMap<String, String>, AppError> {
    let settings = store.agency_settings(agency_id).await?;
    let Some((_, text)) = settings.into_iter().find(|(k, _)| k == TEAMS_KEY) else { return Ok(BTreeMap::new()) };
    serde_json::from_str(&text).map_err(|e| AppError::Internal(format!("{TEAMS_KEY} của cơ quan không đọc được: {e}")))
}

/// Sets the agency's specialist teams (fields without a unit are left out).
pub async fn set_teams(
    store: &dyn Store,
    actor: &Actor,
    agency_id: Uuid,
    teams: &BTreeMap<String, String>,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    let text = serde_json::to_string(teams).map_err(|e| AppError::Internal(e.to_string()))?;
    store.set_agency_setting(agency_id, TEAMS_KEY, Some(text.as_str()).filter(|_| !teams.is_empty())).await?;
    let what = ("feedback_teams_set", "feedback".to_owned());
    crate::audit::record(store, Some(agency_id), Some(actor.user_id), what, serde_json::json!(teams), now).await?;
    Ok(())
}

/// The specialist team (unit code) for a case: the team of its procedure's field, if the agency
/// named one.
pub async fn team_for(store: &dyn Store, case: &Case, day: NaiveDate) -> Result<Option<String>, AppError> {
    let Some(code) = case.procedure_code.as_deref() else { return Ok(None) };
    let Some(version) = store.procedure_at(code, day).await? else { return Ok(None) };
    let field = motcua_domain::text::fold(&version.spec.field);
    Ok(teams(store, case.agency_id)
        .await?
        .into_iter()
        .find(|(f, _)| motcua_domain::text::fold(f) == field)
        .map(|(_, u)| u))
}

/// Adds (or replaces, for the same date) a set of rules taking effect on its date.
pub async fn set_rules(
    store: &dyn Store,
    actor: &Actor,
    agency_id: Uuid,
    new: FeedbackRules,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    let mut all = rules(store, agency_id).await?;
    all.retain(|r| r.effective_from != new.effective_from);
    all.push(new);
    all.sort_by_key(|r| r.effective_from);
    let text = serde_json::to_string(&all).map_err(|e| AppError::Internal(e.to_string()))?;
    store.set_agency_setting(agency_id, RULES_KEY, Some(&text)).await?;
    let data = serde_json::json!({ "effective_from": new.effective_from, "answer_days": new.answer_days });
    crate::audit::record(
        store,
        Some(agency_id),
        Some(actor.user_id),
        ("feedback_rules_set", "feedback".into()),
        data,
        now,
    )
    .await?;
    Ok(())
}

/// Receives a statement through `intake` (by `officer` when typed in by one, from the hotline
/// `call` when it was recorded there): numbered in the agency's year, its deadlines set by the
/// rules in force, the dossier it names looked up among the agency's, written with the sender's
/// receipt and, for a call, the call's link to it, in one transaction.
#[allow(clippy::too_many_arguments)]
pub async fn receive(
    store: &dyn Store,
    cal: &WorkCalendar,
    agency_id: Uuid,
    intake: Intake,
    statement: Statement,
    officer: Option<&Actor>,
    call: Option<Uuid>,
    now: NaiveDateTime,
) -> Result<Case, AppError> {
    let dossier_id = match statement.dossier_code.as_deref() {
        Some(code) => Some(
            store
                .dossier_by_code(agency_id, code)
                .await?
                .ok_or_else(|| DomainError::field("dossier_code", "không có hồ sơ mang mã này ở cơ quan"))?
                .id,
        ),
        None => None,
    };
    let rules = FeedbackRules::in_force(&rules(store, agency_id).await?, now.date());
    let number = store.next_number(agency_id, now.year(), "feedback").await?;
    let clock = Clock { rules: &rules, calendar: cal, now };
    let mut change = Case::receive(Uuid::now_v7(), agency_id, number, intake, statement, clock)?;
    change.actor_id = officer.map(|o| o.user_id);
    change.case.dossier_id = dossier_id;
    change.case.call_id = call;
    store.insert_feedback(&change).await.map_err(|e| match e {
        motcua_store::StoreError::Conflict => AppError::Conflict {
            code: "call_already_recorded",
            message: "cuộc gọi này đã được ghi thành phản ánh, kiến nghị".into(),
        },
        other => other.into(),
    })?;
    let what = ("feedback_received", format!("feedback:{}", change.case.id));
    let data = serde_json::json!({ "intake": intake.as_str(), "number": change.case.label(), "call": call });
    crate::audit::record(store, Some(agency_id), officer.map(|o| o.user_id), what, data, now).await?;
    Ok(change.case)
}

/// Splits a part out of a statement not yet triaged into a case of its own (numbered in the
/// year the statement was received, with its deadlines), the sender told of the new number.
pub async fn split(
    store: &dyn Store,
    cal: &WorkCalendar,
    actor: &Actor,
    case: &Case,
    part: (&str, &str),
    now: NaiveDateTime,
) -> Result<Case, AppError> {
    let rules = FeedbackRules::in_force(&rules(store, case.agency_id).await?, case.received_at.date());
    let number = store.next_number(case.agency_id, case.received_at.year(), "feedback").await?;
    let clock = Clock { rules: &rules, calendar: cal, now };
    let change = case.split(Uuid::now_v7(), number, part, actor, clock)?;
    store.insert_feedback(&change).await?;
    let what = ("feedback_split", format!("feedback:{}", change.case.id));
    let data = serde_json::json!({ "from": case.id, "number": change.case.label() });
    crate::audit::record(store, Some(case.agency_id), Some(actor.user_id), what, data, now).await?;
    Ok(change.case)
}

/// Applies `action` by `actor` to `case` as read at `expected_version`; a case changed meanwhile
/// is refused (409).
pub async fn act(
    store: &dyn Store,
    cal: &WorkCalendar,
    actor: &Actor,
    case: &Case,
    expected_version: i64,
    action: CaseAction,
    now: NaiveDateTime,
) -> Result<CaseChange, AppError> {
    if case.version != expected_version {
        return Err(AppError::Conflict {
            code: "stale_version",
            message: "phản ánh, kiến nghị đã thay đổi; hãy tải lại và thử lại".into(),
        });
    }
    let rules = FeedbackRules::in_force(&rules(store, case.agency_id).await?, case.received_at.date());
    let clock = Clock { rules: &rules, calendar: cal, now };
    let classify = matches!(action, CaseAction::Classify { .. });
    let change = case.apply(action, actor, clock)?;
    store.update_feedback(expected_version, &change).await?;
    let what = (change.action, format!("feedback:{}", case.id));
    crate::audit::record(store, Some(case.agency_id), Some(actor.user_id), what, change.detail.clone(), now).await?;
    // Accepted, it goes straight to the specialist team of its field, when the agency has one.
    if classify
        && change.case.state == motcua_domain::feedback::CaseState::Accepted
        && let Some(unit) = team_for(store, &change.case, now.date()).await?
    {
        let assigned = change.case.apply(CaseAction::Assign { unit }, actor, clock)?;
        store.update_feedback(change.case.version, &assigned).await?;
        let what = (assigned.action, format!("feedback:{}", case.id));
        let data = assigned.detail.clone();
        crate::audit::record(store, Some(case.agency_id), Some(actor.user_id), what, data, now).await?;
        return Ok(assigned);
    }
    Ok(change)
}

/// The agency's cases still open whose current step is past its deadline on `today`, oldest
/// deadline first (monitoring and the officers' digest).
pub async fn late(store: &dyn Store, agency_id: Uuid, today: NaiveDate) -> Result<Vec<Case>, motcua_store::StoreError> {
    let mut out = Vec::new();
    let mut page = 1;
    loop {
        let filter = motcua_store::FeedbackFilter {
            agencies: vec![agency_id],
            states: motcua_domain::feedback::CaseState::OPEN.iter().map(|s| s.as_str().to_owned()).collect(),
            page,
            page_size: 200,
            ..Default::default()
        };
        let found = store.feedback_cases(&filter).await?;
        let n = found.items.len();
        out.extend(found.items.into_iter().filter(|c| c.overdue(today)));
        if n < 200 {
            return Ok(out);
        }
        page += 1;
    }
}

/// The agencies' feedback cases received in `[from, to)`, every page (the indices count them).
pub async fn received_in(
    store: &dyn Store,
    agencies: &[Uuid],
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> Result<Vec<Case>, AppError> {
    let mut out = Vec::new();
    let mut page = 1;
    loop {
        let filter = motcua_store::FeedbackFilter {
            agencies: agencies.to_vec(),
            received: Some((from, to)),
            page,
            page_size: 200,
            ..Default::default()
        };
        let found = store.feedback_cases(&filter).await?;
        let n = found.items.len();
        out.extend(found.items);
        if n < 200 {
            return Ok(out);
        }
        page += 1;
    }
}
