//! The National Public Service Portal's dossier sync as a delivery channel: each message (built
//! by `motcua_app::portal`) is posted as a JSON array to the "create" service; when the portal's
//! `error_code` says the dossier exists, to the "update" service; then its progress entries, ten
//! per call, to the "progress" service. What decides is the `error_code`, never the words of the
//! portal's message. 2xx with `error_code` "0" is delivered; an HTTP 5xx, 408, 429 or no answer is
//! temporary (retried with backoff, in order per dossier); any other code is permanent: the message
//! becomes a dead letter in the message log, with the portal's answer, until an officer sends it
//! again.

use std::time::Duration;

use async_trait::async_trait;
use motcua_store::Delivery;
use serde_json::Value;

use crate::gateway::{Channel, SendError, init_tls};

/// Where the portal's services are and which `error_code`s mean "already there".
#[derive(Debug, Clone)]
pub struct Portal {
    client: reqwest::Client,
    pub create_url: String,
    pub update_url: String,
    /// Empty: progress entries are not sent.
    pub progress_url: String,
    /// The codes of the create service that mean the dossier exists (then it is updated).
    pub exists_codes: Vec<String>,
}

/// Progress entries per call, as the provincial services take them.
const PROGRESS_PER_CALL: usize = 10;

impl Portal {
    pub fn new(
        create_url: &str,
        update_url: &str,
        progress_url: &str,
        exists_codes: Vec<String>,
        timeout: Duration,
    ) -> Result<Portal, SendError> {
        init_tls();
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .map_err(|e| SendError::Temporary(format!("HTTP client: {e}")))?;
        Ok(Portal {
            client,
            create_url: create_url.to_owned(),
            update_url: update_url.to_owned(),
            progress_url: progress_url.to_owned(),
            exists_codes,
        })
    }

    /// Posts `body`; the portal's `error_code` and message.
    async fn post(&self, url: &str, body: &Value, key: &str) -> Result<(String, String), SendError> {
        let res = self
            .client
            .post(url)
            .header("idempotency-key", key)
            .json(body)
            .send()
            .await
            .map_err(|e| SendError::Temporary(format!("không kết nối được Cổng DVCQG: {e}")))?;
        let status = res.status();
        let text = res.text().await.unwrap_or_default();
        let short = || text.chars().take(300).collect::<String>();
        if status.is_server_error() || status.as_u16() == 408 || status.as_u16() == 429 {
            return Err(SendError::Temporary(format!("HTTP {}: {}", status.as_u16(), short())));
        }
        if !status.is_success() {
            return Err(SendError::Permanent(format!("HTTP {}: {}", status.as_u16(), short())));
        }
        let answer: Value = serde_json::from_str(&text)
            .map_err(|_| SendError::Temporary(format!("câu trả lời không đọc được: {}", short())))?;
        let code = match &answer["error_code"] {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            _ => return Err(SendError::Temporary(format!("câu trả lời thiếu error_code: {}", short()))),
        };
        let message = answer["message"].as_str().unwrap_or("").chars().take(300).collect();
        Ok((code, message))
    }
}

#[async_trait]
impl Channel for Portal {
    async fn send(&self, d: &Delivery) -> Result<String, SendError> {
        let message: Value =
            serde_json::from_str(&d.body).map_err(|e| SendError::Permanent(format!("tin đồng bộ hỏng: {e}")))?;
        let key = &d.idempotency_key;
        let (mut code, mut said) = self.post(&self.create_url, &message["dossier"], key).await?;
        let mut how = "thêm mới";
        if self.exists_codes.contains(&code) {
            (code, said) = self.post(&self.update_url, &message["dossier"], key).await?;
            how = "cập nhật";
        }
        if code != "0" {
            return Err(SendError::Permanent(format!("Cổng DVCQG từ chối ({how}): error_code {code}: {said}")));
        }
        let progress = message["progress"].as_array().cloned().unwrap_or_default();
        if !self.progress_url.is_empty() {
            for (i, chunk) in progress.chunks(PROGRESS_PER_CALL).enumerate() {
                let (code, said) =
                    self.post(&self.progress_url, &Value::Array(chunk.to_vec()), &format!("{key}:{i}")).await?;
                if code != "0" {
                    return Err(SendError::Permanent(format!("Cổng DVCQG từ chối tiến độ: error_code {code}: {said}")));
                }
            }
        }
        Ok(format!("Cổng DVCQG: {how}, error_code 0; {} bước tiến độ", progress.len()))
    }
}

/// The EMC tracker (`TrackingMCDT`, reference §6.5): each message (built by
/// `motcua_app::portal::emc_record`) is posted as JSON. A 2xx answer is delivered; 5xx, 408, 429
/// or no answer is temporary; any other status is permanent (a dead letter in the message log).
#[derive(Debug, Clone)]
pub struct Emc {
    client: reqwest::Client,
    pub url: String,
}

impl Emc {
    pub fn new(url: &str, timeout: Duration) -> Result<Emc, SendError> {
        init_tls();
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .map_err(|e| SendError::Temporary(format!("HTTP client: {e}")))?;
        Ok(Emc { client, url: url.to_owned() })
    }
}

#[async_trait]
impl Channel for Emc {
    async fn send(&self, d: &Delivery) -> Result<String, SendError> {
        let res = self
            .client
            .post(&self.url)
            .header("content-type", "application/json")
            .header("idempotency-key", &d.idempotency_key)
            .body(d.body.clone())
            .send()
            .await
            .map_err(|e| SendError::Temporary(format!("không kết nối được EMC: {e}")))?;
        let status = res.status();
        let text: String = res.text().await.unwrap_or_default().chars().take(300).collect();
        if status.is_success() {
            Ok(format!("EMC: HTTP {}", status.as_u16()))
        } else if status.is_server_error() || status.as_u16() == 408 || status.as_u16() == 429 {
            Err(SendError::Temporary(format!("EMC: HTTP {}: {text}", status.as_u16())))
        } else {
            Err(SendError::Permanent(format!("EMC từ chối: HTTP {}: {text}", status.as_u16())))
        }
    }
}
