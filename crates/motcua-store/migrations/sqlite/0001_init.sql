-- motcua schema, SQLite flavour. Every row carries its agency_id (the sharding key on
-- distributed PostgreSQL). Times are local times of the agency's calendar zone
-- (Asia/Ho_Chi_Minh by default), stored as ISO text; UUIDs as 16-byte blobs; documents as JSON text.

create table agencies (
    id blob primary key,
    agency_id blob not null,            -- the agency itself
    parent_id blob references agencies (id),
    code text not null unique,          -- national electronic identifier, e.g. 000.00.17.H34
    name text not null,
    level text not null,
    calendar_toml text,                 -- the agency's own calendar file, if any
    created_at text not null default (strftime('%Y-%m-%d %H:%M:%S', 'now'))
);

create table units (
    id blob primary key,
    agency_id blob not null references agencies (id),
    code text not null,
    name text not null,
    unique (agency_id, code)
);

create table users (
    id blob primary key,
    agency_id blob references agencies (id),   -- null for citizen accounts
    username text not null unique,
    full_name text not null,
    password_hash text not null,
    citizen integer not null default 0,
    phone text,
    email text,
    active integer not null default 1,
    created_at text not null default (strftime('%Y-%m-%d %H:%M:%S', 'now'))
);

create table role_grants (
    id blob primary key,
    agency_id blob not null references agencies (id),
    user_id blob not null references users (id),
    role text not null,
    unit_code text
);
create index role_grants_user on role_grants (user_id);

create table api_tokens (
    id blob primary key,
    agency_id blob references agencies (id),
    user_id blob not null references users (id),
    token_hash text not null unique,    -- SHA-256 of the token; the token itself is never stored
    name text not null,
    created_at text not null default (strftime('%Y-%m-%d %H:%M:%S', 'now')),
    revoked_at text
);

create table fields (
    agency_id blob not null references agencies (id),
    code text not null,
    name text not null,
    primary key (agency_id, code)
);

create table procedures (
    id blob primary key,
    agency_id blob not null references agencies (id),
    code text not null,
    unique (agency_id, code)
);

create table procedure_versions (
    id blob primary key,
    agency_id blob not null references agencies (id),
    procedure_id blob not null references procedures (id),
    version integer not null,
    is_current integer not null,
    code text not null,
    field text not null,
    name_fold text not null,            -- folded name: lowercase, no diacritics, đ → d
    search_text text not null,          -- folded name, code, field and result
    spec text not null,                 -- the ProcedureSpec as JSON
    created_at text not null default (strftime('%Y-%m-%d %H:%M:%S', 'now')),
    unique (procedure_id, version)
);
create index procedure_versions_current on procedure_versions (is_current, field);

create table dossier_sequences (
    agency_id blob not null references agencies (id),
    day text not null,
    last_value integer not null,
    primary key (agency_id, day)
);

create table dossiers (
    id blob primary key,
    agency_id blob not null references agencies (id),
    code text unique,
    state text not null,
    channel text not null,
    procedure_id blob not null references procedures (id),
    current_unit text,
    assignee blob,
    citizen_user_id blob,
    phone_last4 text not null,
    received_at text,
    due_at text,
    finished_at text,
    version integer not null,
    doc text not null,                  -- the whole Dossier as JSON
    created_at text not null,
    updated_at text not null
);
create index dossiers_agency_state on dossiers (agency_id, state);
create index dossiers_due on dossiers (agency_id, finished_at, due_at);
create index dossiers_citizen on dossiers (citizen_user_id);

-- Immutable: rows are only ever inserted.
create table dossier_events (
    id blob primary key,
    agency_id blob not null references agencies (id),
    dossier_id blob not null references dossiers (id),
    kind text not null,
    from_state text,
    to_state text not null,
    actor_id blob,
    at text not null,
    data text not null
);
create index dossier_events_dossier on dossier_events (dossier_id, at);

-- Messages to deliver (SMS, email) after the transaction that caused them commits.
create table outbox (
    id blob primary key,
    agency_id blob not null references agencies (id),
    dossier_id blob references dossiers (id),
    event_id blob,
    kind text not null,
    payload text not null,
    created_at text not null,
    attempts integer not null default 0,
    done_at text
);
create index outbox_pending on outbox (done_at, created_at);

create table files (
    agency_id blob not null references agencies (id),
    sha256 text not null,
    name text not null,
    content_type text not null,
    size integer not null,
    created_at text not null default (strftime('%Y-%m-%d %H:%M:%S', 'now')),
    primary key (agency_id, sha256)
);

create table audit_log (
    id blob primary key,
    agency_id blob,
    actor_id blob,
    action text not null,
    object text not null,
    at text not null,
    data text not null
);

create table rate_limits (
    agency_id blob,                     -- null: installation-wide
    key text not null,
    window_start integer not null,
    hits integer not null,
    primary key (key, window_start)
);
