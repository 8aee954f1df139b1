//! The national payment platform's unconfirmed attempts, asked about (`QUERY`) by the worker:
//! every attempt still without an outcome, started between three days and thirty minutes ago
//! (the province's running practice, reference §3.1). "Succeeded" credits it as the platform's
//! own confirmation would (`motcua_app::payments::confirm`: once, whoever comes first), "failed"
//! closes it, "not known yet" leaves it for the next round.

use chrono::{Duration, NaiveDateTime};
use motcua_domain::payment::Provider;
use motcua_domain::types::Vnd;
use motcua_payments::platform::{Outcome, Partner, query, query_answer};
use motcua_store::{Store, StoreError};
use uuid::Uuid;

/// Asks the platform about the agency's open attempts; how many were settled.
pub async fn query_platform(
    store: &dyn Store,
    client: &reqwest::Client,
    partner: &Partner,
    agency_id: Uuid,
    now: NaiveDateTime,
) -> Result<usize, StoreError> {
    let open = store
        .open_attempts(agency_id, Provider::Platform, now - Duration::days(3), now - Duration::minutes(30))
        .await?;
    let mut settled = 0;
    for a in open {
        let body = query(partner, &a.txn_ref, a.created_at);
        let answer: serde_json::Value = match client.post(&partner.query_url).json(&body).send().await {
            Ok(res) => match res.json().await {
                Ok(v) => v,
                Err(e) => {
                    tracing::warn!(error = %e, "platform QUERY answer unreadable; asked again next round");
                    continue;
                }
            },
            Err(e) => {
                tracing::warn!(error = %e, "platform QUERY not answered; asked again next round");
                continue;
            }
        };
        store.record_payment_message(agency_id, Provider::Platform.as_str(), &answer.to_string(), now).await?;
        let (ok, amount, txn) = match query_answer(&a.txn_ref, &answer) {
            Ok(Outcome::Succeeded { amount, transaction, .. }) => (true, Vnd(amount), transaction),
            Ok(Outcome::Failed { .. }) => (false, a.amount, String::new()),
            Ok(Outcome::Pending) | Err(_) => continue,
        };
        match motcua_app::payments::confirm(store, agency_id, Provider::Platform, &a.txn_ref, amount, ok, &txn, now)
            .await
        {
            Ok(_) => settled += 1,
            Err(motcua_app::AppError::Store(e)) => return Err(e),
            Err(e) => tracing::warn!(error = %e, "platform QUERY outcome not applied"),
        }
    }
    Ok(settled)
}
