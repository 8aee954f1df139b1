-- A dossier's history and the audit log are evidence: rows are only ever inserted. The database
-- itself refuses to change or remove one, whoever asks (the application never does); TRUNCATE,
-- which skips row triggers, is refused too.
create function motcua_append_only() returns trigger language plpgsql as $$
begin
    raise exception '% is append-only', tg_table_name;
end
$$;
create trigger dossier_events_append_only before update or delete on dossier_events
    for each row execute function motcua_append_only();
create trigger dossier_events_no_truncate before truncate on dossier_events
    for each statement execute function motcua_append_only();
create trigger audit_log_append_only before update or delete on audit_log
    for each row execute function motcua_append_only();
create trigger audit_log_no_truncate before truncate on audit_log
    for each statement execute function motcua_append_only();
