-- The chains' daily anchors (docs/operations.md): the head as it stood at the end of each day,
-- found by the time each link was sealed.
create index chain_links_sealed on chain_links (agency_id, chain, sealed_at);
