-- An officer's inbox: one unit's unfinished dossiers, the most urgent first. Without this index the
-- query walks every unfinished dossier of the agency and reads each row to check its unit.
create index dossiers_unit_due on dossiers (agency_id, current_unit, finished_at, due_at);
