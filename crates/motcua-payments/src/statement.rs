//! A bank statement of incoming transfers, as the bank exports it (CSV, UTF-8): one row per
//! credit with its date, amount, content and the bank's reference. Banks name the columns their
//! own way; the header is read without diacritics or case against the usual names (Vietnamese or
//! English). A VietQR transfer's content carries the payment's reference, which is how it is
//! matched (`motcua_app::payments::match_statement`).

use chrono::NaiveDate;

/// One incoming transfer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credit {
    /// Its row in the file (the header is row 1).
    pub row: usize,
    pub date: Option<NaiveDate>,
    /// In VND.
    pub amount: u64,
    /// The transfer's content as the payer's bank wrote it.
    pub content: String,
    /// The bank's reference, unique per transfer.
    pub reference: String,
}

/// The longest file read (a month of a department's transfers is far less).
pub const MAX_BYTES: usize = 2 * 1024 * 1024;
/// The longest content kept.
const CONTENT_MAX: usize = 500;

fn folded(s: &str) -> String {
    s.trim().chars().map(crate::fold_char).collect::<String>().to_lowercase()
}

fn column(header: &[String], names: &[&str]) -> Option<usize> {
    header.iter().position(|h| names.contains(&h.as_str()))
}

/// "1.500.000", "1,500,000 VND", "1500000đ" → 1500000; anything else is not an amount.
fn amount(s: &str) -> Option<u64> {
    let t = folded(s).replace("vnd", "").replace(['d', '.', ',', ' '], "");
    if t.is_empty() || t.len() > 15 || !t.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    t.parse().ok()
}

fn date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    let first = s.split_whitespace().next().unwrap_or("");
    ["%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y"].iter().find_map(|f| NaiveDate::parse_from_str(first, f).ok())
}

/// A statement read: its credits, and the rows that could not be read with why.
pub type Read = (Vec<Credit>, Vec<(usize, String)>);

/// The credits of a statement; rows that cannot be read are listed with their reason, never a
/// panic, and the rest are kept.
pub fn parse(bytes: &[u8]) -> Result<Read, String> {
    if bytes.len() > MAX_BYTES {
        return Err(format!("tệp quá lớn (tối đa {} MB)", MAX_BYTES / 1024 / 1024));
    }
    let text = std::str::from_utf8(bytes).map_err(|_| "tệp không phải văn bản UTF-8".to_owned())?;
    let text = text.trim_start_matches('\u{feff}');
    let delimiter =
        if text.lines().next().is_some_and(|l| l.matches(';').count() > l.matches(',').count()) { b';' } else { b',' };
    let mut reader = csv::ReaderBuilder::new().delimiter(delimiter).flexible(true).from_reader(text.as_bytes());
    let header: Vec<String> =
        reader.headers().map_err(|e| format!("không đọc được dòng tiêu đề: {e}"))?.iter().map(folded).collect();
    let need = |names: &[&str], what: &str| column(&header, names).ok_or_else(|| format!("thiếu cột {what}"));
    let amount_at = need(&["amount", "so tien", "ghi co", "credit", "so tien ghi co"], "số tiền (Số tiền / Ghi có)")?;
    let content_at = need(&["content", "noi dung", "dien giai", "description", "noi dung giao dich"], "nội dung")?;
    let reference_at = need(&["reference", "so tham chieu", "ma giao dich", "so but toan", "ma gd"], "số tham chiếu")?;
    let date_at = column(&header, &["date", "ngay", "ngay giao dich", "ngay gd"]);
    let (mut credits, mut refused) = (Vec::new(), Vec::new());
    for (i, record) in reader.records().enumerate() {
        let row = i + 2;
        let Ok(record) = record else {
            refused.push((row, "dòng không đọc được".to_owned()));
            continue;
        };
        let field = |at: usize| record.get(at).unwrap_or("").trim().to_owned();
        let Some(amount) = amount(&field(amount_at)).filter(|a| *a > 0) else {
            refused.push((
                row,
                format!("số tiền \"{}\" không đọc được", field(amount_at).chars().take(30).collect::<String>()),
            ));
            continue;
        };
        let reference: String =
            field(reference_at).chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').take(50).collect();
        if reference.is_empty() {
            refused.push((row, "thiếu số tham chiếu của ngân hàng".to_owned()));
            continue;
        }
        let content: String = field(content_at).chars().filter(|c| !c.is_control()).take(CONTENT_MAX).collect();
        credits.push(Credit { row, date: date_at.and_then(|at| date(&field(at))), amount, content, reference });
    }
    Ok((credits, refused))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_bank_export_is_read_by_its_column_names() {
        let csv = "\u{feff}Ngày giao dịch;Số tham chiếu;Số tiền ghi có;Nội dung\n\
                   05/03/2026 10:15;FT26064123;550.000;NOP PHI 0000017H342603020001P1\n\
                   05/03/2026;FT26064124;abc;x\n\
                   05/03/2026;;100000;y\n";
        let (credits, refused) = super::parse(csv.as_bytes()).unwrap();
        assert_eq!(credits.len(), 1);
        assert_eq!((credits[0].amount, credits[0].reference.as_str(), credits[0].row), (550_000, "FT26064123", 2));
        assert_eq!(credits[0].date, chrono::NaiveDate::from_ymd_opt(2026, 3, 5));
        assert_eq!(refused.iter().map(|r| r.0).collect::<Vec<_>>(), [3, 4]);
        assert!(super::parse(b"a,b\n1,2\n").unwrap_err().contains("thiếu cột"));
        assert!(super::parse(&[0xff, 0xfe]).is_err());
    }
}
