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
    reappointed boolean not null,
    fees bigint not null,
    result_electronic boolean not null,
    documents_digitised boolean not null,
    returned_online boolean not null,
    steps text not null                -- [{unit, officer, score}] as JSON
);
-- A period's report reads the dossiers accepted before its cut-off and not finished before it.
create index dossier_facts_period on dossier_facts (agency_id, received_at);
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
