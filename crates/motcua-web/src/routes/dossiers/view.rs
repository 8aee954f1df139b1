//! What the API shows of a dossier, and the two steps every dossier endpoint shares: loading it
//! within the caller's scope, and applying a change with optimistic concurrency.

use motcua_domain::dossier::{Action, Context, Dossier};
use motcua_domain::org::Actor;
use motcua_domain::rules::rules_for;
use motcua_domain::types::DossierCode;
use serde::Serialize;
use uuid::Uuid;

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DossierView {
    #[serde(flatten)]
    pub dossier: Dossier,
    /// National portal status code 1–10.
    pub portal_status: u8,
    /// The state in Vietnamese, e.g. "Đang xử lý".
    pub state_label: String,
    /// Past its due instant (or finished late).
    pub overdue: bool,
    /// Fees total, "550.000 đ".
    pub fees_text: String,
}

impl DossierView {
    pub fn new(dossier: Dossier, now: chrono::NaiveDateTime) -> DossierView {
        DossierView {
            portal_status: dossier.portal_status(),
            state_label: dossier.state.label_vi().to_owned(),
            overdue: dossier.is_overdue(now),
            fees_text: dossier.total_fees().to_string(),
            dossier,
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TransitionResponse {
    pub dossier: DossierView,
    /// Things the person acting should know (e.g. a late supplement request).
    pub warnings: Vec<String>,
}

/// Officers of the dossier's agency and the citizen who submitted it may read it; to anyone
/// else it does not exist.
pub(crate) async fn load_readable(state: &AppState, actor: &Actor, id: Uuid) -> ApiResult<Dossier> {
    let not_found = || ApiError::NotFound("không tìm thấy hồ sơ".into());
    let d = state.store.dossier(id).await?.ok_or_else(not_found)?;
    let readable = actor.is_staff_of(d.agency_id) || (actor.citizen && d.citizen_user_id == Some(actor.user_id));
    if readable { Ok(d) } else { Err(not_found()) }
}

/// The next code of the agency's day (`<agency>-YYMMDD-NNNN`), its number taken atomically.
pub(crate) async fn allocate_code(
    state: &AppState,
    agency_id: Uuid,
    agency_code: &motcua_domain::types::AgencyCode,
    day: chrono::NaiveDate,
) -> ApiResult<DossierCode> {
    let seq = state.store.next_sequence(agency_id, day).await?;
    Ok(DossierCode::new(agency_code, day, seq, rules_for(day).code_sequence_width))
}

/// The person a dossier is forwarded to must be an active officer who may work the next step.
async fn check_assignee(state: &AppState, dossier: &Dossier, assignee: Uuid) -> ApiResult<()> {
    let refuse = || ApiError::field("assignee", "người được giao phải là cán bộ của đơn vị xử lý bước tiếp theo");
    let next = dossier.current_step.and_then(|i| dossier.steps.get(i + 1)).ok_or_else(refuse)?;
    let user = state.store.user(assignee).await?.filter(|u| u.active && !u.citizen).ok_or_else(refuse)?;
    let grants = state.store.grants(user.id).await?;
    let officer = Actor { user_id: user.id, name: user.full_name, grants, citizen: false };
    if officer.may_work_step(next.role, dossier.agency_id, &next.unit) { Ok(()) } else { Err(refuse()) }
}

/// Applies `action` to the stored dossier at `expected_version` and stores the result.
pub(crate) async fn apply_and_store(
    state: &AppState,
    actor: &Actor,
    dossier: &Dossier,
    expected_version: i64,
    action: Action,
) -> ApiResult<TransitionResponse> {
    if dossier.version != expected_version {
        return Err(ApiError::Conflict {
            code: "stale_version",
            message: format!(
                "hồ sơ đã thay đổi (phiên bản {} thay vì {expected_version}); hãy tải lại và thử lại",
                dossier.version
            ),
        });
    }
    if let Action::Forward { assignee: Some(assignee), .. } = &action {
        check_assignee(state, dossier, *assignee).await?;
    }
    let cal = state.calendar(dossier.agency_id).await?;
    let now = state.now(&cal);
    let new_code = if matches!(action, Action::Accept) && dossier.code.is_none() {
        Some(allocate_code(state, dossier.agency_id, &dossier.agency_code, now.date()).await?)
    } else {
        None
    };
    let ctx =
        Context { actor, now, calendar: &cal, new_code, max_reappoint_days: state.config.max_reappoint_working_days };
    let t = dossier.apply(action, &ctx)?;
    state.store.update_dossier(expected_version, &t).await?;
    Ok(TransitionResponse { dossier: DossierView::new(t.dossier, now), warnings: t.warnings })
}
