//! [`crate::SessionStore`] on both backends: API tokens and web sessions.

#[allow(unused_imports)]
use super::*;
#[allow(unused_imports)]
use crate::prelude::*;

macro_rules! impl_sessions {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl crate::SessionStore for $store {
            async fn tokens_of(&self, user_id: Uuid) -> crate::Result<Vec<crate::TokenInfo>> {
                Ok(sqlx::query_as(
                    "select id, name, created_at, expires_at, revoked_at from api_tokens where user_id = $1
                     order by created_at desc, id",
                )
                .bind(user_id)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn revoke_token(&self, user_id: Uuid, token_id: Uuid, now: NaiveDateTime) -> crate::Result<bool> {
                let done = sqlx::query(
                    "update api_tokens set revoked_at = $1 where id = $2 and user_id = $3 and revoked_at is null",
                )
                .bind(now)
                .bind(token_id)
                .bind(user_id)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn insert_token(&self, t: &crate::ApiToken) -> crate::Result<()> {
                sqlx::query("insert into api_tokens (id, agency_id, user_id, token_hash, name, expires_at) values ($1, $2, $3, $4, $5, $6)")
                    .bind(t.id)
                    .bind(t.agency_id)
                    .bind(t.user_id)
                    .bind(&t.token_hash)
                    .bind(&t.name)
                    .bind(t.expires_at)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn token_actor(&self, token_hash: &str, now: NaiveDateTime) -> crate::Result<Option<Actor>> {
                let rows: Vec<ActorRow> = sqlx::query_as(concat!(
                    actor_columns!(),
                    " where u.active = true and u.id = (select user_id from api_tokens where token_hash = $1 and revoked_at is null and expires_at > $2)"
                ))
                .bind(token_hash)
                .bind(now)
                .fetch_all(&self.pool)
                .await?;
                actor_from(rows)
            }

            async fn insert_session(&self, token_hash: &str, user_id: Uuid, expires_at: NaiveDateTime) -> crate::Result<()> {
                sqlx::query(
                    "insert into web_sessions (token_hash, user_id, created_at, expires_at) values ($1, $2, $3, $4)",
                )
                .bind(token_hash)
                .bind(user_id)
                .bind(crate::now_local())
                .bind(expires_at)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn session_actor(&self, token_hash: &str, now: NaiveDateTime) -> crate::Result<Option<Actor>> {
                let rows: Vec<ActorRow> = sqlx::query_as(concat!(
                    actor_columns!(),
                    " where u.active = true and u.id = (select user_id from web_sessions where token_hash = $1 and expires_at > $2)"
                ))
                .bind(token_hash)
                .bind(now)
                .fetch_all(&self.pool)
                .await?;
                actor_from(rows)
            }

            async fn delete_session(&self, token_hash: &str) -> crate::Result<()> {
                sqlx::query("delete from web_sessions where token_hash = $1").bind(token_hash).execute(&self.pool).await?;
                Ok(())
            }

            async fn purge_expired(&self, p: &crate::Purge) -> crate::Result<crate::Purged> {
                let sessions = sqlx::query("delete from web_sessions where expires_at < $1")
                    .bind(p.sessions_expired_before)
                    .execute(&self.pool)
                    .await?
                    .rows_affected();
                let tokens = sqlx::query("delete from api_tokens where expires_at < $1 or revoked_at < $1")
                    .bind(p.tokens_ended_before)
                    .execute(&self.pool)
                    .await?
                    .rows_affected();
                let rate_limits = sqlx::query("delete from rate_limits where window_start < $1")
                    .bind(p.rate_limits_before_epoch)
                    .execute(&self.pool)
                    .await?
                    .rows_affected();
                // What was said to whom: the text and the address go, the count and outcome stay.
                let messages = sqlx::query(
                    "update deliveries set recipient = '', subject = null, body = '', body_html = null, last_answer = null
                     where created_at < $1 and body <> '' and status not in ('created', 'sending')",
                )
                .bind(p.messages_before)
                .execute(&self.pool)
                .await?
                .rows_affected();
                Ok(crate::Purged { sessions, tokens, rate_limits, messages })
            }
        }
    };
}

impl_sessions!(SqliteStore);
impl_sessions!(PgStore);
