//! What the API shows of a dossier, and the two steps every dossier endpoint shares: loading it
//! within the caller's scope, and applying a change with optimistic concurrency.

use motcua_domain::dossier::{Action, Dossier};
use motcua_domain::org::Actor;
use serde::Serialize;

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

/// Applies `action` to the stored dossier at `expected_version` and stores the result
/// ([`AppState::act`]); the API's answer.
pub(crate) async fn apply_and_store(
    state: &AppState,
    actor: &Actor,
    dossier: &Dossier,
    expected_version: i64,
    action: Action,
) -> ApiResult<TransitionResponse> {
    let t = state.act(actor, dossier, expected_version, action).await?;
    Ok(TransitionResponse { dossier: DossierView::new(t.dossier, t.event.at), warnings: t.warnings })
}
