//! `GET /api/v1/dossiers`: the dossiers in the caller's scope — an officer's agencies, a
//! citizen's own — with filters, paginated, unfinished first by due date.

use axum::Json;
use axum::extract::State;
use chrono::NaiveDate;
use motcua_domain::catalog::Channel;
use motcua_domain::dossier::State as DossierState;
use motcua_store::DossierFilter;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::view::DossierView;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiQuery, Caller};
use crate::state::AppState;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct DossierParams {
    pub state: Option<DossierState>,
    /// Code of the unit holding the current step.
    pub unit: Option<String>,
    pub assignee: Option<Uuid>,
    /// Only unfinished dossiers past their due instant.
    pub overdue: Option<bool>,
    /// Only unfinished dossiers due within this many working days.
    pub due_within_days: Option<u32>,
    pub channel: Option<Channel>,
    /// Received on or after (YYYY-MM-DD).
    pub received_from: Option<NaiveDate>,
    /// Received on or before (YYYY-MM-DD).
    pub received_to: Option<NaiveDate>,
    /// `received`: newest received first (default: unfinished first, by due date).
    pub sort: Option<String>,
    pub page: Option<u32>,
    pub page_size: Option<u32>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DossierPage {
    pub items: Vec<DossierView>,
    pub total: i64,
}

#[utoipa::path(get, path = "/api/v1/dossiers", tag = "dossiers", params(DossierParams),
    responses((status = 200, body = DossierPage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)),
    security(("token" = [])))]
pub async fn list(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiQuery(p): ApiQuery<DossierParams>,
) -> ApiResult<Json<DossierPage>> {
    let agencies = actor.agencies();
    let home = agencies.first().copied();
    let cal = match home {
        Some(a) => state.calendar(a).await?,
        None => state.calendar(Uuid::nil()).await?,
    };
    let now = state.now(&cal);
    let due_before = match p.due_within_days {
        Some(n) => Some(cal.end_of(
            cal.add_working_days(now.date(), n).map_err(|e| ApiError::field("due_within_days", e.to_string()))?,
        )),
        None => None,
    };
    if let (Some(from), Some(to)) = (p.received_from, p.received_to)
        && from > to
    {
        return Err(ApiError::field("received_from", "ngày bắt đầu sau ngày kết thúc"));
    }
    let filter = DossierFilter {
        agencies: if actor.citizen { Vec::new() } else { agencies },
        citizen_user_id: actor.citizen.then_some(actor.user_id),
        state: p.state,
        unit: p.unit,
        assignee: p.assignee,
        overdue_at: p.overdue.filter(|o| *o).map(|_| now),
        due_before,
        channel: p.channel,
        received_from: p.received_from,
        received_to: p.received_to,
        created_from: None,
        newest_first: p.sort.as_deref() == Some("received"),
        page: p.page.unwrap_or(1),
        page_size: p.page_size.unwrap_or(20),
    };
    let page = state.store.list_dossiers(&filter).await?;
    Ok(Json(DossierPage {
        items: page.items.into_iter().map(|d| DossierView::new(d, now)).collect(),
        total: page.total,
    }))
}
