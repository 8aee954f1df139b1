//! `POST /api/v1/dossiers`: intake. A citizen submits online (state "submitted", no code yet);
//! reception takes a dossier at the counter or from the post, and it is accepted at once: code,
//! due date and the receipt data (Mẫu 01).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use motcua_domain::catalog::Channel;
use motcua_domain::dossier::{Action, ApplicantInput, Context, Dossier, Postal, State as DossierState, Submission};
use serde::Deserialize;
use uuid::Uuid;

use super::view::{DossierView, TransitionResponse, apply_and_store};
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
    let version = state.store.procedure(req.procedure_code.trim()).await?.ok_or_else(|| {
        ApiError::field("procedure_code", format!("không tìm thấy thủ tục \"{}\"", req.procedure_code))
    })?;
    let applicant = req.applicant.parse()?;
    let agency = state
        .store
        .agency(version.agency_id)
        .await?
        .ok_or_else(|| ApiError::Internal("procedure without agency".into()))?;
    let cal = state.calendar(agency.id).await?;
    let now = state.now(&cal);
    let sub = Submission {
        id: Uuid::now_v7(),
        channel: req.channel,
        applicant,
        postal: req.postal,
        citizen_user_id: actor.citizen.then_some(actor.user_id),
        files: Vec::new(),
    };
    let t = Dossier::submit(
        &version,
        agency.code.clone(),
        sub,
        &Context {
            actor: &actor,
            now,
            calendar: &cal,
            new_code: None,
            max_reappoint_days: motcua_domain::dossier::DEFAULT_MAX_REAPPOINT_DAYS,
        },
    )?;
    state.store.insert_dossier(&t).await?;
    let response = if t.dossier.channel != Channel::Online && t.dossier.state == DossierState::Submitted {
        // Taken at the counter or from the post: checked on the spot, accepted at once.
        apply_and_store(&state, &actor, &t.dossier, t.dossier.version, Action::Accept).await?
    } else {
        TransitionResponse { dossier: DossierView::new(t.dossier, now), warnings: t.warnings }
    };
    Ok((StatusCode::CREATED, Json(response)))
}
