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
    if state.pass(crate::rate_limit::PROVIDER_CALLBACK, &client).await.is_err() {
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

/// The national payment platform's confirmation (`POST /api/v1/payments/platform/{agency}/confirm`):
/// kept as received, verified, judged; answered with its `MaLoi` and our check code.
pub async fn platform_confirm(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    Path(agency_code): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let reply = |partner: &motcua_payments::platform::Partner, code: &str, message: &str, now| {
        let v = motcua_payments::platform::confirmation_reply(partner, code, message, now);
        (StatusCode::OK, axum::Json(v)).into_response()
    };
    if state.pass(crate::rate_limit::PROVIDER_CALLBACK, &client).await.is_err() {
        return StatusCode::TOO_MANY_REQUESTS.into_response();
    }
    let Some((_, partner)) = state.config.platform.as_ref().filter(|(code, _)| *code == agency_code) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let now = state.now_default();
    if body.len() > QUERY_MAX {
        return reply(partner, "99", "Dữ liệu quá lớn", now);
    }
    let agency = match state.store.agency_by_code(&agency_code).await {
        Ok(Some(a)) => a,
        _ => return reply(partner, "99", "Lỗi hệ thống", now),
    };
    let text = String::from_utf8_lossy(&body);
    match motcua_app::payments::platform_confirmation(&*state.store, agency.id, partner, &text, now).await {
        Ok((code, message)) => reply(partner, code, message, now),
        Err(e) => {
            tracing::error!(error = %e, "platform confirmation not recorded; the query job will ask");
            reply(partner, "99", "Lỗi hệ thống", now)
        }
    }
}
