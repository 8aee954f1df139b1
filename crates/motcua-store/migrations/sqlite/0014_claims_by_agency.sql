-- The worker claims outbox events and deliveries one agency at a time (issue 14: a claim that
-- names the agency reaches one shard once the tables are distributed by agency, and one agency's
-- backlog does not hold up the others'). The claims' indexes lead with the agency.
drop index outbox_unexpanded;
create index outbox_unexpanded on outbox (agency_id, created_at, id) where expanded_at is null;
drop index deliveries_due;
create index deliveries_due on deliveries (agency_id, status, next_attempt_at);
