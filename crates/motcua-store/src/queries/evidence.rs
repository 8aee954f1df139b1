//! [`crate::EvidenceStore`] on both backends: the hash chains' links and the rows they seal, read
//! as one canonical text per row (every column, in order, as JSON) so that sealing and verifying
//! hash the same bytes.

#[allow(unused_imports)]
use super::*;
#[allow(unused_imports)]
use crate::prelude::*;

use crate::{Chain, ChainLink, ChainRow};

/// A dossier event's columns, as read for its chain: the stored event and its agency.
#[derive(sqlx::FromRow)]
struct EventColumns {
    agency_id: Uuid,
    #[sqlx(flatten)]
    event: EventRow,
}

/// An audit entry's columns.
#[derive(sqlx::FromRow)]
struct AuditColumns {
    id: Uuid,
    agency_id: Option<Uuid>,
    actor_id: Option<Uuid>,
    action: String,
    object: String,
    at: NaiveDateTime,
    data: String,
}

fn time(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6f").to_string()
}

impl From<EventColumns> for ChainRow {
    fn from(EventColumns { agency_id, event: e }: EventColumns) -> ChainRow {
        let content = serde_json::json!([
            e.id,
            agency_id,
            e.dossier_id,
            e.kind,
            e.from_state,
            e.to_state,
            e.actor_id,
            time(e.at),
            e.data
        ])
        .to_string();
        ChainRow { id: e.id, at: e.at, content }
    }
}

impl From<AuditColumns> for ChainRow {
    fn from(a: AuditColumns) -> ChainRow {
        let content =
            serde_json::json!([a.id, a.agency_id, a.actor_id, a.action, a.object, time(a.at), a.data]).to_string();
        ChainRow { id: a.id, at: a.at, content }
    }
}

#[derive(sqlx::FromRow)]
struct LinkColumns {
    seq: i64,
    row_id: Uuid,
    row_at: NaiveDateTime,
    row_hash: String,
    hash: String,
}

impl From<LinkColumns> for ChainLink {
    fn from(l: LinkColumns) -> ChainLink {
        ChainLink { seq: l.seq, row_id: l.row_id, row_at: l.row_at, row_hash: l.row_hash, hash: l.hash }
    }
}

/// A link's columns, from `chain_links`, of agency `$1` and chain `$2`, then `$tail`.
macro_rules! links_where {
    ($tail:literal) => {
        concat!(
            "select seq, row_id, row_at, row_hash, hash from chain_links where agency_id = $1 and chain = $2 ",
            $tail
        )
    };
}

const EVENT_COLUMNS: &str =
    "e.id, e.agency_id, e.dossier_id, e.kind, e.from_state, e.to_state, e.actor_id, e.at, e.data";
const AUDIT_COLUMNS: &str = "e.id, e.agency_id, e.actor_id, e.action, e.object, e.at, e.data";

/// The rows of `chain` matching `tail` (which binds `$1` the agency, `$2` the nil id, then its own).
macro_rules! chain_rows {
    ($pool:expr, $chain:expr, $tail:expr, $agency:expr $(, $arg:expr)*) => {{
        match $chain {
            Chain::Events => {
                let sql = format!("select {EVENT_COLUMNS} from dossier_events e where e.agency_id = $1 and $2 = $2 {}", $tail);
                let rows: Vec<EventColumns> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind($agency)
                    .bind(Uuid::nil())
                    $(.bind($arg))*
                    .fetch_all($pool)
                    .await?;
                rows.into_iter().map(ChainRow::from).collect::<Vec<_>>()
            }
            Chain::Audit => {
                let sql =
                    format!("select {AUDIT_COLUMNS} from audit_log e where coalesce(e.agency_id, $2) = $1 {}", $tail);
                let rows: Vec<AuditColumns> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind($agency)
                    .bind(Uuid::nil())
                    $(.bind($arg))*
                    .fetch_all($pool)
                    .await?;
                rows.into_iter().map(ChainRow::from).collect::<Vec<_>>()
            }
        }
    }};
}

macro_rules! impl_evidence {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl crate::EvidenceStore for $store {
            async fn chain_head(&self, agency_id: Uuid, chain: Chain) -> crate::Result<Option<ChainLink>> {
                let row: Option<LinkColumns> = sqlx::query_as(links_where!("order by seq desc limit 1"))
                    .bind(agency_id)
                    .bind(chain.as_str())
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(row.map(ChainLink::from))
            }

            async fn chain_head_at(
                &self,
                agency_id: Uuid,
                chain: Chain,
                at: NaiveDateTime,
            ) -> crate::Result<Option<ChainLink>> {
                let row: Option<LinkColumns> =
                    sqlx::query_as(links_where!("and sealed_at < $3 order by sealed_at desc, seq desc limit 1"))
                        .bind(agency_id)
                        .bind(chain.as_str())
                        .bind(at)
                        .fetch_optional(&self.pool)
                        .await?;
                Ok(row.map(ChainLink::from))
            }

            async fn chain_link(&self, agency_id: Uuid, chain: Chain, seq: i64) -> crate::Result<Option<ChainLink>> {
                let row: Option<LinkColumns> = sqlx::query_as(links_where!("and seq = $3"))
                    .bind(agency_id)
                    .bind(chain.as_str())
                    .bind(seq)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(row.map(ChainLink::from))
            }

            async fn unsealed_rows(
                &self,
                agency_id: Uuid,
                chain: Chain,
                (from, before): (NaiveDateTime, NaiveDateTime),
                limit: i64,
            ) -> crate::Result<Vec<ChainRow>> {
                let tail = "and e.at >= $3 and e.at < $4 and not exists (select 1 from chain_links l
                     where l.agency_id = $1 and l.chain = $5 and l.row_id = e.id) order by e.at, e.id limit $6";
                Ok(chain_rows!(&self.pool, chain, tail, agency_id, from, before, chain.as_str(), limit))
            }

            async fn append_links(
                &self,
                agency_id: Uuid,
                chain: Chain,
                links: &[ChainLink],
                at: NaiveDateTime,
            ) -> crate::Result<bool> {
                let mut tx = self.pool.begin().await?;
                for l in links {
                    let done = sqlx::query(
                        "insert into chain_links (agency_id, chain, seq, row_id, row_at, row_hash, hash, sealed_at)
                         values ($1, $2, $3, $4, $5, $6, $7, $8)",
                    )
                    .bind(agency_id)
                    .bind(chain.as_str())
                    .bind(l.seq)
                    .bind(l.row_id)
                    .bind(l.row_at)
                    .bind(&l.row_hash)
                    .bind(&l.hash)
                    .bind(at)
                    .execute(&mut *tx)
                    .await;
                    match done {
                        Ok(_) => {}
                        // Another sealer took this number (or this row) first.
                        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                            tx.rollback().await?;
                            return Ok(false);
                        }
                        Err(e) => return Err(e.into()),
                    }
                }
                tx.commit().await?;
                Ok(true)
            }

            async fn chain_page(
                &self,
                agency_id: Uuid,
                chain: Chain,
                after_seq: i64,
                limit: i64,
            ) -> crate::Result<Vec<(ChainLink, Option<ChainRow>)>> {
                let links: Vec<LinkColumns> = sqlx::query_as(links_where!("and seq > $3 order by seq limit $4"))
                    .bind(agency_id)
                    .bind(chain.as_str())
                    .bind(after_seq)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?;
                let (Some(first), Some(last)) = (links.first(), links.last()) else { return Ok(Vec::new()) };
                // The rows of the page's time span, matched to their links by id.
                let (from, to) = (
                    links.iter().map(|l| l.row_at).min().unwrap_or(first.row_at),
                    links.iter().map(|l| l.row_at).max().unwrap_or(last.row_at),
                );
                let tail = "and e.at >= $3 and e.at <= $4";
                let rows = chain_rows!(&self.pool, chain, tail, agency_id, from, to);
                let mut rows: std::collections::HashMap<Uuid, ChainRow> = rows.into_iter().map(|r| (r.id, r)).collect();
                Ok(links
                    .into_iter()
                    .map(|l| {
                        let row = rows.remove(&l.row_id);
                        (ChainLink::from(l), row)
                    })
                    .collect())
            }
        }
    };
}

impl_evidence!(SqliteStore);
impl_evidence!(PgStore);
