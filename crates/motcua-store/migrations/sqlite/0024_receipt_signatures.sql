-- Receipts signed by the agency's signing provider (the worker signs those issued unsigned);
-- `signed` mirrors the document's flag so the unsigned ones are found by an index.
alter table receipts add column signed boolean not null default false;
create index receipts_unsigned on receipts (agency_id, signed, issued_at);
