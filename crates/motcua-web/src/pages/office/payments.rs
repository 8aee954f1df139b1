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

#[derive(Debug, Default, Deserialize)]
pub struct ReconcileQuery {
    /// The day (`YYYY-MM-DD`), today by default.
    #[serde(default)]
    day: String,
    /// `xlsx` for the spreadsheet.
    #[serde(default)]
    format: String,
    #[serde(default)]
    refunded: Option<String>,
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "office_reconciliation.html")]
pub struct ReconciliationPage {
    shell: Shell,
    agency_name: String,
    day: String,
    day_vi: String,
    /// (provider, count, amount).
    providers: Vec<(&'static str, u64, String)>,
    receipts: u64,
    receipts_amount: String,
    paid_requests: u64,
    paid_amount: String,
    mismatches: Vec<motcua_app::payments::Mismatch>,
    notice: Option<String>,
}

/// `GET /office/payments/reconciliation?day=`: the day's reconciliation, on the page or as XLSX.
pub async fn reconciliation(
    State(state): State<AppState>,
    web: Web,
    Officer(actor): Officer,
    Query(q): Query<ReconcileQuery>,
) -> PageResult<Response> {
    let agency = payments_agency(&state, &actor).await?;
    let cal = state.calendar(agency.id).await?;
    let today = state.now(&cal).date();
    let day = match q.day.trim() {
        "" => today,
        d => chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .map_err(|_| ApiError::field("day", "ngày theo dạng YYYY-MM-DD"))?,
    };
    let from = day.and_time(chrono::NaiveTime::MIN);
    let to = from + chrono::Duration::days(1);
    let r = motcua_app::payments::reconcile(&*state.store, agency.id, (from, to)).await?;
    if q.format == "xlsx" {
        let bytes = reconciliation_xlsx(&agency, day, &r).map_err(|e| ApiError::Internal(e.to_string()))?;
        let kind = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
        let disposition = format!("attachment; filename=\"doi-soat-{}-{day}.xlsx\"", agency.code);
        return Ok((
            [
                (axum::http::header::CONTENT_TYPE, kind.to_owned()),
                (axum::http::header::CONTENT_DISPOSITION, disposition),
            ],
            bytes,
        )
            .into_response());
    }
    Ok(ReconciliationPage {
        shell: web.shell,
        agency_name: agency.name,
        day: day.to_string(),
        day_vi: day.format("%d/%m/%Y").to_string(),
        providers: r.providers.iter().map(|p| (p.provider.label_vi(), p.count, p.amount.to_string())).collect(),
        receipts: r.receipts,
        receipts_amount: r.receipts_amount.to_string(),
        paid_requests: r.paid_requests,
        paid_amount: r.paid_amount.to_string(),
        mismatches: r.mismatches,
        notice: q.refunded.map(|_| "VNPAY đã nhận yêu cầu hoàn trả.".to_owned()),
    }
    .into_response())
}

fn reconciliation_xlsx(
    agency: &Agency,
    day: chrono::NaiveDate,
    r: &motcua_app::payments::Reconciliation,
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let sheet = book.add_worksheet().set_name("Đối soát")?;
    sheet.write_string_with_format(0, 0, "Đối soát thanh toán phí, lệ phí", &bold)?;
    sheet.write_string(1, 0, format!("{} ({}), ngày {}", agency.name, agency.code, day.format("%d/%m/%Y")))?;
    for (c, h) in ["Kênh thanh toán", "Số giao dịch", "Số tiền (đồng)"].iter().enumerate() {
        sheet.write_string_with_format(3, c as u16, *h, &bold)?;
    }
    let mut row = 4;
    for p in &r.providers {
        sheet.write_string(row, 0, p.provider.label_vi())?;
        sheet.write_number(row, 1, p.count as f64)?;
        sheet.write_number(row, 2, p.amount.0 as f64)?;
        row += 1;
    }
    sheet.write_string(row, 0, "Biên lai đã cấp")?;
    sheet.write_number(row, 1, r.receipts as f64)?;
    sheet.write_number(row, 2, r.receipts_amount.0 as f64)?;
    sheet.write_string(row + 1, 0, "Hồ sơ đã thanh toán")?;
    sheet.write_number(row + 1, 1, r.paid_requests as f64)?;
    sheet.write_number(row + 1, 2, r.paid_amount.0 as f64)?;
    sheet.set_column_width(0, 45)?;
    let sheet = book.add_worksheet().set_name("Sai lệch")?;
    for (c, h) in ["Loại", "Mã tham chiếu", "Mã hồ sơ", "Chi tiết"].iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    for (i, m) in r.mismatches.iter().enumerate() {
        let row = 1 + i as u32;
        sheet.write_string(row, 0, m.kind)?;
        sheet.write_string(row, 1, &m.reference)?;
        sheet.write_string(row, 2, &m.dossier_code)?;
        sheet.write_string(row, 3, &m.detail)?;
    }
    sheet.set_column_width(0, 32)?;
    sheet.set_column_width(3, 50)?;
    book.save_to_buffer()
}

/// `GET /office/payments/receipts-summary?day=`: the day's receipts for the tax authority (Mẫu
/// 01/TH-BLĐT, Circular 91/2026 Annex III), as CSV.
pub async fn receipts_summary(
    State(state): State<AppState>,
    Officer(actor): Officer,
    Query(q): Query<ReconcileQuery>,
) -> PageResult<Response> {
    let agency = payments_agency(&state, &actor).await?;
    let cal = state.calendar(agency.id).await?;
    let day = match q.day.trim() {
        "" => state.now(&cal).date(),
        d => chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .map_err(|_| ApiError::field("day", "ngày theo dạng YYYY-MM-DD"))?,
    };
    let from = day.and_time(chrono::NaiveTime::MIN);
    let rows =
        motcua_app::payments::receipts_summary(&*state.store, agency.id, (from, from + chrono::Duration::days(1)))
            .await?;
    let mut out = csv::Writer::from_writer(vec![0xef, 0xbb, 0xbf]);
    let head = [
        "STT",
        "Ký hiệu mẫu",
        "Ký hiệu biên lai",
        "Số biên lai",
        "Ngày",
        "Tên loại phí, lệ phí",
        "Số tiền",
        "Tỷ giá",
        "Trạng thái",
        "Kỳ điều chỉnh",
        "Biên lai liên quan",
        "Giải trình",
        "Ghi chú",
    ];
    let fail = |e: csv::Error| ApiError::Internal(e.to_string());
    out.write_record(head).map_err(fail)?;
    for (i, r) in rows.iter().enumerate() {
        let record = [
            (i + 1).to_string(),
            r.template.clone(),
            r.symbol.clone(),
            r.number.clone(),
            r.date.clone(),
            crate::pages::spreadsheet_cell(&r.fee),
            r.amount.to_string(),
            String::new(),
            r.status.to_owned(),
            String::new(),
            crate::pages::spreadsheet_cell(&r.related),
            crate::pages::spreadsheet_cell(&r.explanation),
            String::new(),
        ];
        out.write_record(&record).map_err(fail)?;
    }
    let bytes = out.into_inner().map_err(|e| ApiError::Internal(e.to_string()))?;
    let disposition = format!("attachment; filename=\"01-TH-BLDT-{}-{day}.csv\"", agency.code);
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (axum::http::header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Debug, Deserialize)]
pub struct RefundForm {
    #[serde(default)]
    attempt: String,
    #[serde(default)]
    day: String,
}

/// `POST /office/payments/refund`: asks the provider (VNPAY) to return money taken twice;
/// recorded once it accepts (for VNPAY a signed answer, `00` or `94` already asked).
pub async fn refund(
    State(state): State<AppState>,
    Officer(actor): Officer,
    CsrfForm(f): CsrfForm<RefundForm>,
) -> PageResult<Response> {
    let agency = payments_agency(&state, &actor).await?;
    let attempt = motcua_app::payments::refundable(&*state.store, &actor, agency.id, f.attempt.trim()).await?;
    let Some(provider) = state.provider(&agency.code.to_string(), attempt.provider.as_str()) else {
        return Err(
            ApiError::NotFound(format!("khoản này không hoàn trả qua {} được", attempt.provider.label_vi())).into()
        );
    };
    let cal = state.calendar(agency.id).await?;
    let http = motcua_app::payments::providers::Http::new()?;
    let what = (agency.id, attempt.txn_ref.as_str());
    motcua_app::payments::providers::refund(&*state.store, &http, provider, &actor, what, state.now(&cal)).await?;
    let day = f.day.chars().filter(|c| c.is_ascii_digit() || *c == '-').take(10).collect::<String>();
    Ok(Redirect::to(&format!("/office/payments/reconciliation?day={day}&refunded=1")).into_response())
}
