-- The hash chains over the record (docs/operations.md): the worker seals dossier events and
-- audit entries in order, per agency, each link the SHA-256 of its row and of the link before.
-- Links are append-only like the rows they seal.
create table chain_links (
    agency_id uuid not null,
    chain text not null,
    seq bigint not null,
    row_id uuid not null,
    row_at timestamp not null,
    row_hash text not null,
    hash text not null,
    sealed_at timestamp not null,
    primary key (agency_id, chain, seq),
    unique (agency_id, chain, row_id)
);
create index dossier_events_agency_at on dossier_events (agency_id, at);
create index audit_log_agency_at on audit_log (agency_id, at);
create trigger chain_links_append_only before update or delete on chain_links
    for each row execute function motcua_append_only();
create trigger chain_links_no_truncate before truncate on chain_links
    for each statement execute function motcua_append_only();
