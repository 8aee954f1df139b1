//! The citizen portal: online submission, "Hồ sơ của tôi", answering a supplement request by
//! uploading, withdrawing, and downloading files.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use motcua_domain::FieldError;
use motcua_domain::catalog::Channel;
use motcua_domain::dossier::{
    Action, ApplicantInput, Context, Dossier, EventKind, FileRef, State as DState, Submission,
};
use motcua_domain::org::Actor;
use motcua_store::DossierFilter;
use serde::Deserialize;
use uuid::Uuid;

use super::dossier_forms::{ActForm, CsrfUpload, store_upload};
use super::error::PageResult;
use super::office::IntakeForm;
use super::roles::Citizen;
use super::session::{CsrfForm, Shell, Web};
use crate::error::ApiError;
use crate::routes::dossiers::view::{apply_and_store, load_readable};
use crate::state::AppState;

fn code_of(d: &Dossier, t: &super::i18n::Texts) -> String {
    d.code.as_ref().map_or_else(|| t.awaiting_code.to_owned(), |c| c.to_string())
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "my_list.html")]
pub struct MyList {
    shell: Shell,
    rows: Vec<(Uuid, String, String, &'static str, String)>,
}

pub async fn my_list(State(state): State<AppState>, web: Web, Citizen(actor): Citizen) -> PageResult<MyList> {
    let filter = DossierFilter { citizen_user_id: Some(actor.user_id), page: 1, page_size: 100, ..Default::default() };
    let rows = state
        .store
        .list_dossiers(&filter)
        .await?
        .items
        .iter()
        .map(|d| {
            let due = d.due_date.map(|d| d.format("%d/%m/%Y").to_string()).unwrap_or_default();
            let label = if web.shell.lang == super::i18n::Lang::En { d.state.label_en() } else { d.state.label_vi() };
            (d.id, code_of(d, web.shell.t), d.procedure_name.clone(), label, due)
        })
        .collect();
    Ok(MyList { shell: web.shell, rows })
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "my_dossier.html")]
pub struct MyDossier {
    shell: Shell,
    d: Dossier,
    state_label: &'static str,
    code: String,
    submitted: bool,
    can_upload: bool,
    /// The citizen's answer to what was asked, (action, button): "supplement_received" after a
    /// supplement request, "resubmit" after a request to complete before acceptance (Mẫu 02).
    answer: Option<(EventKind, &'static str)>,
    /// What the agency asked for, when it waits for the citizen: when, and its words.
    asked: Option<(String, String)>,
    can_withdraw: bool,
    events: Vec<(String, String)>,
    errors: Vec<FieldError>,
}

#[derive(Debug, Deserialize)]
pub struct SubmittedParam {
    submitted: Option<String>,
}

async fn my_dossier_page(
    state: &AppState,
    web: Web,
    actor: &Actor,
    id: Uuid,
    submitted: bool,
    errors: Vec<FieldError>,
) -> PageResult<MyDossier> {
    let d = load_readable(state, actor, id).await?;
    let english = web.shell.lang == super::i18n::Lang::En;
    let label = |s: DState| if english { s.label_en() } else { s.label_vi() };
    let events = state
        .store
        .events(d.id)
        .await?
        .into_iter()
        .filter(|e| e.kind != EventKind::AttachDocument)
        .map(|e| (e.at.format("%H:%M %d/%m/%Y").to_string(), label(e.to_state).to_owned()))
        .collect();
    // What the citizen may do now is the domain's answer, as the server will judge it.
    let cal = state.calendar(d.agency_id).await?;
    let ctx = Context {
        actor,
        now: state.now(&cal),
        calendar: &cal,
        new_code: None,
        max_reappoint_days: motcua_domain::dossier::DEFAULT_MAX_REAPPOINT_DAYS,
    };
    let allowed = d.allowed_actions(&ctx);
    let may = |kind: EventKind| allowed.contains(&kind);
    Ok(MyDossier {
        state_label: label(d.state),
        code: code_of(&d, web.shell.t),
        submitted,
        can_upload: may(EventKind::AttachDocument),
        answer: if may(EventKind::SupplementReceived) {
            Some((EventKind::SupplementReceived, web.shell.t.supplement_done))
        } else if may(EventKind::Resubmit) {
            Some((EventKind::Resubmit, web.shell.t.resubmit_button))
        } else {
            None
        },
        asked: asked_of(&d),
        can_withdraw: may(EventKind::Withdraw),
        events,
        errors,
        shell: web.shell,
        d,
    })
}

/// What the agency waits for from the citizen: the completion asked before acceptance (its
/// reason, at the event's time) or the open supplement request.
fn asked_of(d: &Dossier) -> Option<(String, String)> {
    use motcua_domain::dossier::PauseKind;
    match d.state {
        DState::NeedsCompletion => d.reason.clone().map(|r| (String::new(), r)),
        DState::AwaitingSupplement => d
            .pauses
            .iter()
            .rev()
            .find(|p| p.kind == PauseKind::Supplement && p.to.is_none())
            .map(|p| (p.from.format("%d/%m/%Y").to_string(), p.reason.clone())),
        _ => None,
    }
}

pub async fn my_dossier(
    State(state): State<AppState>,
    web: Web,
    Citizen(actor): Citizen,
    Path(id): Path<Uuid>,
    Query(p): Query<SubmittedParam>,
) -> PageResult<MyDossier> {
    my_dossier_page(&state, web, &actor, id, p.submitted.is_some(), vec![]).await
}

pub async fn my_act(
    State(state): State<AppState>,
    web: Web,
    Citizen(actor): Citizen,
    Path(id): Path<Uuid>,
    CsrfForm(f): CsrfForm<ActForm>,
) -> PageResult<Response> {
    let d = load_readable(&state, &actor, id).await?;
    let result = match f.action {
        EventKind::SupplementReceived | EventKind::Resubmit | EventKind::Withdraw => match f.action() {
            Ok(action) => apply_and_store(&state, &actor, &d, f.version, action).await.map(|_| ()),
            Err(e) => Err(e),
        },
        _ => Err(ApiError::Forbidden("thực hiện thao tác này".into())),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/my/dossiers/{id}")).into_response()),
        Err(e) => {
            let status = e.clone_status();
            Ok((status, my_dossier_page(&state, web, &actor, id, false, super::dossier_forms::field_errors(e)).await?)
                .into_response())
        }
    }
}

pub async fn my_upload(
    State(state): State<AppState>,
    Citizen(actor): Citizen,
    Path(id): Path<Uuid>,
    CsrfUpload(upload): CsrfUpload,
) -> PageResult<Response> {
    let (fields, files) = upload?;
    let mut d = load_readable(&state, &actor, id).await?;
    let mut version: i64 = fields.get("version").and_then(|v| v.parse().ok()).unwrap_or(-1);
    for (index, upload) in files {
        let file = store_upload(&state, d.agency_id, &upload).await?;
        let r = apply_and_store(&state, &actor, &d, version, Action::AttachDocument { index, file }).await?;
        d = r.dossier.dossier;
        version = d.version;
    }
    Ok(Redirect::to(&format!("/my/dossiers/{id}")).into_response())
}

pub async fn my_file(
    State(state): State<AppState>,
    Citizen(actor): Citizen,
    Path((id, index)): Path<(Uuid, usize)>,
) -> PageResult<Response> {
    let actor = &actor;
    Ok(super::dossier_forms::document_file(&state, actor, id, index).await?)
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "submit.html")]
pub struct SubmitPage {
    shell: Shell,
    code: String,
    procedure_name: String,
    time_limit: String,
    documents: Vec<(String, bool)>,
    form: IntakeForm,
    errors: Vec<FieldError>,
}

async fn submit_page(
    state: &AppState,
    web: Web,
    code: &str,
    form: IntakeForm,
    errors: Vec<FieldError>,
) -> PageResult<SubmitPage> {
    let v = state
        .store
        .procedure(code)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("không tìm thấy thủ tục \"{code}\"")))?;
    if !v.spec.channels.contains(&Channel::Online) {
        return Err(
            ApiError::Forbidden("nộp trực tuyến thủ tục này (chỉ nhận tại quầy hoặc qua bưu chính)".into()).into()
        );
    }
    Ok(SubmitPage {
        shell: web.shell,
        code: code.to_owned(),
        procedure_name: v.spec.name.clone(),
        time_limit: v.spec.time_limit.describe_vi(),
        documents: v.spec.documents.iter().map(|d| (d.name.clone(), d.required)).collect(),
        form,
        errors,
    })
}

pub async fn submit_form(
    State(state): State<AppState>,
    web: Web,
    Citizen(actor): Citizen,
    Path(code): Path<String>,
) -> PageResult<SubmitPage> {
    let user = state.store.user(actor.user_id).await?;
    let form = IntakeForm {
        name: actor.name.clone(),
        phone: user.as_ref().and_then(|u| u.phone.clone()).unwrap_or_default(),
        email: user.and_then(|u| u.email).unwrap_or_default(),
        ..Default::default()
    };
    submit_page(&state, web, &code, form, vec![]).await
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "submit_review.html")]
pub struct ReviewPage {
    shell: Shell,
    code: String,
    procedure_name: String,
    time_limit: String,
    fees: String,
    applicant: motcua_domain::dossier::Applicant,
    documents: Vec<(String, Option<FileRef>)>,
    form: IntakeForm,
    file_fields: Vec<(String, String)>,
}

/// Step 2 of online submission: the applicant's data and files are checked and the files
/// stored; the applicant reviews everything before confirming.
pub async fn submit(
    State(state): State<AppState>,
    web: Web,
    _: Citizen,
    Path(code): Path<String>,
    CsrfUpload(upload): CsrfUpload,
) -> PageResult<Response> {
    let (fields, files) = match upload {
        Ok(x) => x,
        Err(e) => {
            let status = e.clone_status();
            return Ok((
                status,
                submit_page(&state, web, &code, IntakeForm::default(), super::dossier_forms::field_errors(e)).await?,
            )
                .into_response());
        }
    };
    let get = |k: &str| fields.get(k).cloned().unwrap_or_default();
    let form = IntakeForm::applicant_from(get);
    match review(&state, &code, &form, files).await {
        Ok((version, applicant, refs)) => {
            let file_fields = refs
                .iter()
                .enumerate()
                .filter_map(|(i, f)| {
                    f.as_ref().map(|f| {
                        let staged = format!("{}|{}|{}|{}", f.sha256, f.content_type, f.size, f.name);
                        (format!("file_{i}"), format!("{}|{staged}", seal(&web.shell.csrf, &staged)))
                    })
                })
                .collect();
            Ok(ReviewPage {
                shell: web.shell,
                code,
                procedure_name: version.spec.name.clone(),
                time_limit: version.spec.time_limit.describe_vi(),
                fees: version.spec.total_fees().to_string(),
                applicant,
                documents: version.spec.documents.iter().map(|d| d.name.clone()).zip(refs).collect(),
                form,
                file_fields,
            }
            .into_response())
        }
        Err(e) => {
            let status = e.clone_status();
            Ok((status, submit_page(&state, web, &code, form, super::dossier_forms::field_errors(e)).await?)
                .into_response())
        }
    }
}

type Reviewed = (motcua_domain::catalog::ProcedureVersion, motcua_domain::dossier::Applicant, Vec<Option<FileRef>>);

/// Checks the applicant and the files, storing the files; what the review page shows.
async fn review(
    state: &AppState,
    code: &str,
    f: &IntakeForm,
    files: Vec<(usize, super::dossier_forms::Upload)>,
) -> Result<Reviewed, ApiError> {
    let version = state
        .store
        .procedure_at(code, state.now_default().date())
        .await?
        .ok_or_else(|| ApiError::NotFound("thủ tục".into()))?;
    let applicant = applicant_of(f).parse()?;
    let present: Vec<usize> = files.iter().map(|(i, _)| *i).collect();
    super::dossier_forms::missing_documents(&version.spec, &present)?;
    let mut refs = vec![None; version.spec.documents.len()];
    for (i, upload) in &files {
        if let Some(slot) = refs.get_mut(*i) {
            *slot = Some(store_upload(state, version.agency_id, upload).await?);
        }
    }
    Ok((version, applicant, refs))
}

fn applicant_of(f: &IntakeForm) -> ApplicantInput {
    let opt = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
    ApplicantInput {
        kind: None,
        name: opt(&f.name),
        citizen_id: opt(&f.citizen_id),
        tax_code: None,
        phone: opt(&f.phone),
        email: opt(&f.email),
        address: opt(&f.address),
    }
}

#[derive(Debug, Deserialize)]
pub struct ConfirmForm {
    #[serde(flatten)]
    fields: std::collections::HashMap<String, String>,
}

/// A seal over a staged file reference, keyed by the session's CSRF token (itself derived from
/// the session's secret): the confirm step accepts only what this session uploaded.
fn seal(key: &str, staged: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(format!("motcua-file|{key}|{staged}").as_bytes()))
}

/// Step 3: the confirmed submission becomes a dossier (state "submitted").
pub async fn confirm(
    State(state): State<AppState>,
    web: Web,
    Citizen(actor): Citizen,
    Path(code): Path<String>,
    CsrfForm(f): CsrfForm<ConfirmForm>,
) -> PageResult<Response> {
    let get = |k: &str| f.fields.get(k).cloned().unwrap_or_default();
    let form = IntakeForm::applicant_from(get);
    let mut refs = Vec::new();
    for (key, value) in &f.fields {
        let Some(index) = key.strip_prefix("file_").and_then(|i| i.parse::<usize>().ok()) else { continue };
        // Only files this session uploaded at the previous step: the reference carries a seal
        // made with the session's secret, so no other stored file can be named here.
        let Some((_, staged)) = value.split_once('|').filter(|(mac, staged)| *mac == seal(&web.shell.csrf, staged))
        else {
            return Err(ApiError::BadRequest("tệp không hợp lệ, hãy nộp lại".into()).into());
        };
        let mut parts = staged.splitn(4, '|');
        let (Some(sha256), Some(content_type), Some(size), Some(name)) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(ApiError::BadRequest("tệp không hợp lệ".into()).into());
        };
        if !state.files.exists(sha256).await || !["application/pdf", "image/png", "image/jpeg"].contains(&content_type)
        {
            return Err(ApiError::BadRequest("tệp đã chọn không còn, hãy nộp lại".into()).into());
        }
        let size = size.parse().map_err(|_| ApiError::BadRequest("tệp không hợp lệ".into()))?;
        refs.push((
            index,
            FileRef { sha256: sha256.into(), name: name.into(), content_type: content_type.into(), size },
        ));
    }
    match create_online(&state, &actor, &code, &form, refs).await {
        Ok(id) => Ok(Redirect::to(&format!("/my/dossiers/{id}?submitted=1")).into_response()),
        Err(e) => {
            let status = e.clone_status();
            Ok((status, submit_page(&state, web, &code, form, super::dossier_forms::field_errors(e)).await?)
                .into_response())
        }
    }
}

async fn create_online(
    state: &AppState,
    actor: &Actor,
    code: &str,
    f: &IntakeForm,
    files: Vec<(usize, FileRef)>,
) -> Result<Uuid, ApiError> {
    let version = state
        .store
        .procedure_at(code, state.now_default().date())
        .await?
        .ok_or_else(|| ApiError::NotFound("thủ tục".into()))?;
    let applicant = applicant_of(f).parse()?;
    let present: Vec<usize> = files.iter().map(|(i, _)| *i).collect();
    super::dossier_forms::missing_documents(&version.spec, &present)?;
    let mut refs = vec![None; version.spec.documents.len()];
    for (i, file) in files {
        if let Some(slot) = refs.get_mut(i) {
            *slot = Some(file);
        }
    }
    let agency = state.store.agency(version.agency_id).await?.ok_or_else(|| ApiError::Internal("agency".into()))?;
    let cal = state.calendar(agency.id).await?;
    let sub = Submission {
        id: Uuid::now_v7(),
        channel: Channel::Online,
        applicant,
        postal: None,
        citizen_user_id: Some(actor.user_id),
        files: refs,
    };
    let t = motcua_app::dossiers::intake(&*state.store, actor, &version, &agency, sub, state.at(&cal)).await?;
    Ok(t.dossier.id)
}

pub async fn my_result(
    State(state): State<AppState>,
    Citizen(actor): Citizen,
    Path(id): Path<Uuid>,
) -> PageResult<Response> {
    let actor = &actor;
    Ok(super::dossier_forms::result_file(&state, actor, id).await?)
}

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
    state
        .store
        .audit(&motcua_store::AuditEntry {
            agency_id: None,
            actor_id: Some(actor.user_id),
            action: "citizen.notify_preferences".into(),
            object: format!("user:{}", actor.user_id),
            at: state.now_default(),
            data: serde_json::json!({ "channels": f.channels, "lang": f.lang }),
        })
        .await?;
    Ok(Redirect::to("/my/settings?saved=1").into_response())
}
