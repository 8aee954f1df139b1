//! [`crate::JobStore`] on both backends: run-once jobs.

#[allow(unused_imports)]
use super::*;
#[allow(unused_imports)]
use crate::prelude::*;

macro_rules! impl_jobs {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl crate::JobStore for $store {
            async fn mark_job_done(&self, job: &str, agency_id: Uuid, key: &str, now: NaiveDateTime) -> crate::Result<bool> {
                let done = sqlx::query(
                    "insert into job_runs (job, agency_id, run_key, done_at) values ($1, $2, $3, $4) on conflict do nothing",
                )
                .bind(job)
                .bind(agency_id)
                .bind(key)
                .bind(now)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn insert_scheduled_snapshot(
                &self,
                agency_id: Uuid,
                kind: &str,
                period: &str,
                made_at: NaiveDateTime,
                data: &serde_json::Value,
            ) -> crate::Result<bool> {
                let mut tx = self.pool.begin().await?;
                let claimed = sqlx::query(
                    "insert into job_runs (job, agency_id, run_key, done_at) values ($1, $2, $3, $4) on conflict do nothing",
                )
                .bind(format!("freeze-{kind}"))
                .bind(agency_id)
                .bind(period)
                .bind(made_at)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if claimed == 0 {
                    tx.rollback().await?;
                    return Ok(false);
                }
                sqlx::query(
                    "insert into report_snapshots (id, agency_id, kind, period, made_by, made_at, data)
                     values ($1, $2, $3, $4, null, $5, $6)",
                )
                .bind(Uuid::now_v7())
                .bind(agency_id)
                .bind(kind)
                .bind(period)
                .bind(made_at)
                .bind(serde_json::to_string(data)?)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn job_done(&self, job: &str, agency_id: Uuid, key: &str) -> crate::Result<bool> {
                let row: Option<(String,)> =
                    sqlx::query_as("select job from job_runs where job = $1 and agency_id = $2 and run_key = $3")
                        .bind(job)
                        .bind(agency_id)
                        .bind(key)
                        .fetch_optional(&self.pool)
                        .await?;
                Ok(row.is_some())
            }
        }
    };
}

impl_jobs!(SqliteStore);
impl_jobs!(PgStore);
