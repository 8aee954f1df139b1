-- Citizens' feedback and petitions (PAKN), complaints and denunciations triaged out of them, and
-- questions (issue 17): one row per case, its whole state as JSON beside the columns the lists
-- filter on; every change an immutable event. Denunciations are never public: the public list
-- reads only published cases of publishable kinds.
create table feedback_cases (
    agency_id blob not null references agencies (id),
    id blob not null,
    year integer not null,
    number integer not null,
    kind text,
    state text not null,
    intake text not null,
    procedure_code text,
    received_at text not null,
    answer_by text not null,
    published_at text,
    finished_at text,
    -- The title, the content and the answer without diacritics, lower case (public search).
    search text not null,
    doc text not null,
    version bigint not null,
    updated_at text not null,
    primary key (agency_id, id),
    unique (agency_id, year, number)
);
create index feedback_cases_state on feedback_cases (agency_id, state, answer_by);
create index feedback_cases_public on feedback_cases (agency_id, published_at);

create table feedback_events (
    agency_id blob not null references agencies (id),
    id blob not null,
    case_id blob not null,
    action text not null,
    from_state text,
    to_state text not null,
    actor_id blob,
    at text not null,
    detail text not null,
    primary key (agency_id, id)
);
create index feedback_events_case on feedback_events (agency_id, case_id, at);
