//! Biểu 06 as the database counts it ([`bieu06`], for the pages, the exports and the freeze), and
//! its freeze: by a leader or an administrator for an ended period ([`freeze`]), and monthly on
//! the first working day after a month's report window closes (the 14th), when the worker stores
//! that month's Biểu 06 as an immutable snapshot, once per agency, whichever worker gets there
//! first ([`freeze_last_month`]).

use chrono::NaiveDateTime;
use motcua_quality::report06::{self, Column, Placement, Report06};
use motcua_quality::{Period, Window};
use motcua_store::{Store, StoreError};
use uuid::Uuid;

use motcua_domain::org::{Actor, Agency, Role};

use crate::AppError;
use crate::calendars;

/// Freezes the last closed month's report of `agency_id` if it is due and not done; whether it
/// did.
pub async fn freeze_last_month(store: &dyn Store, agency_id: Uuid, now: NaiveDateTime) -> Result<bool, StoreError> {
    let today = now.date();
    // The month whose window holds today is still open; the one before it has closed.
    let period = Period::month_of_report(today).previous();
    let key = period.to_string();
    if store.job_done("freeze-bieu06", agency_id, &key).await? {
        return Ok(false);
    }
    let cal = calendars::load(store, agency_id).await?;
    if !cal.is_working_day(today).unwrap_or(false) {
        return Ok(false);
    }
    let window = period.report_window();
    let report = bieu06(store, &[agency_id], &window).await?;
    let data = with_anchors(store, agency_id, serde_json::to_value(&report)?, &window, now).await?;
    store.insert_scheduled_snapshot(agency_id, "bieu06", &key, now, &data).await
}

/// A frozen report's data with the record's daily anchors of its window (`anchors`): whoever
/// holds the report holds the chains' heads as they stood each day, and can later check that
/// nothing before them was rewritten (`motcua audit verify --anchors`).
async fn with_anchors(
    store: &dyn Store,
    agency_id: Uuid,
    mut data: serde_json::Value,
    window: &Window,
    now: NaiveDateTime,
) -> Result<serde_json::Value, StoreError> {
    let anchors = crate::evidence::daily_anchors(store, agency_id, (window.first, window.last), now).await?;
    if let Some(fields) = data.as_object_mut() {
        fields.insert("anchors".into(), serde_json::to_value(anchors)?);
    }
    Ok(data)
}

/// Decision 766's index of one agency over `window` as the quality page computes it, its
/// dossiers counted by the database in one pass ([`motcua_store::QualityStore::index766_tally`])
/// rather than read into memory: the narrative report and the benchmarks use it.
pub async fn index766(
    store: &dyn Store,
    agency_id: Uuid,
    window: Window,
    cal: &motcua_calendar::WorkCalendar,
) -> Result<motcua_quality::index766::Index, StoreError> {
    use motcua_quality::index766::{self, Config, Inputs};
    let agencies = [agency_id];
    let (dossiers, history) = tokio::try_join!(
        store.index766_tally(&agencies, window.start(), window.end()),
        store.procedure_history(agency_id)
    )?;
    let procedures = motcua_quality::catalog::procedures(&history, cal);
    let feedback =
        crate::feedback::received_in(store, &agencies, window.start(), window.end()).await.map_err(|e| match e {
            crate::AppError::Store(e) => e,
            other => StoreError::Config(other.to_string()),
        })?;
    let inputs = Inputs { dossiers: &dossiers, window, procedures: &procedures, feedback: &feedback };
    Ok(index766::compute(&Config::builtin(), &inputs))
}

/// The Biểu 06 of `window` for `agencies`, counted by the database.
pub async fn bieu06(store: &dyn Store, agencies: &[Uuid], window: &Window) -> Result<Report06, StoreError> {
    // Several agencies (a province's report) are counted in two halves at once: each count is one
    // core's work in the database (a single SQLite query runs on one thread), and a small server
    // has two.
    let counts = if agencies.len() > 1 {
        let (a, b) = agencies.split_at(agencies.len() / 2);
        let (a, b) = tokio::join!(
            store.report06_counts(a, window.start(), window.end()),
            store.report06_counts(b, window.start(), window.end())
        );
        let mut counts = a?;
        counts.extend(b?);
        counts
    } else {
        store.report06_counts(agencies, window.start(), window.end()).await?
    };
    let mut rows = Vec::with_capacity(counts.len());
    for c in counts {
        let (Some(received), Some(outcome)) = (Column::named(&c.received), Column::named(&c.outcome)) else {
            return Err(StoreError::Corrupt(format!("report placement {} / {}", c.received, c.outcome)));
        };
        rows.push((c.field, c.unit, Placement { received, outcome }, c.count as u64));
    }
    Ok(report06::from_counts(&rows))
}

/// Freezes the report of `period` for `agency` as it stands at `now`: an immutable snapshot, kept
/// with who made it, and an audit entry. An official act of the agency, for its leads and
/// administrators (an inspector reads); only an ended period is frozen, since the figures of one
/// under way still change.
pub async fn freeze(
    store: &dyn Store,
    actor: &Actor,
    agency: &Agency,
    period: Period,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    use motcua_domain::DomainError;
    let may_freeze = actor
        .grants
        .iter()
        .any(|g| g.agency_id == agency.id && matches!(g.role, Role::AgencyLead | Role::UnitLead | Role::Admin));
    if !may_freeze {
        return Err(DomainError::Forbidden("chốt số liệu báo cáo (chỉ lãnh đạo, quản trị)".into()).into());
    }
    let window = period.report_window().as_of(now);
    if window.provisional() {
        let message = format!(
            "{} chưa kết thúc (số liệu đến hết ngày {}): chưa chốt được số liệu / the period has not ended",
            period.label_vi(),
            window.last.format("%d/%m/%Y")
        );
        return Err(DomainError::field("period", message).into());
    }
    let report = bieu06(store, &[agency.id], &window).await?;
    let data = serde_json::to_value(&report).map_err(StoreError::from)?;
    let data = with_anchors(store, agency.id, data, &window, now).await?;
    store.insert_report_snapshot(agency.id, "bieu06", &period.to_string(), Some(actor.user_id), now, &data).await?;
    let what = ("report.freeze", format!("bieu06:{period}"));
    crate::audit::record(store, Some(agency.id), Some(actor.user_id), what, serde_json::json!({}), now).await?;
    Ok(())
}
