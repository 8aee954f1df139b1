//! Intake and actions on a dossier: the steps every edge (the API, the officer's and the
//! citizen's pages, the demo, the benchmarks) shares around the domain's transition — the
//! reader's scope, the stale-version check, the day's numbering, the assignee's eligibility, and
//! the one write of the dossier with its event and outbox row.

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use motcua_calendar::WorkCalendar;
use motcua_domain::DomainError;
use motcua_domain::catalog::{Channel, ProcedureVersion};
use motcua_domain::dossier::{Action, Context, Dossier, FormKind, Submission, Transition, TurnAway};
use motcua_domain::org::{Actor, Agency};
use motcua_domain::rules::rules_for;
use motcua_domain::types::{AgencyCode, DossierCode};
use motcua_store::Store;
use uuid::Uuid;

use crate::AppError;

/// Officers of the dossier's agency and the citizen who submitted it may read it; to anyone
/// else it does not exist. The read names what scopes it: each agency the officer works in (on
/// a sharded database, one shard each), or the citizen.
pub async fn load_readable(store: &dyn Store, actor: &Actor, id: Uuid) -> Result<Dossier, AppError> {
    let not_found = || AppError::NotFound("không tìm thấy hồ sơ".into());
    for agency_id in actor.agencies() {
        if let Some(d) = store.dossier(agency_id, id).await? {
            return Ok(d);
        }
    }
    if actor.citizen
        && let Some(d) = store.citizen_dossier(actor.user_id, id).await?
    {
        return Ok(d);
    }
    Err(not_found())
}

/// The next code of the agency's day (`<agency>-YYMMDD-NNNN`), its number taken atomically.
pub async fn allocate_code(
    store: &dyn Store,
    agency_id: Uuid,
    agency_code: &AgencyCode,
    day: NaiveDate,
) -> Result<DossierCode, AppError> {
    let seq = store.next_sequence(agency_id, day).await?;
    Ok(DossierCode::new(agency_code, day, seq, rules_for(day).code_sequence_width))
}

/// The person a dossier is forwarded to must be an active officer who may work the next step.
async fn check_assignee(store: &dyn Store, dossier: &Dossier, assignee: Uuid) -> Result<(), AppError> {
    let refuse = || DomainError::field("assignee", "người được giao phải là cán bộ của đơn vị xử lý bước tiếp theo");
    let next = dossier.current_step.and_then(|i| dossier.steps.get(i + 1)).ok_or_else(refuse)?;
    let user = store.user(assignee).await?.filter(|u| u.active && !u.citizen).ok_or_else(refuse)?;
    let grants = store.grants(user.id).await?;
    let officer = Actor { user_id: user.id, name: user.full_name, grants, citizen: false };
    if officer.may_work_step(next.role, dossier.agency_id, &next.unit) { Ok(()) } else { Err(refuse().into()) }
}

/// Where and when a change is made: the agency's calendar, its local time, and the bound of a
/// re-appointment.
#[derive(Debug, Clone, Copy)]
pub struct At<'a> {
    pub calendar: &'a WorkCalendar,
    pub now: NaiveDateTime,
    pub max_reappoint_days: u32,
}

impl<'a> At<'a> {
    fn context(&self, actor: &'a Actor, new_code: Option<DossierCode>) -> Context<'a> {
        Context { actor, now: self.now, calendar: self.calendar, new_code, max_reappoint_days: self.max_reappoint_days }
    }
}

/// Applies `action` by `actor` to `dossier` as read at `expected_version`, and stores the
/// change with its event and outbox row; a dossier changed meanwhile is refused (409).
pub async fn act(
    store: &dyn Store,
    actor: &Actor,
    dossier: &Dossier,
    expected_version: i64,
    action: Action,
    at: At<'_>,
) -> Result<Transition, AppError> {
    if dossier.version != expected_version {
        return Err(AppError::Conflict {
            code: "stale_version",
            message: format!(
                "hồ sơ đã thay đổi (phiên bản {} thay vì {expected_version}); hãy tải lại và thử lại",
                dossier.version
            ),
        });
    }
    if let Action::Forward { assignee: Some(assignee), .. } = &action {
        check_assignee(store, dossier, *assignee).await?;
    }
    let new_code = if matches!(action, Action::Accept) && dossier.code.is_none() {
        Some(allocate_code(store, dossier.agency_id, &dossier.agency_code, at.now.date()).await?)
    } else {
        None
    };
    // The document the change issues takes the next number of its series in the agency's
    // year once the change is known to be allowed (a refused change takes none; a number taken
    // by a change that then loses a race to a concurrent one is skipped, and the series shows
    // the gap).
    let issues = action.issues();
    let t = dossier.apply(action, &at.context(actor, new_code))?;
    let t = match issues {
        Some(kind) => t.numbered(store.next_number(dossier.agency_id, at.now.year(), kind.as_str()).await?),
        None => t,
    };
    store.update_dossier(expected_version, &t).await?;
    Ok(t)
}

/// Intake of `sub` for the procedure `version` of `agency`, stored in one write. Online, the
/// dossier waits for reception ("submitted", no code). At the counter or from the post it is
/// checked on the spot and accepted in the same change (Mẫu 01): the role and the papers are
/// checked before the day's number is taken, and the number is taken in the transaction that
/// writes the dossier, so a refusal or a crash takes none.
pub async fn intake(
    store: &dyn Store,
    actor: &Actor,
    version: &ProcedureVersion,
    agency: &Agency,
    sub: Submission,
    at: At<'_>,
) -> Result<Transition, AppError> {
    let ctx = at.context(actor, None);
    if sub.channel == Channel::Online {
        let t = Dossier::submit(version, agency.code.clone(), sub, &ctx)?;
        store.insert_dossier(&t).await?;
        return Ok(t);
    }
    Dossier::submit(version, agency.code.clone(), sub.clone(), &ctx)?;
    if let Some(p) = &sub.postal
        && store.open_postal_dossier(agency.id, &p.tracking_number).await?.is_some()
    {
        return Err(DomainError::field(
            "postal.tracking_number",
            "số hiệu bưu gửi này đã dùng cho một hồ sơ khác chưa giải quyết xong",
        )
        .into());
    }
    let day = at.now.date();
    let width = rules_for(day).code_sequence_width;
    let make = |seq: u32, line: u32| {
        let code = DossierCode::new(&agency.code, day, seq, width);
        Dossier::take_in(version, agency.code.clone(), sub.clone(), &at.context(actor, Some(code)))
            .map(|t| t.numbered(line))
    };
    Ok(store.insert_numbered_dossier(agency.id, day, &make).await??)
}

/// Intake of a dossier filed on the national portal: an online dossier submitted by the
/// citizen's account (the portal checked who they are), remembering the portal's code, waiting
/// for reception like any online dossier.
pub async fn intake_from_portal(
    store: &dyn Store,
    actor: &Actor,
    version: &ProcedureVersion,
    agency: &Agency,
    sub: Submission,
    origin: motcua_domain::dossier::PortalOrigin,
    at: At<'_>,
) -> Result<Transition, AppError> {
    let mut t = Dossier::submit(version, agency.code.clone(), sub, &at.context(actor, None))?;
    t.dossier.portal = Some(origin);
    store.insert_dossier(&t).await?;
    Ok(t)
}

/// A walk-in at the counter sent away with Mẫu 02 (papers to complete) or Mẫu 03 (refused):
/// recorded as a dossier never accepted, with the form's number of the agency's year; no code
/// and no clock. The role and the content are checked before the number is taken.
pub async fn turn_away(
    store: &dyn Store,
    actor: &Actor,
    version: &ProcedureVersion,
    agency: &Agency,
    sub: Submission,
    why: TurnAway,
    at: At<'_>,
) -> Result<Transition, AppError> {
    let kind = match why {
        TurnAway::Complete { .. } => FormKind::Completion,
        TurnAway::Refuse { .. } => FormKind::IntakeRefusal,
    };
    let t = Dossier::turn_away(version, agency.code.clone(), sub, why, &at.context(actor, None))?;
    let t = t.numbered(store.next_number(agency.id, at.now.year(), kind.as_str()).await?);
    store.insert_dossier(&t).await?;
    Ok(t)
}
