-- What the national portal (DVCQG) sends an agency: dossiers filed there and the citizen's later
-- actions on them (issue 16). Each message is kept as it came, before anything is done with it,
-- so that one accepted is never lost; a worker then applies them in order per portal dossier.
create table portal_inbox (
    agency_id uuid not null references agencies (id),
    -- Time-ordered: the order of arrival.
    id uuid not null,
    -- The portal's dossier code (MaHoSo), its key for deduplication.
    portal_code text not null,
    -- SHA-256 of the body: the same message sent again is the same row.
    digest text not null,
    body text not null,
    -- 'waiting' (to apply), 'done', 'unmappable' (waits for an officer), 'dismissed'
    status text not null,
    attempts bigint not null default 0,
    next_attempt_at timestamp not null,
    locked_until timestamp,
    -- The procedure an officer chose for a dossier whose national code did not map.
    mapped_code text,
    -- The dossier the message created or changed.
    dossier_id uuid,
    -- What was done, or why it waits.
    outcome text,
    received_at timestamp not null,
    finished_at timestamp,
    primary key (agency_id, id),
    unique (agency_id, portal_code, digest)
);
create index portal_inbox_due on portal_inbox (agency_id, status, next_attempt_at);
create index portal_inbox_code on portal_inbox (agency_id, portal_code);
