//! The national payment platform (Nền tảng thanh toán trực tuyến of the National Public Service
//! Portal), as implemented in 2024–2025 (version 1.0.6, reference §3.1): every message carries
//! `MaXacThuc`, the lower-case hex SHA-256 of its fields joined by `|` with the partner's secret
//! key last. The field lists per message are here; the HTTP exchange is the application's.

use sha2::{Digest, Sha256};

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

#[cfg(test)]
mod tests {
    #[test]
    fn the_check_code_is_sha256_of_the_pipe_joined_fields_and_secret() {
        // sha256("QUERY|1.0.6|DOITAC|HS1|20260212101500|secret")
        let code = super::check_code(&["QUERY", "1.0.6", "DOITAC", "HS1", "20260212101500"], "secret");
        assert_eq!(code.len(), 64);
        assert!(super::verify(&["QUERY", "1.0.6", "DOITAC", "HS1", "20260212101500"], "secret", &code.to_uppercase()));
        assert!(!super::verify(&["QUERY", "1.0.6", "DOITAC", "HS2", "20260212101500"], "secret", &code));
    }
}
