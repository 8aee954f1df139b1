//! How the citizen wants to hear from the agency: channels and language.

#[allow(unused_imports)]
use super::*;

#[derive(Debug, Template, WebTemplate)]
#[template(path = "my_settings.html")]
pub struct SettingsPage {
    shell: Shell,
    channels: String,
    lang: String,
    saved: bool,
}

#[derive(Debug, Default, Deserialize)]
pub struct SettingsParams {
    saved: Option<String>,
}

/// The applicant's choice of channels and language for messages.
pub async fn settings(
    State(state): State<AppState>,
    web: Web,
    Citizen(actor): Citizen,
    Query(p): Query<SettingsParams>,
) -> PageResult<SettingsPage> {
    let prefs = state.store.notify_preferences(actor.user_id).await?;
    Ok(SettingsPage { shell: web.shell, channels: prefs.channels, lang: prefs.lang, saved: p.saved.is_some() })
}

#[derive(Debug, Default, Deserialize)]
pub struct SettingsForm {
    #[serde(default)]
    channels: String,
    #[serde(default)]
    lang: String,
}

pub async fn save_settings(
    State(state): State<AppState>,
    Citizen(actor): Citizen,
    CsrfForm(f): CsrfForm<SettingsForm>,
) -> PageResult<Response> {
    let mut fields = Vec::new();
    if !["both", "sms", "email"].contains(&f.channels.as_str()) {
        fields.push(FieldError::new("channels", "chọn SMS, email hoặc cả hai / choose SMS, e-mail or both"));
    }
    if !["vi", "en"].contains(&f.lang.as_str()) {
        fields.push(FieldError::new("lang", "chọn tiếng Việt hoặc tiếng Anh / choose Vietnamese or English"));
    }
    if !fields.is_empty() {
        let message = fields.iter().map(|e| e.message.clone()).collect::<Vec<_>>().join("; ");
        return Err(ApiError::Invalid { code: "invalid_preferences", message, fields }.into());
    }
    let prefs = motcua_store::NotifyPreferences { channels: f.channels.clone(), lang: f.lang.clone() };
    state.store.set_notify_preferences(actor.user_id, &prefs).await?;
    let what = ("citizen.notify_preferences", format!("user:{}", actor.user_id));
    let data = serde_json::json!({ "channels": f.channels, "lang": f.lang });
    motcua_app::audit::record(&*state.store, None, Some(actor.user_id), what, data, state.now_default()).await?;
    Ok(Redirect::to("/my/settings?saved=1").into_response())
}
