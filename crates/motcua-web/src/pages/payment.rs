//! Paying a dossier's fees as the applicant does it: from the lookup (the dossier's code and the
//! last four digits of the phone, as everywhere public), the payment page lists the fee lines and
//! every way to pay — VNPAY when the agency has a merchant, a VietQR code when it has published
//! its account — and, once paid, the e-receipts. VNPAY's return to the site only displays: the
//! IPN (`routes/payments.rs`) is what credits a payment.

use crate::extract::ApiQuery as Query;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Redirect, Response};
use motcua_domain::payment::{PaymentRequest, Receipt, RequestState};
use serde::Deserialize;
use uuid::Uuid;

use super::error::PageResult;
use super::session::{CsrfForm, Shell, Web};
use crate::error::ApiError;
use crate::rate_limit::ClientAddr;
use crate::state::AppState;

#[derive(Debug, Template, WebTemplate)]
#[template(path = "pay.html")]
pub struct PayPage {
    shell: Shell,
    agency_code: String,
    agency_name: String,
    r: PaymentRequest,
    vnpay: bool,
    platform: bool,
    /// The VietQR code as SVG, its string, and the account it pays into.
    vietqr: Option<(String, String, String)>,
    receipts: Vec<Receipt>,
    /// The national platform's own receipt of the payment can be fetched.
    platform_bill: bool,
    notice: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct PayStart {
    #[serde(default)]
    code: String,
    #[serde(default)]
    phone_last4: String,
}

/// `POST /pay`: from the lookup, the dossier proven by its code and phone digits; its payment
/// request (made from its fee lines the first time).
pub async fn start(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    CsrfForm(f): CsrfForm<PayStart>,
) -> PageResult<Response> {
    let not_found = || ApiError::NotFound("không tìm thấy hồ sơ / dossier not found".into());
    let dossier = crate::routes::lookup::guarded(
        &state,
        &client,
        &f.code,
        crate::routes::lookup::find_dossier(&state, &f.code, &f.phone_last4),
    )
    .await?
    .ok_or_else(not_found)?;
    let cal = state.calendar(dossier.agency_id).await?;
    let now = state.now(&cal);
    let request = motcua_app::payments::request_for(&*state.store, &dossier, now).await?;
    Ok(Redirect::to(&format!("/pay/{}/{}", dossier.agency_code, request.id)).into_response())
}

async fn load(
    state: &AppState,
    agency_code: &str,
    id: Uuid,
) -> Result<(motcua_domain::org::Agency, PaymentRequest), ApiError> {
    let not_found = || ApiError::NotFound("không tìm thấy yêu cầu nộp phí".into());
    let agency = state.store.agency_by_code(agency_code).await?.ok_or_else(not_found)?;
    let r = state.store.payment_request(agency.id, id).await?.ok_or_else(not_found)?;
    Ok((agency, r))
}

#[derive(Debug, Default, Deserialize)]
pub struct PayQuery {
    #[serde(default)]
    returned: Option<String>,
}

/// `GET /pay/{agency}/{id}`: the request, how to pay it, and its receipts once paid. The id is
/// the capability (a UUID v7, not guessable), like a receipt's link.
pub async fn page(
    State(state): State<AppState>,
    web: Web,
    Path((agency_code, id)): Path<(String, Uuid)>,
    Query(q): Query<PayQuery>,
) -> PageResult<Response> {
    let (agency, r) = load(&state, &agency_code, id).await?;
    let vnpay =
        state.config.vnpay.as_ref().is_some_and(|(code, _)| *code == agency_code) && r.state == RequestState::Awaiting;
    let cal = state.calendar(agency.id).await?;
    let bank = state.bank(&agency).await?.filter(|_| r.state == RequestState::Awaiting);
    let vietqr = match bank {
        Some(bank) => motcua_app::payments::providers::transfer_code(&bank, &r, state.now(&cal)).await.map(|text| {
            let svg = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M)
                .map(|c| c.render::<qrcode::render::svg::Color<'_>>().min_dimensions(220, 220).build())
                .unwrap_or_default();
            (svg, text, format!("{} — {} (BIN {})", bank.account, bank.name, bank.bin))
        }),
        None => None,
    };
    let receipts = state.store.receipts_of(agency.id, r.id).await?;
    let notice = match (q.returned.as_deref(), r.state) {
        (Some(_), RequestState::Paid) => Some("Đã thanh toán. Biên lai điện tử ở dưới.".to_owned()),
        (Some(code), _) if code != "00" => Some(format!(
            "Thanh toán chưa thành công: {}. Ông/Bà có thể thử lại.",
            motcua_payments::vnpay::response_vi(code)
        )),
        (Some(_), _) => Some(
            "Cổng thanh toán đã báo thành công; hệ thống đang chờ xác nhận, vui lòng tải lại trang sau ít phút."
                .to_owned(),
        ),
        _ => None,
    };
    let platform_configured = state.provider(&agency_code, "platform").is_some();
    let platform = platform_configured && r.state == RequestState::Awaiting;
    let platform_bill = platform_configured
        && r.state == RequestState::Paid
        && state.store.attempts_of(agency.id, r.id).await?.iter().any(|a| {
            a.provider == motcua_domain::payment::Provider::Platform
                && a.state == motcua_domain::payment::AttemptState::Succeeded
                && !a.refund_due
        });
    let provider = state.config.vnpay.as_ref().filter(|_| vnpay).map(|(_, m)| origin(&m.pay_url));
    let page = PayPage {
        shell: web.shell,
        agency_code,
        agency_name: agency.name,
        r,
        vnpay,
        platform,
        vietqr,
        receipts,
        platform_bill,
        notice,
    };
    let mut res = page.into_response();
    // The VNPAY form's answer redirects to VNPAY: the policy lets this page's forms go there.
    if let Some(origin) = provider
        && let Ok(csp) = axum::http::HeaderValue::from_str(
            &crate::CSP.replace("form-action 'self'", &format!("form-action 'self' {origin}")),
        )
    {
        res.headers_mut().insert(axum::http::header::CONTENT_SECURITY_POLICY, csp);
    }
    Ok(res)
}

/// `scheme://host[:port]` of a URL (the whole text when it has no path).
fn origin(url: &str) -> String {
    let rest_at = url.find("://").map_or(0, |i| i + 3);
    match url[rest_at..].find('/') {
        Some(slash) => url[..rest_at + slash].to_owned(),
        None => url.to_owned(),
    }
}

/// `POST /pay/{agency}/{id}/vnpay`: a new attempt, and off to VNPAY's page.
pub async fn vnpay(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    Path((agency_code, id)): Path<(String, Uuid)>,
    CsrfForm(_): CsrfForm<PayQuery>,
) -> PageResult<Response> {
    state.pass(crate::rate_limit::PAYMENT, &client).await?;
    let (agency, r) = load(&state, &agency_code, id).await?;
    let Some(merchant) = state.provider(&agency_code, "vnpay") else {
        return Err(ApiError::NotFound("cơ quan chưa nhận thanh toán qua VNPAY".into()).into());
    };
    let cal = state.calendar(agency.id).await?;
    let now = state.now(&cal);
    let return_url = format!("{}/payments/vnpay/return", state.config.public_url);
    let http = motcua_app::payments::providers::Http::new()?;
    let receipt = motcua_app::payments::providers::receipt_info(&agency, &r);
    let (_, start) = motcua_app::payments::providers::start(
        &*state.store,
        &http,
        merchant,
        &r,
        (&return_url, &client, receipt),
        now,
    )
    .await?;
    let motcua_payments::provider::Start::Redirect(url) = start else {
        return Err(ApiError::Internal("VNPAY không trả về địa chỉ thanh toán".into()).into());
    };
    Ok(Redirect::to(&url).into_response())
}

/// `GET /payments/vnpay/return`: where VNPAY sends the payer back. Display only: a signed return
/// leads to its request's page with VNPAY's answer; nothing is credited here.
pub async fn vnpay_return(State(state): State<AppState>, RawQuery(query): RawQuery) -> PageResult<Response> {
    let query = query.unwrap_or_default();
    let Some((agency_code, merchant)) = state.config.vnpay.as_ref() else {
        return Err(ApiError::NotFound("không có cổng VNPAY".into()).into());
    };
    let params: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes()).into_owned().collect();
    let outcome = motcua_payments::vnpay::read(&merchant.hash_secret, &params)
        .map_err(|e| ApiError::BadRequest(format!("kết quả thanh toán không hợp lệ: {e}")))?;
    let agency = state.store.agency_by_code(agency_code).await?.ok_or_else(|| ApiError::NotFound("cơ quan".into()))?;
    let attempt = state
        .store
        .attempt_by_ref(agency.id, &outcome.txn_ref)
        .await?
        .ok_or_else(|| ApiError::NotFound("không tìm thấy giao dịch".into()))?;
    let code = if outcome.succeeded() { "00" } else { outcome.response_code.as_str() };
    let code: String = code.chars().filter(char::is_ascii_digit).take(2).collect();
    Ok(Redirect::to(&format!("/pay/{agency_code}/{}?returned={code}", attempt.request_id)).into_response())
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "payment_receipt.html")]
pub struct ReceiptPage {
    shell: Shell,
    agency_name: String,
    tax_code: String,
    r: Receipt,
}

/// The agency setting of its tax code, printed on its receipts.
pub const TAX_CODE_KEY: &str = "payments.tax_code";

/// `GET /pay/{agency}/{request}/receipts/{id}`: an e-receipt, printable (the request's id is the
/// capability, as for its page).
pub async fn receipt(
    State(state): State<AppState>,
    web: Web,
    Path((agency_code, request_id, id)): Path<(String, Uuid, Uuid)>,
) -> PageResult<ReceiptPage> {
    let not_found = || ApiError::NotFound("không tìm thấy biên lai".into());
    let (agency, _) = load(&state, &agency_code, request_id).await?;
    let r =
        state.store.receipts_of(agency.id, request_id).await?.into_iter().find(|r| r.id == id).ok_or_else(not_found)?;
    let tax_code = state
        .store
        .agency_settings(agency.id)
        .await?
        .into_iter()
        .find(|(k, _)| k == TAX_CODE_KEY)
        .map(|(_, v)| v)
        .unwrap_or_default();
    Ok(ReceiptPage { shell: web.shell, agency_name: agency.name, tax_code, r })
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "pay_platform.html")]
pub struct PlatformPage {
    shell: Shell,
    url: String,
}

/// `POST /pay/{agency}/{id}/platform`: a new attempt, its `INIT` sent to the national payment
/// platform, and a link to the payment page it answered with (a link, not a redirect: the page's
/// host is the platform's answer, which the form's policy cannot name in advance).
pub async fn platform(
    State(state): State<AppState>,
    web: Web,
    ClientAddr(client): ClientAddr,
    Path((agency_code, id)): Path<(String, Uuid)>,
    CsrfForm(_): CsrfForm<PayQuery>,
) -> PageResult<PlatformPage> {
    state.pass(crate::rate_limit::PAYMENT, &client).await?;
    let (agency, r) = load(&state, &agency_code, id).await?;
    let Some(partner) = state.provider(&agency_code, "platform") else {
        return Err(ApiError::NotFound("cơ quan chưa nhận thanh toán qua Nền tảng thanh toán".into()).into());
    };
    let cal = state.calendar(agency.id).await?;
    let now = state.now(&cal);
    let http = motcua_app::payments::providers::Http::new()?;
    let receipt = motcua_app::payments::providers::receipt_info(&agency, &r);
    let (_, start) =
        motcua_app::payments::providers::start(&*state.store, &http, partner, &r, ("", &client, receipt), now).await?;
    match start {
        motcua_payments::provider::Start::Link(url) | motcua_payments::provider::Start::Redirect(url) => {
            Ok(PlatformPage { shell: web.shell, url })
        }
        motcua_payments::provider::Start::Qr(_) => {
            Err(ApiError::Internal("Nền tảng thanh toán không trả về địa chỉ thanh toán".into()).into())
        }
    }
}

/// `GET /pay/{agency}/{id}/platform-receipt`: the national payment platform's own receipt of the
/// payment (`GET_BILL`, a PDF), fetched once and kept.
pub async fn platform_receipt(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    Path((agency_code, id)): Path<(String, Uuid)>,
) -> PageResult<Response> {
    state.pass(crate::rate_limit::PAYMENT, &client).await?;
    let (agency, r) = load(&state, &agency_code, id).await?;
    let Some(partner) = state.provider(&agency_code, "platform") else {
        return Err(ApiError::NotFound("cơ quan chưa nhận thanh toán qua Nền tảng thanh toán".into()).into());
    };
    let cal = state.calendar(agency.id).await?;
    let http = motcua_app::payments::providers::Http::new()?;
    let pdf = motcua_app::payments::providers::provider_receipt(
        &*state.store,
        &state.files,
        &http,
        partner,
        (agency.id, r.id),
        state.now(&cal),
    )
    .await?;
    let name = format!("inline; filename=\"bien-lai-{}.pdf\"", motcua_domain::payment::alphanumeric(&r.dossier_code));
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "application/pdf".to_owned()),
            (axum::http::header::CONTENT_DISPOSITION, name),
            (axum::http::header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        pdf,
    )
        .into_response())
}
