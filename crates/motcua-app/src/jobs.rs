//! Run-once work of the whole installation (the daily purge, a scheduled backup), claimed in
//! `job_runs` like every run-once job so that of several workers exactly one does it. Each job
//! row names an agency (the table is kept per agency, ready for sharding): the installation's
//! jobs are claimed under its first agency by code.

use chrono::NaiveDateTime;
use motcua_store::{Store, StoreError};

/// Claims `job` for `key` (a day, a slot) for the whole installation; false when another
/// worker has, or when there is no agency yet (nothing to do for).
pub async fn claim_installation(
    store: &dyn Store,
    job: &str,
    key: &str,
    now: NaiveDateTime,
) -> Result<bool, StoreError> {
    let Some(first) = store.agencies().await?.into_iter().min_by(|a, b| a.code.as_str().cmp(b.code.as_str())) else {
        return Ok(false);
    };
    store.mark_job_done(job, first.id, key, now).await
}
