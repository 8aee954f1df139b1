//! How far the schema is from being distributed by agency on Citus
//! (`create_distributed_table(t, 'agency_id')` needs every primary and unique key of `t` to
//! include `agency_id`). The live PostgreSQL schema, after every migration, is read and compared
//! with the list below of what is not ready yet (`docs/ARCHITECTURE.md`, "Sharding by agency").
//! The test fails when a table or key is added that is not ready and not listed, and when one on
//! the list has been made ready (so that the list, and the document, shrink with the work).

use std::collections::BTreeSet;

use motcua_store::testing::TestDb;

/// Tables that are not per agency: reference data every agency reads, run bookkeeping, the
/// shared rate-limit counters. On Citus they are reference or local tables.
const NOT_PER_AGENCY: &[&str] = &["motcua_migrations", "fields", "rate_limits"];

/// Primary and unique keys without `agency_id`, as of issue 13: (table, key's columns). Each must
/// gain `agency_id` before the table can be distributed (`agencies` itself becomes a reference
/// table or is distributed by its own id).
const KEYS_NOT_READY: &[(&str, &str)] = &[
    ("agencies", "code"),
    ("agencies", "id"),
    ("api_tokens", "id"),
    ("api_tokens", "token_hash"),
    ("audit_log", "id"),
    ("call_tasks", "id"),
    ("call_tasks", "task_key"),
    ("deliveries", "id"),
    ("deliveries", "idempotency_key"),
    ("dossier_events", "id"),
    ("dossier_facts", "dossier_id"),
    ("dossiers", "code"),
    ("dossiers", "id"),
    ("evaluations", "dossier_id"),
    ("message_templates", "id"),
    ("outbox", "id"),
    ("procedure_versions", "id"),
    ("procedure_versions", "procedure_id,version"),
    ("procedures", "id"),
    ("report_snapshots", "id"),
    ("role_grants", "id"),
    ("survey_responses", "id"),
    ("units", "id"),
    ("users", "id"),
    ("users", "username"),
    ("web_sessions", "token_hash"),
];

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
        .filter(|(t, cols)| !NOT_PER_AGENCY.contains(&t.as_str()) && !cols.split(',').any(|c| c == "agency_id"))
        .collect();
    let listed: BTreeSet<(String, String)> =
        KEYS_NOT_READY.iter().map(|(t, c)| ((*t).to_owned(), (*c).to_owned())).collect();
    let new: Vec<_> = not_ready.difference(&listed).collect();
    let fixed: Vec<_> = listed.difference(&not_ready).collect();
    assert!(new.is_empty(), "keys without agency_id that are not documented (add agency_id to them): {new:?}");
    assert!(fixed.is_empty(), "keys now ready: remove them from KEYS_NOT_READY and docs/ARCHITECTURE.md: {fixed:?}");
}
