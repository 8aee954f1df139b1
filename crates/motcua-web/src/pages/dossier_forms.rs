//! What the dossier pages share: which actions the person may take now (asked of the domain by
//! trying each one, so no rule is repeated here), turning a submitted form into an action, and
//! reading uploaded files.

use axum::extract::Multipart;
use motcua_calendar::WorkCalendar;
use motcua_domain::catalog::Channel;
use motcua_domain::dossier::{Action, Context, Dossier, EventKind, EventKind as K, FileRef};
use motcua_domain::org::Actor;
use serde::Deserialize;

use crate::error::ApiError;
use crate::state::AppState;
use motcua_app::files::sniff;

/// One action form on a dossier page.
#[derive(Debug, Clone)]
pub struct ActionForm {
    pub action: EventKind,
    pub label: &'static str,
    pub reason: bool,
    /// Asks for the legal basis of a refusal.
    pub basis: bool,
    pub note: bool,
    pub new_date: bool,
    pub result: bool,
    pub channel: bool,
    /// Asks for the amount the appraisal fixed (a request for payment).
    pub assessed: bool,
    pub danger: bool,
}

const fn form(action: EventKind, label: &'static str) -> ActionForm {
    ActionForm {
        action,
        label,
        reason: false,
        basis: false,
        note: false,
        new_date: false,
        result: false,
        channel: false,
        assessed: false,
        danger: false,
    }
}

/// Every action a page can offer, with the fields its form asks for.
const FORMS: [ActionForm; 15] = [
    form(K::Accept, "Tiếp nhận hồ sơ (cấp mã, hẹn ngày trả)"),
    ActionForm { reason: true, ..form(K::AskToComplete, "Yêu cầu hoàn thiện hồ sơ (Mẫu 02)") },
    form(K::Resubmit, "Đã nhận hồ sơ hoàn thiện (đưa lại vào hàng chờ tiếp nhận)"),
    ActionForm { reason: true, danger: true, ..form(K::RefuseIntake, "Từ chối tiếp nhận (Mẫu 03)") },
    ActionForm { note: true, ..form(K::Forward, "Chuyển bước tiếp theo") },
    ActionForm { note: true, ..form(K::SendBack, "Trả lại bước trước") },
    ActionForm { reason: true, ..form(K::RequestSupplement, "Yêu cầu bổ sung hồ sơ (Mẫu 02)") },
    ActionForm { note: true, ..form(K::SupplementReceived, "Đã nhận hồ sơ bổ sung") },
    ActionForm {
        reason: true, assessed: true, ..form(K::RequestPayment, "Yêu cầu thực hiện nghĩa vụ tài chính")
    },
    ActionForm { note: true, ..form(K::PaymentReceived, "Đã thực hiện nghĩa vụ tài chính") },
    ActionForm {
        reason: true, new_date: true, ..form(K::Reappoint, "Xin lỗi và hẹn lại ngày trả (Mẫu 04)")
    },
    ActionForm {
        reason: true,
        basis: true,
        danger: true,
        ..form(K::Refuse, "Từ chối giải quyết (thông báo bằng văn bản)")
    },
    ActionForm { reason: true, danger: true, ..form(K::Withdraw, "Dừng giải quyết theo yêu cầu") },
    ActionForm { result: true, ..form(K::Approve, "Duyệt kết quả") },
    ActionForm { channel: true, ..form(K::ReturnResult, "Trả kết quả") },
];

/// The forms of the actions `actor` may take on `d` now: the domain says which
/// ([`Dossier::allowed_actions`]).
pub fn available(d: &Dossier, actor: &Actor, cal: &WorkCalendar, now: chrono::NaiveDateTime) -> Vec<ActionForm> {
    let ctx = Context {
        actor,
        now,
        calendar: cal,
        new_code: None,
        max_reappoint_days: motcua_domain::dossier::DEFAULT_MAX_REAPPOINT_DAYS,
    };
    let allowed = d.allowed_actions(&ctx);
    FORMS.iter().filter(|f| allowed.contains(&f.action)).cloned().collect()
}

/// The fields of an action form.
#[derive(Debug, Deserialize)]
pub struct ActForm {
    #[serde(default)]
    pub csrf: String,
    pub version: i64,
    pub action: EventKind,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub legal_basis: String,
    /// Returned by post: where to, under which outgoing number.
    #[serde(default)]
    pub return_address: String,
    #[serde(default)]
    pub return_tracking_number: String,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub new_due_date: String,
    #[serde(default)]
    pub result_number: String,
    #[serde(default)]
    pub result_date: String,
    #[serde(default)]
    pub channel: String,
    /// A request for payment: the amount the appraisal fixed ("1.250.000"; empty: the schedule's).
    #[serde(default)]
    pub amount: String,
    /// `fee` (phí) or `charge` (lệ phí).
    #[serde(default)]
    pub fee_kind: String,
}

impl ActForm {
    /// The action the form asks for; a missing or malformed field is a field error.
    pub fn action(&self) -> Result<Action, ApiError> {
        let opt = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        let date = |s: &str, field: &str| {
            chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
                .map_err(|_| ApiError::field(field, "Cần chọn ngày (dd/mm/yyyy)."))
        };
        Ok(match self.action {
            K::Accept => Action::Accept,
            K::AskToComplete => Action::AskToComplete { reason: self.reason.clone() },
            K::Resubmit => Action::Resubmit,
            K::RefuseIntake => Action::RefuseIntake { reason: self.reason.clone() },
            K::Forward => Action::Forward { note: opt(&self.note), assignee: None },
            K::SendBack => Action::SendBack { note: self.note.clone() },
            K::RequestSupplement => Action::RequestSupplement { reason: self.reason.clone() },
            K::SupplementReceived => Action::SupplementReceived { note: opt(&self.note) },
            K::RequestPayment => Action::RequestPayment {
                reason: self.reason.clone(),
                assessed: match self.amount.replace(['.', ' ', ','], "").trim() {
                    "" => None,
                    digits => Some(motcua_domain::dossier::Assessed {
                        kind: match self.fee_kind.as_str() {
                            "fee" => motcua_domain::catalog::FeeKind::Fee,
                            _ => motcua_domain::catalog::FeeKind::Charge,
                        },
                        amount: digits
                            .parse()
                            .ok()
                            .filter(|a| *a > 0 && *a < 1_000_000_000_000)
                            .map(motcua_domain::types::Vnd)
                            .ok_or_else(|| ApiError::field("amount", "Số tiền là số đồng, ví dụ 1.250.000."))?,
                    }),
                },
            },
            K::PaymentReceived => Action::PaymentReceived { note: opt(&self.note) },
            K::Reappoint => Action::Reappoint {
                new_due_date: date(&self.new_due_date, "new_due_date")?,
                reason: self.reason.clone(),
            },
            K::Refuse => Action::Refuse { reason: self.reason.clone(), legal_basis: opt(&self.legal_basis) },
            K::Withdraw => Action::Withdraw { reason: self.reason.clone() },
            K::Approve => Action::Approve {
                result_number: self.result_number.clone(),
                result_date: date(&self.result_date, "result_date")?,
            },
            K::ReturnResult => {
                let channel = match self.channel.as_str() {
                    "online" => Channel::Online,
                    "postal" => Channel::Postal,
                    _ => Channel::Counter,
                };
                let postal = (channel == Channel::Postal).then(|| motcua_domain::dossier::PostalReturn {
                    address: self.return_address.clone(),
                    tracking_number: self.return_tracking_number.clone(),
                });
                Action::ReturnResult { channel, postal }
            }
            other => return Err(ApiError::BadRequest(format!("không có thao tác \"{other}\" trên trang này"))),
        })
    }
}

/// An uploaded file, checked: PDF, PNG or JPEG by content, within the size limit.
#[derive(Debug)]
pub struct Upload {
    pub name: String,
    pub bytes: Vec<u8>,
    pub content_type: &'static str,
}

/// Reads a multipart form: text fields and `file_<n>` uploads (empty file inputs are skipped).
/// A file of the wrong type does not stop the reading: the fields after it are still read, so
/// that the page can be shown again with what was typed (the second value: every text field
/// read, whatever the outcome).
pub async fn read_multipart(
    state: &AppState,
    mut mp: Multipart,
) -> (Result<Uploaded, ApiError>, std::collections::HashMap<String, String>) {
    let mut fields = std::collections::HashMap::new();
    let mut files = Vec::new();
    let mut wrong = Vec::new();
    let limit = state.config.max_upload_bytes;
    loop {
        let field = match mp.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => return (Err(ApiError::BadRequest(e.body_text())), fields),
        };
        let name = field.name().unwrap_or("").to_owned();
        if let Some(index) = name.strip_prefix("file_").and_then(|i| i.parse::<usize>().ok()) {
            let file_name = field.file_name().unwrap_or("tep").to_owned();
            let Ok(bytes) = field.bytes().await else { return (Err(ApiError::TooLarge { limit }), fields) };
            if bytes.is_empty() {
                continue;
            }
            if bytes.len() > limit {
                return (Err(ApiError::TooLarge { limit }), fields);
            }
            match sniff(&bytes) {
                Some(content_type) => files.push((
                    index,
                    Upload { name: motcua_domain::text::nfc(&file_name), bytes: bytes.to_vec(), content_type },
                )),
                None => wrong.push(motcua_domain::FieldError::new(
                    &name,
                    format!("Tệp \"{file_name}\" không phải PDF, PNG hoặc JPEG."),
                )),
            }
        } else {
            match field.text().await {
                Ok(text) => {
                    fields.insert(name, text);
                }
                Err(e) => return (Err(ApiError::BadRequest(e.body_text())), fields),
            }
        }
    }
    if wrong.is_empty() { (Ok((fields.clone(), files)), fields) } else { (Err(ApiError::invalid(wrong)), fields) }
}

/// Stores an upload in the file store; the reference to put on the dossier.
pub async fn store_upload(state: &AppState, agency_id: uuid::Uuid, u: &Upload) -> Result<FileRef, ApiError> {
    Ok(motcua_app::files::keep(&*state.store, &state.files, agency_id, &u.name, u.content_type, &u.bytes).await?)
}

/// Serves one of a dossier's files: with the type its bytes show, never the type recorded or
/// claimed. PDF, PNG and JPEG are shown inline (in the dossier page's preview frame); anything
/// else is a download. No script runs from a file: `default-src 'none'` and `nosniff`.
pub async fn serve_file(state: &AppState, file: &FileRef) -> Result<axum::response::Response, ApiError> {
    let bytes = state.files.get(&file.sha256).await.map_err(|_| ApiError::NotFound("không tìm thấy tệp".into()))?;
    Ok(file_response(&file.name, bytes))
}

/// The response for a stored file's bytes (see [`serve_file`]).
pub fn file_response(name: &str, bytes: Vec<u8>) -> axum::response::Response {
    use axum::response::IntoResponse;
    let ascii: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() || ".-_ ".contains(c) { c } else { '_' }).collect();
    let (content_type, disposition) = match sniff(&bytes) {
        Some(t) => (t, "inline"),
        None => ("application/octet-stream", "attachment"),
    };
    (
        [
            (axum::http::header::CONTENT_TYPE, content_type.to_owned()),
            (axum::http::header::CONTENT_DISPOSITION, format!("{disposition}; filename=\"{ascii}\"")),
            (axum::http::header::CACHE_CONTROL, "private, max-age=300".to_owned()),
            (axum::http::HeaderName::from_static("x-content-type-options"), "nosniff".to_owned()),
            (
                axum::http::HeaderName::from_static("content-security-policy"),
                "default-src 'none'; frame-ancestors 'self'".to_owned(),
            ),
            (axum::http::HeaderName::from_static("x-frame-options"), "SAMEORIGIN".to_owned()),
        ],
        bytes,
    )
        .into_response()
}

/// Serves file `n` (0: the first) of line `index` of the dossier's checklist, if `actor` may
/// read the dossier.
pub async fn document_file(
    state: &AppState,
    actor: &motcua_domain::org::Actor,
    id: uuid::Uuid,
    index: usize,
    n: usize,
) -> Result<axum::response::Response, ApiError> {
    let d = state.readable_dossier(actor, id).await?;
    let file = d
        .documents
        .get(index)
        .and_then(|doc| doc.files().nth(n).cloned())
        .ok_or_else(|| ApiError::NotFound("không có tệp".into()))?;
    serve_file(state, &file).await
}

/// Serves the dossier's result file, if `actor` may read the dossier.
pub async fn result_file(
    state: &AppState,
    actor: &motcua_domain::org::Actor,
    id: uuid::Uuid,
) -> Result<axum::response::Response, ApiError> {
    let d = state.readable_dossier(actor, id).await?;
    let file = d.result.and_then(|r| r.file).ok_or_else(|| ApiError::NotFound("chưa có tệp kết quả".into()))?;
    serve_file(state, &file).await
}

/// An error as the list a form's error summary shows.
pub fn field_errors(e: ApiError) -> Vec<motcua_domain::FieldError> {
    use motcua_domain::FieldError;
    match e {
        ApiError::Invalid { fields, message, .. } if fields.is_empty() => vec![FieldError::new("", message)],
        ApiError::Invalid { fields, .. } => fields,
        other => vec![FieldError::new("", other.to_string())],
    }
}

/// A multipart form with files (`file_N`), read and checked: its CSRF token is checked before the
/// handler runs, as [`super::session::CsrfForm`] does for plain forms. A form that cannot be read
/// (a file of the wrong type, one over the size limit) is handed to the handler as its error, so
/// that the page is shown again with the field named; nothing of it has been stored.
#[derive(Debug)]
pub struct CsrfUpload(pub Result<Uploaded, ApiError>, pub std::collections::HashMap<String, String>);

/// The page's session (for its CSRF token) and the request's multipart body.
async fn web_and_multipart(
    req: axum::extract::Request,
    state: &AppState,
) -> Result<(super::session::Web, Multipart), ApiError> {
    use axum::extract::{FromRequest, FromRequestParts};
    let (mut parts, body) = req.into_parts();
    let web = super::session::Web::from_request_parts(&mut parts, state).await?;
    let req = axum::extract::Request::from_parts(parts, body);
    let mp = Multipart::from_request(req, state).await.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    Ok((web, mp))
}

/// A multipart form read: its text fields by name, and its files with their checklist line.
pub type Uploaded = (std::collections::HashMap<String, String>, Vec<(usize, Upload)>);

/// The dossier version a form was read at (its hidden `version` field); without one, −1, which
/// no stored dossier has, so the change is refused as stale rather than made blind.
pub fn form_version(fields: &std::collections::HashMap<String, String>) -> i64 {
    fields.get("version").and_then(|v| v.trim().parse().ok()).unwrap_or(-1)
}

impl axum::extract::FromRequest<AppState> for CsrfUpload {
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (web, mp) = web_and_multipart(req, state).await?;
        let (read, fields) = read_multipart(state, mp).await;
        // A form read whole, or far enough to carry its token, has the token checked; the
        // fields come back only with a valid token. One broken before its token (too large, cut
        // off) is the handler's error to show, with nothing of it.
        if read.is_ok() || fields.contains_key("csrf") {
            super::session::check_csrf(&web, fields.get("csrf").map(String::as_str))?;
            Ok(CsrfUpload(read, fields))
        } else {
            Ok(CsrfUpload(read, std::collections::HashMap::new()))
        }
    }
}

/// A form of one file (`file`) and its CSRF token, as the administrator's upload of a blank form
/// sends it: the token is checked before the handler runs, and the file's type is the handler's
/// to judge (a template may be a Word document). (name, bytes); `None` when no file was chosen.
#[derive(Debug)]
pub struct CsrfFile(pub Option<(String, Vec<u8>)>);

impl axum::extract::FromRequest<AppState> for CsrfFile {
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (web, mut mp) = web_and_multipart(req, state).await?;
        let limit = state.config.max_upload_bytes;
        let (mut csrf, mut file) = (String::new(), None);
        while let Some(field) = mp.next_field().await.map_err(|e| ApiError::BadRequest(e.body_text()))? {
            match field.name() {
                Some("csrf") => csrf = field.text().await.map_err(|e| ApiError::BadRequest(e.body_text()))?,
                Some("file") => {
                    let name = field.file_name().unwrap_or("tep").to_owned();
                    let bytes = field.bytes().await.map_err(|_| ApiError::TooLarge { limit })?;
                    if bytes.len() > limit {
                        return Err(ApiError::TooLarge { limit });
                    }
                    file = Some((motcua_domain::text::nfc(&name), bytes.to_vec())).filter(|(_, b)| !b.is_empty());
                }
                _ => {}
            }
        }
        super::session::check_csrf(&web, Some(&csrf))?;
        Ok(CsrfFile(file))
    }
}

/// The required documents of `spec` that `present` (line indexes) leaves out, as field errors.
pub fn missing_documents(spec: &motcua_domain::catalog::ProcedureSpec, present: &[usize]) -> Result<(), ApiError> {
    let missing: Vec<motcua_domain::FieldError> = spec
        .missing_documents(present)
        .map(|(i, d)| motcua_domain::FieldError::new(format!("file_{i}"), format!("Cần tệp cho \"{}\".", d.name)))
        .collect();
    if missing.is_empty() { Ok(()) } else { Err(ApiError::invalid(missing)) }
}
