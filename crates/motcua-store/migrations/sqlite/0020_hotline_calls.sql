-- The hotline log (issue 17): every call to the agency's published hotline, as the officer
-- recorded it (Decree 20/2008: transcribed faithfully, read back), and the feedback case it
-- became, if any.
create table hotline_calls (
    agency_id blob not null references agencies (id),
    id blob not null,
    hotline text not null,
    started_at text not null,
    minutes integer not null,
    officer_id blob not null,
    caller_name text,
    caller_phone text,
    topic text not null,
    procedure_code text,
    summary text not null,
    confirmed boolean not null,
    case_id blob,
    primary key (agency_id, id)
);
create index hotline_calls_month on hotline_calls (agency_id, started_at);
