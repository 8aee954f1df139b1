//! The lists of dossiers, with deadline colours, filters and sorting.

#[allow(unused_imports)]
use super::*;

#[derive(Debug)]
pub struct Row {
    id: Uuid,
    code: String,
    procedure: String,
    applicant: String,
    state: &'static str,
    step: Option<String>,
    due: String,
    deadline_class: &'static str,
    /// The due date lies in a year without an official schedule of days off.
    due_projected: bool,
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "office_list.html")]
pub struct ListPage {
    shell: Shell,
    title: String,
    total: i64,
    rows: Vec<Row>,
    p: ListParams,
    units: Vec<(String, String)>,
    states: Vec<(&'static str, &'static str)>,
}

#[derive(Debug, Default, Deserialize)]
pub struct ListParams {
    #[serde(default)]
    view: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    channel: String,
    #[serde(default)]
    sort: String,
}

pub async fn list(
    State(state): State<AppState>,
    web: Web,
    Officer(actor): Officer,
    Query(p): Query<ListParams>,
) -> PageResult<ListPage> {
    let actor = &actor;
    let cal = home_calendar(&state, actor).await?;
    let now = state.now(&cal);
    let mut filter = view_filter(actor, &p.view, &cal, now);
    if let Some(s) = DState::parse(&p.state) {
        filter.state = Some(s);
    }
    if !p.unit.is_empty() {
        filter.unit = Some(p.unit.clone());
    }
    filter.channel = match p.channel.as_str() {
        "counter" => Some(Channel::Counter),
        "online" => Some(Channel::Online),
        "postal" => Some(Channel::Postal),
        _ => None,
    };
    filter.newest_first = p.sort == "received";
    let page = state.store.list_dossiers(&filter).await?;
    let mut units = Vec::new();
    for agency in actor.agencies() {
        units.extend(state.store.units(agency).await?.into_iter().map(|u| (u.code, u.name)));
    }
    let states = DState::ALL.iter().map(|s| (s.as_str(), s.label_vi())).collect();
    let t = web.shell.t;
    let title = match p.view.as_str() {
        "receive" => t.to_receive,
        "process" => t.to_process,
        "due_soon" => t.due_soon,
        "overdue" => t.overdue,
        _ => "Tất cả hồ sơ",
    }
    .to_owned();
    let rows = page
        .items
        .iter()
        .map(|d| Row {
            id: d.id,
            code: d.code.as_ref().map_or_else(|| "(chưa cấp mã)".to_owned(), |c| c.to_string()),
            procedure: d.procedure_name.clone(),
            applicant: d.applicant.name.clone(),
            state: d.state.label_vi(),
            step: d.step().map(|s| s.name.clone()),
            due: d.due_date.map(|d| d.format("%d/%m/%Y").to_string()).unwrap_or_default(),
            deadline_class: deadline_class(d, &cal, now),
            due_projected: d.due_date.is_some_and(|due| cal.is_projected(due)),
        })
        .collect();
    Ok(ListPage { shell: web.shell, title, total: page.total, rows, p, units, states })
}
