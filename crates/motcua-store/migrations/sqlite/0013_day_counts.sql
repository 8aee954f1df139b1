-- Biểu 06 at province scale (issue 14). A report counted every dossier of its window from the
-- facts: a year at 10M dossiers read about a million rows. The finished dossiers are now also
-- counted in step with the facts (the triggers below, in the transaction that writes the facts,
-- on every server): once by the day they were received and once by the day they were finished,
-- per field, unit, channel (online or direct) and outcome (early, on time, late; fixed once a
-- dossier is finished); each both per day and per month. A report adds up the months and days of
-- its window and reads from the facts only what is still open at its cut-off (see
-- `queries/report06.rs`).
create table dossier_day_counts (
    agency_id text not null references agencies(id),
    -- 'day' or 'month': a row counts the day `day`, or the month starting on `day`.
    span text not null,
    -- 'YYYY-MM-DD', local time.
    day text not null,
    -- 'received' or 'finished': which of the dossier's days it is.
    kind text not null,
    field text not null,
    unit text not null,
    -- 'online' or 'direct' (counter and post), Biểu 06's two columns.
    channel text not null,
    -- 'early', 'on_time' or 'late', as Biểu 06 judges a finished dossier.
    outcome text not null,
    count integer not null,
    primary key (agency_id, span, day, kind, field, unit, channel, outcome)
) without rowid;

-- A change of the counts: a facts row counted (+1) or no longer (-1). The triggers on
-- dossier_facts write their old and new rows here, and this one place counts them.
create view dossier_day_count_changes as
    select agency_id, field, unit, channel, received_at, finished_at, due_at, due_day_start, second_request_at,
        0 as delta
    from dossier_facts where 0;

create trigger dossier_day_count_change instead of insert on dossier_day_count_changes
when new.finished_at is not null and new.received_at is not null
begin
    insert into dossier_day_counts (agency_id, span, day, kind, field, unit, channel, outcome, count)
    select new.agency_id, d.span, d.day, d.kind, new.field, coalesce(new.unit, ''),
        case when new.channel = 'online' then 'online' else 'direct' end,
        case when (new.second_request_at is not null and new.second_request_at < new.finished_at)
                  or new.finished_at > new.due_at then 'late'
             when new.finished_at < new.due_day_start then 'early'
             else 'on_time' end, new.delta
    from (select 'day' as span, substr(new.received_at, 1, 10) as day, 'received' as kind
          union all select 'month', substr(new.received_at, 1, 7) || '-01', 'received'
          union all select 'day', substr(new.finished_at, 1, 10), 'finished'
          union all select 'month', substr(new.finished_at, 1, 7) || '-01', 'finished') d
    where true
    on conflict (agency_id, span, day, kind, field, unit, channel, outcome) do update set count = count + excluded.count;
end;

create trigger dossier_facts_count_insert after insert on dossier_facts
begin
    insert into dossier_day_count_changes values (new.agency_id, new.field, new.unit, new.channel, new.received_at,
        new.finished_at, new.due_at, new.due_day_start, new.second_request_at, 1);
end;

create trigger dossier_facts_count_update after update on dossier_facts
begin
    insert into dossier_day_count_changes values (old.agency_id, old.field, old.unit, old.channel, old.received_at,
        old.finished_at, old.due_at, old.due_day_start, old.second_request_at, -1);
    insert into dossier_day_count_changes values (new.agency_id, new.field, new.unit, new.channel, new.received_at,
        new.finished_at, new.due_at, new.due_day_start, new.second_request_at, 1);
end;

create trigger dossier_facts_count_delete after delete on dossier_facts
begin
    insert into dossier_day_count_changes values (old.agency_id, old.field, old.unit, old.channel, old.received_at,
        old.finished_at, old.due_at, old.due_day_start, old.second_request_at, -1);
end;

-- The dossiers already finished.
insert into dossier_day_counts (agency_id, span, day, kind, field, unit, channel, outcome, count)
select agency_id, span, day, kind, field, unit, channel, outcome, count(*) from (
    select f.agency_id, d.span, d.kind,
        case d.kind when 'received' then
            case d.span when 'day' then substr(f.received_at, 1, 10) else substr(f.received_at, 1, 7) || '-01' end
        else
            case d.span when 'day' then substr(f.finished_at, 1, 10) else substr(f.finished_at, 1, 7) || '-01' end
        end as day,
        f.field, coalesce(f.unit, '') as unit,
        case when f.channel = 'online' then 'online' else 'direct' end as channel,
        case when (f.second_request_at is not null and f.second_request_at < f.finished_at)
                  or f.finished_at > f.due_at then 'late'
             when f.finished_at < f.due_day_start then 'early'
             else 'on_time' end as outcome
    from dossier_facts f,
        (select 'day' as span, 'received' as kind union all select 'month', 'received'
         union all select 'day', 'finished' union all select 'month', 'finished') d
    where f.finished_at is not null and f.received_at is not null
) group by agency_id, span, day, kind, field, unit, channel, outcome;
