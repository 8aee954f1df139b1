//! The audit log: every change an officer, administrator or citizen makes is one entry (who, in
//! which agency, what, on what, when, and the few facts that say how), written by the use case
//! that makes the change, never with a secret or more personal data than the object's id.

use chrono::NaiveDateTime;
use motcua_domain::org::Actor;
use motcua_store::{AuditEntry, Store};
use uuid::Uuid;

use crate::AppError;

/// Records that `actor` did `action` on `object` in the agency, at `now`.
pub async fn record(
    store: &dyn Store,
    actor: &Actor,
    agency_id: Uuid,
    (action, object): (&str, String),
    data: serde_json::Value,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    let entry = AuditEntry {
        agency_id: Some(agency_id),
        actor_id: Some(actor.user_id),
        action: action.into(),
        object,
        at: now,
        data,
    };
    Ok(store.audit(&entry).await?)
}
