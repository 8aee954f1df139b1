//! VietQR (NAPAS 247) strings: EMVCo merchant-presented QR, every data object `ID LEN VALUE`
//! with a two-digit id and a two-digit decimal length, the NAPAS template under tag 38, and the
//! CRC-16/CCITT-FALSE (`CRC_16_IBM_3740`) of everything up to and including `6304` as four
//! upper-case hex digits (reference §1). Checked against NAPAS's own test vectors.
//!
//! A dossier's payment uses a dynamic code (`01 = 12`) with the amount (tag 54), the payment's
//! reference as bill number (62.01) and as purpose (62.08), ASCII only: bank apps show the
//! purpose as the transfer's content, which is how an incoming transfer is matched.

use crc::{CRC_16_IBM_3740, Crc};

use crate::ProtocolError;

const CRC: Crc<u16> = Crc::<u16>::new(&CRC_16_IBM_3740);
/// NAPAS's application identifier in tag 38.
pub const NAPAS_GUID: &str = "A000000727";

/// To an account (`QRIBFTTA`) or a card (`QRIBFTTC`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Account,
    Card,
}

/// What the QR asks the payer's bank to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transfer {
    /// The beneficiary bank's BIN (6 digits, e.g. 970403).
    pub bin: String,
    /// The account or card number (digits, at most 19).
    pub account: String,
    pub target: Target,
    /// In VND; `None` for a static code the payer fills in.
    pub amount: Option<u64>,
    /// Tag 62.01 (at most 25 characters).
    pub bill: Option<String>,
    /// Tag 62.08 (at most 25 characters): the transfer's content.
    pub purpose: Option<String>,
}

fn tlv(id: &str, value: &str) -> Result<String, ProtocolError> {
    if value.len() > 99 || !value.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return Err(ProtocolError::Invalid {
            field: "vietqr",
            why: format!("tag {id}: at most 99 printable ASCII characters"),
        });
    }
    Ok(format!("{id}{:02}{value}", value.len()))
}

fn digits(v: &str, field: &'static str, min: usize, max: usize) -> Result<(), ProtocolError> {
    if v.len() < min || v.len() > max || !v.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ProtocolError::Invalid { field, why: format!("{min}–{max} chữ số") });
    }
    Ok(())
}

/// The CRC of `payload_with_6304`, as the four hex digits that end the string.
pub fn crc(payload_with_6304: &str) -> String {
    format!("{:04X}", CRC.checksum(payload_with_6304.as_bytes()))
}

impl Transfer {
    /// The QR string.
    pub fn encode(&self) -> Result<String, ProtocolError> {
        digits(&self.bin, "bin", 6, 6)?;
        digits(&self.account, "account", 1, 19)?;
        let beneficiary = tlv("00", &self.bin)? + &tlv("01", &self.account)?;
        let service = match self.target {
            Target::Account => "QRIBFTTA",
            Target::Card => "QRIBFTTC",
        };
        let merchant = tlv("00", NAPAS_GUID)? + &tlv("01", &beneficiary)? + &tlv("02", service)?;
        let mut s = tlv("00", "01")?;
        s += &tlv("01", if self.amount.is_some() { "12" } else { "11" })?;
        s += &tlv("38", &merchant)?;
        s += &tlv("53", "704")?;
        if let Some(amount) = self.amount {
            if amount == 0 || amount > 9_999_999_999_999 {
                return Err(ProtocolError::Invalid { field: "amount", why: "từ 1 đến 13 chữ số".into() });
            }
            s += &tlv("54", &amount.to_string())?;
        }
        s += &tlv("58", "VN")?;
        let mut extra = String::new();
        for (id, v) in [("01", &self.bill), ("08", &self.purpose)] {
            if let Some(v) = v {
                if v.len() > 25 {
                    return Err(ProtocolError::Invalid {
                        field: "vietqr",
                        why: format!("tag 62.{id}: at most 25 characters"),
                    });
                }
                extra += &tlv(id, v)?;
            }
        }
        if !extra.is_empty() {
            s += &tlv("62", &extra)?;
        }
        s += "6304";
        let check = crc(&s);
        Ok(s + &check)
    }
}

/// The top-level data objects of a QR string, in order, once its CRC is checked; a malformed
/// string is an error, never a panic.
pub fn parse(s: &str) -> Result<Vec<(String, String)>, ProtocolError> {
    if !s.is_ascii() || s.len() < 8 {
        return Err(ProtocolError::Invalid { field: "vietqr", why: "không phải chuỗi VietQR".into() });
    }
    let (body, check) = s.split_at(s.len() - 4);
    if !body.ends_with("6304") || crc(body) != check.to_ascii_uppercase() {
        return Err(ProtocolError::Signature);
    }
    objects(&body[..body.len() - 4])
}

/// The data objects of `s` (a template's value, or the body without its CRC).
pub fn objects(s: &str) -> Result<Vec<(String, String)>, ProtocolError> {
    let bad = |why: &str| ProtocolError::Invalid { field: "vietqr", why: why.into() };
    let mut out = Vec::new();
    let mut rest = s;
    while !rest.is_empty() {
        let id = rest.get(..2).ok_or_else(|| bad("mã trường cụt"))?;
        let len: usize = rest.get(2..4).and_then(|l| l.parse().ok()).ok_or_else(|| bad("độ dài không đọc được"))?;
        let value = rest.get(4..4 + len).ok_or_else(|| bad("giá trị dài hơn chuỗi"))?;
        out.push((id.to_owned(), value.to_owned()));
        rest = &rest[4 + len..];
    }
    Ok(out)
}

/// The agency's account taking VietQR transfers, and the secret its bank's (or intermediary's)
/// balance-change notifications are signed with.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Bank {
    pub bin: String,
    pub account: String,
    #[serde(default)]
    pub name: String,
    /// HMAC-SHA256 key of the webhook; without one, no notification is believed.
    #[serde(skip)]
    pub webhook_secret: Option<String>,
}

/// The signature of a webhook body: lower-case hex HMAC-SHA256 with the shared secret.
pub fn webhook_signature(secret: &str, body: &str) -> String {
    use hmac::{Hmac, KeyInit, Mac};
    // HMAC takes a key of any length: this never fails.
    let mut mac = <Hmac<sha2::Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).unwrap_or_else(|_| unreachable!());
    mac.update(body.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// The longest webhook body read.
pub const WEBHOOK_MAX: usize = 8 * 1024;

/// A balance-change notification, in the field names of the intermediaries' webhooks
/// (`transferType`, `transferAmount`, `content`, `referenceCode`, `transactionDate`): an incoming
/// transfer, or `None` for money going out.
pub fn notification(body: &str) -> Result<Option<crate::statement::Credit>, ProtocolError> {
    let bad = |field: &'static str, why: &str| ProtocolError::Invalid { field, why: why.into() };
    if body.len() > WEBHOOK_MAX {
        return Err(bad("body", "quá dài"));
    }
    let v: serde_json::Value = serde_json::from_str(body).map_err(|_| bad("body", "không phải JSON"))?;
    if v["transferType"].as_str() != Some("in") {
        return Ok(None);
    }
    let amount = v["transferAmount"].as_u64().filter(|a| *a > 0).ok_or(ProtocolError::Missing("transferAmount"))?;
    let reference = v["referenceCode"]
        .as_str()
        .map(str::trim)
        .filter(|r| !r.is_empty() && r.len() <= 64)
        .ok_or(ProtocolError::Missing("referenceCode"))?;
    let content: String = v["content"].as_str().unwrap_or_default().chars().take(500).collect();
    let date = v["transactionDate"]
        .as_str()
        .and_then(|d| chrono::NaiveDate::parse_from_str(d.get(..10).unwrap_or(d), "%Y-%m-%d").ok());
    Ok(Some(crate::statement::Credit { row: 0, date, amount, content, reference: reference.to_owned() }))
}

#[async_trait::async_trait]
impl crate::provider::PaymentProvider for Bank {
    fn name(&self) -> &'static str {
        "vietqr"
    }

    /// A dynamic code for the amount, the attempt's reference as bill number and as the
    /// transfer's content (at most 25 characters each).
    async fn initiate(
        &self,
        _t: &dyn crate::provider::Transport,
        c: &crate::provider::Charge<'_>,
    ) -> Result<crate::provider::Start, crate::provider::ProviderError> {
        let reference: String = c.reference.chars().take(25).collect();
        let transfer = Transfer {
            bin: self.bin.clone(),
            account: self.account.clone(),
            target: Target::Account,
            amount: Some(c.amount),
            bill: Some(reference.clone()),
            purpose: Some(reference),
        };
        Ok(crate::provider::Start::Qr(transfer.encode()?))
    }

    /// A balance-change notification signed with the shared secret (`X-Signature`).
    fn verify_callback(&self, raw: &str, signature: Option<&str>) -> Result<crate::provider::Outcome, ProtocolError> {
        let (Some(secret), Some(received)) = (self.webhook_secret.as_deref(), signature) else {
            return Err(ProtocolError::Signature);
        };
        let expected = webhook_signature(secret, raw);
        let received = received.trim().to_ascii_lowercase();
        if expected.len() != received.len()
            || !bool::from(subtle::ConstantTimeEq::ct_eq(expected.as_bytes(), received.as_bytes()))
        {
            return Err(ProtocolError::Signature);
        }
        Ok(match notification(raw)? {
            Some(credit) => crate::provider::Outcome::Transferred(credit),
            None => crate::provider::Outcome::Pending,
        })
    }
}
