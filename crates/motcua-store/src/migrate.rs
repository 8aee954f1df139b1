//! A small migrator: each backend lists its plain-SQL files, embedded in the binary, and applies
//! the ones not yet recorded in `motcua_migrations`, each in its own transaction.

/// (version, name, SQL)
pub type Migration = (i64, &'static str, &'static str);

pub const SQLITE: &[Migration] = &[
    (1, "init", include_str!("../migrations/sqlite/0001_init.sql")),
    (2, "sessions", include_str!("../migrations/sqlite/0002_sessions.sql")),
    (3, "procedure_filters", include_str!("../migrations/sqlite/0003_procedure_filters.sql")),
    (4, "deliveries", include_str!("../migrations/sqlite/0004_deliveries.sql")),
    (5, "messages", include_str!("../migrations/sqlite/0005_messages.sql")),
    (6, "quality", include_str!("../migrations/sqlite/0006_quality.sql")),
    (7, "scale", include_str!("../migrations/sqlite/0007_scale.sql")),
    (8, "security", include_str!("../migrations/sqlite/0008_security.sql")),
    (9, "outbox_claims", include_str!("../migrations/sqlite/0009_outbox_claims.sql")),
    (10, "procedure_dates", include_str!("../migrations/sqlite/0010_procedure_dates.sql")),
    (11, "keys_by_agency", include_str!("../migrations/sqlite/0011_keys_by_agency.sql")),
    (12, "backfill_job", include_str!("../migrations/sqlite/0012_backfill_job.sql")),
    (13, "day_counts", include_str!("../migrations/sqlite/0013_day_counts.sql")),
    (14, "claims_by_agency", include_str!("../migrations/sqlite/0014_claims_by_agency.sql")),
    // 15 is PostgreSQL's alone (see below); the numbers stay the same on both.
    (16, "form_numbers", include_str!("../migrations/sqlite/0016_form_numbers.sql")),
    (17, "portal_inbox", include_str!("../migrations/sqlite/0017_portal_inbox.sql")),
    (18, "procedure_drafts", include_str!("../migrations/sqlite/0018_procedure_drafts.sql")),
    (19, "feedback", include_str!("../migrations/sqlite/0019_feedback.sql")),
    (20, "hotline_calls", include_str!("../migrations/sqlite/0020_hotline_calls.sql")),
    (21, "attendance", include_str!("../migrations/sqlite/0021_attendance.sql")),
    (22, "feedback_links", include_str!("../migrations/sqlite/0022_feedback_links.sql")),
    (23, "payments", include_str!("../migrations/sqlite/0023_payments.sql")),
    (24, "receipt_signatures", include_str!("../migrations/sqlite/0024_receipt_signatures.sql")),
    (25, "append_only", include_str!("../migrations/sqlite/0025_append_only.sql")),
    (26, "chain_links", include_str!("../migrations/sqlite/0026_chain_links.sql")),
    (27, "chain_anchors", include_str!("../migrations/sqlite/0027_chain_anchors.sql")),
];
pub const POSTGRES: &[Migration] = &[
    (1, "init", include_str!("../migrations/postgres/0001_init.sql")),
    (2, "sessions", include_str!("../migrations/postgres/0002_sessions.sql")),
    (3, "procedure_filters", include_str!("../migrations/postgres/0003_procedure_filters.sql")),
    (4, "deliveries", include_str!("../migrations/postgres/0004_deliveries.sql")),
    (5, "messages", include_str!("../migrations/postgres/0005_messages.sql")),
    (6, "quality", include_str!("../migrations/postgres/0006_quality.sql")),
    (7, "scale", include_str!("../migrations/postgres/0007_scale.sql")),
    (8, "security", include_str!("../migrations/postgres/0008_security.sql")),
    (9, "outbox_claims", include_str!("../migrations/postgres/0009_outbox_claims.sql")),
    (10, "procedure_dates", include_str!("../migrations/postgres/0010_procedure_dates.sql")),
    (11, "keys_by_agency", include_str!("../migrations/postgres/0011_keys_by_agency.sql")),
    (12, "backfill_job", include_str!("../migrations/postgres/0012_backfill_job.sql")),
    (13, "day_counts", include_str!("../migrations/postgres/0013_day_counts.sql")),
    (14, "claims_by_agency", include_str!("../migrations/postgres/0014_claims_by_agency.sql")),
    // SQLite kept its primary keys on the id (it is never distributed): nothing to drop there.
    (15, "reads_by_agency", include_str!("../migrations/postgres/0015_reads_by_agency.sql")),
    (16, "form_numbers", include_str!("../migrations/postgres/0016_form_numbers.sql")),
    (17, "portal_inbox", include_str!("../migrations/postgres/0017_portal_inbox.sql")),
    (18, "procedure_drafts", include_str!("../migrations/postgres/0018_procedure_drafts.sql")),
    (19, "feedback", include_str!("../migrations/postgres/0019_feedback.sql")),
    (20, "hotline_calls", include_str!("../migrations/postgres/0020_hotline_calls.sql")),
    (21, "attendance", include_str!("../migrations/postgres/0021_attendance.sql")),
    (22, "feedback_links", include_str!("../migrations/postgres/0022_feedback_links.sql")),
    (23, "payments", include_str!("../migrations/postgres/0023_payments.sql")),
    (24, "receipt_signatures", include_str!("../migrations/postgres/0024_receipt_signatures.sql")),
    (25, "append_only", include_str!("../migrations/postgres/0025_append_only.sql")),
    (26, "chain_links", include_str!("../migrations/postgres/0026_chain_links.sql")),
    (27, "chain_anchors", include_str!("../migrations/postgres/0027_chain_anchors.sql")),
];

/// The back-fill of dossier facts after migration 6, a run-once job per agency in `job_runs`
/// (once an agency's dossiers all have their facts row, a start-up does not look again among
/// its millions of dossiers). Migration 12 carries over the old mark (version 1006 in
/// `motcua_migrations`).
pub const FACTS_BACKFILL_JOB: &str = "facts-backfill";
pub const FACTS_BACKFILL_KEY: &str = "6";

pub const CREATE_TABLE: &str = "create table if not exists motcua_migrations (
    version bigint primary key,
    name text not null,
    applied_at text not null
)";
