//! The message log: every SMS and e-mail with where it stands, filters, and a resend.

#[allow(unused_imports)]
use super::*;

#[derive(Debug)]
pub struct LogRow {
    id: Uuid,
    created: String,
    channel: &'static str,
    recipient: String,
    text: String,
    status: &'static str,
    attempts: i64,
    answer: String,
    dossier_id: Option<Uuid>,
    resendable: bool,
}

#[derive(Debug, Default, Deserialize)]
pub struct LogParams {
    #[serde(default)]
    q: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    channel: String,
    #[serde(default)]
    page: Option<u32>,
    #[serde(default)]
    done: Option<String>,
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "admin_messages.html")]
pub struct MessageLog {
    shell: Shell,
    agency_name: String,
    rows: Vec<LogRow>,
    total: i64,
    page: u32,
    pages: u32,
    p: LogParams,
    statuses: Vec<(&'static str, &'static str)>,
    notice: Option<String>,
    /// Events that could not become messages: when, event, dossier, why.
    set_aside: Vec<(String, String, String, String)>,
    /// The national portal's sync, when there is any: messages by status, the last delivered,
    /// the oldest waiting and how long ago, and the commonest failures.
    portal: Option<PortalView>,
}

#[derive(Debug)]
pub struct PortalView {
    by_status: Vec<(&'static str, i64)>,
    last_delivered: String,
    oldest_waiting: String,
    failures: Vec<(String, i64)>,
    /// The EMC tracker's messages by status.
    emc_by_status: Vec<(&'static str, i64)>,
    /// What the portal sent, by status.
    inbox_by_status: Vec<(&'static str, i64)>,
    inbox_unmappable: bool,
    inbox_oldest_waiting: Option<String>,
}

const PAGE_SIZE: u32 = 50;

pub async fn message_log(
    State(state): State<AppState>,
    web: Web,
    AgencyAdmin { agency, .. }: AgencyAdmin,
    Query(p): Query<LogParams>,
) -> PageResult<MessageLog> {
    let page = p.page.unwrap_or(1).max(1);
    let found = state
        .store
        .search_deliveries(&DeliveryQuery {
            agencies: vec![agency.id],
            q: Some(p.q.clone()),
            status: DeliveryStatus::parse(p.status.trim()),
            channel: DeliveryChannel::parse(p.channel.trim()),
            page,
            page_size: PAGE_SIZE,
        })
        .await?;
    let rows = found
        .items
        .into_iter()
        .map(|m| LogRow {
            id: m.id,
            created: m.created_at.format("%H:%M %d/%m/%Y").to_string(),
            channel: m.channel.label(),
            recipient: m.recipient,
            text: m.subject.unwrap_or_else(|| m.body.chars().take(120).collect()),
            status: status_vi(m.status),
            resendable: !matches!(m.status, DeliveryStatus::Created | DeliveryStatus::Sending),
            attempts: m.attempts,
            answer: m.last_answer.unwrap_or_default(),
            dossier_id: m.dossier_id,
        })
        .collect();
    let statuses = vec![
        ("delivered", "Đã gửi"),
        ("created", "Chờ gửi"),
        ("sending", "Đang gửi"),
        ("temporary-failure", "Lỗi tạm thời"),
        ("permanent-failure", "Không gửi được"),
        ("technical-failure", "Lỗi kỹ thuật"),
    ];
    let notice = p.done.as_ref().map(|_| "Đã đưa tin nhắn vào hàng đợi gửi lại.".to_owned());
    let set_aside = state
        .store
        .failed_outbox(agency.id, 20)
        .await?
        .into_iter()
        .map(|f| {
            (
                f.created_at.format("%H:%M %d/%m/%Y").to_string(),
                f.kind,
                f.dossier_id.map(|d| d.to_string()).unwrap_or_default(),
                f.failed_reason.unwrap_or_default(),
            )
        })
        .collect();
    let sync = state.store.portal_sync(agency.id).await?;
    let now = state.now_default();
    let inbox_label = |s: &str| match s {
        "waiting" => "chờ tiếp nhận tự động",
        "done" => "đã tiếp nhận",
        "unmappable" => "chờ bộ phận một cửa",
        "dismissed" => "đã gác lại",
        _ => "khác",
    };
    let any = !sync.by_status.is_empty() || !sync.emc_by_status.is_empty() || !sync.inbox_by_status.is_empty();
    let portal = any.then(|| PortalView {
        emc_by_status: sync.emc_by_status.iter().map(|(s, n)| (status_vi(*s), *n)).collect(),
        inbox_by_status: sync.inbox_by_status.iter().map(|(s, n)| (inbox_label(s), *n)).collect(),
        inbox_unmappable: sync.inbox_by_status.iter().any(|(s, n)| s == "unmappable" && *n > 0),
        inbox_oldest_waiting: sync
            .inbox_oldest_waiting
            .map(|t| format!("{} (chờ {} phút)", t.format("%H:%M %d/%m/%Y"), (now - t).num_minutes().max(0))),
        by_status: sync.by_status.iter().map(|(s, n)| (status_vi(*s), *n)).collect(),
        last_delivered: sync
            .last_delivered
            .map_or_else(|| "chưa có".into(), |t| t.format("%H:%M %d/%m/%Y").to_string()),
        oldest_waiting: sync.oldest_waiting.map_or_else(
            || "không có tin nào đang chờ".into(),
            |t| format!("{} (chờ {} phút)", t.format("%H:%M %d/%m/%Y"), (now - t).num_minutes().max(0)),
        ),
        failures: sync.failures,
    });
    Ok(MessageLog {
        portal,
        set_aside,
        shell: web.shell,
        agency_name: agency.name,
        rows,
        total: found.total,
        page,
        pages: (found.total as u32).div_ceil(PAGE_SIZE).max(1),
        p,
        statuses,
        notice,
    })
}

pub async fn resend(
    State(state): State<AppState>,
    AgencyAdmin { actor, agency }: AgencyAdmin,
    Path(id): Path<Uuid>,
    CsrfForm(_): CsrfForm<BackForm>,
) -> PageResult<Response> {
    let not_found = || ApiError::NotFound("không tìm thấy tin nhắn".into());
    let d = state.store.delivery(agency.id, id).await?.ok_or_else(not_found)?;
    state.store.resend_delivery(agency.id, id, state.now_default()).await?;
    let data = serde_json::json!({ "key": d.idempotency_key, "previous_status": d.status });
    audit(&state, &actor, agency.id, "message.resend", format!("delivery:{id}"), data).await?;
    Ok(Redirect::to("/admin/messages?done=1").into_response())
}
