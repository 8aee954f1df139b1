//! Delivery from the outbox: each dossier event written by the core (in the same transaction as
//! the change) becomes one delivery per channel and recipient, each sent at least once.
//!
//! - Expanding an event is idempotent (unique idempotency key `<event>:<channel>:<recipient>`).
//! - Sending claims due deliveries with a lease; a worker that dies mid-batch leaves them
//!   `sending`, and once the lease runs out another run sends them again with the same key.
//! - A temporary failure is retried with exponential backoff and jitter, up to
//!   `max_attempts`; a permanent one is not retried. One bad message never blocks the others.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{Duration, NaiveDateTime, NaiveTime};
use motcua_store::{
    CallTask, Delivery, DeliveryChannel, DeliveryOutcome, DeliveryStatus, NewDelivery, NotifyPreferences,
    OutboxMessage, Store, StoreError,
};
use uuid::Uuid;

use crate::gateway::{Channel, SendError};
use motcua_app::digest::agency_digests;
use motcua_app::messages::{MessageContext, render_with};
use motcua_app::template::TemplateSet;

/// What a lane of expansion reads once per batch: the agencies' own words, by agency, then by
/// (event, language), and their names.
#[derive(Debug, Default)]
struct AgencyWords {
    words: HashMap<Uuid, HashMap<(String, String), TemplateSet>>,
    names: HashMap<Uuid, String>,
    /// Procedure versions' online service level (the EMC message's `Level`).
    online: HashMap<Uuid, motcua_domain::catalog::OnlineService>,
}

/// The outbox kind of a message to the sender of a feedback case (`motcua_domain::feedback`).
pub const FEEDBACK: &str = "feedback";

/// The outbox kind of a payment credited: the dossier's clock resumes (`motcua_app::payments`).
pub const PAYMENT: &str = "payment";

/// The outbox kind of a dossier queued to be told to the portal again.
pub const PORTAL_RESYNC: &str = "portal_resync";

/// How the notifier behaves.
#[derive(Debug, Clone)]
pub struct NotifySettings {
    /// The SMS sender (brandname).
    pub sender: String,
    /// The public address, for lookup links.
    pub public_url: String,
    /// Send SMS with diacritics (costs about twice as much).
    pub sms_diacritics: bool,
    /// Events expanded, and deliveries claimed, per round.
    pub batch: i64,
    /// Deliveries sent at once within a round.
    pub concurrency: usize,
    /// How long personal data outside the record is kept (purged daily by housekeeping).
    pub retention: motcua_app::privacy::Retention,
    /// How long a claimed delivery is reserved for its sender.
    pub lease_seconds: i64,
    pub max_attempts: i64,
    /// First retry delay; doubled each time, capped at six hours.
    pub retry_base_seconds: i64,
    /// When officers' daily digests go out on working days (local time); `None`: no digests.
    pub digest_at: Option<NaiveTime>,
    /// Digests list dossiers due within this many working days, besides the overdue ones.
    pub digest_days_ahead: u32,
    /// Where the EMC tracker knows this system (with `Notifier::emc`).
    pub emc_site: Option<motcua_app::portal::EmcSite>,
    /// The national payment platform's partner and the code of its agency: open attempts are
    /// asked about every half hour (`query_payments`).
    pub platform: Option<(String, motcua_payments::platform::Partner)>,
    /// The VNPAY merchant and the code of its agency: attempts never confirmed are asked about
    /// every half hour (`query_payments`).
    pub vnpay: Option<(String, motcua_payments::vnpay::Merchant)>,
    /// The remote-signing service of an agency's e-receipts: unsigned receipts are signed each
    /// round (`sign_receipts`).
    pub signing: Option<motcua_app::payments::signing::SigningService>,
}

impl Default for NotifySettings {
    fn default() -> Self {
        NotifySettings {
            sender: "MOTCUA".into(),
            public_url: "http://127.0.0.1:8080".into(),
            sms_diacritics: false,
            batch: 200,
            concurrency: 16,
            retention: motcua_app::privacy::Retention::default(),
            lease_seconds: 120,
            max_attempts: 10,
            retry_base_seconds: 30,
            digest_at: NaiveTime::from_hms_opt(7, 30, 0),
            digest_days_ahead: 2,
            emc_site: None,
            platform: None,
            vnpay: None,
            signing: None,
        }
    }
}

/// The channels the notifier sends through; a missing one leaves its deliveries as technical
/// failures for the log.
#[derive(Debug, Clone)]
pub struct Notifier {
    pub store: Arc<dyn Store>,
    pub sms: Option<Arc<dyn Channel>>,
    pub email: Option<Arc<dyn Channel>>,
    /// The National Public Service Portal's sync; `None`: the portal is not told (no message
    /// is queued for it).
    pub portal: Option<Arc<dyn Channel>>,
    /// The EMC tracker (with `settings.emc_site`); `None`: not told.
    pub emc: Option<Arc<dyn Channel>>,
    /// What the portal sends, applied in the same rounds; `None`: no inbox.
    pub portal_inbox: Option<Arc<crate::portal_inbox::PortalInbox>>,
    pub settings: NotifySettings,
}

/// What one run did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RunReport {
    pub expanded: usize,
    /// Officers' digests queued.
    pub digests: usize,
    /// Monthly reports frozen.
    pub reports_frozen: usize,
    pub delivered: usize,
    pub temporary: usize,
    pub permanent: usize,
    /// Messages from the portal taken (applied, or set aside with their reason).
    pub portal_received: usize,
    /// Dossier events and audit entries sealed into the record's hash chains.
    pub sealed: usize,
}

/// What a batch of outbox rows refers to, read once: the dossiers and their typed events.
struct Batch {
    dossiers: HashMap<Uuid, motcua_domain::dossier::Dossier>,
    events: HashMap<Uuid, motcua_store::EventRecord>,
}

impl Notifier {
    /// The agency's current words for each (event, language) it has changed.
    async fn custom_templates(&self, agency_id: Uuid) -> Result<HashMap<(String, String), TemplateSet>, StoreError> {
        let mut out = HashMap::new();
        // Newest first: the first seen of each (event, lang) is the current version.
        for t in self.store.message_templates(agency_id).await? {
            out.entry((t.event, t.lang)).or_insert(TemplateSet {
                subject: t.subject,
                body_text: t.body_text,
                body_html: t.body_html,
                sms: t.sms,
            });
        }
        Ok(out)
    }

    /// The deliveries of one outbox event, and the phone call owed when an essential message has
    /// no mobile number to go to.
    async fn deliveries_for(
        &self,
        m: &OutboxMessage,
        now: NaiveDateTime,
        words: &mut AgencyWords,
        batch: &Batch,
    ) -> Result<Vec<NewDelivery>, StoreError> {
        if m.kind == FEEDBACK {
            return self.feedback_deliveries(m, words).await;
        }
        if m.kind == PAYMENT {
            // The dossier's own event, once applied, tells the applicant and the portal.
            let agency = batch.dossiers.get(&m.dossier_id.unwrap_or_default()).map(|d| d.agency_id);
            let request = m.payload["request"].as_str().and_then(|r| Uuid::parse_str(r).ok());
            if let (Some(agency), Some(request)) = (agency, request) {
                motcua_app::payments::resume_dossier(self.store.as_ref(), agency, request, now).await.map_err(|e| {
                    match e {
                        motcua_app::AppError::Store(e) => e,
                        other => StoreError::Corrupt(other.to_string()),
                    }
                })?;
            }
            return Ok(vec![]);
        }
        let Some(dossier_id) = m.dossier_id else { return Ok(vec![]) };
        let Some(dossier) = batch.dossiers.get(&dossier_id) else { return Ok(vec![]) };
        // A resync (`motcua portal resync`): the dossier as it stands, to the portal only.
        let verified = self.vneid_verified(dossier).await?;
        if m.kind == PORTAL_RESYNC {
            return Ok(self.portal_delivery(m, dossier, dossier.state, now, verified).into_iter().collect());
        }
        let Some(event) = m.event_id.and_then(|id| batch.events.get(&id)) else { return Ok(vec![]) };
        let agency = match words.names.get(&dossier.agency_id) {
            Some(name) => name.clone(),
            None => {
                let name = self.store.agency(dossier.agency_id).await?.map(|a| a.name).unwrap_or_default();
                words.names.insert(dossier.agency_id, name.clone());
                name
            }
        };
        let preferences = match dossier.citizen_user_id {
            Some(user) => self.store.notify_preferences(user).await?,
            None => NotifyPreferences::default(),
        };
        let code = dossier.code.as_ref().map(|c| c.to_string());
        let phone = Some(dossier.applicant.phone.as_str().to_owned()).filter(|p| !p.is_empty());
        let lookup_url = match (&code, &phone) {
            (Some(c), Some(ph)) if ph.len() >= 4 => {
                Some(format!("{}/lookup?code={c}&phone_last4={}", self.settings.public_url, &ph[ph.len() - 4..]))
            }
            _ => None,
        };
        // The portal is told every change of a dossier that has its code, whatever the applicant
        // is told (the status the event left it in, at the event's instant).
        let mut out: Vec<NewDelivery> =
            self.portal_delivery(m, dossier, event.to_state, event.at, verified).into_iter().collect();
        let assigned =
            matches!(&event.data.detail, motcua_domain::dossier::EventDetail::Forward { assignee: Some(_), .. });
        if let Some(emc) = self.emc_delivery(m, dossier, event.to_state, assigned, words).await? {
            out.push(emc);
        }
        let detail = &event.data.detail;
        let ctx = MessageContext {
            event: event.kind.as_str().to_owned(),
            code,
            procedure: dossier.procedure_name.clone(),
            agency,
            sender: self.settings.sender.clone(),
            applicant: dossier.applicant.name.clone(),
            // The due date as this event left it (a later change may have moved it since).
            due_date: detail.due_date().or(dossier.due_date),
            new_due_date: detail.new_due_date(),
            reason: detail.reason().map(str::to_owned),
            step: detail.to_step().map(str::to_owned),
            lookup_url,
        };
        let lang = preferences.lang.as_str();
        let agency_words = match words.words.entry(dossier.agency_id) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) => e.insert(self.custom_templates(dossier.agency_id).await?),
        };
        let custom = agency_words.get(&(ctx.event.clone(), lang.to_owned()));
        let Some(message) = render_with(&ctx, lang, custom, self.settings.sms_diacritics) else { return Ok(out) };
        let event = m.event_id.unwrap_or(m.id);
        // The applicant's consent comes first (even an essential message is not sent by a channel
        // they declined: they look the dossier up instead); then, with an account, its choice.
        let consent = dossier.applicant.consent;
        let wants = |channel: DeliveryChannel| {
            let agreed = match channel {
                DeliveryChannel::Sms => consent.sms,
                DeliveryChannel::Email => consent.email,
                _ => true,
            };
            agreed && (message.essential || preferences.channels == "both" || preferences.channels == channel.as_str())
        };
        let mut add = |channel: DeliveryChannel,
                       recipient: String,
                       subject: Option<String>,
                       body: String,
                       html: Option<String>| {
            out.push(NewDelivery {
                id: Uuid::now_v7(),
                agency_id: dossier.agency_id,
                dossier_id: Some(dossier_id),
                channel,
                idempotency_key: format!("{event}:{channel}:{recipient}"),
                recipient,
                essential: message.essential,
                subject,
                body,
                body_html: html,
                call_script: (channel == DeliveryChannel::Sms).then(|| message.call_script.clone()),
            });
        };
        let mobile = dossier.applicant.phone.is_mobile();
        if let Some(phone) = phone.filter(|_| mobile && wants(DeliveryChannel::Sms)) {
            add(DeliveryChannel::Sms, phone, None, message.sms.clone(), None);
        }
        if let Some(email) =
            dossier.applicant.email.as_ref().map(|e| e.as_str().to_owned()).filter(|_| wants(DeliveryChannel::Email))
        {
            add(
                DeliveryChannel::Email,
                email,
                Some(message.subject.clone()),
                message.body_text.clone(),
                Some(message.body_html.clone()),
            );
        }
        if message.essential && !mobile {
            let task = CallTask {
                id: Uuid::now_v7(),
                agency_id: dossier.agency_id,
                dossier_id,
                delivery_id: None,
                task_key: format!("{event}:call"),
                reason: "no_mobile".into(),
                phone: Some(dossier.applicant.phone.as_str().to_owned()),
                applicant: dossier.applicant.name.clone(),
                script: message.call_script.clone(),
                status: "open".into(),
                outcome: None,
                note: None,
                attempts: 0,
                officer_id: None,
                created_at: now,
                updated_at: now,
            };
            self.store.insert_call_task(&task).await?;
        }
        Ok(out)
    }

    /// The portal's message for outbox row `m` of `dossier` (the status `state` at `at`), when a
    /// portal is configured and the dossier has a code the portal knows (its own, or ours).
    fn portal_delivery(
        &self,
        m: &OutboxMessage,
        dossier: &motcua_domain::dossier::Dossier,
        state: motcua_domain::dossier::State,
        at: NaiveDateTime,
        verified: bool,
    ) -> Option<NewDelivery> {
        if self.portal.is_none() || motcua_app::portal::portal_code(dossier).is_none() {
            return None;
        }
        Some(NewDelivery {
            id: Uuid::now_v7(),
            agency_id: dossier.agency_id,
            dossier_id: Some(dossier.id),
            channel: DeliveryChannel::Portal,
            idempotency_key: format!("{}:portal", m.event_id.unwrap_or(m.id)),
            recipient: "dvcqg".into(),
            essential: false,
            subject: None,
            body: motcua_app::portal::message(dossier, state, at, verified).to_string(),
            body_html: None,
            call_script: None,
        })
    }

    /// What the sender of a feedback case is told of a change: an SMS to a mobile number and an
    /// e-mail when they gave one, signed with the agency's name.
    async fn feedback_deliveries(
        &self,
        m: &OutboxMessage,
        words: &mut AgencyWords,
    ) -> Result<Vec<NewDelivery>, StoreError> {
        let p = &m.payload;
        let (Some(text), Some(case_id)) = (p["text"].as_str(), p["case_id"].as_str()) else { return Ok(vec![]) };
        let Some(agency_id) = p["agency_id"].as_str().and_then(|a| a.parse::<Uuid>().ok()) else { return Ok(vec![]) };
        let agency = match words.names.get(&agency_id) {
            Some(n) => n.clone(),
            None => {
                let name = self.store.agency(agency_id).await?.map(|a| a.name).unwrap_or_default();
                words.names.insert(agency_id, name.clone());
                name
            }
        };
        let event = m.event_id.unwrap_or(m.id);
        let mut out = Vec::new();
        let mut add = |channel: DeliveryChannel, recipient: &str, subject: Option<String>, body: String| {
            out.push(NewDelivery {
                id: Uuid::now_v7(),
                agency_id,
                dossier_id: None,
                channel,
                idempotency_key: format!("{event}:{channel}:{recipient}"),
                recipient: recipient.to_owned(),
                essential: false,
                subject,
                body,
                body_html: None,
                call_script: None,
            });
        };
        if let (Some(phone), true) = (p["phone"].as_str(), p["mobile"].as_bool().unwrap_or(false)) {
            let sms = format!("{}: {text}", self.settings.sender);
            let sms = if self.settings.sms_diacritics { sms } else { motcua_app::sms::without_diacritics(&sms) };
            add(DeliveryChannel::Sms, phone, None, sms);
        }
        if let Some(email) = p["email"].as_str() {
            let label = p["label"].as_str().unwrap_or("");
            let body = format!("{text}\n\n{agency}\nMã tra cứu: {case_id}");
            add(DeliveryChannel::Email, email, Some(format!("Phản ánh, kiến nghị số {label}")), body);
        }
        Ok(out)
    }

    /// Whether the applicant's account is identified by the national identity (VNeID): a
    /// dossier filed on the portal says so itself; one filed here by an account that signed in
    /// through the national identity is too.
    async fn vneid_verified(&self, dossier: &motcua_domain::dossier::Dossier) -> Result<bool, StoreError> {
        if let Some(p) = &dossier.portal {
            return Ok(p.vneid_verified);
        }
        if self.portal.is_none() || dossier.channel != motcua_domain::catalog::Channel::Online {
            return Ok(false);
        }
        let Some(user) = dossier.citizen_user_id else { return Ok(false) };
        Ok(self.store.user(user).await?.is_some_and(|u| motcua_app::accounts::is_national(&u)))
    }

    /// The EMC tracker's message for outbox row `m` of `dossier` (left in `state`), when EMC is
    /// configured and the dossier has been received (has its code).
    async fn emc_delivery(
        &self,
        m: &OutboxMessage,
        dossier: &motcua_domain::dossier::Dossier,
        state: motcua_domain::dossier::State,
        assigned: bool,
        words: &mut AgencyWords,
    ) -> Result<Option<NewDelivery>, StoreError> {
        let (Some(_), Some(site), Some(_)) = (&self.emc, &self.settings.emc_site, &dossier.code) else {
            return Ok(None);
        };
        let online = match words.online.get(&dossier.procedure_version_id) {
            Some(o) => *o,
            None => {
                let version = self.store.procedure_version(dossier.procedure_version_id).await?;
                let o = version.map_or(motcua_domain::catalog::OnlineService::None, |v| v.spec.online);
                words.online.insert(dossier.procedure_version_id, o);
                o
            }
        };
        Ok(Some(NewDelivery {
            id: Uuid::now_v7(),
            agency_id: dossier.agency_id,
            dossier_id: Some(dossier.id),
            channel: DeliveryChannel::Emc,
            idempotency_key: format!("{}:emc", m.event_id.unwrap_or(m.id)),
            recipient: "emc".into(),
            essential: false,
            subject: None,
            body: motcua_app::portal::emc_record(dossier, state, assigned, online, site).to_string(),
            body_html: None,
            call_script: None,
        }))
    }

    /// An essential SMS that can never go out becomes a phone call for the counter.
    async fn call_instead(&self, d: &Delivery, now: NaiveDateTime) -> Result<(), StoreError> {
        let (Some(dossier_id), true, "sms") = (d.dossier_id, d.essential, d.channel.as_str()) else { return Ok(()) };
        let Some(dossier) = self.store.dossier(d.agency_id, dossier_id).await? else { return Ok(()) };
        let task = CallTask {
            id: Uuid::now_v7(),
            agency_id: d.agency_id,
            dossier_id,
            delivery_id: Some(d.id),
            task_key: format!("{}:call", d.idempotency_key),
            reason: "sms_failed".into(),
            phone: Some(d.recipient.clone()),
            applicant: dossier.applicant.name.clone(),
            script: d.call_script.clone().unwrap_or_else(|| d.body.clone()),
            status: "open".into(),
            outcome: None,
            note: None,
            attempts: 0,
            officer_id: None,
            created_at: now,
            updated_at: now,
        };
        self.store.insert_call_task(&task).await?;
        Ok(())
    }

    fn backoff(&self, attempts: i64) -> Duration {
        let base = self.settings.retry_base_seconds.max(1) * 2_i64.saturating_pow(attempts.clamp(1, 20) as u32 - 1);
        let capped = base.min(6 * 3600);
        let jitter = rand::random_range(0..=capped / 5 + 1);
        Duration::seconds(capped + jitter)
    }

    /// Sends one delivery: what became of it, and whether a phone call must replace it.
    async fn attempt(&self, d: &Delivery, now: NaiveDateTime, report: &mut RunReport) -> (DeliveryOutcome, bool) {
        let outcome = |status: DeliveryStatus, next: Option<NaiveDateTime>, answer: String| DeliveryOutcome {
            id: d.id,
            status,
            next_attempt_at: next,
            answer,
        };
        let channel = match d.channel.as_str() {
            "sms" => self.sms.as_ref(),
            "email" => self.email.as_ref(),
            "portal" => self.portal.as_ref(),
            "emc" => self.emc.as_ref(),
            _ => None,
        };
        let Some(channel) = channel else {
            report.permanent += 1;
            return (
                outcome(DeliveryStatus::TechnicalFailure, None, format!("chưa cấu hình kênh {}", d.channel)),
                true,
            );
        };
        match channel.send(d).await {
            Ok(answer) => {
                report.delivered += 1;
                (outcome(DeliveryStatus::Delivered, None, answer), false)
            }
            Err(SendError::Temporary(answer)) if d.attempts < self.settings.max_attempts => {
                report.temporary += 1;
                (outcome(DeliveryStatus::TemporaryFailure, Some(now + self.backoff(d.attempts)), answer), false)
            }
            Err(SendError::Temporary(answer) | SendError::Permanent(answer)) => {
                report.permanent += 1;
                (outcome(DeliveryStatus::PermanentFailure, None, answer), true)
            }
        }
    }

    /// The agencies whose queues a round goes through, one claim each (see `claim_outbox`).
    async fn agency_ids(&self) -> Result<Vec<Uuid>, StoreError> {
        Ok(self.store.agencies().await?.into_iter().map(|a| a.id).collect())
    }

    /// Expands new outbox events into their deliveries, a batch per agency, each recorded in one
    /// transaction; how many events.
    pub async fn expand(&self, now: NaiveDateTime) -> Result<usize, StoreError> {
        let mut expanded = 0;
        for agency_id in self.agency_ids().await? {
            expanded += self.expand_of(agency_id, now).await?;
        }
        Ok(expanded)
    }

    /// One agency's batch of new outbox events expanded.
    async fn expand_of(&self, agency_id: Uuid, now: NaiveDateTime) -> Result<usize, StoreError> {
        let lease = now + Duration::seconds(self.settings.lease_seconds);
        let claimed = self.store.claim_outbox(agency_id, now, lease, self.settings.batch).await?;
        if claimed.is_empty() {
            return Ok(0);
        }
        // The batch's dossiers in one read; the rest (the applicant's preferences) in a few lanes
        // at once, each reading an agency's words and name once.
        let ids: Vec<Uuid> = claimed.iter().filter_map(|m| m.dossier_id).collect();
        let event_ids: Vec<Uuid> = claimed.iter().filter_map(|m| m.event_id).collect();
        let batch = Batch {
            dossiers: self.store.dossiers_by_id(agency_id, &ids).await?.into_iter().map(|d| (d.id, d)).collect(),
            events: self.store.events_by_id(agency_id, &event_ids).await?.into_iter().map(|e| (e.id, e)).collect(),
        };
        let batch = &batch;
        let lanes = self.settings.concurrency.clamp(1, 8);
        let per_lane = claimed.len().div_ceil(lanes).max(1);
        let built = futures_util::future::join_all(claimed.chunks(per_lane).map(|lane| async move {
            let mut words = AgencyWords::default();
            let mut out = Vec::with_capacity(lane.len());
            for m in lane {
                out.push((m, self.deliveries_for(m, now, &mut words, batch).await));
            }
            out
        }))
        .await;
        let mut expanded = Vec::new();
        for (m, deliveries) in built.into_iter().flatten() {
            match deliveries {
                Ok(deliveries) => expanded.push((m.id, deliveries)),
                Err(e) => self.set_aside(agency_id, m.id, &m.kind, &e, now).await?,
            }
        }
        if self.store.insert_deliveries_of(agency_id, &expanded, now).await.is_ok() {
            return Ok(expanded.len());
        }
        // Something in the batch is refused (a value the database will not store): each event on
        // its own, so that the one at fault is set aside with its reason and the others go on.
        let mut done = 0;
        for (id, deliveries) in &expanded {
            match self.store.insert_deliveries(agency_id, *id, deliveries, now).await {
                Ok(()) => done += 1,
                Err(e) => self.set_aside(agency_id, *id, "", &e, now).await?,
            }
        }
        Ok(done)
    }

    async fn set_aside(
        &self,
        agency_id: Uuid,
        id: Uuid,
        kind: &str,
        e: &StoreError,
        now: NaiveDateTime,
    ) -> Result<(), StoreError> {
        tracing::error!(outbox_id = %id, kind, error = %e, "outbox event set aside");
        self.store.fail_outbox(agency_id, id, &e.to_string(), now).await
    }

    /// Sends the deliveries due at `now`, up to one batch per agency, `concurrency` at a time,
    /// and records each batch's outcomes in one transaction.
    pub async fn send_due(&self, now: NaiveDateTime, report: &mut RunReport) -> Result<(), StoreError> {
        for agency_id in self.agency_ids().await? {
            self.send_due_of(agency_id, now, report).await?;
        }
        Ok(())
    }

    /// One agency's batch of due deliveries sent.
    async fn send_due_of(&self, agency_id: Uuid, now: NaiveDateTime, report: &mut RunReport) -> Result<(), StoreError> {
        use futures_util::stream::{self, StreamExt};
        let lease = now + Duration::seconds(self.settings.lease_seconds);
        let claimed = self.store.claim_deliveries(agency_id, now, lease, self.settings.batch).await?;
        let attempts: Vec<(Delivery, DeliveryOutcome, bool, RunReport)> = stream::iter(claimed)
            .map(|d| async move {
                let mut one = RunReport::default();
                let (outcome, call) = self.attempt(&d, now, &mut one).await;
                (d, outcome, call, one)
            })
            .buffer_unordered(self.settings.concurrency.max(1))
            .collect()
            .await;
        let outcomes: Vec<DeliveryOutcome> = attempts.iter().map(|(_, o, _, _)| o.clone()).collect();
        if let Err(e) = self.store.finish_deliveries(agency_id, &outcomes, now).await {
            tracing::error!(error = %e, "delivery outcomes: recording one by one");
            // One outcome that cannot be recorded does not hold up the others: it is marked a
            // technical failure with the reason (or, if even that fails, its lease runs out and
            // the message goes again with the same idempotency key).
            for o in &outcomes {
                if let Err(e) =
                    self.store.finish_delivery(agency_id, o.id, o.status, o.next_attempt_at, &o.answer, now).await
                {
                    let reason = motcua_domain::text::printable(&e.to_string(), 500);
                    if let Err(e) = self
                        .store
                        .finish_delivery(agency_id, o.id, DeliveryStatus::TechnicalFailure, None, &reason, now)
                        .await
                    {
                        tracing::error!(delivery_id = %o.id, error = %e, "delivery could not be marked failed");
                    }
                }
            }
        }
        for (d, _, call, one) in attempts {
            report.delivered += one.delivered;
            report.temporary += one.temporary;
            report.permanent += one.permanent;
            if call && let Err(e) = self.call_instead(&d, now).await {
                tracing::error!(delivery_id = %d.id, error = %e, "phone call task not recorded");
            }
        }
        Ok(())
    }

    /// One round of the queue: for each agency, a batch of events expanded and a batch of due
    /// deliveries sent.
    pub async fn drain(&self, now: NaiveDateTime) -> Result<RunReport, StoreError> {
        let mut report = RunReport::default();
        for agency_id in self.agency_ids().await? {
            report.portal_received += self.receive_of(agency_id, now).await?;
            report.expanded += self.expand_of(agency_id, now).await?;
            self.send_due_of(agency_id, now, &mut report).await?;
        }
        Ok(report)
    }

    /// One agency's batch of the portal's messages applied (their changes are in the outbox
    /// before this round expands it).
    async fn receive_of(&self, agency_id: Uuid, now: NaiveDateTime) -> Result<usize, StoreError> {
        let Some(inbox) = &self.portal_inbox else { return Ok(0) };
        let s = &self.settings;
        // The inbox failing (its database table, say) never holds up the applicants' messages.
        match inbox
            .run_agency(&*self.store, agency_id, now, s.lease_seconds, s.max_attempts, s.retry_base_seconds)
            .await
        {
            Ok(n) => Ok(n),
            Err(e) => {
                tracing::error!(agency_id = %agency_id, error = %e, "portal inbox round failed");
                Ok(0)
            }
        }
    }

    /// Whether a round found a full batch, so that more may be waiting (with several agencies,
    /// a round may also say so when their batches add up to one: the next round finds less).
    pub fn more_waiting(&self, report: &RunReport) -> bool {
        let batch = usize::try_from(self.settings.batch).unwrap_or(usize::MAX);
        report.expanded >= batch
            || report.delivered + report.temporary + report.permanent >= batch
            // A portal dossier's next message is claimed once the one before it is applied.
            || report.portal_received > 0
    }

    /// The officers' digests due at `now` and the freeze of each agency's last month.
    pub async fn housekeeping(&self, now: NaiveDateTime, report: &mut RunReport) -> Result<(), StoreError> {
        for agency in self.store.agencies().await? {
            if let Some(at) = self.settings.digest_at {
                let days = self.settings.digest_days_ahead;
                report.digests +=
                    agency_digests(&*self.store, agency.id, now, at, days, &self.settings.public_url).await?;
            }
            report.reports_frozen +=
                usize::from(motcua_app::reports::freeze_last_month(&*self.store, agency.id, now).await?);
        }
        // Personal data past its retention, once a day (a failure is tried again tomorrow; the
        // record is sealed regardless).
        if let Err(e) = motcua_app::privacy::purge(&*self.store, &self.settings.retention, now).await {
            tracing::warn!(error = %e, "personal data past its retention not purged today");
        }
        // The record's hash chains: each agency's, and the installation's audit entries (nil).
        for agency_id in self.agency_ids().await?.into_iter().chain([Uuid::nil()]) {
            match motcua_app::evidence::seal(&*self.store, agency_id, now).await {
                Ok(n) => report.sealed += n,
                Err(motcua_app::AppError::Store(e)) => return Err(e),
                Err(e) => tracing::warn!(error = %e, "the record was not sealed this round"),
            }
        }
        Ok(())
    }

    /// Asks the payment providers about the attempts they never confirmed
    /// (`motcua_app::payments::providers::ask_open`): each provider at most once per half hour and
    /// agency, whichever worker claims the slot (a second asking would only repeat: confirmations
    /// are idempotent).
    async fn query_payments(&self, now: NaiveDateTime) -> Result<(), StoreError> {
        use motcua_payments::provider::PaymentProvider;
        let platform = self.settings.platform.as_ref().map(|(code, p)| (code, p as &dyn PaymentProvider));
        let vnpay = self.settings.vnpay.as_ref().map(|(code, m)| (code, m as &dyn PaymentProvider));
        let providers: Vec<_> = platform.into_iter().chain(vnpay).collect();
        if providers.is_empty() {
            return Ok(());
        }
        let http = motcua_app::payments::providers::Http::new().map_err(|e| StoreError::Config(e.to_string()))?;
        let slot = format!("{}-{}", now.format("%Y-%m-%dT%H"), u32::from(chrono::Timelike::minute(&now) >= 30));
        for (code, provider) in providers {
            let Some(agency) = self.store.agency_by_code(code).await? else { continue };
            if !self.store.mark_job_done(&payment_query_job(provider), agency.id, &slot, now).await? {
                continue;
            }
            match motcua_app::payments::providers::ask_open(self.store.as_ref(), &http, provider, agency.id, now).await
            {
                Ok(_) => {}
                Err(motcua_app::AppError::Store(e)) => return Err(e),
                Err(e) => tracing::warn!(error = %e, provider = provider.name(), "payment queries stopped"),
            }
        }
        Ok(())
    }

    /// Signs the receipts issued unsigned, when a signing service is configured.
    async fn sign_receipts(&self, now: NaiveDateTime) -> Result<(), StoreError> {
        use motcua_app::payments::signing::{RemoteSigner, sign_receipts};
        let Some(service) = &self.settings.signing else { return Ok(()) };
        let Some(agency) = self.store.agency_by_code(&service.agency).await? else { return Ok(()) };
        let http = motcua_app::payments::providers::Http::new().map_err(|e| StoreError::Config(e.to_string()))?;
        let signer = RemoteSigner { url: service.url.clone(), transport: http.with_bearer(&service.token) };
        match sign_receipts(self.store.as_ref(), &signer, agency.id, now).await {
            Ok(_) => Ok(()),
            Err(motcua_app::AppError::Store(e)) => Err(e),
            Err(e) => {
                tracing::warn!(error = %e, "receipts not signed this round");
                Ok(())
            }
        }
    }

    /// Expands new outbox events, queues what housekeeping is due and sends what is due at `now`
    /// (local time): one round.
    pub async fn run_once(&self, now: NaiveDateTime) -> Result<RunReport, StoreError> {
        let mut report = RunReport::default();
        for agency_id in self.agency_ids().await? {
            report.portal_received += self.receive_of(agency_id, now).await?;
        }
        self.query_payments(now).await?;
        self.sign_receipts(now).await?;
        report.expanded = self.expand(now).await?;
        self.housekeeping(now, &mut report).await?;
        self.send_due(now, &mut report).await?;
        Ok(report)
    }
}

/// The `job_runs` name of a provider's half-hourly asking (`payment_query_vnpay`, …).
pub fn payment_query_job(provider: &dyn motcua_payments::provider::PaymentProvider) -> String {
    format!("payment_query_{}", provider.name())
}
