//! The citizen's own dossiers: the list, one dossier with what was asked and what they may do now, their files and the result.

#[allow(unused_imports)]
use super::*;

#[derive(Debug, Template, WebTemplate)]
#[template(path = "my_list.html")]
pub struct MyList {
    shell: Shell,
    rows: Vec<(Uuid, String, String, &'static str, String)>,
}

pub async fn my_list(State(state): State<AppState>, web: Web, Citizen(actor): Citizen) -> PageResult<MyList> {
    let filter = DossierFilter { citizen_user_id: Some(actor.user_id), page: 1, page_size: 100, ..Default::default() };
    let rows = state
        .store
        .list_dossiers(&filter)
        .await?
        .items
        .iter()
        .map(|d| {
            let due = d.due_date.map(|d| d.format("%d/%m/%Y").to_string()).unwrap_or_default();
            let label =
                if web.shell.lang == crate::pages::i18n::Lang::En { d.state.label_en() } else { d.state.label_vi() };
            (d.id, code_of(d, web.shell.t), d.procedure_name.clone(), label, due)
        })
        .collect();
    Ok(MyList { shell: web.shell, rows })
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "my_dossier.html")]
pub struct MyDossier {
    shell: Shell,
    d: Dossier,
    state_label: &'static str,
    code: String,
    submitted: bool,
    can_upload: bool,
    /// The citizen's answer to what was asked, (action, button): "supplement_received" after a
    /// supplement request, "resubmit" after a request to complete before acceptance (Mẫu 02).
    answer: Option<(EventKind, &'static str)>,
    /// What the agency asked for, when it waits for the citizen: when, and its words.
    asked: Option<(String, String)>,
    can_withdraw: bool,
    /// Its fees may be paid online now: the form to the payment page (code and phone digits).
    pay: Option<(String, String)>,
    events: Vec<(String, String)>,
    errors: Vec<FieldError>,
}

#[derive(Debug, Deserialize)]
pub struct SubmittedParam {
    submitted: Option<String>,
}

async fn my_dossier_page(
    state: &AppState,
    web: Web,
    actor: &Actor,
    id: Uuid,
    submitted: bool,
    errors: Vec<FieldError>,
) -> PageResult<MyDossier> {
    let d = state.readable_dossier(actor, id).await?;
    let english = web.shell.lang == crate::pages::i18n::Lang::En;
    let label = |s: DState| if english { s.label_en() } else { s.label_vi() };
    let events = state
        .store
        .events(d.agency_id, d.id)
        .await?
        .into_iter()
        .filter(|e| e.kind != EventKind::AttachDocument)
        .map(|e| (e.at.format("%H:%M %d/%m/%Y").to_string(), label(e.to_state).to_owned()))
        .collect();
    // What the citizen may do now is the domain's answer, as the server will judge it.
    let cal = state.calendar(d.agency_id).await?;
    let ctx = Context {
        actor,
        now: state.now(&cal),
        calendar: &cal,
        new_code: None,
        max_reappoint_days: motcua_domain::dossier::DEFAULT_MAX_REAPPOINT_DAYS,
    };
    let allowed = d.allowed_actions(&ctx);
    let may = |kind: EventKind| allowed.contains(&kind);
    Ok(MyDossier {
        state_label: label(d.state),
        code: code_of(&d, web.shell.t),
        submitted,
        can_upload: may(EventKind::AttachDocument),
        answer: if may(EventKind::SupplementReceived) {
            Some((EventKind::SupplementReceived, web.shell.t.supplement_done))
        } else if may(EventKind::Resubmit) {
            Some((EventKind::Resubmit, web.shell.t.resubmit_button))
        } else {
            None
        },
        asked: asked_of(&d),
        can_withdraw: may(EventKind::Withdraw),
        pay: d
            .code
            .as_ref()
            .filter(|_| motcua_domain::payment::payable(&d))
            .map(|c| (c.to_string(), d.phone_last4().to_owned())),
        events,
        errors,
        shell: web.shell,
        d,
    })
}

/// What the agency waits for from the citizen: the completion asked before acceptance (its
/// reason, at the event's time) or the open supplement request.
fn asked_of(d: &Dossier) -> Option<(String, String)> {
    use motcua_domain::dossier::PauseKind;
    match d.state {
        DState::NeedsCompletion => d.reason.clone().map(|r| (String::new(), r)),
        DState::AwaitingSupplement => d
            .pauses
            .iter()
            .rev()
            .find(|p| p.kind == PauseKind::Supplement && p.to.is_none())
            .map(|p| (p.from.format("%d/%m/%Y").to_string(), p.reason.clone())),
        _ => None,
    }
}

pub async fn my_dossier(
    State(state): State<AppState>,
    web: Web,
    Citizen(actor): Citizen,
    Path(id): Path<Uuid>,
    Query(p): Query<SubmittedParam>,
) -> PageResult<MyDossier> {
    my_dossier_page(&state, web, &actor, id, p.submitted.is_some(), vec![]).await
}

pub async fn my_act(
    State(state): State<AppState>,
    web: Web,
    Citizen(actor): Citizen,
    Path(id): Path<Uuid>,
    CsrfForm(f): CsrfForm<ActForm>,
) -> PageResult<Response> {
    let d = state.readable_dossier(&actor, id).await?;
    let result = match f.action {
        EventKind::SupplementReceived | EventKind::Resubmit | EventKind::Withdraw => match f.action() {
            Ok(action) => state.act(&actor, &d, f.version, action).await.map(|_| ()),
            Err(e) => Err(e),
        },
        _ => Err(ApiError::Forbidden("thực hiện thao tác này".into())),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/my/dossiers/{id}")).into_response()),
        Err(e) => {
            let status = e.clone_status();
            Ok((
                status,
                my_dossier_page(&state, web, &actor, id, false, crate::pages::dossier_forms::field_errors(e)).await?,
            )
                .into_response())
        }
    }
}

pub async fn my_upload(
    State(state): State<AppState>,
    Citizen(actor): Citizen,
    Path(id): Path<Uuid>,
    CsrfUpload(upload, _): CsrfUpload,
) -> PageResult<Response> {
    let (fields, files) = upload?;
    let mut d = state.readable_dossier(&actor, id).await?;
    let mut version = crate::pages::dossier_forms::form_version(&fields);
    for (index, upload) in files {
        let file = store_upload(&state, d.agency_id, &upload).await?;
        let r = state.act(&actor, &d, version, Action::AttachDocument { index, file }).await?;
        d = r.dossier;
        version = d.version;
    }
    Ok(Redirect::to(&format!("/my/dossiers/{id}")).into_response())
}

pub async fn my_file(
    State(state): State<AppState>,
    Citizen(actor): Citizen,
    Path((id, index)): Path<(Uuid, usize)>,
) -> PageResult<Response> {
    let actor = &actor;
    Ok(crate::pages::dossier_forms::document_file(&state, actor, id, index, 0).await?)
}

pub async fn my_result(
    State(state): State<AppState>,
    Citizen(actor): Citizen,
    Path(id): Path<Uuid>,
) -> PageResult<Response> {
    let actor = &actor;
    Ok(crate::pages::dossier_forms::result_file(&state, actor, id).await?)
}
