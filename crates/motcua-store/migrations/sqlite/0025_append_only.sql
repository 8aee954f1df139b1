-- A dossier's history and the audit log are evidence: rows are only ever inserted. The database
-- itself refuses to change or remove one, whoever asks (the application never does).
create trigger dossier_events_no_update before update on dossier_events
begin
    select raise(abort, 'dossier_events is append-only');
end;
create trigger dossier_events_no_delete before delete on dossier_events
begin
    select raise(abort, 'dossier_events is append-only');
end;
create trigger audit_log_no_update before update on audit_log
begin
    select raise(abort, 'audit_log is append-only');
end;
create trigger audit_log_no_delete before delete on audit_log
begin
    select raise(abort, 'audit_log is append-only');
end;
