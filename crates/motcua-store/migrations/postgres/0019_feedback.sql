-- Citizens' feedback and petitions (PAKN), complaints and denunciations triaged out of them, and
-- questions (issue 17): one row per case, its whole state as JSON beside the columns the lists
-- filter on; every change an immutable event. Denunciations are never public: the public list
-- reads only published cases of publishable kinds.
create table feedback_cases (
    agency_id uuid not null references agencies (id),
    id uuid not null,
    year integer not null,
    number integer not null,
    kind text,
    state text not null,
    intake text not null,
    procedure_code text,
    received_at timestamp not null,
    answer_by date not null,
    published_at timestamp,
    finished_at timestamp,
    -- The title, the content and the answer without diacritics, lower case (public search).
    search text not null,
    doc text not null,
    version bigint not null,
    updated_at timestamp not null,
    primary key (agency_id, id),
    unique (agency_id, year, number)
);
create index feedback_cases_state on feedback_cases (agency_id, state, answer_by);
create index feedback_cases_public on feedback_cases (agency_id, published_at);

create table feedback_events (
    agency_id uuid not null references agencies (id),
    id uuid not null,
    case_id uuid not null,
    action text not null,
    from_state text,
    to_state text not null,
    actor_id uuid,
    at timestamp not null,
    detail text not null,
    primary key (agency_id, id)
);
create index feedback_events_case on feedback_events (agency_id, case_id, at);
