//! The embedded default: one SQLite file in WAL mode with foreign keys on.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};

use crate::migrate::{CREATE_TABLE, SQLITE};
use crate::{Result, StoreError};

#[derive(Debug, Clone)]
pub struct SqliteStore {
    pub(crate) pool: SqlitePool,
}

impl SqliteStore {
    /// Takes due deliveries; SQLite runs one writer at a time, so the update is the lock.
    /// Takes unexpanded outbox events with a lease.
    pub(crate) const CLAIM_OUTBOX: &'static str = "update outbox set claimed_until = $1
         where agency_id = $4 and id in (select id from outbox
           where agency_id = $4 and expanded_at is null and (claimed_until is null or claimed_until < $2)
           order by created_at, id limit $3)
         returning id, dossier_id, event_id, kind, payload, created_at, done_at";

    pub(crate) const CLAIM_PORTAL_MESSAGES: &'static str = concat!(
        "update portal_inbox set locked_until = $1, attempts = attempts + 1
         where agency_id = $4 and id in (",
        claimable_portal_messages!(),
        ")
         returning ",
        portal_message_fields!()
    );

    pub(crate) const CLAIM_DELIVERIES: &'static str = concat!(
        "update deliveries set status = 'sending', locked_until = $1,
           attempts = attempts + 1, updated_at = $2
         where agency_id = $4 and id in (",
        claimable_deliveries!(),
        ")
         returning ",
        delivery_fields!()
    );

    /// SQLite has no notices: a worker in another process polls. (`motcua serve` wakes its own
    /// worker directly after each change.)
    pub(crate) async fn wait_for_new_outbox(&self, timeout: Duration) {
        tokio::time::sleep(timeout).await;
    }

    /// Nothing is held outside the pool.
    pub(crate) async fn release_held(&self) {}

    /// Opens (creating if needed) the database file at `path`.
    pub async fn open(path: &str) -> Result<SqliteStore> {
        if let Some(dir) = Path::new(path).parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| StoreError::Config(format!("không tạo được thư mục {}: {e}", dir.display())))?;
        }
        let options = SqliteConnectOptions::from_str(&format!("sqlite://{path}"))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // NORMAL in WAL mode: a committed transaction survives a process crash; only a power
            // loss can take the last commits.
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        // A connection to a local file cannot go away, so it is not pinged before each use (a
        // round trip to its thread per query otherwise).
        let pool = SqlitePoolOptions::new().max_connections(8).test_before_acquire(false).connect_with(options).await?;
        Ok(SqliteStore { pool })
    }

    pub(crate) async fn run_migrations(&self) -> Result<()> {
        sqlx::query(CREATE_TABLE).execute(&self.pool).await?;
        for (version, name, sql) in SQLITE {
            // BEGIN IMMEDIATE takes the write lock first, so two processes cannot both apply it.
            let mut conn = self.pool.acquire().await?;
            sqlx::raw_sql("begin immediate").execute(&mut *conn).await?;
            let done: Option<i64> = sqlx::query_scalar("select version from motcua_migrations where version = $1")
                .bind(version)
                .fetch_optional(&mut *conn)
                .await?;
            if done.is_none() {
                if let Err(e) = sqlx::raw_sql(sqlx::AssertSqlSafe(*sql)).execute(&mut *conn).await {
                    sqlx::raw_sql("rollback").execute(&mut *conn).await?;
                    return Err(e.into());
                }
                sqlx::query("insert into motcua_migrations (version, name, applied_at) values ($1, $2, $3)")
                    .bind(version)
                    .bind(name)
                    .bind(crate::now_local().to_string())
                    .execute(&mut *conn)
                    .await?;
            }
            sqlx::raw_sql("commit").execute(&mut *conn).await?;
        }
        Ok(())
    }
}
