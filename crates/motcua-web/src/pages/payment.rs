//! Paying a dossier's fees as the applicant does it: from the lookup (the dossier's code and the
//! last four digits of the phone, as everywhere public), the payment page lists the fee lines and
//! every way to pay — VNPAY when the agency has a merchant, a VietQR code when it has published
//! its account — and, once paid, the e-receipts. VNPAY's return to the site only displays: the
//! IPN (`routes/payments.rs`) is what credits a payment.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, RawQuery, State};
use axum::response::{IntoResponse, Redirect, Response};
use motcua_domain::payment::{PaymentRequest, Receipt, RequestState};
use serde::Deserialize;
use uuid::Uuid;

use super::error::PageResult;
use super::session::{CsrfForm, Shell, Web};
use crate::error::ApiError;
use crate::rate_limit::ClientAddr;
use crate::state::AppState;

/// The agency setting of its account for VietQR transfers: `{"bin":"970403","account":"…","name":"…"}`.
pub const VIETQR_KEY: &str = "payments.vietqr";

#[derive(Debug, Deserialize)]
struct BankAccount {
    bin: String,
    account: String,
    #[serde(default)]
    name: String,
}

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
    let account = state
        .store
        .agency_settings(agency.id)
        .await?
        .into_iter()
        .find(|(k, _)| k == VIETQR_KEY)
        .and_then(|(_, v)| serde_json::from_str::<BankAccount>(&v).ok());
    let vietqr = match account.filter(|_| r.state == RequestState::Awaiting) {
        Some(a) => {
            let transfer = motcua_payments::vietqr::Transfer {
                bin: a.bin.clone(),
                account: a.account.clone(),
                target: motcua_payments::vietqr::Target::Account,
                amount: Some(r.total.0),
                bill: Some(r.reference.chars().take(25).collect()),
                purpose: Some(r.reference.chars().take(25).collect()),
            };
            match transfer.encode() {
                Ok(text) => {
                    let svg = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M)
                        .map(|c| c.render::<qrcode::render::svg::Color<'_>>().min_dimensions(220, 220).build())
                        .unwrap_or_default();
                    Some((svg, text, format!("{} — {} (BIN {})", a.account, a.name, a.bin)))
                }
                Err(_) => None,
            }
        }
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
    let platform = state.config.platform.as_ref().is_some_and(|(code, _)| *code == agency_code)
        && r.state == RequestState::Awaiting;
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
    let Some((_, merchant)) = state.config.vnpay.as_ref().filter(|(code, _)| *code == agency_code) else {
        return Err(ApiError::NotFound("cơ quan chưa nhận thanh toán qua VNPAY".into()).into());
    };
    let cal = state.calendar(agency.id).await?;
    let now = state.now(&cal);
    let return_url = format!("{}/payments/vnpay/return", state.config.public_url);
    let (_, url) = motcua_app::payments::start_vnpay(&*state.store, merchant, &r, (&return_url, &client), now).await?;
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
    let Some((_, partner)) = state.config.platform.as_ref().filter(|(code, _)| *code == agency_code) else {
        return Err(ApiError::NotFound("cơ quan chưa nhận thanh toán qua Nền tảng thanh toán".into()).into());
    };
    let cal = state.calendar(agency.id).await?;
    let now = state.now(&cal);
    let attempt = motcua_app::payments::start_platform(&*state.store, &r, now).await?;
    let lines: Vec<serde_json::Value> = r
        .lines
        .iter()
        .map(|l| serde_json::json!({ "LoaiPhiLePhi": l.kind.label_vi(), "TenPhiLePhi": l.name, "SoTien": l.amount.0 }))
        .collect();
    let receipt = serde_json::json!({
        "MaHoSo": r.dossier_code, "TenDonVi": agency.name, "MaDonVi": agency.code.to_string(),
        "HoTenNguoiNop": r.payer, "NoiDungThanhToan": format!("Nop phi le phi ho so {}", r.dossier_code), "PhiLePhi": lines,
    });
    let info = format!("Nop phi le phi ho so {}", r.dossier_code);
    let body =
        motcua_payments::platform::init(partner, &attempt.txn_ref, attempt.amount.0, &info, now, &client, receipt);
    let unavailable = |e: String| {
        tracing::warn!(error = %e, "national payment platform INIT failed");
        ApiError::Conflict {
            code: "provider_unavailable",
            message: "Nền tảng thanh toán chưa trả lời; Ông/Bà vui lòng thử lại sau ít phút.".into(),
        }
    };
    let answer = provider_call(&partner.init_url, &body).await.map_err(unavailable)?;
    let url = motcua_payments::platform::init_answer(&answer).map_err(|e| unavailable(e.to_string()))?;
    Ok(PlatformPage { shell: web.shell, url })
}

/// Posts a message to a payment provider's API; its JSON answer, or why there is none.
pub(crate) async fn provider_call(url: &str, body: &serde_json::Value) -> Result<serde_json::Value, String> {
    let client = crate::pages::national_sign_in::http_client().map_err(|e| e.to_string())?;
    let res = client.post(url).json(body).send().await.map_err(|e| e.to_string())?;
    res.json().await.map_err(|e| e.to_string())
}
