//! The scale path: PostgreSQL, shared by several stateless app servers.

use std::time::Duration;

use std::sync::Arc;

use sqlx::postgres::{PgListener, PgPool, PgPoolOptions};

use crate::Result;
use crate::migrate::{CREATE_TABLE, POSTGRES};

#[derive(Debug, Clone)]
pub struct PgStore {
    pub(crate) pool: PgPool,
    /// This process's LISTEN connection for new outbox events, opened by the first worker that
    /// waits and kept: notices that arrive while the worker is busy are buffered in it.
    listener: Arc<tokio::sync::Mutex<Option<PgListener>>>,
}

/// Key of the advisory lock that serialises migrations across servers.
const MIGRATION_LOCK: i64 = 0x6d6f_7463_7561;

impl PgStore {
    /// Takes due deliveries; SKIP LOCKED lets several workers take different ones at once.
    /// Takes unexpanded outbox events with a lease.
    pub(crate) const CLAIM_OUTBOX: &'static str = "update outbox set claimed_until = $1
         where agency_id = $4 and id in (select id from outbox
           where agency_id = $4 and expanded_at is null and (claimed_until is null or claimed_until < $2)
           order by created_at, id limit $3
           for update skip locked)
         returning id, dossier_id, event_id, kind, payload, created_at, done_at";

    pub(crate) const CLAIM_PORTAL_MESSAGES: &'static str = concat!(
        "update portal_inbox set locked_until = $1, attempts = attempts + 1
         where agency_id = $4 and id in (",
        claimable_portal_messages!(),
        " for update skip locked)
         returning ",
        portal_message_fields!()
    );

    pub(crate) const CLAIM_DELIVERIES: &'static str = concat!(
        "update deliveries set status = 'sending', locked_until = $1,
           attempts = attempts + 1, updated_at = $2
         where agency_id = $4 and id in (",
        claimable_deliveries!(),
        " for update skip locked)
         returning ",
        delivery_fields!()
    );

    pub async fn connect(url: &str) -> Result<PgStore> {
        let pool =
            PgPoolOptions::new().max_connections(16).acquire_timeout(Duration::from_secs(10)).connect(url).await?;
        Ok(PgStore { pool, listener: Arc::default() })
    }

    /// Connections whose commits do not wait for the disk: for the delivery worker only, whose
    /// writes can all be made again (see `connect_worker`).
    pub async fn connect_relaxed(url: &str) -> Result<PgStore> {
        use std::str::FromStr;
        let options = sqlx::postgres::PgConnectOptions::from_str(url)?.options([("synchronous_commit", "off")]);
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await?;
        Ok(PgStore { pool, listener: Arc::default() })
    }

    /// Waits for a `motcua_outbox` notice (see migration 9), at most `timeout`. Without a
    /// listening connection (the server refused one) it just waits, and the worker polls.
    pub(crate) async fn wait_for_new_outbox(&self, timeout: Duration) {
        let mut listener = self.listener.lock().await;
        if listener.is_none() {
            match PgListener::connect_with(&self.pool).await {
                Ok(mut l) => match l.listen("motcua_outbox").await {
                    Ok(()) => *listener = Some(l),
                    Err(e) => tracing::warn!(error = %e, "LISTEN motcua_outbox failed; polling"),
                },
                Err(e) => tracing::warn!(error = %e, "no listening connection; polling"),
            }
        }
        let Some(l) = listener.as_mut() else {
            drop(listener);
            tokio::time::sleep(timeout).await;
            return;
        };
        match tokio::time::timeout(timeout, l.recv()).await {
            // Notices of one burst of writes wake the worker once.
            Ok(Ok(_)) => while l.next_buffered().is_some() {},
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "outbox listener lost; reconnecting on the next wait");
                *listener = None;
            }
            Err(_) => {}
        }
    }

    /// Gives back the listening connection, which the pool would otherwise wait for forever on
    /// closing. A wait still holding it (a worker that did not stop) keeps it: the pool then
    /// closes without it after a few seconds.
    pub(crate) async fn release_held(&self) {
        if let Ok(mut listener) = tokio::time::timeout(Duration::from_secs(5), self.listener.lock()).await {
            listener.take();
        }
    }

    pub(crate) async fn run_migrations(&self) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("select pg_advisory_xact_lock($1)").bind(MIGRATION_LOCK).execute(&mut *tx).await?;
        sqlx::query(CREATE_TABLE).execute(&mut *tx).await?;
        for (version, name, sql) in POSTGRES {
            let done: Option<i64> = sqlx::query_scalar("select version from motcua_migrations where version = $1")
                .bind(version)
                .fetch_optional(&mut *tx)
                .await?;
            if done.is_none() {
                sqlx::raw_sql(sqlx::AssertSqlSafe(*sql)).execute(&mut *tx).await?;
                sqlx::query("insert into motcua_migrations (version, name, applied_at) values ($1, $2, $3)")
                    .bind(version)
                    .bind(name)
                    .bind(crate::now_local().to_string())
                    .execute(&mut *tx)
                    .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }
}
