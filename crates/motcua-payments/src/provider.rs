//! One trait for every online payment provider (reference §3.3): start a payment, verify what the
//! provider calls back with, ask about an attempt it never confirmed, return money, fetch the
//! provider's own receipt — each where the provider has it. VNPAY ([`crate::vnpay::Merchant`]),
//! the national payment platform ([`crate::platform::Partner`]) and a bank account taking VietQR
//! transfers ([`crate::vietqr::Bank`]) implement it; the application works through the trait, so
//! a fourth provider is one more implementation and nothing else.
//!
//! The messages travel through a [`Transport`] the caller gives: the application's records every
//! answer as received before the provider reads it, and tests give a loopback one.

use async_trait::async_trait;
use chrono::{Duration, NaiveDateTime};
use serde_json::Value;

use crate::ProtocolError;
use crate::statement::Credit;

/// How a provider's API is reached: an HTTP POST of JSON.
#[async_trait]
pub trait Transport: Send + Sync {
    /// The answer's bytes as they came (JSON, or a receipt's PDF), to `body` posted at `url`.
    async fn post(&self, url: &str, body: &Value) -> Result<Vec<u8>, String>;

    /// The answer read as JSON.
    async fn post_json(&self, url: &str, body: &Value) -> Result<Value, String> {
        let bytes = self.post(url, body).await?;
        serde_json::from_slice(&bytes).map_err(|e| format!("câu trả lời không phải JSON: {e}"))
    }
}

/// What a new attempt asks the provider for.
#[derive(Debug, Clone)]
pub struct Charge<'a> {
    /// The attempt's reference (`vnp_TxnRef`, `MaThamChieu`, the transfer's content).
    pub reference: &'a str,
    /// In VND.
    pub amount: u64,
    /// What the payer reads ("Nop phi le phi ho so …"); sent as ASCII.
    pub info: &'a str,
    pub at: NaiveDateTime,
    /// The payer's address.
    pub ip: &'a str,
    /// Where the provider sends the payer back.
    pub return_url: &'a str,
    /// The receipt's details the platform wants with the payment (`ThongTinBienLai`).
    pub receipt: Value,
}

/// Where the payer goes next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Start {
    /// Straight to the provider's page (a URL we signed: its host is known in advance).
    Redirect(String),
    /// A link to the page the provider answered with (its host is the provider's answer).
    Link(String),
    /// A code to scan in the payer's bank app (the VietQR string).
    Qr(String),
}

/// What a provider says about a payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The attempt `reference` was paid `amount` (VND), the provider's transaction `transaction`.
    Succeeded { reference: String, amount: u64, transaction: String },
    /// The attempt did not go through (for the amount the provider names, if it names one).
    Failed { reference: String, amount: Option<u64> },
    /// Not known yet: ask again later.
    Pending,
    /// Money arrived in the agency's account, naming no attempt: matched by its content.
    Transferred(Credit),
}

/// Why a provider could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProviderError {
    #[error(transparent)]
    Protocol(#[from] ProtocolError),
    /// No answer, or not one to read: try again later.
    #[error("nhà cung cấp không trả lời: {0}")]
    Unavailable(String),
    /// A readable answer saying no.
    #[error("nhà cung cấp từ chối: {0}")]
    Refused(String),
    /// This provider does not do that.
    #[error("nhà cung cấp không hỗ trợ việc này")]
    Unsupported,
}

/// A paid attempt, as a refund or a receipt asks about it.
#[derive(Debug, Clone)]
pub struct Paid<'a> {
    pub reference: &'a str,
    pub amount: u64,
    /// The provider's transaction.
    pub transaction: &'a str,
    /// When the attempt started (the provider's transaction date).
    pub started: NaiveDateTime,
    /// Who asks (an officer's name).
    pub by: &'a str,
}

/// A payment provider. Everything but [`PaymentProvider::initiate`] and
/// [`PaymentProvider::verify_callback`] is optional: the defaults say it is not supported.
#[async_trait]
pub trait PaymentProvider: Send + Sync {
    /// Its name as attempts record it (`vnpay`, `platform`, `vietqr`).
    fn name(&self) -> &'static str;

    /// How old an unconfirmed attempt must be before it is asked about; `None` when the provider
    /// cannot be asked.
    fn ask_after(&self) -> Option<Duration> {
        None
    }

    /// Starts a payment.
    async fn initiate(&self, t: &dyn Transport, c: &Charge<'_>) -> Result<Start, ProviderError>;

    /// What a callback says, once it is proven the provider's: `raw` as received (a query
    /// string, a JSON body) and the signature header when the provider sends one.
    fn verify_callback(&self, raw: &str, signature: Option<&str>) -> Result<Outcome, ProtocolError>;

    /// Asks how the attempt `reference`, started at `started`, ended.
    async fn query(
        &self,
        _t: &dyn Transport,
        _reference: &str,
        _started: NaiveDateTime,
        _now: NaiveDateTime,
    ) -> Result<Outcome, ProviderError> {
        Err(ProviderError::Unsupported)
    }

    /// Returns a paid attempt's money in full; `Ok` once the provider accepted.
    async fn refund(&self, _t: &dyn Transport, _paid: &Paid<'_>, _now: NaiveDateTime) -> Result<(), ProviderError> {
        Err(ProviderError::Unsupported)
    }

    /// The provider's own receipt of a paid attempt (a PDF).
    async fn fetch_receipt(&self, _t: &dyn Transport, _paid: &Paid<'_>) -> Result<Vec<u8>, ProviderError> {
        Err(ProviderError::Unsupported)
    }
}
