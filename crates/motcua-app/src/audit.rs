//! The audit log: every change an officer, administrator or citizen makes is one entry (who, in
//! which agency, what, on what, when, and the few facts that say how), written by the use case
//! that makes the change, never with a secret or more personal data than the object's id.

use chrono::NaiveDateTime;
use motcua_store::{AuditEntry, Store, StoreError};
use uuid::Uuid;

/// Records that the person `actor_id` did `action` on `object` in the agency, at `now`. The
/// agency is `None` for what belongs to no agency (a citizen's own account), the person `None`
/// for someone not signed in (an applicant evaluating from the lookup, a failed sign-in).
pub async fn record(
    store: &dyn Store,
    agency_id: Option<Uuid>,
    actor_id: Option<Uuid>,
    (action, object): (&str, String),
    data: serde_json::Value,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    store.audit(&AuditEntry { agency_id, actor_id, action: action.into(), object, at: now, data }).await
}
