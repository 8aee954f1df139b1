//! Drafts from the national procedure database: the administrator uploads the database's export
//! (the records of its "LayThuTuc" service, JSON), each procedure it changes becomes a draft
//! naming what changed, and the administrator opens it in the editor, completes the internal
//! process and publishes it, or discards it. Nothing is published by the import
//! (`motcua_app::national_catalog`).

#[allow(unused_imports)]
use super::*;

#[derive(Debug)]
pub struct DraftRow {
    id: Uuid,
    code: String,
    name: String,
    summary: String,
    source: String,
    at: String,
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "admin_drafts.html")]
pub struct DraftsPage {
    shell: Shell,
    agency_name: String,
    rows: Vec<DraftRow>,
    /// What the last import did, line by line.
    report: Vec<String>,
    notice: Option<String>,
}

async fn drafts_page(
    state: &AppState,
    web: Web,
    agency: &Agency,
    report: Vec<String>,
    notice: Option<String>,
) -> PageResult<DraftsPage> {
    let rows = state
        .store
        .procedure_drafts(agency.id)
        .await?
        .into_iter()
        .map(|d| DraftRow {
            id: d.id,
            code: d.code,
            name: d.spec.name,
            summary: d.summary,
            source: d.source,
            at: d.created_at.format("%d/%m/%Y %H:%M").to_string(),
        })
        .collect();
    Ok(DraftsPage { shell: web.shell, agency_name: agency.name.clone(), rows, report, notice })
}

#[derive(Debug, Default, Deserialize)]
pub struct DraftsQuery {
    discarded: Option<String>,
}

pub async fn drafts(
    State(state): State<AppState>,
    web: Web,
    AgencyAdmin { agency, .. }: AgencyAdmin,
    Query(q): Query<DraftsQuery>,
) -> PageResult<DraftsPage> {
    let notice = q.discarded.map(|code| format!("Đã bỏ bản nháp của thủ tục {code}."));
    drafts_page(&state, web, &agency, vec![], notice).await
}

/// Imports the uploaded export: a draft for each procedure it changes.
pub async fn import_drafts(
    State(state): State<AppState>,
    web: Web,
    AgencyAdmin { actor, agency }: AgencyAdmin,
    crate::pages::dossier_forms::CsrfFile(upload): crate::pages::dossier_forms::CsrfFile,
) -> PageResult<Response> {
    let (name, bytes) = upload.ok_or_else(|| ApiError::field("file", "Cần chọn tệp JSON xuất từ CSDL quốc gia."))?;
    let body = String::from_utf8(bytes).map_err(|_| ApiError::field("file", "Tệp không phải văn bản UTF-8."))?;
    let now = state.now_default();
    let source = format!("CSDL quốc gia, tệp {}", motcua_domain::text::printable(&name, 120));
    let r =
        motcua_app::national_catalog::import_national(&*state.store, &actor, agency.id, &body, &source, now).await?;
    let mut report: Vec<String> =
        r.drafts.iter().map(|(code, what)| format!("{code}: bản nháp mới ({})", what.join(", "))).collect();
    report.extend(r.refused.iter().map(|(code, why)| format!("{code}: không nhận — {why}")));
    let notice = format!(
        "Đã đọc tệp: {} bản nháp, {} thủ tục không đổi, {} không nhận.",
        r.drafts.len(),
        r.unchanged.len(),
        r.refused.len()
    );
    Ok(drafts_page(&state, web, &agency, report, Some(notice)).await?.into_response())
}

#[derive(Debug, Deserialize)]
pub struct DiscardForm {}

pub async fn discard_draft(
    State(state): State<AppState>,
    AgencyAdmin { actor, agency }: AgencyAdmin,
    Path(id): Path<Uuid>,
    CsrfForm(_): CsrfForm<DiscardForm>,
) -> PageResult<Response> {
    let draft = state
        .store
        .procedure_draft(agency.id, id)
        .await?
        .filter(|d| d.status == "pending")
        .ok_or_else(|| ApiError::NotFound("không có bản nháp này".into()))?;
    let now = state.now_default();
    state.store.close_procedure_draft(agency.id, id, "discarded", actor.user_id, now).await?;
    let data = serde_json::json!({ "draft": id, "summary": draft.summary });
    audit(&state, &actor, agency.id, "procedure_draft_discarded", format!("procedure:{}", draft.code), data).await?;
    Ok(Redirect::to(&format!("/admin/procedures/drafts?discarded={}", crate::pages::url_component(&draft.code)))
        .into_response())
}
