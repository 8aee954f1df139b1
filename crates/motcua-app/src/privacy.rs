//! Personal data as the Law on Personal Data Protection (2025) asks: kept no longer than its
//! purpose needs ([`Retention`], purged each day by the worker: [`purge`]), and handed to the
//! person it is about on request ([`subject_export`]). What the service collects and why is told
//! on the public notice (`/privacy`), which reads its periods from the same [`Retention`].
//!
//! Dossiers, their history and the audit log are administrative records: they are kept as the
//! archive rules require and are append-only, so nothing here touches them.

use chrono::{Duration, NaiveDateTime};
use motcua_store::{DossierFilter, Purge, Purged, Store, StoreError};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// How long each kind of personal data outside the record is kept (`[privacy]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Retention {
    /// Days a sent message keeps its text and address (the count and outcome stay).
    pub message_days: u32,
    /// Days an expired session is kept (0: removed once expired).
    pub expired_sessions_days: u32,
    /// Days an API token is kept after it expired or was revoked.
    pub expired_tokens_days: u32,
    /// Hours a rate-limit counter (keyed by a client address or an account) is kept.
    pub rate_limit_hours: u32,
}

impl Default for Retention {
    fn default() -> Self {
        Retention { message_days: 365, expired_sessions_days: 0, expired_tokens_days: 30, rate_limit_hours: 24 }
    }
}

impl Retention {
    /// The cut-offs at `now` (local time; rate-limit windows are counted in UTC seconds).
    pub fn purge_at(&self, now: NaiveDateTime) -> Purge {
        let days = |d: u32| now - Duration::days(i64::from(d));
        let utc = now - Duration::hours(7);
        Purge {
            sessions_expired_before: days(self.expired_sessions_days),
            tokens_ended_before: days(self.expired_tokens_days),
            rate_limits_before_epoch: (utc - Duration::hours(i64::from(self.rate_limit_hours.max(1))))
                .and_utc()
                .timestamp(),
            messages_before: days(self.message_days.max(1)),
        }
    }
}

/// The name of the daily purge in `job_runs`.
pub const PURGE_JOB: &str = "privacy-purge";

/// Purges what `retention` no longer keeps, once a day whichever worker gets there first;
/// `None` when it already ran today.
pub async fn purge(store: &dyn Store, retention: &Retention, now: NaiveDateTime) -> Result<Option<Purged>, StoreError> {
    if !crate::jobs::claim_installation(store, PURGE_JOB, &now.date().to_string(), now).await? {
        return Ok(None);
    }
    let purged = store.purge_expired(&retention.purge_at(now)).await?;
    tracing::info!(
        sessions = purged.sessions,
        tokens = purged.tokens,
        rate_limits = purged.rate_limits,
        messages = purged.messages,
        "personal data past its retention purged"
    );
    Ok(Some(purged))
}

/// Everything the service keeps about the account `user_id` and the dossiers filed under it,
/// as one JSON document for its owner: the account, how they want to hear from agencies, and
/// each dossier with its history.
pub async fn subject_export(
    store: &dyn Store,
    user_id: Uuid,
    now: NaiveDateTime,
) -> Result<serde_json::Value, StoreError> {
    let user = store.user(user_id).await?;
    let preferences = store.notify_preferences(user_id).await?;
    let mut dossiers = Vec::new();
    let mut page = 1;
    loop {
        let filter = DossierFilter { citizen_user_id: Some(user_id), page, page_size: 100, ..Default::default() };
        let found = store.list_dossiers(&filter).await?;
        let last = found.items.len() < 100;
        for d in found.items {
            let events = store.events(d.agency_id, d.id).await?;
            dossiers.push(serde_json::json!({ "dossier": d, "history": events }));
        }
        if last {
            break;
        }
        page += 1;
    }
    Ok(serde_json::json!({
        "exported_at": now.format("%d/%m/%Y %H:%M:%S").to_string(),
        "account": user.map(|u| serde_json::json!({
            "username": u.username,
            "full_name": u.full_name,
            "phone": u.phone,
            "email": u.email,
            "active": u.active,
        })),
        "notifications": { "channels": preferences.channels, "language": preferences.lang },
        "dossiers": dossiers,
    }))
}
