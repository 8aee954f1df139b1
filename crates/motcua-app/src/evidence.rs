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
/// Batches per chain in one call: a worker's housekeeping seals at most this many thousand rows
/// per chain and agency (200 a second at the default interval, far above a department's pace).
/// On SQLite each batch holds the one write lock while it is written, so more would hold up
/// intake and messages. The first seal of a large database goes on over the following rounds,
/// or `motcua audit seal` does it at once.
const BATCHES_PER_CALL: usize = 1;
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

/// Seals the agency's rows old enough, both chains, at most [`BATCHES_PER_CALL`] batches of
/// each; how many were sealed (call again while it seals any). Several workers may run it: a
/// sealer that finds its numbers taken stops, the other has sealed them.
pub async fn seal(store: &dyn Store, agency_id: Uuid, now: NaiveDateTime) -> Result<usize, AppError> {
    let mut sealed = 0;
    for chain in Chain::ALL {
        for _ in 0..BATCHES_PER_CALL {
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

/// A chain's head at the end of a day: what an outside party holds to check later that the
/// record up to then was not rewritten, even by someone able to rewrite the links too.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Anchor {
    pub day: chrono::NaiveDate,
    pub chain: String,
    pub seq: i64,
    pub hash: String,
}

/// The agency's daily anchors of the ended days in `[first, last]`: each chain's head sealed
/// before the next midnight (a day with nothing sealed yet has none).
pub async fn daily_anchors(
    store: &dyn Store,
    agency_id: Uuid,
    (first, last): (chrono::NaiveDate, chrono::NaiveDate),
    now: NaiveDateTime,
) -> Result<Vec<Anchor>, motcua_store::StoreError> {
    let mut anchors = Vec::new();
    let last = last.min(now.date() - Duration::days(1));
    for day in first.iter_days().take_while(|d| *d <= last) {
        let end = (day + Duration::days(1)).and_hms_opt(0, 0, 0).unwrap_or(now);
        for chain in Chain::ALL {
            if let Some(link) = store.chain_head_at(agency_id, chain, end).await? {
                anchors.push(Anchor { day, chain: chain.as_str().to_owned(), seq: link.seq, hash: link.hash });
            }
        }
    }
    Ok(anchors)
}

/// The header of the anchors' CSV.
pub const ANCHORS_HEADER: &str = "co_quan,ngay,chuoi,mat_xich,ma_bam";

/// The anchors of `agency_code` as CSV (one line per day and chain), for an outside party.
pub fn anchors_csv(agency_code: &str, anchors: &[Anchor]) -> String {
    let mut out = format!("{ANCHORS_HEADER}\n");
    for a in anchors {
        out.push_str(&format!("{agency_code},{},{},{},{}\n", a.day.format("%d/%m/%Y"), a.chain, a.seq, a.hash));
    }
    out
}

/// Anchors read back from [`anchors_csv`]'s text: (agency code, anchor) per line, or the first
/// line that does not read, by number.
pub fn parse_anchors(text: &str) -> Result<Vec<(String, Anchor)>, String> {
    let mut anchors = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim().trim_start_matches('\u{feff}');
        if line.is_empty() || line == ANCHORS_HEADER {
            continue;
        }
        let bad = || {
            format!(
                "dòng {} không đọc được / line {} unreadable: {}",
                n + 1,
                n + 1,
                line.chars().take(80).collect::<String>()
            )
        };
        let cells: Vec<&str> = line.split(',').collect();
        let [agency, day, chain, seq, hash] = cells[..] else { return Err(bad()) };
        let day = chrono::NaiveDate::parse_from_str(day, "%d/%m/%Y").map_err(|_| bad())?;
        let chain = Chain::parse(chain).ok_or_else(bad)?.as_str().to_owned();
        let seq = seq.parse::<i64>().map_err(|_| bad())?;
        if hash.len() != 64 || !hash.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(bad());
        }
        anchors.push((agency.to_owned(), Anchor { day, chain, seq, hash: hash.to_ascii_lowercase() }));
    }
    Ok(anchors)
}

/// Whether the agency's chain still has the held anchor: `None` if so, else what differs.
pub async fn check_anchor(
    store: &dyn Store,
    agency_id: Uuid,
    anchor: &Anchor,
) -> Result<Option<String>, motcua_store::StoreError> {
    let Some(chain) = Chain::parse(&anchor.chain) else {
        return Ok(Some(format!("không có chuỗi {}", anchor.chain)));
    };
    let day = anchor.day.format("%d/%m/%Y");
    Ok(match store.chain_link(agency_id, chain, anchor.seq).await? {
        None => Some(format!("{day} {}: mắt xích {} không còn / the link is gone", anchor.chain, anchor.seq)),
        Some(link) if link.hash != anchor.hash => Some(format!(
            "{day} {}: mắt xích {} khác neo đã giữ / differs from the anchor held (the chain was rewritten)",
            anchor.chain, anchor.seq
        )),
        Some(_) => None,
    })
}
