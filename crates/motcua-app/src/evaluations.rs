//! The applicant's evaluation of a finished dossier (Decision 766's satisfaction): whether it may
//! still be given or changed, and giving it — checked by the domain, stored, audited.

use chrono::NaiveDateTime;
use motcua_domain::dossier::Dossier;
use motcua_domain::evaluation::{Evaluation, EvaluationInput};
use motcua_store::Store;
use uuid::Uuid;

use crate::AppError;

/// The dossier's evaluation so far, and whether the applicant may still give or change it
/// (within `change_days` of the first).
pub async fn standing(
    store: &dyn Store,
    dossier: &Dossier,
    now: NaiveDateTime,
    change_days: i64,
) -> Result<(Option<Evaluation>, bool), AppError> {
    let previous = store.evaluation(dossier.agency_id, dossier.id).await?;
    let open = previous.as_ref().is_none_or(|e| now <= e.created_at + chrono::Duration::days(change_days));
    Ok((previous, open))
}

/// Where an evaluation is given, and by whom if they are signed in.
#[derive(Debug, Clone, Copy)]
pub struct Given {
    /// `lookup` (the public lookup page) or `counter` (the kiosk).
    pub channel: &'static str,
    pub by: Option<Uuid>,
    pub now: NaiveDateTime,
    pub change_days: i64,
}

/// Records (or, within the allowed days, replaces) the applicant's evaluation of `dossier`.
pub async fn give(
    store: &dyn Store,
    dossier: &Dossier,
    input: &EvaluationInput,
    given: Given,
) -> Result<Evaluation, AppError> {
    let previous = store.evaluation(dossier.agency_id, dossier.id).await?;
    let evaluation = input.evaluate(dossier, previous.as_ref(), given.channel, given.now, given.change_days)?;
    store.save_evaluation(&evaluation).await?;
    let action = if previous.is_some() { "evaluation.change" } else { "evaluation.give" };
    let data = serde_json::json!({ "overall": evaluation.overall, "channel": given.channel });
    let what = (action, format!("dossier:{}", dossier.id));
    crate::audit::record(store, Some(dossier.agency_id), given.by, what, data, given.now).await?;
    Ok(evaluation)
}
