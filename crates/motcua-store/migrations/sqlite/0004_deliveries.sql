-- One row per message to deliver: an outbox event, expanded per channel and recipient. The
-- idempotency key is passed to gateways that accept one, so a retry after a crash is not a
-- second message.
alter table outbox add column expanded_at text;

create table deliveries (
    id blob primary key,
    agency_id blob not null references agencies (id),
    dossier_id blob references dossiers (id),
    outbox_id blob not null references outbox (id),
    channel text not null,                -- sms | email
    recipient text not null,
    idempotency_key text not null unique,
    essential integer not null,
    subject text,
    body text not null,
    body_html text,
    -- created | sending | delivered | temporary-failure | permanent-failure | technical-failure
    status text not null,
    attempts integer not null default 0,
    next_attempt_at text not null,
    locked_until text,
    last_answer text,
    created_at text not null,
    updated_at text not null
);
create index deliveries_due on deliveries (status, next_attempt_at);
create index deliveries_dossier on deliveries (dossier_id);
