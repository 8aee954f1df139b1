-- motcua schema, PostgreSQL flavour. Every row carries its agency_id (the sharding key on
-- distributed PostgreSQL). Times are local times of the agency's calendar zone
-- (Asia/Ho_Chi_Minh by default), stored as ISO text; UUIDs as 16-byte uuids; documents as JSON text.

create table agencies (
    id uuid primary key,
    agency_id uuid not null,            -- the agency itself
    parent_id uuid references agencies (id),
    code text not null unique,          -- national electronic identifier, e.g. 000.00.17.H34
    name text not null,
    level text not null,
    calendar_toml text,                 -- the agency's own calendar file, if any
    created_at timestamp not null default (now() at time zone 'Asia/Ho_Chi_Minh')
);

create table units (
    id uuid primary key,
    agency_id uuid not null references agencies (id),
    code text not null,
    name text not null,
    unique (agency_id, code)
);

create table users (
    id uuid primary key,
    agency_id uuid references agencies (id),   -- null for citizen accounts
    username text not null unique,
    full_name text not null,
    password_hash text not null,
    citizen boolean not null default false,
    phone text,
    email text,
    active boolean not null default true,
    created_at timestamp not null default (now() at time zone 'Asia/Ho_Chi_Minh')
);

create table role_grants (
    id uuid primary key,
    agency_id uuid not null references agencies (id),
    user_id uuid not null references users (id),
    role text not null,
    unit_code text
);
create index role_grants_user on role_grants (user_id);

create table api_tokens (
    id uuid primary key,
    agency_id uuid references agencies (id),
    user_id uuid not null references users (id),
    token_hash text not null unique,    -- SHA-256 of the token; the token itself is never stored
    name text not null,
    created_at timestamp not null default (now() at time zone 'Asia/Ho_Chi_Minh'),
    revoked_at timestamp
);

create table fields (
    agency_id uuid not null references agencies (id),
    code text not null,
    name text not null,
    primary key (agency_id, code)
);

create table procedures (
    id uuid primary key,
    agency_id uuid not null references agencies (id),
    code text not null,
    unique (agency_id, code)
);

create table procedure_versions (
    id uuid primary key,
    agency_id uuid not null references agencies (id),
    procedure_id uuid not null references procedures (id),
    version bigint not null,
    is_current boolean not null,
    code text not null,
    field text not null,
    name_fold text not null,            -- folded name: lowercase, no diacritics, đ → d
    search_text text not null,          -- folded name, code, field and result
    spec text not null,                 -- the ProcedureSpec as JSON
    created_at timestamp not null default (now() at time zone 'Asia/Ho_Chi_Minh'),
    unique (procedure_id, version)
);
create index procedure_versions_current on procedure_versions (is_current, field);

create table dossier_sequences (
    agency_id uuid not null references agencies (id),
    day date not null,
    last_value bigint not null,
    primary key (agency_id, day)
);

create table dossiers (
    id uuid primary key,
    agency_id uuid not null references agencies (id),
    code text unique,
    state text not null,
    channel text not null,
    procedure_id uuid not null references procedures (id),
    current_unit text,
    assignee uuid,
    citizen_user_id uuid,
    phone_last4 text not null,
    received_at timestamp,
    due_at timestamp,
    finished_at timestamp,
    version bigint not null,
    doc text not null,                  -- the whole Dossier as JSON
    created_at timestamp not null,
    updated_at timestamp not null
);
create index dossiers_agency_state on dossiers (agency_id, state);
create index dossiers_due on dossiers (agency_id, finished_at, due_at);
create index dossiers_citizen on dossiers (citizen_user_id);

-- Immutable: rows are only ever inserted.
create table dossier_events (
    id uuid primary key,
    agency_id uuid not null references agencies (id),
    dossier_id uuid not null references dossiers (id),
    kind text not null,
    from_state text,
    to_state text not null,
    actor_id uuid,
    at timestamp not null,
    data text not null
);
create index dossier_events_dossier on dossier_events (dossier_id, at);

-- Messages to deliver (SMS, email) after the transaction that caused them commits.
create table outbox (
    id uuid primary key,
    agency_id uuid not null references agencies (id),
    dossier_id uuid references dossiers (id),
    event_id uuid,
    kind text not null,
    payload text not null,
    created_at timestamp not null,
    attempts boolean not null default false,
    done_at timestamp
);
create index outbox_pending on outbox (done_at, created_at);

create table files (
    agency_id uuid not null references agencies (id),
    sha256 text not null,
    name text not null,
    content_type text not null,
    size bigint not null,
    created_at timestamp not null default (now() at time zone 'Asia/Ho_Chi_Minh'),
    primary key (agency_id, sha256)
);

create table audit_log (
    id uuid primary key,
    agency_id uuid,
    actor_id uuid,
    action text not null,
    object text not null,
    at timestamp not null,
    data text not null
);

create table rate_limits (
    agency_id uuid,                     -- null: installation-wide
    key text not null,
    window_start bigint not null,
    hits bigint not null,
    primary key (key, window_start)
);
