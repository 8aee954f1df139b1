//! One dossier's page: its control sheet, timeline and messages, the actions this person may take now, and its files.

#[allow(unused_imports)]
use super::*;

#[derive(Debug)]
pub struct StepRow {
    name: String,
    unit: String,
    started: String,
    deadline: String,
    finished: String,
    on_time: &'static str,
    current: bool,
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "office_dossier.html")]
pub struct DossierPage {
    shell: Shell,
    d: Dossier,
    code: String,
    channel: &'static str,
    fees: String,
    deadline_class: &'static str,
    /// The due date lies in a year without an official schedule of days off.
    due_projected: bool,
    actions: Vec<ActionForm>,
    steps: Vec<StepRow>,
    events: Vec<(String, String)>,
    errors: Vec<FieldError>,
    warnings: Vec<String>,
    done: Option<String>,
    today: String,
    documents: Vec<(&'static str, String)>,
    can_attach_result: bool,
    /// Messages to the applicant: channel, recipient, status, attempts, last answer.
    messages: Vec<(String, String, &'static str, i64, String)>,
    /// A reminder to whoever holds it: offered on an unfinished dossier that is late or due soon.
    can_remind: bool,
    /// At another agency (inter-agency step): its name and the step's deadline.
    external: Option<(String, String)>,
    /// The address the applicant gave for a result by post.
    postal_address: Option<String>,
    payments: Vec<PaymentRow>,
    /// The counter may collect its fees here (it waits for them).
    can_collect: bool,
}

/// A payment request of the dossier: state, total, link to its page, receipts as (label, link,
/// id, still valid).
type PaymentRow = (&'static str, String, String, Vec<(String, String, Uuid, bool)>);

/// A time as officers read it. A day-based deadline is the midnight ending its last day: it
/// reads "24:00 09/12/2026", not "00:00 10/12/2026".
fn fmt_time(t: Option<NaiveDateTime>) -> String {
    match t {
        Some(t) if t.time() == chrono::NaiveTime::MIN => {
            let day = t.date().pred_opt().unwrap_or(t.date());
            format!("24:00 {}", day.format("%d/%m/%Y"))
        }
        Some(t) => t.format("%H:%M %d/%m/%Y").to_string(),
        None => String::new(),
    }
}

pub fn channel_label(c: Channel) -> &'static str {
    match c {
        Channel::Counter => "Trực tiếp",
        Channel::Online => "Trực tuyến",
        Channel::Postal => "Bưu chính",
    }
}

async fn dossier_page(
    state: &AppState,
    web: Web,
    actor: &Actor,
    id: Uuid,
    errors: Vec<FieldError>,
    warnings: Vec<String>,
    done: Option<String>,
) -> PageResult<DossierPage> {
    let d = state.readable_dossier(actor, id).await?;
    let cal = state.calendar(d.agency_id).await?;
    let now = state.now(&cal);
    let units = state.store.units(d.agency_id).await?;
    let steps = d
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| StepRow {
            name: s.name.clone(),
            unit: units.iter().find(|u| u.code == s.unit).map_or(s.unit.clone(), |u| u.name.clone()),
            started: fmt_time(s.started_at),
            deadline: fmt_time(s.deadline),
            finished: fmt_time(s.finished_at),
            on_time: match s.on_time {
                Some(true) => "Đúng hạn",
                Some(false) => "Trễ hạn",
                None => "",
            },
            current: d.current_step == Some(i),
        })
        .collect();
    // The timeline: the dossier's events, every message sent about it, and every phone call.
    let mut timeline: Vec<(NaiveDateTime, String)> = state
        .store
        .events(d.agency_id, d.id)
        .await?
        .into_iter()
        .map(|e| (e.at, format!("{} → {}", e.kind.label(false), e.to_state.label_vi())))
        .collect();
    let deliveries = state.store.deliveries_of(d.agency_id, d.id).await?;
    for m in &deliveries {
        let channel = m.channel.label();
        let what = if m.idempotency_key.starts_with("remind:") { "Nhắc xử lý" } else { "Thông báo" };
        let status = crate::pages::messages::status_vi(m.status);
        timeline.push((m.created_at, format!("{what} ({channel}) tới {}: {status}", m.recipient)));
    }
    for c in state.store.call_tasks_of(d.agency_id, d.id).await? {
        timeline.push((c.created_at, format!("Cần gọi điện cho người nộp ({})", c.phone.clone().unwrap_or_default())));
        if let Some(outcome) = &c.outcome {
            let note = c.note.as_deref().map(|n| format!(" — {n}")).unwrap_or_default();
            let lan = if c.attempts > 1 { format!(" (lần {})", c.attempts) } else { String::new() };
            let line = format!("Gọi điện: {}{lan}{note}", crate::pages::messages::outcome_vi(outcome));
            timeline.push((c.updated_at, line));
        }
    }
    timeline.sort_by_key(|(at, _)| *at);
    let events = timeline.into_iter().map(|(at, text)| (at.format("%H:%M %d/%m/%Y").to_string(), text)).collect();
    let class = deadline_class(&d, &cal, now);
    let can_remind = d.finished_at.is_none()
        && class != "on-time"
        && actor.grants.iter().any(|g| g.agency_id == d.agency_id && follows_up(g.role));
    let postal_address = match &d.result_delivery {
        Some(motcua_domain::dossier::ResultDelivery::Postal { address }) => Some(address.clone()),
        _ => None,
    };
    let external =
        d.at_external_agency().map(|s| (s.external_agency.clone().unwrap_or_default(), fmt_time(s.deadline)));
    let mut payments = Vec::new();
    for r in state.store.payment_requests_of(d.agency_id, d.id).await? {
        let link = format!("/pay/{}/{}", d.agency_code, r.id);
        let receipts = state
            .store
            .receipts_of(d.agency_id, r.id)
            .await?
            .into_iter()
            .map(|b| {
                let label = format!(
                    "{} {} số {}: {}{}",
                    b.kind.label_vi(),
                    b.symbol,
                    b.number_text(),
                    b.amount,
                    if b.cancelled { " (đã hủy)" } else { "" }
                );
                (label, format!("{link}/receipts/{}", b.id), b.id, !b.cancelled)
            })
            .collect();
        payments.push((r.state.label_vi(), r.total.to_string(), link, receipts));
    }
    let can_collect = d.state == motcua_domain::dossier::State::AwaitingPayment
        && actor.grants.iter().any(|g| g.agency_id == d.agency_id && g.role == motcua_domain::org::Role::Reception);
    Ok(DossierPage {
        payments,
        can_collect,
        external,
        postal_address,
        code: d.code.as_ref().map_or_else(|| "(chưa cấp mã)".to_owned(), |c| c.to_string()),
        channel: channel_label(d.channel),
        fees: d.total_fees().to_string(),
        deadline_class: class,
        due_projected: d.due_date.is_some_and(|due| cal.is_projected(due)),
        can_remind,
        actions: available(&d, actor, &cal, now),
        steps,
        events,
        errors,
        warnings,
        done,
        today: now.date().to_string(),
        documents: crate::pages::forms::documents_of(&d),
        messages: deliveries
            .into_iter()
            .map(|m| {
                let channel = m.channel.label();
                let status = crate::pages::messages::status_vi(m.status);
                (channel.to_owned(), m.recipient, status, m.attempts, m.last_answer.unwrap_or_default())
            })
            .collect(),
        can_attach_result: d.result.is_some()
            && actor.has_any(
                &[
                    motcua_domain::org::Role::Reception,
                    motcua_domain::org::Role::UnitLead,
                    motcua_domain::org::Role::AgencyLead,
                ],
                d.agency_id,
                None,
            ),
        shell: web.shell,
        d,
    })
}

#[derive(Debug, Deserialize)]
pub struct DoneParam {
    done: Option<String>,
    reminded: Option<u32>,
}

pub async fn show(
    State(state): State<AppState>,
    web: Web,
    Officer(actor): Officer,
    Path(id): Path<Uuid>,
    Query(p): Query<DoneParam>,
) -> PageResult<DossierPage> {
    let done = match (p.done, p.reminded) {
        (_, Some(0)) => {
            Some("Không gửi thêm lời nhắc: hôm nay đã nhắc, hoặc người xử lý chưa có email, số di động.".into())
        }
        (_, Some(n)) => Some(format!("Đã gửi lời nhắc ({n} tin nhắn).")),
        (Some(_), None) => Some("Đã cập nhật hồ sơ.".to_owned()),
        (None, None) => None,
    };
    dossier_page(&state, web, &actor, id, vec![], vec![], done).await
}

pub async fn act(
    State(state): State<AppState>,
    web: Web,
    Officer(actor): Officer,
    Path(id): Path<Uuid>,
    CsrfForm(f): CsrfForm<ActForm>,
) -> PageResult<Response> {
    let d = state.readable_dossier(&actor, id).await?;
    let result = match f.action() {
        Ok(action) => state.act(&actor, &d, f.version, action).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(r) if r.warnings.is_empty() => Ok(Redirect::to(&format!("/office/dossiers/{id}?done=1")).into_response()),
        Ok(r) => Ok(dossier_page(&state, web, &actor, id, vec![], r.warnings, Some("Đã cập nhật hồ sơ.".into()))
            .await?
            .into_response()),
        Err(e) => {
            let status = e.clone_status();
            let errors = crate::pages::dossier_forms::field_errors(e);
            let page = dossier_page(&state, web, &actor, id, errors, vec![], None).await?;
            Ok((status, page).into_response())
        }
    }
}

pub async fn file(
    State(state): State<AppState>,
    Officer(actor): Officer,
    Path((id, index)): Path<(Uuid, usize)>,
) -> PageResult<Response> {
    let actor = &actor;
    Ok(crate::pages::dossier_forms::document_file(&state, actor, id, index, 0).await?)
}

/// A further scan (`n` from 1) of a paper scanned as several files.
pub async fn scan(
    State(state): State<AppState>,
    Officer(actor): Officer,
    Path((id, index, n)): Path<(Uuid, usize, usize)>,
) -> PageResult<Response> {
    Ok(crate::pages::dossier_forms::document_file(&state, &actor, id, index, n).await?)
}

#[derive(Debug, Deserialize)]
pub struct CollectForm {
    #[serde(default)]
    method: String,
    #[serde(default)]
    bank_ref: String,
}

/// `POST /office/dossiers/{id}/collect`: the counter collects the fees (cash) or records a bank
/// transfer; the receipts are issued and the clock resumes.
pub async fn collect(
    State(state): State<AppState>,
    web: Web,
    Officer(actor): Officer,
    Path(id): Path<Uuid>,
    CsrfForm(f): CsrfForm<CollectForm>,
) -> PageResult<Response> {
    let d = state.readable_dossier(&actor, id).await?;
    let cal = state.calendar(d.agency_id).await?;
    let now = state.now(&cal);
    let provider =
        motcua_domain::payment::Provider::parse(&f.method).unwrap_or(motcua_domain::payment::Provider::Vnpay);
    match motcua_app::payments::collect_at_counter(&*state.store, &actor, &d, (provider, Some(&f.bank_ref)), now).await
    {
        Ok(c) => {
            let numbers: Vec<String> =
                c.receipts.iter().map(|r| format!("{} số {}", r.symbol, r.number_text())).collect();
            let done = format!("Đã thu {}; biên lai {}.", c.request.total, numbers.join(", "));
            Ok(dossier_page(&state, web, &actor, id, vec![], vec![], Some(done)).await?.into_response())
        }
        Err(motcua_app::AppError::Domain(motcua_domain::DomainError::Invalid(fields))) => {
            let page = dossier_page(&state, web, &actor, id, fields, vec![], None).await?;
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(ApiError::from(e).into()),
    }
}

#[derive(Debug, Deserialize)]
pub struct ReplaceReceiptForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    payer: String,
}

/// `POST /office/dossiers/{id}/receipts/{receipt}/replace`: a receipt of the dossier cancelled
/// with its reason and replaced (the payer's name corrected).
pub async fn replace_receipt(
    State(state): State<AppState>,
    web: Web,
    Officer(actor): Officer,
    Path((id, receipt)): Path<(Uuid, Uuid)>,
    CsrfForm(f): CsrfForm<ReplaceReceiptForm>,
) -> PageResult<Response> {
    let d = state.readable_dossier(&actor, id).await?;
    let mut ours = false;
    for r in state.store.payment_requests_of(d.agency_id, d.id).await? {
        ours |= state.store.receipts_of(d.agency_id, r.id).await?.iter().any(|b| b.id == receipt);
    }
    if !ours {
        return Err(ApiError::NotFound("không có biên lai này trong hồ sơ".into()).into());
    }
    let cal = state.calendar(d.agency_id).await?;
    let now = state.now(&cal);
    match motcua_app::payments::replace_receipt(&*state.store, &actor, d.agency_id, receipt, (&f.reason, &f.payer), now)
        .await
    {
        Ok(new) => {
            let done = format!("Đã hủy biên lai và lập biên lai thay thế {} số {}.", new.symbol, new.number_text());
            Ok(dossier_page(&state, web, &actor, id, vec![], vec![], Some(done)).await?.into_response())
        }
        Err(motcua_app::AppError::Domain(motcua_domain::DomainError::Invalid(fields))) => {
            let page = dossier_page(&state, web, &actor, id, fields, vec![], None).await?;
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(ApiError::from(e).into()),
    }
}
