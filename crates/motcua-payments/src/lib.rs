//! What the payment providers exchange with us, as pure functions over their published formats
//! (`../shared/domain/payments-pakn-portal.md` §1–3), with no HTTP client and no storage:
//!
//! - [`vietqr`]: the NAPAS 247 dynamic QR string for a payment request (EMVCo TLV with the
//!   CRC-16/CCITT-FALSE check), and its parser;
//! - [`vnpay`]: the VNPAY 2.1.0 payment URL signed with HMAC-SHA512, the verification of the
//!   return URL and the IPN, and the IPN's answer codes;
//! - [`statement`]: a bank's statement of incoming transfers (CSV), to match VietQR transfers;
//! - [`platform`]: the national payment platform's messages (`INIT`, `QUERY`, the confirmation,
//!   `GET_BILL`) and their `MaXacThuc` check code (SHA-256 of the pipe-joined fields and the
//!   secret);
//! - [`provider`]: the one [`provider::PaymentProvider`] trait they all implement, over a
//!   [`provider::Transport`] the caller gives.
//!
//! The application decides what a verified message means for a payment request
//! (`motcua_domain::payment`); the web and notify crates carry the messages.

pub mod platform;
pub mod provider;
pub mod statement;
pub mod vietqr;
pub mod vnpay;

/// A provider's message that cannot be trusted or read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProtocolError {
    #[error("chữ ký không đúng / invalid signature")]
    Signature,
    #[error("thiếu trường {0} / missing field {0}")]
    Missing(&'static str),
    #[error("trường {field} không đúng: {why}")]
    Invalid { field: &'static str, why: String },
}

/// Keeps letters, digits and the few marks every provider's encoder agrees on (space, `.`, `_`,
/// `-`), turning Vietnamese letters into their bare ASCII forms ("Nộp lệ phí" → "Nop le phi"):
/// VNPAY and the banks' apps each encode other characters their own way.
pub fn ascii_text(s: &str, max: usize) -> String {
    let mut out = String::new();
    for c in s.chars() {
        let c = fold_char(c);
        if c.is_ascii_alphanumeric() || matches!(c, ' ' | '.' | '_' | '-') {
            out.push(c);
        }
        if out.len() >= max {
            break;
        }
    }
    out.trim().to_owned()
}

/// A Vietnamese letter without its marks (đ → d); other characters unchanged.
pub(crate) fn fold_char(c: char) -> char {
    const GROUPS: [(&str, char); 14] = [
        ("àáảãạăằắẳẵặâầấẩẫậ", 'a'),
        ("ÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬ", 'A'),
        ("èéẻẽẹêềếểễệ", 'e'),
        ("ÈÉẺẼẸÊỀẾỂỄỆ", 'E'),
        ("ìíỉĩị", 'i'),
        ("ÌÍỈĨỊ", 'I'),
        ("òóỏõọôồốổỗộơờớởỡợ", 'o'),
        ("ÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢ", 'O'),
        ("ùúủũụưừứửữự", 'u'),
        ("ÙÚỦŨỤƯỪỨỬỮỰ", 'U'),
        ("ỳýỷỹỵ", 'y'),
        ("ỲÝỶỸỴ", 'Y'),
        ("đ", 'd'),
        ("Đ", 'D'),
    ];
    GROUPS.iter().find(|(g, _)| g.contains(c)).map_or(c, |(_, base)| *base)
}

#[cfg(test)]
mod tests {
    #[test]
    fn text_for_providers_is_plain_ascii() {
        assert_eq!(super::ascii_text("Nộp lệ phí hồ sơ Đất đai <b>&#x;", 60), "Nop le phi ho so Dat dai bx");
        assert_eq!(super::ascii_text("ĐĂNG KÝ", 4), "DANG");
    }
}
