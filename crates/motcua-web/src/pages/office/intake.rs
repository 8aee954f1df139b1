//! Counter and postal intake: the form, the checklist ticked against the papers, acceptance in one change.

#[allow(unused_imports)]
use super::*;

#[derive(Debug, Default, Deserialize)]
pub struct IntakeForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub procedure_code: String,
    #[serde(default)]
    pub channel: String,
    #[serde(default)]
    pub handover_at: String,
    #[serde(default)]
    pub tracking_number: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub citizen_id: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub address: String,
    /// The checklist's boxes: `doc_<n>` for each document received.
    #[serde(flatten)]
    pub checked: std::collections::HashMap<String, String>,
}

impl IntakeForm {
    /// The applicant's fields, read through `get` (a submitted form's fields by name).
    pub fn applicant_from(get: impl Fn(&str) -> String) -> IntakeForm {
        IntakeForm {
            name: get("name"),
            citizen_id: get("citizen_id"),
            phone: get("phone"),
            email: get("email"),
            address: get("address"),
            ..Default::default()
        }
    }
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "office_intake.html")]
pub struct IntakePage {
    shell: Shell,
    errors: Vec<FieldError>,
    procedures: Vec<(String, String, String)>,
    /// The chosen procedure's documents: name, originals and copies, required, ticked.
    checklist: Vec<(String, String, bool, bool)>,
    form: IntakeForm,
}

async fn intake_page(
    state: &AppState,
    web: Web,
    actor: &Actor,
    mut form: IntakeForm,
    errors: Vec<FieldError>,
) -> PageResult<IntakePage> {
    let mut procedures = Vec::new();
    for agency in actor.agencies() {
        let q = ProcedureQuery {
            agency_id: Some(agency),
            in_force_on: Some(state.now_default().date()),
            page: 1,
            page_size: 200,
            ..Default::default()
        };
        for v in state.store.search_procedures(&q).await?.items {
            if v.spec.channels.contains(&Channel::Counter) {
                procedures.push((v.spec.code.clone(), v.spec.name.clone(), v.spec.time_limit.describe_vi()));
            }
        }
    }
    if form.procedure_code.is_empty()
        && let Some(first) = procedures.first()
    {
        form.procedure_code = first.0.clone();
    }
    let chosen = procedures.iter().any(|p| p.0 == form.procedure_code);
    let checklist = match state.store.procedure_at(&form.procedure_code, state.now_default().date()).await? {
        Some(v) if chosen => v
            .spec
            .documents
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let ticked = form.checked.contains_key(&format!("doc_{i}"));
                (d.name.clone(), format!("{} bản chính, {} bản sao", d.originals, d.copies), d.required, ticked)
            })
            .collect(),
        _ => Vec::new(),
    };
    Ok(IntakePage { shell: web.shell, errors, procedures, checklist, form })
}

#[derive(Debug, Deserialize)]
pub struct IntakeQuery {
    #[serde(default)]
    procedure_code: String,
}

pub async fn intake_form(
    State(state): State<AppState>,
    web: Web,
    Officer(actor): Officer,
    Query(q): Query<IntakeQuery>,
) -> PageResult<IntakePage> {
    let form = IntakeForm { procedure_code: q.procedure_code, ..Default::default() };
    intake_page(&state, web, &actor, form, vec![]).await
}

pub async fn intake(
    State(state): State<AppState>,
    web: Web,
    Officer(actor): Officer,
    CsrfForm(f): CsrfForm<IntakeForm>,
) -> PageResult<Response> {
    match create_at_counter(&state, &actor, &f).await {
        Ok(id) => Ok(Redirect::to(&format!("/office/dossiers/{id}/receipt")).into_response()),
        Err(e) => {
            let status = e.clone_status();
            let errors = crate::pages::dossier_forms::field_errors(e);
            Ok((status, intake_page(&state, web, &actor, f, errors).await?).into_response())
        }
    }
}

/// Counter or postal intake: the dossier is created and accepted at once.
async fn create_at_counter(state: &AppState, actor: &Actor, f: &IntakeForm) -> Result<Uuid, ApiError> {
    // The version in force at the receipt instant; one scheduled for later is not used yet.
    let version = state
        .store
        .procedure_at(&f.procedure_code, state.now_default().date())
        .await?
        .ok_or_else(|| ApiError::field("procedure_code", "Cần chọn thủ tục."))?;
    // The officer checks the paper originals against the checklist: every required document.
    let ticked: Vec<usize> =
        (0..version.spec.documents.len()).filter(|i| f.checked.contains_key(&format!("doc_{i}"))).collect();
    let missing: Vec<FieldError> = version
        .spec
        .missing_documents(&ticked)
        .map(|(i, d)| FieldError::new(format!("doc_{i}"), format!("Chưa nhận giấy tờ bắt buộc: {}.", d.name)))
        .collect();
    if !missing.is_empty() {
        return Err(ApiError::invalid(missing));
    }
    let opt = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
    let applicant = ApplicantInput {
        kind: None,
        name: opt(&f.name),
        citizen_id: opt(&f.citizen_id),
        tax_code: None,
        phone: opt(&f.phone),
        email: opt(&f.email),
        address: opt(&f.address),
    }
    .parse()?;
    let channel = if f.channel == "postal" { Channel::Postal } else { Channel::Counter };
    let postal = if channel == Channel::Postal {
        let handover_at = NaiveDateTime::parse_from_str(&f.handover_at, "%Y-%m-%dT%H:%M")
            .map_err(|_| ApiError::field("handover_at", "Cần thời điểm bàn giao của bưu chính."))?;
        Some(Postal { handover_at, tracking_number: f.tracking_number.trim().to_owned() })
    } else {
        None
    };
    let agency = state.store.agency(version.agency_id).await?.ok_or_else(|| ApiError::Internal("agency".into()))?;
    let cal = state.calendar(agency.id).await?;
    let sub = Submission { id: Uuid::now_v7(), channel, applicant, postal, citizen_user_id: None, files: vec![] };
    let t = motcua_app::dossiers::intake(&*state.store, actor, &version, &agency, sub, state.at(&cal)).await?;
    Ok(t.dossier.id)
}
