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
];

/// Recorded in `motcua_migrations` once every dossier has its facts row (the back-fill after
/// migration 6), so a start-up does not look for missing facts among millions of dossiers.
pub const FACTS_BACKFILLED: i64 = 1006;

pub const CREATE_TABLE: &str = "create table if not exists motcua_migrations (
    version bigint primary key,
    name text not null,
    applied_at text not null
)";
