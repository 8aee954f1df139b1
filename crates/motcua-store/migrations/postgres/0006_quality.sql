-- Service quality: what reports read about each dossier (kept in step with the dossier in the
-- same transaction as every change), and the applicants' evaluations.
create table dossier_facts (
    dossier_id uuid primary key references dossiers (id),
    agency_id uuid not null references agencies (id),
    code text,
    procedure_code text not null,
    field text not null,
    unit text,
    channel text not null,
    state text not null,
    received_at timestamp,
    due_at timestamp,
    finished_at timestamp,
    supplements text not null,         -- [[requested, received or null], …] as JSON
    -- The same, for reports computed by the database: the first request and when it was met,
    -- the second request, and the start of the due date.
    first_request_at timestamp,
    first_received_at timestamp,
    second_request_at timestamp,
    due_day_start timestamp,
    reappointed boolean not null,
    fees bigint not null,
    result_electronic boolean not null,
    documents_digitised boolean not null,
    returned_online boolean not null,
    steps text not null                -- [{unit, officer, score}] as JSON
);
-- A period's report reads the dossiers accepted before its cut-off and not finished before it;
-- the database counts Biểu 06 from this index alone (it covers every column the count reads).
create index dossier_facts_period on dossier_facts (agency_id, received_at, finished_at, due_at, due_day_start,
    first_request_at, first_received_at, second_request_at, channel, field, unit);
create index dossier_facts_finished on dossier_facts (agency_id, finished_at);

create table evaluations (
    dossier_id uuid primary key references dossiers (id),
    agency_id uuid not null references agencies (id),
    overall text not null,             -- very_satisfied | satisfied | not_satisfied
    answers text not null,             -- {time, contacts, bodies, attitude}: 2 / 1 / 0 each
    comment text,
    channel text not null,             -- counter | link | lookup
    created_at timestamp not null,
    updated_at timestamp not null
);
create index evaluations_agency on evaluations (agency_id, updated_at);

-- A period's report frozen as it stood when someone (or the monthly job) made it; never changed.
create table report_snapshots (
    id uuid primary key,
    agency_id uuid not null references agencies (id),
    kind text not null,                -- bieu06
    period text not null,              -- 2026-03, 2026-Q1, 2026-H1, 2026
    made_by uuid references users (id),
    made_at timestamp not null,
    data text not null                 -- the report as JSON
);
create index report_snapshots_period on report_snapshots (agency_id, kind, period);

-- Scheduled jobs done once per key, whichever server ran them (the monthly report freeze).
create table job_runs (
    job text not null,
    agency_id uuid not null references agencies (id),
    run_key text not null,
    done_at timestamp not null,
    primary key (job, agency_id, run_key)
);

-- Answers to the satisfaction survey (SIPAS-style), anonymous, raw.
create table survey_responses (
    id uuid primary key,
    agency_id uuid not null references agencies (id),
    survey text not null,              -- the questionnaire's version
    channel text not null,             -- counter | web
    answers text not null,             -- {"staff.3": 4, …}
    expectations text not null,        -- ["staff", …]
    created_at timestamp not null
);
create index survey_responses_agency on survey_responses (agency_id, created_at);
