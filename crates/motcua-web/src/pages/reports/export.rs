//! Biểu 06 as CSV and as a spreadsheet (XLSX).

#[allow(unused_imports)]
use super::*;

/// The lines of the form as text cells: (group, name, counts).
fn table(report: &Report06, units: &[(String, String)]) -> Vec<(String, String, [u64; 11])> {
    let mut rows = Vec::new();
    for (k, l) in &report.by_field {
        rows.push(("Lĩnh vực".to_owned(), k.clone(), l.counts));
    }
    for (k, l) in &report.by_unit {
        rows.push(("Đơn vị".to_owned(), unit_label(units, k), l.counts));
    }
    rows.push(("Tổng cộng".to_owned(), String::new(), report.total.counts));
    rows
}

fn header() -> Vec<String> {
    let mut h = vec!["Nhóm".to_owned(), "Tên".to_owned()];
    h.extend(Column::ALL.iter().map(|c| format!("({}) {}", c.number(), c.label_vi())));
    h
}

pub(super) fn download(content_type: &str, name: &str, body: Vec<u8>) -> Response {
    let disposition = format!("attachment; filename=\"{name}\"");
    ([(CONTENT_TYPE, content_type.to_owned()), (CONTENT_DISPOSITION, disposition)], body).into_response()
}

pub async fn bieu06_csv(
    State(state): State<AppState>,
    Officer(actor): Officer,
    Query(p): Query<PageParams>,
) -> PageResult<Response> {
    let sc = scope(&state, actor, (p.agency.as_deref(), &p.period), false).await?;
    let w = sc.report_window();
    let Scope { agency, period, .. } = sc;
    let report = motcua_app::reports::bieu06(&*state.store, &[agency.id], &w).await?;
    let units = unit_names(&state, &agency).await?;
    // A byte-order mark, so that spreadsheet programs read the Vietnamese right.
    let mut out = "\u{feff}".as_bytes().to_vec();
    {
        let mut w = csv::Writer::from_writer(&mut out);
        let fail = |e: csv::Error| ApiError::Internal(e.to_string());
        w.write_record(header()).map_err(fail)?;
        for (group, name, counts) in table(&report, &units) {
            let mut record = vec![group, crate::pages::spreadsheet_cell(&name)];
            record.extend(counts.iter().map(u64::to_string));
            w.write_record(record).map_err(fail)?;
        }
        w.flush().map_err(|e| ApiError::Internal(e.to_string()))?;
    }
    Ok(download("text/csv; charset=utf-8", &format!("bieu06-{}-{period}.csv", agency.code), out))
}

pub async fn bieu06_xlsx(
    State(state): State<AppState>,
    Officer(actor): Officer,
    Query(p): Query<PageParams>,
) -> PageResult<Response> {
    let sc = scope(&state, actor, (p.agency.as_deref(), &p.period), false).await?;
    let w = sc.report_window();
    let Scope { agency, period, cal, .. } = sc;
    let report = motcua_app::reports::bieu06(&*state.store, &[agency.id], &w).await?;
    let units = unit_names(&state, &agency).await?;
    let late = late_rows(&state, &cal, &agency, &w).await?;
    let bytes = xlsx(&agency, (&period, &w), &report, &units, &late).map_err(|e| ApiError::Internal(e.to_string()))?;
    let kind = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    Ok(download(kind, &format!("bieu06-{}-{period}.xlsx", agency.code), bytes))
}

fn xlsx(
    agency: &Agency,
    (period, window): (&Period, &Window),
    report: &Report06,
    units: &[(String, String)],
    late: &[LateRow],
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let sheet = book.add_worksheet().set_name("Biểu 06")?;
    sheet.write_string_with_format(0, 0, "Biểu số 06/VPCP/KSTT — Tình hình, kết quả giải quyết TTHC", &bold)?;
    sheet.write_string(1, 0, format!("{} ({})", agency.name, agency.code))?;
    sheet.write_string(2, 0, format!("Kỳ báo cáo: {} (từ ngày {})", period.label_vi(), window.label()))?;
    for (c, h) in header().iter().enumerate() {
        sheet.write_string_with_format(4, c as u16, h, &bold)?;
    }
    for (r, (group, name, counts)) in table(report, units).iter().enumerate() {
        let row = 5 + r as u32;
        sheet.write_string(row, 0, group)?;
        sheet.write_string(row, 1, name)?;
        for (c, n) in counts.iter().enumerate() {
            sheet.write_number(row, 2 + c as u16, *n as f64)?;
        }
    }
    sheet.set_column_width(1, 40)?;
    let sheet = book.add_worksheet().set_name("Hồ sơ quá hạn")?;
    let head = ["Mã hồ sơ", "Thủ tục", "Đơn vị", "Hạn", "Tình trạng", "Số ngày làm việc quá hạn", "Xin lỗi", "Lý do"];
    for (c, h) in head.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    for (r, l) in late.iter().enumerate() {
        let row = 1 + r as u32;
        sheet.write_string(row, 0, &l.code)?;
        sheet.write_string(row, 1, &l.procedure)?;
        sheet.write_string(row, 2, &l.unit)?;
        sheet.write_string(row, 3, &l.due)?;
        sheet.write_string(row, 4, &l.status)?;
        sheet.write_number(row, 5, l.days_late as f64)?;
        sheet.write_string(row, 6, l.apology)?;
        sheet.write_string(row, 7, &l.reason)?;
    }
    book.save_to_buffer()
}
