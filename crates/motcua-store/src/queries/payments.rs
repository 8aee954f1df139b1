//! [`crate::PaymentStore`] on both backends. A confirmation is judged and written in one
//! transaction that starts by writing to the attempt's and the request's rows, so two
//! confirmations of the same payment (a provider's retry racing the query job) are serialised on
//! both backends; receipt numbers come from a counter row updated in that same transaction, so a
//! rollback leaves no gap and two payments never share a number.

#[allow(unused_imports)]
use super::*;
#[allow(unused_imports)]
use crate::prelude::*;

use motcua_domain::payment::{Attempt, AttemptState, Judgement, PaymentRequest, Receipt, RequestState, judge};
use motcua_domain::types::Vnd;

/// The outbox kind of a credited payment: the worker resumes the dossier's clock.
pub const PAYMENT_OUTBOX: &str = "payment";

fn doc<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, StoreError> {
    Ok(serde_json::from_str(text)?)
}

/// The next number of a receipt's series and year, from its counter row, in the transaction
/// `$tx` (so a rollback takes none back out of the series).
/// The documents (`doc` column) a query's rows hold, in order.
macro_rules! fetch_docs {
    ($exec:expr, $sql:expr $(, $arg:expr)* $(,)?) => {{
        let rows: Vec<(String,)> = sqlx::query_as($sql)$(.bind($arg))*.fetch_all($exec).await?;
        rows.iter().map(|(d,)| doc(d)).collect()
    }};
}

/// In `$tx`, the document of the row `$guard` (an update of that one row, keyed by the agency
/// and `$key`) touched, read after the update took the row's lock so that a racing writer waits;
/// `None` when the guard touched nothing. `$table` holds the row, keyed by `$key_column`.
macro_rules! guarded_doc {
    ($tx:ident, $guard:expr, ($table:literal, $key_column:literal), $agency:expr, $key:expr) => {{
        let touched = sqlx::query($guard).bind($agency).bind($key).execute(&mut *$tx).await?;
        if touched.rows_affected() == 1 {
            let select = concat!("select doc from ", $table, " where agency_id = $1 and ", $key_column, " = $2");
            let (d,): (String,) = sqlx::query_as(select).bind($agency).bind($key).fetch_one(&mut *$tx).await?;
            Some(d)
        } else {
            None
        }
    }};
}

/// In `$tx`, writes `$value` back as the document of the row keyed by the agency and `$key`.
macro_rules! write_doc {
    ($tx:ident, ($table:literal, $key_column:literal), $agency:expr, $key:expr, $value:expr) => {{
        let update = concat!("update ", $table, " set doc = $1 where agency_id = $2 and ", $key_column, " = $3");
        sqlx::query(update).bind(serde_json::to_string($value)?).bind($agency).bind($key).execute(&mut *$tx).await?;
    }};
}

macro_rules! next_receipt_number {
    ($tx:ident, $agency:expr, $r:expr) => {{
        let r: &Receipt = $r;
        let (number,): (i64,) = sqlx::query_as(
            "insert into receipt_counters (agency_id, symbol, year, last) values ($1, $2, $3, 1)
             on conflict (agency_id, symbol, year) do update set last = receipt_counters.last + 1
             returning last",
        )
        .bind($agency)
        .bind(&r.symbol)
        .bind(r.year)
        .fetch_one(&mut *$tx)
        .await?;
        if number > i64::from(motcua_domain::payment::RECEIPT_MAX) {
            Err(StoreError::Config(format!("ký hiệu biên lai {} đã hết số trong năm", r.symbol)))
        } else {
            Ok(number as u32)
        }
    }};
}

macro_rules! insert_receipt {
    ($tx:ident, $agency:expr, $r:expr) => {{
        let r: &Receipt = $r;
        sqlx::query(
            "insert into receipts (agency_id, id, request_id, symbol, year, number, issued_at, doc)
             values ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind($agency)
        .bind(r.id)
        .bind(r.request_id)
        .bind(&r.symbol)
        .bind(r.year)
        .bind(i64::from(r.number))
        .bind(r.issued_at)
        .bind(serde_json::to_string(r)?)
        .execute(&mut *$tx)
        .await?;
    }};
}

macro_rules! impl_payments {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl crate::PaymentStore for $store {
            async fn insert_payment_request(&self, r: &PaymentRequest) -> crate::Result<()> {
                sqlx::query(
                    "insert into payment_requests (agency_id, id, dossier_id, reference, state, total, created_at,
                       paid_at, doc, version) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                )
                .bind(r.agency_id)
                .bind(r.id)
                .bind(r.dossier_id)
                .bind(&r.reference)
                .bind(r.state.as_str())
                .bind(r.total.0 as i64)
                .bind(r.created_at)
                .bind(r.paid_at)
                .bind(serde_json::to_string(r)?)
                .bind(r.version)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn payment_request(&self, agency_id: Uuid, id: Uuid) -> crate::Result<Option<PaymentRequest>> {
                let row: Option<(String,)> =
                    sqlx::query_as("select doc from payment_requests where agency_id = $1 and id = $2")
                        .bind(agency_id)
                        .bind(id)
                        .fetch_optional(&self.pool)
                        .await?;
                row.map(|(d,)| doc(&d)).transpose()
            }

            async fn payment_requests_of(&self, agency_id: Uuid, dossier_id: Uuid) -> crate::Result<Vec<PaymentRequest>> {
                fetch_docs!(
                    &self.pool,
                    "select doc from payment_requests where agency_id = $1 and dossier_id = $2 order by created_at, id",
                    agency_id, dossier_id
                )
            }

            async fn insert_attempt(&self, a: &Attempt) -> crate::Result<()> {
                sqlx::query(
                    "insert into payment_attempts (agency_id, id, request_id, provider, txn_ref, state, provider_txn,
                       created_at, doc) values ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(a.agency_id)
                .bind(a.id)
                .bind(a.request_id)
                .bind(a.provider.as_str())
                .bind(&a.txn_ref)
                .bind(a.state.as_str())
                .bind(a.provider_txn.clone())
                .bind(a.created_at)
                .bind(serde_json::to_string(a)?)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn attempt_by_ref(&self, agency_id: Uuid, txn_ref: &str) -> crate::Result<Option<Attempt>> {
                let row: Option<(String,)> =
                    sqlx::query_as("select doc from payment_attempts where agency_id = $1 and txn_ref = $2")
                        .bind(agency_id)
                        .bind(txn_ref)
                        .fetch_optional(&self.pool)
                        .await?;
                row.map(|(d,)| doc(&d)).transpose()
            }

            async fn attempts_of(&self, agency_id: Uuid, request_id: Uuid) -> crate::Result<Vec<Attempt>> {
                fetch_docs!(
                    &self.pool,
                    "select doc from payment_attempts where agency_id = $1 and request_id = $2 order by created_at, id",
                    agency_id, request_id
                )
            }

            async fn expire_attempts(
                &self,
                agency_id: Uuid,
                provider: motcua_domain::payment::Provider,
                before: NaiveDateTime,
                at: NaiveDateTime,
            ) -> crate::Result<u64> {
                let old: Vec<(String,)> = sqlx::query_as(
                    "select txn_ref from payment_attempts where agency_id = $1 and provider = $2
                       and state in ('initiated', 'pending') and created_at < $3 order by created_at limit 500",
                )
                .bind(agency_id)
                .bind(provider.as_str())
                .bind(before)
                .fetch_all(&self.pool)
                .await?;
                let mut expired = 0;
                for (txn_ref,) in old {
                    let mut tx = self.pool.begin().await?;
                    // A confirmation that got there first wins: only a still-open attempt expires.
                    let guard = "update payment_attempts set state = 'expired'
                                 where agency_id = $1 and txn_ref = $2 and state in ('initiated', 'pending')";
                    let Some(d) = guarded_doc!(tx, guard, ("payment_attempts", "txn_ref"), agency_id, &txn_ref) else {
                        tx.rollback().await?;
                        continue;
                    };
                    let mut attempt: Attempt = doc(&d)?;
                    attempt.state = AttemptState::Expired;
                    attempt.finished_at = Some(at);
                    write_doc!(tx, ("payment_attempts", "txn_ref"), agency_id, &txn_ref, &attempt);
                    tx.commit().await?;
                    expired += 1;
                }
                Ok(expired)
            }

            async fn cancel_payment_request(&self, agency_id: Uuid, id: Uuid) -> crate::Result<bool> {
                let mut tx = self.pool.begin().await?;
                let guard = "update payment_requests set state = 'cancelled', version = version + 1
                             where agency_id = $1 and id = $2 and state = 'awaiting'";
                let Some(d) = guarded_doc!(tx, guard, ("payment_requests", "id"), agency_id, id) else {
                    tx.rollback().await?;
                    return Ok(false);
                };
                let mut request: PaymentRequest = doc(&d)?;
                request.state = RequestState::Cancelled;
                request.version += 1;
                write_doc!(tx, ("payment_requests", "id"), agency_id, id, &request);
                tx.commit().await?;
                Ok(true)
            }

            async fn unsigned_receipts(&self, agency_id: Uuid, limit: i64) -> crate::Result<Vec<Receipt>> {
                fetch_docs!(
                    &self.pool,
                    "select doc from receipts where agency_id = $1 and not signed order by issued_at limit $2",
                    agency_id, limit
                )
            }

            async fn sign_receipt(
                &self,
                agency_id: Uuid,
                id: Uuid,
                signature: &motcua_domain::payment::ReceiptSignature,
                same_content: &(dyn for<'r> Fn(&'r Receipt) -> bool + Sync),
            ) -> crate::Result<bool> {
                let mut tx = self.pool.begin().await?;
                // Written first: a cancellation racing this one waits, then sees the signature.
                let guard = "update receipts set signed = true where agency_id = $1 and id = $2 and not signed";
                let Some(d) = guarded_doc!(tx, guard, ("receipts", "id"), agency_id, id) else {
                    tx.rollback().await?;
                    return Ok(false);
                };
                let mut receipt: Receipt = doc(&d)?;
                if !same_content(&receipt) {
                    tx.rollback().await?;
                    return Ok(false);
                }
                receipt.signed = true;
                receipt.signature = Some(signature.clone());
                write_doc!(tx, ("receipts", "id"), agency_id, id, &receipt);
                tx.commit().await?;
                Ok(true)
            }

            async fn set_attempt_bill(&self, agency_id: Uuid, txn_ref: &str, sha256: &str) -> crate::Result<()> {
                let mut tx = self.pool.begin().await?;
                // Written first, so a confirmation racing this one waits instead of being overwritten.
                let guard = "update payment_attempts set doc = doc where agency_id = $1 and txn_ref = $2";
                let Some(d) = guarded_doc!(tx, guard, ("payment_attempts", "txn_ref"), agency_id, txn_ref) else {
                    return Ok(());
                };
                let mut attempt: Attempt = doc(&d)?;
                attempt.provider_bill = Some(sha256.to_owned());
                write_doc!(tx, ("payment_attempts", "txn_ref"), agency_id, txn_ref, &attempt);
                tx.commit().await?;
                Ok(())
            }

            async fn mark_refunded(&self, agency_id: Uuid, txn_ref: &str, at: NaiveDateTime) -> crate::Result<bool> {
                let mut tx = self.pool.begin().await?;
                let guard =
                    "update payment_attempts set refund_due = false where agency_id = $1 and txn_ref = $2 and refund_due";
                let Some(d) = guarded_doc!(tx, guard, ("payment_attempts", "txn_ref"), agency_id, txn_ref) else {
                    tx.rollback().await?;
                    return Ok(false);
                };
                let mut attempt: Attempt = doc(&d)?;
                attempt.refund_due = false;
                attempt.refunded_at = Some(at);
                write_doc!(tx, ("payment_attempts", "txn_ref"), agency_id, txn_ref, &attempt);
                tx.commit().await?;
                Ok(true)
            }

            async fn open_attempts(
                &self,
                agency_id: Uuid,
                provider: motcua_domain::payment::Provider,
                from: NaiveDateTime,
                to: NaiveDateTime,
            ) -> crate::Result<Vec<Attempt>> {
                fetch_docs!(&self.pool, "select doc from payment_attempts where agency_id = $1 and provider = $2
                       and state in ('initiated', 'pending') and created_at >= $3 and created_at < $4
                     order by created_at limit 500", agency_id, provider.as_str(), from, to)
            }

            async fn attempt_by_provider_txn(
                &self,
                agency_id: Uuid,
                provider: motcua_domain::payment::Provider,
                provider_txn: &str,
            ) -> crate::Result<Option<Attempt>> {
                let row: Option<(String,)> = sqlx::query_as(
                    "select doc from payment_attempts where agency_id = $1 and provider = $2 and provider_txn = $3
                     order by created_at limit 1",
                )
                .bind(agency_id)
                .bind(provider.as_str())
                .bind(provider_txn)
                .fetch_optional(&self.pool)
                .await?;
                row.map(|(d,)| doc(&d)).transpose()
            }

            async fn record_payment_message(
                &self,
                agency_id: Uuid,
                provider: &str,
                body: &str,
                at: NaiveDateTime,
            ) -> crate::Result<Uuid> {
                let id = Uuid::now_v7();
                sqlx::query(
                    "insert into payment_messages (agency_id, id, provider, received_at, body) values ($1, $2, $3, $4, $5)",
                )
                .bind(agency_id)
                .bind(id)
                .bind(provider)
                .bind(at)
                .bind(body)
                .execute(&self.pool)
                .await?;
                Ok(id)
            }

            async fn set_payment_message_outcome(&self, agency_id: Uuid, id: Uuid, outcome: &str) -> crate::Result<()> {
                sqlx::query("update payment_messages set outcome = $1 where agency_id = $2 and id = $3")
                    .bind(outcome)
                    .bind(agency_id)
                    .bind(id)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn confirm_payment(
                &self,
                agency_id: Uuid,
                txn_ref: &str,
                amount: Vnd,
                succeeded: bool,
                provider_txn: &str,
                receipts: &(dyn for<'r> Fn(&'r PaymentRequest) -> Vec<Receipt> + Sync),
                at: NaiveDateTime,
            ) -> crate::Result<Option<crate::Confirmed>> {
                let mut tx = self.pool.begin().await?;
                // Writing first takes the attempt's row lock (PostgreSQL) or the database's write
                // lock (SQLite) before anything is read.
                let touched = sqlx::query("update payment_attempts set state = state where agency_id = $1 and txn_ref = $2")
                    .bind(agency_id)
                    .bind(txn_ref)
                    .execute(&mut *tx)
                    .await?;
                if touched.rows_affected() != 1 {
                    tx.rollback().await?;
                    return Ok(None);
                }
                let (attempt_doc,): (String,) =
                    sqlx::query_as("select doc from payment_attempts where agency_id = $1 and txn_ref = $2")
                        .bind(agency_id)
                        .bind(txn_ref)
                        .fetch_one(&mut *tx)
                        .await?;
                let mut attempt: Attempt = doc(&attempt_doc)?;
                sqlx::query("update payment_requests set version = version where agency_id = $1 and id = $2")
                    .bind(agency_id)
                    .bind(attempt.request_id)
                    .execute(&mut *tx)
                    .await?;
                let (request_doc,): (String,) =
                    sqlx::query_as("select doc from payment_requests where agency_id = $1 and id = $2")
                        .bind(agency_id)
                        .bind(attempt.request_id)
                        .fetch_one(&mut *tx)
                        .await?;
                let mut request: PaymentRequest = doc(&request_doc)?;
                let judgement = judge(&request, &attempt, amount, succeeded, provider_txn);
                let mut issued = Vec::new();
                let mut refund_due = false;
                match judgement {
                    Judgement::Repeat | Judgement::WrongAmount => {}
                    Judgement::Failed => {
                        attempt.state = AttemptState::Failed;
                        attempt.provider_txn = Some(provider_txn.to_owned()).filter(|t| !t.is_empty());
                        attempt.finished_at = Some(at);
                    }
                    Judgement::DoublePayment => {
                        refund_due = true;
                        attempt.refund_due = true;
                        if attempt.state != AttemptState::Succeeded {
                            attempt.state = AttemptState::Succeeded;
                            attempt.provider_txn = Some(provider_txn.to_owned());
                            attempt.finished_at = Some(at);
                        }
                    }
                    Judgement::Credit => {
                        attempt.state = AttemptState::Succeeded;
                        attempt.provider_txn = Some(provider_txn.to_owned());
                        attempt.finished_at = Some(at);
                        request.state = RequestState::Paid;
                        request.paid_at = Some(at);
                        request.paid_by = Some(attempt.id);
                        request.version += 1;
                        for mut r in receipts(&request) {
                            r.number = next_receipt_number!(tx, agency_id, &r)?;
                            insert_receipt!(tx, agency_id, &r);
                            issued.push(r);
                        }
                        sqlx::query(
                            "update payment_requests set state = $1, paid_at = $2, doc = $3, version = $4
                             where agency_id = $5 and id = $6",
                        )
                        .bind(request.state.as_str())
                        .bind(request.paid_at)
                        .bind(serde_json::to_string(&request)?)
                        .bind(request.version)
                        .bind(agency_id)
                        .bind(request.id)
                        .execute(&mut *tx)
                        .await?;
                        let payload = serde_json::json!({ "request": request.id, "attempt": attempt.id }).to_string();
                        sqlx::query(
                            "insert into outbox (id, agency_id, dossier_id, event_id, kind, payload, created_at)
                             values ($1, $2, $3, null, $4, $5, $6)",
                        )
                        .bind(Uuid::now_v7())
                        .bind(agency_id)
                        .bind(request.dossier_id)
                        .bind(PAYMENT_OUTBOX)
                        .bind(payload)
                        .bind(at)
                        .execute(&mut *tx)
                        .await?;
                    }
                }
                sqlx::query(
                    "update payment_attempts set state = $1, provider_txn = $2, refund_due = (refund_due or $3), doc = $4
                     where agency_id = $5 and id = $6",
                )
                .bind(attempt.state.as_str())
                .bind(attempt.provider_txn.clone())
                .bind(refund_due)
                .bind(serde_json::to_string(&attempt)?)
                .bind(agency_id)
                .bind(attempt.id)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(Some(crate::Confirmed { judgement, request, attempt, receipts: issued }))
            }

            async fn replace_receipt(
                &self,
                agency_id: Uuid,
                id: Uuid,
                reason: &str,
                replacement: &(dyn for<'r> Fn(&'r Receipt) -> Option<Receipt> + Sync),
            ) -> crate::Result<Option<Receipt>> {
                let mut tx = self.pool.begin().await?;
                let guard = "update receipts set cancelled = true where agency_id = $1 and id = $2 and not cancelled";
                let Some(old_doc) = guarded_doc!(tx, guard, ("receipts", "id"), agency_id, id) else {
                    tx.rollback().await?;
                    return Ok(None);
                };
                let old: Receipt = doc(&old_doc)?;
                let Some(mut new) = replacement(&old) else {
                    tx.rollback().await?;
                    return Ok(None);
                };
                let mut cancelled = old;
                cancelled.cancelled = true;
                cancelled.cancel_reason = Some(reason.to_owned());
                write_doc!(tx, ("receipts", "id"), agency_id, id, &cancelled);
                new.number = next_receipt_number!(tx, agency_id, &new)?;
                insert_receipt!(tx, agency_id, &new);
                tx.commit().await?;
                Ok(Some(new))
            }

            async fn receipts_of(&self, agency_id: Uuid, request_id: Uuid) -> crate::Result<Vec<Receipt>> {
                fetch_docs!(
                    &self.pool,
                    "select doc from receipts where agency_id = $1 and request_id = $2 order by symbol, number",
                    agency_id, request_id
                )
            }

            async fn paid_requests_between(
                &self,
                agency_id: Uuid,
                from: NaiveDateTime,
                to: NaiveDateTime,
            ) -> crate::Result<Vec<PaymentRequest>> {
                fetch_docs!(&self.pool, "select doc from payment_requests where agency_id = $1 and paid_at >= $2 and paid_at < $3
                     order by paid_at, id", agency_id, from, to)
            }

            async fn awaiting_requests(&self, agency_id: Uuid) -> crate::Result<Vec<PaymentRequest>> {
                fetch_docs!(
                    &self.pool,
                    "select doc from payment_requests where agency_id = $1 and state = 'awaiting' order by created_at, id",
                    agency_id
                )
            }

            async fn insert_unmatched_transfer(&self, agency_id: Uuid, t: &crate::UnmatchedTransfer) -> crate::Result<bool> {
                let done = sqlx::query(
                    "insert into unmatched_transfers (agency_id, bank_ref, day, amount, content, reason, recorded_at)
                     values ($1, $2, $3, $4, $5, $6, $7) on conflict (agency_id, bank_ref) do nothing",
                )
                .bind(agency_id)
                .bind(&t.bank_ref)
                .bind(t.day)
                .bind(t.amount)
                .bind(&t.content)
                .bind(&t.reason)
                .bind(t.recorded_at)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn unmatched_transfers(&self, agency_id: Uuid) -> crate::Result<Vec<crate::UnmatchedTransfer>> {
                Ok(sqlx::query_as(
                    "select bank_ref, day, amount, content, reason, recorded_at from unmatched_transfers
                     where agency_id = $1 order by recorded_at desc, bank_ref limit 500",
                )
                .bind(agency_id)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn paid_online_dossiers(&self, agencies: &[Uuid]) -> crate::Result<Vec<Uuid>> {
                let mut args = Vec::new();
                let agency = agencies_in(agencies, &mut args);
                // The same test as the tally's, with `dossier_facts` standing for the dossier.
                let sql = format!(
                    "select dossier_facts.dossier_id from dossier_facts where {agency} and exists ({})",
                    super::quality::PAID_ONLINE
                );
                let rows: Vec<(Uuid,)> =
                    bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), &args).fetch_all(&self.pool).await?;
                Ok(rows.into_iter().map(|(id,)| id).collect())
            }

            async fn receipts_between(
                &self,
                agency_id: Uuid,
                from: NaiveDateTime,
                to: NaiveDateTime,
            ) -> crate::Result<Vec<Receipt>> {
                fetch_docs!(&self.pool, "select doc from receipts where agency_id = $1 and issued_at >= $2 and issued_at < $3
                     order by symbol, year, number", agency_id, from, to)
            }
        }
    };
}

impl_payments!(SqliteStore);
impl_payments!(PgStore);
