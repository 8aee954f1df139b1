//! The message of each dossier event: which events the applicant hears about, which of those
//! cannot be switched off (acceptance, refusal, supplement request, re-appointment, result ready),
//! and their words. The words live in `templates/`; the sentence that differs by event is chosen
//! here from the typed context.

use askama::Template;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::sms::without_diacritics;

/// What a message may say about a dossier and its event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageContext {
    /// The event's kind, as stored: `accept`, `request_supplement`, …
    pub event: String,
    pub code: Option<String>,
    pub procedure: String,
    pub agency: String,
    /// Short sender name for SMS (the brandname), e.g. "SO NN&MT KH".
    pub sender: String,
    pub applicant: String,
    pub due_date: Option<NaiveDate>,
    pub new_due_date: Option<NaiveDate>,
    pub reason: Option<String>,
    /// The step the dossier moved to.
    pub step: Option<String>,
    /// The public lookup link (with the code and phone digits), when the dossier has a code.
    pub lookup_url: Option<String>,
}

/// A rendered message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// Sent whatever the applicant's preferences.
    pub essential: bool,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    pub sms: String,
}

#[derive(Template)]
#[template(path = "sms.txt", escape = "none")]
struct SmsTemplate<'a> {
    sender: &'a str,
    lead_capitalized: String,
    lookup_url: Option<&'a str>,
}

#[derive(Template)]
#[template(path = "body.txt", escape = "none")]
struct TextTemplate<'a> {
    ctx: &'a MessageContext,
    lead: &'a str,
    lookup_url: Option<&'a str>,
}

#[derive(Template)]
#[template(path = "body.html")]
struct HtmlTemplate<'a> {
    ctx: &'a MessageContext,
    subject: &'a str,
    lead: &'a str,
    lookup_url: Option<&'a str>,
}

fn day(d: Option<NaiveDate>) -> String {
    d.map(|d| d.format("%d/%m/%Y").to_string()).unwrap_or_default()
}

/// The subject, the sentence, and whether it is essential; `None` for events not told.
fn words(ctx: &MessageContext) -> Option<(String, String, bool)> {
    let code = ctx.code.clone().unwrap_or_default();
    let reason = ctx.reason.clone().unwrap_or_default();
    let p = &ctx.procedure;
    Some(match ctx.event.as_str() {
        "submitted" => (
            "Đã nhận hồ sơ trực tuyến".into(),
            format!("đã nhận hồ sơ trực tuyến của ông/bà về thủ tục {p}; kết quả tiếp nhận sẽ được thông báo."),
            false,
        ),
        "accept" => (
            format!("Hồ sơ {code} đã được tiếp nhận"),
            format!("hồ sơ {code} đã được tiếp nhận, hẹn trả kết quả ngày {}.", day(ctx.due_date)),
            true,
        ),
        "ask_to_complete" => {
            ("Đề nghị hoàn thiện hồ sơ".into(), format!("đề nghị ông/bà bổ sung, hoàn thiện hồ sơ: {reason}."), true)
        }
        "request_supplement" => (
            format!("Đề nghị bổ sung hồ sơ {code}"),
            format!("đề nghị ông/bà bổ sung hồ sơ {code}: {reason}. Thời hạn giải quyết tính lại khi nhận đủ hồ sơ."),
            true,
        ),
        "refuse_intake" => (
            "Hồ sơ không được tiếp nhận".into(),
            format!("hồ sơ của ông/bà không được tiếp nhận. Lý do: {reason}."),
            true,
        ),
        "refuse" => (
            format!("Hồ sơ {code} không được giải quyết"),
            format!("hồ sơ {code} không đủ điều kiện giải quyết. Lý do: {reason}."),
            true,
        ),
        "reappoint" => (
            format!("Xin lỗi và hẹn lại ngày trả kết quả hồ sơ {code}"),
            format!(
                "xin lỗi ông/bà vì hồ sơ {code} chưa giải quyết kịp hạn; hẹn trả kết quả ngày {}. Lý do: {reason}.",
                day(ctx.new_due_date)
            ),
            true,
        ),
        "approve" => (
            format!("Hồ sơ {code} đã có kết quả"),
            format!("hồ sơ {code} đã có kết quả; mời ông/bà nhận kết quả tại Bộ phận tiếp nhận và trả kết quả."),
            true,
        ),
        "request_payment" => (
            format!("Thông báo nghĩa vụ tài chính của hồ sơ {code}"),
            format!("đề nghị ông/bà thực hiện nghĩa vụ tài chính của hồ sơ {code}: {reason}."),
            false,
        ),
        "supplement_received" | "payment_received" => (
            format!("Hồ sơ {code} tiếp tục được giải quyết"),
            format!("hồ sơ {code} tiếp tục được giải quyết, hẹn trả kết quả ngày {}.", day(ctx.due_date)),
            false,
        ),
        "forward" => (
            format!("Hồ sơ {code} đang được giải quyết"),
            format!("hồ sơ {code} đã chuyển đến bước: {}.", ctx.step.clone().unwrap_or_default()),
            false,
        ),
        "withdraw" => (
            format!("Dừng giải quyết hồ sơ {code}"),
            format!("hồ sơ {code} đã dừng giải quyết theo yêu cầu của ông/bà."),
            false,
        ),
        "return_result" => {
            (format!("Đã trả kết quả hồ sơ {code}"), format!("đã trả kết quả hồ sơ {code}. Cảm ơn ông/bà."), false)
        }
        _ => return None,
    })
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The message of `ctx.event`, or `None` when the applicant is not told of such events. SMS
/// lose their diacritics unless `sms_diacritics`.
///
/// ```
/// use motcua_notify::{render, MessageContext};
/// let ctx = MessageContext {
///     event: "accept".into(), code: Some("000.00.17.H34-260212-0001".into()),
///     procedure: "Đăng ký biến động đất đai".into(), agency: "Sở Nông nghiệp và Môi trường".into(),
///     sender: "SO NNMT KH".into(), applicant: "Nguyễn Văn An".into(),
///     due_date: chrono::NaiveDate::from_ymd_opt(2026, 3, 5), new_due_date: None, reason: None,
///     step: None, lookup_url: None,
/// };
/// let m = render(&ctx, false).unwrap();
/// assert!(m.essential);
/// assert_eq!(m.sms, "SO NNMT KH: Ho so 000.00.17.H34-260212-0001 da duoc tiep nhan, hen tra ket qua ngay 05/03/2026.");
/// ```
pub fn render(ctx: &MessageContext, sms_diacritics: bool) -> Option<Message> {
    let (subject, lead, essential) = words(ctx)?;
    let lookup_url = ctx.lookup_url.as_deref();
    let sms = SmsTemplate { sender: &ctx.sender, lead_capitalized: capitalize(&lead), lookup_url }.render().ok()?;
    let sms = sms.trim().to_owned();
    let sms = if sms_diacritics { sms } else { without_diacritics(&sms) };
    let body_text = TextTemplate { ctx, lead: &lead, lookup_url }.render().ok()?;
    let body_html = HtmlTemplate { ctx, subject: &subject, lead: &lead, lookup_url }.render().ok()?;
    Some(Message { essential, subject, body_text, body_html, sms })
}
