//! Digital signatures on e-receipts (Decree 254/2026 Art. 23(2)(g): the collecting
//! organisation's signature). The signing itself is a provider's — a remote-signing service
//! holding the agency's certificate (the CA's SmartCA / MySign-like services, or the agency's
//! own HSM gateway) — reached through [`ReceiptSigner`]. Receipts are issued unsigned in the
//! payment's transaction (no network call there); the worker signs them afterwards
//! ([`sign_receipts`]), and a receipt not signed yet says so when printed.
//!
//! [`RemoteSigner`] speaks a plain JSON exchange of our own (`docs/payments.md`): the provider's
//! real interface is to be confirmed with it, and an adapter in front of it keeps this one.

use async_trait::async_trait;
use chrono::NaiveDateTime;
use motcua_domain::payment::{Receipt, ReceiptSignature};
use motcua_payments::provider::Transport;
use motcua_store::Store;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::AppError;

/// The agency whose receipts a remote-signing service signs (`[payments.signing]`).
#[derive(Debug, Clone)]
pub struct SigningService {
    /// The agency's code.
    pub agency: String,
    pub url: String,
    pub token: String,
}

/// Whoever signs the agency's receipts.
#[async_trait]
pub trait ReceiptSigner: Send + Sync {
    /// The signature of `content` (a receipt as issued), whose SHA-256 is `sha256`.
    async fn sign(&self, content: &str, sha256: &str, now: NaiveDateTime) -> Result<ReceiptSignature, String>;
}

/// A remote-signing service: `POST {url}` with `{"document_type": "bien_lai", "content", "sha256"}`
/// (and the bearer token), answered `{"signature", "signer", "certificate"}`.
pub struct RemoteSigner<T: Transport> {
    pub url: String,
    pub transport: T,
}

impl<T: Transport> std::fmt::Debug for RemoteSigner<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteSigner").field("url", &self.url).finish_non_exhaustive()
    }
}

#[async_trait]
impl<T: Transport> ReceiptSigner for RemoteSigner<T> {
    async fn sign(&self, content: &str, sha256: &str, now: NaiveDateTime) -> Result<ReceiptSignature, String> {
        let body = serde_json::json!({ "document_type": "bien_lai", "content": content, "sha256": sha256 });
        let answer = self.transport.post_json(&self.url, &body).await?;
        let text = |k: &str, max: usize| {
            answer[k]
                .as_str()
                .map(str::trim)
                .filter(|v| !v.is_empty() && v.len() <= max)
                .map(str::to_owned)
                .ok_or_else(|| format!("câu trả lời thiếu {k}"))
        };
        Ok(ReceiptSignature {
            signer: text("signer", 300)?,
            certificate: text("certificate", 200)?,
            value: text("signature", 20_000)?,
            sha256: sha256.to_owned(),
            signed_at: now,
        })
    }
}

/// The SHA-256 (hex) of what a receipt's signature covers.
pub fn digest(r: &Receipt) -> String {
    hex::encode(Sha256::digest(r.signed_content().as_bytes()))
}

/// Signs the agency's unsigned receipts, the oldest first (at most 200 a round); how many were
/// signed. A receipt the signer refuses stays unsigned and is tried again next round; one that
/// changed while it was being signed keeps no signature.
pub async fn sign_receipts(
    store: &dyn Store,
    signer: &dyn ReceiptSigner,
    agency_id: Uuid,
    now: NaiveDateTime,
) -> Result<usize, AppError> {
    let mut signed = 0;
    for r in store.unsigned_receipts(agency_id, 200).await? {
        let sha = digest(&r);
        let signature = match signer.sign(&r.signed_content(), &sha, now).await {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(error = %e, "receipt not signed; tried again next round");
                break;
            }
        };
        let same = |current: &Receipt| digest(current) == sha;
        if store.sign_receipt(agency_id, r.id, &signature, &same).await? {
            signed += 1;
            let data = serde_json::json!({
                "receipt": format!("{}/{}", r.symbol, r.number_text()), "signer": signature.signer, "sha256": sha,
            });
            let what = ("receipt_signed", format!("receipt:{}", r.id));
            crate::audit::record(store, Some(agency_id), None, what, data, now).await?;
        }
    }
    Ok(signed)
}
