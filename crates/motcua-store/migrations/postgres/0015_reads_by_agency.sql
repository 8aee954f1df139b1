-- Every read of a table that grows with dossiers now names the agency with the id (issue 14):
-- the primary keys (agency_id, id) and (agency_id, code) serve them, and the plain indexes that
-- migration 11 kept for reads by id alone have no reader left. Dropping them also spares each
-- intake and each change their upkeep.
drop index dossiers_id;
drop index dossiers_code;
drop index dossier_events_id;
drop index outbox_id;
drop index deliveries_id;
drop index call_tasks_id;
drop index dossier_facts_dossier;
drop index evaluations_dossier;
