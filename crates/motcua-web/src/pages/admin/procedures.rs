//! The catalog as the administrator keeps it: versions published (now or from a date), their history, the blank forms of documents.

#[allow(unused_imports)]
use super::*;
use serde_json::json;
use std::collections::HashMap;

use super::editor::Editor;

#[derive(Debug, Template, WebTemplate)]
#[template(path = "admin_procedures.html")]
pub struct ProceduresPage {
    shell: Shell,
    e: Editor,
    /// Whether the procedure exists already (the page amends it): its code and document names,
    /// for template uploads.
    editing: Option<(String, Vec<String>)>,
    procedures: Vec<(String, String, i32)>,
    /// The edited procedure's versions, oldest first, and what each changed.
    history: Vec<crate::routes::procedures::versions::VersionEntry>,
    /// The choices the selects offer: fields, units of the agency, roles.
    fields: Vec<(String, String)>,
    units: Vec<(String, String)>,
    roles: Vec<(&'static str, &'static str)>,
    errors: Vec<FieldError>,
    notice: Option<String>,
    /// The draft (from the national database) the editor shows, published with the form.
    draft_id: Option<Uuid>,
}

async fn procedures_page(
    state: &AppState,
    web: Web,
    agency: &Agency,
    e: Editor,
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
    let (editing, history) = match state.store.procedure(&e.code).await? {
        Some(v) if v.agency_id == agency.id && !e.code.is_empty() => (
            Some((v.spec.code.clone(), v.spec.documents.iter().map(|d| d.name.clone()).collect())),
            crate::routes::procedures::versions::history(state, v.procedure_id).await?,
        ),
        _ => (None, vec![]),
    };
    Ok(ProceduresPage {
        shell: web.shell,
        e,
        editing,
        procedures,
        history,
        fields: state.store.fields().await?.into_iter().map(|f| (f.code, f.name)).collect(),
        units: state.store.units(agency.id).await?.into_iter().map(|u| (u.code, u.name)).collect(),
        roles: super::user::role_choices().into_iter().filter(|(r, _)| *r != "admin" && *r != "inspector").collect(),
        errors,
        notice,
        draft_id: None,
    })
}

#[derive(Debug, Deserialize)]
pub struct CodeParam {
    #[serde(default)]
    code: String,
    /// A draft to review in the editor.
    #[serde(default)]
    draft: Option<Uuid>,
}

pub async fn procedures(
    State(state): State<AppState>,
    web: Web,
    AgencyAdmin { agency, .. }: AgencyAdmin,
    Query(p): Query<CodeParam>,
) -> PageResult<ProceduresPage> {
    if let Some(id) = p.draft {
        let draft = state
            .store
            .procedure_draft(agency.id, id)
            .await?
            .filter(|d| d.status == "pending")
            .ok_or_else(|| ApiError::NotFound("không có bản nháp này".into()))?;
        let notice = format!(
            "Bản nháp từ {} ({}): {}. Kiểm tra, hoàn thiện quy trình nội bộ rồi bấm Công bố.",
            draft.source,
            draft.created_at.format("%d/%m/%Y %H:%M"),
            draft.summary
        );
        let mut page = procedures_page(&state, web, &agency, Editor::of(&draft.spec), vec![], Some(notice)).await?;
        page.draft_id = Some(draft.id);
        return Ok(page);
    }
    let e = match state.store.procedure(&p.code).await? {
        Some(v) if v.agency_id == agency.id => Editor::of(&v.spec),
        _ => Editor::blank(state.now_default().date()),
    };
    procedures_page(&state, web, &agency, e, vec![], None).await
}

/// The longest text any one input of the editor may hold.
const FIELD_MAX: usize = 8000;

pub async fn publish(
    State(state): State<AppState>,
    web: Web,
    AgencyAdmin { actor, agency }: AgencyAdmin,
    CsrfForm(f): CsrfForm<HashMap<String, String>>,
) -> PageResult<Response> {
    let e = Editor::from_form(&f);
    let mut errors: Vec<FieldError> = f
        .iter()
        .filter(|(_, v)| v.chars().count() > FIELD_MAX)
        .map(|(k, _)| FieldError::new(k.clone(), format!("Quá dài (tối đa {FIELD_MAX} ký tự).")))
        .collect();
    let parsed = e.spec();
    match &parsed {
        Err(fields) => errors.extend(fields.iter().cloned()),
        Ok(spec) => {
            let units: Vec<String> = state.store.units(agency.id).await?.into_iter().map(|u| u.code).collect();
            match spec.validate(&units) {
                Ok(()) if state.store.fields().await?.iter().any(|x| x.code == spec.field) => {}
                Ok(()) => errors.push(FieldError::new("field", "Cần chọn lĩnh vực trong danh mục.")),
                Err(motcua_domain::DomainError::Invalid(fields)) => errors.extend(fields),
                Err(other) => errors.push(FieldError::new("", other.to_string())),
            }
        }
    }
    if let Some(existing) = state.store.procedure(&e.code).await?
        && existing.agency_id != agency.id
    {
        errors.push(FieldError::new("code", "Mã thủ tục này là của cơ quan khác."));
    }
    let draft_id = f.get("draft_id").and_then(|d| d.parse::<Uuid>().ok());
    let (Ok(spec), true) = (parsed, errors.is_empty()) else {
        let mut page = procedures_page(&state, web, &agency, e, errors, None).await?;
        page.draft_id = draft_id;
        return Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    let now = state.now_default();
    let data = json!({ "draft": draft_id });
    let v =
        motcua_app::catalog::publish(&*state.store, &actor, agency.id, &spec, "procedure_published", data, now).await?;
    if let Some(id) = draft_id {
        state.store.close_procedure_draft(agency.id, id, "published", actor.user_id, now).await?;
    }
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
    Ok(procedures_page(&state, web, &agency, Editor::of(&spec), vec![], Some(notice)).await?.into_response())
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
