-- The keys that conflicts are judged on name the agency, as on PostgreSQL (where they make the
-- tables distributable by agency; see postgres/0011). SQLite is never distributed: its primary
-- keys stay, and these unique indexes give the shared queries' `on conflict (agency_id, …)` their
-- target. Existing rows already satisfy them (the old keys were stricter).
create unique index deliveries_agency_idempotency on deliveries (agency_id, idempotency_key);
create unique index call_tasks_agency_task on call_tasks (agency_id, task_key);
create unique index dossier_facts_agency_dossier on dossier_facts (agency_id, dossier_id);
create unique index evaluations_agency_dossier on evaluations (agency_id, dossier_id);

-- One mechanism for run-once jobs: the officers' digest of a day joins the monthly freeze in
-- job_runs (job 'digest', key the day).
insert into job_runs (job, agency_id, run_key, done_at)
    select 'digest', agency_id, day, done_at from digest_runs where true
    on conflict do nothing;
drop table digest_runs;
