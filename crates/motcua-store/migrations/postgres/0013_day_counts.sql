-- Biểu 06 at province scale (issue 14). A report counted every dossier of its window from the
-- facts: a year at 10M dossiers read about a million rows. The finished dossiers are now also
-- counted in step with the facts (the trigger below, in the transaction that writes the facts,
-- on every server): once by the day they were received and once by the day they were finished,
-- per field, unit, channel (online or direct) and outcome (early, on time, late; fixed once a
-- dossier is finished); each both per day and per month. A report adds up the months and days of
-- its window and reads from the facts only what is still open at its cut-off (see
-- `queries/report06.rs`).
create table dossier_day_counts (
    agency_id uuid not null references agencies(id),
    -- 'day' or 'month': a row counts the day `day`, or the month starting on `day`.
    span text not null,
    day date not null,
    -- 'received' or 'finished': which of the dossier's days it is.
    kind text not null,
    field text not null,
    unit text not null,
    -- 'online' or 'direct' (counter and post), Biểu 06's two columns.
    channel text not null,
    -- 'early', 'on_time' or 'late', as Biểu 06 judges a finished dossier.
    outcome text not null,
    count bigint not null,
    primary key (agency_id, span, day, kind, field, unit, channel, outcome)
);

create function dossier_day_count(f dossier_facts, delta integer) returns void language plpgsql as $$
declare
    judged text;
    channel_class text;
begin
    if f.finished_at is null or f.received_at is null then
        return;
    end if;
    judged := case when (f.second_request_at is not null and f.second_request_at < f.finished_at)
                        or f.finished_at > f.due_at then 'late'
                   when f.finished_at < f.due_day_start then 'early'
                   else 'on_time' end;
    channel_class := case when f.channel = 'online' then 'online' else 'direct' end;
    insert into dossier_day_counts as c (agency_id, span, day, kind, field, unit, channel, outcome, count)
    values (f.agency_id, 'day', f.received_at::date, 'received', f.field, coalesce(f.unit, ''), channel_class, judged, delta),
           (f.agency_id, 'month', date_trunc('month', f.received_at)::date, 'received', f.field, coalesce(f.unit, ''),
            channel_class, judged, delta),
           (f.agency_id, 'day', f.finished_at::date, 'finished', f.field, coalesce(f.unit, ''), channel_class, judged, delta),
           (f.agency_id, 'month', date_trunc('month', f.finished_at)::date, 'finished', f.field, coalesce(f.unit, ''),
            channel_class, judged, delta)
    on conflict (agency_id, span, day, kind, field, unit, channel, outcome) do update set count = c.count + excluded.count;
end $$;

create function dossier_facts_counts() returns trigger language plpgsql as $$
begin
    if tg_op in ('UPDATE', 'DELETE') then
        perform dossier_day_count(old, -1);
    end if;
    if tg_op in ('INSERT', 'UPDATE') then
        perform dossier_day_count(new, 1);
    end if;
    return null;
end $$;

create trigger dossier_facts_counts after insert or update or delete on dossier_facts
    for each row execute function dossier_facts_counts();

-- The dossiers already finished.
insert into dossier_day_counts (agency_id, span, day, kind, field, unit, channel, outcome, count)
select agency_id, span, day, kind, field, unit, channel, outcome, count(*) from (
    select f.agency_id, d.span, d.kind,
        case when d.kind = 'received' and d.span = 'day' then f.received_at::date
             when d.kind = 'received' then date_trunc('month', f.received_at)::date
             when d.span = 'day' then f.finished_at::date
             else date_trunc('month', f.finished_at)::date end as day,
        f.field, coalesce(f.unit, '') as unit,
        case when f.channel = 'online' then 'online' else 'direct' end as channel,
        case when (f.second_request_at is not null and f.second_request_at < f.finished_at)
                  or f.finished_at > f.due_at then 'late'
             when f.finished_at < f.due_day_start then 'early'
             else 'on_time' end as outcome
    from dossier_facts f, (values ('day', 'received'), ('month', 'received'), ('day', 'finished'), ('month', 'finished')) d(span, kind)
    where f.finished_at is not null and f.received_at is not null
) counted group by agency_id, span, day, kind, field, unit, channel, outcome;
