//! Records the store reads and writes besides the domain's own types.

use chrono::{NaiveDate, NaiveDateTime};
use motcua_domain::catalog::Channel;
use motcua_domain::dossier::{EventData, EventKind, State};
use serde::Serialize;
use uuid::Uuid;

/// A user account: an officer (with role grants) or a citizen.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct UserRecord {
    pub id: Uuid,
    /// The officer's agency; `None` for citizens.
    pub agency_id: Option<Uuid>,
    pub username: String,
    pub full_name: String,
    /// argon2id PHC string.
    pub password_hash: String,
    pub citizen: bool,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub active: bool,
}

/// An API token: only its SHA-256 is stored.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiToken {
    pub id: Uuid,
    pub agency_id: Option<Uuid>,
    pub user_id: Uuid,
    pub token_hash: String,
    pub name: String,
    /// Local time after which the token no longer signs anyone in.
    pub expires_at: NaiveDateTime,
}

/// A token as its owner or an administrator sees it (never the token itself).
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct TokenInfo {
    pub id: Uuid,
    pub name: String,
    #[schema(value_type = String)]
    pub created_at: NaiveDateTime,
    #[schema(value_type = String)]
    pub expires_at: NaiveDateTime,
    #[schema(value_type = Option<String>)]
    pub revoked_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    pub agency_id: Option<Uuid>,
    pub actor_id: Option<Uuid>,
    pub action: String,
    pub object: String,
    pub at: NaiveDateTime,
    pub data: serde_json::Value,
}

/// What waits to be sent, for the metrics.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Backlog {
    pub outbox_waiting: i64,
    pub outbox_oldest: Option<NaiveDateTime>,
    pub portal_oldest: Option<NaiveDateTime>,
}

/// The limits of what personal data is kept (see `motcua_app::privacy`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Purge {
    pub sessions_expired_before: NaiveDateTime,
    /// API tokens expired or revoked before this.
    pub tokens_ended_before: NaiveDateTime,
    /// Rate-limit windows that started before this (Unix seconds).
    pub rate_limits_before_epoch: i64,
    /// Messages created before this lose their text and address.
    pub messages_before: NaiveDateTime,
}

/// How many of each were purged.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Purged {
    pub sessions: u64,
    pub tokens: u64,
    pub rate_limits: u64,
    pub messages: u64,
}

/// What an inspector looks for in an agency's record: entries of the audit log and the dossiers'
/// events in `[from, before)` (the nil agency: the installation's entries, of no agency), optionally of one person, one dossier or one action, newest
/// first, `limit` from `offset`.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditQuery {
    pub agency_id: Uuid,
    pub from: NaiveDateTime,
    pub before: NaiveDateTime,
    pub actor_id: Option<Uuid>,
    pub dossier_id: Option<Uuid>,
    /// An audit action (`sign_in`, `dossier_read`…) or a dossier event as `dossier.<kind>`.
    pub action: Option<String>,
    pub limit: i64,
    pub offset: i64,
}

/// One line of the record as the inspector reads it.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct AuditRecord {
    pub at: NaiveDateTime,
    pub actor_id: Option<Uuid>,
    pub actor_name: Option<String>,
    pub actor_username: Option<String>,
    pub action: String,
    pub object: String,
    /// The dossier the line is about (a dossier's event, or an entry whose object names one).
    pub dossier_id: Option<Uuid>,
    pub dossier_code: Option<String>,
    /// The entry's facts (JSON text), the client's address among them.
    pub data: String,
}

/// One page of results and the total count.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProcedureQuery {
    /// Free text, folded before matching; every word must match.
    pub q: Option<String>,
    pub field: Option<String>,
    pub agency_id: Option<Uuid>,
    /// `province`, `commune`, `central`.
    pub level: Option<String>,
    /// `full`, `partial`, `none`.
    pub online: Option<String>,
    /// Each procedure's version in force on this day (the public catalog); `None`: the latest
    /// published, scheduled or not (the administrator's list).
    pub in_force_on: Option<chrono::NaiveDate>,
    pub page: u32,
    pub page_size: u32,
}

/// Filters of the dossier list. `agencies` is the caller's scope and is always applied, except
/// that a citizen's list (`citizen_user_id`) with no agencies spans all agencies.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DossierFilter {
    pub agencies: Vec<Uuid>,
    pub citizen_user_id: Option<Uuid>,
    pub state: Option<State>,
    pub unit: Option<String>,
    pub assignee: Option<Uuid>,
    /// Unfinished dossiers past their due instant at this time.
    pub overdue_at: Option<NaiveDateTime>,
    /// Unfinished dossiers due by this instant.
    pub due_before: Option<NaiveDateTime>,
    pub channel: Option<Channel>,
    pub received_from: Option<NaiveDate>,
    pub received_to: Option<NaiveDate>,
    /// Dossiers recorded on or after this day (those never accepted have no receipt day).
    pub created_from: Option<NaiveDate>,
    /// Newest received first, instead of unfinished first by due date.
    pub newest_first: bool,
    pub page: u32,
    pub page_size: u32,
}

/// A stored event.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct EventRecord {
    pub id: Uuid,
    pub dossier_id: Uuid,
    pub kind: EventKind,
    pub from_state: Option<State>,
    pub to_state: State,
    pub actor_id: Option<Uuid>,
    #[schema(value_type = String)]
    pub at: NaiveDateTime,
    /// What the event records, by kind (its fields, the portal status, any warnings).
    #[schema(value_type = Object)]
    pub data: EventData,
}

/// A message waiting for delivery.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutboxMessage {
    pub id: Uuid,
    pub dossier_id: Option<Uuid>,
    pub event_id: Option<Uuid>,
    pub kind: String,
    pub payload: serde_json::Value,
    pub created_at: NaiveDateTime,
    pub done_at: Option<NaiveDateTime>,
}

/// An outbox event set aside because it could not be expanded into messages.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct FailedOutbox {
    pub id: Uuid,
    pub dossier_id: Option<Uuid>,
    pub kind: String,
    pub created_at: NaiveDateTime,
    pub failed_reason: Option<String>,
}

/// Where a delivery stands. Stored as its kebab-case name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DeliveryStatus {
    /// Waiting for its first attempt.
    Created,
    /// Claimed by a worker, under a lease.
    Sending,
    Delivered,
    /// To be tried again at `next_attempt_at`.
    TemporaryFailure,
    /// The gateway refused it for good, or attempts ran out.
    PermanentFailure,
    /// Not sent through no fault of the gateway: no channel configured, an outcome that could not
    /// be recorded.
    TechnicalFailure,
}

impl DeliveryStatus {
    pub const ALL: [DeliveryStatus; 6] = [
        DeliveryStatus::Created,
        DeliveryStatus::Sending,
        DeliveryStatus::Delivered,
        DeliveryStatus::TemporaryFailure,
        DeliveryStatus::PermanentFailure,
        DeliveryStatus::TechnicalFailure,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Created => "created",
            DeliveryStatus::Sending => "sending",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::TemporaryFailure => "temporary-failure",
            DeliveryStatus::PermanentFailure => "permanent-failure",
            DeliveryStatus::TechnicalFailure => "technical-failure",
        }
    }

    pub fn parse(s: &str) -> Option<DeliveryStatus> {
        DeliveryStatus::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// A failure, for the metrics: `temporary`, `permanent` or `technical`.
    pub fn failure(self) -> Option<&'static str> {
        match self {
            DeliveryStatus::TemporaryFailure => Some("temporary"),
            DeliveryStatus::PermanentFailure => Some("permanent"),
            DeliveryStatus::TechnicalFailure => Some("technical"),
            _ => None,
        }
    }
}

impl std::fmt::Display for DeliveryStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl TryFrom<String> for DeliveryStatus {
    type Error = String;
    /// A stored name read back; anything else is a corrupt row.
    fn try_from(s: String) -> Result<Self, String> {
        DeliveryStatus::parse(&s).ok_or_else(|| format!("delivery status \"{s}\""))
    }
}

impl PartialEq<&str> for DeliveryStatus {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// How a message goes out. Stored as its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryChannel {
    Sms,
    Email,
    /// The National Public Service Portal's dossier sync: one message per dossier event, sent in
    /// order per dossier (a later one waits while an earlier one is not delivered).
    Portal,
    /// The EMC tracker (the digital-government service monitoring): one message per change of a
    /// received dossier, in order per dossier like the portal's.
    Emc,
}

impl DeliveryChannel {
    pub const ALL: [DeliveryChannel; 4] =
        [DeliveryChannel::Sms, DeliveryChannel::Email, DeliveryChannel::Portal, DeliveryChannel::Emc];

    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryChannel::Sms => "sms",
            DeliveryChannel::Email => "email",
            DeliveryChannel::Portal => "portal",
            DeliveryChannel::Emc => "emc",
        }
    }

    pub fn parse(s: &str) -> Option<DeliveryChannel> {
        DeliveryChannel::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// As an officer reads it: "SMS" or "Email".
    pub fn label(self) -> &'static str {
        match self {
            DeliveryChannel::Sms => "SMS",
            DeliveryChannel::Email => "Email",
            DeliveryChannel::Portal => "Cổng DVCQG",
            DeliveryChannel::Emc => "EMC",
        }
    }
}

impl std::fmt::Display for DeliveryChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl TryFrom<String> for DeliveryChannel {
    type Error = String;
    /// A stored name read back; anything else is a corrupt row.
    fn try_from(s: String) -> Result<Self, String> {
        DeliveryChannel::parse(&s).ok_or_else(|| format!("delivery channel \"{s}\""))
    }
}

impl PartialEq<&str> for DeliveryChannel {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// What became of one attempt to send a delivery.
#[derive(Debug, Clone, PartialEq)]
pub struct DeliveryOutcome {
    pub id: Uuid,
    pub status: DeliveryStatus,
    /// When to try again, after a temporary failure.
    pub next_attempt_at: Option<NaiveDateTime>,
    /// The gateway's answer, or why it was not sent.
    pub answer: String,
}

/// A message to deliver, as the notifier builds it from an outbox event.
#[derive(Debug, Clone, PartialEq)]
pub struct NewDelivery {
    pub id: Uuid,
    pub agency_id: Uuid,
    pub dossier_id: Option<Uuid>,
    pub channel: DeliveryChannel,
    pub recipient: String,
    pub idempotency_key: String,
    pub essential: bool,
    pub subject: Option<String>,
    pub body: String,
    pub body_html: Option<String>,
    /// What an officer says on the phone if this SMS cannot reach the applicant.
    pub call_script: Option<String>,
}

/// A stored delivery and where it stands.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Delivery {
    pub id: Uuid,
    pub agency_id: Uuid,
    pub dossier_id: Option<Uuid>,
    #[sqlx(try_from = "String")]
    pub channel: DeliveryChannel,
    pub recipient: String,
    pub idempotency_key: String,
    pub essential: bool,
    pub subject: Option<String>,
    pub body: String,
    pub body_html: Option<String>,
    #[sqlx(try_from = "String")]
    pub status: DeliveryStatus,
    pub attempts: i64,
    pub next_attempt_at: NaiveDateTime,
    pub last_answer: Option<String>,
    pub call_script: Option<String>,
    pub created_at: NaiveDateTime,
}

/// Filters of the message log. `agencies` is the caller's scope and is always applied.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DeliveryQuery {
    pub agencies: Vec<Uuid>,
    /// Part of the recipient, the idempotency key, the subject or the text.
    pub q: Option<String>,
    pub status: Option<DeliveryStatus>,
    pub channel: Option<DeliveryChannel>,
    pub page: u32,
    pub page_size: u32,
}

/// Where an agency's sync with the national portal stands: messages by status, the last one
/// delivered, the oldest still waiting (the lag), and the commonest answers of those that failed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PortalSync {
    pub by_status: Vec<(DeliveryStatus, i64)>,
    pub last_delivered: Option<NaiveDateTime>,
    pub oldest_waiting: Option<NaiveDateTime>,
    /// (the portal's answer, how many), most frequent first.
    pub failures: Vec<(String, i64)>,
    /// The EMC tracker's messages by status.
    pub emc_by_status: Vec<(DeliveryStatus, i64)>,
    /// What the portal sent (`portal_inbox`) by status: waiting, done, unmappable, dismissed.
    pub inbox_by_status: Vec<(String, i64)>,
    /// When the oldest message from the portal still to apply arrived.
    pub inbox_oldest_waiting: Option<NaiveDateTime>,
}

/// How many deliveries of a channel stand at a status, for the metrics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryCount {
    pub channel: DeliveryChannel,
    pub status: DeliveryStatus,
    pub count: i64,
}

/// What an officer records of a phone call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallOutcome<'a> {
    /// `reached`, `no_answer` or `wrong_number`.
    pub outcome: &'a str,
    pub note: Option<&'a str>,
    pub officer_id: Uuid,
    /// Whether the task is closed.
    pub done: bool,
}

/// A phone call an officer of the counter owes an applicant whom an essential message could not
/// reach by SMS.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct CallTask {
    pub id: Uuid,
    pub agency_id: Uuid,
    pub dossier_id: Uuid,
    pub delivery_id: Option<Uuid>,
    /// One task per undelivered message: `<idempotency key>` of the message.
    pub task_key: String,
    /// `no_mobile` or `sms_failed`.
    pub reason: String,
    pub phone: Option<String>,
    pub applicant: String,
    pub script: String,
    /// `open` or `done`.
    pub status: String,
    /// `reached`, `no_answer` or `wrong_number`.
    pub outcome: Option<String>,
    pub note: Option<String>,
    pub attempts: i64,
    pub officer_id: Option<Uuid>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// One version of an agency's words for one event in one language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct MessageTemplate {
    pub id: Uuid,
    pub agency_id: Uuid,
    pub event: String,
    pub lang: String,
    pub version: i64,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    pub sms: String,
    pub author_id: Option<Uuid>,
    pub created_at: NaiveDateTime,
}

/// How an applicant with an account wants to hear from the agency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotifyPreferences {
    /// `both`, `sms` or `email`; essential messages go by every channel whatever this says.
    pub channels: String,
    /// `vi` or `en`.
    pub lang: String,
}

impl Default for NotifyPreferences {
    fn default() -> Self {
        NotifyPreferences { channels: "both".into(), lang: "vi".into() }
    }
}

/// One anonymous answer to the satisfaction survey, stored raw.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SurveyResponse {
    pub id: Uuid,
    pub agency_id: Uuid,
    /// The questionnaire's version.
    pub survey: String,
    /// `counter` or `web`.
    pub channel: String,
    pub answers: serde_json::Value,
    pub expectations: serde_json::Value,
    pub created_at: NaiveDateTime,
}

/// How many dossiers of a field and unit fall in a report's received column (`online`, `direct`,
/// `carried`) and outcome (`early`, `on_time`, `late`, `within`, `overdue`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlacementCount {
    pub field: String,
    pub unit: String,
    pub received: String,
    pub outcome: String,
    pub count: i64,
}

/// A message from the national portal (a dossier filed there, or the citizen's later action on
/// it), kept as it came until it is applied.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PortalMessage {
    pub agency_id: Uuid,
    pub id: Uuid,
    /// The portal's dossier code (`MaHoSo`).
    pub portal_code: String,
    pub body: String,
    /// `waiting`, `done`, `unmappable` (waits for an officer) or `dismissed`.
    pub status: String,
    pub attempts: i64,
    /// The procedure an officer chose when the national code did not map.
    pub mapped_code: Option<String>,
    pub dossier_id: Option<Uuid>,
    /// What was done, or why it waits.
    pub outcome: Option<String>,
    pub received_at: NaiveDateTime,
    pub finished_at: Option<NaiveDateTime>,
}

/// How a message from the portal was left by one attempt to apply it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortalOutcome {
    /// `done`, `unmappable`, `dismissed`, or `waiting` (to try again at `next_attempt_at`).
    pub status: &'static str,
    pub dossier_id: Option<Uuid>,
    pub outcome: String,
    pub next_attempt_at: Option<NaiveDateTime>,
}

/// A draft of a procedure version, waiting for the administrator (an import from the national
/// procedure database writes them; publishing one is the administrator's act).
#[derive(Debug, Clone, PartialEq)]
pub struct ProcedureDraft {
    pub agency_id: Uuid,
    pub id: Uuid,
    pub code: String,
    pub spec: motcua_domain::catalog::ProcedureSpec,
    pub source: String,
    /// What it changes, in words.
    pub summary: String,
    /// `pending`, `published` or `discarded`.
    pub status: String,
    pub created_at: NaiveDateTime,
}

/// Which feedback cases an officer's list shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FeedbackFilter {
    pub agencies: Vec<Uuid>,
    /// Only these states (empty: all).
    pub states: Vec<String>,
    pub kind: Option<String>,
    /// Only cases not finished whose answer is due before this day.
    pub due_before: Option<NaiveDate>,
    /// Only cases received in `[from, to)`.
    pub received: Option<(NaiveDateTime, NaiveDateTime)>,
    pub page: u32,
    pub page_size: u32,
}

/// Which published answers the public page shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AnswerQuery {
    /// Free text, folded before matching; every word must match.
    pub q: Option<String>,
    pub procedure_code: Option<String>,
    /// Only answers about one of these procedures (a field's); `Some(empty)` matches none.
    pub procedure_codes: Option<Vec<String>>,
    /// Only questions (the FAQ), or only PAKN.
    pub kinds: Vec<String>,
    pub page: u32,
    pub page_size: u32,
}

/// One change of a feedback case, as recorded.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct FeedbackEvent {
    pub id: Uuid,
    pub case_id: Uuid,
    pub action: String,
    pub from_state: Option<String>,
    pub to_state: String,
    pub actor_id: Option<Uuid>,
    pub at: NaiveDateTime,
    pub detail: String,
}

/// One call to the agency's published hotline, as the officer recorded it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct HotlineCall {
    pub agency_id: Uuid,
    pub id: Uuid,
    /// The published number called.
    pub hotline: String,
    pub started_at: NaiveDateTime,
    pub minutes: i32,
    pub officer_id: Uuid,
    pub caller_name: Option<String>,
    pub caller_phone: Option<String>,
    /// What it was about (a field of the catalog, or the officer's words).
    pub topic: String,
    pub procedure_code: Option<String>,
    /// A faithful summary.
    pub summary: String,
    /// Read back to the caller and confirmed.
    pub confirmed: bool,
    /// The feedback case (PAKN or question) it became.
    pub case_id: Option<Uuid>,
}

/// An officer's day at the counter.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Attendance {
    pub officer_id: Uuid,
    pub day: NaiveDate,
    pub check_in: NaiveDateTime,
    pub check_out: Option<NaiveDateTime>,
}

/// An inspector's spot check of an officer at the counter.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SpotCheck {
    pub agency_id: Uuid,
    pub id: Uuid,
    pub at: NaiveDateTime,
    pub inspector_id: Uuid,
    pub officer_id: Uuid,
    pub present: bool,
    pub note: String,
}

/// The two chains sealing the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chain {
    /// Dossier events (`dossier_events`).
    Events,
    /// Audit entries (`audit_log`).
    Audit,
}

impl Chain {
    pub const ALL: [Chain; 2] = [Chain::Events, Chain::Audit];

    pub fn as_str(self) -> &'static str {
        match self {
            Chain::Events => "events",
            Chain::Audit => "audit",
        }
    }

    pub fn parse(s: &str) -> Option<Chain> {
        Chain::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// A sealed or sealable row: its id, time, and its content as one canonical text (JSON of every
/// column, in order), which its hash covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainRow {
    pub id: Uuid,
    pub at: NaiveDateTime,
    pub content: String,
}

/// One link of a chain: the row it seals, the row's hash, and the link's own hash (over the
/// previous link's hash, the row's hash and the number).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainLink {
    pub seq: i64,
    pub row_id: Uuid,
    pub row_at: NaiveDateTime,
    pub row_hash: String,
    pub hash: String,
}
