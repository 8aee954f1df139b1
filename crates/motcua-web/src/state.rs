//! What every handler shares. Nothing here is state a second server would need: the store and
//! the file directory are shared; the calendar cache is derived from stored configuration; the
//! rate-limit counts are this server's unsent share of counts kept in the database.

use std::sync::Arc;

use chrono::NaiveDateTime;
use motcua_app::calendars::Calendars;
use motcua_app::files::FileStore;
use motcua_calendar::WorkCalendar;
use motcua_domain::catalog::ProcedureVersion;
use motcua_domain::dossier::{Action, Dossier, Transition};
use motcua_domain::org::{Actor, Agency, FormStyle};
use motcua_store::Store;
use uuid::Uuid;

use crate::clock::Clock;
use crate::error::ApiResult;

/// Limits and switches of the HTTP edge.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Largest JSON body accepted.
    pub max_json_bytes: usize,
    /// Largest uploaded document.
    pub max_upload_bytes: usize,
    /// Requests per minute and client address on the public endpoints.
    pub public_requests_per_minute: u32,
    /// Whether to take the client address from `X-Forwarded-For` (behind a reverse proxy).
    pub trust_forwarded_for: bool,
    /// Mark cookies `Secure` (serve behind HTTPS).
    pub secure_cookies: bool,
    /// The address people reach the service at, for links printed on receipts (QR codes).
    pub public_url: String,
    /// Seconds without a touch before the kiosk returns to its start screen.
    pub kiosk_idle_seconds: u32,
    /// Days during which an applicant may change their evaluation.
    pub evaluation_change_days: i64,
    /// Whether the agency posts its procedures at the counter too (Circular 01/2018 indicator 6
    /// needs both posted and electronic publicity; the system cannot see the wall).
    pub posted_at_counter: bool,
    /// Circular 01/2018 indicator 8 (handling of feedback, 0–2) as the agency declares it when it
    /// handles feedback outside the system. `None`: computed from the feedback cases.
    pub feedback_score: Option<u8>,
    /// The reverse proxies whose `X-Forwarded-For` entries are believed (with
    /// `trust_forwarded_for`): the client is the rightmost entry not among them.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// How far past the old due date a re-appointment may go, in working days.
    pub max_reappoint_working_days: u32,
    /// Days an API token lives.
    pub api_token_days: i64,
    /// Public lookups (API, page, kiosk and evaluation together) per client address and minute.
    pub lookup_per_minute: u32,
    /// Sign-in attempts per client address and minute.
    pub sign_in_per_minute: u32,
    /// Seconds a public lookup's answer is reused by this server (see [`crate::lookup_cache`]).
    pub lookup_cache_seconds: u64,
    /// The SHA-256 (hex) of the token a metrics scraper presents; `None`: `/metrics` is closed.
    pub metrics_token_sha256: Option<String>,
    /// The SHA-256 (hex) of the token the national portal presents to push dossiers; `None`:
    /// none is taken.
    pub portal_inbox_token_sha256: Option<String>,
    /// Sign-in through the national identity (the national portal's OpenID Connect provider);
    /// `None`: not offered.
    pub national_sign_in: Option<crate::pages::national_sign_in::NationalSignIn>,
    /// The SHA-256 (hex) of each API key Open311 clients may post with.
    pub open311_api_keys_sha256: Vec<String>,
    /// The VNPAY merchant and the code of the agency whose fees it collects.
    pub vnpay: Option<(String, motcua_payments::vnpay::Merchant)>,
    /// The national payment platform's partner and the code of the agency whose fees it collects.
    pub platform: Option<(String, motcua_payments::platform::Partner)>,
    /// The code of the agency whose bank notifies its VietQR transfers, and the secret the
    /// notifications are signed with.
    pub vietqr_webhook: Option<(String, String)>,
    /// How long personal data is kept (told on the privacy notice).
    pub retention: motcua_app::privacy::Retention,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            max_json_bytes: 1024 * 1024,
            max_upload_bytes: 20 * 1024 * 1024,
            public_requests_per_minute: 120,
            trust_forwarded_for: false,
            secure_cookies: false,
            public_url: "http://127.0.0.1:8080".into(),
            kiosk_idle_seconds: 60,
            evaluation_change_days: motcua_domain::evaluation::DEFAULT_CHANGE_DAYS,
            posted_at_counter: true,
            feedback_score: None,
            trusted_proxies: vec![
                std::net::IpAddr::from([127, 0, 0, 1]),
                std::net::IpAddr::from([0u16, 0, 0, 0, 0, 0, 0, 1]),
            ],
            max_reappoint_working_days: motcua_domain::dossier::DEFAULT_MAX_REAPPOINT_DAYS,
            api_token_days: 30,
            lookup_per_minute: 20,
            sign_in_per_minute: 20,
            lookup_cache_seconds: 2,
            metrics_token_sha256: None,
            portal_inbox_token_sha256: None,
            national_sign_in: None,
            open311_api_keys_sha256: Vec::new(),
            vnpay: None,
            platform: None,
            vietqr_webhook: None,
            retention: motcua_app::privacy::Retention::default(),
        }
    }
}

/// What every request of one server shares; cloned for each request as one pointer.
#[derive(Debug, Clone)]
pub struct AppState(Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

#[derive(Debug)]
pub struct Shared {
    pub store: Arc<dyn Store>,
    pub files: FileStore,
    pub clock: Arc<dyn Clock>,
    /// Shared, not copied: the state is cloned for every request.
    pub config: Arc<WebConfig>,
    calendars: Calendars,
    /// This server's unsent part of the public rate-limit counts (see [`crate::rate_limit`]).
    pub rate_limits: Arc<crate::rate_limit::LocalCounts>,
    /// Fired after every change that succeeded, so that a worker in this process delivers its
    /// messages at once (see `motcua serve`).
    pub outbox_wake: Arc<tokio::sync::Notify>,
    /// Public lookups answered lately (see [`crate::lookup_cache`]).
    pub lookups: crate::lookup_cache::LookupCache,
    /// Which agency a dossier code belongs to.
    pub agency_codes: motcua_app::agency_codes::AgencyCodes,
}

/// The agency setting of its account for VietQR transfers: `{"bin":"970403","account":"…","name":"…"}`.
pub const VIETQR_KEY: &str = "payments.vietqr";

impl AppState {
    /// The online payment provider `name` (`vnpay`, `platform`) of the agency `agency_code`, when
    /// this server has one configured.
    pub fn provider(&self, agency_code: &str, name: &str) -> Option<&dyn motcua_payments::provider::PaymentProvider> {
        use motcua_payments::provider::PaymentProvider;
        let vnpay = self.config.vnpay.iter().map(|(code, m)| (code, m as &dyn PaymentProvider));
        let platform = self.config.platform.iter().map(|(code, p)| (code, p as &dyn PaymentProvider));
        vnpay.chain(platform).find(|(code, p)| *code == agency_code && p.name() == name).map(|(_, p)| p)
    }

    /// The agency's account taking VietQR transfers (its setting `payments.vietqr`), with the
    /// webhook's secret when this server has it.
    pub async fn bank(
        &self,
        agency: &motcua_domain::org::Agency,
    ) -> Result<Option<motcua_payments::vietqr::Bank>, motcua_store::StoreError> {
        let setting = self.store.agency_settings(agency.id).await?.into_iter().find(|(k, _)| k == VIETQR_KEY);
        let Some(mut bank) = setting.and_then(|(_, v)| serde_json::from_str::<motcua_payments::vietqr::Bank>(&v).ok())
        else {
            return Ok(None);
        };
        bank.webhook_secret = self
            .config
            .vietqr_webhook
            .as_ref()
            .filter(|(code, _)| *code == agency.code.to_string())
            .map(|(_, secret)| secret.clone());
        Ok(Some(bank))
    }

    pub fn new(
        store: Arc<dyn Store>,
        files: FileStore,
        clock: Arc<dyn Clock>,
        config: WebConfig,
    ) -> ApiResult<AppState> {
        let calendars = Calendars::new()?;
        let lookups =
            crate::lookup_cache::LookupCache::new(std::time::Duration::from_secs(config.lookup_cache_seconds));
        Ok(AppState(Arc::new(Shared {
            store,
            files,
            clock,
            config: Arc::new(config),
            calendars,
            rate_limits: Arc::default(),
            outbox_wake: Arc::default(),
            lookups,
            agency_codes: Default::default(),
        })))
    }

    /// The agency's working calendar: its own file if it has one, else the national default
    /// (see [`Calendars`]: a change made through any server is seen by every server at once).
    pub async fn calendar(&self, agency_id: Uuid) -> ApiResult<Arc<WorkCalendar>> {
        Ok(self.calendars.of(&*self.store, agency_id).await?)
    }

    /// The agency and its calendar, in one read; `None` if there is no such agency.
    pub async fn agency_and_calendar(&self, agency_id: Uuid) -> ApiResult<Option<(Agency, Arc<WorkCalendar>)>> {
        let Some((agency, toml)) = self.store.agency_with_calendar(agency_id).await? else { return Ok(None) };
        Ok(Some((agency, self.calendars.stored(agency_id, toml)?)))
    }

    /// The version of procedure `code` in force today, with its agency and the agency's
    /// calendar, in one read: what an intake needs before it writes. `None`: no such procedure
    /// in force.
    pub async fn procedure_for_intake(
        &self,
        code: &str,
    ) -> ApiResult<Option<(ProcedureVersion, Agency, Arc<WorkCalendar>)>> {
        let today = self.now_default().date();
        let Some((version, agency, toml)) = self.store.procedure_with_agency_at(code, today).await? else {
            return Ok(None);
        };
        let cal = self.calendars.stored(agency.id, toml)?;
        Ok(Some((version, agency, cal)))
    }

    /// The dossier if `actor` may read it; to anyone else it does not exist
    /// ([`motcua_app::dossiers::load_readable`]).
    pub async fn readable_dossier(&self, actor: &Actor, id: Uuid) -> ApiResult<Dossier> {
        Ok(motcua_app::dossiers::load_readable(&*self.store, actor, id).await?)
    }

    /// Applies `action` to the stored dossier at `expected_version` and stores the result, in the
    /// agency's calendar and local time ([`motcua_app::dossiers::act`]): what the API, the
    /// officer's and the citizen's pages all do to act on a dossier.
    pub async fn act(
        &self,
        actor: &Actor,
        dossier: &Dossier,
        expected_version: i64,
        action: Action,
    ) -> ApiResult<Transition> {
        let cal = self.calendar(dossier.agency_id).await?;
        Ok(motcua_app::dossiers::act(&*self.store, actor, dossier, expected_version, action, self.at(&cal)).await?)
    }

    /// Where and when a change to a dossier of the agency whose calendar is `cal` is made now.
    pub fn at<'a>(&self, cal: &'a WorkCalendar) -> motcua_app::dossiers::At<'a> {
        motcua_app::dossiers::At {
            calendar: cal,
            now: self.now(cal),
            max_reappoint_days: self.config.max_reappoint_working_days,
        }
    }

    /// The agency a dossier code belongs to, if the code is well formed and the agency exists.
    pub async fn agency_of_code(&self, code: &str) -> ApiResult<Option<Uuid>> {
        Ok(self.agency_codes.of_dossier_code(&*self.store, code).await?)
    }

    /// Local time in the calendar's zone.
    pub fn now(&self, cal: &WorkCalendar) -> NaiveDateTime {
        cal.to_local(self.clock.now_utc())
    }

    /// Local time in Asia/Ho_Chi_Minh, for things not tied to one agency.
    /// What the agency's documents carry at their head: the governing body's name (its parent
    /// agency's, if any), its own, and its [`FormStyle`] (place, symbol, numbering).
    pub async fn letterhead(&self, agency: &Agency) -> ApiResult<Letterhead> {
        let settings = self.store.agency_settings(agency.id).await?;
        let parent = match agency.parent_id {
            Some(p) => self.store.agency(p).await?.map(|a| a.name.to_uppercase()),
            None => None,
        };
        Ok(Letterhead {
            governing: parent.unwrap_or_default(),
            agency: agency.name.to_uppercase(),
            agency_plain: agency.name.clone(),
            style: FormStyle::of(agency, &settings),
        })
    }

    pub fn now_default(&self) -> NaiveDateTime {
        self.calendars.national().to_local(self.clock.now_utc())
    }
}

/// The head of an agency's documents (see [`AppState::letterhead`]).
#[derive(Debug, Clone)]
pub struct Letterhead {
    /// TÊN CƠ QUAN CHỦ QUẢN, upper case; empty for a top agency.
    pub governing: String,
    /// The agency's name, upper case, and as written.
    pub agency: String,
    pub agency_plain: String,
    pub style: FormStyle,
}
