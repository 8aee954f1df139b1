-- The hash chains over the record (docs/operations.md): the worker seals dossier events and
-- audit entries in order, per agency, each link the SHA-256 of its row and of the link before.
-- Links are append-only like the rows they seal.
create table chain_links (
    agency_id blob not null,
    chain text not null,
    seq bigint not null,
    row_id blob not null,
    row_at text not null,
    row_hash text not null,
    hash text not null,
    sealed_at text not null,
    primary key (agency_id, chain, seq),
    unique (agency_id, chain, row_id)
);
create index dossier_events_agency_at on dossier_events (agency_id, at);
create index audit_log_agency_at on audit_log (agency_id, at);
create trigger chain_links_no_update before update on chain_links
begin
    select raise(abort, 'chain_links is append-only');
end;
create trigger chain_links_no_delete before delete on chain_links
begin
    select raise(abort, 'chain_links is append-only');
end;
