-- Fees paid online and at the counter (issue 18): a dossier's payment requests, each provider
-- attempt, every raw message a provider sent (kept before it is read), and the e-receipts with
-- their gap-free numbering per receipt symbol and year. Each row's whole state is JSON (`doc`)
-- beside the columns that are looked up or kept unique.
create table payment_requests (
    agency_id blob not null references agencies (id),
    id blob not null,
    dossier_id blob not null,
    reference text not null,
    state text not null,
    total bigint not null,
    created_at text not null,
    paid_at text,
    doc text not null,
    version bigint not null,
    primary key (agency_id, id),
    unique (agency_id, reference)
);
create index payment_requests_dossier on payment_requests (agency_id, dossier_id);
create index payment_requests_paid on payment_requests (agency_id, paid_at);

create table payment_attempts (
    agency_id blob not null references agencies (id),
    id blob not null,
    request_id blob not null,
    provider text not null,
    txn_ref text not null,
    state text not null,
    provider_txn text,
    -- A success for a request already paid: the money is to be returned.
    refund_due boolean not null default false,
    created_at text not null,
    doc text not null,
    primary key (agency_id, id),
    unique (agency_id, txn_ref)
);
create index payment_attempts_open on payment_attempts (agency_id, state, created_at);
create index payment_attempts_txn on payment_attempts (agency_id, provider, provider_txn);

create table payment_messages (
    agency_id blob not null references agencies (id),
    id blob not null,
    provider text not null,
    received_at text not null,
    body text not null,
    -- What was answered, once read ('00', '97'…), null while unread.
    outcome text,
    primary key (agency_id, id)
);
create index payment_messages_at on payment_messages (agency_id, received_at);

create table receipts (
    agency_id blob not null references agencies (id),
    id blob not null,
    request_id blob not null,
    symbol text not null,
    year integer not null,
    number bigint not null,
    issued_at text not null,
    cancelled boolean not null default false,
    doc text not null,
    primary key (agency_id, id),
    unique (agency_id, symbol, year, number)
);
create index receipts_request on receipts (agency_id, request_id);
create index receipts_issued on receipts (agency_id, issued_at);

create table receipt_counters (
    agency_id blob not null references agencies (id),
    symbol text not null,
    year integer not null,
    last bigint not null,
    primary key (agency_id, symbol, year)
);

-- Incoming transfers of a bank statement that paid nothing we know (no reference, or another
-- amount), kept for an officer to look into; once per bank reference.
create table unmatched_transfers (
    agency_id blob not null references agencies (id),
    bank_ref text not null,
    day text,
    amount bigint not null,
    content text not null,
    reason text not null,
    recorded_at text not null,
    primary key (agency_id, bank_ref)
);
