//! The message of each dossier event: which events the applicant hears about, which of those
//! cannot be switched off (acceptance, refusal, supplement request, re-appointment, result ready),
//! and their words — the built-in ones (`messages/defaults.toml`, Vietnamese and English) or the
//! agency's own version of them (see [`crate::template`]).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::sms::without_diacritics;
use crate::template::{TemplateSet, default_set, event};

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

impl MessageContext {
    /// A context with every value filled, for previews and tests.
    pub fn sample(event: &str) -> MessageContext {
        MessageContext {
            event: event.into(),
            code: Some("000.00.17.H34-260212-0001".into()),
            procedure: "Đăng ký biến động quyền sử dụng đất".into(),
            agency: "Sở Nông nghiệp và Môi trường tỉnh Khánh Hòa".into(),
            sender: "SO NNMT KH".into(),
            applicant: "Nguyễn Văn An".into(),
            due_date: NaiveDate::from_ymd_opt(2026, 3, 5),
            new_due_date: NaiveDate::from_ymd_opt(2026, 3, 12),
            reason: Some("Bổ sung bản vẽ sơ đồ thửa đất".into()),
            step: Some("Thẩm định hồ sơ".into()),
            lookup_url: Some(
                "https://dichvucong.example.vn/lookup?code=000.00.17.H34-260212-0001&phone_last4=3456".into(),
            ),
        }
    }
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
    /// What an officer reads out on the phone when no SMS can reach the applicant (Vietnamese,
    /// with diacritics).
    pub call_script: String,
}

/// The message of `ctx.event` in Vietnamese with the built-in words, or `None` when the
/// applicant is not told of such events. SMS lose their diacritics unless `sms_diacritics`.
///
/// ```
/// use motcua_app::{render, MessageContext};
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
    render_with(ctx, "vi", None, sms_diacritics)
}

/// The message of `ctx.event` in `lang`, with the agency's own words when it has them (`custom`);
/// a custom template that no longer parses falls back to the built-in words.
pub fn render_with(
    ctx: &MessageContext,
    lang: &str,
    custom: Option<&TemplateSet>,
    sms_diacritics: bool,
) -> Option<Message> {
    let info = event(&ctx.event)?;
    let builtin = default_set(&ctx.event, lang)?;
    let [subject, body_text, body_html, sms] = custom.and_then(|c| c.parse().ok()).or_else(|| builtin.parse().ok())?;
    let sms_text = sms.render(ctx, false).trim().to_owned();
    // Read out on the phone: in Vietnamese, the agency's full name instead of the brandname, no link.
    let spoken = MessageContext { sender: ctx.agency.clone(), lookup_url: None, ..ctx.clone() };
    let vi_sms = if lang == "vi" { sms } else { default_set(&ctx.event, "vi")?.parse().ok()?[3].clone() };
    let call_script = format!("Xin chào ông/bà {}. {}", ctx.applicant, vi_sms.render(&spoken, false).trim());
    Some(Message {
        essential: info.essential,
        subject: subject.render(ctx, false).trim().to_owned(),
        body_text: body_text.render(ctx, false),
        body_html: body_html.render(ctx, true),
        sms: if sms_diacritics { sms_text } else { without_diacritics(&sms_text) },
        call_script,
    })
}
