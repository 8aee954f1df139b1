//! Attempts a provider never confirmed, asked about by the worker: the national payment
//! platform's (`QUERY`, attempts started between three days and thirty minutes ago: the
//! province's running practice, reference §3.1) and VNPAY's (`querydr`, attempts past their
//! fifteen minutes). "Paid" credits it as the provider's own confirmation would
//! (`motcua_app::payments::confirm`: once, whoever comes first), "failed" closes it, "not known
//! yet" leaves it for the next round.

use chrono::{Duration, NaiveDateTime};
use motcua_domain::payment::Provider;
use motcua_domain::types::Vnd;
use motcua_payments::platform::{Outcome, Partner, query, query_answer};
use motcua_store::{Store, StoreError};
use uuid::Uuid;

/// The worker's half-hourly asking of the national platform, in `job_runs` (key: the slot).
pub const PLATFORM_QUERY_JOB: &str = "payment_query_platform";
/// The same for VNPAY.
pub const VNPAY_QUERY_JOB: &str = "payment_query_vnpay";

/// Posts a query; its JSON answer, or `None` (logged) when there is none to read: the attempt is
/// asked about again next round.
async fn ask(client: &reqwest::Client, url: &str, body: &serde_json::Value) -> Option<serde_json::Value> {
    match client.post(url).json(body).send().await {
        Ok(res) => {
            res.json().await.map_err(|e| tracing::warn!(error = %e, url, "payment query answer unreadable")).ok()
        }
        Err(e) => {
            tracing::warn!(error = %e, url, "payment query not answered");
            None
        }
    }
}

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
        let Some(answer) = ask(client, &partner.query_url, &body).await else { continue };
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

/// Asks VNPAY (`querydr`) about the agency's VNPAY attempts still open fifteen minutes after they
/// started (their payment page has expired), up to three days; how many were settled.
pub async fn query_vnpay(
    store: &dyn Store,
    client: &reqwest::Client,
    merchant: &motcua_payments::vnpay::Merchant,
    agency_id: Uuid,
    now: NaiveDateTime,
) -> Result<usize, StoreError> {
    use motcua_payments::vnpay::{Queried, querydr, querydr_answer};
    let open =
        store.open_attempts(agency_id, Provider::Vnpay, now - Duration::days(3), now - Duration::minutes(15)).await?;
    let mut settled = 0;
    for a in open {
        let request_id = Uuid::now_v7().simple().to_string();
        let body = querydr(merchant, &request_id, &a.txn_ref, a.created_at, now, "127.0.0.1");
        let Some(answer) = ask(client, &merchant.api_url, &body).await else { continue };
        store.record_payment_message(agency_id, Provider::Vnpay.as_str(), &answer.to_string(), now).await?;
        let (ok, amount, txn) = match querydr_answer(merchant, &answer) {
            Ok(Queried::Paid { amount_vnd, transaction_no }) => (true, Vnd(amount_vnd), transaction_no),
            Ok(Queried::Failed) => (false, a.amount, String::new()),
            Ok(Queried::Pending) => continue,
            Err(e) => {
                tracing::warn!(error = %e, "VNPAY querydr answer refused");
                continue;
            }
        };
        match motcua_app::payments::confirm(store, agency_id, Provider::Vnpay, &a.txn_ref, amount, ok, &txn, now).await
        {
            Ok(_) => settled += 1,
            Err(motcua_app::AppError::Store(e)) => return Err(e),
            Err(e) => tracing::warn!(error = %e, "VNPAY querydr outcome not applied"),
        }
    }
    Ok(settled)
}
