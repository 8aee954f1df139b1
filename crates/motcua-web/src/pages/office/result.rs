//! The result's file: attached once the result is ready, downloaded by the dossier's readers.

#[allow(unused_imports)]
use super::*;

/// Attaches the result's file (multipart `file_0`), once the result is ready.
pub async fn result_file(
    State(state): State<AppState>,
    Officer(actor): Officer,
    Path(id): Path<Uuid>,
    crate::pages::dossier_forms::CsrfUpload(upload, _): crate::pages::dossier_forms::CsrfUpload,
) -> PageResult<Response> {
    let (fields, files) = upload?;
    let d = state.readable_dossier(&actor, id).await?;
    let version = crate::pages::dossier_forms::form_version(&fields);
    let (_, upload) = files.into_iter().next().ok_or_else(|| ApiError::field("file_0", "Cần chọn tệp kết quả."))?;
    let file = crate::pages::dossier_forms::store_upload(&state, d.agency_id, &upload).await?;
    state.act(&actor, &d, version, Action::AttachResult { file }).await?;
    Ok(Redirect::to(&format!("/office/dossiers/{id}?done=1")).into_response())
}

pub async fn result_download(
    State(state): State<AppState>,
    Officer(actor): Officer,
    Path(id): Path<Uuid>,
) -> PageResult<Response> {
    let actor = &actor;
    Ok(crate::pages::dossier_forms::result_file(&state, actor, id).await?)
}
