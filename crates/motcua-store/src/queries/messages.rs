//! [`crate::MessageStore`] on both backends: call tasks, templates, preferences.

#[allow(unused_imports)]
use super::*;
#[allow(unused_imports)]
use crate::prelude::*;

macro_rules! impl_messages {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl crate::MessageStore for $store {
            async fn insert_call_task(&self, t: &crate::CallTask) -> crate::Result<bool> {
                let done = sqlx::query(
                    "insert into call_tasks (id, agency_id, dossier_id, delivery_id, task_key, reason, phone, applicant, script,
                       status, outcome, note, attempts, officer_id, created_at, updated_at)
                     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
                     on conflict (agency_id, task_key) do nothing",
                )
                .bind(t.id)
                .bind(t.agency_id)
                .bind(t.dossier_id)
                .bind(t.delivery_id)
                .bind(&t.task_key)
                .bind(&t.reason)
                .bind(&t.phone)
                .bind(&t.applicant)
                .bind(&t.script)
                .bind(&t.status)
                .bind(&t.outcome)
                .bind(&t.note)
                .bind(t.attempts)
                .bind(t.officer_id)
                .bind(t.created_at)
                .bind(t.updated_at)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn call_task(&self, agency_id: Uuid, id: Uuid) -> crate::Result<Option<crate::CallTask>> {
                let row: Option<crate::CallTask> =
                    sqlx::query_as(concat!(call_task_columns!(), " where agency_id = $1 and id = $2"))
                    .bind(agency_id)
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(row)
            }

            async fn call_tasks(&self, agency_id: Uuid, open_only: bool) -> crate::Result<Vec<crate::CallTask>> {
                let rows: Vec<crate::CallTask> = sqlx::query_as(concat!(
                    call_task_columns!(),
                    " where agency_id = $1 and (status = 'open' or $2 = false) order by created_at, id limit 500"
                ))
                .bind(agency_id)
                .bind(open_only)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows)
            }

            async fn call_tasks_of(&self, agency_id: Uuid, dossier_id: Uuid) -> crate::Result<Vec<crate::CallTask>> {
                let rows: Vec<crate::CallTask> = sqlx::query_as(concat!(
                    call_task_columns!(),
                    " where agency_id = $1 and dossier_id = $2 order by created_at, id"
                ))
                        .bind(agency_id)
                        .bind(dossier_id)
                        .fetch_all(&self.pool)
                        .await?;
                Ok(rows)
            }

            async fn open_call_task_count(&self) -> crate::Result<i64> {
                let (n,): (i64,) = sqlx::query_as("select count(*) from call_tasks where status = 'open'")
                    .fetch_one(&self.pool)
                    .await?;
                Ok(n)
            }

            async fn record_call(
                &self,
                agency_id: Uuid,
                id: Uuid,
                call: &crate::CallOutcome<'_>,
                now: NaiveDateTime,
            ) -> crate::Result<()> {
                sqlx::query(
                    "update call_tasks set outcome = $1, note = $2, officer_id = $3, attempts = attempts + 1,
                       status = case when $4 then 'done' else status end, updated_at = $5 where agency_id = $6 and id = $7",
                )
                .bind(call.outcome)
                .bind(call.note)
                .bind(call.officer_id)
                .bind(call.done)
                .bind(now)
                .bind(agency_id)
                .bind(id)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn insert_message_template(&self, t: &crate::MessageTemplate) -> crate::Result<crate::MessageTemplate> {
                let mut tx = self.pool.begin().await?;
                let (last,): (Option<i64>,) = sqlx::query_as(
                    "select max(version) from message_templates where agency_id = $1 and event = $2 and lang = $3",
                )
                .bind(t.agency_id)
                .bind(&t.event)
                .bind(&t.lang)
                .fetch_one(&mut *tx)
                .await?;
                let saved = crate::MessageTemplate { version: last.unwrap_or(0) + 1, ..t.clone() };
                sqlx::query(
                    "insert into message_templates (id, agency_id, event, lang, version, subject, body_text, body_html, sms,
                       author_id, created_at)
                     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                )
                .bind(saved.id)
                .bind(saved.agency_id)
                .bind(&saved.event)
                .bind(&saved.lang)
                .bind(saved.version)
                .bind(&saved.subject)
                .bind(&saved.body_text)
                .bind(&saved.body_html)
                .bind(&saved.sms)
                .bind(saved.author_id)
                .bind(saved.created_at)
                .execute(&mut *tx)
                .await
                .map_err(|e| match e {
                    sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::Conflict,
                    e => e.into(),
                })?;
                tx.commit().await?;
                Ok(saved)
            }

            async fn message_templates(&self, agency_id: Uuid) -> crate::Result<Vec<crate::MessageTemplate>> {
                let rows: Vec<crate::MessageTemplate> = sqlx::query_as(
                    "select id, agency_id, event, lang, version, subject, body_text, body_html, sms, author_id, created_at
                     from message_templates where agency_id = $1 order by event, lang, version desc",
                )
                .bind(agency_id)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows)
            }

            async fn notify_preferences(&self, user_id: Uuid) -> crate::Result<crate::NotifyPreferences> {
                let row: Option<(String, String)> =
                    sqlx::query_as("select notify_channels, notify_lang from users where id = $1")
                        .bind(user_id)
                        .fetch_optional(&self.pool)
                        .await?;
                Ok(row.map(|(channels, lang)| crate::NotifyPreferences { channels, lang }).unwrap_or_default())
            }

            async fn set_notify_preferences(&self, user_id: Uuid, p: &crate::NotifyPreferences) -> crate::Result<()> {
                sqlx::query("update users set notify_channels = $1, notify_lang = $2 where id = $3")
                    .bind(&p.channels)
                    .bind(&p.lang)
                    .bind(user_id)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }
        }
    };
}

impl_messages!(SqliteStore);
impl_messages!(PgStore);
