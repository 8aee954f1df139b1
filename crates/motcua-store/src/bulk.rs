//! Bulk loading for the benchmarks (`motcua bench`): millions of dossiers — the dossier row with
//! its JSON document, its facts for the reports and its events for the lookup — written in
//! minutes instead of hours. Nothing in the service uses this: intake goes through
//! [`crate::Store::insert_dossier`], one transaction a dossier.
//!
//! SQLite takes multi-row INSERTs in large transactions on one connection with `synchronous =
//! off` and a large page cache (the load is not what is measured; a crash mid-load only loses the
//! benchmark). PostgreSQL takes `COPY … FROM STDIN` in text format.
//!
//! Also here: the raw-insert baseline the intake benchmark is compared with — single-row INSERT
//! transactions into a table of its own, through a pool opened exactly as the service opens it.

use chrono::NaiveDateTime;
use motcua_domain::dossier::{Dossier, DossierFacts, EventData, EventDetail, State, Timeliness};
use sqlx::postgres::PgPoolCopyExt;
use uuid::Uuid;

use crate::{PgStore, Result, SqliteStore};

/// One dossier to load: its document and its facts (kept apart so a generator can give the
/// reports a realistic mix without replaying every step of the process).
#[derive(Debug, Clone)]
pub struct BulkDossier {
    pub dossier: Dossier,
    pub facts: DossierFacts,
}

/// Loads facts alone, each with a stub `dossiers` row (its document `{}`): a database for the
/// reports' tests only, which read nothing else.
pub async fn load_facts(url: &str, procedure_id: Uuid, facts: &[DossierFacts]) -> Result<()> {
    macro_rules! load {
        ($pool:expr) => {{
            for chunk in facts.chunks(25) {
                let mut tx = $pool.begin().await?;
                let sql = format!(
                    "insert into dossiers (id, agency_id, code, state, channel, procedure_id, current_unit, phone_last4,
                       received_at, due_at, finished_at, version, doc, created_at, updated_at) values {}",
                    placeholders(chunk.len(), 15)
                );
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                for f in chunk {
                    q = q
                        .bind(f.dossier_id)
                        .bind(f.agency_id)
                        .bind(f.code.clone())
                        .bind(f.state.as_str())
                        .bind(f.channel.as_str())
                        .bind(procedure_id)
                        .bind(f.unit.clone())
                        .bind("0000")
                        .bind(f.received_at)
                        .bind(f.due_at)
                        .bind(f.finished_at)
                        .bind(1_i64)
                        .bind("{}")
                        .bind(f.received_at.unwrap_or_default())
                        .bind(f.received_at.unwrap_or_default());
                }
                q.execute(&mut *tx).await?;
                let sql = format!("insert into dossier_facts ({FACT_COLUMNS}) values {}", placeholders(chunk.len(), 22));
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                for f in chunk {
                    q = bind_facts!(q, f, f.field.clone());
                }
                q.execute(&mut *tx).await?;
                tx.commit().await?;
            }
            Ok(())
        }};
    }
    if url.starts_with("postgres") {
        let store = PgStore::connect(url).await?;
        let r: Result<()> = load!(store.pool);
        store.pool.close().await;
        r
    } else {
        let store = SqliteStore::open(url.strip_prefix("sqlite://").unwrap_or(url)).await?;
        let r: Result<()> = load!(store.pool);
        store.pool.close().await;
        r
    }
}

/// An event the lookup shows: acceptance, and the hand-over when the dossier is finished.
/// The events of a loaded dossier, with their stored data: its acceptance and, once finished,
/// the return of its result. (id, kind, from, to, at, data)
type BulkEvent = (Uuid, &'static str, Option<State>, State, NaiveDateTime, String);

fn events(d: &Dossier) -> Vec<BulkEvent> {
    let data = |detail: EventDetail, to: State| {
        EventData { detail, portal_status: Some(to.portal_status()), warnings: Vec::new() }.to_json().to_string()
    };
    let mut out = Vec::with_capacity(2);
    if let (Some(at), Some(code), Some(due_date), Some(due_at)) =
        (d.accepted_at.or(d.received_at), d.code.clone(), d.due_date, d.due_at)
    {
        let detail = EventDetail::Accept { code, due_date, due_at, received_at: at, channel: Some(d.channel) };
        out.push((
            Uuid::now_v7(),
            "accept",
            Some(State::Submitted),
            State::Processing,
            at,
            data(detail, State::Processing),
        ));
    }
    if let Some(at) = d.finished_at {
        let detail = EventDetail::ReturnResult {
            channel: d.return_channel.unwrap_or(d.channel),
            timeliness: d.timeliness.unwrap_or(Timeliness::OnTime),
        };
        out.push((Uuid::now_v7(), "return_result", Some(State::ResultReady), d.state, at, data(detail, d.state)));
    }
    out
}

/// Writes `rows` to the database at `url` (dossiers, dossier_facts, dossier_events).
pub async fn load(url: &str, procedure_id: Uuid, rows: &[BulkDossier]) -> Result<()> {
    if url.starts_with("postgres") {
        let store = PgStore::connect(url).await?;
        let r = load_postgres(&store, procedure_id, rows).await;
        store.pool.close().await;
        r
    } else {
        let store = SqliteStore::open(url.strip_prefix("sqlite://").unwrap_or(url)).await?;
        let r = load_sqlite(&store, procedure_id, rows).await;
        store.pool.close().await;
        r
    }
}

/// `($1, $2, …), ($n+1, …)` for `rows` rows of `cols` values.
fn placeholders(rows: usize, cols: usize) -> String {
    let mut s = String::with_capacity(rows * cols * 5);
    for r in 0..rows {
        s.push_str(if r == 0 { "(" } else { ", (" });
        for c in 0..cols {
            if c > 0 {
                s.push_str(", ");
            }
            s.push('$');
            s.push_str(&(r * cols + c + 1).to_string());
        }
        s.push(')');
    }
    s
}

const DOSSIER_COLUMNS: &str = "id, agency_id, code, state, channel, procedure_id, current_unit, assignee,
    citizen_user_id, phone_last4, received_at, due_at, finished_at, version, doc, created_at, updated_at";
const FACT_COLUMNS: &str = "dossier_id, agency_id, code, procedure_code, field, unit, channel, state, received_at,
    due_at, finished_at, supplements, reappointed, fees, result_electronic, documents_digitised, returned_online,
    first_request_at, first_received_at, second_request_at, due_day_start, steps";
const EVENT_COLUMNS: &str = "id, agency_id, dossier_id, kind, from_state, to_state, actor_id, at, data";

async fn load_sqlite(store: &SqliteStore, procedure_id: Uuid, rows: &[BulkDossier]) -> Result<()> {
    // Small statements: sqlx looks each parameter up by name among all of the statement's, so the
    // cost of a statement grows with the square of its parameters (a 400-row batch spent half
    // the load there).
    const BATCH: usize = 25;
    let mut conn = store.pool.acquire().await?;
    sqlx::raw_sql("pragma synchronous = off; pragma cache_size = -262144").execute(&mut *conn).await?;
    for big in rows.chunks(20_000) {
        sqlx::raw_sql("begin").execute(&mut *conn).await?;
        for chunk in big.chunks(BATCH) {
            let sql = format!("insert into dossiers ({DOSSIER_COLUMNS}) values {}", placeholders(chunk.len(), 17));
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for r in chunk {
                let d = &r.dossier;
                q = q
                    .bind(d.id)
                    .bind(d.agency_id)
                    .bind(d.code.as_ref().map(|c| c.to_string()))
                    .bind(d.state.as_str())
                    .bind(d.channel.as_str())
                    .bind(procedure_id)
                    .bind(r.facts.unit.clone())
                    .bind(d.assignee)
                    .bind(d.citizen_user_id)
                    .bind(d.phone_last4().to_owned())
                    .bind(d.received_at)
                    .bind(d.due_at)
                    .bind(d.finished_at)
                    .bind(1_i64)
                    .bind(serde_json::to_string(d)?)
                    .bind(d.submitted_at)
                    .bind(d.finished_at.unwrap_or(d.submitted_at));
            }
            q.execute(&mut *conn).await?;
            let sql = format!("insert into dossier_facts ({FACT_COLUMNS}) values {}", placeholders(chunk.len(), 22));
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for r in chunk {
                q = bind_facts!(q, &r.facts, r.facts.field.clone());
            }
            q.execute(&mut *conn).await?;
            let evs: Vec<_> = chunk.iter().flat_map(|r| events(&r.dossier).into_iter().map(move |e| (r, e))).collect();
            let sql = format!("insert into dossier_events ({EVENT_COLUMNS}) values {}", placeholders(evs.len(), 9));
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for (r, (id, kind, from, to, at, data)) in evs {
                q = q
                    .bind(id)
                    .bind(r.dossier.agency_id)
                    .bind(r.dossier.id)
                    .bind(kind)
                    .bind(from.map(|s| s.as_str()))
                    .bind(to.as_str())
                    .bind(None::<Uuid>)
                    .bind(at)
                    .bind(data);
            }
            q.execute(&mut *conn).await?;
        }
        sqlx::raw_sql("commit").execute(&mut *conn).await?;
    }
    sqlx::raw_sql("pragma synchronous = normal").execute(&mut *conn).await?;
    Ok(())
}

/// A value in PostgreSQL's COPY text format: `\N` for null, backslash, tab and line breaks escaped.
fn copy_field(out: &mut String, value: Option<&str>) {
    match value {
        None => out.push_str("\\N"),
        Some(v) => {
            for c in v.chars() {
                match c {
                    '\\' => out.push_str("\\\\"),
                    '\t' => out.push_str("\\t"),
                    '\n' => out.push_str("\\n"),
                    '\r' => out.push_str("\\r"),
                    c => out.push(c),
                }
            }
        }
    }
}

fn copy_row(out: &mut String, values: &[Option<String>]) {
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            out.push('\t');
        }
        copy_field(out, v.as_deref());
    }
    out.push('\n');
}

async fn load_postgres(store: &PgStore, procedure_id: Uuid, rows: &[BulkDossier]) -> Result<()> {
    let ts = |t: Option<NaiveDateTime>| t.map(|t| t.format("%Y-%m-%d %H:%M:%S%.f").to_string());
    let s = |v: &str| Some(v.to_owned());
    let b = |v: bool| Some(if v { "t" } else { "f" }.to_owned());
    for chunk in rows.chunks(20_000) {
        let (mut dossiers, mut facts, mut evs) = (String::new(), String::new(), String::new());
        for r in chunk {
            let (d, f) = (&r.dossier, &r.facts);
            copy_row(
                &mut dossiers,
                &[
                    s(&d.id.to_string()),
                    s(&d.agency_id.to_string()),
                    d.code.as_ref().map(|c| c.to_string()),
                    s(d.state.as_str()),
                    s(d.channel.as_str()),
                    s(&procedure_id.to_string()),
                    f.unit.clone(),
                    d.assignee.map(|u| u.to_string()),
                    d.citizen_user_id.map(|u| u.to_string()),
                    s(d.phone_last4()),
                    ts(d.received_at),
                    ts(d.due_at),
                    ts(d.finished_at),
                    s("1"),
                    Some(serde_json::to_string(d)?),
                    ts(Some(d.submitted_at)),
                    ts(Some(d.finished_at.unwrap_or(d.submitted_at))),
                ],
            );
            copy_row(
                &mut facts,
                &[
                    s(&f.dossier_id.to_string()),
                    s(&f.agency_id.to_string()),
                    f.code.clone(),
                    s(&f.procedure_code),
                    s(&f.field),
                    f.unit.clone(),
                    s(f.channel.as_str()),
                    s(f.state.as_str()),
                    ts(f.received_at),
                    ts(f.due_at),
                    ts(f.finished_at),
                    Some(serde_json::to_string(&f.supplements)?),
                    b(f.reappointed),
                    s(&f.fees.to_string()),
                    b(f.result_electronic),
                    b(f.documents_digitised),
                    b(f.returned_online),
                    ts(f.supplements.first().map(|s| s.0)),
                    ts(f.supplements.first().and_then(|s| s.1)),
                    ts(f.supplements.get(1).map(|s| s.0)),
                    ts(f.due_date().map(|d| d.and_time(chrono::NaiveTime::MIN))),
                    Some(serde_json::to_string(&f.steps)?),
                ],
            );
            for (id, kind, from, to, at, data) in events(d) {
                copy_row(
                    &mut evs,
                    &[
                        s(&id.to_string()),
                        s(&d.agency_id.to_string()),
                        s(&d.id.to_string()),
                        s(kind),
                        from.map(|s| s.as_str().to_owned()),
                        s(to.as_str()),
                        None,
                        ts(Some(at)),
                        Some(data),
                    ],
                );
            }
        }
        for (table, columns, data) in [
            ("dossiers", DOSSIER_COLUMNS, dossiers),
            ("dossier_facts", FACT_COLUMNS, facts),
            ("dossier_events", EVENT_COLUMNS, evs),
        ] {
            let mut copy = store.pool.copy_in_raw(&format!("copy {table} ({columns}) from stdin")).await?;
            copy.send(data.into_bytes()).await?;
            copy.finish().await?;
        }
    }
    Ok(())
}

/// The baseline for intake: single-row INSERT transactions of about a dossier's size, into a
/// table of its own, through a pool opened as the service opens it (same durability settings).
#[derive(Debug, Clone)]
pub enum RawInserts {
    Sqlite(SqliteStore),
    Postgres(PgStore),
}

impl RawInserts {
    pub async fn open(url: &str) -> Result<RawInserts> {
        let sql = "create table if not exists bench_raw_inserts (id text primary key, agency_id text not null,
                   code text not null, doc text not null, created_at text not null)";
        Ok(if url.starts_with("postgres") {
            let store = PgStore::connect(url).await?;
            sqlx::query(sql).execute(&store.pool).await?;
            RawInserts::Postgres(store)
        } else {
            let store = SqliteStore::open(url.strip_prefix("sqlite://").unwrap_or(url)).await?;
            sqlx::query(sql).execute(&store.pool).await?;
            RawInserts::Sqlite(store)
        })
    }

    /// One row in one transaction.
    pub async fn insert(&self, agency_id: Uuid, code: &str, doc: &str) -> Result<()> {
        let sql = "insert into bench_raw_inserts (id, agency_id, code, doc, created_at) values ($1, $2, $3, $4, $5)";
        let now = crate::now_local().to_string();
        match self {
            RawInserts::Sqlite(s) => {
                let mut tx = s.pool.begin().await?;
                let q = sqlx::query(sql).bind(Uuid::now_v7().to_string()).bind(agency_id.to_string());
                q.bind(code).bind(doc).bind(now).execute(&mut *tx).await?;
                tx.commit().await?;
            }
            RawInserts::Postgres(s) => {
                let mut tx = s.pool.begin().await?;
                let q = sqlx::query(sql).bind(Uuid::now_v7().to_string()).bind(agency_id.to_string());
                q.bind(code).bind(doc).bind(now).execute(&mut *tx).await?;
                tx.commit().await?;
            }
        }
        Ok(())
    }

    pub async fn close(self) {
        match self {
            RawInserts::Sqlite(s) => s.pool.close().await,
            RawInserts::Postgres(s) => s.pool.close().await,
        }
    }
}

/// Refreshes the planner's statistics after a load (`analyze`; PostgreSQL also `vacuum`s), as
/// an operator would after a bulk import.
pub async fn analyze(url: &str) -> Result<()> {
    if url.starts_with("postgres") {
        let store = PgStore::connect(url).await?;
        // `vacuum` too: after millions of inserted rows autovacuum would otherwise start on them
        // during the measurements (minutes of one core on a 1M province).
        sqlx::query("vacuum analyze").execute(&store.pool).await?;
        store.pool.close().await;
    } else {
        let store = SqliteStore::open(url.strip_prefix("sqlite://").unwrap_or(url)).await?;
        // Sampled, as `pragma optimize` does: a full analyze reads every index of millions of rows.
        sqlx::raw_sql("pragma analysis_limit = 1000; analyze").execute(&store.pool).await?;
        store.pool.close().await;
    }
    Ok(())
}

/// The database's size on disk in bytes: the SQLite file with its WAL, or `pg_database_size`.
pub async fn size_bytes(url: &str) -> Result<u64> {
    if url.starts_with("postgres") {
        let store = PgStore::connect(url).await?;
        let (size,): (i64,) =
            sqlx::query_as("select pg_database_size(current_database())").fetch_one(&store.pool).await?;
        store.pool.close().await;
        Ok(size.max(0) as u64)
    } else {
        let path = url.strip_prefix("sqlite://").unwrap_or(url);
        let file = |p: String| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
        Ok(file(path.to_owned()) + file(format!("{path}-wal")))
    }
}
