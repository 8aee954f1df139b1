-- Keys ready for distribution by agency (Citus `create_distributed_table(t, 'agency_id')`): every
-- primary and unique key of a table that grows with dossiers includes `agency_id`, and the foreign
-- keys between those tables name the agency too (Citus co-locates rows of one agency, and a
-- foreign key between distributed tables must include the distribution column). Existing rows
-- keep their values: only constraints and indexes change.
--
-- Until every store method names the agency with the id, a plain index on the id (or dossier id)
-- keeps a lookup by id alone fast; on Citus such a lookup asks every shard.

alter table dossier_events drop constraint dossier_events_dossier_id_fkey;
alter table outbox drop constraint outbox_dossier_id_fkey;
alter table deliveries drop constraint deliveries_dossier_id_fkey;
alter table deliveries drop constraint deliveries_outbox_id_fkey;
alter table call_tasks drop constraint call_tasks_dossier_id_fkey;
alter table call_tasks drop constraint call_tasks_delivery_id_fkey;
alter table dossier_facts drop constraint dossier_facts_dossier_id_fkey;
alter table evaluations drop constraint evaluations_dossier_id_fkey;

alter table dossiers drop constraint dossiers_pkey, add primary key (agency_id, id);
alter table dossiers drop constraint dossiers_code_key, add constraint dossiers_code_key unique (agency_id, code);
create index dossiers_id on dossiers (id);
-- The public lookup and the officer's search name the code alone.
create index dossiers_code on dossiers (code);

alter table dossier_events drop constraint dossier_events_pkey, add primary key (agency_id, id);
create index dossier_events_id on dossier_events (id);

alter table outbox drop constraint outbox_pkey, add primary key (agency_id, id);
create index outbox_id on outbox (id);

alter table deliveries drop constraint deliveries_pkey, add primary key (agency_id, id);
alter table deliveries drop constraint deliveries_idempotency_key_key,
    add constraint deliveries_idempotency_key_key unique (agency_id, idempotency_key);
create index deliveries_id on deliveries (id);

alter table call_tasks drop constraint call_tasks_pkey, add primary key (agency_id, id);
alter table call_tasks drop constraint call_tasks_task_key_key,
    add constraint call_tasks_task_key_key unique (agency_id, task_key);
create index call_tasks_id on call_tasks (id);

alter table dossier_facts drop constraint dossier_facts_pkey, add primary key (agency_id, dossier_id);
create index dossier_facts_dossier on dossier_facts (dossier_id);

alter table evaluations drop constraint evaluations_pkey, add primary key (agency_id, dossier_id);
create index evaluations_dossier on evaluations (dossier_id);

alter table survey_responses drop constraint survey_responses_pkey, add primary key (agency_id, id);

alter table dossier_events add constraint dossier_events_dossier_fkey
    foreign key (agency_id, dossier_id) references dossiers (agency_id, id);
alter table outbox add constraint outbox_dossier_fkey
    foreign key (agency_id, dossier_id) references dossiers (agency_id, id);
alter table deliveries add constraint deliveries_dossier_fkey
    foreign key (agency_id, dossier_id) references dossiers (agency_id, id);
alter table deliveries add constraint deliveries_outbox_fkey
    foreign key (agency_id, outbox_id) references outbox (agency_id, id);
alter table call_tasks add constraint call_tasks_dossier_fkey
    foreign key (agency_id, dossier_id) references dossiers (agency_id, id);
alter table call_tasks add constraint call_tasks_delivery_fkey
    foreign key (agency_id, delivery_id) references deliveries (agency_id, id);
alter table dossier_facts add constraint dossier_facts_dossier_fkey
    foreign key (agency_id, dossier_id) references dossiers (agency_id, id);
alter table evaluations add constraint evaluations_dossier_fkey
    foreign key (agency_id, dossier_id) references dossiers (agency_id, id);

-- One mechanism for run-once jobs: the officers' digest of a day joins the monthly freeze in
-- job_runs (job 'digest', key the day).
insert into job_runs (job, agency_id, run_key, done_at)
    select 'digest', agency_id, to_char(day, 'YYYY-MM-DD'), done_at from digest_runs
    on conflict do nothing;
drop table digest_runs;
