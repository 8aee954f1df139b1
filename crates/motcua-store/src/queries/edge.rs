//! [`crate::EdgeStore`] on both backends: files, audit log, rate limits.

#[allow(unused_imports)]
use super::*;
#[allow(unused_imports)]
use crate::prelude::*;

macro_rules! impl_edge {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl crate::EdgeStore for $store {
            async fn record_file(
                &self,
                agency_id: Uuid,
                sha256: &str,
                name: &str,
                content_type: &str,
                size: u64,
            ) -> crate::Result<()> {
                sqlx::query(
                    "insert into files (agency_id, sha256, name, content_type, size) values ($1, $2, $3, $4, $5)
                     on conflict (agency_id, sha256) do nothing",
                )
                .bind(agency_id)
                .bind(sha256)
                .bind(name)
                .bind(content_type)
                .bind(size as i64)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn audit(&self, e: &crate::AuditEntry) -> crate::Result<()> {
                sqlx::query(
                    "insert into audit_log (id, agency_id, actor_id, action, object, at, data)
                     values ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(Uuid::now_v7())
                .bind(e.agency_id)
                .bind(e.actor_id)
                .bind(&e.action)
                .bind(&e.object)
                .bind(e.at)
                .bind(serde_json::to_string(&e.data)?)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn audit_search(&self, q: &crate::AuditQuery) -> crate::Result<Vec<crate::AuditRecord>> {
                // An entry about a dossier names it as `dossier:<id>` (the object); the filter
                // by dossier matches that text, and the dossier's own events by their column.
                let object = q.dossier_id.map(|d| format!("dossier:{d}"));
                let rows: Vec<crate::AuditRecord> = sqlx::query_as(
                    "select x.at, x.actor_id, u.full_name as actor_name, u.username as actor_username, x.action,
                            x.object, coalesce(x.dossier_id, d.id) as dossier_id, d.code as dossier_code, x.data
                     from (
                       select a.at, a.actor_id, a.action, a.object, null as dossier_id, a.data, a.id
                       from audit_log a
                       where (a.agency_id = $1 or (a.agency_id is null and $1 = $10)) and a.at >= $2 and a.at < $3
                         and ($4 is null or a.actor_id = $4) and ($5 is null or a.object = $5)
                         and ($6 is null or a.action = $6)
                       union all
                       select e.at, e.actor_id, 'dossier.' || e.kind, '', e.dossier_id, e.data, e.id
                       from dossier_events e
                       where e.agency_id = $1 and e.at >= $2 and e.at < $3
                         and ($4 is null or e.actor_id = $4) and ($7 is null or e.dossier_id = $7)
                         and ($6 is null or 'dossier.' || e.kind = $6)
                     ) x
                     left join users u on u.id = x.actor_id
                     left join dossiers d on d.agency_id = $1
                       and d.id = coalesce(x.dossier_id, case when x.object = $5 then $7 end)
                     order by x.at desc, x.id desc
                     limit $8 offset $9",
                )
                .bind(q.agency_id)
                .bind(q.from)
                .bind(q.before)
                .bind(q.actor_id)
                .bind(object)
                .bind(q.action.as_deref())
                .bind(q.dossier_id)
                .bind(q.limit)
                .bind(q.offset)
                .bind(Uuid::nil())
                .fetch_all(&self.pool)
                .await?;
                Ok(rows)
            }

            async fn rate_limit_add(&self, key: &str, window_start: i64, added: u32) -> crate::Result<i64> {
                let (hits,): (i64,) = sqlx::query_as(
                    "insert into rate_limits (key, window_start, hits) values ($1, $2, $3)
                     on conflict (key, window_start) do update set hits = rate_limits.hits + excluded.hits
                     returning hits",
                )
                .bind(key)
                .bind(window_start)
                .bind(i64::from(added))
                .fetch_one(&self.pool)
                .await?;
                if hits == i64::from(added) {
                    // The first hit of a new window: the key's older windows are no longer needed.
                    sqlx::query("delete from rate_limits where key = $1 and window_start < $2")
                        .bind(key)
                        .bind(window_start)
                        .execute(&self.pool)
                        .await?;
                }
                Ok(hits)
            }

            async fn rate_limit_count(&self, key: &str, window_start: i64) -> crate::Result<i64> {
                let hits: Option<(i64,)> =
                    sqlx::query_as("select hits from rate_limits where key = $1 and window_start = $2")
                        .bind(key)
                        .bind(window_start)
                        .fetch_optional(&self.pool)
                        .await?;
                Ok(hits.map_or(0, |h| h.0))
            }
        }
    };
}

impl_edge!(SqliteStore);
impl_edge!(PgStore);
