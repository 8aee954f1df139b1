//! How far the schema is from being distributed by agency on Citus
//! (`create_distributed_table(t, 'agency_id')` needs every primary and unique key of `t` to
//! include `agency_id`). The live PostgreSQL schema, after every migration, is read and compared
//! with the list below of what is not ready yet (`docs/ARCHITECTURE.md`, "Sharding by agency").
//! The test fails when a table or key is added that is not ready and not listed, and when one on
//! the list has been made ready (so that the list, and the document, shrink with the work).

use std::collections::BTreeSet;

use motcua_store::testing::TestDb;

/// Tables that are not per agency: run bookkeeping and the shared rate-limit counters. On Citus
/// they are local tables of the coordinator.
const NOT_PER_AGENCY: &[&str] = &["motcua_migrations", "rate_limits"];

/// Small tables every agency's rows refer to, and that are read without knowing the agency: the
/// organisation (a citizen's account, a session or an API token is found by its own key before
/// any agency is known), the catalog (a procedure is found by its national code), the message
/// templates and the frozen reports. On Citus they are reference tables, copied to every node, so
/// their keys need not name the agency. They grow with the organisation, never with dossiers.
const REFERENCE: &[&str] = &[
    "agencies",
    "api_tokens",
    "fields",
    "message_templates",
    "procedure_versions",
    "procedures",
    "report_snapshots",
    "role_grants",
    "units",
    "users",
    "web_sessions",
];

/// Keys of distributed tables (those that grow with dossiers) still without `agency_id`:
/// (table, key's columns). The audit log keeps entries that belong to no agency (a citizen's
/// sign-up); issue 19 makes it a hash chain per agency, which settles its key.
const KEYS_NOT_READY: &[(&str, &str)] = &[("audit_log", "id")];

#[tokio::test]
async fn the_keys_that_stop_distribution_by_agency_are_the_documented_ones() {
    let db = TestDb::postgres().await;
    let url = db.url.clone();
    let pool = sqlx::PgPool::connect(&url).await.unwrap();
    let tables: Vec<(String,)> = sqlx::query_as(
        "select table_name::text from information_schema.tables
         where table_schema = 'public' and table_type = 'BASE TABLE' order by 1",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let with_agency: BTreeSet<String> = sqlx::query_as::<_, (String,)>(
        "select table_name::text from information_schema.columns
         where table_schema = 'public' and column_name = 'agency_id'",
    )
    .fetch_all(&pool)
    .await
    .unwrap()
    .into_iter()
    .map(|(t,)| t)
    .collect();
    // Every primary and unique key (constraints and unique indexes), with its columns in order.
    let keys: Vec<(String, String)> = sqlx::query_as(
        "select t.relname::text, string_agg(a.attname::text, ',' order by k.ord)
         from pg_index i
         join pg_class t on t.oid = i.indrelid
         join pg_namespace n on n.oid = t.relnamespace and n.nspname = 'public'
         cross join lateral unnest(i.indkey) with ordinality as k(attnum, ord)
         join pg_attribute a on a.attrelid = t.oid and a.attnum = k.attnum
         where i.indisunique
         group by t.relname, i.indexrelid",
    )
    .fetch_all(&pool)
    .await
    .unwrap();

    let mut missing_column = Vec::new();
    for (t,) in &tables {
        if !NOT_PER_AGENCY.contains(&t.as_str()) && !with_agency.contains(t) && t != "agencies" {
            missing_column.push(t.clone());
        }
    }
    assert!(missing_column.is_empty(), "tables without agency_id (every row must carry it): {missing_column:?}");

    let not_ready: BTreeSet<(String, String)> = keys
        .into_iter()
        .filter(|(t, _)| !NOT_PER_AGENCY.contains(&t.as_str()) && !REFERENCE.contains(&t.as_str()))
        .filter(|(_, cols)| !cols.split(',').any(|c| c == "agency_id"))
        .collect();
    let listed: BTreeSet<(String, String)> =
        KEYS_NOT_READY.iter().map(|(t, c)| ((*t).to_owned(), (*c).to_owned())).collect();
    let new: Vec<_> = not_ready.difference(&listed).collect();
    let fixed: Vec<_> = listed.difference(&not_ready).collect();
    assert!(new.is_empty(), "keys without agency_id that are not documented (add agency_id to them): {new:?}");
    // A foreign key between two distributed tables must name the agency (Citus co-locates one
    // agency's rows; a key across agencies cannot be checked on one node).
    let foreign: Vec<(String, String, String)> = sqlx::query_as(
        "select c.conrelid::regclass::text, c.confrelid::regclass::text,
                string_agg(a.attname::text, ',' order by k.ord)
         from pg_constraint c
         join pg_namespace n on n.oid = c.connamespace and n.nspname = 'public'
         cross join lateral unnest(c.conkey) with ordinality as k(attnum, ord)
         join pg_attribute a on a.attrelid = c.conrelid and a.attnum = k.attnum
         where c.contype = 'f'
         group by c.oid, c.conrelid, c.confrelid",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let distributed = |t: &str| !NOT_PER_AGENCY.contains(&t) && !REFERENCE.contains(&t);
    let across: Vec<_> = foreign
        .iter()
        .filter(|(from, to, cols)| distributed(from) && distributed(to) && !cols.split(',').any(|c| c == "agency_id"))
        .collect();
    assert!(across.is_empty(), "foreign keys between distributed tables without agency_id: {across:?}");
    assert!(
        foreign
            .iter()
            .any(|(from, to, cols)| from == "dossier_events" && to == "dossiers" && cols == "agency_id,dossier_id")
    );
    assert!(fixed.is_empty(), "keys now ready: remove them from KEYS_NOT_READY and docs/ARCHITECTURE.md: {fixed:?}");
}
