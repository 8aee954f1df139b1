-- Several workers expand the outbox at once (issue 13): each takes its events with a lease (and
-- SKIP LOCKED), so two never expand the same event, and one that dies leaves its events to the
-- others once the lease runs out. The partial index keeps finding the unexpanded events cheap
-- however long the outbox.
alter table outbox add column claimed_until timestamp;
create index outbox_unexpanded on outbox (created_at, id) where expanded_at is null;

-- Workers LISTEN on `motcua_outbox` and wake as soon as a transaction that wrote events commits,
-- instead of waiting for their next poll. One notice per statement; PostgreSQL folds identical
-- notices of one transaction into one.
create function motcua_outbox_notify() returns trigger language plpgsql as $$
begin
    perform pg_notify('motcua_outbox', '');
    return null;
end
$$;
create trigger outbox_notify after insert on outbox for each statement execute function motcua_outbox_notify();
