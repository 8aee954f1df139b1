//! The printed receipt (Mẫu 01).

#[allow(unused_imports)]
use super::*;

#[derive(Debug, Template, WebTemplate)]
#[template(path = "receipt.html")]
pub struct ReceiptPage {
    d: Dossier,
    code: String,
    agency_name: String,
    place_date: String,
    time_limit: String,
    received: String,
    due: String,
    fees: String,
    officer: String,
    lookup_url: String,
    qr_svg: String,
}

/// The receipt and appointment (Giấy tiếp nhận hồ sơ và hẹn trả kết quả, Mẫu 01), to print,
/// with a QR code to the public lookup.
pub async fn receipt(
    State(state): State<AppState>,
    Officer(actor): Officer,
    Path(id): Path<Uuid>,
) -> PageResult<ReceiptPage> {
    let d = state.readable_dossier(&actor, id).await?;
    let code =
        d.code.as_ref().map(|c| c.to_string()).ok_or_else(|| ApiError::NotFound("hồ sơ chưa được tiếp nhận".into()))?;
    let agency = state.store.agency(d.agency_id).await?.ok_or_else(|| ApiError::Internal("agency".into()))?;
    let lookup_url = format!("{}/lookup?code={code}&phone_last4={}", state.config.public_url, d.phone_last4());
    let qr_svg = qrcode::QrCode::new(lookup_url.as_bytes())
        .map(|q| q.render::<qrcode::render::svg::Color>().min_dimensions(160, 160).build())
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let accepted = d.accepted_at.unwrap_or(d.submitted_at);
    Ok(ReceiptPage {
        agency_name: agency.name.to_uppercase(),
        place_date: format!("Khánh Hòa, {}", motcua_domain::text::official_date(accepted.date())),
        time_limit: d.time_limit.describe_vi(),
        received: d.received_at.map(|r| r.format("%H giờ %M phút, ngày %d/%m/%Y").to_string()).unwrap_or_default(),
        due: d.due_date.map(|r| r.format("%d/%m/%Y").to_string()).unwrap_or_default(),
        fees: d.total_fees().to_string(),
        officer: actor.name.clone(),
        code,
        lookup_url,
        qr_svg,
        d,
    })
}
