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
