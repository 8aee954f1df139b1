//! `POST /api/v1/dossiers`: intake. A citizen submits online (state "submitted", no code yet);
//! reception takes a dossier at the counter or from the post, and it is accepted at once: code,
//! due date and the receipt data (Mẫu 01).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use motcua_domain::catalog::Channel;
use motcua_domain::dossier::{ApplicantInput, DocumentIn, Postal, Submission};
use serde::Deserialize;
use uuid::Uuid;

use super::view::{DossierView, TransitionResponse};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiJson, Caller};
use crate::state::AppState;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct CreateDossier {
    /// The procedure's code, e.g. "1.004227".
    pub procedure_code: String,
    pub channel: Channel,
    pub applicant: ApplicantInput,
    /// Required for the postal channel.
    #[serde(default)]
    pub postal: Option<Postal>,
}

#[utoipa::path(post, path = "/api/v1/dossiers", tag = "dossiers", request_body = CreateDossier,
    responses((status = 201, body = TransitionResponse), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("token" = [])))]
pub async fn create(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiJson(req): ApiJson<CreateDossier>,
) -> ApiResult<(StatusCode, Json<TransitionResponse>)> {
    // The version in force at the receipt instant; one scheduled for later is not used yet.
    let (version, agency, cal) = state.procedure_for_intake(req.procedure_code.trim()).await?.ok_or_else(|| {
        ApiError::field("procedure_code", format!("không tìm thấy thủ tục \"{}\"", req.procedure_code))
    })?;
    let applicant = req.applicant.parse()?;
    let at = state.at(&cal);
    let sub = Submission {
        id: Uuid::now_v7(),
        channel: req.channel,
        applicant,
        postal: req.postal,
        citizen_user_id: actor.citizen.then_some(actor.user_id),
        // Papers taken at a counter or from the post through the API are taken as received,
        // whole; online, each line is received when its file is uploaded.
        documents: version
            .spec
            .documents
            .iter()
            .map(|_| DocumentIn { received: req.channel != Channel::Online, form: None, files: vec![] })
            .collect(),
        result_delivery: None,
        fees_paid: false,
        fee_reduction: None,
    };
    let t = motcua_app::dossiers::intake(&*state.store, &actor, &version, &agency, sub, at).await?;
    Ok((
        StatusCode::CREATED,
        Json(TransitionResponse { dossier: DossierView::new(t.dossier, at.now), warnings: t.warnings }),
    ))
}
