//! Fees as the counter follows them: a bank statement of the agency's account read in (CSV), its
//! VietQR transfers matched to the payments awaiting them, and the transfers that paid nothing
//! known, for an officer to look into.

#[allow(unused_imports)]
use super::*;
use axum::http::StatusCode;
use motcua_domain::org::{Agency, Role};
use motcua_store::UnmatchedTransfer;

async fn payments_agency(state: &AppState, actor: &Actor) -> Result<Agency, ApiError> {
    let id = actor
        .grants
        .iter()
        .find(|g| matches!(g.role, Role::Reception | Role::AgencyLead | Role::UnitLead))
        .map(|g| g.agency_id)
        .ok_or_else(|| ApiError::Forbidden("đối soát thanh toán (bộ phận một cửa, lãnh đạo)".into()))?;
    state.store.agency(id).await?.ok_or_else(|| ApiError::NotFound("cơ quan".into()))
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "office_payments.html")]
pub struct PaymentsPage {
    shell: Shell,
    agency_name: String,
    /// (bank reference, day, amount, content, reason).
    unmatched: Vec<(String, String, String, String, String)>,
    /// What the statement just read did, line by line.
    report: Vec<String>,
    notice: Option<String>,
    errors: Vec<FieldError>,
}

async fn page(
    state: &AppState,
    web: Web,
    agency: &Agency,
    (report, notice): (Vec<String>, Option<String>),
    errors: Vec<FieldError>,
) -> PageResult<PaymentsPage> {
    let unmatched = state
        .store
        .unmatched_transfers(agency.id)
        .await?
        .into_iter()
        .map(|t: UnmatchedTransfer| {
            let day = t.day.map(|d| d.format("%d/%m/%Y").to_string()).unwrap_or_default();
            let amount = motcua_domain::types::Vnd(u64::try_from(t.amount).unwrap_or(0)).to_string();
            (t.bank_ref, day, amount, t.content, t.reason)
        })
        .collect();
    Ok(PaymentsPage { shell: web.shell, agency_name: agency.name.clone(), unmatched, report, notice, errors })
}

pub async fn payments(State(state): State<AppState>, web: Web, Officer(actor): Officer) -> PageResult<PaymentsPage> {
    let agency = payments_agency(&state, &actor).await?;
    page(&state, web, &agency, (vec![], None), vec![]).await
}

/// `POST /office/payments/statement`: a bank statement read in.
pub async fn statement(
    State(state): State<AppState>,
    web: Web,
    Officer(actor): Officer,
    crate::pages::dossier_forms::CsrfFile(upload): crate::pages::dossier_forms::CsrfFile,
) -> PageResult<Response> {
    let agency = payments_agency(&state, &actor).await?;
    let Some((_, bytes)) = upload else {
        let errors = vec![FieldError::new("file", "Cần chọn tệp sao kê (CSV).")];
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page(&state, web, &agency, (vec![], None), errors).await?)
            .into_response());
    };
    let cal = state.calendar(agency.id).await?;
    let now = state.now(&cal);
    match motcua_app::payments::match_statement(&*state.store, &actor, agency.id, &bytes, now).await {
        Ok(r) => {
            let mut lines: Vec<String> =
                r.credited.iter().map(|(bank, code)| format!("{bank}: đã nộp phí hồ sơ {code}")).collect();
            lines.extend(r.unmatched.iter().map(|(bank, why)| format!("{bank}: chưa khớp — {why}")));
            lines.extend(r.refused.iter().map(|(row, why)| format!("dòng {row}: không đọc được — {why}")));
            let notice = format!(
                "Đã đọc sao kê: {} giao dịch khớp, {} chưa khớp, {} đã đọc trước đó, {} dòng không đọc được.",
                r.credited.len(),
                r.unmatched.len(),
                r.repeated,
                r.refused.len()
            );
            Ok(page(&state, web, &agency, (lines, Some(notice)), vec![]).await?.into_response())
        }
        Err(motcua_app::AppError::Domain(motcua_domain::DomainError::Invalid(fields))) => {
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page(&state, web, &agency, (vec![], None), fields).await?)
                .into_response())
        }
        Err(e) => Err(ApiError::from(e).into()),
    }
}
