//! Message templates as data, so that an agency can change its words without a new release:
//! text with typed placeholders (`{code}`, `{due_date}`…) and optional parts (`[[ … ]]`, left
//! out when a placeholder inside has no value).
//!
//! A template is parsed before it is stored: an unknown placeholder or an unclosed part is refused
//! with its line, so a template that was saved always renders. Values are escaped in HTML bodies
//! and dates read dd/mm/yyyy.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use chrono::NaiveDate;
use serde::Deserialize;

use crate::messages::MessageContext;

/// What a template may mention.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placeholder {
    Applicant,
    Agency,
    Sender,
    Procedure,
    Code,
    DueDate,
    NewDueDate,
    Reason,
    Step,
    LookupUrl,
}

impl Placeholder {
    pub const ALL: [Placeholder; 10] = [
        Placeholder::Applicant,
        Placeholder::Agency,
        Placeholder::Sender,
        Placeholder::Procedure,
        Placeholder::Code,
        Placeholder::DueDate,
        Placeholder::NewDueDate,
        Placeholder::Reason,
        Placeholder::Step,
        Placeholder::LookupUrl,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Placeholder::Applicant => "applicant",
            Placeholder::Agency => "agency",
            Placeholder::Sender => "sender",
            Placeholder::Procedure => "procedure",
            Placeholder::Code => "code",
            Placeholder::DueDate => "due_date",
            Placeholder::NewDueDate => "new_due_date",
            Placeholder::Reason => "reason",
            Placeholder::Step => "step",
            Placeholder::LookupUrl => "lookup_url",
        }
    }

    /// What it stands for, in Vietnamese, for the editor.
    pub fn describe_vi(self) -> &'static str {
        match self {
            Placeholder::Applicant => "tên người nộp hồ sơ",
            Placeholder::Agency => "tên cơ quan",
            Placeholder::Sender => "tên hiệu gửi tin (brandname)",
            Placeholder::Procedure => "tên thủ tục",
            Placeholder::Code => "mã hồ sơ",
            Placeholder::DueDate => "ngày hẹn trả (dd/mm/yyyy)",
            Placeholder::NewDueDate => "ngày hẹn trả mới (dd/mm/yyyy)",
            Placeholder::Reason => "lý do, nội dung yêu cầu",
            Placeholder::Step => "bước xử lý",
            Placeholder::LookupUrl => "đường dẫn tra cứu",
        }
    }

    fn parse(name: &str) -> Option<Placeholder> {
        Placeholder::ALL.into_iter().find(|p| p.name() == name)
    }

    fn value(self, ctx: &MessageContext) -> Option<String> {
        let day = |d: Option<NaiveDate>| d.map(|d| d.format("%d/%m/%Y").to_string());
        let text = |s: &Option<String>| s.clone().filter(|s| !s.is_empty());
        let some = |s: &str| Some(s.to_owned()).filter(|s| !s.is_empty());
        match self {
            Placeholder::Applicant => some(&ctx.applicant),
            Placeholder::Agency => some(&ctx.agency),
            Placeholder::Sender => some(&ctx.sender),
            Placeholder::Procedure => some(&ctx.procedure),
            Placeholder::Code => text(&ctx.code),
            Placeholder::DueDate => day(ctx.due_date),
            Placeholder::NewDueDate => day(ctx.new_due_date),
            Placeholder::Reason => text(&ctx.reason),
            Placeholder::Step => text(&ctx.step),
            Placeholder::LookupUrl => text(&ctx.lookup_url),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Text(String),
    Value(Placeholder),
    Optional(Vec<Part>),
}

/// A parsed template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    parts: Vec<Part>,
}

/// Why a template was refused: the line and what is wrong, in Vietnamese.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("dòng {line}: {message}")]
pub struct TemplateError {
    pub line: usize,
    pub message: String,
}

impl Template {
    /// Parses `source`. `{name}` is a placeholder when `name` is a word of letters and `_`;
    /// other braces are text (CSS in an HTML body stays as it is).
    pub fn parse(source: &str) -> Result<Template, TemplateError> {
        let mut stack: Vec<(usize, Vec<Part>)> = vec![(1, Vec::new())];
        let mut text = String::new();
        let mut line = 1;
        let mut rest = source;
        let flush = |text: &mut String, parts: &mut Vec<Part>| {
            if !text.is_empty() {
                parts.push(Part::Text(std::mem::take(text)));
            }
        };
        while let Some(c) = rest.chars().next() {
            if let Some(after) = rest.strip_prefix("[[") {
                let parts = &mut stack.last_mut().expect("stack").1;
                flush(&mut text, parts);
                if stack.len() > 1 {
                    return Err(TemplateError {
                        line, message: "phần tùy chọn [[ … ]] không được lồng nhau".into()
                    });
                }
                stack.push((line, Vec::new()));
                rest = after;
                continue;
            }
            if let Some(after) = rest.strip_prefix("]]") {
                if stack.len() == 1 {
                    return Err(TemplateError { line, message: "thừa \"]]\" không có \"[[\" mở".into() });
                }
                let (_, mut inner) = stack.pop().expect("stack");
                flush(&mut text, &mut inner);
                stack.last_mut().expect("stack").1.push(Part::Optional(inner));
                rest = after;
                continue;
            }
            if c == '{'
                && let Some(end) = rest.find('}')
            {
                let name = &rest[1..end];
                if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphabetic() || c == '_') {
                    // `{Lead}`-style capitals exist only in layouts, resolved before parsing.
                    let Some(p) = Placeholder::parse(name) else {
                        let known: Vec<_> = Placeholder::ALL.iter().map(|p| format!("{{{}}}", p.name())).collect();
                        return Err(TemplateError {
                            line,
                            message: format!("không có trường {{{name}}}; dùng một trong: {}", known.join(", ")),
                        });
                    };
                    let parts = &mut stack.last_mut().expect("stack").1;
                    flush(&mut text, parts);
                    parts.push(Part::Value(p));
                    rest = &rest[end + 1..];
                    continue;
                }
            }
            if c == '\n' {
                line += 1;
            }
            text.push(c);
            rest = &rest[c.len_utf8()..];
        }
        if stack.len() > 1 {
            let (opened, _) = stack[1];
            return Err(TemplateError {
                line: opened,
                message: "thiếu \"]]\" đóng phần tùy chọn mở ở dòng này".into(),
            });
        }
        let mut parts = stack.pop().expect("stack").1;
        flush(&mut text, &mut parts);
        Ok(Template { parts })
    }

    /// The text with `ctx`'s values; `html` escapes them for an HTML body.
    pub fn render(&self, ctx: &MessageContext, html: bool) -> String {
        let mut out = String::new();
        render_parts(&self.parts, ctx, html, &mut out);
        out
    }

    /// The placeholders it uses.
    pub fn placeholders(&self) -> Vec<Placeholder> {
        fn walk(parts: &[Part], out: &mut Vec<Placeholder>) {
            for p in parts {
                match p {
                    Part::Value(v) if !out.contains(v) => out.push(*v),
                    Part::Optional(inner) => walk(inner, out),
                    _ => {}
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.parts, &mut out);
        out
    }
}

fn render_parts(parts: &[Part], ctx: &MessageContext, html: bool, out: &mut String) -> bool {
    for p in parts {
        match p {
            Part::Text(t) => out.push_str(t),
            Part::Value(v) => match v.value(ctx) {
                Some(value) if html => out.push_str(&escape_html(&value)),
                Some(value) => out.push_str(&value),
                None => return false,
            },
            Part::Optional(inner) => {
                let mut section = String::new();
                if render_parts(inner, ctx, html, &mut section) {
                    out.push_str(&section);
                }
            }
        }
    }
    true
}

fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The four parts of an event's message in one language, as text.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TemplateSet {
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    pub sms: String,
}

impl TemplateSet {
    /// Every part parsed; errors by part name (`subject`, `body_text`, `body_html`, `sms`).
    pub fn parse(&self) -> Result<[Template; 4], Vec<(&'static str, TemplateError)>> {
        let parsed = [
            ("subject", Template::parse(&self.subject)),
            ("body_text", Template::parse(&self.body_text)),
            ("body_html", Template::parse(&self.body_html)),
            ("sms", Template::parse(&self.sms)),
        ];
        let errors: Vec<_> =
            parsed.iter().filter_map(|(name, r)| r.as_ref().err().map(|e| (*name, e.clone()))).collect();
        if !errors.is_empty() {
            return Err(errors);
        }
        let [a, b, c, d] = parsed.map(|(_, r)| r.expect("checked"));
        Ok([a, b, c, d])
    }
}

/// An event applicants hear about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventInfo {
    pub event: String,
    pub label: String,
    /// Sent whatever the applicant's preferences; a phone call follows when no SMS can go.
    pub essential: bool,
}

#[derive(Debug, Deserialize)]
struct Defaults {
    layout: BTreeMap<String, Layout>,
    event: BTreeMap<String, EventWords>,
}

#[derive(Debug, Deserialize)]
struct Layout {
    sms: String,
    body_text: String,
    body_html: String,
}

#[derive(Debug, Deserialize)]
struct EventWords {
    label: String,
    essential: bool,
    vi: Words,
    en: Words,
}

#[derive(Debug, Deserialize)]
struct Words {
    subject: String,
    lead: String,
}

/// The languages messages exist in.
pub const LANGS: [&str; 2] = ["vi", "en"];

static DEFAULTS: LazyLock<Defaults> = LazyLock::new(|| {
    toml::from_str(include_str!("../messages/defaults.toml")).expect("messages/defaults.toml is valid (tested)")
});

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The events applicants hear about, in the order of a dossier's life.
pub fn events() -> Vec<EventInfo> {
    const ORDER: [&str; 15] = [
        "submitted",
        "accept",
        "ask_to_complete",
        "refuse_intake",
        "forward",
        "request_supplement",
        "supplement_received",
        "request_payment",
        "payment_received",
        "reappoint",
        "move_due_date",
        "refuse",
        "approve",
        "return_result",
        "withdraw",
    ];
    ORDER.iter().filter_map(|e| event(e)).collect()
}

/// The event's entry, if applicants hear about it.
pub fn event(event: &str) -> Option<EventInfo> {
    DEFAULTS.event.get(event).map(|w| EventInfo {
        event: event.to_owned(),
        label: w.label.clone(),
        essential: w.essential,
    })
}

/// The built-in words of `event` in `lang` (`vi` or `en`).
pub fn default_set(event: &str, lang: &str) -> Option<TemplateSet> {
    let words = DEFAULTS.event.get(event)?;
    let w = if lang == "en" { &words.en } else { &words.vi };
    let layout = DEFAULTS.layout.get(if lang == "en" { "en" } else { "vi" })?;
    let fill = |layout: &str| layout.replace("{Lead}", &capitalize(&w.lead)).replace("{lead}", &w.lead);
    Some(TemplateSet {
        subject: w.subject.clone(),
        body_text: fill(&layout.body_text),
        body_html: fill(&layout.body_html),
        sms: fill(&layout.sms),
    })
}
