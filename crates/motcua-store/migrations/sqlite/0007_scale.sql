-- Indexes for a province of millions of dossiers (measured by `motcua bench`, docs/performance.md).

-- An officer's inbox: one unit's unfinished dossiers, the most urgent first (ties by id), read in
-- the index's order so the first page stops after its 20 rows. Without it the query walks every
-- unfinished dossier of the agency and reads each row to check its unit, then sorts them all.
create index dossiers_unit_due on dossiers (agency_id, current_unit, finished_at, due_at, id);

-- A period's report also counts the dossiers received before it and still open at its start:
-- found by when they finished (or that they have not), and counted from this index alone.
-- It replaces the narrower (agency_id, finished_at) index.
drop index dossier_facts_finished;
create index dossier_facts_open on dossier_facts (agency_id, finished_at, received_at, due_at, due_day_start,
    first_request_at, first_received_at, second_request_at, channel, field, unit);
