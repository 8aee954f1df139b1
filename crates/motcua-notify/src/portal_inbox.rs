//! Dossiers from the national portal: the messages the portal pushed (kept first, by
//! `POST /api/v1/portal/{agency}/dossiers`) applied by the worker, in order per portal dossier.
//!
//! - The first message of a portal dossier becomes an online dossier of the agency, waiting for
//!   reception like one filed on our own pages: the procedure found by its national code (long
//!   or short form, or the one an officer chose), the applicant checked field by field, each file
//!   fetched from the portal (only from `file_base_url`, bounded in size, recognised by its first
//!   bytes) and kept by its hash. The dossier's id is the message's, so a worker that dies after
//!   writing it and before recording so does not write a second.
//! - The applicant is the citizen account of their citizen ID (or an organisation's tax code),
//!   made on first sight with no password: national sign-in links to the same account.
//! - Later messages carry the citizen's actions: `cancelled` withdraws the dossier; new files
//!   while it waits for a supplement (or for completion) are attached and the supplement is
//!   received. A message that repeats what is known changes nothing.
//! - What cannot be applied (an unknown procedure, a bad field, a file refused) waits for an
//!   officer with its reason (Một cửa → Hồ sơ từ Cổng DVCQG), and holds that dossier's later
//!   messages; the portal being unreachable is retried with backoff.

use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDateTime;
use motcua_app::calendars::Calendars;
use motcua_app::dossiers::At;
use motcua_app::files::{FileStore, keep, sniff};
use motcua_app::portal_in::{PortalDossier, PortalStatus, short_code};
use motcua_domain::catalog::Channel as Kanal;
use motcua_domain::dossier::{
    Action, ApplicantKind, DEFAULT_MAX_REAPPOINT_DAYS, DocumentIn, Dossier, FileRef, PaperForm, PortalOrigin, State,
    Submission,
};
use motcua_domain::org::Actor;
use motcua_store::{PortalMessage, PortalOutcome, Store, StoreError, UserRecord};
use uuid::Uuid;

use crate::gateway::init_tls;

/// How the portal's messages are fetched and applied.
#[derive(Debug, Clone)]
pub struct PortalInbox {
    client: reqwest::Client,
    /// Files are fetched only from addresses that begin with this (the portal's file service);
    /// empty: no file is fetched and a message with files waits for an officer.
    pub file_base_url: String,
    pub max_file_bytes: usize,
    pub files: FileStore,
    calendars: Calendars,
}

/// Why a message was not applied this time.
enum Stop {
    /// Try again later (the portal's file service unreachable).
    Later(String),
    /// An officer must see to it.
    Officer(String),
}

impl From<StoreError> for Stop {
    fn from(e: StoreError) -> Stop {
        Stop::Later(format!("cơ sở dữ liệu: {e}"))
    }
}

impl From<motcua_app::AppError> for Stop {
    fn from(e: motcua_app::AppError) -> Stop {
        match e {
            motcua_app::AppError::Store(e) => e.into(),
            motcua_app::AppError::Internal(e) => Stop::Later(e),
            motcua_app::AppError::Domain(e) => Stop::Officer(explain(&e)),
            other => Stop::Officer(other.to_string()),
        }
    }
}

/// The domain's refusal in words, each field's message included.
fn explain(e: &motcua_domain::DomainError) -> String {
    match e {
        motcua_domain::DomainError::Invalid(fields) => {
            fields.iter().map(|f| format!("{}: {}", f.field, f.message)).collect::<Vec<_>>().join("; ")
        }
        other => other.to_string(),
    }
}

impl PortalInbox {
    pub fn new(
        file_base_url: &str,
        max_file_bytes: usize,
        files: FileStore,
        timeout: Duration,
    ) -> Result<PortalInbox, StoreError> {
        init_tls();
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| StoreError::Config(format!("HTTP client: {e}")))?;
        Ok(PortalInbox {
            client,
            file_base_url: file_base_url.to_owned(),
            max_file_bytes,
            files,
            calendars: Calendars::new()?,
        })
    }

    /// Applies the agency's due messages, one batch; how many were taken.
    pub async fn run_agency(
        &self,
        store: &dyn Store,
        agency_id: Uuid,
        now: NaiveDateTime,
        lease_seconds: i64,
        max_attempts: i64,
        retry_base_seconds: i64,
    ) -> Result<usize, StoreError> {
        let lease = now + chrono::Duration::seconds(lease_seconds);
        let claimed = store.claim_portal_messages(agency_id, now, lease, 50).await?;
        // The claim takes at most one message per portal dossier (the earliest not applied).
        for m in &claimed {
            let outcome = match self.apply(store, m, now).await {
                Ok((dossier_id, what)) => {
                    PortalOutcome { status: "done", dossier_id: Some(dossier_id), outcome: what, next_attempt_at: None }
                }
                Err(Stop::Officer(why)) => {
                    PortalOutcome { status: "unmappable", dossier_id: None, outcome: why, next_attempt_at: None }
                }
                Err(Stop::Later(why)) if m.attempts >= max_attempts => PortalOutcome {
                    status: "unmappable",
                    dossier_id: None,
                    outcome: format!("thử {} lần không được: {why}", m.attempts),
                    next_attempt_at: None,
                },
                Err(Stop::Later(why)) => {
                    let wait = retry_base_seconds.saturating_mul(1 << m.attempts.clamp(0, 10)).min(6 * 3600);
                    PortalOutcome {
                        status: "waiting",
                        dossier_id: None,
                        outcome: why,
                        next_attempt_at: Some(now + chrono::Duration::seconds(wait)),
                    }
                }
            };
            if outcome.status != "done" {
                tracing::warn!(agency_id = %agency_id, message_id = %m.id, status = outcome.status, "portal message not applied");
            }
            store.finish_portal_message(agency_id, m.id, &outcome, now).await?;
        }
        Ok(claimed.len())
    }

    /// Applies one message: the dossier it made or changed, and what was done.
    async fn apply(&self, store: &dyn Store, m: &PortalMessage, now: NaiveDateTime) -> Result<(Uuid, String), Stop> {
        let p = PortalDossier::parse(&m.body).map_err(Stop::Officer)?;
        match store.portal_dossier_id(m.agency_id, &p.code).await? {
            None => self.create(store, m, &p, now).await,
            Some(id) => {
                let d = store.dossier(m.agency_id, id).await?.ok_or_else(|| Stop::Officer("hồ sơ đã mất".into()))?;
                self.later(store, d, &p, now).await
            }
        }
    }

    async fn calendar(&self, store: &dyn Store, agency_id: Uuid) -> Result<Arc<motcua_calendar::WorkCalendar>, Stop> {
        Ok(self.calendars.of(store, agency_id).await?)
    }

    /// The first message of a portal dossier: a new online dossier.
    async fn create(
        &self,
        store: &dyn Store,
        m: &PortalMessage,
        p: &PortalDossier,
        now: NaiveDateTime,
    ) -> Result<(Uuid, String), Stop> {
        if let Some(d) = store.dossier(m.agency_id, m.id).await? {
            return Ok((d.id, "hồ sơ đã tạo ở lần trước".into()));
        }
        if p.status == PortalStatus::Cancelled {
            return Err(Stop::Officer("hồ sơ đã bị hủy trên Cổng trước khi chuyển về".into()));
        }
        let agency = store.agency(m.agency_id).await?.ok_or_else(|| Stop::Officer("không có cơ quan".into()))?;
        let today = now.date();
        let wanted = m.mapped_code.clone().unwrap_or_else(|| p.procedure_code.clone());
        let mut version = store.procedure_at(&wanted, today).await?;
        if version.is_none() {
            version = store.procedure_at(short_code(&wanted), today).await?;
        }
        let version = version.filter(|v| v.agency_id == agency.id).ok_or_else(|| {
            Stop::Officer(format!("mã thủ tục {wanted} không có trong danh mục đang có hiệu lực của cơ quan"))
        })?;
        if !version.spec.channels.contains(&Kanal::Online) {
            return Err(Stop::Officer(format!("thủ tục {} không nhận hồ sơ trực tuyến", version.spec.code)));
        }
        let applicant =
            p.applicant.parse().map_err(|e| Stop::Officer(format!("thông tin chủ hồ sơ: {}", explain(&e))))?;
        let lines = version.spec.documents.len();
        let mut documents: Vec<DocumentIn> = vec![DocumentIn::uploaded(None); lines];
        for f in &p.files {
            let line = f.line.filter(|l| (1..=lines).contains(l)).ok_or_else(|| {
                Stop::Officer(format!("tệp \"{}\": thành phần hồ sơ không khớp giấy tờ nào của thủ tục", f.name))
            })?;
            let file = self.fetch(store, m.agency_id, &f.name, &f.url).await?;
            let doc = &mut documents[line - 1];
            doc.received = true;
            doc.form = Some(PaperForm::Electronic);
            doc.files.push(file);
        }
        let account = citizen_account(store, &applicant).await?;
        let actor = Actor { user_id: account.id, name: account.full_name.clone(), grants: vec![], citizen: true };
        let sub = Submission {
            id: m.id,
            channel: Kanal::Online,
            applicant,
            postal: None,
            citizen_user_id: Some(account.id),
            documents,
            result_delivery: None,
            fees_paid: false,
            fee_reduction: None,
        };
        let cal = self.calendar(store, agency.id).await?;
        let at = At { calendar: &cal, now, max_reappoint_days: DEFAULT_MAX_REAPPOINT_DAYS };
        let origin = PortalOrigin { code: p.code.clone(), vneid_verified: p.vneid_verified };
        let t = motcua_app::dossiers::intake_from_portal(store, &actor, &version, &agency, sub, origin, at).await?;
        Ok((t.dossier.id, format!("tạo hồ sơ trực tuyến, thủ tục {}", version.spec.code)))
    }

    /// A later message: the citizen's withdrawal or supplement, or nothing new.
    async fn later(
        &self,
        store: &dyn Store,
        d: Dossier,
        p: &PortalDossier,
        now: NaiveDateTime,
    ) -> Result<(Uuid, String), Stop> {
        let id = d.id;
        let owner = match d.citizen_user_id {
            Some(u) => store.user(u).await?,
            None => None,
        }
        .ok_or_else(|| Stop::Officer("hồ sơ không gắn tài khoản công dân".into()))?;
        let actor = Actor { user_id: owner.id, name: owner.full_name, grants: vec![], citizen: true };
        let cal = self.calendar(store, d.agency_id).await?;
        let at = At { calendar: &cal, now, max_reappoint_days: DEFAULT_MAX_REAPPOINT_DAYS };
        if p.status == PortalStatus::Cancelled {
            if d.state.is_terminal() {
                return Ok((id, "đã dừng trước đó; không thay đổi".into()));
            }
            let reason = p.note.clone().unwrap_or_else(|| "Công dân rút hồ sơ trên Cổng Dịch vụ công quốc gia".into());
            motcua_app::dossiers::act(store, &actor, &d, d.version, Action::Withdraw { reason }, at).await?;
            return Ok((id, "công dân rút hồ sơ: dừng xử lý".into()));
        }
        let known: Vec<String> = d.documents.iter().flat_map(|l| l.files().map(|f| f.sha256.clone())).collect();
        let mut fresh = Vec::new();
        for f in &p.files {
            let Some(line) = f.line.filter(|l| (1..=d.documents.len()).contains(l)) else {
                return Err(Stop::Officer(format!("tệp \"{}\": thành phần hồ sơ không khớp", f.name)));
            };
            let file = self.fetch(store, d.agency_id, &f.name, &f.url).await?;
            if !known.contains(&file.sha256) {
                fresh.push((line - 1, file));
            }
        }
        if fresh.is_empty() {
            return Ok((id, "không có gì mới".into()));
        }
        if !matches!(d.state, State::Submitted | State::NeedsCompletion | State::AwaitingSupplement) {
            return Err(Stop::Officer(format!(
                "công dân gửi thêm {} tệp khi hồ sơ không chờ bổ sung ({})",
                fresh.len(),
                d.state.label_vi()
            )));
        }
        let mut d = d;
        for (index, file) in fresh.iter().cloned() {
            let t = motcua_app::dossiers::act(store, &actor, &d, d.version, Action::AttachDocument { index, file }, at)
                .await?;
            d = t.dossier;
        }
        let then = match d.state {
            State::AwaitingSupplement => Some(Action::SupplementReceived {
                note: Some("Bổ sung trên Cổng Dịch vụ công quốc gia".into()),
            }),
            State::NeedsCompletion => Some(Action::Resubmit),
            _ => None,
        };
        if let Some(action) = then {
            motcua_app::dossiers::act(store, &actor, &d, d.version, action, at).await?;
        }
        Ok((id, format!("nhận {} tệp bổ sung", fresh.len())))
    }

    /// Fetches a file from the portal's file service and keeps it.
    async fn fetch(&self, store: &dyn Store, agency_id: Uuid, name: &str, url: &str) -> Result<FileRef, Stop> {
        if self.file_base_url.is_empty() || !url.starts_with(&self.file_base_url) {
            return Err(Stop::Officer(format!(
                "tệp \"{name}\": địa chỉ tải không thuộc dịch vụ tệp của Cổng đã cấu hình"
            )));
        }
        let mut res = self
            .client
            .get(url)
            .send()
            .await
            .map_err(|e| Stop::Later(format!("không tải được tệp \"{name}\": {e}")))?;
        let status = res.status();
        if status.is_server_error() || status.as_u16() == 408 || status.as_u16() == 429 {
            return Err(Stop::Later(format!("tệp \"{name}\": HTTP {}", status.as_u16())));
        }
        if !status.is_success() {
            return Err(Stop::Officer(format!("tệp \"{name}\": Cổng trả HTTP {}", status.as_u16())));
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = res.chunk().await.map_err(|e| Stop::Later(format!("tệp \"{name}\": {e}")))? {
            if bytes.len() + chunk.len() > self.max_file_bytes {
                return Err(Stop::Officer(format!(
                    "tệp \"{name}\" lớn hơn {} MB",
                    self.max_file_bytes / (1024 * 1024)
                )));
            }
            bytes.extend_from_slice(&chunk);
        }
        let kind =
            sniff(&bytes).ok_or_else(|| Stop::Officer(format!("tệp \"{name}\" không phải PDF, JPEG hay PNG")))?;
        Ok(keep(store, &self.files, agency_id, name, kind, &bytes).await?)
    }
}

/// The citizen account of the applicant's citizen ID (or tax code): national sign-in links the
/// same ([`motcua_app::accounts::national_account`]).
async fn citizen_account(store: &dyn Store, a: &motcua_domain::dossier::Applicant) -> Result<UserRecord, Stop> {
    let number = match a.kind {
        ApplicantKind::Person => a.citizen_id.as_ref().map(|c| c.as_str().to_owned()),
        ApplicantKind::Organisation => a.tax_code.as_ref().map(|t| t.as_str().to_owned()),
    }
    .ok_or_else(|| Stop::Officer("thiếu số định danh của chủ hồ sơ".into()))?;
    let username = motcua_app::accounts::national_username(a.kind, &number);
    let email = a.email.as_ref().map(|e| e.as_str());
    Ok(motcua_app::accounts::national_account(store, &username, &a.name, Some(a.phone.as_str()), email).await?)
}
