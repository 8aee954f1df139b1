//! The catalog as the administrator keeps it: versions published (now or from a date), their history, the blank forms of documents.

#[allow(unused_imports)]
use super::*;
use serde_json::json;

#[derive(Debug, Template, WebTemplate)]
#[template(path = "admin_procedures.html")]
pub struct ProceduresPage {
    shell: Shell,
    spec: String,
    /// The procedure being edited: its code and document names, for template uploads.
    editing: Option<(String, Vec<String>)>,
    procedures: Vec<(String, String, i32)>,
    /// The edited procedure's versions, oldest first, and what each changed.
    history: Vec<crate::routes::procedures::versions::VersionEntry>,
    errors: Vec<FieldError>,
    notice: Option<String>,
}

async fn procedures_page(
    state: &AppState,
    web: Web,
    agency: &Agency,
    spec: String,
    errors: Vec<FieldError>,
    notice: Option<String>,
) -> PageResult<ProceduresPage> {
    let q = ProcedureQuery { agency_id: Some(agency.id), page: 1, page_size: 200, ..Default::default() };
    let procedures = state
        .store
        .search_procedures(&q)
        .await?
        .items
        .into_iter()
        .map(|v| (v.spec.code, v.spec.name, v.version))
        .collect();
    let editing = serde_json::from_str::<ProcedureSpec>(&spec)
        .ok()
        .map(|p| (p.code, p.documents.into_iter().map(|d| d.name).collect::<Vec<_>>()));
    let history = match &editing {
        Some((code, _)) => match state.store.procedure(code).await? {
            Some(v) if v.agency_id == agency.id => {
                crate::routes::procedures::versions::history(state, v.procedure_id).await?
            }
            _ => vec![],
        },
        None => vec![],
    };
    Ok(ProceduresPage { shell: web.shell, spec, editing, procedures, history, errors, notice })
}

#[derive(Debug, Deserialize)]
pub struct CodeParam {
    #[serde(default)]
    code: String,
}

pub async fn procedures(
    State(state): State<AppState>,
    web: Web,
    AgencyAdmin { agency, .. }: AgencyAdmin,
    Query(p): Query<CodeParam>,
) -> PageResult<ProceduresPage> {
    let spec = match state.store.procedure(&p.code).await? {
        Some(v) if v.agency_id == agency.id => {
            serde_json::to_string_pretty(&v.spec).map_err(|e| ApiError::Internal(e.to_string()))?
        }
        _ => String::new(),
    };
    procedures_page(&state, web, &agency, spec, vec![], None).await
}

#[derive(Debug, Deserialize)]
pub struct SpecForm {
    spec: String,
}

pub async fn publish(
    State(state): State<AppState>,
    web: Web,
    AgencyAdmin { actor, agency }: AgencyAdmin,
    CsrfForm(f): CsrfForm<SpecForm>,
) -> PageResult<Response> {
    let parsed: Result<ProcedureSpec, _> = serde_json::from_str(&f.spec);
    let errors = match &parsed {
        Err(e) => vec![FieldError::new(
            "spec",
            format!("Nội dung không đúng cấu trúc (dòng {}, cột {}): {e}", e.line(), e.column()),
        )],
        Ok(spec) => {
            let units: Vec<String> = state.store.units(agency.id).await?.into_iter().map(|u| u.code).collect();
            match spec.validate(&units) {
                Ok(()) if state.store.fields().await?.iter().any(|x| x.code == spec.field) => vec![],
                Ok(()) => vec![FieldError::new("spec", format!("Lĩnh vực \"{}\" chưa có trong danh mục.", spec.field))],
                Err(motcua_domain::DomainError::Invalid(fields)) => fields,
                Err(other) => vec![FieldError::new("spec", other.to_string())],
            }
        }
    };
    let (Ok(spec), true) = (parsed, errors.is_empty()) else {
        let page = procedures_page(&state, web, &agency, f.spec, errors, None).await?;
        return Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    let now = state.now_default();
    let v =
        motcua_app::catalog::publish(&*state.store, &actor, agency.id, &spec, "procedure_published", json!({}), now)
            .await?;
    let today = state.now_default().date();
    let notice = if spec.effective_from > today {
        format!(
            "Đã công bố thủ tục {} phiên bản {}, áp dụng từ ngày {}; đến ngày đó hồ sơ vẫn được tiếp nhận theo phiên bản đang có hiệu lực.",
            spec.code,
            v.version,
            spec.effective_from.format("%d/%m/%Y")
        )
    } else {
        format!("Đã công bố thủ tục {} phiên bản {}.", spec.code, v.version)
    };
    let pretty = serde_json::to_string_pretty(&spec).map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(procedures_page(&state, web, &agency, pretty, vec![], Some(notice)).await?.into_response())
}

/// Uploads the blank form (mẫu đơn) of one document of a procedure: a new version of the
/// procedure whose document names the file, which the public procedure page offers for download.
pub async fn upload_template(
    State(state): State<AppState>,
    AgencyAdmin { actor, agency }: AgencyAdmin,
    Path((code, index)): Path<(String, usize)>,
    crate::pages::dossier_forms::CsrfFile(upload): crate::pages::dossier_forms::CsrfFile,
) -> PageResult<Response> {
    let version = state
        .store
        .procedure(&code)
        .await?
        .filter(|v| v.agency_id == agency.id)
        .ok_or_else(|| ApiError::NotFound("thủ tục".into()))?;
    let (name, bytes) = upload.ok_or_else(|| ApiError::field("file", "Cần chọn tệp mẫu."))?;
    let content_type = motcua_app::files::sniff_template(&bytes)
        .ok_or_else(|| ApiError::UnsupportedMedia("mẫu đơn cần là tệp PDF, DOC hoặc DOCX".into()))?;
    let kept = motcua_app::files::keep(&*state.store, &state.files, agency.id, &name, content_type, &bytes).await?;
    let sha256 = kept.sha256;
    let now = state.now_default();
    let mut spec = version.spec.clone();
    let doc = spec.documents.get_mut(index).ok_or_else(|| ApiError::NotFound("giấy tờ".into()))?;
    doc.template = Some(format!("{sha256}|{content_type}|{name}"));
    let action = "procedure_template_uploaded";
    motcua_app::catalog::publish(&*state.store, &actor, agency.id, &spec, action, json!({ "index": index }), now)
        .await?;
    Ok(Redirect::to(&format!("/admin/procedures?code={}", urlencode(&code))).into_response())
}

fn urlencode(s: &str) -> String {
    crate::pages::url_component(s)
}
