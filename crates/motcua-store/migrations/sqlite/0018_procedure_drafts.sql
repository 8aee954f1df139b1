-- Drafts of procedure versions (issue 16): what an import from the national procedure database
-- would change, kept for the administrator to review, complete and publish; never published by
-- the import itself. One pending draft per procedure of an agency: a later import replaces it.
create table procedure_drafts (
    agency_id blob not null references agencies (id),
    id blob not null,
    code text not null,
    -- The whole ProcedureSpec as JSON.
    spec text not null,
    -- Where it came from (the file's name, the service).
    source text not null,
    -- What it changes, in words.
    summary text not null,
    -- 'pending', 'published', 'discarded'
    status text not null,
    created_at text not null,
    decided_at text,
    decided_by blob,
    primary key (agency_id, id)
);
create unique index procedure_drafts_pending on procedure_drafts (agency_id, code) where status = 'pending';
