//! `GET /api/v1/lookup?code=…&phone_last4=…`: the public lookup. Status, due date and a timeline
//! without personal data. A wrong code and a wrong phone get the same 404, after the same work.

use axum::Json;
use axum::extract::State;
use chrono::{NaiveDate, NaiveDateTime};
use motcua_domain::dossier::{Dossier, EventKind, State as DossierState};
use serde::{Deserialize, Serialize};

use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::ApiQuery;
use crate::rate_limit::{ClientAddr, Door, LOOKUP_CODE_FAILURES};
use crate::state::AppState;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct LookupParams {
    /// The dossier code printed on the receipt.
    pub code: String,
    /// The last four digits of the applicant's phone number.
    pub phone_last4: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LookupStep {
    #[schema(value_type = String)]
    pub at: NaiveDateTime,
    /// The event's code, e.g. `accept`.
    pub kind: EventKind,
    pub to_state: DossierState,
    pub event: String,
    pub state_label: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LookupView {
    pub code: String,
    pub state: DossierState,
    pub procedure: String,
    pub state_label: String,
    pub portal_status: u8,
    #[schema(value_type = Option<String>)]
    pub received_at: Option<NaiveDateTime>,
    #[schema(value_type = Option<String>)]
    pub due_date: Option<NaiveDate>,
    #[schema(value_type = Option<String>)]
    pub returned_at: Option<NaiveDateTime>,
    pub timeline: Vec<LookupStep>,
    /// Its fees may be paid online now (awaiting them, or due since submission).
    pub payable: bool,
    /// The dossier's version this answer was read at (not shown): a kept answer whose dossier
    /// still has it is renewed without reading the dossier again.
    #[serde(skip)]
    pub version: i64,
}

/// Constant-time comparison of short strings of equal length.
fn same(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// The public view of the dossier with this code, if `phone_last4` matches its applicant's
/// phone. Every failure does the same work and gives the same `None`.
/// The dossier with this code, if the phone digits match (compared in constant time).
pub async fn find_dossier(state: &AppState, code: &str, phone_last4: &str) -> ApiResult<Option<Dossier>> {
    // Look the code up even when the phone part is malformed, so every failure costs the same.
    let dossier = match state.agency_of_code(code).await? {
        Some(agency_id) => state.store.dossier_by_code(agency_id, code.trim()).await?,
        None => None,
    };
    let matches = phone_matches(dossier.as_ref().map(|d| d.phone_last4()), phone_last4);
    Ok(dossier.filter(|_| matches))
}

/// Whether the digits given match the stored ones (compared in constant time, and compared
/// even when there is no dossier).
fn phone_matches(stored: Option<&str>, given: &str) -> bool {
    let given = given.trim();
    same(stored.unwrap_or("----"), given) && given.len() == 4 && given.chars().all(|c| c.is_ascii_digit())
}

pub async fn find(state: &AppState, code: &str, phone_last4: &str) -> ApiResult<Option<LookupView>> {
    // One round trip for the dossier and its timeline; the same work whether or not it matches.
    let found = match state.agency_of_code(code).await? {
        Some(agency_id) => state.store.dossier_and_events_by_code(agency_id, code.trim()).await?,
        None => None,
    };
    let matches = phone_matches(found.as_ref().map(|(d, _)| d.phone_last4()), phone_last4);
    let Some((d, events)) = found.filter(|_| matches) else { return Ok(None) };
    let timeline = events
        .iter()
        .filter(|e| e.kind != EventKind::AttachDocument)
        .map(|e| LookupStep {
            at: e.at,
            kind: e.kind,
            to_state: e.to_state,
            event: e.kind.label(false).to_owned(),
            state_label: e.to_state.label_vi().to_owned(),
        })
        .collect();
    Ok(Some(LookupView {
        payable: motcua_domain::payment::payable(&d),
        code: d.code.map(|c| c.to_string()).unwrap_or_default(),
        state: d.state,
        procedure: d.procedure_name,
        state_label: d.state.label_vi().to_owned(),
        portal_status: d.state.portal_status(),
        received_at: d.received_at,
        due_date: d.due_date,
        returned_at: d.returned_at,
        timeline,
        version: d.version,
    }))
}

/// The least time a failed lookup takes, so that a wrong code and a wrong phone (which do a
/// little more work) cannot be told apart by their answer time.
const FAILURE_FLOOR: std::time::Duration = std::time::Duration::from_millis(60);

/// Runs a lookup `work` for `code` behind the public lookup's guards, shared by the API, the
/// lookup page, the kiosk and the evaluation form:
/// - each client address may look up `lookup_per_minute` times a minute (429 past it);
/// - each code may be tried with a wrong phone [`LOOKUP_CODE_FAILURES`] times an hour, from
///   anywhere; then it answers "not found" until the hour is over, even to the right phone;
/// - every failure takes at least [`FAILURE_FLOOR`].
pub async fn guarded<T>(
    state: &AppState,
    client: &str,
    code: &str,
    work: impl std::future::Future<Output = ApiResult<Option<T>>>,
) -> ApiResult<Option<T>> {
    let started = std::time::Instant::now();
    state.pass(lookup_door(state), client).await?;
    locked_or(state, started, code, work).await
}

fn lookup_door(state: &AppState) -> Door {
    Door { name: "lookup", limit: state.config.lookup_per_minute, window_seconds: 60 }
}

/// Whether a code with `failures` wrong phones this hour is locked.
fn locked(failures: i64) -> bool {
    failures >= i64::from(LOOKUP_CODE_FAILURES.limit)
}

/// The guards after the client's rate limit: the code's lock, the counted failure, the floor.
async fn locked_or<T>(
    state: &AppState,
    started: std::time::Instant,
    code: &str,
    work: impl std::future::Future<Output = ApiResult<Option<T>>>,
) -> ApiResult<Option<T>> {
    let code = code.trim().to_uppercase();
    let plausible = !code.is_empty() && code.len() <= 40 && code.chars().all(|c| c.is_ascii_graphic());
    // The code's failures and the dossier are read at once (two round trips side by side, not
    // one after the other); a locked code's answer is read and thrown away.
    let (failures, found) = if plausible {
        let (failures, found) = tokio::join!(state.counted(LOOKUP_CODE_FAILURES, &code), work);
        (failures?, found?)
    } else {
        (0, None)
    };
    let locked = !plausible || locked(failures);
    let found = if locked { None } else { found };
    if found.is_none() {
        if plausible && !locked {
            state.count(LOOKUP_CODE_FAILURES, &code, 1).await?;
            state.lookups.forget(&code);
        }
        tokio::time::sleep(FAILURE_FLOOR.saturating_sub(started.elapsed())).await;
    }
    Ok(found)
}

/// The public view of the dossier `code` for the applicant's `phone_last4`, behind the guards of
/// [`guarded`]; an answer found lately is reused (see [`crate::lookup_cache`]): the client's rate
/// limit still applies to it.
pub async fn lookup_view(
    state: &AppState,
    client: &str,
    code: &str,
    phone_last4: &str,
) -> ApiResult<Option<LookupView>> {
    let started = std::time::Instant::now();
    state.pass(lookup_door(state), client).await?;
    let key = code.trim().to_uppercase();
    if let Some(kept) = state.lookups.get(&key, phone_last4) {
        if kept.refresh {
            let (state, phone_last4, version) = (state.clone(), phone_last4.to_owned(), kept.view.version);
            tokio::spawn(async move { read_again(&state, &key, &phone_last4, version).await });
        }
        return Ok(Some(kept.view));
    }
    let generation = state.lookups.generation();
    let found = locked_or(state, started, code, find(state, code, phone_last4)).await?;
    if let Some(view) = &found {
        state.lookups.put(&key, phone_last4, generation, view);
    }
    Ok(found)
}

/// Reads a kept answer again in the background ([`crate::lookup_cache`]): first the code's lock
/// and its dossier's version, two small reads; a dossier still at the kept answer's `version` has
/// not changed, and the answer is renewed as it is. A changed one is read whole and replaces the
/// answer; a locked or vanished code, or one whose digits no longer match, drops it (the next
/// lookup then goes the whole guarded way). No failure is counted here: the answer was found
/// before.
async fn read_again(state: &AppState, key: &str, phone_last4: &str, version: i64) {
    let generation = state.lookups.generation();
    let current = async {
        match state.agency_of_code(key).await? {
            Some(agency_id) => Ok(state.store.dossier_version_by_code(agency_id, key).await?),
            None => ApiResult::Ok(None),
        }
    };
    let (failures, current) = tokio::join!(state.counted(LOOKUP_CODE_FAILURES, key), current);
    let outcome = match (failures, current) {
        (Ok(failures), Ok(Some(now))) if !locked(failures) => {
            if now == version {
                state.lookups.renew(key, generation);
                return;
            }
            find(state, key, phone_last4).await
        }
        (Ok(_), Ok(_)) => Ok(None),
        (Err(e), _) | (_, Err(e)) => Err(e),
    };
    match outcome {
        Ok(Some(view)) => state.lookups.put(key, phone_last4, generation, &view),
        Ok(None) => state.lookups.forget(key),
        Err(e) => {
            tracing::warn!(error = %e, "a kept lookup answer could not be read again; dropped");
            state.lookups.forget(key);
        }
    }
}

#[utoipa::path(get, path = "/api/v1/lookup", tag = "public", params(LookupParams),
    responses((status = 200, body = LookupView), (status = 404, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn lookup(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    ApiQuery(p): ApiQuery<LookupParams>,
) -> ApiResult<Json<LookupView>> {
    lookup_view(&state, &client, &p.code, &p.phone_last4)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::NotFound("không tìm thấy hồ sơ với mã và số điện thoại này".into()))
}

impl LookupView {
    /// The labels in the page's language.
    pub fn localize(mut self, english: bool) -> LookupView {
        if english {
            self.state_label = self.state.label_en().to_owned();
            for s in &mut self.timeline {
                s.event = s.kind.label(true).to_owned();
                s.state_label = s.to_state.label_en().to_owned();
            }
        }
        self
    }
}
