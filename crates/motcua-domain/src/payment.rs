//! Fees paid for a dossier (`payments-pakn-portal.md` §1–3, `vn-regulatory.md` §10): a payment
//! request built from the dossier's fee lines (phí and lệ phí apart), attempts through a provider,
//! the judgement of a provider's confirmation, and the e-receipts issued at collection.
//!
//! Money is never counted twice: a confirmation is judged against the request and the attempt
//! it names ([`judge`]); a second success for a request already paid is a [`Judgement::DoublePayment`]
//! to refund, never a second credit. Pure: the store makes the judgement and its writes one
//! transaction.

use chrono::{Datelike, NaiveDateTime};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::catalog::{FeeKind, FeeLine};
use crate::dossier::{Dossier, State};
use crate::error::DomainError;
use crate::types::{Vnd, amount_in_words};

/// Who carries the money.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Provider {
    Vnpay,
    /// A bank transfer through a VietQR code, matched from the bank's statement.
    VietQr,
    /// The national payment platform.
    Platform,
    /// Cash at the counter.
    Cash,
    /// A bank transfer recorded by the counter.
    Transfer,
}

impl Provider {
    pub const ALL: [Provider; 5] =
        [Provider::Vnpay, Provider::VietQr, Provider::Platform, Provider::Cash, Provider::Transfer];

    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Vnpay => "vnpay",
            Provider::VietQr => "vietqr",
            Provider::Platform => "platform",
            Provider::Cash => "cash",
            Provider::Transfer => "transfer",
        }
    }

    pub fn parse(s: &str) -> Option<Provider> {
        Provider::ALL.into_iter().find(|p| p.as_str() == s)
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Provider::Vnpay => "Cổng VNPAY",
            Provider::VietQr => "Chuyển khoản qua mã VietQR",
            Provider::Platform => "Nền tảng thanh toán của Cổng Dịch vụ công quốc gia",
            Provider::Cash => "Tiền mặt tại bộ phận một cửa",
            Provider::Transfer => "Chuyển khoản (bộ phận một cửa ghi nhận)",
        }
    }

    /// How a receipt names the method: online (TTO), cash (TM) or transfer (CK).
    pub fn method_vi(self) -> &'static str {
        match self {
            Provider::Vnpay | Provider::Platform => "Thanh toán trực tuyến",
            Provider::VietQr | Provider::Transfer => "Chuyển khoản",
            Provider::Cash => "Tiền mặt",
        }
    }

    /// Paid online, as Decision 766 indicators 3.5 and 3.6 count it.
    pub fn online(self) -> bool {
        matches!(self, Provider::Vnpay | Provider::Platform | Provider::VietQr)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RequestState {
    Awaiting,
    Paid,
    Cancelled,
    Refunded,
}

impl RequestState {
    pub fn as_str(self) -> &'static str {
        match self {
            RequestState::Awaiting => "awaiting",
            RequestState::Paid => "paid",
            RequestState::Cancelled => "cancelled",
            RequestState::Refunded => "refunded",
        }
    }

    pub fn parse(s: &str) -> Option<RequestState> {
        [RequestState::Awaiting, RequestState::Paid, RequestState::Cancelled, RequestState::Refunded]
            .into_iter()
            .find(|x| x.as_str() == s)
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            RequestState::Awaiting => "Chờ thanh toán",
            RequestState::Paid => "Đã thanh toán",
            RequestState::Cancelled => "Hủy thanh toán",
            RequestState::Refunded => "Đã hoàn phí",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AttemptState {
    Initiated,
    Pending,
    Succeeded,
    Failed,
    Expired,
}

impl AttemptState {
    pub fn as_str(self) -> &'static str {
        match self {
            AttemptState::Initiated => "initiated",
            AttemptState::Pending => "pending",
            AttemptState::Succeeded => "succeeded",
            AttemptState::Failed => "failed",
            AttemptState::Expired => "expired",
        }
    }

    pub fn parse(s: &str) -> Option<AttemptState> {
        use AttemptState::*;
        [Initiated, Pending, Succeeded, Failed, Expired].into_iter().find(|x| x.as_str() == s)
    }
}

/// One line of a payment request: a fee or a charge of the dossier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RequestLine {
    pub kind: FeeKind,
    pub name: String,
    /// What is paid (after an exemption or reduction).
    #[schema(value_type = u64)]
    pub amount: Vnd,
    /// Its code in the fee schedule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_basis: Option<String>,
    /// The reduction applied ("Giảm 50% cho Người có công…").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reduction: Option<String>,
}

/// What the dossier's applicant pays: the amount the appraisal fixed when the latest request for
/// payment named one (`Dossier::assessed_fee`), else each fee line of its channel with an
/// amount, reduced for the applicant's group when the counter checked one
/// (`Dossier::fee_reduction`); a line the group is exempt from is left out.
pub fn lines_of(dossier: &Dossier) -> Vec<RequestLine> {
    // The amount the appraisal fixed replaces the schedule's lines (it has no reduction left).
    if let Some(f) = &dossier.assessed_fee {
        return vec![RequestLine {
            kind: f.kind.unwrap_or(FeeKind::Charge),
            name: f.name.clone(),
            amount: f.amount,
            code: None,
            legal_basis: None,
            reduction: None,
        }];
    }
    dossier
        .fees
        .iter()
        .filter(|f: &&FeeLine| f.amount.0 > 0 && (f.channels.is_empty() || f.channels.contains(&dossier.channel)))
        .filter_map(|f| {
            let reduction = dossier.fee_reduction.as_ref().and_then(|who| f.reductions.iter().find(|r| r.who == *who));
            let amount = reduction.map_or(f.amount, |r| r.apply(f.amount));
            (amount.0 > 0).then(|| RequestLine {
                kind: f.kind.unwrap_or_else(|| kind_by_name(&f.name)),
                name: f.name.clone(),
                amount,
                code: f.code.clone(),
                legal_basis: f.legal_basis.clone(),
                reduction: reduction.map(crate::catalog::Reduction::describe_vi),
            })
        })
        .collect()
}

/// Whether the applicant may pay the dossier's fees now: it asks for them (awaiting payment),
/// or it was accepted with fees of its channel that the counter did not collect, and its
/// result is not yet handed over (the fees a procedure takes at submission, paid online).
pub fn payable(dossier: &Dossier) -> bool {
    if dossier.code.is_none() {
        return false;
    }
    match dossier.state {
        State::AwaitingPayment => true,
        State::Submitted | State::NeedsCompletion => false,
        s if s.is_terminal() => false,
        _ => !dossier.fees_paid && !lines_of(dossier).is_empty(),
    }
}

/// What a dossier's applicant is asked to pay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PaymentRequest {
    pub id: Uuid,
    pub agency_id: Uuid,
    pub dossier_id: Uuid,
    pub dossier_code: String,
    /// The reference every provider carries (letters and digits only: bank apps drop the rest),
    /// unique in the agency.
    pub reference: String,
    pub payer: String,
    pub lines: Vec<RequestLine>,
    #[schema(value_type = u64)]
    pub total: Vnd,
    pub state: RequestState,
    #[schema(value_type = String)]
    pub created_at: NaiveDateTime,
    #[schema(value_type = Option<String>)]
    pub paid_at: Option<NaiveDateTime>,
    /// The attempt that paid it.
    pub paid_by: Option<Uuid>,
    pub version: i64,
}

/// The kind of a fee line written before phí and lệ phí were kept apart, by its name: "Lệ phí …"
/// is a charge, "Phí …" a fee; a name that says neither is taken as a charge (the budget's).
pub fn kind_by_name(name: &str) -> FeeKind {
    let folded = crate::text::fold(name);
    if folded.starts_with("phi ") || folded == "phi" { FeeKind::Fee } else { FeeKind::Charge }
}

/// Letters and digits of `s`, upper case.
pub fn alphanumeric(s: &str) -> String {
    s.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_uppercase()).collect()
}

impl RequestLine {
    /// A line with no code, legal basis or reduction.
    pub fn plain(kind: FeeKind, name: impl Into<String>, amount: Vnd) -> RequestLine {
        RequestLine { kind, name: name.into(), amount, code: None, legal_basis: None, reduction: None }
    }
}

impl PaymentRequest {
    /// The request for a dossier's fees by its channel (a line that names channels applies only
    /// to those), the `n`-th for the dossier; a dossier with nothing to pay has none.
    pub fn for_dossier(id: Uuid, dossier: &Dossier, n: u32, now: NaiveDateTime) -> Result<PaymentRequest, DomainError> {
        let code = dossier
            .code
            .as_ref()
            .ok_or_else(|| DomainError::Rule("hồ sơ chưa có mã: chưa thể yêu cầu nộp phí".into()))?;
        let lines = lines_of(dossier);
        let total: Vnd = lines.iter().map(|l| l.amount).sum();
        if total.0 == 0 {
            return Err(DomainError::Rule(match &dossier.fee_reduction {
                Some(who) => format!("{who} được miễn phí, lệ phí của thủ tục"),
                None => "thủ tục không thu phí, lệ phí theo cách nộp này".into(),
            }));
        }
        Ok(PaymentRequest {
            id,
            agency_id: dossier.agency_id,
            dossier_id: dossier.id,
            dossier_code: code.to_string(),
            reference: format!("{}P{n}", alphanumeric(code.as_str())),
            payer: dossier.applicant.name.clone(),
            lines,
            total,
            state: RequestState::Awaiting,
            created_at: now,
            paid_at: None,
            paid_by: None,
            version: 1,
        })
    }
}

/// One try to pay a request through a provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Attempt {
    pub id: Uuid,
    pub agency_id: Uuid,
    pub request_id: Uuid,
    pub provider: Provider,
    /// Our reference for this attempt (`vnp_TxnRef`, `MaThamChieu`): the request's and a number.
    pub txn_ref: String,
    #[schema(value_type = u64)]
    pub amount: Vnd,
    pub state: AttemptState,
    /// The provider's transaction number, once it confirmed.
    pub provider_txn: Option<String>,
    /// It succeeded for a request already paid (or cancelled): the money is to be returned.
    #[serde(default)]
    pub refund_due: bool,
    /// When the provider accepted to return it.
    #[serde(default)]
    pub refunded_at: Option<NaiveDateTime>,
    #[schema(value_type = String)]
    pub created_at: NaiveDateTime,
    #[schema(value_type = Option<String>)]
    pub finished_at: Option<NaiveDateTime>,
    /// The provider's own receipt (the national platform's `GET_BILL` PDF), once fetched: its
    /// SHA-256 in the file store.
    #[serde(default)]
    pub provider_bill: Option<String>,
}

impl Attempt {
    /// The `n`-th attempt at `request` through `provider`.
    pub fn start(
        id: Uuid,
        request: &PaymentRequest,
        provider: Provider,
        n: u32,
        now: NaiveDateTime,
    ) -> Result<Attempt, DomainError> {
        if request.state != RequestState::Awaiting {
            return Err(DomainError::Rule(format!(
                "yêu cầu nộp phí {}: {}",
                request.reference,
                request.state.label_vi()
            )));
        }
        Ok(Attempt {
            id,
            agency_id: request.agency_id,
            request_id: request.id,
            provider,
            txn_ref: format!("{}T{n}", request.reference),
            amount: request.total,
            state: AttemptState::Initiated,
            provider_txn: None,
            refund_due: false,
            refunded_at: None,
            created_at: now,
            finished_at: None,
            provider_bill: None,
        })
    }
}

/// What a provider's verified confirmation of an attempt means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Judgement {
    /// The request is paid by this attempt: credit it, issue the receipts, resume the clock.
    Credit,
    /// The same confirmation again (a provider's retry): nothing changes.
    Repeat,
    /// The provider says it did not go through: the attempt failed, the request still waits.
    Failed,
    /// The amount is not the attempt's: refused, nothing changes.
    WrongAmount,
    /// A success for a request already paid by another attempt: flagged for refund, never credited.
    DoublePayment,
}

/// Judges a confirmation of `attempt` (of `request`) for `amount`, `succeeded` or not, with the
/// provider's transaction number.
pub fn judge(
    request: &PaymentRequest,
    attempt: &Attempt,
    amount: Vnd,
    succeeded: bool,
    provider_txn: &str,
) -> Judgement {
    if amount != attempt.amount {
        return Judgement::WrongAmount;
    }
    let same_txn = attempt.provider_txn.as_deref() == Some(provider_txn);
    match (attempt.state, succeeded) {
        (AttemptState::Succeeded, _) if same_txn => Judgement::Repeat,
        // Another transaction for an attempt already paid: money arrived twice.
        (AttemptState::Succeeded, true) => Judgement::DoublePayment,
        (AttemptState::Succeeded, false) | (AttemptState::Failed, false) => Judgement::Repeat,
        (_, false) => Judgement::Failed,
        // Paid by another attempt, or cancelled: the money goes back.
        _ if request.state != RequestState::Awaiting => Judgement::DoublePayment,
        _ => Judgement::Credit,
    }
}

/// A receipt series: the template symbol (`EBL01` without a printed denomination, `EBL02` with)
/// and the receipt symbol (two digits of the year, `T`, two letters of the allowed set: `26TAA`),
/// Circular 91/2026 Annex II.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Series {
    pub template: String,
    /// The symbol's letters after `T` (`AA`); the year's two digits are added per year.
    pub letters: String,
}

impl Series {
    const LETTERS: &'static str = "ABCDEGHKLMNPQRSTUVXY";

    pub fn parse(template: &str, letters: &str) -> Result<Series, DomainError> {
        if !matches!(template, "EBL01" | "EBL02") {
            return Err(DomainError::field("receipt_template", "ký hiệu mẫu là EBL01 hoặc EBL02"));
        }
        if letters.chars().count() != 2 || !letters.chars().all(|c| Self::LETTERS.contains(c)) {
            return Err(DomainError::field(
                "receipt_letters",
                "hai chữ cái trong A B C D E G H K L M N P Q R S T U V X Y",
            ));
        }
        Ok(Series { template: template.into(), letters: letters.into() })
    }

    /// The receipt symbol for a year: `26TAA`.
    pub fn symbol(&self, year: i32) -> String {
        format!("{:02}T{}", year.rem_euclid(100), self.letters)
    }
}

impl Default for Series {
    fn default() -> Self {
        Series { template: "EBL01".into(), letters: "AA".into() }
    }
}

/// The largest receipt number (at most 8 digits).
pub const RECEIPT_MAX: u32 = 99_999_999;

/// An e-receipt (biên lai điện tử) as issued at collection: Decree 254/2026 Art. 23(2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Receipt {
    pub id: Uuid,
    pub agency_id: Uuid,
    pub request_id: Uuid,
    pub dossier_code: String,
    pub kind: FeeKind,
    pub template: String,
    pub symbol: String,
    pub year: i32,
    /// Given by the store in the same transaction as the payment's confirmation.
    pub number: u32,
    #[schema(value_type = String)]
    pub issued_at: NaiveDateTime,
    pub payer: String,
    pub lines: Vec<RequestLine>,
    #[schema(value_type = u64)]
    pub amount: Vnd,
    pub amount_words: String,
    pub method: String,
    /// Digitally signed by the agency's signing provider (the worker signs new receipts when
    /// one is configured); until then the receipt says it is not.
    pub signed: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<ReceiptSignature>,
    pub cancelled: bool,
    /// Why it was cancelled.
    #[serde(default)]
    pub cancel_reason: Option<String>,
    /// The receipt this one replaces.
    pub replaces: Option<Uuid>,
}

/// A receipt's digital signature, as the signing provider gave it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReceiptSignature {
    /// Whose certificate signed (the collecting organisation).
    pub signer: String,
    /// The certificate's serial number.
    pub certificate: String,
    /// The signature, as the provider encodes it.
    pub value: String,
    /// The SHA-256 (hex) of the content signed ([`Receipt::signed_content`]).
    pub sha256: String,
    #[schema(value_type = String)]
    pub signed_at: NaiveDateTime,
}

impl Receipt {
    /// What is signed: the receipt as issued (JSON), without what happens to it afterwards
    /// (cancellation, the signature itself).
    pub fn signed_content(&self) -> String {
        let issued = Receipt { signed: false, signature: None, cancelled: false, cancel_reason: None, ..self.clone() };
        serde_json::to_string(&issued).unwrap_or_default()
    }

    /// The number as printed: eight digits.
    pub fn number_text(&self) -> String {
        format!("{:08}", self.number)
    }

    /// Its replacement, issued at `now` with the payer's name corrected (numbered later): the
    /// same lines and amount, linked to this one.
    pub fn replacement(&self, payer: &str, now: NaiveDateTime) -> Result<Receipt, DomainError> {
        if self.cancelled {
            return Err(DomainError::Rule("biên lai đã bị hủy".into()));
        }
        let payer = crate::text::clean(payer.trim(), crate::text::NAME_MAX, false)
            .map_err(|e| DomainError::field("payer", e))?;
        if payer.is_empty() {
            return Err(DomainError::field("payer", "cần họ tên người nộp"));
        }
        Ok(Receipt {
            id: Uuid::now_v7(),
            number: 0,
            issued_at: now,
            year: now.year(),
            symbol: Series { template: self.template.clone(), letters: self.symbol.chars().skip(3).collect() }
                .symbol(now.year()),
            payer,
            signed: false,
            signature: None,
            cancelled: false,
            cancel_reason: None,
            replaces: Some(self.id),
            ..self.clone()
        })
    }
}

/// A payer's name as a receipt prints it: checked, required.
pub fn payer_name(s: &str) -> Result<String, DomainError> {
    let payer =
        crate::text::clean(s.trim(), crate::text::NAME_MAX, false).map_err(|e| DomainError::field("payer", e))?;
    if payer.is_empty() {
        return Err(DomainError::field("payer", "cần họ tên người nộp"));
    }
    Ok(payer)
}

/// The receipts a paid request gets: one per kind (phí, lệ phí) with an amount, numbered later.
pub fn receipts_for(request: &PaymentRequest, series: &Series, provider: Provider, now: NaiveDateTime) -> Vec<Receipt> {
    [FeeKind::Fee, FeeKind::Charge]
        .into_iter()
        .filter_map(|kind| {
            let lines: Vec<RequestLine> = request.lines.iter().filter(|l| l.kind == kind).cloned().collect();
            let amount: Vnd = lines.iter().map(|l| l.amount).sum();
            (amount.0 > 0).then(|| Receipt {
                id: Uuid::now_v7(),
                agency_id: request.agency_id,
                request_id: request.id,
                dossier_code: request.dossier_code.clone(),
                kind,
                template: series.template.clone(),
                symbol: series.symbol(now.year()),
                year: now.year(),
                number: 0,
                issued_at: now,
                payer: request.payer.clone(),
                lines,
                amount,
                amount_words: amount_in_words(amount.0),
                method: provider.method_vi().to_owned(),
                signed: false,
                signature: None,
                cancelled: false,
                cancel_reason: None,
                replaces: None,
            })
        })
        .collect()
}
