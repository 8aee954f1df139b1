//! The record as evidence: a hash chain per agency over its dossier events and another over its
//! audit entries. Rows are written as ever (no lock, no extra round trip on the hot path); the
//! worker then **seals** them in order — each link carries the SHA-256 of its row's content and
//! of the link before — once they are five minutes old, so that a transaction still committing
//! is not passed over. The database refuses to change or remove rows and links (migrations 25
//! and 26); [`verify`] names the first row that was altered, removed, or inserted among sealed
//! ones anyway (by someone able to lift those triggers), and the chains' heads are the anchor an
//! outside party keeps: a rewritten chain no longer ends in the head they hold.

use chrono::{Duration, NaiveDateTime};
use motcua_store::{Chain, ChainLink, ChainRow, Store};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::AppError;

/// How old a row must be before it is sealed.
pub const SEAL_AFTER: Duration = Duration::minutes(5);
/// Rows sealed per batch.
const BATCH: i64 = 1000;
/// Before any row (`NaiveDateTime::MIN` is out of PostgreSQL's range).
fn beginning() -> NaiveDateTime {
    chrono::DateTime::<chrono::Utc>::UNIX_EPOCH.naive_utc()
}

/// The hash before the first link.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The SHA-256 (hex) of a row's canonical content.
pub fn row_hash(content: &str) -> String {
    hex::encode(Sha256::digest(content.as_bytes()))
}

/// A link's hash: over the previous link's hash, the row's hash and the link's number.
pub fn link_hash(previous: &str, row_hash: &str, seq: i64) -> String {
    hex::encode(Sha256::digest(format!("{previous}|{row_hash}|{seq}").as_bytes()))
}

/// Seals the agency's rows old enough, both chains; how many were sealed. Several workers may
/// run it: a sealer that finds its numbers taken stops, the other has sealed them.
pub async fn seal(store: &dyn Store, agency_id: Uuid, now: NaiveDateTime) -> Result<usize, AppError> {
    let mut sealed = 0;
    for chain in Chain::ALL {
        loop {
            let head = store.chain_head(agency_id, chain).await?;
            // Rows committed late still fall in the window: it opens ten minutes before the head.
            let from = head.as_ref().map_or_else(beginning, |h| h.row_at - Duration::minutes(10));
            let rows = store.unsealed_rows(agency_id, chain, (from, now - SEAL_AFTER), BATCH).await?;
            if rows.is_empty() {
                break;
            }
            let (mut seq, mut previous) = head.map_or((0, GENESIS.to_owned()), |h| (h.seq, h.hash));
            let links: Vec<ChainLink> = rows
                .iter()
                .map(|r| {
                    seq += 1;
                    let row_hash = row_hash(&r.content);
                    let hash = link_hash(&previous, &row_hash, seq);
                    previous = hash.clone();
                    ChainLink { seq, row_id: r.id, row_at: r.at, row_hash, hash }
                })
                .collect();
            if !store.append_links(agency_id, chain, &links, now).await? {
                break;
            }
            sealed += links.len();
            if (rows.len() as i64) < BATCH {
                break;
            }
        }
    }
    Ok(sealed)
}

/// What is wrong with a chain, at its first problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    /// The row's content is no longer what was sealed.
    Altered { seq: i64, row_id: Uuid },
    /// The sealed row is gone.
    Removed { seq: i64, row_id: Uuid },
    /// The link itself does not follow from the one before (the chain was rewritten).
    Broken { seq: i64 },
    /// A row older than sealed ones that no link seals: put in afterwards.
    Inserted { row_id: Uuid, at: NaiveDateTime },
}

impl Finding {
    pub fn describe_vi(&self) -> String {
        match self {
            Finding::Altered { seq, row_id } => format!("dòng {row_id} (mắt xích {seq}) đã bị sửa / altered"),
            Finding::Removed { seq, row_id } => format!("dòng {row_id} (mắt xích {seq}) đã bị xóa / removed"),
            Finding::Broken { seq } => format!("mắt xích {seq} không nối với mắt xích trước / the chain was rewritten"),
            Finding::Inserted { row_id, at } => {
                format!("dòng {row_id} lúc {} được chèn thêm sau khi niêm phong / inserted after sealing", at)
            }
        }
    }
}

/// One chain checked: how many links, its head (the anchor to hold), its first problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainCheck {
    pub chain: Chain,
    pub links: i64,
    pub head: String,
    pub finding: Option<Finding>,
}

/// Checks both chains of the agency from their first link: every sealed row still reads as
/// sealed, every link follows from the one before, and no row older than the sealed ones is
/// left unsealed.
pub async fn verify(store: &dyn Store, agency_id: Uuid) -> Result<Vec<ChainCheck>, AppError> {
    let mut checks = Vec::new();
    for chain in Chain::ALL {
        let (mut previous, mut seq, mut last_at) = (GENESIS.to_owned(), 0, None);
        let mut finding = None;
        'pages: loop {
            let page = store.chain_page(agency_id, chain, seq, BATCH).await?;
            if page.is_empty() {
                break;
            }
            for (link, row) in page {
                seq = link.seq;
                last_at = Some(link.row_at);
                if link_hash(&previous, &link.row_hash, link.seq) != link.hash {
                    finding = Some(Finding::Broken { seq: link.seq });
                    break 'pages;
                }
                previous = link.hash.clone();
                match row {
                    None => {
                        finding = Some(Finding::Removed { seq: link.seq, row_id: link.row_id });
                        break 'pages;
                    }
                    Some(ChainRow { content, .. }) if row_hash(&content) != link.row_hash => {
                        finding = Some(Finding::Altered { seq: link.seq, row_id: link.row_id });
                        break 'pages;
                    }
                    Some(_) => {}
                }
            }
        }
        if finding.is_none()
            && let Some(last_at) = last_at
        {
            // Older than the last sealed row by more than the window late commits have.
            let before = last_at - Duration::minutes(10);
            let stray = store.unsealed_rows(agency_id, chain, (beginning(), before), 1).await?;
            finding = stray.first().map(|r| Finding::Inserted { row_id: r.id, at: r.at });
        }
        checks.push(ChainCheck { chain, links: seq, head: previous, finding });
    }
    Ok(checks)
}
