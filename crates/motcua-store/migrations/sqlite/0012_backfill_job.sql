-- One mechanism for run-once work: the back-fill of dossier facts (after migration 6) was marked
-- done by a made-up migration version (1006); it becomes a job per agency in job_runs, as the
-- officers' digest and the monthly freeze are. Where the back-fill had run, every agency is done.
insert into job_runs (job, agency_id, run_key, done_at)
    select 'facts-backfill', a.id, '6', datetime('now') from agencies a
    where exists (select 1 from motcua_migrations m where m.version = 1006)
    on conflict do nothing;
delete from motcua_migrations where version = 1006;
