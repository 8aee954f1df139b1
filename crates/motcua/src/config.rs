//! Configuration: defaults → `motcua.toml` → `MOTCUA_SECTION__KEY` environment variables, with a
//! `_FILE` variant for the database URL (a secret). `motcua config example` prints a commented
//! file.

use anyhow::Context as _;
use std::fmt;
use std::path::Path;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

/// A secret is never written out (a printed or serialised configuration shows it empty); it is
/// read from the file or the environment only, and kept as a `SecretString` (redacted in debug
/// output, zeroed when dropped).
fn redacted<S: serde::Serializer>(_: &SecretString, s: S) -> anyhow::Result<S::Ok, S::Error> {
    s.serialize_str("")
}

#[derive(Clone, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub database: DatabaseConfig,
    #[serde(default)]
    pub server: ServerConfig,
    #[serde(default)]
    pub files: FilesConfig,
    #[serde(default)]
    pub limits: LimitsConfig,
    #[serde(default)]
    pub notify: NotifyConfig,
    #[serde(default)]
    pub quality: QualityConfig,
    #[serde(default)]
    pub national_sign_in: NationalSignInConfig,
    #[serde(default)]
    pub open311: Open311Config,
    #[serde(default)]
    pub payments: PaymentsConfig,
    /// How long personal data outside the record is kept (`docs/operations.md`, Privacy).
    #[serde(default)]
    pub privacy: motcua_app::privacy::Retention,
    #[serde(default)]
    pub backup: BackupConfig,
}

/// Backups the worker takes by itself (SQLite; `docs/operations.md`, Backups).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BackupConfig {
    /// Where each backup goes, in a directory named by its time (empty: no scheduled backups).
    pub dir: String,
    /// Hours between two backups (0: none).
    pub every_hours: u32,
    /// How many finished backups are kept (the oldest beyond are removed).
    pub keep: usize,
}

impl Default for BackupConfig {
    fn default() -> Self {
        BackupConfig { dir: String::new(), every_hours: 24, keep: 14 }
    }
}

/// Online payment of fees (`docs/payments.md`).
#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(default)]
#[serde(deny_unknown_fields)]
pub struct PaymentsConfig {
    pub vnpay: VnpayConfig,
    pub platform: PlatformConfig,
    pub vietqr: VietqrConfig,
    pub signing: SigningConfig,
}

/// The remote-signing service of one agency's e-receipts (`docs/payments.md`). Used when `url`
/// is set.
#[derive(Clone, Serialize, Deserialize)]
#[serde(default)]
#[serde(deny_unknown_fields)]
pub struct SigningConfig {
    /// The code of the agency whose receipts it signs.
    pub agency: String,
    pub url: String,
    /// A secret: `MOTCUA_PAYMENTS__SIGNING__TOKEN` or `…__TOKEN_FILE`.
    #[serde(serialize_with = "redacted")]
    pub token: SecretString,
}

impl Default for SigningConfig {
    fn default() -> Self {
        SigningConfig { agency: String::new(), url: String::new(), token: SecretString::from(String::new()) }
    }
}

impl SigningConfig {
    /// The service, when configured.
    pub fn service(&self) -> Option<motcua_app::payments::signing::SigningService> {
        use secrecy::ExposeSecret as _;
        (!self.url.is_empty()).then(|| motcua_app::payments::signing::SigningService {
            agency: self.agency.clone(),
            url: self.url.clone(),
            token: self.token.expose_secret().to_owned(),
        })
    }
}

/// The bank's notifications of VietQR transfers into one agency's account (the account itself
/// is the agency's setting `payments.vietqr`). Taken when `webhook_secret` is set.
#[derive(Clone, Serialize, Deserialize)]
#[serde(default)]
#[serde(deny_unknown_fields)]
pub struct VietqrConfig {
    /// The code of the agency whose account it is.
    pub agency: String,
    /// A secret: `MOTCUA_PAYMENTS__VIETQR__WEBHOOK_SECRET` or `…__WEBHOOK_SECRET_FILE`.
    #[serde(serialize_with = "redacted")]
    pub webhook_secret: SecretString,
}

impl Default for VietqrConfig {
    fn default() -> Self {
        VietqrConfig { agency: String::new(), webhook_secret: SecretString::from(String::new()) }
    }
}

/// The national payment platform (Nền tảng thanh toán of the National Public Service Portal),
/// collecting one agency's fees. Offered when `partner_code` is set.
#[derive(Clone, Serialize, Deserialize)]
#[serde(default)]
#[serde(deny_unknown_fields)]
pub struct PlatformConfig {
    /// The code of the agency whose fees it collects.
    pub agency: String,
    /// `MaDoiTac`.
    pub partner_code: String,
    /// A secret: `MOTCUA_PAYMENTS__PLATFORM__SECRET` or `…__SECRET_FILE`.
    #[serde(serialize_with = "redacted")]
    pub secret: SecretString,
    pub init_url: String,
    pub query_url: String,
    /// Where `GET_BILL` (the platform's receipt PDF) is posted.
    pub bill_url: String,
}

impl Default for PlatformConfig {
    fn default() -> Self {
        PlatformConfig {
            agency: String::new(),
            partner_code: String::new(),
            secret: SecretString::from(String::new()),
            init_url: String::new(),
            query_url: String::new(),
            bill_url: String::new(),
        }
    }
}

impl PlatformConfig {
    /// The partner, when configured.
    pub fn partner(&self) -> Option<(String, motcua_payments::platform::Partner)> {
        use secrecy::ExposeSecret as _;
        (!self.partner_code.is_empty()).then(|| {
            (
                self.agency.clone(),
                motcua_payments::platform::Partner {
                    code: self.partner_code.clone(),
                    secret: self.secret.expose_secret().to_owned(),
                    init_url: self.init_url.clone(),
                    query_url: self.query_url.clone(),
                    bill_url: self.bill_url.clone(),
                },
            )
        })
    }
}

/// One VNPAY merchant (TMN code and hash secret from the contract), collecting one agency's fees.
/// Offered when `tmn_code` is set.
#[derive(Clone, Serialize, Deserialize)]
#[serde(default)]
#[serde(deny_unknown_fields)]
pub struct VnpayConfig {
    /// The code of the agency whose fees it collects.
    pub agency: String,
    pub tmn_code: String,
    /// A secret: `MOTCUA_PAYMENTS__VNPAY__HASH_SECRET` or `…__HASH_SECRET_FILE`.
    #[serde(serialize_with = "redacted")]
    pub hash_secret: SecretString,
    pub pay_url: String,
    /// The merchant API (`querydr` for attempts VNPAY never confirmed).
    pub api_url: String,
}

impl Default for VnpayConfig {
    fn default() -> Self {
        VnpayConfig {
            agency: String::new(),
            tmn_code: String::new(),
            hash_secret: SecretString::from(String::new()),
            pay_url: "https://sandbox.vnpayment.vn/paymentv2/vpcpay.html".into(),
            api_url: "https://sandbox.vnpayment.vn/merchant_webapi/api/transaction".into(),
        }
    }
}

/// Open311 GeoReport v2 (`docs/feedback.md`): the keys clients post with.
#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(default)]
#[serde(deny_unknown_fields)]
pub struct Open311Config {
    /// Secrets: better `MOTCUA_OPEN311__API_KEYS` (a TOML list) than the file.
    #[serde(serialize_with = "redacted_list")]
    pub api_keys: Vec<String>,
}

fn redacted_list<S: serde::Serializer>(_: &[String], s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeSeq as _;
    s.serialize_seq(Some(0))?.end()
}

/// Sign-in through the national identity: the national portal's OpenID Connect provider
/// (`docs/national-portal.md`). Offered when `authorize_url` is set.
#[derive(Clone, Serialize, Deserialize)]
#[serde(default)]
#[serde(deny_unknown_fields)]
pub struct NationalSignInConfig {
    pub authorize_url: String,
    pub token_url: String,
    pub userinfo_url: String,
    pub client_id: String,
    /// A secret: `MOTCUA_NATIONAL_SIGN_IN__CLIENT_SECRET` or `…__CLIENT_SECRET_FILE`.
    #[serde(serialize_with = "redacted")]
    pub client_secret: SecretString,
    pub scope: String,
    /// The userinfo claim holding the 12-digit citizen ID.
    pub id_claim: String,
}

impl Default for NationalSignInConfig {
    fn default() -> Self {
        NationalSignInConfig {
            authorize_url: String::new(),
            token_url: String::new(),
            userinfo_url: String::new(),
            client_id: String::new(),
            client_secret: SecretString::default(),
            scope: "openid profile".into(),
            id_claim: "citizen_id".into(),
        }
    }
}

/// Evaluation and quality indices.
#[derive(Clone, Serialize, Deserialize)]
#[serde(default)]
#[serde(deny_unknown_fields)]
pub struct QualityConfig {
    /// Days during which an applicant may change their evaluation (the rules do not say).
    pub evaluation_change_days: i64,
    /// The agency also posts its procedures at the counter (Circular 01/2018 indicator 6).
    pub posted_at_counter: bool,
    /// Circular 01/2018 indicator 8 (handling of feedback), 0–2, as the agency declares it when it
    /// handles feedback outside the system. Unset: computed from the feedback cases received.
    pub feedback_score: Option<u8>,
}

impl Default for QualityConfig {
    fn default() -> Self {
        QualityConfig { evaluation_change_days: 7, posted_at_counter: true, feedback_score: None }
    }
}

/// Messages to applicants: the worker, the SMS gateway and the SMTP server.
#[derive(Clone, Serialize, Deserialize)]
#[serde(default)]
#[serde(deny_unknown_fields)]
pub struct NotifyConfig {
    /// Run the delivery worker inside `serve`.
    pub enabled: bool,
    /// How often housekeeping runs (digests, the monthly freeze), and how long an idle worker
    /// waits before looking again when nothing wakes it (SQLite in another process, retries due).
    pub interval_seconds: u64,
    /// Events expanded, and messages claimed, per round; rounds follow each other while work is
    /// waiting.
    pub batch: i64,
    /// Messages sent at once.
    pub concurrency: usize,
    /// The SMS sender (brandname).
    pub sender: String,
    pub sms_diacritics: bool,
    /// Officers' daily digest on working days, local time `HH:MM`; empty: none.
    pub digest_time: String,
    /// Digests list dossiers due within this many working days, besides overdue ones.
    pub digest_days_ahead: u32,
    /// How long a worker may hold a message it is sending before another takes it over.
    pub lease_seconds: i64,
    /// First retry delay after a temporary failure; doubled each time, capped at six hours.
    pub retry_base_seconds: i64,
    pub max_attempts: i64,
    /// How long to wait for a gateway's answer.
    pub timeout_seconds: u64,
    pub sms: SmsConfig,
    pub smtp: SmtpConfig,
    pub portal: PortalConfig,
    pub emc: EmcConfig,
}

/// The EMC tracker, the second national sink (`docs/national-portal.md`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
#[serde(deny_unknown_fields)]
pub struct EmcConfig {
    /// e.g. `https://f-emc.ngsp.gov.vn/TrackingMCDT`; empty: EMC is not told.
    pub url: String,
    /// The site number EMC assigned to this system.
    pub site_id: i64,
    /// The province's code in EMC's `LOCATION` (e.g. `H34`).
    pub province: String,
}

/// The National Public Service Portal's dossier sync (`docs/national-portal.md`).
#[derive(Clone, Serialize, Deserialize)]
#[serde(default)]
#[serde(deny_unknown_fields)]
pub struct PortalConfig {
    /// Empty: the portal is not told.
    pub create_url: String,
    pub update_url: String,
    /// Empty: progress entries are not sent.
    pub progress_url: String,
    /// The create service's `error_code`s that mean the dossier exists (then it is updated).
    pub exists_codes: Vec<String>,
    /// The token the portal (or the provincial LGSP) presents to push dossiers
    /// (`Authorization: Bearer …`); empty: no dossier is taken from the portal. A secret: set it
    /// as `MOTCUA_NOTIFY__PORTAL__INBOX_TOKEN` or read from `MOTCUA_NOTIFY__PORTAL__INBOX_TOKEN_FILE`.
    #[serde(serialize_with = "redacted")]
    pub inbox_token: SecretString,
    /// The portal's files are fetched only from addresses beginning with this.
    pub file_base_url: String,
}

impl Default for PortalConfig {
    fn default() -> Self {
        PortalConfig {
            create_url: String::new(),
            update_url: String::new(),
            progress_url: String::new(),
            exists_codes: vec!["3".into(), "-3".into()],
            inbox_token: SecretString::default(),
            file_base_url: String::new(),
        }
    }
}

impl Default for NotifyConfig {
    fn default() -> Self {
        NotifyConfig {
            enabled: true,
            interval_seconds: 5,
            batch: 200,
            concurrency: 16,
            sender: "MOTCUA".into(),
            sms_diacritics: false,
            digest_time: "07:30".into(),
            digest_days_ahead: 2,
            lease_seconds: 120,
            retry_base_seconds: 30,
            max_attempts: 10,
            timeout_seconds: 15,
            sms: SmsConfig::default(),
            smtp: SmtpConfig::default(),
            portal: PortalConfig::default(),
            emc: EmcConfig::default(),
        }
    }
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(default)]
#[serde(deny_unknown_fields)]
pub struct SmsConfig {
    /// `none`, `http` (generic), `esms` or `viettel`.
    pub kind: String,
    /// For `http`: GET, POST, PUT or PATCH.
    pub method: String,
    pub url: String,
    /// For `http`: the JSON body, with `{to}`, `{text}` and `{key}`.
    pub body_template: String,
    /// eSMS.
    #[serde(serialize_with = "redacted")]
    pub api_key: SecretString,
    #[serde(serialize_with = "redacted")]
    pub secret_key: SecretString,
    pub brandname: String,
    /// Viettel (CcApi `wsCpMt`): account, password and CP code; `brandname` is the ServiceID.
    pub user: String,
    #[serde(serialize_with = "redacted")]
    pub password: SecretString,
    pub cp_code: String,
}

impl Default for SmsConfig {
    fn default() -> Self {
        SmsConfig {
            kind: "none".into(),
            method: "POST".into(),
            url: String::new(),
            body_template: r#"{"to": "{to}", "text": "{text}", "key": "{key}"}"#.into(),
            api_key: SecretString::default(),
            secret_key: SecretString::default(),
            brandname: String::new(),
            user: String::new(),
            password: SecretString::default(),
            cp_code: String::new(),
        }
    }
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(default)]
#[serde(deny_unknown_fields)]
pub struct SmtpConfig {
    /// Empty: no e-mail.
    pub host: String,
    pub port: u16,
    /// `starttls`, `tls` or `plain` (a relay on the same machine only).
    pub security: String,
    pub username: String,
    #[serde(serialize_with = "redacted")]
    pub password: SecretString,
    pub from: String,
}

impl Default for SmtpConfig {
    fn default() -> Self {
        SmtpConfig {
            host: String::new(),
            port: 587,
            security: "starttls".into(),
            username: String::new(),
            password: SecretString::default(),
            from: "Một cửa <no-reply@example.vn>".into(),
        }
    }
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseConfig {
    /// `sqlite://path/file.db` or `postgres://user:password@host/db`.
    pub url: String,
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        DatabaseConfig { url: "sqlite://./motcua-data/motcua.db".into() }
    }
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    pub bind: String,
    /// Take the client address from X-Forwarded-For (only behind a trusted reverse proxy).
    pub trust_forwarded_for: bool,
    /// The address people use, printed in QR codes on receipts.
    pub public_url: String,
    /// Mark cookies Secure: set when served behind HTTPS.
    pub secure_cookies: bool,
    /// Seconds without a touch before the kiosk returns to its start screen.
    pub kiosk_idle_seconds: u32,
    /// The reverse proxies in front of the service (with `trust_forwarded_for`): the client is
    /// the rightmost `X-Forwarded-For` entry that is not one of them.
    #[serde(default = "default_proxies")]
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// The bearer token a metrics scraper presents at `/metrics` (empty: `/metrics` is closed).
    /// A secret: `MOTCUA_SERVER__METRICS_TOKEN` or `…__METRICS_TOKEN_FILE`.
    #[serde(default = "empty_secret", serialize_with = "redacted")]
    pub metrics_token: SecretString,
}

fn empty_secret() -> SecretString {
    SecretString::from(String::new())
}

fn default_proxies() -> Vec<std::net::IpAddr> {
    motcua_web::WebConfig::default().trusted_proxies
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            bind: "127.0.0.1:8080".into(),
            trust_forwarded_for: false,
            public_url: String::new(),
            secure_cookies: false,
            kiosk_idle_seconds: 60,
            trusted_proxies: default_proxies(),
            metrics_token: empty_secret(),
        }
    }
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FilesConfig {
    /// Where uploaded documents are kept (shared by all app servers).
    pub dir: String,
}

impl Default for FilesConfig {
    fn default() -> Self {
        FilesConfig { dir: "./motcua-data/files".into() }
    }
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(default)]
pub struct LimitsConfig {
    pub max_upload_mb: usize,
    pub max_json_kb: usize,
    pub public_requests_per_minute: u32,
    /// A re-appointment (Mẫu 04) may move the due date at most this many working days.
    pub max_reappoint_working_days: u32,
    /// Days an API token lives before it must be asked for again.
    pub api_token_days: i64,
    /// Public lookups per client address and minute (API, page, kiosk and evaluation together).
    pub lookup_per_minute: u32,
    /// Sign-in attempts per client address and minute (staff behind one NAT share it).
    pub sign_in_per_minute: u32,
    /// Seconds a public lookup's answer is reused by this server (0: never). A change made
    /// through this server is seen at once; one made through another server within this time
    /// (twice it at most: past it the answer is given while it is read again).
    pub lookup_cache_seconds: u64,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        LimitsConfig {
            max_upload_mb: 20,
            max_json_kb: 1024,
            public_requests_per_minute: 120,
            max_reappoint_working_days: motcua_domain::dossier::DEFAULT_MAX_REAPPOINT_DAYS,
            api_token_days: 30,
            lookup_per_minute: 20,
            sign_in_per_minute: 20,
            lookup_cache_seconds: 2,
        }
    }
}

impl fmt::Debug for Config {
    /// The database URL without its password: configuration is logged at start-up.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("database.url", &motcua_store::redact(&self.database.url))
            .field("server.bind", &self.server.bind)
            .field("server.trust_forwarded_for", &self.server.trust_forwarded_for)
            .field("files.dir", &self.files.dir)
            .field("limits.max_upload_mb", &self.limits.max_upload_mb)
            .field("limits.public_requests_per_minute", &self.limits.public_requests_per_minute)
            .finish()
    }
}

impl Config {
    /// What each feature that is partly configured still lacks: (feature, the keys missing). A
    /// feature left wholly unset is off, not missing.
    pub fn missing(&self) -> Vec<(&'static str, Vec<&'static str>)> {
        use secrecy::ExposeSecret as _;
        let secret = |s: &SecretString| !s.expose_secret().is_empty();
        let text = |s: &str| !s.trim().is_empty();
        let (v, p, q, g) =
            (&self.payments.vnpay, &self.payments.platform, &self.payments.vietqr, &self.payments.signing);
        let (n, sms, smtp) = (&self.national_sign_in, &self.notify.sms, &self.notify.smtp);
        let features = [
            (
                "payments.vnpay",
                text(&v.tmn_code),
                vec![
                    ("payments.vnpay.agency", text(&v.agency)),
                    ("payments.vnpay.hash_secret", secret(&v.hash_secret)),
                    ("payments.vnpay.pay_url", text(&v.pay_url)),
                    ("payments.vnpay.api_url", text(&v.api_url)),
                    ("server.public_url", text(&self.server.public_url)),
                ],
            ),
            (
                "payments.platform",
                text(&p.partner_code),
                vec![
                    ("payments.platform.agency", text(&p.agency)),
                    ("payments.platform.secret", secret(&p.secret)),
                    ("payments.platform.init_url", text(&p.init_url)),
                    ("payments.platform.query_url", text(&p.query_url)),
                    ("payments.platform.bill_url", text(&p.bill_url)),
                ],
            ),
            ("payments.vietqr", secret(&q.webhook_secret), vec![("payments.vietqr.agency", text(&q.agency))]),
            (
                "payments.signing",
                text(&g.url),
                vec![("payments.signing.agency", text(&g.agency)), ("payments.signing.token", secret(&g.token))],
            ),
            (
                "national_sign_in",
                text(&n.client_id),
                vec![
                    ("national_sign_in.client_secret", secret(&n.client_secret)),
                    ("national_sign_in.authorize_url", text(&n.authorize_url)),
                    ("national_sign_in.token_url", text(&n.token_url)),
                    ("national_sign_in.userinfo_url", text(&n.userinfo_url)),
                    ("server.public_url", text(&self.server.public_url)),
                ],
            ),
            ("notify.sms", text(&sms.url), vec![("notify.sms.brandname", text(&sms.brandname))]),
            ("notify.smtp", text(&smtp.host), vec![("notify.smtp.from", text(&smtp.from))]),
        ];
        features
            .into_iter()
            .filter(|(_, on, _)| *on)
            .filter_map(|(feature, _, keys)| {
                let lacking: Vec<&'static str> = keys.into_iter().filter(|(_, ok)| !ok).map(|(k, _)| k).collect();
                (!lacking.is_empty()).then_some((feature, lacking))
            })
            .collect()
    }

    /// The features configured (wholly or in part), by name.
    pub fn configured(&self) -> Vec<&'static str> {
        use secrecy::ExposeSecret as _;
        [
            ("payments.vnpay", !self.payments.vnpay.tmn_code.is_empty()),
            ("payments.platform", !self.payments.platform.partner_code.is_empty()),
            ("payments.vietqr", !self.payments.vietqr.webhook_secret.expose_secret().is_empty()),
            ("payments.signing", !self.payments.signing.url.is_empty()),
            ("national_sign_in", !self.national_sign_in.client_id.is_empty()),
            ("notify.sms", !self.notify.sms.url.is_empty()),
            ("notify.smtp", !self.notify.smtp.host.is_empty()),
        ]
        .into_iter()
        .filter(|(_, on)| *on)
        .map(|(name, _)| name)
        .collect()
    }

    /// Reads the configuration; `file` defaults to `motcua.toml` in the working directory (a
    /// missing default file is fine; a file named with `--config` must exist). A broken file, an
    /// unknown key in it or in a `MOTCUA_SECTION__KEY` variable is an error, so that a typo is
    /// not silently ignored.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Config> {
        if let Some(named) = file
            && !named.exists()
        {
            return Err(anyhow::anyhow!("không có tệp cấu hình {} / no such configuration file", named.display()));
        }
        let file = file.unwrap_or(Path::new("motcua.toml"));
        // Only `MOTCUA_SECTION__KEY` variables are configuration (`MOTCUA_DEMO_PASSWORD` and the
        // like are read by the commands that use them).
        let env = Env::prefixed("MOTCUA_")
            // `…_FILE` variables name a secret's file, read below: no configuration key ends so.
            .filter(|k| k.as_str().contains("__") && !k.as_str().to_ascii_lowercase().ends_with("_file"))
            .split("__");
        let mut config: Config = Figment::from(Serialized::defaults(Config::default()))
            .merge(Toml::file(file))
            .merge(env)
            .extract()
            .context("cấu hình không hợp lệ")?;
        // A secret named by `…_FILE`: the file's content, trimmed.
        let from_file = |var: &str| -> anyhow::Result<Option<String>> {
            match std::env::var(var) {
                Ok(path) => {
                    let text = std::fs::read_to_string(&path).with_context(|| format!("không đọc được {path}"))?;
                    Ok(Some(text.trim().to_owned()))
                }
                Err(_) => Ok(None),
            }
        };
        if let Some(url) = from_file("MOTCUA_DATABASE__URL_FILE")? {
            config.database.url = url;
        }
        let secrets: [(&str, &mut SecretString); 7] = [
            ("MOTCUA_NOTIFY__PORTAL__INBOX_TOKEN_FILE", &mut config.notify.portal.inbox_token),
            ("MOTCUA_PAYMENTS__PLATFORM__SECRET_FILE", &mut config.payments.platform.secret),
            ("MOTCUA_SERVER__METRICS_TOKEN_FILE", &mut config.server.metrics_token),
            ("MOTCUA_PAYMENTS__SIGNING__TOKEN_FILE", &mut config.payments.signing.token),
            ("MOTCUA_PAYMENTS__VIETQR__WEBHOOK_SECRET_FILE", &mut config.payments.vietqr.webhook_secret),
            ("MOTCUA_PAYMENTS__VNPAY__HASH_SECRET_FILE", &mut config.payments.vnpay.hash_secret),
            ("MOTCUA_NATIONAL_SIGN_IN__CLIENT_SECRET_FILE", &mut config.national_sign_in.client_secret),
        ];
        for (var, secret) in secrets {
            if let Some(text) = from_file(var)? {
                *secret = SecretString::from(text);
            }
        }
        Ok(config)
    }

    /// The address people use, for links in messages and the receipt's QR code: the configured
    /// one, or else the address the server listens on.
    pub fn public_url(&self) -> String {
        match self.server.public_url.trim().trim_end_matches('/') {
            "" => format!("http://{}", self.server.bind),
            url => url.to_owned(),
        }
    }

    pub fn web(&self) -> motcua_web::WebConfig {
        motcua_web::WebConfig {
            max_json_bytes: self.limits.max_json_kb * 1024,
            max_upload_bytes: self.limits.max_upload_mb * 1024 * 1024,
            public_requests_per_minute: self.limits.public_requests_per_minute,
            trust_forwarded_for: self.server.trust_forwarded_for,
            secure_cookies: self.server.secure_cookies,
            public_url: self.public_url(),
            kiosk_idle_seconds: self.server.kiosk_idle_seconds,
            evaluation_change_days: self.quality.evaluation_change_days.max(0),
            posted_at_counter: self.quality.posted_at_counter,
            feedback_score: self.quality.feedback_score.map(|s| s.min(2)),
            trusted_proxies: self.server.trusted_proxies.clone(),
            max_reappoint_working_days: self.limits.max_reappoint_working_days,
            api_token_days: self.limits.api_token_days.max(1),
            lookup_per_minute: self.limits.lookup_per_minute.max(1),
            sign_in_per_minute: self.limits.sign_in_per_minute.max(1),
            lookup_cache_seconds: self.limits.lookup_cache_seconds.min(60),
            retention: self.privacy,
            national_sign_in: {
                use secrecy::ExposeSecret as _;
                let n = &self.national_sign_in;
                (!n.authorize_url.is_empty()).then(|| motcua_web::pages::national_sign_in::NationalSignIn {
                    authorize_url: n.authorize_url.clone(),
                    token_url: n.token_url.clone(),
                    userinfo_url: n.userinfo_url.clone(),
                    client_id: n.client_id.clone(),
                    client_secret: n.client_secret.expose_secret().to_owned(),
                    redirect_url: format!("{}/auth/national/callback", self.public_url()),
                    scope: n.scope.clone(),
                    id_claim: n.id_claim.clone(),
                })
            },
            open311_api_keys_sha256: self
                .open311
                .api_keys
                .iter()
                .filter(|k| !k.trim().is_empty())
                .map(|k| motcua_app::accounts::token_hash(k.trim()))
                .collect(),
            vnpay: {
                use secrecy::ExposeSecret as _;
                let v = &self.payments.vnpay;
                (!v.tmn_code.is_empty()).then(|| {
                    (
                        v.agency.clone(),
                        motcua_payments::vnpay::Merchant {
                            tmn_code: v.tmn_code.clone(),
                            hash_secret: v.hash_secret.expose_secret().to_owned(),
                            pay_url: v.pay_url.clone(),
                            api_url: v.api_url.clone(),
                        },
                    )
                })
            },
            platform: self.payments.platform.partner(),
            vietqr_webhook: {
                use secrecy::ExposeSecret as _;
                let v = &self.payments.vietqr;
                let secret = v.webhook_secret.expose_secret();
                (!secret.is_empty()).then(|| (v.agency.clone(), secret.to_owned()))
            },
            metrics_token_sha256: {
                use secrecy::ExposeSecret as _;
                let token = self.server.metrics_token.expose_secret();
                (!token.is_empty()).then(|| motcua_app::accounts::token_hash(token))
            },
            portal_inbox_token_sha256: {
                use secrecy::ExposeSecret as _;
                let token = self.notify.portal.inbox_token.expose_secret();
                (!token.is_empty()).then(|| motcua_app::accounts::token_hash(token))
            },
        }
    }
}

/// A commented configuration file with the defaults.
pub const EXAMPLE: &str = r#"# motcua.toml — every key is optional; environment variables override the file:
# MOTCUA_DATABASE__URL, MOTCUA_SERVER__BIND, … (MOTCUA_DATABASE__URL_FILE reads the URL from a file).

[database]
# The embedded default, one file (WAL mode). For PostgreSQL: "postgres://motcua:secret@127.0.0.1/motcua"
url = "sqlite://./motcua-data/motcua.db"

[server]
bind = "127.0.0.1:8080"
# Only behind a reverse proxy you control:
trust_forwarded_for = false
# The address people use (printed as a QR code on receipts):
# (empty: the address the server is bound to, e.g. "http://10.0.0.5:8080")
public_url = ""
# Set to true when served over HTTPS:
secure_cookies = false
kiosk_idle_seconds = 60
# With trust_forwarded_for: the proxies whose X-Forwarded-For entries are believed.
trusted_proxies = ["127.0.0.1", "::1"]
metrics_token = ""         # the scraper's bearer token for /metrics (empty: closed); better
                           # MOTCUA_SERVER__METRICS_TOKEN or …__METRICS_TOKEN_FILE

[files]
# Uploaded documents, content-addressed; several app servers must share this directory.
dir = "./motcua-data/files"

[limits]
max_upload_mb = 20
max_json_kb = 1024
# Per client address and minute, on the public endpoints (catalog, lookup, sign-in).
public_requests_per_minute = 120
# A re-appointment (Mẫu 04) moves the due date at most this many working days.
max_reappoint_working_days = 30
# API tokens expire after this many days (and on a password reset or deactivation).
api_token_days = 30
# Public lookups per client address and minute (a code is also locked for the hour after 5
# wrong phone numbers, from anywhere).
lookup_per_minute = 20
# Sign-in attempts per client address and minute (raise it if many staff share one address).
sign_in_per_minute = 20
# Seconds this server reuses a public lookup's answer (0: never). A change made through this
# server is seen at once; one made through another server (several servers) within this time
# (twice it at most: past it the answer is still given while it is read again in the background).
lookup_cache_seconds = 2

[privacy]
# How long personal data outside the record is kept (the public notice at /privacy says so).
# Dossiers, their history and the audit log are administrative records, kept as archives are.
message_days = 365         # a sent SMS or e-mail keeps its text and address this long
expired_sessions_days = 0  # sessions are removed once expired
expired_tokens_days = 30   # API tokens, after they expire or are revoked
rate_limit_hours = 24      # counters keyed by a client address or an account

[backup]
# SQLite: the worker backs the database and the files up by itself (PostgreSQL: pg_dump or a
# base backup with WAL archiving, docs/operations.md). Put the directory on another disk.
dir = ""                   # empty: no scheduled backups (`motcua backup --to DIR` by hand)
every_hours = 24
keep = 14                  # finished backups kept; older ones are removed

[notify]
# The delivery worker runs inside `serve` (or alone: `motcua worker`).
enabled = true
interval_seconds = 5       # housekeeping, and the idle worker's poll; new rows wake it at once
batch = 200                # events expanded and messages claimed per round; rounds run back to back while busy
concurrency = 16           # messages sent at once
sender = "MOTCUA"          # the SMS brandname
sms_diacritics = false     # unaccented SMS cost about half
digest_time = "07:30"      # officers' digest on working days; "" for none
digest_days_ahead = 2      # digests list dossiers due within this many working days
lease_seconds = 120        # a message held longer by a dead worker is sent by another
retry_base_seconds = 30    # first retry; doubled each time, at most 6 hours, with jitter
max_attempts = 10
timeout_seconds = 15       # waiting for a gateway's answer

[notify.sms]
kind = "none"              # none | http | esms | viettel
method = "POST"            # http: GET (values in the URL), POST, PUT or PATCH
url = ""                   # http: may hold {to} {text} {key}; esms: empty for its public address; viettel: the CcApi address
body_template = '{"to": "{to}", "text": "{text}", "key": "{key}"}'
api_key = ""               # esms; secrets are better set as MOTCUA_NOTIFY__SMS__API_KEY
secret_key = ""
brandname = ""             # esms Brandname; viettel ServiceID
user = ""                  # viettel
password = ""              # viettel; or MOTCUA_NOTIFY__SMS__PASSWORD
cp_code = ""               # viettel

[notify.smtp]
host = ""                  # empty: no e-mail
port = 587
security = "starttls"      # starttls | tls | plain
username = ""
password = ""              # or MOTCUA_NOTIFY__SMTP__PASSWORD
from = "Một cửa <no-reply@example.vn>"

[notify.portal]            # the National Public Service Portal's dossier sync (docs/national-portal.md)
create_url = ""            # empty: the portal is not told
update_url = ""
progress_url = ""
exists_codes = ["3", "-3"] # the create service's error_codes meaning "already there": to confirm with the operator
inbox_token = ""           # the portal's token to push dossiers here; empty: none taken. Better as
                           # MOTCUA_NOTIFY__PORTAL__INBOX_TOKEN or …_INBOX_TOKEN_FILE
file_base_url = ""         # the portal's files are fetched only from addresses beginning with this

[notify.emc]               # the EMC tracker, one message per change of a received dossier
url = ""                   # e.g. https://f-emc.ngsp.gov.vn/TrackingMCDT; empty: EMC is not told
site_id = 0                # the site number EMC assigned
province = ""              # e.g. H34

[national_sign_in]         # sign-in through the national identity (VNeID), OpenID Connect; empty: not offered
authorize_url = ""
token_url = ""
userinfo_url = ""
client_id = ""
client_secret = ""         # better MOTCUA_NATIONAL_SIGN_IN__CLIENT_SECRET or …__CLIENT_SECRET_FILE
scope = "openid profile"
id_claim = "citizen_id"    # the userinfo claim with the 12-digit citizen ID: to confirm with the operator
                           # (the callback is <public_url>/auth/national/callback)

[open311]                  # Open311 GeoReport v2 at /open311/v2 (docs/feedback.md)
api_keys = []              # the keys clients post with; better MOTCUA_OPEN311__API_KEYS

[payments.vnpay]           # VNPAY 2.1.0 (docs/payments.md); offered when tmn_code is set. Register the IPN URL
                           # <public_url>/api/v1/payments/vnpay/<agency code>/ipn with VNPAY.
agency = ""                # the code of the agency whose fees this merchant collects
tmn_code = ""
hash_secret = ""           # better MOTCUA_PAYMENTS__VNPAY__HASH_SECRET or …__HASH_SECRET_FILE
pay_url = "https://sandbox.vnpayment.vn/paymentv2/vpcpay.html"
api_url = "https://sandbox.vnpayment.vn/merchant_webapi/api/transaction"   # querydr

[payments.platform]        # the national payment platform (docs/payments.md); offered when partner_code is set.
                           # Its confirmations go to <public_url>/api/v1/payments/platform/<agency code>/confirm
agency = ""
partner_code = ""          # MaDoiTac, from the operator
secret = ""                # better MOTCUA_PAYMENTS__PLATFORM__SECRET or …__SECRET_FILE
init_url = ""
query_url = ""
bill_url = ""              # GET_BILL: the platform's receipt PDF, offered to the payer once paid

[payments.vietqr]          # the bank's (or intermediary's) notifications of VietQR transfers (docs/payments.md);
                           # the account is the agency's setting payments.vietqr. Notifications go to
                           # <public_url>/api/v1/payments/vietqr/<agency code>/webhook, signed (X-Signature)
agency = ""
webhook_secret = ""        # better MOTCUA_PAYMENTS__VIETQR__WEBHOOK_SECRET or …__WEBHOOK_SECRET_FILE

[payments.signing]         # the remote-signing service of the e-receipts (docs/payments.md); the worker signs
                           # new receipts when url is set, and a receipt says when it is not signed yet
agency = ""
url = ""
token = ""                 # better MOTCUA_PAYMENTS__SIGNING__TOKEN or …__TOKEN_FILE

[quality]
evaluation_change_days = 7 # an applicant may change their evaluation for this many days
posted_at_counter = true   # procedures are also posted at the counter (Circular 01/2018, indicator 6)
# feedback_score = 2       # Circular 01/2018 indicator 8 declared, 0–2, for feedback handled outside
                           # the system; unset: computed from the feedback cases received
"#;

#[cfg(test)]
mod public_url_tests {
    use super::Config;

    #[test]
    fn links_point_at_the_bound_address_unless_one_is_configured() {
        let mut config = Config::default();
        config.server.bind = "10.0.0.5:8080".into();
        assert_eq!(config.public_url(), "http://10.0.0.5:8080");
        config.server.public_url = "https://dvc.khanhhoa.gov.vn/".into();
        assert_eq!(config.public_url(), "https://dvc.khanhhoa.gov.vn");
        assert_eq!(config.web().public_url, "https://dvc.khanhhoa.gov.vn");
    }
}
