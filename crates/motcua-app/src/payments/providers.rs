//! The use cases every online provider goes through, whichever it is
//! ([`motcua_payments::provider::PaymentProvider`]): start an attempt, hear a callback, ask
//! about attempts never confirmed, return money taken twice, fetch the provider's own receipt.
//!
//! Every answer a provider sends is kept as received before the provider reads it: the
//! [`Recording`] transport writes it to `payment_messages` first (a binary answer, a receipt's
//! PDF, goes to the file store instead).

use async_trait::async_trait;
use chrono::{Duration, NaiveDateTime};
use motcua_domain::org::Actor;
use motcua_domain::payment::{Attempt, AttemptState, Judgement, PaymentRequest, Provider};
use motcua_domain::types::Vnd;
use motcua_payments::ProtocolError;
use motcua_payments::provider::{Charge, Outcome, Paid, PaymentProvider, ProviderError, Start, Transport};
use motcua_store::Store;
use uuid::Uuid;

use crate::AppError;
use crate::files::FileStore;

/// The longest answer read from a provider (a receipt's PDF is far smaller).
const ANSWER_MAX: usize = 10 * 1024 * 1024;

/// Providers reached over HTTPS: ten seconds to answer, no redirect followed, with a bearer
/// token when the provider gives one.
#[derive(Debug, Clone)]
pub struct Http {
    client: reqwest::Client,
    bearer: Option<String>,
}

impl Http {
    pub fn new() -> Result<Http, AppError> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map(|client| Http { client, bearer: None })
            .map_err(|e| AppError::Internal(format!("HTTP client: {e}")))
    }

    /// The same, sending `Authorization: Bearer <token>` (none when empty).
    pub fn with_bearer(self, token: &str) -> Http {
        Http { bearer: Some(token.to_owned()).filter(|t| !t.is_empty()), ..self }
    }
}

#[async_trait]
impl Transport for Http {
    async fn post(&self, url: &str, body: &serde_json::Value) -> Result<Vec<u8>, String> {
        let mut req = self.client.post(url).json(body);
        if let Some(token) = &self.bearer {
            req = req.bearer_auth(token);
        }
        let mut res = req.send().await.map_err(|e| e.to_string())?;
        if !res.status().is_success() {
            return Err(format!("HTTP {}", res.status()));
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = res.chunk().await.map_err(|e| e.to_string())? {
            if bytes.len() + chunk.len() > ANSWER_MAX {
                return Err("câu trả lời quá lớn".into());
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(bytes)
    }
}

/// A transport that keeps every text answer in `payment_messages` before handing it on.
pub struct Recording<'a> {
    inner: &'a dyn Transport,
    store: &'a dyn Store,
    agency_id: Uuid,
    provider: &'static str,
    now: NaiveDateTime,
}

impl std::fmt::Debug for Recording<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recording").field("provider", &self.provider).finish_non_exhaustive()
    }
}

impl<'a> Recording<'a> {
    pub fn new(
        inner: &'a dyn Transport,
        store: &'a dyn Store,
        agency_id: Uuid,
        provider: &'static str,
        now: NaiveDateTime,
    ) -> Self {
        Recording { inner, store, agency_id, provider, now }
    }
}

#[async_trait]
impl Transport for Recording<'_> {
    async fn post(&self, url: &str, body: &serde_json::Value) -> Result<Vec<u8>, String> {
        let bytes = self.inner.post(url, body).await?;
        if let Ok(text) = std::str::from_utf8(&bytes) {
            self.store
                .record_payment_message(self.agency_id, self.provider, text, self.now)
                .await
                .map_err(|e| format!("câu trả lời chưa được lưu: {e}"))?;
        }
        Ok(bytes)
    }
}

/// The kind of attempt a provider makes.
fn kind(provider: &dyn PaymentProvider) -> Result<Provider, AppError> {
    Provider::parse(provider.name())
        .ok_or_else(|| AppError::Internal(format!("nhà cung cấp {} không có trong danh mục", provider.name())))
}

fn unavailable(provider: Provider, e: &ProviderError) -> AppError {
    tracing::warn!(error = %e, provider = provider.as_str(), "payment provider did not serve");
    AppError::Conflict {
        code: "provider_unavailable",
        message: format!("{} chưa đáp ứng; Ông/Bà vui lòng thử lại sau ít phút.", provider.label_vi()),
    }
}

/// The receipt's details the national platform takes with a payment (`ThongTinBienLai`): the
/// dossier, the agency, the payer and each phí / lệ phí line.
pub fn receipt_info(agency: &motcua_domain::org::Agency, r: &PaymentRequest) -> serde_json::Value {
    let lines: Vec<serde_json::Value> = r
        .lines
        .iter()
        .map(|l| serde_json::json!({ "LoaiPhiLePhi": l.kind.label_vi(), "MaPhiLePhi": l.code, "TenPhiLePhi": l.name, "SoTien": l.amount.0 }))
        .collect();
    serde_json::json!({
        "MaHoSo": r.dossier_code, "TenDonVi": agency.name, "MaDonVi": agency.code.to_string(),
        "HoTenNguoiNop": r.payer, "NoiDungThanhToan": info(r), "PhiLePhi": lines,
    })
}

/// What the payer reads at the provider.
fn info(r: &PaymentRequest) -> String {
    format!("Nop phi le phi ho so {}", r.dossier_code)
}

/// A new attempt at `request` through `provider`, and where the payer goes next.
pub async fn start(
    store: &dyn Store,
    t: &dyn Transport,
    provider: &dyn PaymentProvider,
    request: &PaymentRequest,
    (return_url, ip, receipt): (&str, &str, serde_json::Value),
    now: NaiveDateTime,
) -> Result<(Attempt, Start), AppError> {
    let kind = kind(provider)?;
    let n = store.attempts_of(request.agency_id, request.id).await?.len() as u32 + 1;
    let attempt = Attempt::start(Uuid::now_v7(), request, kind, n, now)?;
    store.insert_attempt(&attempt).await?;
    let info = info(request);
    let charge =
        Charge { reference: &attempt.txn_ref, amount: attempt.amount.0, info: &info, at: now, ip, return_url, receipt };
    let recording = Recording::new(t, store, request.agency_id, provider.name(), now);
    let start = provider.initiate(&recording, &charge).await.map_err(|e| unavailable(kind, &e))?;
    Ok((attempt, start))
}

/// The code a payer scans to pay `request` by transfer (the request's own reference as the
/// transfer's content: no attempt is made until the money is seen).
pub async fn transfer_code(
    provider: &dyn PaymentProvider,
    request: &PaymentRequest,
    now: NaiveDateTime,
) -> Option<String> {
    struct Offline;
    #[async_trait]
    impl Transport for Offline {
        async fn post(&self, _url: &str, _body: &serde_json::Value) -> Result<Vec<u8>, String> {
            Err("không gọi mạng khi tạo mã".into())
        }
    }
    let info = info(request);
    let charge = Charge {
        reference: &request.reference,
        amount: request.total.0,
        info: &info,
        at: now,
        ip: "",
        return_url: "",
        receipt: serde_json::Value::Null,
    };
    match provider.initiate(&Offline, &charge).await {
        Ok(Start::Qr(code)) => Some(code),
        _ => None,
    }
}

/// What a callback came to; each provider answers it in its own words, with these codes
/// (VNPAY's IPN codes, which the national platform's `MaLoi` shares).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Heard {
    /// Written: a credit, a failure, a transfer credited or kept for an officer.
    Recorded,
    /// Nothing for us to do (money going out of the account).
    Ignored,
    NotFound,
    Already,
    WrongAmount,
    BadSignature,
    Unreadable,
}

impl Heard {
    pub fn code(self) -> &'static str {
        match self {
            Heard::Recorded | Heard::Ignored => "00",
            Heard::NotFound => "01",
            Heard::Already => "02",
            Heard::WrongAmount => "04",
            Heard::BadSignature => "97",
            Heard::Unreadable => "99",
        }
    }

    pub fn message_vi(self) -> &'static str {
        match self {
            Heard::Recorded | Heard::Ignored => "Thành công",
            Heard::NotFound => "Không tìm thấy giao dịch",
            Heard::Already => "Giao dịch đã được xác nhận",
            Heard::WrongAmount => "Sai số tiền",
            Heard::BadSignature => "Sai mã xác thực",
            Heard::Unreadable => "Dữ liệu không đọc được",
        }
    }
}

/// A provider's callback: kept as received, then verified, then judged and written in one
/// transaction (`super::confirm`) — or, for a transfer naming no attempt, matched by its content.
pub async fn callback(
    store: &dyn Store,
    agency_id: Uuid,
    provider: &dyn PaymentProvider,
    (raw, signature): (&str, Option<&str>),
    now: NaiveDateTime,
) -> Result<Heard, AppError> {
    let kind = kind(provider)?;
    let message = store.record_payment_message(agency_id, provider.name(), raw, now).await?;
    let heard = match provider.verify_callback(raw, signature) {
        Err(ProtocolError::Signature) => Heard::BadSignature,
        Err(_) => Heard::Unreadable,
        Ok(outcome) => settle(store, agency_id, kind, outcome, now).await?,
    };
    store.set_payment_message_outcome(agency_id, message, heard.code()).await?;
    Ok(heard)
}

/// A verified outcome applied.
async fn settle(
    store: &dyn Store,
    agency_id: Uuid,
    kind: Provider,
    outcome: Outcome,
    now: NaiveDateTime,
) -> Result<Heard, AppError> {
    let (reference, amount, ok, txn) = match outcome {
        Outcome::Pending => return Ok(Heard::Ignored),
        Outcome::Transferred(credit) => {
            return Ok(match super::match_transfer(store, agency_id, &credit, None, now).await? {
                super::Matched::Credited(_) | super::Matched::Unmatched(_) => Heard::Recorded,
                super::Matched::Repeated => Heard::Already,
            });
        }
        Outcome::Succeeded { reference, amount, transaction } => (reference, Some(amount), true, transaction),
        Outcome::Failed { reference, amount } => (reference, amount, false, String::new()),
    };
    // An attempt made through another provider is not this one's to settle.
    let Some(attempt) = store.attempt_by_ref(agency_id, &reference).await?.filter(|a| a.provider == kind) else {
        return Ok(Heard::NotFound);
    };
    // A failure naming no amount is judged at the attempt's.
    let amount = amount.map_or(attempt.amount, Vnd);
    Ok(match super::confirm(store, agency_id, kind, &reference, amount, ok, &txn, now).await? {
        None => Heard::NotFound,
        Some(c) => match c.judgement {
            Judgement::Credit | Judgement::Failed => Heard::Recorded,
            Judgement::Repeat | Judgement::DoublePayment => Heard::Already,
            Judgement::WrongAmount => Heard::WrongAmount,
        },
    })
}

/// Asks `provider` about the agency's attempts it never confirmed — started between three days
/// ago and its [`PaymentProvider::ask_after`] — and applies each answer as its own confirmation
/// would (once, whoever comes first); an attempt not settled yet is asked again next round, and
/// one still open after three days expires (a confirmation that comes later is judged as ever).
/// How many were settled.
pub async fn ask_open(
    store: &dyn Store,
    t: &dyn Transport,
    provider: &dyn PaymentProvider,
    agency_id: Uuid,
    now: NaiveDateTime,
) -> Result<usize, AppError> {
    let Some(after) = provider.ask_after() else { return Ok(0) };
    let kind = kind(provider)?;
    // Past three days an attempt is no longer asked about: it expires.
    let expired = store.expire_attempts(agency_id, kind, now - Duration::days(3), now).await?;
    if expired > 0 {
        tracing::info!(expired, provider = provider.name(), "payment attempts expired unconfirmed");
    }
    let open = store.open_attempts(agency_id, kind, now - Duration::days(3), now - after).await?;
    let recording = Recording::new(t, store, agency_id, provider.name(), now);
    let mut settled = 0;
    for a in open {
        let outcome = match provider.query(&recording, &a.txn_ref, a.created_at, now).await {
            Ok(Outcome::Pending | Outcome::Transferred(_)) => continue,
            Ok(outcome) => outcome,
            Err(e) => {
                tracing::warn!(error = %e, provider = provider.name(), "payment query not answered");
                continue;
            }
        };
        match settle(store, agency_id, kind, outcome, now).await {
            Ok(Heard::Recorded | Heard::Already) => settled += 1,
            Ok(_) => {}
            Err(e @ AppError::Store(_)) => return Err(e),
            Err(e) => tracing::warn!(error = %e, provider = provider.name(), "payment query outcome not applied"),
        }
    }
    Ok(settled)
}

/// A paid attempt as the provider is asked about it, by `by`.
fn paid<'a>(attempt: &'a Attempt, by: &'a str) -> Paid<'a> {
    Paid {
        reference: &attempt.txn_ref,
        amount: attempt.amount.0,
        transaction: attempt.provider_txn.as_deref().unwrap_or(""),
        started: attempt.created_at,
        by,
    }
}

/// Asks `provider` to return money taken twice (an attempt flagged for refund); recorded and
/// audited once the provider accepts.
pub async fn refund(
    store: &dyn Store,
    t: &dyn Transport,
    provider: &dyn PaymentProvider,
    actor: &Actor,
    (agency_id, txn_ref): (Uuid, &str),
    now: NaiveDateTime,
) -> Result<Attempt, AppError> {
    let attempt = super::refundable(store, actor, agency_id, txn_ref).await?;
    let kind = kind(provider)?;
    if attempt.provider != kind {
        return Err(AppError::NotFound(format!("khoản này không hoàn trả qua {} được", kind.label_vi())));
    }
    let paid = paid(&attempt, &actor.name);
    let recording = Recording::new(t, store, agency_id, provider.name(), now);
    if let Err(e) = provider.refund(&recording, &paid, now).await {
        tracing::warn!(error = %e, provider = provider.name(), "refund not accepted");
        return Err(AppError::Conflict {
            code: "refund_refused",
            message: format!("{} chưa nhận yêu cầu hoàn tiền: {e}", kind.label_vi()),
        });
    }
    super::record_refund(store, actor, &attempt, now).await?;
    Ok(attempt)
}

/// The provider's own receipt (a PDF) of the request's payment through it: fetched once
/// (`GET_BILL` for the national platform), kept in the file store, served from there after.
pub async fn provider_receipt(
    store: &dyn Store,
    files: &FileStore,
    t: &dyn Transport,
    provider: &dyn PaymentProvider,
    (agency_id, request_id): (Uuid, Uuid),
    now: NaiveDateTime,
) -> Result<Vec<u8>, AppError> {
    let kind = kind(provider)?;
    let attempt = store
        .attempts_of(agency_id, request_id)
        .await?
        .into_iter()
        .find(|a| a.provider == kind && a.state == AttemptState::Succeeded && !a.refund_due)
        .ok_or_else(|| AppError::NotFound("yêu cầu chưa được thanh toán qua nhà cung cấp này".into()))?;
    if let Some(sha) = &attempt.provider_bill
        && let Ok(bytes) = files.get(sha).await
    {
        return Ok(bytes);
    }
    let paid = paid(&attempt, "");
    let recording = Recording::new(t, store, agency_id, provider.name(), now);
    let bytes = provider.fetch_receipt(&recording, &paid).await.map_err(|e| unavailable(kind, &e))?;
    if crate::files::sniff(&bytes) != Some("application/pdf") {
        return Err(unavailable(kind, &ProviderError::Refused("biên lai không phải tệp PDF".into())));
    }
    let sha = files.put(&bytes).await.map_err(|e| AppError::Internal(format!("lưu biên lai: {e}")))?;
    store.set_attempt_bill(agency_id, &attempt.txn_ref, &sha).await?;
    Ok(bytes)
}
