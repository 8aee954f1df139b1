-- One row per message to deliver: an outbox event, expanded per channel and recipient. The
-- idempotency key is passed to gateways that accept one, so a retry after a crash is not a
-- second message.
alter table outbox add column expanded_at timestamp;

create table deliveries (
    id uuid primary key,
    agency_id uuid not null references agencies (id),
    dossier_id uuid references dossiers (id),
    outbox_id uuid not null references outbox (id),
    channel text not null,                -- sms | email
    recipient text not null,
    idempotency_key text not null unique,
    essential boolean not null,
    subject text,
    body text not null,
    body_html text,
    -- created | sending | delivered | temporary-failure | permanent-failure | technical-failure
    status text not null,
    attempts bigint not null default 0,
    next_attempt_at timestamp not null,
    locked_until timestamp,
    last_answer text,
    created_at timestamp not null,
    updated_at timestamp not null
);
create index deliveries_due on deliveries (status, next_attempt_at);
create index deliveries_dossier on deliveries (dossier_id);
