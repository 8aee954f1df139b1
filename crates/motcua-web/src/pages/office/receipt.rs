//! The printed receipt (Mẫu 01, A5): what was received, exactly, in what form; the appointment
//! to the hour; where the result goes; the fees and whether they are paid; the register's book
//! and line; both signatures (the applicant's only at the counter: a postal applicant is not
//! there to sign).

#[allow(unused_imports)]
use super::*;

use motcua_domain::dossier::FormKind;

use crate::state::Letterhead;

#[derive(Debug, Template, WebTemplate)]
#[template(path = "receipt.html")]
pub struct ReceiptPage {
    d: Dossier,
    code: String,
    head: Letterhead,
    number: String,
    place_date: String,
    /// (name, form, quantity) of each paper received.
    papers: Vec<(String, &'static str, String)>,
    time_limit: String,
    received: String,
    due: String,
    delivery: String,
    fees: String,
    /// The fees may be paid online (the lookup's QR code leads there).
    pay_online: bool,
    /// "Quyển số" (the year's book) and "Số thứ tự" (the line).
    book: String,
    line: String,
    postal: bool,
    officer: String,
    lookup_url: String,
    qr_svg: String,
}

/// "08 giờ 30 phút, ngày 05/03/2026", as the forms write an instant.
pub fn hour_day(t: NaiveDateTime) -> String {
    t.format("%H giờ %M phút, ngày %d/%m/%Y").to_string()
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
    let (agency, cal) =
        state.agency_and_calendar(d.agency_id).await?.ok_or_else(|| ApiError::Internal("agency".into()))?;
    let head = state.letterhead(&agency).await?;
    let lookup_url = format!("{}/lookup?code={code}&phone_last4={}", state.config.public_url, d.phone_last4());
    let qr_svg = qrcode::QrCode::new(lookup_url.as_bytes())
        .map(|q| q.render::<qrcode::render::svg::Color>().min_dimensions(140, 140).build())
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let accepted = d.accepted_at.unwrap_or(d.submitted_at);
    // The appointment's hour: the due instant when it falls on the due day (a limit in hours),
    // else the close of business of the due day, when the counter hands results over.
    let due = match (d.due_date, d.due_at) {
        (Some(day), Some(at)) if at.date() == day => hour_day(at),
        (Some(day), _) => hour_day(cal.close_of_business(day)),
        _ => String::new(),
    };
    let officer = actor.name.clone();
    let lines = motcua_domain::payment::lines_of(&d);
    let total: motcua_domain::types::Vnd = lines.iter().map(|l| l.amount).sum();
    let fees = if total.0 == 0 {
        match &d.fee_reduction {
            Some(who) => format!("Miễn ({who})"),
            None => "Không".to_owned(),
        }
    } else {
        let each: Vec<String> = lines
            .iter()
            .map(|l| {
                let mut s = format!("{} {}", l.name, l.amount);
                let about: Vec<&str> = [l.code.as_deref(), l.legal_basis.as_deref(), l.reduction.as_deref()]
                    .into_iter()
                    .flatten()
                    .collect();
                if !about.is_empty() {
                    s = format!("{s} ({})", about.join("; "));
                }
                s
            })
            .collect();
        format!("{}; tổng {total} ({})", each.join("; "), if d.fees_paid { "đã thanh toán" } else { "chưa thanh toán" })
    };
    let pay_online = motcua_domain::payment::payable(&d);
    Ok(ReceiptPage {
        number: head.style.number(FormKind::Receipt, d.register_no),
        place_date: head.style.place_date(accepted.date()),
        papers: crate::pages::forms::papers(&d),
        time_limit: d.time_limit.describe_vi(),
        received: d.received_at.map(hour_day).unwrap_or_default(),
        due,
        delivery: d
            .result_delivery
            .as_ref()
            .map_or_else(|| "Bộ phận tiếp nhận và trả kết quả".to_owned(), |r| r.describe_vi()),
        fees,
        pay_online,
        book: format!("01/{}", chrono::Datelike::year(&accepted)),
        line: d.register_no.map(|n| n.to_string()).unwrap_or_else(|| "……".to_owned()),
        postal: d.channel == Channel::Postal,
        officer,
        head,
        code,
        lookup_url,
        qr_svg,
        d,
    })
}
