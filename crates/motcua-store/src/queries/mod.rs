//! The queries, written once in the SQL that SQLite and PostgreSQL share and expanded for each
//! backend's pool by `impl_store!`. Placeholders are `$1, $2, …` in order of first appearance,
//! which both backends bind by position. JSON documents are stored as text on both.

use chrono::{NaiveDate, NaiveDateTime};
use motcua_domain::catalog::{Field, ProcedureSpec, ProcedureVersion};
use motcua_domain::dossier::{Dossier, EventData, EventKind};
use motcua_domain::org::{Actor, Agency, AgencyLevel, Role, RoleGrant, Unit};
use motcua_domain::text::fold;
use uuid::Uuid;

use crate::model::{DossierFilter, ProcedureQuery};
use crate::{PgStore, SqliteStore, StoreError};

/// A value bound by position to a query with numbered placeholders (the report plans, which
/// use each bound instant many times).
#[derive(Debug, Clone)]
pub(crate) enum Arg {
    Uuid(Uuid),
    Text(String),
    Ts(NaiveDateTime),
    Date(chrono::NaiveDate),
}

/// The words of a catalog search, folded (no diacritics, lower case) and bounded: the edge refuses
/// longer searches, and the store never builds more conditions than this anyway.
pub(crate) fn folded_search(q: &ProcedureQuery) -> Option<String> {
    q.q.as_deref()
        .map(|q| fold(&q.chars().take(motcua_domain::text::SEARCH_MAX_CHARS).collect::<String>()))
        .map(|f| f.split(' ').take(motcua_domain::text::SEARCH_MAX_WORDS).collect::<Vec<_>>().join(" "))
        .filter(|f| !f.is_empty())
}

/// The page's size and offset: at most 200 rows, pages from 1.
pub(crate) fn page_bounds(page: u32, page_size: u32) -> (i64, i64) {
    let size = page_size.clamp(1, 200) as i64;
    (size, (page.max(1) as i64 - 1) * size)
}

// The list screens' filters are built with `sqlx::QueryBuilder`, which numbers and binds each
// value for the backend at hand (`$n` on PostgreSQL, `?` on SQLite). They are macros, expanded
// inside each backend's implementation, so that the builder's database is the pool's.

/// Appends `<column> in (…)`, binding each value; with no value, a condition nothing meets.
macro_rules! push_in {
    ($qb:expr, $column:expr, $values:expr) => {{
        let mut values = $values.into_iter().peekable();
        if values.peek().is_none() {
            $qb.push("1 = 0");
        } else {
            $qb.push($column).push(" in (");
            let mut list = $qb.separated(", ");
            for v in values {
                list.push_bind(v);
            }
            list.push_unseparated(")");
        }
    }};
}

/// Appends ` limit … offset …` for one page.
macro_rules! push_page {
    ($qb:expr, $page:expr, $page_size:expr) => {{
        let (size, offset) = page_bounds($page, $page_size);
        $qb.push(" limit ").push_bind(size).push(" offset ").push_bind(offset);
    }};
}

/// Appends the `where` clause of a catalog search (`$folded`: [`folded_search`] of the query).
macro_rules! push_procedure_where {
    ($qb:expr, $q:expr, $folded:expr) => {{
        let q: &crate::ProcedureQuery = $q;
        $qb.push(" where ");
        match q.in_force_on {
            // Of each procedure, the newest version whose effective date has come, unless it
            // has expired: versions scheduled for later are left out until their day.
            Some(day) => {
                $qb.push("pv.effective_from <= ").push_bind(day);
                $qb.push(" and (pv.effective_to is null or pv.effective_to >= ").push_bind(day).push(")");
                $qb.push(
                    " and not exists (select 1 from procedure_versions n where n.procedure_id = pv.procedure_id
                       and n.version > pv.version and n.effective_from <= ",
                )
                .push_bind(day)
                .push(")");
            }
            None => {
                $qb.push("pv.is_current = true");
            }
        }
        if let Some(field) = q.field.as_deref().filter(|f| !f.is_empty()) {
            $qb.push(" and pv.field = ").push_bind(field.to_owned());
        }
        if let Some(agency) = q.agency_id {
            $qb.push(" and pv.agency_id = ").push_bind(agency);
        }
        if let Some(level) = q.level.as_deref().filter(|l| !l.is_empty()) {
            $qb.push(" and pv.level = ").push_bind(level.to_owned());
        }
        if let Some(online) = q.online.as_deref().filter(|o| !o.is_empty()) {
            $qb.push(" and pv.online = ").push_bind(online.to_owned());
        }
        if let Some(text) = $folded {
            for word in text.split(' ') {
                $qb.push(" and pv.search_text like ").push_bind(format!("%{word}%"));
            }
        }
    }};
}

/// Appends the `where` clause of a dossier list.
macro_rules! push_dossier_where {
    ($qb:expr, $f:expr) => {{
        let f: &crate::DossierFilter = $f;
        $qb.push(" where ");
        // A citizen's own dossiers may be in any agency; an officer's list is limited to their
        // agencies.
        if f.citizen_user_id.is_none() || !f.agencies.is_empty() {
            push_in!($qb, "agency_id", f.agencies.iter().copied());
        } else {
            $qb.push("1 = 1");
        }
        if let Some(c) = f.citizen_user_id {
            $qb.push(" and citizen_user_id = ").push_bind(c);
        }
        if let Some(s) = f.state {
            $qb.push(" and state = ").push_bind(s.as_str());
        }
        if let Some(u) = &f.unit {
            $qb.push(" and current_unit = ").push_bind(u.clone());
        }
        if let Some(a) = f.assignee {
            $qb.push(" and assignee = ").push_bind(a);
        }
        if let Some(t) = f.overdue_at {
            $qb.push(" and finished_at is null and due_at < ").push_bind(t);
        }
        if let Some(t) = f.due_before {
            $qb.push(" and finished_at is null and due_at <= ").push_bind(t);
        }
        if let Some(c) = f.channel {
            $qb.push(" and channel = ").push_bind(c.as_str());
        }
        if let Some(d) = f.received_from {
            $qb.push(" and received_at >= ").push_bind(d.and_time(chrono::NaiveTime::MIN));
        }
        if let Some(d) = f.received_to {
            let next = d.succ_opt().unwrap_or(d);
            $qb.push(" and received_at < ").push_bind(next.and_time(chrono::NaiveTime::MIN));
        }
        if let Some(d) = f.created_from {
            $qb.push(" and created_at >= ").push_bind(d.and_time(chrono::NaiveTime::MIN));
        }
    }};
}

/// Appends the `where` clause of the message log.
macro_rules! push_delivery_where {
    ($qb:expr, $f:expr) => {{
        let f: &crate::DeliveryQuery = $f;
        $qb.push(" where ");
        push_in!($qb, "agency_id", f.agencies.iter().copied());
        if let Some(status) = f.status {
            $qb.push(" and status = ").push_bind(status.as_str());
        }
        if let Some(channel) = f.channel {
            $qb.push(" and channel = ").push_bind(channel.as_str());
        }
        if let Some(q) = f.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            let like = format!("%{}%", q.to_lowercase());
            $qb.push(" and (lower(recipient) like ").push_bind(like.clone());
            $qb.push(" or lower(idempotency_key) like ").push_bind(like.clone());
            $qb.push(" or lower(coalesce(subject, '')) like ").push_bind(like.clone());
            $qb.push(" or lower(body) like ").push_bind(like).push(")");
        }
    }};
}

pub(crate) fn level_str(l: AgencyLevel) -> &'static str {
    match l {
        AgencyLevel::Province => "province",
        AgencyLevel::Department => "department",
        AgencyLevel::ServiceUnit => "service_unit",
        AgencyLevel::Commune => "commune",
    }
}

pub(crate) fn parse_level(s: &str) -> Result<AgencyLevel, StoreError> {
    Ok(match s {
        "province" => AgencyLevel::Province,
        "department" => AgencyLevel::Department,
        "service_unit" => AgencyLevel::ServiceUnit,
        "commune" => AgencyLevel::Commune,
        other => return Err(StoreError::Corrupt(format!("agency level {other}"))),
    })
}

pub(crate) fn parse_role(s: &str) -> Result<Role, StoreError> {
    Role::parse(s).ok_or_else(|| StoreError::Corrupt(format!("role {s}")))
}

#[derive(sqlx::FromRow)]
pub(crate) struct ActorRow {
    id: Uuid,
    full_name: String,
    citizen: bool,
    role: Option<String>,
    agency_id: Option<Uuid>,
    unit_code: Option<String>,
}

/// The actor of [`actor_columns`]'s rows; `None` without rows.
pub(crate) fn actor_from(rows: Vec<ActorRow>) -> Result<Option<Actor>, StoreError> {
    let Some(first) = rows.first() else { return Ok(None) };
    let mut actor =
        Actor { user_id: first.id, name: first.full_name.clone(), grants: Vec::new(), citizen: first.citizen };
    for row in rows {
        if let (Some(role), Some(agency_id)) = (row.role, row.agency_id) {
            actor.grants.push(RoleGrant { role: parse_role(&role)?, agency_id, unit: row.unit_code });
        }
    }
    Ok(Some(actor))
}

/// A procedure version as stored: its spec is JSON.
#[derive(sqlx::FromRow)]
pub(crate) struct VersionRow {
    id: Uuid,
    procedure_id: Uuid,
    agency_id: Uuid,
    version: i64,
    spec: String,
}

/// A version with its agency and the agency's calendar file (intake's one read).
#[derive(sqlx::FromRow)]
pub(crate) struct VersionAgencyRow {
    #[sqlx(flatten)]
    version: VersionRow,
    agency_parent_id: Option<Uuid>,
    agency_code: String,
    agency_name: String,
    agency_level: String,
    calendar_toml: Option<String>,
}

impl TryFrom<VersionRow> for ProcedureVersion {
    type Error = StoreError;
    fn try_from(r: VersionRow) -> Result<ProcedureVersion, StoreError> {
        let spec: ProcedureSpec = serde_json::from_str(&r.spec)?;
        let version = i32::try_from(r.version).map_err(|_| StoreError::Corrupt(format!("version {}", r.version)))?;
        Ok(ProcedureVersion { id: r.id, procedure_id: r.procedure_id, agency_id: r.agency_id, version, spec })
    }
}

/// A version with when it was published (the administrator's history).
#[derive(sqlx::FromRow)]
pub(crate) struct PublishedRow {
    #[sqlx(flatten)]
    version: VersionRow,
    created_at: NaiveDateTime,
}

macro_rules! bind_args {
    ($q:expr, $args:expr) => {{
        let mut q = $q;
        for a in $args {
            q = match a {
                Arg::Uuid(v) => q.bind(*v),
                Arg::Text(v) => q.bind(v.clone()),
                Arg::Ts(v) => q.bind(*v),
                Arg::Date(v) => q.bind(*v),
            };
        }
        q
    }};
}

macro_rules! impl_store {
    ($store:ty, $name:literal) => {
        #[async_trait::async_trait]
        impl crate::Store for $store {
            fn backend(&self) -> &'static str {
                $name
            }

            async fn migrate(&self) -> crate::Result<()> {
                self.run_migrations().await?;
                // Dossiers written before their facts were kept (migration 6) get them now, in
                // batches; safe to run from several servers at once (the write is an upsert).
                // Done once per agency, a run-once job like the others (`job_runs`): later
                // start-ups find every agency done and scan nothing.
                let pending: Vec<(Uuid,)> = sqlx::query_as(
                    "select a.id from agencies a where not exists (select 1 from job_runs j
                       where j.job = $1 and j.agency_id = a.id and j.run_key = $2)",
                )
                .bind(crate::migrate::FACTS_BACKFILL_JOB)
                .bind(crate::migrate::FACTS_BACKFILL_KEY)
                .fetch_all(&self.pool)
                .await?;
                for (agency_id,) in pending {
                    loop {
                        let rows: Vec<(String,)> = sqlx::query_as(
                            "select d.doc from dossiers d where d.agency_id = $1
                               and not exists (select 1 from dossier_facts f where f.agency_id = d.agency_id and f.dossier_id = d.id) limit 500",
                        )
                        .bind(agency_id)
                        .fetch_all(&self.pool)
                        .await?;
                        if rows.is_empty() {
                            break;
                        }
                        let mut tx = self.pool.begin().await?;
                        for (doc,) in rows {
                            let d: Dossier = serde_json::from_str(&doc)?;
                            upsert_facts!(tx, Self::batched().facts.as_str(), d);
                        }
                        tx.commit().await?;
                    }
                    crate::JobStore::mark_job_done(
                        self,
                        crate::migrate::FACTS_BACKFILL_JOB,
                        agency_id,
                        crate::migrate::FACTS_BACKFILL_KEY,
                        crate::now_local(),
                    )
                    .await?;
                }
                Ok(())
            }

            async fn ping(&self) -> crate::Result<()> {
                sqlx::query("select 1").execute(&self.pool).await?;
                Ok(())
            }

            async fn ready(&self) -> crate::Result<bool> {
                let known = Self::MIGRATIONS.iter().map(|(version, _, _)| *version).max().unwrap_or(0);
                // Versions from 1000 are marks of run-once work, not migrations.
                let applied: Option<i64> =
                    sqlx::query_scalar("select max(version) from motcua_migrations where version < 1000")
                        .fetch_one(&self.pool)
                        .await?;
                Ok(applied.unwrap_or(0) >= known)
            }

            fn pool_connections(&self) -> (u32, u32) {
                (self.pool.size(), self.pool.num_idle() as u32)
            }

            async fn close(&self) {
                self.release_held().await;
                // A connection still taken (a listener kept by a wait that never ended) is not
                // waited for past a few seconds.
                let _ = tokio::time::timeout(std::time::Duration::from_secs(5), self.pool.close()).await;
            }

            async fn backup_into(&self, path: &str) -> crate::Result<()> {
                if $name != "sqlite" {
                    return Err(crate::StoreError::Config(
                        "PostgreSQL: sao lưu bằng pg_dump hoặc sao lưu cơ sở kèm WAL (docs/operations.md) \
                         / back PostgreSQL up with pg_dump or a base backup with WAL archiving"
                            .into(),
                    ));
                }
                sqlx::query("vacuum into $1").bind(path).execute(&self.pool).await?;
                Ok(())
            }
        }
    };
}

/// Revokes every API token of `$user_id` still valid, inside the open transaction `$tx`. The
/// store records the time it happened (local time of Asia/Ho_Chi_Minh, as every instant here).
macro_rules! revoke_all {
    ($tx:ident, $user_id:expr) => {{
        let now = chrono::Utc::now().naive_utc() + chrono::Duration::hours(7);
        sqlx::query("update api_tokens set revoked_at = $1 where user_id = $2 and revoked_at is null")
            .bind(now)
            .bind($user_id)
            .execute(&mut *$tx)
            .await?;
    }};
}

/// Inserts one delivery under `$outbox_id` inside the open transaction `$tx`, unless its
/// idempotency key exists; evaluates to the number of rows written (0 or 1).
/// Deliveries per INSERT statement: 15 values each, well inside both backends' limits.
const DELIVERY_ROWS_PER_INSERT: usize = 100;

/// `insert into deliveries … values (…), (…) on conflict do nothing` for `rows` rows of 15 values.
fn insert_deliveries_sql(rows: usize) -> String {
    let mut sql = String::from(
        "insert into deliveries (id, agency_id, dossier_id, outbox_id, channel, recipient, idempotency_key,
           essential, subject, body, body_html, call_script, status, attempts, next_attempt_at, created_at,
           updated_at) values ",
    );
    for r in 0..rows {
        let b = r * 15;
        let p = |i: usize| format!("${}", b + i);
        if r > 0 {
            sql.push_str(", ");
        }
        sql.push_str(&format!(
            "({}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, 'created', 0, {}, {}, {})",
            p(1),
            p(2),
            p(3),
            p(4),
            p(5),
            p(6),
            p(7),
            p(8),
            p(9),
            p(10),
            p(11),
            p(12),
            p(13),
            p(14),
            p(15)
        ));
    }
    sql.push_str(" on conflict (agency_id, idempotency_key) do nothing");
    sql
}

/// One UPDATE of `rows` deliveries' outcomes: (id, status, next attempt, answer) per row, then
/// the time.
fn finish_deliveries_sql(rows: usize) -> String {
    let case = |value: usize| {
        let arms: String = (0..rows).map(|r| format!(" when ${} then ${}", r * 4 + 1, r * 4 + value)).collect();
        format!("case id{arms} end")
    };
    let ids: Vec<String> = (0..rows).map(|r| format!("${}", r * 4 + 1)).collect();
    format!(
        "update deliveries set status = {}, next_attempt_at = coalesce({}, next_attempt_at), last_answer = {},
           locked_until = null, updated_at = ${} where agency_id = ${} and id in ({})",
        case(2),
        case(3),
        case(4),
        rows * 4 + 1,
        rows * 4 + 2,
        ids.join(", ")
    )
}

/// Binds one delivery's 15 values, in the order of [`insert_deliveries_sql`].
macro_rules! bind_delivery {
    ($q:expr, $outbox_id:expr, $d:expr, $now:expr) => {{
        let d = $d;
        $q.bind(d.id)
            .bind(d.agency_id)
            .bind(d.dossier_id)
            .bind($outbox_id)
            .bind(d.channel.as_str())
            .bind(&d.recipient)
            .bind(&d.idempotency_key)
            .bind(d.essential)
            .bind(&d.subject)
            .bind(&d.body)
            .bind(&d.body_html)
            .bind(&d.call_script)
            .bind($now)
            .bind($now)
            .bind($now)
    }};
}

/// Inserts one delivery unless its idempotency key exists; how many rows were new (0 or 1).
macro_rules! insert_delivery {
    ($tx:ident, $outbox_id:expr, $d:expr, $now:expr) => {{
        let sql = insert_deliveries_sql(1);
        bind_delivery!(sqlx::query(sqlx::AssertSqlSafe(sql)), $outbox_id, $d, $now)
            .execute(&mut *$tx)
            .await?
            .rows_affected()
    }};
}

macro_rules! call_task_columns {
    () => {
        "select id, agency_id, dossier_id, delivery_id, task_key, reason, phone, applicant, script, status, outcome, note,
           attempts, officer_id, created_at, updated_at from call_tasks"
    };
}

/// An event as stored.
#[derive(sqlx::FromRow)]
pub(crate) struct EventRow {
    id: Uuid,
    dossier_id: Uuid,
    kind: String,
    from_state: Option<String>,
    to_state: String,
    actor_id: Option<Uuid>,
    at: NaiveDateTime,
    data: String,
}

impl TryFrom<EventRow> for crate::EventRecord {
    type Error = StoreError;
    fn try_from(r: EventRow) -> Result<crate::EventRecord, StoreError> {
        event_record(r.id, r.dossier_id, r.kind, r.from_state, r.to_state, r.actor_id, r.at, r.data)
    }
}

/// An event as stored, parsed.
#[allow(clippy::too_many_arguments)]
pub(crate) fn event_record(
    id: Uuid,
    dossier_id: Uuid,
    kind: String,
    from: Option<String>,
    to: String,
    actor_id: Option<Uuid>,
    at: NaiveDateTime,
    data: String,
) -> Result<crate::EventRecord, StoreError> {
    let state =
        |s: &str| motcua_domain::dossier::State::parse(s).ok_or_else(|| StoreError::Corrupt(format!("state {s}")));
    let kind = EventKind::parse(&kind).ok_or_else(|| StoreError::Corrupt(format!("event kind {kind}")))?;
    let data = EventData::from_json(kind, serde_json::from_str(&data)?)
        .map_err(|e| StoreError::Corrupt(format!("event {id} ({kind}): {e}")))?;
    Ok(crate::EventRecord {
        id,
        dossier_id,
        kind,
        from_state: from.as_deref().map(state).transpose()?,
        to_state: state(&to)?,
        actor_id,
        at,
        data,
    })
}

/// `agency_id in ($n, …)` for `agencies` (no agency: nothing), their arguments appended to `args`.
pub(crate) fn agencies_in(agencies: &[Uuid], args: &mut Vec<Arg>) -> String {
    if agencies.is_empty() {
        return "1 = 0".into();
    }
    let mut ids = Vec::new();
    for a in agencies {
        args.push(Arg::Uuid(*a));
        ids.push(format!("${}", args.len()));
    }
    format!("agency_id in ({})", ids.join(", "))
}

/// The facts a period's report reads, as a FROM source named `dossier_facts` with `columns`, and
/// the arguments its placeholders number (`$1…`; the window's start and end are the last two).
///
/// `received_only`: the dossiers received in the window. Otherwise also those received before it
/// and not finished before its start, read as three disjoint parts, each a range of its own index:
/// received in the window (`dossier_facts_period`); received before and finished since the start,
/// or still open (`dossier_facts_open`). A single condition on everything received before the
/// cut-off would visit the whole history: 2 s for a month of a 10-million-dossier province.
pub(crate) fn facts_source(
    agencies: &[Uuid],
    start: NaiveDateTime,
    end: NaiveDateTime,
    received_only: bool,
    columns: &str,
) -> (String, Vec<Arg>) {
    let mut args = Vec::new();
    let agency = agencies_in(agencies, &mut args);
    args.push(Arg::Ts(start));
    let s = args.len();
    args.push(Arg::Ts(end));
    let e = args.len();
    let received =
        format!("select {columns} from dossier_facts where {agency} and received_at >= ${s} and received_at < ${e}");
    let source = if received_only {
        format!("({received}) dossier_facts")
    } else {
        format!(
            "({received}
              union all select {columns} from dossier_facts where {agency} and finished_at >= ${s} and received_at < ${s}
              union all select {columns} from dossier_facts where {agency} and finished_at is null and received_at < ${s}
             ) dossier_facts"
        )
    };
    (source, args)
}

/// The columns Biểu 06's count reads (all in both covering indexes).
pub(crate) const PLACEMENT_COLUMNS: &str = "field, unit, channel, received_at, finished_at, due_at, due_day_start, \
    first_request_at, first_received_at, second_request_at";

/// Biểu 06's placement of a dossier in SQL, for the window starting at placeholder `$s` with its
/// cut-off at `$e`: the received column and the outcome, as `DossierFacts::judge` and
/// `overdue_at` decide them (tested to agree on both backends).
pub(crate) fn placement_sql(s: usize, e: usize) -> (String, String) {
    let received = format!(
        "(case when received_at < ${s} then 'carried' when channel = 'online' then 'online' else 'direct' end)"
    );
    let outcome = format!(
        "(case when finished_at is not null and finished_at < ${e} then {INTRINSIC_OUTCOME}
          else
            case when second_request_at is not null and second_request_at < ${e} then 'overdue'
                 when first_request_at is not null and first_request_at < ${e}
                   and (first_received_at is null or first_received_at > ${e}) then
                   case when first_request_at > due_at then 'overdue' else 'within' end
                 when ${e} > due_at then 'overdue'
                 else 'within' end
          end)"
    );
    (received, outcome)
}

/// How Biểu 06 judges a finished dossier by its own dates: late, early or on time. Migration 13's
/// triggers write the same judgement into the day counts.
pub(crate) const INTRINSIC_OUTCOME: &str =
    "(case when (second_request_at is not null and second_request_at < finished_at)
        or finished_at > due_at then 'late'
     when finished_at < due_day_start then 'early'
     else 'on_time' end)";

const FACT_COLUMNS: &str =
    "dossier_id, agency_id, code, procedure_code, field, unit, channel, state, received_at, due_at,
    finished_at, supplements, reappointed, fees, result_electronic, documents_digitised, returned_online, steps";

#[derive(sqlx::FromRow)]
struct FactsRow {
    dossier_id: Uuid,
    agency_id: Uuid,
    code: Option<String>,
    procedure_code: String,
    field: String,
    unit: Option<String>,
    channel: String,
    state: String,
    received_at: Option<NaiveDateTime>,
    due_at: Option<NaiveDateTime>,
    finished_at: Option<NaiveDateTime>,
    supplements: String,
    reappointed: bool,
    fees: i64,
    result_electronic: bool,
    documents_digitised: bool,
    returned_online: bool,
    steps: String,
}

fn facts_from(r: FactsRow) -> Result<motcua_domain::dossier::DossierFacts, StoreError> {
    Ok(motcua_domain::dossier::DossierFacts {
        dossier_id: r.dossier_id,
        agency_id: r.agency_id,
        code: r.code,
        procedure_code: r.procedure_code,
        field: r.field,
        unit: r.unit,
        channel: motcua_domain::catalog::Channel::parse(&r.channel)
            .ok_or_else(|| StoreError::Corrupt(format!("channel {}", r.channel)))?,
        state: motcua_domain::dossier::State::parse(&r.state)
            .ok_or_else(|| StoreError::Corrupt(format!("state {}", r.state)))?,
        received_at: r.received_at,
        due_at: r.due_at,
        finished_at: r.finished_at,
        supplements: serde_json::from_str(&r.supplements)?,
        reappointed: r.reappointed,
        fees: r.fees as u64,
        result_electronic: r.result_electronic,
        documents_digitised: r.documents_digitised,
        returned_online: r.returned_online,
        steps: serde_json::from_str(&r.steps)?,
    })
}

macro_rules! evaluation_columns {
    () => {
        "select e.dossier_id, e.agency_id, e.overall, e.answers, e.comment, e.channel, e.created_at, e.updated_at
         from evaluations e"
    };
}

type EvaluationRow = (Uuid, Uuid, String, String, Option<String>, String, NaiveDateTime, NaiveDateTime);

fn evaluation_from(r: EvaluationRow) -> Result<motcua_domain::evaluation::Evaluation, StoreError> {
    let (dossier_id, agency_id, overall, answers, comment, channel, created_at, updated_at) = r;
    Ok(motcua_domain::evaluation::Evaluation {
        dossier_id,
        agency_id,
        overall: motcua_domain::evaluation::Overall::parse(&overall)
            .ok_or_else(|| StoreError::Corrupt(format!("evaluation {overall}")))?,
        answers: serde_json::from_str(&answers)?,
        comment,
        channel,
        created_at,
        updated_at,
    })
}

/// Writes the dossier's facts (`Dossier::facts`) inside the open transaction `$tx`.
macro_rules! upsert_facts {
    ($tx:ident, $sql:expr, $d:expr) => {{
        bind_facts!(sqlx::query($sql), &$d.facts(), $d.procedure_version_id).execute(&mut *$tx).await?;
    }};
}

macro_rules! user_columns {
    () => {
        "select id, agency_id, username, full_name, password_hash, citizen, phone, email, active from users"
    };
}

/// The rows a change to a dossier writes, each statement written once with `$1`-based
/// placeholders: [`Batched`] joins them so that each write is one round trip.
const INSERT_DOSSIER: &str = "insert into dossiers (id, agency_id, code, state, channel, procedure_id, current_unit,
       assignee, citizen_user_id, phone_last4, received_at, due_at, finished_at, version, doc, created_at, updated_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)";
const INSERT_EVENT: &str =
    "insert into dossier_events (id, agency_id, dossier_id, kind, from_state, to_state, actor_id, at, data)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
const INSERT_OUTBOX: &str = "insert into outbox (id, agency_id, dossier_id, event_id, kind, payload, created_at)
     values ($1, $2, $3, $4, $5, $6, $7)";
/// The field's name comes from the catalog, through the procedure version the dossier uses.
const INSERT_FACTS: &str =
    "insert into dossier_facts (dossier_id, agency_id, code, procedure_code, field, unit, channel,
       state, received_at, due_at, finished_at, supplements, reappointed, fees, result_electronic,
       documents_digitised, returned_online, first_request_at, first_received_at, second_request_at,
       due_day_start, steps)
     values ($1, $2, $3, $4, coalesce(
       (select f.name from procedure_versions pv join fields f on f.agency_id = pv.agency_id and f.code = pv.field
        where pv.id = $5),
       (select field from procedure_versions where id = $5), ''), $6, $7, $8,
       $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)";
const UPSERT_FACTS_TAIL: &str = " on conflict (agency_id, dossier_id) do update set code = excluded.code,
       field = excluded.field, unit = excluded.unit, state = excluded.state, received_at = excluded.received_at,
       due_at = excluded.due_at, finished_at = excluded.finished_at,
       supplements = excluded.supplements, reappointed = excluded.reappointed,
       first_request_at = excluded.first_request_at, first_received_at = excluded.first_received_at,
       second_request_at = excluded.second_request_at, due_day_start = excluded.due_day_start,
       fees = excluded.fees, result_electronic = excluded.result_electronic,
       documents_digitised = excluded.documents_digitised, returned_online = excluded.returned_online,
       steps = excluded.steps";

/// The statements of one write joined into one round trip, their placeholders numbered on
/// (`$1`… of the second statement become `$n+1`…): SQLite runs a list of statements in one call
/// (each binds the arguments it names); PostgreSQL runs one statement, all but the last
/// statement as `with` parts (the foreign keys are checked at its end).
#[derive(Debug)]
pub(crate) struct Batched {
    /// A new dossier, its first event, the event's outbox row and its facts.
    pub new_dossier: String,
    /// A change's event, its outbox row and the dossier's facts (after the dossier's update).
    pub change: String,
    /// A dossier's facts, written or rewritten.
    pub facts: String,
    /// The day's next dossier number (`$1` agency, `$2` day), then the year's next number of a
    /// form (`$3` agency, `$4` year, `$5` kind): two rows, in that order.
    pub numbers: String,
}

impl Batched {
    fn new(postgres: bool) -> Batched {
        let upsert = format!("{INSERT_FACTS}{UPSERT_FACTS_TAIL}");
        Batched {
            new_dossier: join(postgres, &[INSERT_DOSSIER, INSERT_EVENT, INSERT_OUTBOX, INSERT_FACTS]),
            change: join(postgres, &[INSERT_EVENT, INSERT_OUTBOX, &upsert]),
            facts: upsert,
            numbers: numbers(postgres),
        }
    }
}

/// [`Batched::numbers`]: SQLite runs the two upserts as a list and returns each one's row;
/// PostgreSQL runs them as `with` parts of one select.
fn numbers(postgres: bool) -> String {
    let (form, _) = renumber(NEXT_NUMBER, 2);
    if postgres {
        format!(
            "with s as ({NEXT_SEQUENCE}), n as ({form})
             select last_value from (select 0 as k, last_value from s union all select 1, last_value from n) t
             order by k"
        )
    } else {
        format!("{NEXT_SEQUENCE};\n{form}")
    }
}

/// `statements` as one round trip (see [`Batched`]).
fn join(postgres: bool, statements: &[&str]) -> String {
    let mut offset = 0;
    let mut parts = Vec::new();
    for sql in statements {
        let (renumbered, count) = renumber(sql, offset);
        parts.push(renumbered);
        offset += count;
    }
    if !postgres {
        return parts.join(";\n");
    }
    let last = parts.pop().unwrap_or_default();
    let with: Vec<String> = parts.iter().enumerate().map(|(i, p)| format!("write_{i} as ({p})")).collect();
    if with.is_empty() { last } else { format!("with {} {last}", with.join(", ")) }
}

/// `sql` with each `$n` made `$(n + offset)`, and its highest `n`.
fn renumber(sql: &str, offset: usize) -> (String, usize) {
    let mut out = String::with_capacity(sql.len() + 16);
    let mut highest = 0;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        if c != '$' {
            continue;
        }
        let mut digits = String::new();
        while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
            digits.push(*d);
            chars.next();
        }
        if let Ok(n) = digits.parse::<usize>() {
            highest = highest.max(n);
            out.push_str(&(n + offset).to_string());
        } else {
            out.push_str(&digits);
        }
    }
    (out, highest)
}

static SQLITE_BATCHED: std::sync::LazyLock<Batched> = std::sync::LazyLock::new(|| Batched::new(false));
static PG_BATCHED: std::sync::LazyLock<Batched> = std::sync::LazyLock::new(|| Batched::new(true));

impl SqliteStore {
    pub(crate) fn batched() -> &'static Batched {
        &SQLITE_BATCHED
    }

    const MIGRATIONS: &'static [crate::migrate::Migration] = crate::migrate::SQLITE;
}

impl PgStore {
    pub(crate) fn batched() -> &'static Batched {
        &PG_BATCHED
    }

    const MIGRATIONS: &'static [crate::migrate::Migration] = crate::migrate::POSTGRES;
}

/// Binds an event and its outbox row (`$e` of dossier `$d`, ids `$event_id` and `$outbox_id`) in
/// the order of the event and outbox inserts.
macro_rules! bind_event {
    ($q:expr, $d:expr, $e:expr, $event_id:expr) => {{
        $q.bind($event_id)
            .bind($d.agency_id)
            .bind($d.id)
            .bind($e.kind().as_str())
            .bind($e.from_state.map(|s| s.as_str()))
            .bind($e.to_state.as_str())
            .bind($e.actor_id)
            .bind($e.at)
            .bind(serde_json::to_string(&$e.data.to_json())?)
            .bind(Uuid::now_v7())
            .bind($d.agency_id)
            .bind($d.id)
            .bind($event_id)
            .bind(format!("dossier.{}", $e.kind()))
            // The row refers to its event (event_id): the worker reads the typed event and the
            // dossier themselves, so nothing here is picked apart by name.
            .bind(serde_json::json!({ "event": $e.kind().as_str() }).to_string())
            .bind($e.at)
    }};
}

/// Writes a new dossier with its first event, outbox row and facts in the transaction `$tx`,
/// in one round trip (`$sql`: the backend's [`Batched::new_dossier`]); the event's id.
macro_rules! insert_dossier_rows {
    ($tx:ident, $sql:expr, $t:expr) => {{
        let t: &motcua_domain::dossier::Transition = $t;
        let d = &t.dossier;
        let event_id = Uuid::now_v7();
        let q = sqlx::query($sql)
            .bind(d.id)
            .bind(d.agency_id)
            .bind(d.code.as_ref().map(|c| c.as_str().to_owned()))
            .bind(d.state.as_str())
            .bind(d.channel.as_str())
            .bind(d.procedure_id)
            .bind(d.step().map(|s| s.unit.clone()))
            .bind(d.assignee)
            .bind(d.citizen_user_id)
            .bind(d.phone_last4())
            .bind(d.received_at)
            .bind(d.due_at)
            .bind(d.finished_at)
            .bind(d.version)
            .bind(serde_json::to_string(d)?)
            .bind(t.event.at)
            .bind(t.event.at);
        let q = bind_event!(q, d, &t.event, event_id);
        bind_facts!(q, &d.facts(), d.procedure_version_id).execute(&mut *$tx).await?;
        event_id
    }};
}

/// Takes the next number of an agency's day (`$1` agency, `$2` day).
pub(crate) const NEXT_SEQUENCE: &str = "insert into dossier_sequences (agency_id, day, last_value) values ($1, $2, 1)
     on conflict (agency_id, day) do update set last_value = dossier_sequences.last_value + 1
     returning last_value";

pub(crate) const NEXT_NUMBER: &str = "insert into number_sequences (agency_id, year, kind, last_value)
     values ($1, $2, $3, 1)
     on conflict (agency_id, year, kind) do update set last_value = number_sequences.last_value + 1
     returning last_value";

/// A signed-in user with their grants, one row per grant (none: one row of nulls), in one round
/// trip: every authenticated request reads this.
macro_rules! actor_columns {
    () => {
        "select u.id, u.full_name, u.citizen, g.role, g.agency_id, g.unit_code
         from users u left join role_grants g on g.user_id = u.id"
    };
}

macro_rules! delivery_columns {
    () => {
        concat!("select ", delivery_fields!(), " from deliveries")
    };
}

fn delivery_status(s: String) -> crate::Result<crate::DeliveryStatus> {
    crate::DeliveryStatus::try_from(s).map_err(StoreError::Corrupt)
}

fn delivery_channel(s: String) -> crate::Result<crate::DeliveryChannel> {
    crate::DeliveryChannel::try_from(s).map_err(StoreError::Corrupt)
}

type OutboxRow = (Uuid, Option<Uuid>, Option<Uuid>, String, String, NaiveDateTime, Option<NaiveDateTime>);

fn outbox_from(r: OutboxRow) -> Result<crate::OutboxMessage, StoreError> {
    let (id, dossier_id, event_id, kind, payload, created_at, done_at) = r;
    Ok(crate::OutboxMessage {
        id,
        dossier_id,
        event_id,
        kind,
        payload: serde_json::from_str(&payload)?,
        created_at,
        done_at,
    })
}

fn agency_from(r: (Uuid, Option<Uuid>, String, String, String)) -> Result<Agency, StoreError> {
    let (id, parent_id, code, name, level) = r;
    Ok(Agency {
        id,
        parent_id,
        code: motcua_domain::types::AgencyCode::parse(&code).map_err(StoreError::Corrupt)?,
        name,
        level: parse_level(&level)?,
    })
}

impl_store!(SqliteStore, "sqlite");
impl_store!(PgStore, "postgres");

// One module per role trait, after the shared macros above (which they expand).
mod catalog;
mod deliveries;
mod dossiers;
mod edge;
mod evidence;
mod feedback;
mod jobs;
mod messages;
mod org;
mod payments;
mod portal_inbox;
mod quality;
mod report06;
mod sessions;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joined_statements_number_their_placeholders_on() {
        assert_eq!(renumber("values ($1, $2, $12), $2", 10), ("values ($11, $12, $22), $12".to_owned(), 12));
        assert_eq!(renumber("price $ and $x", 3), ("price $ and $x".to_owned(), 0));
        let a = "insert into a values ($1, $2)";
        let b = "insert into b values ($1)";
        assert_eq!(join(false, &[a, b]), "insert into a values ($1, $2);\ninsert into b values ($3)");
        assert_eq!(join(true, &[a, b]), "with write_0 as (insert into a values ($1, $2)) insert into b values ($3)");
        // A new dossier binds 17 + 9 + 7 + 22 arguments, the change 9 + 7 + 22.
        let new = Batched::new(false).new_dossier;
        assert!(new.contains("$55") && !new.contains("$56"));
        let change = Batched::new(true).change;
        assert!(change.contains("$38") && !change.contains("$39") && change.contains("on conflict"));
    }
}
