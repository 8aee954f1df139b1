//! Online submission: the form, the review of what will be sent, the confirmation.

#[allow(unused_imports)]
use super::*;

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
    CsrfUpload(upload, _): CsrfUpload,
) -> PageResult<Response> {
    let (fields, files) = match upload {
        Ok(x) => x,
        Err(e) => {
            let status = e.clone_status();
            return Ok((
                status,
                submit_page(&state, web, &code, IntakeForm::default(), crate::pages::dossier_forms::field_errors(e))
                    .await?,
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
            Ok((status, submit_page(&state, web, &code, form, crate::pages::dossier_forms::field_errors(e)).await?)
                .into_response())
        }
    }
}

type Reviewed = (motcua_domain::catalog::ProcedureVersion, motcua_domain::dossier::Applicant, Vec<Option<FileRef>>);

/// The procedure in force, the applicant and the checklist (`present`: the lines with a file),
/// checked the same way when the applicant reviews and when they confirm.
async fn checked(
    state: &AppState,
    code: &str,
    f: &IntakeForm,
    present: &[usize],
) -> Result<(motcua_domain::catalog::ProcedureVersion, motcua_domain::dossier::Applicant), ApiError> {
    let version = state
        .store
        .procedure_at(code, state.now_default().date())
        .await?
        .ok_or_else(|| ApiError::NotFound("thủ tục".into()))?;
    let applicant = applicant_of(f).parse()?;
    crate::pages::dossier_forms::missing_documents(&version.spec, present)?;
    Ok((version, applicant))
}

/// Checks the applicant and the files, storing the files; what the review page shows.
async fn review(
    state: &AppState,
    code: &str,
    f: &IntakeForm,
    files: Vec<(usize, crate::pages::dossier_forms::Upload)>,
) -> Result<Reviewed, ApiError> {
    let present: Vec<usize> = files.iter().map(|(i, _)| *i).collect();
    let (version, applicant) = checked(state, code, f, &present).await?;
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
        consent: f.consent(),
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
            Ok((status, submit_page(&state, web, &code, form, crate::pages::dossier_forms::field_errors(e)).await?)
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
    let present: Vec<usize> = files.iter().map(|(i, _)| *i).collect();
    let (version, applicant) = checked(state, code, f, &present).await?;
    let mut refs = vec![DocumentIn::default(); version.spec.documents.len()];
    for (i, file) in files {
        if let Some(slot) = refs.get_mut(i) {
            *slot = DocumentIn::uploaded(Some(file));
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
        documents: refs,
        result_delivery: Some(ResultDelivery::Online),
        fees_paid: false,
        fee_reduction: None,
    };
    let t = motcua_app::dossiers::intake(&*state.store, actor, &version, &agency, sub, state.at(&cal)).await?;
    Ok(t.dossier.id)
}
