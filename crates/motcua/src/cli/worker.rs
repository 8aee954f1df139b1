//! `motcua worker`: the delivery worker alone (several may run against PostgreSQL); `serve` runs
//! one too unless `notify.enabled = false`.

use secrecy::ExposeSecret;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use motcua_notify::gateway::{Channel, Esms, HttpSms, Smtp, SmtpSecurity, Viettel};
use motcua_notify::worker::{Notifier, NotifySettings};
use motcua_store::Store;

use super::{CliResult, open_store, runtime};
use crate::config::Config;

#[derive(Debug, Args)]
pub struct WorkerArgs {
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

pub fn run(args: WorkerArgs) -> CliResult {
    let config = Config::load(args.config.as_deref())?;
    runtime()?.block_on(async {
        // Migrated (or checked) with the ordinary connections; the worker then writes through its
        // own, whose commits need not wait for the disk (`motcua_store::connect_worker`).
        drop(open_store(&config).await?);
        let store = motcua_store::connect_worker(&config.database.url).await?;
        let notifier = notifier(&config, store)?;
        println!("motcua worker: gửi tin nhắn, thư từ hàng đợi (Ctrl+C để dừng)");
        // On Ctrl-C or SIGTERM the round under way ends (a message being sent is recorded, not
        // left to be sent again by another worker), then the worker stops.
        let (stop, stopped) = tokio::sync::watch::channel(false);
        tokio::spawn(async move {
            super::serve::shutdown().await;
            let _ = stop.send(true);
        });
        let backups = super::backup::Schedule::of(&config);
        run_loop(notifier, (config.notify.interval_seconds, backups), Arc::default(), stopped).await;
        tracing::info!("worker stopped");
        Ok(())
    })
}

/// The notifier of the configured gateways.
pub fn notifier(config: &Config, store: Arc<dyn Store>) -> anyhow::Result<Notifier> {
    let n = &config.notify;
    let timeout = Duration::from_secs(n.timeout_seconds.max(1));
    let sms: Option<Arc<dyn Channel>> = match n.sms.kind.as_str() {
        "none" | "" => None,
        "http" => Some(Arc::new(HttpSms::new(&n.sms.method, &n.sms.url, &n.sms.body_template, timeout)?)),
        "esms" => {
            let url = if n.sms.url.is_empty() { Esms::URL } else { n.sms.url.as_str() };
            Some(Arc::new(Esms::new(
                url,
                n.sms.api_key.expose_secret(),
                n.sms.secret_key.expose_secret(),
                &n.sms.brandname,
                timeout,
            )?))
        }
        "viettel" if n.sms.url.is_empty() => {
            anyhow::bail!("notify.sms.url: cần địa chỉ dịch vụ CcApi của Viettel (theo hợp đồng)");
        }
        "viettel" => Some(Arc::new(Viettel::new(
            &n.sms.url,
            &n.sms.user,
            n.sms.password.expose_secret(),
            &n.sms.cp_code,
            &n.sms.brandname,
            timeout,
        )?)),
        other => return Err(anyhow::anyhow!("notify.sms.kind \"{other}\": dùng none, http, esms hoặc viettel")),
    };
    let email: Option<Arc<dyn Channel>> = if n.smtp.host.is_empty() {
        None
    } else {
        let security = match n.smtp.security.as_str() {
            "tls" => SmtpSecurity::Tls,
            "plain" => SmtpSecurity::Plain,
            _ => SmtpSecurity::StartTls,
        };
        let credentials = (!n.smtp.username.is_empty())
            .then(|| (n.smtp.username.clone(), n.smtp.password.expose_secret().to_owned()));
        Some(Arc::new(Smtp::new(&n.smtp.host, n.smtp.port, security, credentials, &n.smtp.from)?))
    };
    let digest_at = match n.digest_time.trim() {
        "" => None,
        t => Some(
            chrono::NaiveTime::parse_from_str(t, "%H:%M")
                .map_err(|_| anyhow::anyhow!("notify.digest_time \"{t}\": viết HH:MM, ví dụ 07:30, hoặc để trống"))?,
        ),
    };
    let portal: Option<Arc<dyn Channel>> = if n.portal.create_url.is_empty() {
        None
    } else {
        Some(Arc::new(motcua_notify::portal::Portal::new(
            &n.portal.create_url,
            if n.portal.update_url.is_empty() { &n.portal.create_url } else { &n.portal.update_url },
            &n.portal.progress_url,
            n.portal.exists_codes.clone(),
            timeout,
        )?))
    };
    Ok(Notifier {
        store,
        sms,
        email,
        portal,
        emc: if n.emc.url.is_empty() {
            None
        } else {
            Some(Arc::new(motcua_notify::portal::Emc::new(&n.emc.url, timeout)?))
        },
        portal_inbox: if n.portal.inbox_token.expose_secret().is_empty() {
            None
        } else {
            Some(Arc::new(motcua_notify::portal_inbox::PortalInbox::new(
                &n.portal.file_base_url,
                config.limits.max_upload_mb * 1024 * 1024,
                motcua_app::files::FileStore::new(&config.files.dir),
                timeout,
            )?))
        },
        settings: NotifySettings {
            sender: n.sender.clone(),
            public_url: config.public_url(),
            sms_diacritics: n.sms_diacritics,
            lease_seconds: n.lease_seconds.max(1),
            retry_base_seconds: n.retry_base_seconds.max(1),
            max_attempts: n.max_attempts.max(1),
            digest_at,
            digest_days_ahead: n.digest_days_ahead,
            emc_site: Some(motcua_app::portal::EmcSite { site_id: n.emc.site_id, province: n.emc.province.clone() }),
            platform: config.payments.platform.partner(),
            vnpay: config.web().vnpay,
            signing: config.payments.signing.service(),
            batch: n.batch.clamp(1, 10_000),
            concurrency: n.concurrency.clamp(1, 256),
            retention: config.privacy,
        },
    })
}

/// Runs the notifier until `stop` turns true: rounds back to back while a full batch was found,
/// then waits until `wake` fires (a change made by this process), the store reports new outbox
/// rows (PostgreSQL's notice), `stop` changes or `interval_seconds` pass. Housekeeping (digests, the monthly freeze, the seal, the purge, backups)
/// runs at most once per interval. Errors are logged and retried after the interval.
pub async fn run_loop(
    notifier: Notifier,
    (interval_seconds, backups): (u64, Option<super::backup::Schedule>),
    wake: Arc<tokio::sync::Notify>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let cal = motcua_calendar::WorkCalendar::vietnam().ok();
    let interval = Duration::from_secs(interval_seconds.max(1));
    let mut housekept: Option<std::time::Instant> = None;
    // Housekeeping (digests, the freeze, sealing the record, the purge, a backup) runs beside the
    // rounds, never in their way: a first seal of a large record or a backup takes a while, and
    // messages go out meanwhile. One at a time.
    let mut housekeeping: Option<tokio::task::JoinHandle<()>> = None;
    // Checked between rounds only: a round is never cut in the middle.
    while !*stop.borrow() {
        let now = match &cal {
            Some(cal) => cal.to_local(chrono::Utc::now()),
            None => chrono::Utc::now().naive_utc() + chrono::Duration::hours(7),
        };
        let report = match notifier.drain(now).await {
            Ok(report) => report,
            Err(e) => {
                tracing::error!(error = %e, "notifications: store error");
                tokio::time::sleep(interval).await;
                continue;
            }
        };
        if housekept.is_none_or(|t| t.elapsed() >= interval) && housekeeping.as_ref().is_none_or(|h| h.is_finished()) {
            let (notifier, backups) = (notifier.clone(), backups.clone());
            housekeeping = Some(tokio::spawn(async move {
                let mut report = motcua_notify::worker::RunReport::default();
                if let Err(e) = notifier.housekeeping(now, &mut report).await {
                    tracing::error!(error = %e, "notifications: housekeeping failed");
                }
                if let Some(schedule) = &backups
                    && let Err(e) = schedule.run_due(notifier.store.as_ref(), now).await
                {
                    tracing::error!(error = %e, "scheduled backup failed");
                }
                if report != Default::default() {
                    tracing::debug!(?report, "housekeeping");
                }
            }));
            housekept = Some(std::time::Instant::now());
        }
        if report != Default::default() {
            tracing::debug!(?report, "notifications");
        }
        if notifier.more_waiting(&report) {
            continue;
        }
        tokio::select! {
            () = wake.notified() => {}
            () = notifier.store.wait_for_outbox(interval) => {}
            _ = stop.changed() => {}
        }
    }
    // Stopping: the housekeeping under way finishes too (a backup is not left half written).
    if let Some(h) = housekeeping {
        let _ = h.await;
    }
}
