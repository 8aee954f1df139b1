//! The audit log: every change an officer, administrator or citizen makes is one entry (who, in
//! which agency, what, on what, when, and the few facts that say how), written by the use case
//! that makes the change, never with a secret or more personal data than the object's id. Reads
//! and downloads of personal data, exports and signing out are entries too (see
//! `motcua_web::audit_reads`), so that an inspector can answer "who saw this applicant's file".
//!
//! **Where it came from.** The web edge runs each request inside an [`Origin`] (the client's
//! address and the request id): every entry written while serving it carries them, without each
//! use case taking them as arguments. The worker and the command line have no origin; their
//! entries say so by not carrying one. The origin also learns who the request turned out to be
//! from once the edge has read the session or token ([`identified`]), for the read entries the
//! edge writes after answering.

use std::future::Future;
use std::sync::{Arc, Mutex};

use chrono::NaiveDateTime;
use motcua_domain::org::Actor;
use motcua_store::{AuditEntry, Store, StoreError};
use uuid::Uuid;

/// Where a request came from, and who it turned out to be from.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    /// The client's address as the edge judged it (the peer, or behind trusted proxies the
    /// forwarded address).
    pub client: String,
    /// The request's id, also in the logs and the `X-Request-Id` answer header.
    pub request_id: String,
    who: Arc<Mutex<Option<Actor>>>,
}

impl Origin {
    pub fn new(client: String, request_id: String) -> Origin {
        Origin { client, request_id, who: Arc::default() }
    }

    /// The person the request was identified as, if it was.
    pub fn who(&self) -> Option<Actor> {
        self.who.lock().ok().and_then(|w| w.clone())
    }
}

tokio::task_local! {
    static ORIGIN: Origin;
}

/// Runs `work` (one request) with its origin.
pub async fn within<F: Future>(origin: Origin, work: F) -> F::Output {
    ORIGIN.scope(origin, work).await
}

/// The request under way's origin, if any.
pub fn origin() -> Option<Origin> {
    ORIGIN.try_with(Origin::clone).ok()
}

/// Notes who the request under way is from (its session or token was read).
pub fn identified(actor: &Actor) {
    let _ = ORIGIN.try_with(|o| {
        if let Ok(mut who) = o.who.lock() {
            *who = Some(actor.clone());
        }
    });
}

/// Records that the person `actor_id` did `action` on `object` in the agency, at `now`. The
/// agency is `None` for what belongs to no agency (a citizen's own account), the person `None`
/// for someone not signed in (an applicant evaluating from the lookup, a failed sign-in). Within
/// a request the entry also carries the client's address and the request id.
pub async fn record(
    store: &dyn Store,
    agency_id: Option<Uuid>,
    actor_id: Option<Uuid>,
    (action, object): (&str, String),
    mut data: serde_json::Value,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    if let (Some(origin), Some(fields)) = (origin(), data.as_object_mut()) {
        fields.insert("client".into(), origin.client.into());
        fields.insert("request_id".into(), origin.request_id.into());
    }
    store.audit(&AuditEntry { agency_id, actor_id, action: action.into(), object, at: now, data }).await
}

/// A line of an agency's record as an inspector reads it: an audit entry or a dossier's event.
#[derive(Debug, Clone)]
pub struct AuditLine {
    pub at: NaiveDateTime,
    pub actor_id: Option<Uuid>,
    /// "Full name (username)", or empty for the system or someone not signed in.
    pub person: String,
    pub action: String,
    pub action_label: String,
    pub dossier_id: Option<Uuid>,
    pub dossier_code: Option<String>,
    /// What the line is about when not a dossier (`user:…`, `export:/office/register`…).
    pub object: String,
    pub client: String,
    /// The other facts, as `key: value` pairs.
    pub details: String,
}

/// The actions an inspector can filter by, with their Vietnamese names: the audit log's own,
/// then each kind of dossier event as `dossier.<kind>`.
pub fn actions() -> Vec<(String, String)> {
    let own = AUDIT_ACTIONS.iter().map(|(a, l)| ((*a).to_owned(), (*l).to_owned()));
    let events = motcua_domain::dossier::EventKind::all()
        .map(|k| (format!("dossier.{}", k.as_str()), format!("Hồ sơ: {}", k.label(false))));
    own.chain(events).collect()
}

const AUDIT_ACTIONS: &[(&str, &str)] = &[
    ("sign_in", "Đăng nhập"),
    ("sign_in_failed", "Đăng nhập không thành công"),
    ("sign_out", "Đăng xuất"),
    ("token_revoked", "Thu hồi mã truy cập API"),
    ("dossier_read", "Xem hồ sơ"),
    ("file_downloaded", "Tải tệp của hồ sơ"),
    ("form_printed", "In biểu mẫu của hồ sơ"),
    ("exported", "Xuất dữ liệu"),
    ("payment_requested", "Yêu cầu nộp phí, lệ phí"),
    ("payment_collected", "Thu phí, lệ phí"),
    ("payment_refunded", "Hoàn trả phí, lệ phí"),
    ("payment_request_cancelled", "Hủy yêu cầu nộp phí"),
    ("receipt_replaced", "Thay biên lai"),
    ("receipt_signed", "Ký số biên lai"),
    ("statement_matched", "Đối chiếu sao kê"),
    ("procedure_published", "Công bố thủ tục"),
    ("procedure_draft_discarded", "Bỏ bản nháp thủ tục"),
    ("catalog_national_imported", "Nhập danh mục quốc gia"),
    ("feedback_received", "Nhận phản ánh, kiến nghị"),
    ("feedback_split", "Tách phản ánh"),
    ("feedback_rules_set", "Đặt quy tắc phản ánh"),
    ("feedback_teams_set", "Đặt nhóm xử lý phản ánh"),
    ("evaluation.give", "Đánh giá hồ sơ"),
    ("evaluation.change", "Sửa đánh giá"),
    ("report.freeze", "Chốt số liệu báo cáo"),
    ("template.save", "Sửa mẫu tin nhắn"),
    ("message.resend", "Gửi lại tin nhắn"),
    ("call.record", "Ghi cuộc gọi"),
    ("citizen.notify_preferences", "Đổi cách nhận thông báo"),
    ("privacy_export", "Tải dữ liệu cá nhân của mình"),
];

/// The agency's record as `query` asks, each line ready to read: who by name, the dossier by
/// its code, where the request came from.
pub async fn search(store: &dyn Store, query: &motcua_store::AuditQuery) -> Result<Vec<AuditLine>, StoreError> {
    let records = store.audit_search(query).await?;
    // Entries naming a dossier by id (reads, payments): their codes, read once per dossier.
    let mut codes: std::collections::HashMap<Uuid, Option<String>> = std::collections::HashMap::new();
    let labels = actions();
    let mut lines = Vec::with_capacity(records.len());
    for r in records {
        let mut dossier_id = r.dossier_id;
        let mut dossier_code = r.dossier_code.clone();
        if dossier_id.is_none()
            && let Some(id) = r.object.strip_prefix("dossier:").and_then(|s| Uuid::parse_str(s).ok())
        {
            dossier_id = Some(id);
            dossier_code = match codes.get(&id) {
                Some(code) => code.clone(),
                None => {
                    let code = store.dossier(query.agency_id, id).await?.and_then(|d| d.code.map(|c| c.to_string()));
                    codes.insert(id, code.clone());
                    code
                }
            };
        }
        let data: serde_json::Value = serde_json::from_str(&r.data).unwrap_or_default();
        let client = data.get("client").and_then(|c| c.as_str()).unwrap_or_default().to_owned();
        let details = match &data {
            serde_json::Value::Object(fields) => fields
                .iter()
                .filter(|(k, _)| !matches!(k.as_str(), "client" | "request_id"))
                .map(|(k, v)| match v {
                    serde_json::Value::String(s) => format!("{k}: {s}"),
                    other => format!("{k}: {other}"),
                })
                .collect::<Vec<_>>()
                .join("; "),
            _ => String::new(),
        };
        let person = match (&r.actor_name, &r.actor_username) {
            (Some(name), Some(user)) => format!("{name} ({user})"),
            (Some(name), None) => name.clone(),
            _ => String::new(),
        };
        let action_label =
            labels.iter().find(|(a, _)| *a == r.action).map_or_else(|| r.action.clone(), |(_, l)| l.clone());
        lines.push(AuditLine {
            at: r.at,
            actor_id: r.actor_id,
            person,
            action_label,
            action: r.action,
            dossier_id,
            dossier_code,
            // A dossier is shown by its code; a person's own account (signing in) needs no name.
            object: match r.actor_id {
                _ if dossier_id.is_some() => String::new(),
                Some(actor) if r.object == format!("user:{actor}") => String::new(),
                _ => r.object,
            },
            client,
            details,
        });
    }
    Ok(lines)
}
