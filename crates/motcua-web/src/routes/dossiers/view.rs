//! What the API shows of a dossier, and the two steps every dossier endpoint shares: loading it
//! within the caller's scope, and applying a change with optimistic concurrency.

use motcua_domain::dossier::{Action, Dossier};
use motcua_domain::org::Actor;
use serde::Serialize;
use uuid::Uuid;

use crate::error::ApiResult;
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
    Ok(motcua_app::dossiers::load_readable(&*state.store, actor, id).await?)
}

/// Applies `action` to the stored dossier at `expected_version` and stores the result
/// ([`motcua_app::dossiers::act`]).
pub(crate) async fn apply_and_store(
    state: &AppState,
    actor: &Actor,
    dossier: &Dossier,
    expected_version: i64,
    action: Action,
) -> ApiResult<TransitionResponse> {
    let cal = state.calendar(dossier.agency_id).await?;
    let at = state.at(&cal);
    let t = motcua_app::dossiers::act(&*state.store, actor, dossier, expected_version, action, at).await?;
    Ok(TransitionResponse { dossier: DossierView::new(t.dossier, at.now), warnings: t.warnings })
}
