//! Storage for motcua: the [`Store`] trait the rest of the system uses, and its two backends —
//! SQLite (a file in WAL mode, the embedded default) and PostgreSQL (the scale path) — chosen
//! once at start-up from the database URL ([`connect`]). The store is a set of role traits
//! ([`OrgStore`], [`DossierStore`], [`DeliveryStore`]…), gathered by [`Store`].
//!
//! Each backend has its own plain-SQL migrations (`migrations/sqlite`, `migrations/postgres`),
//! applied at start. The queries themselves are written once (`queries/`, a module per role) in the SQL both
//! backends share and expanded for each pool type; what differs (connection set-up, migrations,
//! locking) lives in `sqlite.rs` and `postgres.rs`.

/// The due deliveries a worker may claim (`$2` now, `$3` how many, `$4` the agency), shared by
/// both backends' claims.
macro_rules! claimable_deliveries {
    () => {
        "select d.id from deliveries d
           where d.agency_id = $4
             and ((d.status in ('created', 'temporary-failure') and d.next_attempt_at <= $2)
               or (d.status = 'sending' and d.locked_until < $2))
             -- The portal (and the EMC tracker) is told a dossier's changes in order: a message waits while one of
             -- an earlier change of the same dossier is not delivered (a dead letter holds the
             -- rest until it is sent again). Changes are ordered by their outbox rows, whose
             -- time-ordered ids follow the dossier's versions.
             and not (d.channel in ('portal', 'emc') and exists (select 1 from deliveries e
               where e.agency_id = d.agency_id and e.dossier_id = d.dossier_id and e.channel = d.channel
                 and e.status <> 'delivered' and e.outbox_id < d.outbox_id))
           order by d.next_attempt_at limit $3"
    };
}

/// The portal's messages a worker may claim (`$2` now, `$3` how many, `$4` the agency): waiting
/// and due (or leased by a worker that died), none of an earlier message of the same portal
/// dossier still to apply. Shared by both backends' claims.
macro_rules! claimable_portal_messages {
    () => {
        "select m.id from portal_inbox m
           where m.agency_id = $4 and m.status = 'waiting' and m.next_attempt_at <= $2
             and (m.locked_until is null or m.locked_until < $2)
             and not exists (select 1 from portal_inbox e
               where e.agency_id = m.agency_id and e.portal_code = m.portal_code
                 and e.status in ('waiting', 'unmappable') and e.id < m.id)
           order by m.id limit $3"
    };
}

/// The columns of a portal message, in the order of [`PortalMessage`]'s fields.
macro_rules! portal_message_fields {
    () => {
        "agency_id, id, portal_code, body, status, attempts, mapped_code, dossier_id, outcome, received_at, finished_at"
    };
}

/// The columns of a delivery, in the order `queries::delivery_from` reads them.
macro_rules! delivery_fields {
    () => {
        "id, agency_id, dossier_id, channel, recipient, idempotency_key, essential, subject, body, body_html,
           status, attempts, next_attempt_at, last_answer, call_script, created_at"
    };
}

/// Binds a facts row's 22 values (`$f`, a `&DossierFacts`) in the order of the facts' columns
/// (`dossier_id … due_day_start, steps`), with `$field` in the field's place: its name, or the
/// procedure version that names it (the inserts of `queries/` look the name up).
macro_rules! bind_facts {
    ($q:expr, $f:expr, $field:expr) => {{
        let f: &motcua_domain::dossier::DossierFacts = $f;
        $q.bind(f.dossier_id)
            .bind(f.agency_id)
            .bind(f.code.clone())
            .bind(f.procedure_code.clone())
            .bind($field)
            .bind(f.unit.clone())
            .bind(f.channel.as_str())
            .bind(f.state.as_str())
            .bind(f.received_at)
            .bind(f.due_at)
            .bind(f.finished_at)
            .bind(serde_json::to_string(&f.supplements)?)
            .bind(f.reappointed)
            .bind(f.fees as i64)
            .bind(f.result_electronic)
            .bind(f.documents_digitised)
            .bind(f.returned_online)
            .bind(f.supplements.first().map(|s| s.0))
            .bind(f.supplements.first().and_then(|s| s.1))
            .bind(f.supplements.get(1).map(|s| s.0))
            .bind(f.due_date().map(|d| d.and_time(chrono::NaiveTime::MIN)))
            .bind(serde_json::to_string(&f.steps)?)
    }};
}

pub mod bulk;
mod error;
mod migrate;
mod model;
mod postgres;
mod queries;
mod sqlite;
#[cfg(feature = "testing")]
pub mod testing;

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{NaiveDate, NaiveDateTime};
use motcua_domain::catalog::{Field, ProcedureSpec, ProcedureVersion};
use motcua_domain::dossier::{Dossier, Transition};
use motcua_domain::org::{Actor, Agency, RoleGrant, Unit};
use uuid::Uuid;

pub use error::StoreError;
pub use model::{
    AnswerQuery, ApiToken, Attendance, AuditEntry, AuditQuery, AuditRecord, Backlog, CallOutcome, CallTask, Chain,
    ChainLink, ChainRow, Delivery, DeliveryChannel, DeliveryCount, DeliveryOutcome, DeliveryQuery, DeliveryStatus,
    DossierFilter, EventRecord, FailedOutbox, FeedbackEvent, FeedbackFilter, HotlineCall, MessageTemplate, NewDelivery,
    NotifyPreferences, OutboxMessage, Page, PlacementCount, PortalMessage, PortalOutcome, PortalSync, ProcedureDraft,
    ProcedureQuery, Purge, Purged, SpotCheck, SurveyResponse, TokenInfo, UserRecord,
};
pub use postgres::PgStore;
pub use sqlite::SqliteStore;

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The organisation: agencies, their units and calendars, users and their role grants.
#[async_trait]
pub trait OrgStore: Send + Sync {
    async fn insert_agency(&self, agency: &Agency, calendar_toml: Option<&str>) -> Result<()>;
    async fn agencies(&self) -> Result<Vec<Agency>>;
    async fn agency(&self, id: Uuid) -> Result<Option<Agency>>;
    async fn agency_by_code(&self, code: &str) -> Result<Option<Agency>>;
    /// The agency and its stored calendar file (`None`: the national default), in one read.
    async fn agency_with_calendar(&self, id: Uuid) -> Result<Option<(Agency, Option<String>)>>;
    /// The agency's own calendar file (TOML), if it has one.
    async fn agency_calendar(&self, id: Uuid) -> Result<Option<String>>;
    async fn insert_unit(&self, unit: &Unit) -> Result<()>;
    async fn units(&self, agency_id: Uuid) -> Result<Vec<Unit>>;
    async fn insert_user(&self, user: &UserRecord) -> Result<()>;
    async fn user(&self, id: Uuid) -> Result<Option<UserRecord>>;
    async fn user_by_username(&self, username: &str) -> Result<Option<UserRecord>>;
    /// The citizen account with this e-mail address.
    async fn citizen_by_email(&self, email: &str) -> Result<Option<UserRecord>>;
    async fn insert_grant(&self, user_id: Uuid, grant: &RoleGrant) -> Result<()>;
    /// Takes one grant away (every copy of it); whether there was one.
    async fn delete_grant(&self, user_id: Uuid, grant: &RoleGrant) -> Result<bool>;
    /// An officer's name and how to reach them (digests, reminders, the contact on Mẫu 02).
    async fn set_user_contacts(
        &self,
        user_id: Uuid,
        full_name: &str,
        phone: Option<&str>,
        email: Option<&str>,
    ) -> Result<()>;
    async fn grants(&self, user_id: Uuid) -> Result<Vec<RoleGrant>>;
    /// The officers of an agency (with a grant there), by username.
    async fn users_of(&self, agency_id: Uuid) -> Result<Vec<UserRecord>>;
    /// Deactivating ends the user's sessions and revokes their API tokens.
    async fn set_user_active(&self, user_id: Uuid, active: bool) -> Result<()>;
    async fn set_password_hash(&self, user_id: Uuid, password_hash: &str) -> Result<()>;
    /// The agency's settings (key, value), e.g. what its documents say ([`motcua_domain::org::FormStyle`]).
    async fn agency_settings(&self, agency_id: Uuid) -> Result<Vec<(String, String)>>;
    /// One setting of every agency that has it: (agency, value), in one read (on a sharded
    /// database, a query to every shard).
    async fn setting_of_all(&self, key: &str) -> Result<Vec<(Uuid, String)>>;
    /// Sets (or with `None` removes) one of the agency's settings.
    async fn set_agency_setting(&self, agency_id: Uuid, key: &str, value: Option<&str>) -> Result<()>;
    /// Replaces the agency's own calendar file (None: the national default).
    async fn set_agency_calendar(&self, agency_id: Uuid, calendar_toml: Option<&str>) -> Result<()>;
}

/// Who is signed in: API tokens and web sessions, found by the hash of their secret.
#[async_trait]
pub trait SessionStore: Send + Sync {
    /// Removes what its retention period no longer keeps (`[privacy]`): expired sessions, ended
    /// API tokens, old rate-limit windows, and the text and address of old messages.
    async fn purge_expired(&self, purge: &Purge) -> Result<Purged>;
    async fn insert_token(&self, token: &ApiToken) -> Result<()>;
    /// The active user of a token that is neither revoked nor expired at `now` (local time), with
    /// their grants, read in one round trip.
    async fn token_actor(&self, token_hash: &str, now: NaiveDateTime) -> Result<Option<Actor>>;
    /// A user's API tokens, newest first.
    async fn tokens_of(&self, user_id: Uuid) -> Result<Vec<TokenInfo>>;
    /// Revokes one of the user's tokens; whether it was valid.
    async fn revoke_token(&self, user_id: Uuid, token_id: Uuid, now: NaiveDateTime) -> Result<bool>;
    /// Opens a browser session (the token's SHA-256) until `expires_at`.
    async fn insert_session(&self, token_hash: &str, user_id: Uuid, expires_at: NaiveDateTime) -> Result<()>;
    /// The active user of an unexpired session, with their grants, read in one round trip.
    async fn session_actor(&self, token_hash: &str, now: NaiveDateTime) -> Result<Option<Actor>>;
    async fn delete_session(&self, token_hash: &str) -> Result<()>;
}

/// The catalog: fields and versioned procedures.
#[async_trait]
pub trait CatalogStore: Send + Sync {
    async fn upsert_field(&self, agency_id: Uuid, field: &Field) -> Result<()>;
    async fn fields(&self) -> Result<Vec<Field>>;
    /// Stores `spec` as the new current version of its procedure (creating the procedure on its
    /// first version), published (made public in the catalog) at `published_at`; earlier
    /// versions stay for the dossiers that use them.
    async fn publish_procedure(
        &self,
        agency_id: Uuid,
        spec: &ProcedureSpec,
        field_name: &str,
        published_at: NaiveDateTime,
    ) -> Result<ProcedureVersion>;
    /// The latest published version of the procedure with this code, in force or scheduled (what
    /// the administrator edits).
    async fn procedure(&self, code: &str) -> Result<Option<ProcedureVersion>>;
    /// The version of the procedure with this code in force on `day`: the newest whose effective
    /// date has come, unless it has expired. A version published for a later day is scheduled.
    async fn procedure_at(&self, code: &str, day: NaiveDate) -> Result<Option<ProcedureVersion>>;
    /// [`procedure_at`](Self::procedure_at) with the version's agency and its stored calendar
    /// file, in one round trip: what an intake reads before it writes.
    async fn procedure_with_agency_at(
        &self,
        code: &str,
        day: NaiveDate,
    ) -> Result<Option<(ProcedureVersion, Agency, Option<String>)>>;
    async fn procedure_version(&self, id: Uuid) -> Result<Option<ProcedureVersion>>;
    async fn procedure_versions(&self, procedure_id: Uuid) -> Result<Vec<ProcedureVersion>>;
    /// Every version of the agency's procedures with the instant it was published, by procedure
    /// and version: what the quality indices read of the catalog (publication on time,
    /// completeness, online service).
    async fn procedure_history(&self, agency_id: Uuid) -> Result<Vec<(ProcedureVersion, NaiveDateTime)>>;
    /// Current versions matching the query, ranked, one page.
    async fn search_procedures(&self, query: &ProcedureQuery) -> Result<Page<ProcedureVersion>>;
    /// Keeps `spec` as the agency's pending draft of its procedure (replacing the one pending).
    async fn put_procedure_draft(
        &self,
        agency_id: Uuid,
        spec: &ProcedureSpec,
        source: &str,
        summary: &str,
        now: NaiveDateTime,
    ) -> Result<Uuid>;
    /// The agency's pending draft of the procedure with this code.
    async fn procedure_draft_of(&self, agency_id: Uuid, code: &str) -> Result<Option<ProcedureDraft>>;
    async fn procedure_draft(&self, agency_id: Uuid, id: Uuid) -> Result<Option<ProcedureDraft>>;
    /// The agency's pending drafts, by code.
    async fn procedure_drafts(&self, agency_id: Uuid) -> Result<Vec<ProcedureDraft>>;
    /// Closes a pending draft as `published` or `discarded` by `user`; whether it was pending.
    async fn close_procedure_draft(
        &self,
        agency_id: Uuid,
        id: Uuid,
        status: &str,
        user: Uuid,
        now: NaiveDateTime,
    ) -> Result<bool>;
}

/// Dossiers, their events and outbox rows, written together; the day's numbering.
#[async_trait]
pub trait DossierStore: Send + Sync {
    /// The next number of the agency's daily sequence, allocated atomically.
    async fn next_sequence(&self, agency_id: Uuid, day: NaiveDate) -> Result<u32>;
    /// The next number of the agency's series `kind` (a [`motcua_domain::dossier::FormKind`]'s
    /// name) in `year`, allocated atomically: documents are numbered continuously through the year.
    async fn next_number(&self, agency_id: Uuid, year: i32, kind: &str) -> Result<u32>;
    /// The agency's unfinished dossier received by post under this tracking number, if any (a
    /// number is the post's for one item: a second open dossier under it is a mistake).
    async fn open_postal_dossier(&self, agency_id: Uuid, tracking_number: &str) -> Result<Option<Uuid>>;
    /// Writes a new dossier, its first event and its outbox message in one transaction.
    async fn insert_dossier(&self, transition: &Transition) -> Result<Uuid>;
    /// Takes the next number of the agency's `day` and the next line of its register for the
    /// day's year, and writes the dossier `make` builds with them (day's number, register line),
    /// its first event and outbox message, in one transaction: a refusal by `make` (or a crash)
    /// takes no number and writes nothing.
    async fn insert_numbered_dossier(
        &self,
        agency_id: Uuid,
        day: NaiveDate,
        make: &(dyn Fn(u32, u32) -> std::result::Result<Transition, motcua_domain::DomainError> + Send + Sync),
    ) -> Result<std::result::Result<Transition, motcua_domain::DomainError>>;
    /// Writes a change, its event and its outbox message in one transaction, provided the stored
    /// dossier still has `expected_version`; otherwise [`StoreError::Conflict`] and nothing changes.
    async fn update_dossier(&self, expected_version: i64, transition: &Transition) -> Result<Uuid>;
    /// The agency's dossier with this id.
    async fn dossier(&self, agency_id: Uuid, id: Uuid) -> Result<Option<Dossier>>;
    /// The dossier with this id submitted by this citizen (a citizen's dossiers may be in any
    /// agency; the citizen, not the agency, is what scopes the read).
    async fn citizen_dossier(&self, citizen_user_id: Uuid, id: Uuid) -> Result<Option<Dossier>>;
    /// The agency's dossier with this code (the code begins with the agency's code).
    async fn dossier_by_code(&self, agency_id: Uuid, code: &str) -> Result<Option<Dossier>>;
    /// The dossiers with these ids that exist, in no particular order, in as few round trips as
    /// the backend allows (the notification worker reads a batch's dossiers at once).
    async fn dossiers_by_id(&self, agency_id: Uuid, ids: &[Uuid]) -> Result<Vec<Dossier>>;
    /// The dossier with this code and its events, oldest first, in one round trip (the lookup).
    async fn dossier_and_events_by_code(
        &self,
        agency_id: Uuid,
        code: &str,
    ) -> Result<Option<(Dossier, Vec<EventRecord>)>>;
    /// The version of the agency's dossier with this code: a small read that tells whether a
    /// dossier read earlier is still as it was (the lookup's kept answers).
    async fn dossier_version_by_code(&self, agency_id: Uuid, code: &str) -> Result<Option<i64>>;
    async fn list_dossiers(&self, filter: &DossierFilter) -> Result<Page<Dossier>>;
    async fn events(&self, agency_id: Uuid, dossier_id: Uuid) -> Result<Vec<EventRecord>>;
    /// The events with these ids, in no particular order (the notification worker's batch).
    async fn events_by_id(&self, agency_id: Uuid, ids: &[Uuid]) -> Result<Vec<EventRecord>>;
    async fn outbox(&self, agency_id: Uuid, dossier_id: Uuid) -> Result<Vec<OutboxMessage>>;
    /// Queues the agency's coded dossiers changed since `since` to be told to the national
    /// portal again (one `portal_resync` outbox row each, after every message already queued);
    /// how many.
    async fn queue_portal_resync(&self, agency_id: Uuid, since: NaiveDateTime, now: NaiveDateTime) -> Result<u64>;
}

/// The outbox as the delivery worker sees it: claims, deliveries, their outcomes and counts.
#[async_trait]
pub trait DeliveryStore: Send + Sync {
    /// Takes up to `limit` of the agency's outbox events not yet expanded into deliveries, oldest
    /// first, and reserves them until `lease_until`: another worker does not take them
    /// meanwhile, and takes them once the lease has run out if they are still not expanded. Per
    /// agency, so that a claim reaches one shard, and one agency's backlog does not hold up the
    /// others' messages.
    async fn claim_outbox(
        &self,
        agency_id: Uuid,
        now: NaiveDateTime,
        lease_until: NaiveDateTime,
        limit: i64,
    ) -> Result<Vec<OutboxMessage>>;
    /// Returns when new outbox events may have been written, or after `timeout`: PostgreSQL
    /// wakes on the `motcua_outbox` notice of a committed write, SQLite just waits.
    async fn wait_for_outbox(&self, timeout: std::time::Duration);
    /// deliveries already recorded (same idempotency key) are left as they are.
    async fn insert_deliveries(
        &self,
        agency_id: Uuid,
        outbox_id: Uuid,
        deliveries: &[NewDelivery],
        now: NaiveDateTime,
    ) -> Result<()> {
        self.insert_deliveries_of(agency_id, &[(outbox_id, deliveries.to_vec())], now).await
    }
    /// [`Store::insert_deliveries`] for several outbox events, all in one transaction (a worker
    /// under load writes once per batch, not once per event).
    async fn insert_deliveries_of(
        &self,
        agency_id: Uuid,
        expanded: &[(Uuid, Vec<NewDelivery>)],
        now: NaiveDateTime,
    ) -> Result<()>;
    /// Sets aside an outbox event that cannot be expanded, with its reason: it is not tried
    /// again and the others go on.
    async fn fail_outbox(&self, agency_id: Uuid, outbox_id: Uuid, reason: &str, now: NaiveDateTime) -> Result<()>;
    /// The agency's outbox events set aside, newest first: (when, event kind, dossier, reason).
    async fn failed_outbox(&self, agency_id: Uuid, limit: i64) -> Result<Vec<FailedOutbox>>;
    /// Takes up to `limit` of the agency's deliveries due at `now` (or whose sender's lease ran
    /// out) for sending, leased until `lease_until`. Several workers never take the same one
    /// (PostgreSQL: SKIP LOCKED; SQLite: one writer at a time).
    async fn claim_deliveries(
        &self,
        agency_id: Uuid,
        now: NaiveDateTime,
        lease_until: NaiveDateTime,
        limit: i64,
    ) -> Result<Vec<Delivery>>;
    /// Records a delivery's outcome: `next_attempt_at` for a temporary failure.
    async fn finish_delivery(
        &self,
        agency_id: Uuid,
        id: Uuid,
        status: DeliveryStatus,
        next_attempt_at: Option<NaiveDateTime>,
        answer: &str,
        now: NaiveDateTime,
    ) -> Result<()> {
        let outcome = DeliveryOutcome { id, status, next_attempt_at, answer: answer.to_owned() };
        self.finish_deliveries(agency_id, &[outcome], now).await
    }
    /// Records several deliveries' outcomes in one transaction.
    async fn finish_deliveries(&self, agency_id: Uuid, outcomes: &[DeliveryOutcome], now: NaiveDateTime) -> Result<()>;
    async fn deliveries_of(&self, agency_id: Uuid, dossier_id: Uuid) -> Result<Vec<Delivery>>;
    async fn delivery(&self, agency_id: Uuid, id: Uuid) -> Result<Option<Delivery>>;
    /// Records messages not caused by a dossier event (digests, reminders) under an outbox row of
    /// `kind`, already expanded; those whose idempotency key exists are skipped. How many were new.
    async fn enqueue_deliveries(
        &self,
        agency_id: Uuid,
        kind: &str,
        deliveries: &[NewDelivery],
        now: NaiveDateTime,
    ) -> Result<usize>;
    /// The message log: newest first, one page.
    async fn search_deliveries(&self, query: &DeliveryQuery) -> Result<Page<Delivery>>;
    /// Puts a delivery back in the queue, due at `now` (a resend keeps its idempotency key).
    async fn resend_delivery(&self, agency_id: Uuid, id: Uuid, now: NaiveDateTime) -> Result<()>;
    /// The agency's dossiers the national portal has been told of by a message created at or
    /// after `since` (Decision 766 indicator 1.4).
    async fn portal_synced(&self, agency_id: Uuid, since: NaiveDateTime) -> Result<Vec<Uuid>>;
    /// The agency's sync with the national portal, at a glance.
    async fn portal_sync(&self, agency_id: Uuid) -> Result<PortalSync>;
    /// Deliveries by channel and status, for the metrics.
    async fn delivery_counts(&self) -> Result<Vec<DeliveryCount>>;
    /// What waits, for the metrics: outbox events not expanded yet and the oldest one's time,
    /// and the oldest message to the national portal not delivered yet.
    async fn backlog(&self) -> Result<Backlog>;
}

/// What follows a message: phone-call tasks, the agencies' words, the applicants' preferences.
#[async_trait]
pub trait MessageStore: Send + Sync {
    /// Opens a call task unless one with its key exists; whether it was new.
    async fn insert_call_task(&self, task: &CallTask) -> Result<bool>;
    async fn call_task(&self, agency_id: Uuid, id: Uuid) -> Result<Option<CallTask>>;
    /// The agency's call tasks (open ones only, or all), oldest first.
    async fn call_tasks(&self, agency_id: Uuid, open_only: bool) -> Result<Vec<CallTask>>;
    async fn call_tasks_of(&self, agency_id: Uuid, dossier_id: Uuid) -> Result<Vec<CallTask>>;
    /// How many call tasks are open, in every agency.
    async fn open_call_task_count(&self) -> Result<i64>;
    /// Records a call's outcome on the agency's task `id`; `done` closes the task.
    async fn record_call(&self, agency_id: Uuid, id: Uuid, call: &CallOutcome<'_>, now: NaiveDateTime) -> Result<()>;
    /// Stores a new version of the agency's words for (event, lang), numbered after the last.
    async fn insert_message_template(&self, template: &MessageTemplate) -> Result<MessageTemplate>;
    /// Every version of the agency's templates, newest first.
    async fn message_templates(&self, agency_id: Uuid) -> Result<Vec<MessageTemplate>>;
    async fn notify_preferences(&self, user_id: Uuid) -> Result<NotifyPreferences>;
    async fn set_notify_preferences(&self, user_id: Uuid, preferences: &NotifyPreferences) -> Result<()>;
}

/// Service quality: the facts of dossiers, Biểu 06 counts, evaluations, frozen reports, the survey.
#[async_trait]
pub trait QualityStore: Send + Sync {
    /// The facts of the given agencies' dossiers accepted before `end` and not finished before
    /// `start` (everything a report of that window may count); with `received_only`, those
    /// accepted in the window.
    async fn facts(
        &self,
        agencies: &[Uuid],
        start: NaiveDateTime,
        end: NaiveDateTime,
        received_only: bool,
    ) -> Result<Vec<motcua_domain::dossier::DossierFacts>>;
    /// Biểu 06 counted by the database: the dossiers of [`Store::facts`]'s window grouped by field,
    /// unit, received column and outcome, with the rules of `DossierFacts::judge` and
    /// `overdue_at` written in SQL (the two are tested to agree).
    async fn report06_counts(
        &self,
        agencies: &[Uuid],
        start: NaiveDateTime,
        end: NaiveDateTime,
    ) -> Result<Vec<PlacementCount>>;
    /// The facts of the dossiers of that window placed in any of `placements` (received column or
    /// outcome names, as in [`PlacementCount`]), of one field or unit if given, earliest due
    /// first, at most `limit`.
    async fn report06_facts(
        &self,
        agencies: &[Uuid],
        (start, end): (NaiveDateTime, NaiveDateTime),
        placements: &[&str],
        (field, unit): (Option<&str>, Option<&str>),
        limit: i64,
    ) -> Result<Vec<motcua_domain::dossier::DossierFacts>>;
    /// Decision 766's per-dossier counts of the given agencies' dossiers accepted in
    /// [`start`, `end`), judged at `end`: one pass of the database over the period's facts and
    /// evaluations, with the rules of `DossierFacts::judge` and `overdue_at` in SQL (Biểu 06's;
    /// tested to agree with [`motcua_quality::index766::DossierTally::of`]).
    async fn index766_tally(
        &self,
        agencies: &[Uuid],
        start: NaiveDateTime,
        end: NaiveDateTime,
    ) -> Result<motcua_quality::index766::DossierTally>;
    /// Records or replaces the applicant's evaluation of a dossier.
    async fn save_evaluation(&self, evaluation: &motcua_domain::evaluation::Evaluation) -> Result<()>;
    async fn evaluation(
        &self,
        agency_id: Uuid,
        dossier_id: Uuid,
    ) -> Result<Option<motcua_domain::evaluation::Evaluation>>;
    /// The evaluations of the dossiers [`Store::facts`] returns for the same arguments.
    async fn evaluations(
        &self,
        agencies: &[Uuid],
        start: NaiveDateTime,
        end: NaiveDateTime,
        received_only: bool,
    ) -> Result<Vec<motcua_domain::evaluation::Evaluation>>;
    /// Freezes a report: a new snapshot row, never changed afterwards.
    async fn insert_report_snapshot(
        &self,
        agency_id: Uuid,
        kind: &str,
        period: &str,
        made_by: Option<Uuid>,
        made_at: NaiveDateTime,
        data: &serde_json::Value,
    ) -> Result<Uuid>;
    /// The snapshots of a period's report, newest first: id, when, by whom (name).
    async fn report_snapshots(
        &self,
        agency_id: Uuid,
        kind: &str,
        period: &str,
    ) -> Result<Vec<(Uuid, NaiveDateTime, String)>>;
    /// A snapshot: agency, kind, period, when, data.
    async fn report_snapshot(
        &self,
        id: Uuid,
    ) -> Result<Option<(Uuid, String, String, NaiveDateTime, serde_json::Value)>>;
    /// Records one anonymous survey response.
    async fn insert_survey_response(&self, response: &SurveyResponse) -> Result<()>;
    /// The agency's survey responses given in [start, end), oldest first.
    async fn survey_responses(
        &self,
        agency_id: Uuid,
        start: NaiveDateTime,
        end: NaiveDateTime,
    ) -> Result<Vec<SurveyResponse>>;
}

/// What the national portal sends (dossiers filed there, the citizen's later actions), kept
/// before it is applied and applied in order per portal dossier by whichever worker claims it.
#[async_trait]
pub trait PortalInboxStore: Send + Sync {
    /// Keeps a message (its body's SHA-256 `digest`): the same message sent again is not kept
    /// twice. Its id, and whether it is new.
    async fn insert_portal_message(
        &self,
        agency_id: Uuid,
        portal_code: &str,
        digest: &str,
        body: &str,
        now: NaiveDateTime,
    ) -> Result<(Uuid, bool)>;
    /// Takes up to `limit` of the agency's waiting messages due at `now`, leased until
    /// `lease_until`, oldest first; a message waits while an earlier one of the same portal
    /// dossier is not applied (waiting, or unmappable until an officer sees to it).
    async fn claim_portal_messages(
        &self,
        agency_id: Uuid,
        now: NaiveDateTime,
        lease_until: NaiveDateTime,
        limit: i64,
    ) -> Result<Vec<PortalMessage>>;
    /// Records what an attempt did to a claimed message.
    async fn finish_portal_message(
        &self,
        agency_id: Uuid,
        id: Uuid,
        outcome: &PortalOutcome,
        now: NaiveDateTime,
    ) -> Result<()>;
    /// The dossier created from the portal's dossier `portal_code`, if any.
    async fn portal_dossier_id(&self, agency_id: Uuid, portal_code: &str) -> Result<Option<Uuid>>;
    async fn portal_message(&self, agency_id: Uuid, id: Uuid) -> Result<Option<PortalMessage>>;
    /// The agency's messages at `status`, oldest first.
    async fn portal_messages(&self, agency_id: Uuid, status: &str, limit: i64) -> Result<Vec<PortalMessage>>;
    /// Puts an unmappable message back to be applied at `now`, with the procedure an officer
    /// chose; whether it was waiting for an officer.
    async fn requeue_portal_message(
        &self,
        agency_id: Uuid,
        id: Uuid,
        mapped_code: Option<&str>,
        now: NaiveDateTime,
    ) -> Result<bool>;
}

/// Citizens' feedback and petitions, complaints, denunciations and questions.
#[async_trait]
pub trait FeedbackStore: Send + Sync {
    /// Writes a new case (its number already taken), its first event and, when the sender is to
    /// be told, an outbox row, in one transaction.
    async fn insert_feedback(&self, change: &motcua_domain::feedback::CaseChange) -> Result<()>;
    /// Writes a change, its event and its outbox row in one transaction, provided the stored
    /// case still has `expected_version`; otherwise [`StoreError::Conflict`].
    async fn update_feedback(&self, expected_version: i64, change: &motcua_domain::feedback::CaseChange) -> Result<()>;
    async fn feedback_case(&self, agency_id: Uuid, id: Uuid) -> Result<Option<motcua_domain::feedback::Case>>;
    /// One page of the agency's cases, oldest deadline first.
    async fn feedback_cases(&self, filter: &FeedbackFilter) -> Result<Page<motcua_domain::feedback::Case>>;
    async fn feedback_events(&self, agency_id: Uuid, case_id: Uuid) -> Result<Vec<FeedbackEvent>>;
    /// Published answers of publishable kinds, newest first, one page.
    async fn published_answers(&self, query: &AnswerQuery) -> Result<Page<motcua_domain::feedback::Case>>;
    /// Counts one rating of a published answer; the case after it.
    async fn rate_answer(
        &self,
        agency_id: Uuid,
        id: Uuid,
        useful: bool,
    ) -> Result<Option<motcua_domain::feedback::Case>>;
    /// The published case with this id in any agency (the public page names no agency).
    async fn published_case(&self, id: Uuid) -> Result<Option<motcua_domain::feedback::Case>>;
    /// The dossiers of these agencies that are the subject of a PAKN (regulation or conduct):
    /// Decision 766 indicator 5.4 counts them as not satisfied.
    async fn pakn_dossiers(&self, agencies: &[Uuid]) -> Result<Vec<Uuid>>;
    async fn insert_hotline_call(&self, call: &HotlineCall) -> Result<()>;
    /// The agency's calls in `[from, to)`, newest first.
    async fn hotline_calls(&self, agency_id: Uuid, from: NaiveDateTime, to: NaiveDateTime) -> Result<Vec<HotlineCall>>;
    async fn hotline_call(&self, agency_id: Uuid, id: Uuid) -> Result<Option<HotlineCall>>;
    /// The officer arrives at the counter on `at`'s day; false if they already checked in that day.
    async fn check_in(&self, agency_id: Uuid, officer_id: Uuid, at: NaiveDateTime) -> Result<bool>;
    /// The officer leaves the counter; false without a check-in that day still open.
    async fn check_out(&self, agency_id: Uuid, officer_id: Uuid, at: NaiveDateTime) -> Result<bool>;
    /// The agency's attendance on the days `[from, to)`.
    async fn attendance(&self, agency_id: Uuid, from: NaiveDate, to: NaiveDate) -> Result<Vec<Attendance>>;
    async fn insert_spot_check(&self, check: &SpotCheck) -> Result<()>;
    /// The agency's spot checks in `[from, to)`.
    async fn spot_checks(&self, agency_id: Uuid, from: NaiveDateTime, to: NaiveDateTime) -> Result<Vec<SpotCheck>>;
}

/// Run-once jobs (a day's digest, a month's freeze): one claim per agency and key, whichever worker runs it.
#[async_trait]
pub trait JobStore: Send + Sync {
    /// The scheduled snapshot of a period's report: written once, by whichever server gets there
    /// first (with its `job_runs` row, in one transaction); whether this call wrote it.
    async fn insert_scheduled_snapshot(
        &self,
        agency_id: Uuid,
        kind: &str,
        period: &str,
        made_at: NaiveDateTime,
        data: &serde_json::Value,
    ) -> Result<bool>;
    /// Whether the job ran for this agency and key. Every run-once job (the officers' digest of a
    /// day, the freeze of a month's report) is one row of `job_runs`, whichever worker ran it.
    async fn job_done(&self, job: &str, agency_id: Uuid, key: &str) -> Result<bool>;
    /// Marks the job run for this agency and key; false if it already was.
    async fn mark_job_done(&self, job: &str, agency_id: Uuid, key: &str, now: NaiveDateTime) -> Result<bool>;
}

/// What the edges keep: uploaded files, the audit log, the rate-limit counters.
#[async_trait]
pub trait EdgeStore: Send + Sync {
    async fn record_file(&self, agency_id: Uuid, sha256: &str, name: &str, content_type: &str, size: u64)
    -> Result<()>;
    async fn audit(&self, entry: &AuditEntry) -> Result<()>;
    /// The agency's record as [`AuditQuery`] asks: audit entries and dossier events together.
    async fn audit_search(&self, query: &AuditQuery) -> Result<Vec<AuditRecord>>;
    /// the window's count so far, every server's hits included.
    async fn rate_limit_add(&self, key: &str, window_start: i64, hits: u32) -> Result<i64>;
    /// The hits counted for `key` in the window, without adding one.
    async fn rate_limit_count(&self, key: &str, window_start: i64) -> Result<i64>;
    /// Counts one hit; whether the hits so far are within `limit`.
    async fn rate_limit_hit(&self, key: &str, window_start: i64, limit: u32) -> Result<bool> {
        Ok(self.rate_limit_add(key, window_start, 1).await? <= i64::from(limit))
    }
}

/// Everything the system keeps, as the role traits above. Implemented by [`SqliteStore`] and
/// [`PgStore`]; the conformance suite (`tests/conformance.rs`) runs the same stories on both, one
/// group per role trait. A use case that needs one role may ask for that trait alone.
/// An incoming transfer that paid nothing known.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct UnmatchedTransfer {
    pub bank_ref: String,
    pub day: Option<chrono::NaiveDate>,
    pub amount: i64,
    pub content: String,
    pub reason: String,
    pub recorded_at: NaiveDateTime,
}

/// What a judged confirmation changed, from [`PaymentStore::confirm_payment`].
#[derive(Debug, Clone)]
pub struct Confirmed {
    pub judgement: motcua_domain::payment::Judgement,
    pub request: motcua_domain::payment::PaymentRequest,
    pub attempt: motcua_domain::payment::Attempt,
    /// The receipts issued (numbered) when it was credited.
    pub receipts: Vec<motcua_domain::payment::Receipt>,
}

/// The record's hash chains: links sealing dossier events and audit entries in order, per agency
/// (`chain_links`, append-only), and the rows as they read now.
#[async_trait]
pub trait EvidenceStore: Send + Sync {
    /// The last link of the agency's chain.
    async fn chain_head(&self, agency_id: Uuid, chain: Chain) -> Result<Option<ChainLink>>;
    /// The chain's head as it stood at `at`: its last link sealed before then.
    async fn chain_head_at(&self, agency_id: Uuid, chain: Chain, at: NaiveDateTime) -> Result<Option<ChainLink>>;
    /// The chain's link number `seq`.
    async fn chain_link(&self, agency_id: Uuid, chain: Chain, seq: i64) -> Result<Option<ChainLink>>;
    /// Rows of the agency's chain not sealed yet, with `at` in `[from, before)`, oldest first, at
    /// most `limit`. Audit entries of no agency belong to the nil agency's chain.
    async fn unsealed_rows(
        &self,
        agency_id: Uuid,
        chain: Chain,
        (from, before): (NaiveDateTime, NaiveDateTime),
        limit: i64,
    ) -> Result<Vec<ChainRow>>;
    /// Appends links (numbered on from the head) in one transaction; false when another sealer
    /// appended first (nothing written).
    async fn append_links(&self, agency_id: Uuid, chain: Chain, links: &[ChainLink], at: NaiveDateTime)
    -> Result<bool>;
    /// The links after `after_seq`, in order, at most `limit`, each with its row as it reads now
    /// (`None`: the row is gone).
    async fn chain_page(
        &self,
        agency_id: Uuid,
        chain: Chain,
        after_seq: i64,
        limit: i64,
    ) -> Result<Vec<(ChainLink, Option<ChainRow>)>>;
}

/// Fees: payment requests, provider attempts, raw provider messages, receipts.
#[async_trait]
pub trait PaymentStore: Send + Sync {
    async fn insert_payment_request(&self, r: &motcua_domain::payment::PaymentRequest) -> Result<()>;
    async fn payment_request(
        &self,
        agency_id: Uuid,
        id: Uuid,
    ) -> Result<Option<motcua_domain::payment::PaymentRequest>>;
    /// A dossier's requests, oldest first.
    async fn payment_requests_of(
        &self,
        agency_id: Uuid,
        dossier_id: Uuid,
    ) -> Result<Vec<motcua_domain::payment::PaymentRequest>>;
    async fn insert_attempt(&self, a: &motcua_domain::payment::Attempt) -> Result<()>;
    async fn attempt_by_ref(&self, agency_id: Uuid, txn_ref: &str) -> Result<Option<motcua_domain::payment::Attempt>>;
    async fn attempts_of(&self, agency_id: Uuid, request_id: Uuid) -> Result<Vec<motcua_domain::payment::Attempt>>;
    /// Records that the provider accepted to return a double payment: no longer due. False when
    /// the attempt is unknown or owes nothing.
    async fn mark_refunded(&self, agency_id: Uuid, txn_ref: &str, at: NaiveDateTime) -> Result<bool>;
    /// Marks the agency's attempts through `provider` still open and started before `before` as
    /// expired (at most 500 a call); how many. A confirmation that still comes is judged as ever.
    async fn expire_attempts(
        &self,
        agency_id: Uuid,
        provider: motcua_domain::payment::Provider,
        before: NaiveDateTime,
        at: NaiveDateTime,
    ) -> Result<u64>;
    /// Cancels a request still awaiting payment (what it asked is no longer due); false when it
    /// is not awaiting. A payment for it that still comes is money to return.
    async fn cancel_payment_request(&self, agency_id: Uuid, id: Uuid) -> Result<bool>;
    /// The agency's receipts not signed yet (the oldest first, at most `limit`).
    async fn unsigned_receipts(&self, agency_id: Uuid, limit: i64) -> Result<Vec<motcua_domain::payment::Receipt>>;
    /// Puts the signature on a receipt not signed yet, if what was signed is still its content
    /// (`signature.sha256` over [`motcua_domain::payment::Receipt::signed_content`], checked by
    /// `same_content` inside the transaction). False when it is signed already or changed.
    async fn sign_receipt(
        &self,
        agency_id: Uuid,
        id: Uuid,
        signature: &motcua_domain::payment::ReceiptSignature,
        same_content: &(dyn for<'r> Fn(&'r motcua_domain::payment::Receipt) -> bool + Sync),
    ) -> Result<bool>;
    /// Records where the provider's own receipt of an attempt is kept (its SHA-256 in the file
    /// store).
    async fn set_attempt_bill(&self, agency_id: Uuid, txn_ref: &str, sha256: &str) -> Result<()>;
    /// The agency's attempts through `provider` still without an outcome, started in `[from, to)`.
    async fn open_attempts(
        &self,
        agency_id: Uuid,
        provider: motcua_domain::payment::Provider,
        from: NaiveDateTime,
        to: NaiveDateTime,
    ) -> Result<Vec<motcua_domain::payment::Attempt>>;
    /// The attempt a provider's transaction confirmed (a bank reference, a VNPAY number).
    async fn attempt_by_provider_txn(
        &self,
        agency_id: Uuid,
        provider: motcua_domain::payment::Provider,
        provider_txn: &str,
    ) -> Result<Option<motcua_domain::payment::Attempt>>;
    /// Keeps a provider's message as received, before anything reads it; its id.
    async fn record_payment_message(
        &self,
        agency_id: Uuid,
        provider: &str,
        body: &str,
        at: NaiveDateTime,
    ) -> Result<Uuid>;
    /// Notes what a kept message was answered.
    async fn set_payment_message_outcome(&self, agency_id: Uuid, id: Uuid, outcome: &str) -> Result<()>;
    /// Judges a provider's confirmation of an attempt against the stored request and attempt,
    /// and writes what it means in one transaction: a credit marks the attempt succeeded and the
    /// request paid, numbers `receipts` without gap in their series and year, and queues an
    /// outbox row (`payment`) so the dossier's clock resumes even if the process dies now; a
    /// failure marks the attempt failed; a double payment flags the attempt for refund. `None`
    /// when the attempt is unknown.
    #[allow(clippy::too_many_arguments)]
    async fn confirm_payment(
        &self,
        agency_id: Uuid,
        txn_ref: &str,
        amount: motcua_domain::types::Vnd,
        succeeded: bool,
        provider_txn: &str,
        receipts: &(
             dyn for<'r> Fn(&'r motcua_domain::payment::PaymentRequest) -> Vec<motcua_domain::payment::Receipt> + Sync
         ),
        at: NaiveDateTime,
    ) -> Result<Option<Confirmed>>;
    async fn receipts_of(&self, agency_id: Uuid, request_id: Uuid) -> Result<Vec<motcua_domain::payment::Receipt>>;
    /// The agency's requests paid in `[from, to)`.
    async fn paid_requests_between(
        &self,
        agency_id: Uuid,
        from: NaiveDateTime,
        to: NaiveDateTime,
    ) -> Result<Vec<motcua_domain::payment::PaymentRequest>>;
    /// The agency's requests still awaiting payment (a statement's transfers are matched to them).
    async fn awaiting_requests(&self, agency_id: Uuid) -> Result<Vec<motcua_domain::payment::PaymentRequest>>;
    /// Keeps a transfer that paid nothing known; false when its bank reference is already kept.
    async fn insert_unmatched_transfer(&self, agency_id: Uuid, t: &UnmatchedTransfer) -> Result<bool>;
    /// The agency's unmatched transfers, newest first.
    async fn unmatched_transfers(&self, agency_id: Uuid) -> Result<Vec<UnmatchedTransfer>>;
    /// The dossiers of these agencies whose fees were paid online (Decision 766 3.5 and 3.6).
    async fn paid_online_dossiers(&self, agencies: &[Uuid]) -> Result<Vec<Uuid>>;
    /// Cancels a receipt with its reason and issues its replacement (numbered in its series and
    /// year) in one transaction; the replacement, or `None` when the receipt is unknown or already
    /// cancelled.
    async fn replace_receipt(
        &self,
        agency_id: Uuid,
        id: Uuid,
        reason: &str,
        replacement: &(
             dyn for<'r> Fn(&'r motcua_domain::payment::Receipt) -> Option<motcua_domain::payment::Receipt> + Sync
         ),
    ) -> Result<Option<motcua_domain::payment::Receipt>>;
    /// The agency's receipts issued in `[from, to)`, by symbol and number.
    async fn receipts_between(
        &self,
        agency_id: Uuid,
        from: NaiveDateTime,
        to: NaiveDateTime,
    ) -> Result<Vec<motcua_domain::payment::Receipt>>;
}

#[async_trait]
pub trait Store:
    OrgStore
    + SessionStore
    + CatalogStore
    + DossierStore
    + DeliveryStore
    + MessageStore
    + QualityStore
    + JobStore
    + EdgeStore
    + PortalInboxStore
    + FeedbackStore
    + PaymentStore
    + EvidenceStore
    + Send
    + Sync
    + std::fmt::Debug
    + 'static
{
    /// Which backend this is: "sqlite" or "postgres".
    fn backend(&self) -> &'static str;
    /// Applies the pending migrations (safe to call from several servers at once).
    async fn migrate(&self) -> Result<()>;
    /// Answers when the database answers.
    async fn ping(&self) -> Result<()>;
    /// Whether the database answers and every migration this build knows is applied (a server
    /// is ready for traffic).
    async fn ready(&self) -> Result<bool>;
    /// Closes the connections (at shutdown, once requests have finished); every later call fails.
    async fn close(&self);
    /// This process's connections: (open, idle), for the metrics.
    fn pool_connections(&self) -> (u32, u32);
    /// Writes a consistent copy of the whole database to the new file `path` while the service
    /// runs (SQLite's `VACUUM INTO`: one read transaction, so the copy is the database at one
    /// instant). PostgreSQL is backed up with its own tools (`docs/operations.md`): an error.
    async fn backup_into(&self, path: &str) -> Result<()>;
}

/// The store's traits, for `use motcua_store::prelude::*`: a method of a role trait is called on
/// a `dyn Store` only where its trait is in scope.
pub mod prelude {
    pub use crate::{
        CatalogStore, DeliveryStore, DossierStore, EdgeStore, EvidenceStore, FeedbackStore, JobStore, MessageStore,
        OrgStore, PaymentStore, PortalInboxStore, QualityStore, SessionStore, Store,
    };
}

/// Opens the store named by `url`: `sqlite://path/to/file.db` or `postgres://…`. Anything else
/// is refused with a message naming both.
pub async fn connect(url: &str) -> Result<Arc<dyn Store>> {
    if let Some(path) = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) {
        Ok(Arc::new(SqliteStore::open(path).await?))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(PgStore::connect(url).await?))
    } else {
        Err(StoreError::Config(format!(
            "địa chỉ cơ sở dữ liệu \"{}\" không được hỗ trợ: dùng sqlite://đường/dẫn/tệp.db hoặc postgres://… \
             / unsupported database URL: use sqlite://path/file.db or postgres://…",
            redact(url)
        )))
    }
}

/// The store a delivery worker uses: as [`connect`], except that on PostgreSQL its own commits do
/// not wait for the disk (`synchronous_commit = off`). Everything the worker writes can be
/// written again: a claim or an expansion lost in a crash leaves its outbox row unexpanded, and
/// it is expanded again under the same idempotency keys; a lost outcome leaves the delivery to be
/// sent again with the same key (delivery is at least once anyway). What must not be lost — the
/// dossier and its outbox row — is written by the change's own transaction, durably.
pub async fn connect_worker(url: &str) -> Result<Arc<dyn Store>> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(PgStore::connect_relaxed(url).await?))
    } else {
        connect(url).await
    }
}

/// The URL without its password, for messages and logs.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}://{user}:***@{}", &url[..scheme], &url[at + 1..])
        }
        _ => url.to_owned(),
    }
}

/// Local "now" for stores that need a timestamp of their own.
pub(crate) fn now_local() -> NaiveDateTime {
    chrono::Utc::now().with_timezone(&chrono_tz_offset()).naive_local()
}

fn chrono_tz_offset() -> chrono::FixedOffset {
    chrono::FixedOffset::east_opt(7 * 3600).expect("valid offset")
}
