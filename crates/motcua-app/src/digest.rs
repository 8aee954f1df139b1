//! Urging officers (đôn đốc): on each working day, at a configured time, every officer gets one
//! digest of the dossiers of their unit that are overdue or due within N working days; unit leads
//! get their unit's counts and agency leads the counts of every unit. One message a day, not one
//! per dossier. And a one-click reminder about one overdue dossier, at most once a day per
//! recipient.
//!
//! Digests are idempotent by key (`digest:<day>:<user>:<channel>`), so several workers, or a
//! worker restarted half-way, send each digest once; the day is marked done afterwards.

use std::fmt::Write as _;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use motcua_calendar::WorkCalendar;
use motcua_domain::dossier::Dossier;
use motcua_domain::org::Role;
use motcua_domain::types::PhoneNumber;
use motcua_store::{DeliveryChannel, DossierFilter, NewDelivery, Store, StoreError, UserRecord};
use uuid::Uuid;

/// The officers' digest, in `job_runs`: run once a day per agency (key: the day, `2026-03-02`).
pub const DIGEST_JOB: &str = "digest";

/// Where an officer's messages go: e-mail if they have an address, else SMS to a mobile number.
fn officer_channel(user: &UserRecord) -> Option<(DeliveryChannel, String)> {
    if let Some(email) = user.email.as_deref().filter(|e| !e.is_empty()) {
        return Some((DeliveryChannel::Email, email.to_owned()));
    }
    let phone = PhoneNumber::parse(user.phone.as_deref()?).ok().filter(PhoneNumber::is_mobile)?;
    Some((DeliveryChannel::Sms, phone.as_str().to_owned()))
}

fn officer_delivery(
    agency_id: Uuid,
    dossier_id: Option<Uuid>,
    user: &UserRecord,
    key: &str,
    subject: &str,
    body: &str,
) -> Option<NewDelivery> {
    let (channel, recipient) = officer_channel(user)?;
    let sms = crate::sms::without_diacritics(&format!("{subject}. {}", body.lines().next().unwrap_or("")));
    Some(NewDelivery {
        id: Uuid::now_v7(),
        agency_id,
        dossier_id,
        channel,
        idempotency_key: format!("{key}:{channel}"),
        recipient,
        essential: false,
        subject: (channel == DeliveryChannel::Email).then(|| subject.to_owned()),
        body: if channel == DeliveryChannel::Sms { sms } else { body.to_owned() },
        body_html: None,
        call_script: None,
    })
}

fn line(d: &Dossier, cal: &WorkCalendar, today: NaiveDate, now: NaiveDateTime) -> String {
    let code = d.code.as_ref().map(|c| c.as_str().to_owned()).unwrap_or_default();
    let due = d.due_date.map(|d| d.format("%d/%m/%Y").to_string()).unwrap_or_default();
    let when = match d.due_date {
        Some(due_date) if d.is_overdue(now) => {
            let late = cal.working_days_between(due_date, today).unwrap_or(0);
            format!("quá hạn {late} ngày làm việc (hạn {due})")
        }
        _ => format!("hạn {due}"),
    };
    format!("- {code} · {} · {} · {when}", d.procedure_name, d.applicant.name)
}

/// The digests of one agency for `now`'s day; how many messages were queued. Nothing on a day off
/// or before `at`; each day once.
pub async fn agency_digests(
    store: &dyn Store,
    agency_id: Uuid,
    now: NaiveDateTime,
    at: NaiveTime,
    days_ahead: u32,
    public_url: &str,
) -> Result<usize, StoreError> {
    let today = now.date();
    if now.time() < at || store.job_done(DIGEST_JOB, agency_id, &today.to_string()).await? {
        return Ok(0);
    }
    let cal = crate::calendars::load(store, agency_id).await?;
    if !cal.is_working_day(today).unwrap_or(false) {
        store.mark_job_done(DIGEST_JOB, agency_id, &today.to_string(), now).await?;
        return Ok(0);
    }
    let horizon = cal.add_working_days(today, days_ahead).map(|d| cal.end_of(d)).unwrap_or(now);
    let units = store.units(agency_id).await?;
    let page = |unit: Option<String>, overdue: bool| DossierFilter {
        agencies: vec![agency_id],
        unit,
        overdue_at: overdue.then_some(now),
        due_before: (!overdue).then_some(horizon),
        page: 1,
        page_size: 20,
        ..Default::default()
    };
    let late_cases = crate::feedback::late(store, agency_id, today).await?;
    let mut deliveries = Vec::new();
    for user in store.users_of(agency_id).await?.into_iter().filter(|u| u.active) {
        let grants: Vec<_> = store.grants(user.id).await?.into_iter().filter(|g| g.agency_id == agency_id).collect();
        let mut body = String::new();
        let mut total = 0;
        // Feedback past its step's deadline: a unit's own cases, the counter's cases not yet with
        // a unit (or approved, to publish), every one for the agency's leaders. Numbers, kinds and
        // deadlines only: no sender, no title (a denunciation's is confidential); never a conduct
        // complaint to the officer it names.
        let lead = grants.iter().any(|g| g.role == Role::AgencyLead);
        let counter = grants.iter().any(|g| g.role == Role::Reception);
        let units_of: Vec<&str> = grants.iter().filter_map(|g| g.unit.as_deref()).collect();
        let mine: Vec<&motcua_domain::feedback::Case> = late_cases
            .iter()
            .filter(|c| c.officer_id != Some(user.id))
            .filter(|c| {
                lead || c.unit.as_deref().is_some_and(|u| units_of.contains(&u))
                    || (counter && (c.unit.is_none() || c.state == motcua_domain::feedback::CaseState::Approved))
            })
            .collect();
        if !mine.is_empty() {
            total += mine.len() as i64;
            let _ = writeln!(body, "{} phản ánh, kiến nghị quá hạn:", mine.len());
            for c in mine.iter().take(20) {
                let kind = c.kind.map_or("chưa phân loại", |k| k.label_vi());
                let _ = writeln!(
                    body,
                    "- số {} · {kind} · {} · hạn trả lời {}",
                    c.label(),
                    c.state.label_vi(),
                    c.answer_by.format("%d/%m/%Y")
                );
            }
            let _ = writeln!(body, "Danh sách: {public_url}/office/feedback?view=late\n");
        }
        for unit in grants.iter().filter_map(|g| g.unit.clone()) {
            let overdue = store.list_dossiers(&page(Some(unit.clone()), true)).await?;
            let soon = store.list_dossiers(&page(Some(unit.clone()), false)).await?;
            let soon_only: Vec<_> = soon.items.iter().filter(|d| !d.is_overdue(now)).collect();
            let soon_total = soon.total - overdue.total;
            if overdue.total + soon_total == 0 {
                continue;
            }
            total += overdue.total + soon_total;
            let _ = writeln!(
                body,
                "Đơn vị {unit}: {} hồ sơ quá hạn, {} hồ sơ đến hạn trong {days_ahead} ngày làm việc.",
                overdue.total, soon_total
            );
            for d in overdue.items.iter().chain(soon_only) {
                let _ = writeln!(body, "{}", line(d, &cal, today, now));
            }
            body.push('\n');
        }
        if grants.iter().any(|g| g.role == Role::AgencyLead) {
            let mut counts = String::new();
            for unit in &units {
                let filter = DossierFilter { page_size: 1, ..page(Some(unit.code.clone()), true) };
                let n = store.list_dossiers(&filter).await?.total;
                if n > 0 {
                    total += n;
                    let _ = writeln!(counts, "- {} ({}): {n} hồ sơ quá hạn", unit.name, unit.code);
                }
            }
            if !counts.is_empty() {
                let _ = writeln!(body, "Hồ sơ quá hạn theo đơn vị:\n{counts}");
            }
        }
        if total == 0 {
            continue;
        }
        let _ = writeln!(body, "Danh sách: {public_url}/office/dossiers?view=overdue");
        let subject = format!("Đôn đốc giải quyết hồ sơ ngày {}", today.format("%d/%m/%Y"));
        let key = format!("digest:{today}:{}", user.id);
        deliveries.extend(officer_delivery(agency_id, None, &user, &key, &subject, &body));
    }
    let queued =
        if deliveries.is_empty() { 0 } else { store.enqueue_deliveries(agency_id, "digest", &deliveries, now).await? };
    store.mark_job_done(DIGEST_JOB, agency_id, &today.to_string(), now).await?;
    Ok(queued)
}

/// Who a reminder about `dossier` goes to: its assignee, else the officers of the unit holding it.
pub async fn remind_recipients(store: &dyn Store, dossier: &Dossier) -> Result<Vec<UserRecord>, StoreError> {
    if let Some(assignee) = dossier.assignee
        && let Some(user) = store.user(assignee).await?
    {
        return Ok(vec![user]);
    }
    let Some(unit) = dossier.step().map(|s| s.unit.clone()) else { return Ok(vec![]) };
    let mut out = Vec::new();
    for user in store.users_of(dossier.agency_id).await?.into_iter().filter(|u| u.active) {
        let grants = store.grants(user.id).await?;
        if grants.iter().any(|g| {
            g.agency_id == dossier.agency_id
                && g.unit.as_deref() == Some(unit.as_str())
                && matches!(g.role, Role::Specialist | Role::UnitLead)
        }) {
            out.push(user);
        }
    }
    Ok(out)
}

/// Queues a reminder about one dossier to whoever holds it, from `by`; how many messages were new
/// (0 when today's reminder already went, or nobody can receive it).
pub async fn remind(
    store: &dyn Store,
    cal: &WorkCalendar,
    dossier: &Dossier,
    by: &UserRecord,
    now: NaiveDateTime,
    public_url: &str,
) -> Result<usize, StoreError> {
    let today = now.date();
    let code = dossier.code.as_ref().map(|c| c.as_str().to_owned()).unwrap_or_default();
    let subject = format!("Nhắc giải quyết hồ sơ {code}");
    let body = format!(
        "{}\nNgười nhắc: {}.\nXem hồ sơ: {public_url}/office/dossiers/{}\n",
        line(dossier, cal, today, now).trim_start_matches("- "),
        by.full_name,
        dossier.id
    );
    let mut deliveries = Vec::new();
    for user in remind_recipients(store, dossier).await? {
        let key = format!("remind:{}:{today}:{}", dossier.id, user.id);
        deliveries.extend(officer_delivery(dossier.agency_id, Some(dossier.id), &user, &key, &subject, &body));
    }
    if deliveries.is_empty() {
        return Ok(0);
    }
    store.enqueue_deliveries(dossier.agency_id, "reminder", &deliveries, now).await
}
