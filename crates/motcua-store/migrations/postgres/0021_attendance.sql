-- The counter's attendance (issue 17): officers check in and out at the counter, one record per
-- officer and day; the inspector's spot checks of who is at the counter in opening hours. The
-- monthly punctuality report reads both.
create table counter_attendance (
    agency_id uuid not null references agencies (id),
    officer_id uuid not null,
    day date not null,
    check_in timestamp not null,
    check_out timestamp,
    primary key (agency_id, officer_id, day)
);

create table spot_checks (
    agency_id uuid not null references agencies (id),
    id uuid not null,
    at timestamp not null,
    inspector_id uuid not null,
    officer_id uuid not null,
    present boolean not null,
    note text not null,
    primary key (agency_id, id)
);
create index spot_checks_at on spot_checks (agency_id, at);
