//! Configuration: defaults → `motcua.toml` → `MOTCUA_SECTION__KEY` environment variables, with a
//! `_FILE` variant for the database URL (a secret). `motcua config example` prints a commented
//! file.

use std::fmt;
use std::path::Path;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

#[derive(Clone, Serialize, Deserialize, Default)]
pub struct Config {
    #[serde(default)]
    pub database: DatabaseConfig,
    #[serde(default)]
    pub server: ServerConfig,
    #[serde(default)]
    pub files: FilesConfig,
    #[serde(default)]
    pub limits: LimitsConfig,
}

#[derive(Clone, Serialize, Deserialize)]
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
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            bind: "127.0.0.1:8080".into(),
            trust_forwarded_for: false,
            public_url: "http://127.0.0.1:8080".into(),
            secure_cookies: false,
            kiosk_idle_seconds: 60,
        }
    }
}

#[derive(Clone, Serialize, Deserialize)]
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
pub struct LimitsConfig {
    pub max_upload_mb: usize,
    pub max_json_kb: usize,
    pub public_requests_per_minute: u32,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        LimitsConfig { max_upload_mb: 20, max_json_kb: 1024, public_requests_per_minute: 120 }
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
    /// Reads the configuration; `file` defaults to `motcua.toml` in the working directory (a
    /// missing file is fine, a broken one is an error).
    pub fn load(file: Option<&Path>) -> Result<Config, String> {
        let file = file.unwrap_or(Path::new("motcua.toml"));
        let mut config: Config = Figment::from(Serialized::defaults(Config::default()))
            .merge(Toml::file(file))
            .merge(Env::prefixed("MOTCUA_").split("__"))
            .extract()
            .map_err(|e| format!("cấu hình không hợp lệ: {e}"))?;
        if let Ok(path) = std::env::var("MOTCUA_DATABASE__URL_FILE") {
            config.database.url =
                std::fs::read_to_string(&path).map_err(|e| format!("không đọc được {path}: {e}"))?.trim().to_owned();
        }
        Ok(config)
    }

    pub fn web(&self) -> motcua_web::WebConfig {
        motcua_web::WebConfig {
            max_json_bytes: self.limits.max_json_kb * 1024,
            max_upload_bytes: self.limits.max_upload_mb * 1024 * 1024,
            public_requests_per_minute: self.limits.public_requests_per_minute,
            trust_forwarded_for: self.server.trust_forwarded_for,
            secure_cookies: self.server.secure_cookies,
            public_url: self.server.public_url.trim_end_matches('/').to_owned(),
            kiosk_idle_seconds: self.server.kiosk_idle_seconds,
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
public_url = "http://127.0.0.1:8080"
# Set to true when served over HTTPS:
secure_cookies = false
kiosk_idle_seconds = 60

[files]
# Uploaded documents, content-addressed; several app servers must share this directory.
dir = "./motcua-data/files"

[limits]
max_upload_mb = 20
max_json_kb = 1024
# Per client address and minute, on the public endpoints (catalog, lookup, sign-in).
public_requests_per_minute = 120
"#;
