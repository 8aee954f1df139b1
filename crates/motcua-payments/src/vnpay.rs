//! VNPAY's payment gateway, version 2.1.0 (reference §2): the payment URL, the return URL and the
//! IPN, all signed the same way — every `vnp_*` parameter but the hash itself, empty ones dropped,
//! keys sorted, keys and values form-urlencoded (space as `+`), joined with `&`, HMAC-SHA512 with
//! the merchant's hash secret, lower-case hex. The return URL is for display only; the IPN is
//! authoritative and is answered with one of [`IpnAnswer`]'s codes.

use chrono::NaiveDateTime;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha512;

use crate::ProtocolError;

/// What the merchant's contract gives.
#[derive(Debug, Clone)]
pub struct Merchant {
    pub tmn_code: String,
    pub hash_secret: String,
    /// The payment page (`https://sandbox.vnpayment.vn/paymentv2/vpcpay.html` in the sandbox).
    pub pay_url: String,
    /// The merchant API for `querydr` and refunds
    /// (`https://sandbox.vnpayment.vn/merchant_webapi/api/transaction` in the sandbox).
    pub api_url: String,
}

/// The signed string of `params` (`vnp_SecureHash` and `vnp_SecureHashType` left out).
pub fn canonical(params: &[(String, String)]) -> String {
    let mut kept: Vec<&(String, String)> = params
        .iter()
        .filter(|(k, v)| k.starts_with("vnp_") && k != "vnp_SecureHash" && k != "vnp_SecureHashType" && !v.is_empty())
        .collect();
    kept.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (k, v) in kept {
        out.append_pair(k, v);
    }
    out.finish()
}

/// HMAC-SHA512 of `message` with `secret`, lower-case hex.
pub fn hmac_hex(secret: &str, message: &str) -> String {
    // HMAC takes a key of any length: this never fails.
    let mut mac = <Hmac<Sha512> as KeyInit>::new_from_slice(secret.as_bytes()).unwrap_or_else(|_| unreachable!());
    mac.update(message.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Whether `params` carry the signature their other fields give.
pub fn verify(secret: &str, params: &[(String, String)]) -> Result<(), ProtocolError> {
    let received = params
        .iter()
        .find(|(k, _)| k == "vnp_SecureHash")
        .map(|(_, v)| v.to_ascii_lowercase())
        .ok_or(ProtocolError::Missing("vnp_SecureHash"))?;
    let expected = hmac_hex(secret, &canonical(params));
    let same = expected.len() == received.len()
        && bool::from(subtle::ConstantTimeEq::ct_eq(expected.as_bytes(), received.as_bytes()));
    if same { Ok(()) } else { Err(ProtocolError::Signature) }
}

/// One payment attempt as VNPAY is asked for it.
#[derive(Debug, Clone)]
pub struct Payment<'a> {
    /// Unique per attempt, letters, digits and `-` only.
    pub txn_ref: &'a str,
    pub amount_vnd: u64,
    /// What the payer reads (made ASCII here).
    pub order_info: &'a str,
    pub return_url: &'a str,
    pub ip: &'a str,
    /// Local time (Asia/Ho_Chi_Minh).
    pub created: NaiveDateTime,
    pub expires: NaiveDateTime,
    /// `vn` or `en`.
    pub locale: &'a str,
}

/// The signed URL the payer's browser is sent to.
pub fn pay_url(m: &Merchant, p: &Payment<'_>) -> String {
    let fmt = |t: NaiveDateTime| t.format("%Y%m%d%H%M%S").to_string();
    let params: Vec<(String, String)> = [
        ("vnp_Version", "2.1.0".to_owned()),
        ("vnp_Command", "pay".to_owned()),
        ("vnp_TmnCode", m.tmn_code.clone()),
        ("vnp_Amount", (p.amount_vnd * 100).to_string()),
        ("vnp_CurrCode", "VND".to_owned()),
        ("vnp_TxnRef", crate::ascii_text(p.txn_ref, 100)),
        ("vnp_OrderInfo", crate::ascii_text(p.order_info, 255)),
        ("vnp_OrderType", "other".to_owned()),
        ("vnp_Locale", if p.locale == "en" { "en" } else { "vn" }.to_owned()),
        ("vnp_ReturnUrl", p.return_url.to_owned()),
        ("vnp_IpAddr", p.ip.to_owned()),
        ("vnp_CreateDate", fmt(p.created)),
        ("vnp_ExpireDate", fmt(p.expires)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let query = canonical(&params);
    let hash = hmac_hex(&m.hash_secret, &query);
    format!("{}?{query}&vnp_SecureHash={hash}", m.pay_url)
}

/// What a verified return URL or IPN says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub tmn_code: String,
    pub txn_ref: String,
    /// In VND (`vnp_Amount` / 100).
    pub amount_vnd: u64,
    /// VNPAY's transaction number.
    pub transaction_no: String,
    pub bank_code: String,
    pub response_code: String,
    pub transaction_status: String,
    /// `vnp_PayDate`, local time.
    pub pay_date: Option<NaiveDateTime>,
}

impl Outcome {
    /// Paid: both codes are `00`.
    pub fn succeeded(&self) -> bool {
        self.response_code == "00" && self.transaction_status == "00"
    }
}

/// Reads a return URL's or an IPN's parameters once their signature is checked.
pub fn read(secret: &str, params: &[(String, String)]) -> Result<Outcome, ProtocolError> {
    verify(secret, params)?;
    let get = |k: &'static str| params.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());
    let need = |k: &'static str| get(k).ok_or(ProtocolError::Missing(k));
    let amount: u64 = need("vnp_Amount")?
        .parse()
        .ok()
        .filter(|a: &u64| a.is_multiple_of(100))
        .ok_or(ProtocolError::Invalid { field: "vnp_Amount", why: "không phải số tiền × 100".into() })?;
    Ok(Outcome {
        tmn_code: need("vnp_TmnCode")?,
        txn_ref: need("vnp_TxnRef")?,
        amount_vnd: amount / 100,
        transaction_no: get("vnp_TransactionNo").unwrap_or_default(),
        bank_code: get("vnp_BankCode").unwrap_or_default(),
        response_code: need("vnp_ResponseCode")?,
        transaction_status: get("vnp_TransactionStatus").unwrap_or_default(),
        pay_date: get("vnp_PayDate").and_then(|d| NaiveDateTime::parse_from_str(&d, "%Y%m%d%H%M%S").ok()),
    })
}

/// The IPN's answer (VNPAY's sample codes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IpnAnswer {
    /// Recorded (a failed payment recorded as failed too).
    Confirmed,
    OrderNotFound,
    AlreadyConfirmed,
    InvalidAmount,
    InvalidSignature,
    Unknown,
}

impl IpnAnswer {
    pub fn code(self) -> &'static str {
        match self {
            IpnAnswer::Confirmed => "00",
            IpnAnswer::OrderNotFound => "01",
            IpnAnswer::AlreadyConfirmed => "02",
            IpnAnswer::InvalidAmount => "04",
            IpnAnswer::InvalidSignature => "97",
            IpnAnswer::Unknown => "99",
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            IpnAnswer::Confirmed => "Confirm Success",
            IpnAnswer::OrderNotFound => "Order not found",
            IpnAnswer::AlreadyConfirmed => "Order already confirmed",
            IpnAnswer::InvalidAmount => "Invalid amount",
            IpnAnswer::InvalidSignature => "Invalid signature",
            IpnAnswer::Unknown => "Unknown error",
        }
    }

    /// The JSON VNPAY expects: `{"RspCode":"00","Message":"Confirm Success"}`.
    pub fn json(self) -> String {
        format!(r#"{{"RspCode":"{}","Message":"{}"}}"#, self.code(), self.message())
    }
}

/// The `querydr` request about an attempt created at `transaction_date` (its `vnp_CreateDate`),
/// signed over `RequestId|Version|Command|TmnCode|TxnRef|TransactionDate|CreateDate|IpAddr|OrderInfo`.
pub fn querydr(
    m: &Merchant,
    request_id: &str,
    txn_ref: &str,
    transaction_date: NaiveDateTime,
    now: NaiveDateTime,
    ip: &str,
) -> serde_json::Value {
    let (tdate, cdate) = (transaction_date.format("%Y%m%d%H%M%S").to_string(), now.format("%Y%m%d%H%M%S").to_string());
    let info = format!("Truy van giao dich {txn_ref}");
    let signed = [request_id, "2.1.0", "querydr", &m.tmn_code, txn_ref, &tdate, &cdate, ip, &info].join("|");
    serde_json::json!({
        "vnp_RequestId": request_id, "vnp_Version": "2.1.0", "vnp_Command": "querydr", "vnp_TmnCode": m.tmn_code,
        "vnp_TxnRef": txn_ref, "vnp_OrderInfo": info, "vnp_TransactionDate": tdate, "vnp_CreateDate": cdate,
        "vnp_IpAddr": ip, "vnp_SecureHash": hmac_hex(&m.hash_secret, &signed),
    })
}

/// The fields a `querydr` answer is signed over, in order.
const ANSWER_KEYS: [&str; 15] = [
    "vnp_ResponseId",
    "vnp_Command",
    "vnp_ResponseCode",
    "vnp_Message",
    "vnp_TmnCode",
    "vnp_TxnRef",
    "vnp_Amount",
    "vnp_BankCode",
    "vnp_PayDate",
    "vnp_TransactionNo",
    "vnp_TransactionType",
    "vnp_TransactionStatus",
    "vnp_OrderInfo",
    "vnp_PromotionCode",
    "vnp_PromotionAmount",
];

/// A merchant-API answer's fields, as text, once its signature over `keys` (their values joined
/// by `|`) is checked.
fn checked<'a>(
    m: &Merchant,
    v: &'a serde_json::Value,
    keys: &[&str],
) -> Result<impl Fn(&str) -> String + 'a, ProtocolError> {
    let f = |k: &str| match &v[k] {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Number(n) => n.to_string(),
        _ => String::new(),
    };
    let signed = keys.iter().map(|k| f(k)).collect::<Vec<_>>().join("|");
    let expected = hmac_hex(&m.hash_secret, &signed);
    let received = f("vnp_SecureHash").to_ascii_lowercase();
    if expected.len() != received.len()
        || !bool::from(subtle::ConstantTimeEq::ct_eq(expected.as_bytes(), received.as_bytes()))
    {
        return Err(ProtocolError::Signature);
    }
    Ok(f)
}

/// What a `querydr` answer says about the attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Queried {
    /// Paid: the amount in VND and VNPAY's transaction number.
    Paid { amount_vnd: u64, transaction_no: String },
    /// Did not go through (an error, or VNPAY has no such transaction).
    Failed,
    /// Not settled yet.
    Pending,
}

/// Reads a `querydr` answer once its signature (over `ResponseId|Command|ResponseCode|Message|
/// TmnCode|TxnRef|Amount|BankCode|PayDate|TransactionNo|TransactionType|TransactionStatus|
/// OrderInfo|PromotionCode|PromotionAmount`) is checked.
pub fn querydr_answer(m: &Merchant, v: &serde_json::Value) -> Result<Queried, ProtocolError> {
    let f = checked(m, v, &ANSWER_KEYS)?;
    Ok(match (f("vnp_ResponseCode").as_str(), f("vnp_TransactionStatus").as_str()) {
        ("00", "00") => Queried::Paid {
            amount_vnd: f("vnp_Amount")
                .parse::<u64>()
                .map_err(|_| ProtocolError::Invalid { field: "vnp_Amount", why: "không phải số".into() })?
                / 100,
            transaction_no: f("vnp_TransactionNo"),
        },
        ("00", "01") => Queried::Pending,
        ("00", _) | ("91", _) => Queried::Failed,
        _ => Queried::Pending,
    })
}

/// A full refund (`vnp_TransactionType = 02`) of a paid transaction, signed over
/// `RequestId|Version|Command|TmnCode|TransactionType|TxnRef|Amount|TransactionNo|TransactionDate|
/// CreateBy|CreateDate|IpAddr|OrderInfo`.
#[allow(clippy::too_many_arguments)]
pub fn refund(
    m: &Merchant,
    request_id: &str,
    txn_ref: &str,
    amount_vnd: u64,
    transaction_no: &str,
    transaction_date: NaiveDateTime,
    create_by: &str,
    now: NaiveDateTime,
) -> serde_json::Value {
    let (tdate, cdate) = (transaction_date.format("%Y%m%d%H%M%S").to_string(), now.format("%Y%m%d%H%M%S").to_string());
    let amount = (amount_vnd * 100).to_string();
    let info = format!("Hoan tien giao dich {txn_ref}");
    let by = crate::ascii_text(create_by, 60);
    let transaction_no = if transaction_no.is_empty() { "0" } else { transaction_no };
    let signed = [
        request_id,
        "2.1.0",
        "refund",
        &m.tmn_code,
        "02",
        txn_ref,
        &amount,
        transaction_no,
        &tdate,
        &by,
        &cdate,
        "127.0.0.1",
        &info,
    ]
    .join("|");
    serde_json::json!({
        "vnp_RequestId": request_id, "vnp_Version": "2.1.0", "vnp_Command": "refund", "vnp_TmnCode": m.tmn_code,
        "vnp_TransactionType": "02", "vnp_TxnRef": txn_ref, "vnp_Amount": amount, "vnp_TransactionNo": transaction_no,
        "vnp_TransactionDate": tdate, "vnp_CreateBy": by, "vnp_CreateDate": cdate, "vnp_IpAddr": "127.0.0.1",
        "vnp_OrderInfo": info, "vnp_SecureHash": hmac_hex(&m.hash_secret, &signed),
    })
}

/// Whether a refund answer (its signature over `ResponseId|Command|ResponseCode|Message|TmnCode|
/// TxnRef|Amount|BankCode|PayDate|TransactionNo|TransactionType|TransactionStatus|OrderInfo`
/// checked, whenever it carries one) says the refund is accepted: `00`, or `94` (already asked).
pub fn refund_answer(m: &Merchant, v: &serde_json::Value) -> Result<bool, ProtocolError> {
    // A refund's answer is signed over the same fields without the promotion's.
    let f = checked(m, v, &ANSWER_KEYS[..13])?;
    Ok(matches!(f("vnp_ResponseCode").as_str(), "00" | "94"))
}

/// The signature VNPAY puts on a `querydr` answer (for a loopback VNPAY in tests).
pub fn querydr_answer_hash(m: &Merchant, fields: &[&str]) -> String {
    hmac_hex(&m.hash_secret, &fields.join("|"))
}

/// What a payer reads for VNPAY's response code.
pub fn response_vi(code: &str) -> &'static str {
    match code {
        "00" => "Giao dịch thành công",
        "07" => "Trừ tiền thành công, giao dịch bị nghi ngờ",
        "09" => "Thẻ/tài khoản chưa đăng ký dịch vụ Internet Banking",
        "10" => "Xác thực thông tin thẻ/tài khoản không đúng quá 3 lần",
        "11" => "Đã hết hạn chờ thanh toán",
        "12" => "Thẻ/tài khoản bị khóa",
        "13" => "Nhập sai mật khẩu xác thực giao dịch (OTP)",
        "24" => "Khách hàng hủy giao dịch",
        "51" => "Tài khoản không đủ số dư",
        "65" => "Tài khoản đã vượt quá hạn mức giao dịch trong ngày",
        "75" => "Ngân hàng thanh toán đang bảo trì",
        "79" => "Nhập sai mật khẩu thanh toán quá số lần quy định",
        _ => "Giao dịch không thành công",
    }
}

/// A `vnp_RequestId` unique to an attempt and a moment (32 hex digits).
fn request_id(reference: &str, now: NaiveDateTime) -> String {
    use sha2::Digest;
    let seed = format!("{reference}|{}", now.and_utc().timestamp_nanos_opt().unwrap_or_default());
    hex::encode(sha2::Sha256::digest(seed.as_bytes()))[..32].to_owned()
}

#[async_trait::async_trait]
impl crate::provider::PaymentProvider for Merchant {
    fn name(&self) -> &'static str {
        "vnpay"
    }

    /// VNPAY's payment page expires after fifteen minutes: an attempt still open then is asked.
    fn ask_after(&self) -> Option<chrono::Duration> {
        Some(chrono::Duration::minutes(15))
    }

    async fn initiate(
        &self,
        _t: &dyn crate::provider::Transport,
        c: &crate::provider::Charge<'_>,
    ) -> Result<crate::provider::Start, crate::provider::ProviderError> {
        let payment = Payment {
            txn_ref: c.reference,
            amount_vnd: c.amount,
            order_info: c.info,
            return_url: c.return_url,
            ip: c.ip,
            created: c.at,
            expires: c.at + chrono::Duration::minutes(15),
            locale: "vn",
        };
        Ok(crate::provider::Start::Redirect(pay_url(self, &payment)))
    }

    /// The IPN's query string: signed by this merchant's secret and naming its TMN code.
    fn verify_callback(&self, raw: &str, _signature: Option<&str>) -> Result<crate::provider::Outcome, ProtocolError> {
        let params: Vec<(String, String)> = form_urlencoded::parse(raw.as_bytes()).into_owned().collect();
        let o = read(&self.hash_secret, &params)?;
        if o.tmn_code != self.tmn_code {
            return Err(ProtocolError::Signature);
        }
        Ok(if o.succeeded() {
            crate::provider::Outcome::Succeeded {
                reference: o.txn_ref,
                amount: o.amount_vnd,
                transaction: o.transaction_no,
            }
        } else {
            crate::provider::Outcome::Failed { reference: o.txn_ref, amount: Some(o.amount_vnd) }
        })
    }

    async fn query(
        &self,
        t: &dyn crate::provider::Transport,
        reference: &str,
        started: NaiveDateTime,
        now: NaiveDateTime,
    ) -> Result<crate::provider::Outcome, crate::provider::ProviderError> {
        use crate::provider::{Outcome as O, ProviderError};
        let body = querydr(self, &request_id(reference, now), reference, started, now, "127.0.0.1");
        let answer = t.post_json(&self.api_url, &body).await.map_err(ProviderError::Unavailable)?;
        Ok(match querydr_answer(self, &answer)? {
            Queried::Paid { amount_vnd, transaction_no } => {
                O::Succeeded { reference: reference.to_owned(), amount: amount_vnd, transaction: transaction_no }
            }
            Queried::Failed => O::Failed { reference: reference.to_owned(), amount: None },
            Queried::Pending => O::Pending,
        })
    }

    async fn refund(
        &self,
        t: &dyn crate::provider::Transport,
        paid: &crate::provider::Paid<'_>,
        now: NaiveDateTime,
    ) -> Result<(), crate::provider::ProviderError> {
        use crate::provider::ProviderError;
        let id = request_id(paid.reference, now);
        let body = refund(self, &id, paid.reference, paid.amount, paid.transaction, paid.started, paid.by, now);
        let answer = t.post_json(&self.api_url, &body).await.map_err(ProviderError::Unavailable)?;
        if refund_answer(self, &answer)? {
            Ok(())
        } else {
            Err(ProviderError::Refused(answer["vnp_Message"].as_str().unwrap_or("từ chối").chars().take(200).collect()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(q: &str) -> Vec<(String, String)> {
        form_urlencoded::parse(q.as_bytes()).into_owned().collect()
    }

    /// The worked example of `vn-regulatory.md` §10.2 (fake secret and merchant).
    #[test]
    fn the_worked_signature_is_reproduced() {
        let q = "vnp_Amount=15000000&vnp_Command=pay&vnp_CreateDate=20260212101500&vnp_CurrCode=VND&vnp_ExpireDate=20260212103000&vnp_IpAddr=203.0.113.10&vnp_Locale=vn&vnp_OrderInfo=Nop+le+phi+ho+so+H42-260212-0001&vnp_OrderType=other&vnp_ReturnUrl=https%3A%2F%2Fmcdt.example.gov.vn%2Fpayment%2Fvnpay%2Freturn&vnp_TmnCode=DEMO0001&vnp_TxnRef=H42-260212-0001-P1&vnp_Version=2.1.0";
        assert_eq!(canonical(&pairs(q)), q, "sorted and encoded as VNPAY does");
        let hash = hmac_hex("DEMOSECRETDEMOSECRETDEMOSECRET12", q);
        assert_eq!(
            hash,
            "e91e049875c2a47448705b75698c3f90b7abda9d1d8a4c862790f4d07126ae17d323008842d3fd71c354655a68973a71ea28d1b4a829568bafaa5d0551e9d604"
        );
        let mut signed = pairs(q);
        signed.push(("vnp_SecureHash".into(), hash.to_uppercase()));
        signed.push(("vnp_SecureHashType".into(), "HmacSHA512".into()));
        assert!(verify("DEMOSECRETDEMOSECRETDEMOSECRET12", &signed).is_ok(), "case-insensitive");
        assert_eq!(verify("another secret", &signed), Err(ProtocolError::Signature));
        signed[0].1 = "15000100".into();
        assert_eq!(verify("DEMOSECRETDEMOSECRETDEMOSECRET12", &signed), Err(ProtocolError::Signature));
    }

    #[test]
    fn the_pay_url_signs_what_it_sends() {
        let m = Merchant {
            tmn_code: "DEMO0001".into(),
            hash_secret: "s3cret".into(),
            pay_url: "https://pay.test/vpcpay.html".into(),
            api_url: String::new(),
        };
        let t = chrono::NaiveDate::from_ymd_opt(2026, 2, 12).unwrap().and_hms_opt(10, 15, 0).unwrap();
        let url = pay_url(
            &m,
            &Payment {
                txn_ref: "HS2602120001-1",
                amount_vnd: 150_000,
                order_info: "Nộp lệ phí hồ sơ 000.00.17.H34-260212-0001",
                return_url: "https://dvc.test/payments/vnpay/return",
                ip: "203.0.113.10",
                created: t,
                expires: t + chrono::Duration::minutes(15),
                locale: "vn",
            },
        );
        let query = url.split_once('?').unwrap().1;
        let params = pairs(query);
        assert!(verify("s3cret", &params).is_ok(), "{url}");
        assert!(
            query.contains("vnp_Amount=15000000&")
                && query.contains("vnp_OrderInfo=Nop+le+phi+ho+so+000.00.17.H34-260212-0001&")
        );
        assert!(query.contains("vnp_ExpireDate=20260212103000"));
    }
}
