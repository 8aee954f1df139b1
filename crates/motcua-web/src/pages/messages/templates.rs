//! The agency's words for each event and language: the editor with its live preview and cost, every version kept.

#[allow(unused_imports)]
use super::*;

#[derive(Debug)]
pub struct EventRow {
    event: String,
    label: String,
    essential: bool,
    versions: Vec<(&'static str, Option<i64>)>,
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "admin_templates.html")]
pub struct TemplatesIndex {
    shell: Shell,
    agency_name: String,
    rows: Vec<EventRow>,
}

pub async fn templates(
    State(state): State<AppState>,
    web: Web,
    AgencyAdmin { agency, .. }: AgencyAdmin,
) -> PageResult<TemplatesIndex> {
    let saved = state.store.message_templates(agency.id).await?;
    let rows = template::events()
        .into_iter()
        .map(|e| EventRow {
            versions: LANGS
                .iter()
                .map(|lang| {
                    let latest = saved.iter().find(|t| t.event == e.event && t.lang == *lang).map(|t| t.version);
                    (*lang, latest)
                })
                .collect(),
            event: e.event,
            label: e.label,
            essential: e.essential,
        })
        .collect();
    Ok(TemplatesIndex { shell: web.shell, agency_name: agency.name, rows })
}

/// The rendered sample of a template set, as the editor shows it.
#[derive(Debug, Default, Serialize)]
pub struct Preview {
    subject: String,
    body_text: String,
    body_html: String,
    sms: String,
    sms_cost: String,
    sms_with_marks_cost: String,
}

fn cost(s: Segments) -> String {
    let encoding = match s.encoding {
        motcua_app::Encoding::Gsm7 => "GSM-7",
        motcua_app::Encoding::Ucs2 => "Unicode (UCS-2)",
    };
    format!("{} tin nhắn · {} ký tự {encoding}", s.count, s.units)
}

fn preview(event: &str, lang: &str, set: &TemplateSet) -> Preview {
    let ctx = MessageContext::sample(event);
    let (Some(plain), Some(marked)) =
        (render_with(&ctx, lang, Some(set), false), render_with(&ctx, lang, Some(set), true))
    else {
        return Preview::default();
    };
    Preview {
        sms_cost: cost(segments(&plain.sms)),
        sms_with_marks_cost: cost(segments(&marked.sms)),
        subject: plain.subject,
        body_text: plain.body_text,
        body_html: plain.body_html,
        sms: plain.sms,
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct TemplateForm {
    #[serde(default)]
    subject: String,
    #[serde(default)]
    body_text: String,
    #[serde(default)]
    body_html: String,
    #[serde(default)]
    sms: String,
}

impl TemplateForm {
    fn set(&self) -> TemplateSet {
        let clean = |s: &str| motcua_domain::text::nfc(&s.replace("\r\n", "\n"));
        TemplateSet {
            subject: clean(self.subject.trim()),
            body_text: clean(&self.body_text),
            body_html: clean(&self.body_html),
            sms: clean(self.sms.trim()),
        }
    }
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "admin_template_edit.html")]
pub struct TemplateEditor {
    shell: Shell,
    event: String,
    label: String,
    essential: bool,
    lang: String,
    form: TemplateSet,
    errors: Vec<FieldError>,
    preview: Preview,
    /// (version, saved at, by)
    versions: Vec<(i64, String, String)>,
    showing: Option<i64>,
    placeholders: Vec<(String, &'static str)>,
    notice: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct EditorParams {
    version: Option<i64>,
    saved: Option<i64>,
}

fn known(event: &str, lang: &str) -> Result<template::EventInfo, ApiError> {
    match template::event(event) {
        Some(info) if LANGS.contains(&lang) => Ok(info),
        _ => Err(ApiError::NotFound("không có mẫu tin nhắn này".into())),
    }
}

async fn editor(
    state: &AppState,
    shell: Shell,
    agency: &Agency,
    (event, lang): (&str, &str),
    form: Option<TemplateSet>,
    errors: Vec<FieldError>,
    (showing, notice): (Option<i64>, Option<String>),
) -> Result<TemplateEditor, ApiError> {
    let info = known(event, lang)?;
    let saved: Vec<MessageTemplate> = state
        .store
        .message_templates(agency.id)
        .await?
        .into_iter()
        .filter(|t| t.event == event && t.lang == lang)
        .collect();
    let shown = match showing {
        Some(v) => Some(
            saved.iter().find(|t| t.version == v).ok_or_else(|| ApiError::NotFound("không có phiên bản này".into()))?,
        ),
        None => saved.first(),
    };
    let form = form.or_else(|| {
        shown.map(|t| TemplateSet {
            subject: t.subject.clone(),
            body_text: t.body_text.clone(),
            body_html: t.body_html.clone(),
            sms: t.sms.clone(),
        })
    });
    let form = form.or_else(|| template::default_set(event, lang)).unwrap_or_default();
    let mut versions = Vec::new();
    for t in &saved {
        let by = match t.author_id {
            Some(id) => state.store.user(id).await?.map(|u| u.full_name).unwrap_or_default(),
            None => String::new(),
        };
        versions.push((t.version, t.created_at.format("%H:%M %d/%m/%Y").to_string(), by));
    }
    Ok(TemplateEditor {
        shell,
        preview: preview(event, lang, &form),
        event: event.to_owned(),
        label: info.label,
        essential: info.essential,
        lang: lang.to_owned(),
        form,
        errors,
        versions,
        showing,
        placeholders: Placeholder::ALL.iter().map(|p| (format!("{{{}}}", p.name()), p.describe_vi())).collect(),
        notice,
    })
}

pub async fn edit_template(
    State(state): State<AppState>,
    web: Web,
    AgencyAdmin { agency, .. }: AgencyAdmin,
    Path((event, lang)): Path<(String, String)>,
    Query(p): Query<EditorParams>,
) -> PageResult<TemplateEditor> {
    let notice = p.saved.map(|v| format!("Đã lưu phiên bản {v}. Tin nhắn từ nay dùng nội dung này."));
    Ok(editor(&state, web.shell, &agency, (&event, &lang), None, vec![], (p.version, notice)).await?)
}

fn template_errors(set: &TemplateSet) -> Vec<FieldError> {
    let mut errors: Vec<FieldError> = match set.parse() {
        Ok(_) => vec![],
        Err(errors) => errors.into_iter().map(|(field, e)| FieldError::new(field, e.to_string())).collect(),
    };
    for (field, text) in
        [("subject", &set.subject), ("body_text", &set.body_text), ("body_html", &set.body_html), ("sms", &set.sms)]
    {
        if text.trim().is_empty() {
            errors.push(FieldError::new(field, "không được để trống"));
        }
    }
    errors
}

pub async fn save_template(
    State(state): State<AppState>,
    web: Web,
    AgencyAdmin { actor, agency }: AgencyAdmin,
    Path((event, lang)): Path<(String, String)>,
    CsrfForm(f): CsrfForm<TemplateForm>,
) -> PageResult<Response> {
    known(&event, &lang)?;
    let set = f.set();
    let errors = template_errors(&set);
    if !errors.is_empty() {
        let page = editor(&state, web.shell, &agency, (&event, &lang), Some(set), errors, (None, None)).await?;
        return Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    let saved = state
        .store
        .insert_message_template(&MessageTemplate {
            id: Uuid::now_v7(),
            agency_id: agency.id,
            event: event.clone(),
            lang: lang.clone(),
            version: 0,
            subject: set.subject,
            body_text: set.body_text,
            body_html: set.body_html,
            sms: set.sms,
            author_id: Some(actor.user_id),
            created_at: state.now_default(),
        })
        .await?;
    let data = serde_json::json!({ "event": event, "lang": lang, "version": saved.version });
    audit(&state, &actor, agency.id, "template.save", format!("template:{event}:{lang}"), data).await?;
    Ok(Redirect::to(&format!("/admin/templates/{event}/{lang}?saved={}", saved.version)).into_response())
}

/// The live preview: the form as it stands, rendered with sample values, or its errors.
#[derive(Debug, Serialize)]
pub struct PreviewAnswer {
    preview: Preview,
    errors: Vec<FieldError>,
}

pub async fn preview_template(
    _: AgencyAdmin,
    Path((event, lang)): Path<(String, String)>,
    CsrfForm(f): CsrfForm<TemplateForm>,
) -> PageResult<Json<PreviewAnswer>> {
    known(&event, &lang)?;
    let set = f.set();
    let errors = template_errors(&set);
    let preview = if errors.is_empty() { preview(&event, &lang, &set) } else { Preview::default() };
    Ok(Json(PreviewAnswer { preview, errors }))
}
