//! `GET /api/v1/procedures?q=…&field=…&page=…&page_size=…`: search the catalog, ranked,
//! diacritics ignored.

use axum::Json;
use axum::extract::State;
use motcua_domain::catalog::{OnlineService, ProcedureLevel, ProcedureVersion};
use motcua_store::ProcedureQuery;
use serde::{Deserialize, Serialize};

use crate::error::{ApiResult, ErrorBody};
use crate::extract::ApiQuery;
use crate::state::AppState;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ProcedureParams {
    /// Words to find; "dat dai" finds "Đất đai".
    pub q: Option<String>,
    /// Field code, e.g. `DD`.
    pub field: Option<String>,
    /// `province`, `commune` or `central`.
    pub level: Option<String>,
    /// Online service: `full`, `partial` or `none`.
    pub online: Option<String>,
    /// Page number from 1.
    pub page: Option<u32>,
    /// Items per page, 1–200 (20 by default).
    pub page_size: Option<u32>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProcedureSummary {
    pub code: String,
    pub name: String,
    pub field: String,
    pub level: ProcedureLevel,
    /// `10d`, `8h` or `same-day`.
    pub time_limit: String,
    /// "10 ngày làm việc".
    pub time_limit_text: String,
    pub online: OnlineService,
    /// Total of fees and charges, VND.
    pub fees_total: u64,
    /// "550.000 đ".
    pub fees_text: String,
    pub version: i32,
}

impl From<&ProcedureVersion> for ProcedureSummary {
    fn from(v: &ProcedureVersion) -> Self {
        ProcedureSummary {
            code: v.spec.code.clone(),
            name: v.spec.name.clone(),
            field: v.spec.field.clone(),
            level: v.spec.level,
            time_limit: v.spec.time_limit.to_string(),
            time_limit_text: v.spec.time_limit.describe_vi(),
            online: v.spec.online,
            fees_total: v.spec.total_fees().0,
            fees_text: v.spec.total_fees().to_string(),
            version: v.version,
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProcedurePage {
    pub items: Vec<ProcedureSummary>,
    pub total: i64,
}

#[utoipa::path(get, path = "/api/v1/procedures", tag = "catalog", params(ProcedureParams),
    responses((status = 200, body = ProcedurePage), (status = 400, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ApiQuery(p): ApiQuery<ProcedureParams>,
) -> ApiResult<Json<ProcedurePage>> {
    let q = match p.q.as_deref().map(motcua_domain::text::search_terms).transpose() {
        Ok(q) => q.flatten(),
        Err(e) => return Err(crate::error::ApiError::field("q", e)),
    };
    let page = state
        .store
        .search_procedures(&ProcedureQuery {
            q,
            field: p.field,
            agency_id: None,
            level: p.level,
            online: p.online,
            in_force_on: Some(state.now_default().date()),
            page: p.page.unwrap_or(1),
            page_size: p.page_size.unwrap_or(20),
        })
        .await?;
    Ok(Json(ProcedurePage { items: page.items.iter().map(ProcedureSummary::from).collect(), total: page.total }))
}
