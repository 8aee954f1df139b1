//! [`crate::PortalInboxStore`] on both backends: the national portal's messages, kept as they
//! came and applied in order per portal dossier.

#[allow(unused_imports)]
use super::*;
#[allow(unused_imports)]
use crate::prelude::*;

macro_rules! impl_portal_inbox {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl crate::PortalInboxStore for $store {
            async fn insert_portal_message(
                &self,
                agency_id: Uuid,
                portal_code: &str,
                digest: &str,
                body: &str,
                now: NaiveDateTime,
            ) -> crate::Result<(Uuid, bool)> {
                let id = Uuid::now_v7();
                let inserted = sqlx::query(
                    "insert into portal_inbox (agency_id, id, portal_code, digest, body, status, next_attempt_at, received_at)
                     values ($1, $2, $3, $4, $5, 'waiting', $6, $6) on conflict do nothing",
                )
                .bind(agency_id)
                .bind(id)
                .bind(portal_code)
                .bind(digest)
                .bind(body)
                .bind(now)
                .execute(&self.pool)
                .await?
                .rows_affected();
                if inserted == 1 {
                    return Ok((id, true));
                }
                let (id,): (Uuid,) = sqlx::query_as(
                    "select id from portal_inbox where agency_id = $1 and portal_code = $2 and digest = $3",
                )
                .bind(agency_id)
                .bind(portal_code)
                .bind(digest)
                .fetch_one(&self.pool)
                .await?;
                Ok((id, false))
            }

            async fn claim_portal_messages(
                &self,
                agency_id: Uuid,
                now: NaiveDateTime,
                lease_until: NaiveDateTime,
                limit: i64,
            ) -> crate::Result<Vec<crate::PortalMessage>> {
                let mut rows: Vec<crate::PortalMessage> = sqlx::query_as(Self::CLAIM_PORTAL_MESSAGES)
                    .bind(lease_until)
                    .bind(now)
                    .bind(limit)
                    .bind(agency_id)
                    .fetch_all(&self.pool)
                    .await?;
                rows.sort_by_key(|m| m.id);
                Ok(rows)
            }

            async fn finish_portal_message(
                &self,
                agency_id: Uuid,
                id: Uuid,
                outcome: &crate::PortalOutcome,
                now: NaiveDateTime,
            ) -> crate::Result<()> {
                let finished = (outcome.status != "waiting").then_some(now);
                sqlx::query(
                    "update portal_inbox set status = $1, dossier_id = coalesce($2, dossier_id), outcome = $3,
                       next_attempt_at = coalesce($4, next_attempt_at), locked_until = null, finished_at = $5
                     where agency_id = $6 and id = $7",
                )
                .bind(outcome.status)
                .bind(outcome.dossier_id)
                .bind(&outcome.outcome)
                .bind(outcome.next_attempt_at)
                .bind(finished)
                .bind(agency_id)
                .bind(id)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn portal_dossier_id(&self, agency_id: Uuid, portal_code: &str) -> crate::Result<Option<Uuid>> {
                let row: Option<(Uuid,)> = sqlx::query_as(
                    "select dossier_id from portal_inbox
                     where agency_id = $1 and portal_code = $2 and dossier_id is not null
                     order by id limit 1",
                )
                .bind(agency_id)
                .bind(portal_code)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(|r| r.0))
            }

            async fn portal_message(&self, agency_id: Uuid, id: Uuid) -> crate::Result<Option<crate::PortalMessage>> {
                Ok(sqlx::query_as(concat!(
                    "select ",
                    portal_message_fields!(),
                    " from portal_inbox where agency_id = $1 and id = $2"
                ))
                .bind(agency_id)
                .bind(id)
                .fetch_optional(&self.pool)
                .await?)
            }

            async fn portal_messages(
                &self,
                agency_id: Uuid,
                status: &str,
                limit: i64,
            ) -> crate::Result<Vec<crate::PortalMessage>> {
                Ok(sqlx::query_as(concat!(
                    "select ",
                    portal_message_fields!(),
                    " from portal_inbox where agency_id = $1 and status = $2 order by id limit $3"
                ))
                .bind(agency_id)
                .bind(status)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn requeue_portal_message(
                &self,
                agency_id: Uuid,
                id: Uuid,
                mapped_code: Option<&str>,
                now: NaiveDateTime,
            ) -> crate::Result<bool> {
                let done = sqlx::query(
                    "update portal_inbox set status = 'waiting', mapped_code = coalesce($1, mapped_code),
                       next_attempt_at = $2, locked_until = null, attempts = 0, finished_at = null
                     where agency_id = $3 and id = $4 and status = 'unmappable'",
                )
                .bind(mapped_code)
                .bind(now)
                .bind(agency_id)
                .bind(id)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }
        }
    };
}

impl_portal_inbox!(SqliteStore);
impl_portal_inbox!(PgStore);
