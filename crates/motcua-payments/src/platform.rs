//! The national payment platform (Nền tảng thanh toán trực tuyến of the National Public Service
//! Portal), as implemented in 2024–2025 (version 1.0.6, reference §3.1): JSON over HTTPS, every
//! message carrying `MaXacThuc`, the lower-case hex SHA-256 of its fields joined by `|` with the
//! partner's secret key last. `INIT` starts a payment (the answer holds the URL to send the payer
//! to), the platform pushes its confirmation, `QUERY` asks how an attempt ended, `GET_BILL`
//! fetches the platform's receipt (a PDF). The messages are built and checked here; they travel
//! through the caller's [`Transport`].
//!
//! The 2021–2022 public specification was not found: the field lists are those of a province's
//! running implementation and must be confirmed with the operator (`docs/payments.md`).

use chrono::NaiveDateTime;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::ProtocolError;
use crate::provider::{Charge, Outcome, PaymentProvider, ProviderError, Start, Transport};

/// The protocol version sent.
pub const VERSION: &str = "1.0.6";

/// What the operator gives a partner.
#[derive(Debug, Clone)]
pub struct Partner {
    /// `MaDoiTac`.
    pub code: String,
    pub secret: String,
    /// Where INIT and QUERY are posted.
    pub init_url: String,
    pub query_url: String,
    /// Where `GET_BILL` is posted (`InitReceiptUrl`): the platform's receipt of a payment.
    pub bill_url: String,
}

/// `MaXacThuc` of `fields` (in the message's order) with `secret` appended.
pub fn check_code(fields: &[&str], secret: &str) -> String {
    let mut joined = fields.join("|");
    joined.push('|');
    joined.push_str(secret);
    hex::encode(Sha256::digest(joined.as_bytes()))
}

/// Whether a received `MaXacThuc` is the one its fields give (case-insensitive, constant time).
pub fn verify(fields: &[&str], secret: &str, received: &str) -> bool {
    let expected = check_code(fields, secret);
    let received = received.to_ascii_lowercase();
    expected.len() == received.len()
        && bool::from(subtle::ConstantTimeEq::ct_eq(expected.as_bytes(), received.as_bytes()))
}

fn time(t: NaiveDateTime) -> String {
    t.format("%Y%m%d%H%M%S").to_string()
}

/// The `INIT` message of an attempt: `reference` (`MaThamChieu`), the amount, what the payer
/// reads, when, from where, and the receipt's information (`ThongTinBienLai`) as given.
pub fn init(
    p: &Partner,
    reference: &str,
    amount: u64,
    info: &str,
    at: NaiveDateTime,
    ip: &str,
    receipt: Value,
) -> Value {
    let (amount, at, info) = (amount.to_string(), time(at), crate::ascii_text(info, 200));
    let fields =
        ["INIT", VERSION, &p.code, reference, &amount, "PAY", "1", "1", "vi-VN", "VND", "PAYMENT", &info, &at, ip];
    json!({
        "LoaiBanTin": "INIT", "PhienBan": VERSION, "MaDoiTac": p.code, "MaThamChieu": reference, "SoTien": amount,
        "LoaiHinhThanhToan": "PAY", "MaKenhThanhToan": "1", "MaThietBi": "1", "NgonNgu": "vi-VN", "MaTienTe": "VND",
        "MaNganHang": "PAYMENT", "ThongTinGiaoDich": info, "ThoiGianGD": at, "Ip": ip,
        "ThongTinBienLai": receipt, "MaXacThuc": check_code(&fields, &p.secret),
    })
}

/// The payment page's URL in an `INIT` answer (`{error_code: "0", message: "<JSON>"}`).
pub fn init_answer(answer: &Value) -> Result<String, ProtocolError> {
    if answer["error_code"].as_str() != Some("0") {
        let why = answer["message"].as_str().unwrap_or("không rõ").chars().take(200).collect();
        return Err(ProtocolError::Invalid { field: "error_code", why });
    }
    let inner: Value = match &answer["message"] {
        Value::String(s) => serde_json::from_str(s).map_err(|_| ProtocolError::Missing("message"))?,
        other => other.clone(),
    };
    inner["UrlThanhToan"]
        .as_str()
        .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
        .map(str::to_owned)
        .ok_or(ProtocolError::Missing("UrlThanhToan"))
}

/// The `QUERY` message of an attempt started at `at`.
pub fn query(p: &Partner, reference: &str, at: NaiveDateTime) -> Value {
    let at = time(at);
    let fields = ["QUERY", VERSION, &p.code, reference, &at];
    json!({
        "LoaiBanTin": "QUERY", "PhienBan": VERSION, "MaDoiTac": p.code, "MaThamChieu": reference,
        "ThoiGianGD": at, "MaXacThuc": check_code(&fields, &p.secret),
    })
}

fn text(v: &Value, k: &'static str) -> Result<String, ProtocolError> {
    match &v[k] {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        _ => Err(ProtocolError::Missing(k)),
    }
}

/// A confirmation the platform pushed, once its check code is verified.
pub fn confirmation(p: &Partner, body: &Value) -> Result<Outcome, ProtocolError> {
    let keys = [
        "LoaiBanTin",
        "MaLoi",
        "MaDoiTac",
        "MaThamChieu",
        "SoTien",
        "MaTienTe",
        "MaGiaoDich",
        "MaNganHang",
        "ThoiGianGD",
        "ThongTinGiaoDich",
    ];
    let values: Vec<String> = keys.iter().map(|k| text(body, k)).collect::<Result<_, _>>()?;
    let fields: Vec<&str> = values.iter().map(String::as_str).collect();
    if !verify(&fields, &p.secret, &text(body, "MaXacThuc")?) || values[2] != p.code {
        return Err(ProtocolError::Signature);
    }
    let amount =
        values[4].parse().map_err(|_| ProtocolError::Invalid { field: "SoTien", why: "không phải số".into() })?;
    Ok(if values[1] == "00" {
        Outcome::Succeeded { reference: values[3].clone(), amount, transaction: values[6].clone() }
    } else {
        Outcome::Failed { reference: values[3].clone(), amount: None }
    })
}

/// Our answer to a pushed confirmation, with its own check code (`MaLoi|MaDoiTac|ThoiGianGD|key`).
pub fn confirmation_reply(p: &Partner, code: &str, message: &str, at: NaiveDateTime) -> Value {
    let at = time(at);
    json!({
        "MaLoi": code, "MoTaLoi": message, "MaDoiTac": p.code, "ThoiGianGD": at,
        "MaXacThuc": check_code(&[code, &p.code, &at], &p.secret),
    })
}

/// A `QUERY` answer for `reference`: `TrangThaiGD` 1 succeeded, 4 failed, 3 not known yet.
pub fn query_answer(reference: &str, answer: &Value) -> Result<Outcome, ProtocolError> {
    if text(answer, "MaLoi")? != "00" {
        return Ok(Outcome::Pending);
    }
    match text(answer, "TrangThaiGD")?.as_str() {
        "1" => Ok(Outcome::Succeeded {
            reference: reference.to_owned(),
            amount: text(answer, "SoTien")?
                .parse()
                .map_err(|_| ProtocolError::Invalid { field: "SoTien", why: "không phải số".into() })?,
            transaction: text(answer, "MaGiaoDich")?,
        }),
        "4" => Ok(Outcome::Failed { reference: reference.to_owned(), amount: None }),
        _ => Ok(Outcome::Pending),
    }
}

/// The `GET_BILL` message: the platform's receipt (a PDF) of the attempt started at `at`.
pub fn get_bill(p: &Partner, reference: &str, at: NaiveDateTime) -> Value {
    let at = time(at);
    let fields = ["GET_BILL", VERSION, &p.code, reference, &at];
    json!({
        "LoaiBanTin": "GET_BILL", "PhienBan": VERSION, "MaDoiTac": p.code, "MaThamChieu": reference,
        "ThoiGianGD": at, "MaXacThuc": check_code(&fields, &p.secret),
    })
}

/// A `GET_BILL` answer: the PDF's bytes, or the platform's refusal (a JSON error).
pub fn bill_answer(bytes: Vec<u8>) -> Result<Vec<u8>, ProviderError> {
    if bytes.starts_with(b"%PDF-") {
        return Ok(bytes);
    }
    let why = serde_json::from_slice::<Value>(&bytes)
        .ok()
        .and_then(|v| v["message"].as_str().or(v["MoTaLoi"].as_str()).map(|m| m.chars().take(200).collect()));
    match why {
        Some(why) => Err(ProviderError::Refused(why)),
        None => {
            Err(ProtocolError::Invalid { field: "GET_BILL", why: "câu trả lời không phải tệp PDF".into() }.into())
        }
    }
}

#[async_trait::async_trait]
impl PaymentProvider for Partner {
    fn name(&self) -> &'static str {
        "platform"
    }

    /// The province's running practice: attempts unconfirmed for thirty minutes are asked.
    fn ask_after(&self) -> Option<chrono::Duration> {
        Some(chrono::Duration::minutes(30))
    }

    async fn initiate(&self, t: &dyn Transport, c: &Charge<'_>) -> Result<Start, ProviderError> {
        let body = init(self, c.reference, c.amount, c.info, c.at, c.ip, c.receipt.clone());
        let answer = t.post_json(&self.init_url, &body).await.map_err(ProviderError::Unavailable)?;
        Ok(Start::Link(init_answer(&answer)?))
    }

    /// The pushed confirmation's JSON body, with its check code.
    fn verify_callback(&self, raw: &str, _signature: Option<&str>) -> Result<Outcome, ProtocolError> {
        let v: Value = serde_json::from_str(raw)
            .map_err(|_| ProtocolError::Invalid { field: "body", why: "không phải JSON".into() })?;
        confirmation(self, &v)
    }

    async fn query(
        &self,
        t: &dyn Transport,
        reference: &str,
        started: NaiveDateTime,
        _now: NaiveDateTime,
    ) -> Result<Outcome, ProviderError> {
        let answer = t.post_json(&self.query_url, &query(self, reference, started)).await;
        Ok(query_answer(reference, &answer.map_err(ProviderError::Unavailable)?)?)
    }

    async fn fetch_receipt(
        &self,
        t: &dyn Transport,
        paid: &crate::provider::Paid<'_>,
    ) -> Result<Vec<u8>, ProviderError> {
        let body = get_bill(self, paid.reference, paid.started);
        bill_answer(t.post(&self.bill_url, &body).await.map_err(ProviderError::Unavailable)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn partner() -> Partner {
        Partner {
            code: "DOITAC".into(),
            secret: "secret".into(),
            init_url: String::new(),
            query_url: String::new(),
            bill_url: String::new(),
        }
    }

    #[test]
    fn the_check_code_is_sha256_of_the_pipe_joined_fields_and_secret() {
        let code = check_code(&["QUERY", "1.0.6", "DOITAC", "HS1", "20260212101500"], "secret");
        // sha256("QUERY|1.0.6|DOITAC|HS1|20260212101500|secret"), computed independently.
        assert_eq!(code, hex::encode(Sha256::digest(b"QUERY|1.0.6|DOITAC|HS1|20260212101500|secret")));
        assert!(verify(&["QUERY", "1.0.6", "DOITAC", "HS1", "20260212101500"], "secret", &code.to_uppercase()));
        assert!(!verify(&["QUERY", "1.0.6", "DOITAC", "HS2", "20260212101500"], "secret", &code));
    }

    #[test]
    fn a_confirmation_is_read_only_with_its_check_code() {
        let p = partner();
        let fields =
            ["CONFIRM", "00", "DOITAC", "REF1T1", "550000", "VND", "GD123", "NCB", "20260305101500", "Nop phi"];
        let mut body = json!({
            "LoaiBanTin": "CONFIRM", "MaLoi": "00", "MaDoiTac": "DOITAC", "MaThamChieu": "REF1T1", "SoTien": 550000,
            "MaTienTe": "VND", "MaGiaoDich": "GD123", "MaNganHang": "NCB", "ThoiGianGD": "20260305101500",
            "ThongTinGiaoDich": "Nop phi", "MaXacThuc": check_code(&fields, "secret"),
        });
        assert_eq!(
            confirmation(&p, &body),
            Ok(Outcome::Succeeded { reference: "REF1T1".into(), amount: 550_000, transaction: "GD123".into() })
        );
        body["SoTien"] = json!(5500);
        assert_eq!(confirmation(&p, &body), Err(ProtocolError::Signature));
        assert!(
            init_answer(&json!({"error_code": "0", "message": "{\"UrlThanhToan\":\"https://pay.test/x\"}"})).is_ok()
        );
        assert!(init_answer(&json!({"error_code": "1", "message": "lỗi"})).is_err());
        assert_eq!(query_answer("R", &json!({"MaLoi": "00", "TrangThaiGD": "3"})), Ok(Outcome::Pending));
    }
}
