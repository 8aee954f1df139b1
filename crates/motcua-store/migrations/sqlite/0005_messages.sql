-- Notifications, part two: what an officer says on the phone when an SMS cannot reach the
-- applicant, the applicant's choice of channels and language, phone-call tasks, templates
-- edited by the agency (every version kept), and the days whose officer digests went out.
alter table deliveries add column call_script text;
alter table users add column notify_channels text not null default 'both';  -- both | sms | email
alter table users add column notify_lang text not null default 'vi';        -- vi | en
create index deliveries_created on deliveries (agency_id, created_at);

create table call_tasks (
    id blob primary key,
    agency_id blob not null references agencies (id),
    dossier_id blob not null references dossiers (id),
    delivery_id blob references deliveries (id),
    task_key text not null unique,        -- one task per message that could not be sent
    reason text not null,                 -- no_mobile | sms_failed
    phone text,
    applicant text not null,
    script text not null,
    status text not null,                 -- open | done
    outcome text,                         -- reached | no_answer | wrong_number
    note text,
    attempts integer not null default 0,
    officer_id blob references users (id),
    created_at text not null,
    updated_at text not null
);
create index call_tasks_queue on call_tasks (agency_id, status, created_at);
create index call_tasks_dossier on call_tasks (dossier_id);

create table message_templates (
    id blob primary key,
    agency_id blob not null references agencies (id),
    event text not null,
    lang text not null,
    version integer not null,
    subject text not null,
    body_text text not null,
    body_html text not null,
    sms text not null,
    author_id blob references users (id),
    created_at text not null,
    unique (agency_id, event, lang, version)
);

create table digest_runs (
    agency_id blob not null references agencies (id),
    day text not null,
    done_at text not null,
    primary key (agency_id, day)
);
