//! Counter and postal intake: the checklist ticked against the papers (received, original or
//! copy, scans attached per paper), then one of three outcomes for the person at the desk:
//! accepted (Mẫu 01), sent away to complete the papers (Mẫu 02) or refused (Mẫu 03). The last
//! two are recorded as dossiers that were never accepted (no code, no clock).

#[allow(unused_imports)]
use super::*;

use std::collections::HashMap;

use motcua_domain::dossier::{DocumentIn, FormKind, PaperForm, ResultDelivery, TurnAway};

use crate::pages::dossier_forms::{CsrfUpload, Upload, store_upload};

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
    /// Where the result goes: `counter`, `postal` (to `result_address`) or `online`.
    #[serde(default)]
    pub result_way: String,
    #[serde(default)]
    pub result_address: String,
    /// `1` when the form asked for the applicant's consent to messages (a box left unticked
    /// is then a no, which a form that did not ask cannot say).
    #[serde(default)]
    pub notify_asked: String,
    #[serde(default)]
    pub notify_sms: String,
    #[serde(default)]
    pub notify_email: String,
    #[serde(default)]
    pub fees_paid: String,
    /// The applicant's group for an exemption or reduction of the fees (empty: none).
    #[serde(default)]
    pub fee_reduction: String,
    /// For Mẫu 02 and 03: further items to complete (one per line), the reason, the legal basis.
    #[serde(default)]
    pub items: String,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub legal_basis: String,
    /// The checklist: `doc_<n>` for each paper received, `form_<n>` its form.
    #[serde(flatten)]
    pub checked: HashMap<String, String>,
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
            notify_asked: get("notify_asked"),
            notify_sms: get("notify_sms"),
            notify_email: get("notify_email"),
            ..Default::default()
        }
    }

    /// The applicant's consent to messages as the form says it (`None`: it did not ask).
    pub fn consent(&self) -> Option<motcua_domain::dossier::NotifyConsent> {
        (!self.notify_asked.is_empty()).then_some(motcua_domain::dossier::NotifyConsent {
            sms: !self.notify_sms.is_empty(),
            email: !self.notify_email.is_empty(),
        })
    }

    /// Whether a consent box shows ticked: on a new form, yes; on one sent back, as it was sent.
    pub fn consents_sms(&self) -> bool {
        self.consent().is_none_or(|c| c.sms)
    }

    pub fn consents_email(&self) -> bool {
        self.consent().is_none_or(|c| c.email)
    }

    /// The whole counter form, from a multipart form's text fields.
    fn from_fields(fields: HashMap<String, String>) -> IntakeForm {
        let get = |k: &str| fields.get(k).cloned().unwrap_or_default();
        IntakeForm {
            csrf: String::new(),
            procedure_code: get("procedure_code"),
            channel: get("channel"),
            handover_at: get("handover_at"),
            tracking_number: get("tracking_number"),
            result_way: get("result_way"),
            result_address: get("result_address"),
            fees_paid: get("fees_paid"),
            fee_reduction: get("fee_reduction"),
            items: get("items"),
            reason: get("reason"),
            legal_basis: get("legal_basis"),
            ..IntakeForm::applicant_from(get)
        }
        .with_checklist(fields)
    }

    fn with_checklist(mut self, fields: HashMap<String, String>) -> IntakeForm {
        self.checked = fields.into_iter().filter(|(k, _)| k.starts_with("doc_") || k.starts_with("form_")).collect();
        self
    }

    fn received(&self, i: usize) -> bool {
        self.checked.contains_key(&format!("doc_{i}"))
    }

    fn paper_form(&self, i: usize) -> PaperForm {
        self.checked.get(&format!("form_{i}")).and_then(|f| PaperForm::parse(f)).unwrap_or(PaperForm::Original)
    }
}

/// One line of the checklist as the page shows it.
#[derive(Debug)]
pub struct ChecklistLine {
    name: String,
    /// "1 bản chính, 1 bản sao".
    wanted: String,
    required: bool,
    received: bool,
    form: &'static str,
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "office_intake.html")]
pub struct IntakePage {
    shell: Shell,
    errors: Vec<FieldError>,
    procedures: Vec<(String, String, String)>,
    checklist: Vec<ChecklistLine>,
    /// The papers' forms to choose from: (value, label).
    paper_forms: Vec<(&'static str, &'static str)>,
    fees: String,
    /// The groups the procedure's fee lines exempt or reduce, with what they get.
    reductions: Vec<(String, String)>,
    legal_bases: String,
    max_file_mib: usize,
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
    let version = match state.store.procedure_at(&form.procedure_code, state.now_default().date()).await? {
        Some(v) if chosen => Some(v),
        _ => None,
    };
    let checklist = version.as_ref().map_or_else(Vec::new, |v| {
        v.spec
            .documents
            .iter()
            .enumerate()
            .map(|(i, d)| ChecklistLine {
                name: d.name.clone(),
                wanted: format!("{} bản chính, {} bản sao", d.originals, d.copies),
                required: d.required,
                received: form.received(i),
                form: form.paper_form(i).as_str(),
            })
            .collect()
    });
    let fees = version.as_ref().map(|v| v.spec.fees.iter().map(|f| f.amount).sum::<motcua_domain::types::Vnd>());
    let mut reductions: Vec<(String, String)> = Vec::new();
    for f in version.iter().flat_map(|v| &v.spec.fees) {
        for r in &f.reductions {
            let what = format!(
                "{}: {}",
                f.name,
                if r.percent >= 100 { "miễn".into() } else { format!("giảm {}%", r.percent) }
            );
            match reductions.iter_mut().find(|(who, _)| *who == r.who) {
                Some((_, described)) => *described = format!("{described}; {what}"),
                None => reductions.push((r.who.clone(), what)),
            }
        }
    }
    if form.legal_basis.is_empty()
        && let Some(v) = &version
    {
        form.legal_basis = v.spec.legal_bases.join("; ");
    }
    Ok(IntakePage {
        shell: web.shell,
        errors,
        procedures,
        checklist,
        paper_forms: [PaperForm::Original, PaperForm::Copy, PaperForm::CertifiedCopy]
            .into_iter()
            .map(|f| (f.as_str(), f.label_vi()))
            .collect(),
        fees: fees.map(|f| f.to_string()).unwrap_or_default(),
        reductions,
        legal_bases: version.map(|v| v.spec.legal_bases.join("; ")).unwrap_or_default(),
        max_file_mib: state.config.max_upload_bytes / (1024 * 1024),
        form,
    })
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

/// What the counter decided for the person at the desk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Accept,
    Complete,
    Refuse,
}

pub async fn intake(
    State(state): State<AppState>,
    web: Web,
    Officer(actor): Officer,
    CsrfUpload(read, typed): CsrfUpload,
) -> PageResult<Response> {
    let (fields, files) = match read {
        Ok(read) => read,
        Err(e) => {
            // What was typed comes back; the files must be chosen again (a browser never
            // refills a file input).
            let status = e.clone_status();
            let errors = crate::pages::dossier_forms::field_errors(e);
            let form = IntakeForm::from_fields(typed);
            return Ok((status, intake_page(&state, web, &actor, form, errors).await?).into_response());
        }
    };
    let outcome = match fields.get("outcome").map(String::as_str) {
        Some("complete") => Outcome::Complete,
        Some("refuse") => Outcome::Refuse,
        _ => Outcome::Accept,
    };
    let f = IntakeForm::from_fields(fields);
    match take(&state, &actor, &f, files, outcome).await {
        Ok((id, kind)) => {
            let to = match kind {
                FormKind::Receipt => format!("/office/dossiers/{id}/receipt"),
                other => format!("/office/dossiers/{id}/forms/{}", other.slug()),
            };
            Ok(Redirect::to(&to).into_response())
        }
        Err(e) => {
            let status = e.clone_status();
            let errors = crate::pages::dossier_forms::field_errors(e);
            Ok((status, intake_page(&state, web, &actor, f, errors).await?).into_response())
        }
    }
}

/// The missing required papers as field errors; for acceptance they are refused, and the
/// message points at Mẫu 02.
fn missing_papers(spec: &motcua_domain::catalog::ProcedureSpec, f: &IntakeForm) -> Vec<FieldError> {
    let ticked: Vec<usize> = (0..spec.documents.len()).filter(|i| f.received(*i)).collect();
    spec.missing_documents(&ticked)
        .map(|(i, d)| {
            FieldError::new(
                format!("doc_{i}"),
                format!(
                    "Chưa nhận giấy tờ bắt buộc: {}. Nếu người nộp chưa có, hãy in phiếu hướng dẫn bổ sung (Mẫu 02).",
                    d.name
                ),
            )
        })
        .collect()
}

/// Takes the person's papers in: accepted, sent away to complete them, or refused. The id of
/// the dossier recorded and the document to print.
async fn take(
    state: &AppState,
    actor: &Actor,
    f: &IntakeForm,
    uploads: Vec<(usize, Upload)>,
    outcome: Outcome,
) -> Result<(Uuid, FormKind), ApiError> {
    // The version in force at the receipt instant; one scheduled for later is not used yet.
    let (version, agency, cal) = state
        .procedure_for_intake(&f.procedure_code)
        .await?
        .ok_or_else(|| ApiError::field("procedure_code", "Cần chọn thủ tục."))?;
    let spec = &version.spec;
    let missing = missing_papers(spec, f);
    if outcome == Outcome::Accept && !missing.is_empty() {
        return Err(ApiError::invalid(missing));
    }
    if let Some((i, _)) = uploads.iter().find(|(i, _)| *i >= spec.documents.len() || !f.received(*i)) {
        return Err(ApiError::invalid(vec![FieldError::new(
            format!("doc_{i}"),
            "Tệp quét đính kèm giấy tờ chưa được đánh dấu đã nhận: hãy đánh dấu hoặc bỏ tệp.",
        )]));
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
        consent: f.consent(),
    }
    .parse()?;
    let channel = if f.channel == "postal" { Channel::Postal } else { Channel::Counter };
    if channel == Channel::Postal && outcome != Outcome::Accept {
        return Err(ApiError::field(
            "channel",
            "Hồ sơ qua bưu chính thiếu giấy tờ hoặc không đủ điều kiện: trả lời người nộp bằng văn bản qua bưu chính, không lập phiếu tại quầy.",
        ));
    }
    let postal = if channel == Channel::Postal {
        let handover_at = NaiveDateTime::parse_from_str(&f.handover_at, "%Y-%m-%dT%H:%M")
            .map_err(|_| ApiError::field("handover_at", "Cần thời điểm bàn giao của bưu chính."))?;
        Some(Postal { handover_at, tracking_number: f.tracking_number.trim().to_owned() })
    } else {
        None
    };
    let result_delivery = match f.result_way.as_str() {
        "postal" => Some(ResultDelivery::Postal { address: f.result_address.trim().to_owned() }),
        "online" => Some(ResultDelivery::Online),
        _ => Some(ResultDelivery::Counter),
    };
    // The scans go to the file store first: a dossier never points at a file not yet kept.
    let mut documents: Vec<DocumentIn> = (0..spec.documents.len())
        .map(|i| DocumentIn {
            received: f.received(i),
            form: f.received(i).then(|| f.paper_form(i)),
            files: Vec::new(),
        })
        .collect();
    if outcome == Outcome::Accept {
        for (i, upload) in &uploads {
            let file = store_upload(state, agency.id, upload).await?;
            documents[*i].files.push(file);
        }
    }
    let sub = Submission {
        id: Uuid::now_v7(),
        channel,
        applicant,
        postal,
        citizen_user_id: None,
        documents,
        result_delivery,
        fees_paid: f.fees_paid == "on",
        fee_reduction: Some(f.fee_reduction.clone()).filter(|w| !w.trim().is_empty()),
    };
    let why = match outcome {
        Outcome::Accept => {
            let t = motcua_app::dossiers::intake(&*state.store, actor, &version, &agency, sub, state.at(&cal)).await?;
            return Ok((t.dossier.id, FormKind::Receipt));
        }
        Outcome::Complete => {
            let mut items: Vec<String> = spec
                .documents
                .iter()
                .enumerate()
                .filter(|(i, d)| d.required && !f.received(*i))
                .map(|(_, d)| d.name.clone())
                .collect();
            items.extend(f.items.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned));
            let reason = if f.reason.trim().is_empty() {
                "Hồ sơ chưa đầy đủ thành phần theo quy định của thủ tục hành chính.".to_owned()
            } else {
                f.reason.clone()
            };
            TurnAway::Complete {
                items,
                reason,
                legal_basis: f.legal_basis.clone(),
                contact: contact(state, actor).await?,
            }
        }
        Outcome::Refuse => TurnAway::Refuse { reason: f.reason.clone(), legal_basis: f.legal_basis.clone() },
    };
    let kind = if outcome == Outcome::Complete { FormKind::Completion } else { FormKind::IntakeRefusal };
    let t = motcua_app::dossiers::turn_away(&*state.store, actor, &version, &agency, sub, why, state.at(&cal)).await?;
    Ok((t.dossier.id, kind))
}

/// Whom the applicant calls about a Mẫu 02: the officer who wrote it, with their phone where the
/// administrator entered one.
async fn contact(state: &AppState, actor: &Actor) -> Result<String, ApiError> {
    let phone = state.store.user(actor.user_id).await?.and_then(|u| u.phone);
    Ok(match phone {
        Some(p) => format!("{}, điện thoại {p}", actor.name),
        None => format!("{}, Bộ phận tiếp nhận và trả kết quả", actor.name),
    })
}
