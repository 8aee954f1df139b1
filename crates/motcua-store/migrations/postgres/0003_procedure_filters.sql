-- Level and online service type as columns, so the catalog can be filtered by them.
alter table procedure_versions add column level text not null default '';
alter table procedure_versions add column online text not null default '';
update procedure_versions set level = spec::jsonb ->> 'level', online = spec::jsonb ->> 'online';
