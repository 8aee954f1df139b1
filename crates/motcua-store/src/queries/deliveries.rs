//! [`crate::DeliveryStore`] on both backends: outbox claims and deliveries.

#[allow(unused_imports)]
use super::*;
#[allow(unused_imports)]
use crate::prelude::*;

macro_rules! impl_deliveries {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl crate::DeliveryStore for $store {
            async fn claim_outbox(
                &self,
                agency_id: Uuid,
                now: NaiveDateTime,
                lease_until: NaiveDateTime,
                limit: i64,
            ) -> crate::Result<Vec<crate::OutboxMessage>> {
                let rows: Vec<OutboxRow> = sqlx::query_as(Self::CLAIM_OUTBOX)
                    .bind(lease_until)
                    .bind(now)
                    .bind(limit)
                    .bind(agency_id)
                    .fetch_all(&self.pool)
                    .await?;
                let mut out: Vec<crate::OutboxMessage> = rows.into_iter().map(outbox_from).collect::<crate::Result<_>>()?;
                // RETURNING gives no order: oldest first, as they were written.
                out.sort_by_key(|m| (m.created_at, m.id));
                Ok(out)
            }

            async fn wait_for_outbox(&self, timeout: std::time::Duration) {
                self.wait_for_new_outbox(timeout).await
            }

            async fn insert_deliveries_of(
                &self,
                agency_id: Uuid,
                expanded: &[(Uuid, Vec<crate::NewDelivery>)],
                now: NaiveDateTime,
            ) -> crate::Result<()> {
                // A few statements per batch, not two per event: under load every round trip
                // waits its turn for the database.
                let rows: Vec<(Uuid, &crate::NewDelivery)> =
                    expanded.iter().flat_map(|(o, ds)| ds.iter().map(move |d| (*o, d))).collect();
                let mut tx = self.pool.begin().await?;
                for chunk in rows.chunks(DELIVERY_ROWS_PER_INSERT) {
                    let mut q = sqlx::query(sqlx::AssertSqlSafe(insert_deliveries_sql(chunk.len())));
                    for (outbox_id, d) in chunk {
                        q = bind_delivery!(q, *outbox_id, d, now);
                    }
                    q.execute(&mut *tx).await?;
                }
                for chunk in expanded.chunks(500) {
                    let mut qb = sqlx::QueryBuilder::new("update outbox set expanded_at = ");
                    qb.push_bind(now).push(" where agency_id = ").push_bind(agency_id).push(" and ");
                    push_in!(qb, "id", chunk.iter().map(|(id, _)| *id));
                    qb.build().execute(&mut *tx).await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn fail_outbox(&self, agency_id: Uuid, outbox_id: Uuid, reason: &str, now: NaiveDateTime) -> crate::Result<()> {
                // The reason is the error's text, cut and without control characters, so that
                // it can itself be stored.
                let reason = motcua_domain::text::printable(reason, 500);
                sqlx::query("update outbox set expanded_at = $1, failed_reason = $2 where agency_id = $3 and id = $4")
                    .bind(now)
                    .bind(reason)
                    .bind(agency_id)
                    .bind(outbox_id)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn failed_outbox(&self, agency_id: Uuid, limit: i64) -> crate::Result<Vec<crate::FailedOutbox>> {
                Ok(sqlx::query_as(
                    "select id, dossier_id, kind, created_at, failed_reason from outbox
                     where agency_id = $1 and failed_reason is not null order by created_at desc limit $2",
                )
                .bind(agency_id)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn claim_deliveries(
                &self,
                agency_id: Uuid,
                now: NaiveDateTime,
                lease_until: NaiveDateTime,
                limit: i64,
            ) -> crate::Result<Vec<crate::Delivery>> {
                let rows: Vec<crate::Delivery> = sqlx::query_as(Self::CLAIM_DELIVERIES)
                    .bind(lease_until)
                    .bind(now)
                    .bind(limit)
                    .bind(agency_id)
                    .fetch_all(&self.pool)
                    .await?;
                Ok(rows)
            }

            async fn finish_deliveries(
                &self,
                agency_id: Uuid,
                outcomes: &[crate::DeliveryOutcome],
                now: NaiveDateTime,
            ) -> crate::Result<()> {
                let mut tx = self.pool.begin().await?;
                // One statement per 200 outcomes: each row's values picked by its id.
                for chunk in outcomes.chunks(200) {
                    let mut q = sqlx::query(sqlx::AssertSqlSafe(finish_deliveries_sql(chunk.len())));
                    for o in chunk {
                        q = q.bind(o.id).bind(o.status.as_str()).bind(o.next_attempt_at).bind(&o.answer);
                    }
                    q.bind(now).bind(agency_id).execute(&mut *tx).await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn deliveries_of(&self, agency_id: Uuid, dossier_id: Uuid) -> crate::Result<Vec<crate::Delivery>> {
                let rows: Vec<crate::Delivery> = sqlx::query_as(concat!(
                    delivery_columns!(),
                    " where agency_id = $1 and dossier_id = $2 order by created_at, channel"
                ))
                .bind(agency_id)
                .bind(dossier_id)
                    .fetch_all(&self.pool)
                    .await?;
                Ok(rows)
            }

            async fn delivery(&self, agency_id: Uuid, id: Uuid) -> crate::Result<Option<crate::Delivery>> {
                let row: Option<crate::Delivery> =
                    sqlx::query_as(concat!(delivery_columns!(), " where agency_id = $1 and id = $2"))
                    .bind(agency_id)
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(row)
            }

            async fn enqueue_deliveries(
                &self,
                agency_id: Uuid,
                kind: &str,
                deliveries: &[crate::NewDelivery],
                now: NaiveDateTime,
            ) -> crate::Result<usize> {
                let mut tx = self.pool.begin().await?;
                let outbox_id = Uuid::now_v7();
                sqlx::query(
                    "insert into outbox (id, agency_id, kind, payload, created_at, expanded_at, done_at)
                     values ($1, $2, $3, '{}', $4, $5, $6)",
                )
                .bind(outbox_id)
                .bind(agency_id)
                .bind(kind)
                .bind(now)
                .bind(now)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                let mut new = 0;
                for d in deliveries {
                    new += insert_delivery!(tx, outbox_id, d, now);
                }
                if new == 0 {
                    tx.rollback().await?;
                } else {
                    tx.commit().await?;
                }
                Ok(new as usize)
            }

            async fn search_deliveries(&self, f: &crate::DeliveryQuery) -> crate::Result<crate::Page<crate::Delivery>> {
                let mut count = sqlx::QueryBuilder::new("select count(*) from deliveries");
                push_delivery_where!(count, f);
                let (total,): (i64,) = count.build_query_as().fetch_one(&self.pool).await?;
                let mut page = sqlx::QueryBuilder::new(delivery_columns!());
                push_delivery_where!(page, f);
                page.push(" order by created_at desc, id desc");
                push_page!(page, f.page, f.page_size);
                let rows: Vec<crate::Delivery> = page.build_query_as().fetch_all(&self.pool).await?;
                Ok(crate::Page { items: rows, total })
            }

            async fn resend_delivery(&self, agency_id: Uuid, id: Uuid, now: NaiveDateTime) -> crate::Result<()> {
                sqlx::query(
                    "update deliveries set status = 'created', attempts = 0, next_attempt_at = $1, locked_until = null,
                       updated_at = $2 where agency_id = $3 and id = $4",
                )
                .bind(now)
                .bind(now)
                .bind(agency_id)
                .bind(id)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn portal_synced(&self, agency_id: Uuid, since: NaiveDateTime) -> crate::Result<Vec<Uuid>> {
                let rows: Vec<(Option<Uuid>,)> = sqlx::query_as(
                    "select distinct dossier_id from deliveries
                     where agency_id = $1 and channel = 'portal' and status = 'delivered' and created_at >= $2",
                )
                .bind(agency_id)
                .bind(since)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().filter_map(|(id,)| id).collect())
            }

            async fn portal_sync(&self, agency_id: Uuid) -> crate::Result<crate::PortalSync> {
                let by_status: Vec<(String, i64)> = sqlx::query_as(
                    "select status, count(*) from deliveries where agency_id = $1 and channel = 'portal'
                     group by status order by status",
                )
                .bind(agency_id)
                .fetch_all(&self.pool)
                .await?;
                let (last_delivered, oldest_waiting): (Option<NaiveDateTime>, Option<NaiveDateTime>) = sqlx::query_as(
                    "select max(case when status = 'delivered' then updated_at end),
                            min(case when status <> 'delivered' then created_at end)
                     from deliveries where agency_id = $1 and channel = 'portal'",
                )
                .bind(agency_id)
                .fetch_one(&self.pool)
                .await?;
                let failures: Vec<(String, i64)> = sqlx::query_as(
                    "select coalesce(last_answer, ''), count(*) from deliveries
                     where agency_id = $1 and channel = 'portal' and status in ('temporary-failure', 'permanent-failure')
                     group by coalesce(last_answer, '') order by count(*) desc limit 10",
                )
                .bind(agency_id)
                .fetch_all(&self.pool)
                .await?;
                let emc: Vec<(String, i64)> = sqlx::query_as(
                    "select status, count(*) from deliveries where agency_id = $1 and channel = 'emc'
                     group by status order by status",
                )
                .bind(agency_id)
                .fetch_all(&self.pool)
                .await?;
                let inbox_by_status: Vec<(String, i64)> = sqlx::query_as(
                    "select status, count(*) from portal_inbox where agency_id = $1 group by status order by status",
                )
                .bind(agency_id)
                .fetch_all(&self.pool)
                .await?;
                let (inbox_oldest_waiting,): (Option<NaiveDateTime>,) = sqlx::query_as(
                    "select min(received_at) from portal_inbox where agency_id = $1 and status = 'waiting'",
                )
                .bind(agency_id)
                .fetch_one(&self.pool)
                .await?;
                let statuses = |rows: Vec<(String, i64)>| {
                    rows.into_iter().map(|(s, n)| Ok((delivery_status(s)?, n))).collect::<crate::Result<Vec<_>>>()
                };
                Ok(crate::PortalSync {
                    by_status: statuses(by_status)?,
                    last_delivered,
                    oldest_waiting,
                    failures,
                    emc_by_status: statuses(emc)?,
                    inbox_by_status,
                    inbox_oldest_waiting,
                })
            }

            async fn delivery_counts(&self) -> crate::Result<Vec<crate::DeliveryCount>> {
                let rows: Vec<(String, String, i64)> = sqlx::query_as(
                    "select channel, status, count(*) from deliveries group by channel, status order by channel, status",
                )
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter()
                    .map(|(channel, status, count)| Ok(crate::DeliveryCount { channel: delivery_channel(channel)?, status: delivery_status(status)?, count }))
                    .collect()
            }

            async fn backlog(&self) -> crate::Result<crate::Backlog> {
                let (outbox_waiting, outbox_oldest): (i64, Option<NaiveDateTime>) =
                    sqlx::query_as("select count(*), min(created_at) from outbox where expanded_at is null")
                        .fetch_one(&self.pool)
                        .await?;
                let portal_oldest: Option<NaiveDateTime> = sqlx::query_scalar(
                    "select min(created_at) from deliveries
                     where channel = 'portal' and status in ('created', 'sending', 'temporary-failure')",
                )
                .fetch_one(&self.pool)
                .await?;
                Ok(crate::Backlog { outbox_waiting, outbox_oldest, portal_oldest })
            }
        }
    };
}

impl_deliveries!(SqliteStore);
impl_deliveries!(PgStore);
