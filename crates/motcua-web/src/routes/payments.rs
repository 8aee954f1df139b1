//! VNPAY's IPN (`GET /api/v1/payments/vnpay/{agency}/ipn`): server to server, authoritative. The
//! query string is kept before it is read; the answer is the JSON VNPAY expects, and a fault of
//! ours is `99`, which VNPAY retries. `motcua_app::payments::vnpay_ipn` does the work.

use axum::extract::{Path, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use motcua_payments::vnpay::IpnAnswer;

use crate::rate_limit::ClientAddr;
use crate::state::AppState;

/// The longest query string read (VNPAY's is a few hundred bytes).
const QUERY_MAX: usize = 4096;

fn answer(a: IpnAnswer) -> Response {
    (StatusCode::OK, [(header::CONTENT_TYPE, "application/json")], a.json()).into_response()
}

pub async fn vnpay_ipn(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    Path(agency_code): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    if state.pass(crate::rate_limit::PAYMENT, &client).await.is_err() {
        return (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::CONTENT_TYPE, "application/json")],
            IpnAnswer::Unknown.json(),
        )
            .into_response();
    }
    let query = query.unwrap_or_default();
    let Some((_, merchant)) = state.config.vnpay.as_ref().filter(|(code, _)| *code == agency_code) else {
        return answer(IpnAnswer::OrderNotFound);
    };
    if query.len() > QUERY_MAX {
        return answer(IpnAnswer::Unknown);
    }
    let agency = match state.store.agency_by_code(&agency_code).await {
        Ok(Some(a)) => a,
        Ok(None) => return answer(IpnAnswer::OrderNotFound),
        Err(e) => {
            tracing::error!(error = %e, "VNPAY IPN: the database did not answer");
            return answer(IpnAnswer::Unknown);
        }
    };
    let now = match state.calendar(agency.id).await {
        Ok(cal) => state.now(&cal),
        Err(_) => state.now_default(),
    };
    match motcua_app::payments::vnpay_ipn(&*state.store, agency.id, merchant, &query, now).await {
        Ok(a) => answer(a),
        Err(e) => {
            tracing::error!(error = %e, "VNPAY IPN not recorded; VNPAY will retry");
            answer(IpnAnswer::Unknown)
        }
    }
}
