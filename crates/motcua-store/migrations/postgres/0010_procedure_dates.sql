-- A version is in force from its effective date (issue 13): publishing a version dated in the
-- future schedules it; intake and the public catalog keep using the version in force until then.
-- The dates are columns so that the catalog can pick the version in force of each procedure.
alter table procedure_versions add column effective_from date;
alter table procedure_versions add column effective_to date;
update procedure_versions set effective_from = (spec::jsonb ->> 'effective_from')::date,
    effective_to = (spec::jsonb ->> 'effective_to')::date;
create index procedure_versions_in_force on procedure_versions (procedure_id, effective_from, version);
