//! The phone calls owed to applicants whom an essential message could not reach, and their outcomes.

#[allow(unused_imports)]
use super::*;

#[derive(Debug)]
pub struct CallRow {
    id: Uuid,
    dossier_id: Uuid,
    code: String,
    applicant: String,
    phone: String,
    reason: &'static str,
    script: String,
    attempts: i64,
    last_outcome: &'static str,
    created: String,
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "office_calls.html")]
pub struct CallsPage {
    shell: Shell,
    rows: Vec<CallRow>,
    notice: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct NoticeParam {
    done: Option<String>,
}

pub async fn calls(
    State(state): State<AppState>,
    web: Web,
    FollowUp { agencies, .. }: FollowUp,
    Query(p): Query<NoticeParam>,
) -> PageResult<CallsPage> {
    let mut rows = Vec::new();
    for agency in agencies {
        for t in state.store.call_tasks(agency, true).await? {
            let code = state.store.dossier(agency, t.dossier_id).await?.and_then(|d| d.code.map(|c| c.to_string()));
            rows.push(CallRow {
                id: t.id,
                dossier_id: t.dossier_id,
                code: code.unwrap_or_else(|| "(chưa cấp mã)".into()),
                applicant: t.applicant,
                phone: t.phone.unwrap_or_default(),
                reason: reason_vi(&t.reason),
                script: t.script,
                attempts: t.attempts,
                last_outcome: t.outcome.as_deref().map(outcome_vi).unwrap_or(""),
                created: t.created_at.format("%H:%M %d/%m/%Y").to_string(),
            });
        }
    }
    let notice = p.done.map(|_| "Đã ghi kết quả cuộc gọi.".to_owned());
    Ok(CallsPage { shell: web.shell, rows, notice })
}

#[derive(Debug, Default, Deserialize)]
pub struct CallForm {
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    note: String,
}

pub async fn record_call(
    State(state): State<AppState>,
    FollowUp { actor, agencies }: FollowUp,
    Path(id): Path<Uuid>,
    CsrfForm(f): CsrfForm<CallForm>,
) -> PageResult<Response> {
    let actor = &actor;
    let not_found = || ApiError::NotFound("không tìm thấy cuộc gọi".into());
    // Looked for in the officer's agencies only: another agency's task does not exist here.
    let mut task = None;
    for agency in agencies {
        task = state.store.call_task(agency, id).await?;
        if task.is_some() {
            break;
        }
    }
    let task = task.ok_or_else(not_found)?;
    if outcome_vi(&f.outcome).is_empty() {
        let message = "chọn kết quả cuộc gọi: liên lạc được, không nghe máy hoặc sai số".to_owned();
        let fields = vec![FieldError::new("outcome", message.clone())];
        return Err(ApiError::Invalid { code: "invalid_outcome", message, fields }.into());
    }
    let note = Some(f.note.trim()).filter(|n| !n.is_empty());
    let done = f.outcome != "no_answer";
    let now = state.now_default();
    state
        .store
        .record_call(
            task.agency_id,
            id,
            &motcua_store::CallOutcome { outcome: &f.outcome, note, officer_id: actor.user_id, done },
            now,
        )
        .await?;
    let data = serde_json::json!({ "dossier_id": task.dossier_id, "outcome": f.outcome, "note": note });
    audit(&state, actor, task.agency_id, "call.record", format!("call_task:{id}"), data).await?;
    Ok(Redirect::to("/office/calls?done=1").into_response())
}
