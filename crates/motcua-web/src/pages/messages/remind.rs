//! A one-click reminder to whoever holds an unfinished dossier.

#[allow(unused_imports)]
use super::*;

#[derive(Debug, Default, Deserialize)]
pub struct BackForm {
    /// `monitoring` to return to the monitoring page rather than the dossier.
    #[serde(default)]
    back: String,
}

/// Queues a reminder about one unfinished dossier to whoever holds it (leaders and the counter).
pub async fn remind(
    State(state): State<AppState>,
    FollowUp { actor, agencies }: FollowUp,
    Path(id): Path<Uuid>,
    CsrfForm(f): CsrfForm<BackForm>,
) -> PageResult<Response> {
    let back = format!("/office/dossiers/{id}");
    let actor = &actor;
    let d = state.readable_dossier(actor, id).await?;
    if !agencies.contains(&d.agency_id) {
        return Err(ApiError::Forbidden("nhắc xử lý hồ sơ".into()).into());
    }
    if d.finished_at.is_some() {
        let message = "hồ sơ đã giải quyết xong, không cần nhắc".to_owned();
        return Err(ApiError::Conflict { code: "finished", message }.into());
    }
    let cal = state.calendar(d.agency_id).await?;
    let now = state.now(&cal);
    let by = state.store.user(actor.user_id).await?.ok_or(ApiError::Unauthenticated)?;
    let sent = motcua_app::digest::remind(&*state.store, &cal, &d, &by, now, &state.config.public_url).await?;
    audit(
        &state,
        actor,
        d.agency_id,
        "dossier.remind",
        format!("dossier:{id}"),
        serde_json::json!({ "messages": sent }),
    )
    .await?;
    if f.back == "monitoring" {
        return Ok(Redirect::to(&format!("/office/monitoring?reminded={sent}")).into_response());
    }
    Ok(Redirect::to(&format!("{back}?reminded={sent}")).into_response())
}
