//! Fees as the edges use them: the payment request of a dossier (built once from its fee lines,
//! then reused), a provider's confirmation judged and written in one transaction
//! (`PaymentStore::confirm_payment`), and the dossier's clock resumed once the request is paid —
//! at once when possible, else by the worker from the outbox row the confirmation queued, so a
//! crash between the two loses nothing. The counter's cash and transfers, bank statements, the
//! day's reconciliation and the receipts' corrections are here too; what every online provider
//! goes through is in [`providers`], the receipts' digital signatures in [`signing`].
//!
//! The provider confirms on the agency's behalf: the dossier's "payment received" is applied by
//! [`provider_actor`], a counter role without a person, and its event says so.

use chrono::NaiveDateTime;
use motcua_domain::dossier::{Action, DEFAULT_MAX_REAPPOINT_DAYS, Dossier, State};
use motcua_domain::org::{Actor, Role, RoleGrant};
use motcua_domain::payment::{Attempt, Judgement, PaymentRequest, Provider, RequestState, Series, receipts_for};
use motcua_domain::types::Vnd;
use motcua_store::{Confirmed, Store};
use uuid::Uuid;

use crate::AppError;

pub mod providers;
pub mod signing;

/// The agency setting holding its receipt series (`{"template":"EBL01","letters":"AA"}`).
pub const SERIES_KEY: &str = "payments.receipt_series";

/// Who confirms a payment the provider reported: the agency's counter, acting for no person.
pub fn provider_actor(agency_id: Uuid) -> Actor {
    Actor {
        user_id: Uuid::nil(),
        name: "Cổng thanh toán".into(),
        grants: vec![RoleGrant { role: Role::Reception, agency_id, unit: None }],
        citizen: false,
    }
}

/// The agency's receipt series (the default `EBL01`, `AA` when none is set).
pub async fn series(store: &dyn Store, agency_id: Uuid) -> Result<Series, AppError> {
    let settings = store.agency_settings(agency_id).await?;
    match settings.into_iter().find(|(k, _)| k == SERIES_KEY) {
        Some((_, text)) => serde_json::from_str(&text)
            .map_err(|e| AppError::Internal(format!("{SERIES_KEY} của cơ quan không đọc được: {e}"))),
        None => Ok(Series::default()),
    }
}

/// The request the dossier's fees are paid through: the one awaiting, or one already paid (a
/// dossier whose fees were paid at submission and that is now asked for them is resumed; an
/// amount the appraisal fixed counts as paid only by a request made since), or a new one from
/// its fee lines ([`motcua_domain::payment::lines_of`]) when it may be paid now ([`motcua_domain::payment::payable`]:
/// awaiting its fees, or accepted with fees the counter did not collect).
pub async fn request_for(store: &dyn Store, dossier: &Dossier, now: NaiveDateTime) -> Result<PaymentRequest, AppError> {
    let existing = store.payment_requests_of(dossier.agency_id, dossier.id).await?;
    // An amount the appraisal fixed is paid by a request made since it was asked for; the
    // schedule's fees are paid once, whenever.
    let since = match (&dossier.assessed_fee, dossier.pauses.last()) {
        (Some(_), Some(pause)) if dossier.state == State::AwaitingPayment => pause.from,
        _ => NaiveDateTime::MIN,
    };
    for r in existing.iter().filter(|r| r.state == RequestState::Awaiting) {
        if r.created_at >= since {
            return Ok(r.clone());
        }
        // Made for the schedule's fees before the appraisal fixed another amount: no longer due.
        if store.cancel_payment_request(dossier.agency_id, r.id).await? {
            let what = ("payment_request_cancelled", format!("payment:{}", r.id));
            let data = serde_json::json!({ "reference": r.reference, "why": "assessed" });
            crate::audit::record(store, Some(dossier.agency_id), None, what, data, now).await?;
        }
    }
    if !motcua_domain::payment::payable(dossier) {
        return Err(AppError::Conflict {
            code: "not_awaiting_payment",
            message: "hồ sơ không có phí, lệ phí phải nộp lúc này".into(),
        });
    }
    if let Some(paid) = existing.iter().rev().find(|r| r.state == RequestState::Paid && r.created_at >= since) {
        if dossier.state == State::AwaitingPayment {
            resume_dossier(store, dossier.agency_id, paid.id, now).await?;
        }
        return Ok(paid.clone());
    }
    let n = u32::try_from(existing.len()).unwrap_or(u32::MAX - 1) + 1;
    let request = PaymentRequest::for_dossier(Uuid::now_v7(), dossier, n, now)?;
    store.insert_payment_request(&request).await?;
    let data = serde_json::json!({ "reference": request.reference, "total": request.total.0 });
    let what = ("payment_requested", format!("payment:{}", request.id));
    crate::audit::record(store, Some(dossier.agency_id), None, what, data, now).await?;
    Ok(request)
}

/// A provider's verified word on an attempt (by its reference), judged and written, audited, and
/// the dossier resumed when it credits; `None` when no attempt has that reference.
#[allow(clippy::too_many_arguments)]
pub async fn confirm(
    store: &dyn Store,
    agency_id: Uuid,
    provider: Provider,
    txn_ref: &str,
    amount: Vnd,
    succeeded: bool,
    provider_txn: &str,
    now: NaiveDateTime,
) -> Result<Option<Confirmed>, AppError> {
    let s = series(store, agency_id).await?;
    let issue = |r: &PaymentRequest| receipts_for(r, &s, provider, now);
    let Some(c) = store.confirm_payment(agency_id, txn_ref, amount, succeeded, provider_txn, &issue, now).await? else {
        return Ok(None);
    };
    audit_confirmation(store, &c, now).await?;
    if c.judgement == Judgement::Credit {
        // The worker does it too from the outbox: a failure here is not the payer's.
        if let Err(e) = resume_dossier(store, agency_id, c.request.id, now).await {
            tracing::warn!(error = %e, "payment credited; the dossier resumes from the outbox");
        }
    }
    Ok(Some(c))
}

async fn audit_confirmation(store: &dyn Store, c: &Confirmed, now: NaiveDateTime) -> Result<(), AppError> {
    let action = match c.judgement {
        Judgement::Credit => "payment_credited",
        Judgement::Failed => "payment_failed",
        Judgement::DoublePayment => "payment_refund_due",
        Judgement::WrongAmount => "payment_wrong_amount",
        Judgement::Repeat => return Ok(()),
    };
    let data = serde_json::json!({
        "attempt": c.attempt.txn_ref,
        "provider": c.attempt.provider.as_str(),
        "receipts": c.receipts.iter().map(|r| format!("{}/{}", r.symbol, r.number_text())).collect::<Vec<_>>(),
    });
    crate::audit::record(
        store,
        Some(c.request.agency_id),
        None,
        (action, format!("payment:{}", c.request.id)),
        data,
        now,
    )
    .await?;
    Ok(())
}

/// The counter collects a dossier's fees in cash or records a bank transfer (`bank_ref`: the
/// bank's reference): the payment credited like a provider's, its receipts issued, the dossier's
/// clock resumed by the officer.
pub async fn collect_at_counter(
    store: &dyn Store,
    actor: &Actor,
    dossier: &Dossier,
    (provider, bank_ref): (Provider, Option<&str>),
    now: NaiveDateTime,
) -> Result<Confirmed, AppError> {
    if !actor.grants.iter().any(|g| g.agency_id == dossier.agency_id && g.role == Role::Reception) {
        return Err(motcua_domain::DomainError::Forbidden("thu phí, lệ phí (bộ phận một cửa)".into()).into());
    }
    if !matches!(provider, Provider::Cash | Provider::Transfer) {
        return Err(motcua_domain::DomainError::field("method", "tiền mặt hoặc chuyển khoản").into());
    }
    let bank_ref = bank_ref.map(str::trim).filter(|r| !r.is_empty());
    if let Some(r) = bank_ref
        && (r.len() > 50 || !r.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
    {
        let why = "số tham chiếu: chữ, số và dấu gạch ngang, tối đa 50 ký tự";
        return Err(motcua_domain::DomainError::field("bank_ref", why).into());
    }
    if provider == Provider::Transfer && bank_ref.is_none() {
        return Err(
            motcua_domain::DomainError::field("bank_ref", "cần số tham chiếu của giao dịch chuyển khoản").into()
        );
    }
    let request = request_for(store, dossier, now).await?;
    if request.state != RequestState::Awaiting {
        return Err(AppError::Conflict {
            code: "already_paid",
            message: format!("phí, lệ phí của hồ sơ đã được thanh toán ({})", request.reference),
        });
    }
    let n = store.attempts_of(request.agency_id, request.id).await?.len() as u32 + 1;
    let attempt = Attempt::start(Uuid::now_v7(), &request, provider, n, now)?;
    store.insert_attempt(&attempt).await?;
    let txn = bank_ref.map_or_else(|| format!("QUAY-{}", attempt.txn_ref), str::to_owned);
    let s = series(store, dossier.agency_id).await?;
    let issue = |r: &PaymentRequest| receipts_for(r, &s, provider, now);
    let confirmed = store
        .confirm_payment(dossier.agency_id, &attempt.txn_ref, request.total, true, &txn, &issue, now)
        .await?
        .ok_or_else(|| AppError::Internal("lần thanh toán vừa ghi không còn".into()))?;
    let data = serde_json::json!({
        "provider": provider.as_str(),
        "total": request.total.0,
        "receipts": confirmed.receipts.iter().map(|r| format!("{}/{}", r.symbol, r.number_text())).collect::<Vec<_>>(),
    });
    let what = ("payment_collected", format!("payment:{}", request.id));
    crate::audit::record(store, Some(dossier.agency_id), Some(actor.user_id), what, data, now).await?;
    if confirmed.judgement == Judgement::Credit {
        resume(store, dossier.agency_id, request.id, actor, now).await?;
    }
    Ok(confirmed)
}

/// The dossier of a paid request takes "payment received" (its clock resumes), once: a dossier
/// no longer waiting for its fees is left as it is. Whether it changed.
pub async fn resume_dossier(
    store: &dyn Store,
    agency_id: Uuid,
    request_id: Uuid,
    now: NaiveDateTime,
) -> Result<bool, AppError> {
    resume(store, agency_id, request_id, &provider_actor(agency_id), now).await
}

async fn resume(
    store: &dyn Store,
    agency_id: Uuid,
    request_id: Uuid,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<bool, AppError> {
    let Some(request) = store.payment_request(agency_id, request_id).await? else { return Ok(false) };
    if request.state != RequestState::Paid {
        return Ok(false);
    }
    let Some(dossier) = store.dossier(agency_id, request.dossier_id).await? else { return Ok(false) };
    if dossier.state != State::AwaitingPayment {
        return Ok(false);
    }
    let cal = crate::calendars::load(store, agency_id).await?;
    let at = crate::dossiers::At { calendar: &cal, now, max_reappoint_days: DEFAULT_MAX_REAPPOINT_DAYS };
    let note = Some(format!("Đã thanh toán {} (mã thanh toán {})", request.total, request.reference));
    match crate::dossiers::act(store, actor, &dossier, dossier.version, Action::PaymentReceived { note }, at).await {
        Ok(_) => Ok(true),
        // Another server resumed it meanwhile.
        Err(AppError::Conflict { .. }) => Ok(false),
        Err(e) => Err(e),
    }
}

/// What a bank statement did.
#[derive(Debug, Default)]
pub struct StatementReport {
    /// (bank reference, dossier code) of the transfers that paid a request.
    pub credited: Vec<(String, String)>,
    /// Transfers already read in an earlier statement.
    pub repeated: usize,
    /// (bank reference, why) of the transfers that paid nothing known, kept for an officer.
    pub unmatched: Vec<(String, String)>,
    /// (row, why) of the rows that could not be read.
    pub refused: Vec<(usize, String)>,
}

/// What became of one incoming transfer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Matched {
    /// It paid the request of this dossier.
    Credited(String),
    /// Already seen (in an earlier statement or notification).
    Repeated,
    /// Kept among the unmatched transfers, for this reason.
    Unmatched(String),
}

/// One incoming transfer into the agency's account (a statement's row, a bank's notification),
/// matched by the payment reference in its content: a transfer of the request's amount pays it
/// (receipts, the clock resumed) like any provider's confirmation, keyed by the bank's reference
/// so a transfer seen twice pays nothing twice; one that names no awaiting request, or pays
/// another amount, is kept among the unmatched transfers. `awaiting`: the agency's awaiting
/// requests when the caller has them already.
pub async fn match_transfer(
    store: &dyn Store,
    agency_id: Uuid,
    c: &motcua_payments::statement::Credit,
    awaiting: Option<&[PaymentRequest]>,
    now: NaiveDateTime,
) -> Result<Matched, AppError> {
    // Seen before: its attempt carries the bank's reference.
    if store.attempt_by_provider_txn(agency_id, Provider::VietQr, &c.reference).await?.is_some() {
        return Ok(Matched::Repeated);
    }
    let loaded;
    let awaiting = match awaiting {
        Some(a) => a,
        None => {
            loaded = store.awaiting_requests(agency_id).await?;
            &loaded
        }
    };
    let content = motcua_domain::payment::alphanumeric(&c.content);
    let unmatched = |reason: String| async move {
        let t = motcua_store::UnmatchedTransfer {
            bank_ref: c.reference.clone(),
            day: c.date,
            amount: i64::try_from(c.amount).unwrap_or(i64::MAX),
            content: c.content.clone(),
            reason: reason.clone(),
            recorded_at: now,
        };
        Ok::<_, AppError>(if store.insert_unmatched_transfer(agency_id, &t).await? {
            Matched::Unmatched(reason)
        } else {
            Matched::Repeated
        })
    };
    let Some(request) = awaiting.iter().find(|r| content.contains(&r.reference)) else {
        return unmatched("không có mã thanh toán đang chờ".into()).await;
    };
    if c.amount != request.total.0 {
        return unmatched(format!("số tiền {} khác số phải nộp {}", Vnd(c.amount), request.total)).await;
    }
    let mut attempt = Attempt::start(Uuid::now_v7(), request, Provider::VietQr, 1, now)?;
    attempt.txn_ref = format!("{}Q{}", request.reference, motcua_domain::payment::alphanumeric(&c.reference));
    store.insert_attempt(&attempt).await?;
    let s = series(store, agency_id).await?;
    let issue = |r: &PaymentRequest| receipts_for(r, &s, Provider::VietQr, now);
    let confirmed = store
        .confirm_payment(agency_id, &attempt.txn_ref, Vnd(c.amount), true, &c.reference, &issue, now)
        .await?
        .ok_or_else(|| AppError::Internal("lần thanh toán vừa ghi không còn".into()))?;
    audit_confirmation(store, &confirmed, now).await?;
    Ok(match confirmed.judgement {
        Judgement::Credit => {
            resume(store, agency_id, request.id, &provider_actor(agency_id), now).await?;
            Matched::Credited(request.dossier_code.clone())
        }
        _ => Matched::Repeated,
    })
}

/// Reads a bank statement (CSV) of VietQR transfers into the agency's account: each row kept as
/// received, then matched ([`match_transfer`]).
pub async fn match_statement(
    store: &dyn Store,
    actor: &Actor,
    agency_id: Uuid,
    csv: &[u8],
    now: NaiveDateTime,
) -> Result<StatementReport, AppError> {
    if !actor
        .grants
        .iter()
        .any(|g| g.agency_id == agency_id && matches!(g.role, Role::Reception | Role::AgencyLead | Role::UnitLead))
    {
        return Err(motcua_domain::DomainError::Forbidden("đối soát sao kê (bộ phận một cửa, lãnh đạo)".into()).into());
    }
    let (credits, refused) =
        motcua_payments::statement::parse(csv).map_err(|why| motcua_domain::DomainError::field("file", why))?;
    let mut report = StatementReport { refused, ..Default::default() };
    let awaiting = store.awaiting_requests(agency_id).await?;
    for c in credits {
        let raw = serde_json::json!({ "row": c.row, "date": c.date, "amount": c.amount, "content": c.content, "reference": c.reference });
        store.record_payment_message(agency_id, Provider::VietQr.as_str(), &raw.to_string(), now).await?;
        match match_transfer(store, agency_id, &c, Some(&awaiting), now).await? {
            Matched::Credited(code) => report.credited.push((c.reference.clone(), code)),
            Matched::Repeated => report.repeated += 1,
            Matched::Unmatched(why) => report.unmatched.push((c.reference.clone(), why)),
        }
    }
    let data = serde_json::json!({
        "credited": report.credited.len(), "unmatched": report.unmatched.len(), "refused": report.refused.len()
    });
    crate::audit::record(
        store,
        Some(agency_id),
        Some(actor.user_id),
        ("statement_matched", "payments".into()),
        data,
        now,
    )
    .await?;
    Ok(report)
}

/// Money through one provider in a reconciled period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderTotal {
    pub provider: Provider,
    /// Successful payments (a double payment included: the provider holds the money).
    pub count: u64,
    pub amount: Vnd,
}

/// One thing that does not add up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    pub kind: &'static str,
    /// The payment's reference, or the bank's.
    pub reference: String,
    pub dossier_code: String,
    pub detail: String,
    /// The attempt to refund, for money taken twice through a provider that refunds (VNPAY).
    pub refundable: Option<String>,
}

/// A period's reconciliation of one agency: what the providers took, the receipts issued, the
/// requests paid, and every mismatch.
#[derive(Debug, Clone, Default)]
pub struct Reconciliation {
    pub providers: Vec<ProviderTotal>,
    pub receipts: u64,
    pub receipts_amount: Vnd,
    pub paid_requests: u64,
    pub paid_amount: Vnd,
    pub mismatches: Vec<Mismatch>,
}

/// Compares, for `[from, to)`, the providers' successful payments, the receipts issued and the
/// requests paid, and lists each mismatch: paid with no receipt, a receipt with no payment, an
/// amount that differs, money taken twice (to refund), a transfer that matched nothing.
pub async fn reconcile(
    store: &dyn Store,
    agency_id: Uuid,
    (from, to): (NaiveDateTime, NaiveDateTime),
) -> Result<Reconciliation, AppError> {
    let mut r = Reconciliation::default();
    let mut totals: Vec<ProviderTotal> = Vec::new();
    let mut add = |provider: Provider, amount: Vnd| match totals.iter_mut().find(|t| t.provider == provider) {
        Some(t) => {
            t.count += 1;
            t.amount = t.amount + amount;
        }
        None => totals.push(ProviderTotal { provider, count: 1, amount }),
    };
    let paid = store.paid_requests_between(agency_id, from, to).await?;
    for request in &paid {
        r.paid_requests += 1;
        r.paid_amount = r.paid_amount + request.total;
        let receipts = store.receipts_of(agency_id, request.id).await?;
        let receipted: Vnd = receipts.iter().filter(|b| !b.cancelled).map(|b| b.amount).sum();
        let mismatch = |kind: &'static str, detail: String| Mismatch {
            kind,
            reference: request.reference.clone(),
            dossier_code: request.dossier_code.clone(),
            detail,
            refundable: None,
        };
        if receipts.is_empty() {
            r.mismatches.push(mismatch("Đã thanh toán, chưa có biên lai", format!("{}", request.total)));
        } else if receipted != request.total {
            r.mismatches.push(mismatch("Số tiền lệch", format!("phải nộp {}, biên lai {}", request.total, receipted)));
        }
        for a in store.attempts_of(agency_id, request.id).await? {
            if a.state == motcua_domain::payment::AttemptState::Succeeded {
                add(a.provider, a.amount);
                if a.refund_due {
                    let detail = format!(
                        "{} {} qua {}: cần hoàn trả",
                        a.provider_txn.clone().unwrap_or_default(),
                        a.amount,
                        a.provider.label_vi()
                    );
                    let refundable = (a.provider == Provider::Vnpay).then(|| a.txn_ref.clone());
                    r.mismatches.push(Mismatch { refundable, ..mismatch("Thanh toán hai lần", detail) });
                }
            }
        }
    }
    for b in store.receipts_between(agency_id, from, to).await? {
        if !b.cancelled {
            r.receipts += 1;
            r.receipts_amount = r.receipts_amount + b.amount;
        }
        let paid_request =
            store.payment_request(agency_id, b.request_id).await?.filter(|p| p.state == RequestState::Paid);
        if paid_request.is_none() && !b.cancelled {
            r.mismatches.push(Mismatch {
                kind: "Biên lai không có thanh toán",
                reference: format!("{} số {}", b.symbol, b.number_text()),
                dossier_code: b.dossier_code.clone(),
                detail: format!("{}", b.amount),
                refundable: None,
            });
        }
    }
    for t in store.unmatched_transfers(agency_id).await? {
        if t.recorded_at >= from && t.recorded_at < to {
            r.mismatches.push(Mismatch {
                kind: "Chuyển khoản chưa khớp",
                reference: t.bank_ref,
                dossier_code: String::new(),
                detail: format!("{}: {}", Vnd(u64::try_from(t.amount).unwrap_or(0)), t.reason),
                refundable: None,
            });
        }
    }
    totals.sort_by_key(|t| Provider::ALL.iter().position(|p| *p == t.provider));
    r.providers = totals;
    Ok(r)
}

/// Cancels a receipt with its reason and issues its replacement with the payer's name as
/// corrected (the same lines and amount, a new number of the series): the counter or a leader,
/// audited.
pub async fn replace_receipt(
    store: &dyn Store,
    actor: &Actor,
    agency_id: Uuid,
    receipt_id: Uuid,
    (reason, payer): (&str, &str),
    now: NaiveDateTime,
) -> Result<motcua_domain::payment::Receipt, AppError> {
    if !actor
        .grants
        .iter()
        .any(|g| g.agency_id == agency_id && matches!(g.role, Role::Reception | Role::AgencyLead | Role::UnitLead))
    {
        return Err(
            motcua_domain::DomainError::Forbidden("hủy, thay thế biên lai (bộ phận một cửa, lãnh đạo)".into()).into()
        );
    }
    let reason = motcua_domain::text::clean(reason.trim(), motcua_domain::text::NOTE_MAX, false)
        .map_err(|e| motcua_domain::DomainError::field("reason", e))?;
    if reason.is_empty() {
        return Err(motcua_domain::DomainError::field("reason", "cần lý do hủy biên lai").into());
    }
    // Checked before the transaction, so a bad name is a field error, not a silent nothing.
    motcua_domain::payment::payer_name(payer)?;
    let make = |old: &motcua_domain::payment::Receipt| old.replacement(payer, now).ok();
    let new = store
        .replace_receipt(agency_id, receipt_id, &reason, &make)
        .await?
        .ok_or_else(|| AppError::NotFound("không có biên lai này, hoặc biên lai đã bị hủy".into()))?;
    let data = serde_json::json!({ "replaced": receipt_id, "new": format!("{}/{}", new.symbol, new.number_text()), "reason": reason });
    crate::audit::record(
        store,
        Some(agency_id),
        Some(actor.user_id),
        ("receipt_replaced", format!("receipt:{receipt_id}")),
        data,
        now,
    )
    .await?;
    Ok(new)
}

/// One row of the day's summary of receipts for the tax authority (Mẫu 01/TH-BLĐT, Circular
/// 91/2026 Annex III).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SummaryRow {
    pub template: String,
    pub symbol: String,
    pub number: String,
    pub date: String,
    pub fee: String,
    pub amount: u64,
    /// "Mới", "Hủy", "Thay thế".
    pub status: &'static str,
    /// The receipt it replaces ("26TAA 00000001").
    pub related: String,
    pub explanation: String,
}

/// The receipts issued in `[from, to)` as Mẫu 01/TH-BLĐT lists them.
pub async fn receipts_summary(
    store: &dyn Store,
    agency_id: Uuid,
    (from, to): (NaiveDateTime, NaiveDateTime),
) -> Result<Vec<SummaryRow>, AppError> {
    let receipts = store.receipts_between(agency_id, from, to).await?;
    let mut rows = Vec::new();
    for r in &receipts {
        let related = match r.replaces {
            Some(old) => store
                .receipts_of(agency_id, r.request_id)
                .await?
                .into_iter()
                .find(|x| x.id == old)
                .map(|x| format!("{} {}", x.symbol, x.number_text()))
                .unwrap_or_default(),
            None => String::new(),
        };
        rows.push(SummaryRow {
            template: r.template.clone(),
            symbol: r.symbol.clone(),
            number: r.number_text(),
            date: r.issued_at.format("%d/%m/%Y").to_string(),
            fee: r.lines.iter().map(|l| l.name.clone()).collect::<Vec<_>>().join("; "),
            amount: r.amount.0,
            status: if r.cancelled {
                "Hủy"
            } else if r.replaces.is_some() {
                "Thay thế"
            } else {
                "Mới"
            },
            related,
            explanation: r.cancel_reason.clone().unwrap_or_default(),
        });
    }
    Ok(rows)
}

/// The attempt a leader or the counter may ask the provider to refund: one of the agency's,
/// flagged as money taken twice.
pub async fn refundable(store: &dyn Store, actor: &Actor, agency_id: Uuid, txn_ref: &str) -> Result<Attempt, AppError> {
    if !actor
        .grants
        .iter()
        .any(|g| g.agency_id == agency_id && matches!(g.role, Role::Reception | Role::AgencyLead | Role::UnitLead))
    {
        return Err(
            motcua_domain::DomainError::Forbidden("hoàn trả thanh toán (bộ phận một cửa, lãnh đạo)".into()).into()
        );
    }
    store
        .attempt_by_ref(agency_id, txn_ref)
        .await?
        .filter(|a| a.refund_due)
        .ok_or_else(|| AppError::NotFound("không có khoản thanh toán cần hoàn trả này".into()))
}

/// Records that the provider accepted to return a double payment (audited).
pub async fn record_refund(store: &dyn Store, actor: &Actor, a: &Attempt, now: NaiveDateTime) -> Result<(), AppError> {
    if store.mark_refunded(a.agency_id, &a.txn_ref, now).await? {
        let data = serde_json::json!({ "attempt": a.txn_ref, "amount": a.amount.0, "provider": a.provider.as_str() });
        let what = ("payment_refunded", format!("payment:{}", a.request_id));
        crate::audit::record(store, Some(a.agency_id), Some(actor.user_id), what, data, now).await?;
    }
    Ok(())
}
