//! Feedback cases as the edges use them: the agency's deadline rules (by effective date, in its
//! settings), a statement received with its number of the year, and each change applied through
//! the domain and written with its event, its message to the sender and its audit entry.

use chrono::{Datelike, NaiveDateTime};
use motcua_calendar::WorkCalendar;
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

/// Receives a statement through `intake` (by `officer` when typed in by one): numbered in the
/// agency's year, its deadlines set by the rules in force, written with the sender's receipt.
pub async fn receive(
    store: &dyn Store,
    cal: &WorkCalendar,
    agency_id: Uuid,
    intake: Intake,
    statement: Statement,
    officer: Option<&Actor>,
    now: NaiveDateTime,
) -> Result<Case, AppError> {
    let rules = FeedbackRules::in_force(&rules(store, agency_id).await?, now.date());
    let number = store.next_number(agency_id, now.year(), "feedback").await?;
    let clock = Clock { rules: &rules, calendar: cal, now };
    let mut change = Case::receive(Uuid::now_v7(), agency_id, number, intake, statement, clock)?;
    change.actor_id = officer.map(|o| o.user_id);
    store.insert_feedback(&change).await?;
    let what = ("feedback_received", format!("feedback:{}", change.case.id));
    let data = serde_json::json!({ "intake": intake.as_str(), "number": change.case.label() });
    crate::audit::record(store, Some(agency_id), officer.map(|o| o.user_id), what, data, now).await?;
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
    let change = case.apply(action, actor, Clock { rules: &rules, calendar: cal, now })?;
    store.update_feedback(expected_version, &change).await?;
    let what = (change.action, format!("feedback:{}", case.id));
    crate::audit::record(store, Some(case.agency_id), Some(actor.user_id), what, change.detail.clone(), now).await?;
    Ok(change)
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
