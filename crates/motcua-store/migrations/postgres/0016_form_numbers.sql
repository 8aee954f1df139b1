-- The numbers of the documents an agency issues, continuous through its year (issue 15): the
-- register's line (Sổ theo dõi hồ sơ, Mẫu 06, also the number of Mẫu 01), and one series per
-- other form (Mẫu 02, 03, 04, the refusal, the stop notice). The register's number is taken in
-- the transaction that accepts the dossier, like the day's code.
create table number_sequences (
    agency_id uuid not null references agencies(id),
    year integer not null,
    -- 'receipt' (the register), 'completion', 'intake_refusal', 'apology', 'refusal', 'stop_notice'
    kind text not null,
    last_value bigint not null,
    primary key (agency_id, year, kind)
);

-- What an agency writes on its documents (the place before the date, the symbol after the
-- number), and other small settings an administrator changes: key and value.
create table agency_settings (
    agency_id uuid not null references agencies(id),
    key text not null,
    value text not null,
    primary key (agency_id, key)
);
