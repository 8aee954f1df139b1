//! The providers' callbacks, server to server and authoritative: VNPAY's IPN
//! (`GET /api/v1/payments/vnpay/{agency}/ipn`), the national platform's confirmation and a bank's
//! VietQR transfer notification. Each is kept before it is read and answered in the provider's
//! own words; a fault of ours is `99` (or a 5xx for the bank), which the provider retries.
//! `motcua_app::payments::providers::callback` does the work.

use axum::extract::{Path, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use motcua_app::payments::providers::{Heard, callback};
use motcua_payments::vnpay::IpnAnswer;

use crate::rate_limit::ClientAddr;
use crate::state::AppState;

/// The longest query string read (VNPAY's is a few hundred bytes).
const QUERY_MAX: usize = 4096;

/// VNPAY's words for what the IPN came to.
fn ipn(h: Heard) -> IpnAnswer {
    match h {
        Heard::Recorded | Heard::Ignored => IpnAnswer::Confirmed,
        Heard::NotFound => IpnAnswer::OrderNotFound,
        Heard::Already => IpnAnswer::AlreadyConfirmed,
        Heard::WrongAmount => IpnAnswer::InvalidAmount,
        Heard::BadSignature => IpnAnswer::InvalidSignature,
        Heard::Unreadable => IpnAnswer::Unknown,
    }
}

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
    let Some(merchant) = state.provider(&agency_code, "vnpay") else {
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
    match callback(&*state.store, agency.id, merchant, (&query, None), now).await {
        Ok(h) => answer(ipn(h)),
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
    match callback(&*state.store, agency.id, partner, (&text, None), now).await {
        Ok(h) => reply(partner, h.code(), h.message_vi(), now),
        Err(e) => {
            tracing::error!(error = %e, "platform confirmation not recorded; the query job will ask");
            reply(partner, "99", "Lỗi hệ thống", now)
        }
    }
}

/// A bank's (or intermediary's) notification of a transfer into the agency's VietQR account
/// (`POST /api/v1/payments/vietqr/{agency}/webhook`, signed with the shared secret in
/// `X-Signature`): kept, verified, matched by its content like a statement's row.
pub async fn vietqr_webhook(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    Path(agency_code): Path<String>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let reply = |status: StatusCode, h: Heard| {
        let v = serde_json::json!({ "success": status.is_success(), "code": h.code(), "message": h.message_vi() });
        (status, axum::Json(v)).into_response()
    };
    if state.pass(crate::rate_limit::PROVIDER_CALLBACK, &client).await.is_err() {
        return StatusCode::TOO_MANY_REQUESTS.into_response();
    }
    if body.len() > motcua_payments::vietqr::WEBHOOK_MAX {
        return reply(StatusCode::PAYLOAD_TOO_LARGE, Heard::Unreadable);
    }
    let agency = match state.store.agency_by_code(&agency_code).await {
        Ok(Some(a)) => a,
        Ok(None) => return StatusCode::NOT_FOUND.into_response(),
        Err(e) => {
            tracing::error!(error = %e, "VietQR notification: the database did not answer");
            return reply(StatusCode::SERVICE_UNAVAILABLE, Heard::Unreadable);
        }
    };
    let bank = match state.bank(&agency).await {
        Ok(Some(b)) if b.webhook_secret.is_some() => b,
        Ok(_) => return StatusCode::NOT_FOUND.into_response(),
        Err(_) => return reply(StatusCode::SERVICE_UNAVAILABLE, Heard::Unreadable),
    };
    let now = match state.calendar(agency.id).await {
        Ok(cal) => state.now(&cal),
        Err(_) => state.now_default(),
    };
    let signature = headers.get("x-signature").and_then(|v| v.to_str().ok());
    let text = String::from_utf8_lossy(&body);
    match callback(&*state.store, agency.id, &bank, (&text, signature), now).await {
        Ok(h @ Heard::BadSignature) => reply(StatusCode::UNAUTHORIZED, h),
        Ok(h @ Heard::Unreadable) => reply(StatusCode::BAD_REQUEST, h),
        Ok(h) => reply(StatusCode::OK, h),
        Err(e) => {
            tracing::error!(error = %e, "VietQR notification not recorded; the bank will retry");
            reply(StatusCode::SERVICE_UNAVAILABLE, Heard::Unreadable)
        }
    }
}
