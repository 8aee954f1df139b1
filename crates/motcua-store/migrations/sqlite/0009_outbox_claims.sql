-- Several workers expand the outbox at once (issue 13): each takes its events with a lease, so two
-- never expand the same event, and one that dies leaves its events to the others once the lease
-- runs out. The partial index keeps finding the unexpanded events cheap however long the outbox.
alter table outbox add column claimed_until text;
create index outbox_unexpanded on outbox (created_at, id) where expanded_at is null;
