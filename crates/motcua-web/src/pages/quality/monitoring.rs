//! Overdue monitoring (đôn đốc): per unit, the unfinished dossiers late or due soon, with a reminder button.

#[allow(unused_imports)]
use super::*;
use motcua_domain::dossier::State as DState;

#[derive(Debug, Default, Deserialize)]
pub struct MonitoringParams {
    #[serde(default)]
    agency: Option<String>,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    days: Option<u32>,
    #[serde(default)]
    reminded: Option<u32>,
}

/// A dossier to urge.
#[derive(Debug)]
pub struct WatchRow {
    id: Uuid,
    code: String,
    procedure: String,
    due: String,
    /// "Quá hạn 3 ngày làm việc" or "Còn 1 ngày làm việc".
    status: String,
    overdue: bool,
    officer: String,
}

/// A feedback case past its step's deadline.
#[derive(Debug)]
pub struct LateFeedback {
    id: Uuid,
    label: String,
    kind: &'static str,
    state: &'static str,
    unit: String,
    answer_by: String,
    late: String,
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "monitoring.html")]
pub struct MonitoringPage {
    shell: Shell,
    agency_name: String,
    days: u32,
    unit: String,
    units: Vec<(String, String)>,
    groups: Vec<(String, usize, Vec<WatchRow>)>,
    can_remind: bool,
    notice: Option<String>,
    /// Walk-ins the counter sent away this month: to complete their papers (Mẫu 02), refused (Mẫu 03).
    turned_away: (i64, i64),
    /// Feedback past its step's deadline: (id, number, kind, state, unit, answer due, days late).
    late_feedback: Vec<LateFeedback>,
    month: String,
}

/// Overdue monitoring (đôn đốc): per unit, the unfinished dossiers overdue or due within N
/// working days, with days late, the officer holding them and a reminder button.
pub async fn monitoring(
    State(state): State<AppState>,
    web: Web,
    Officer(actor): Officer,
    Query(p): Query<MonitoringParams>,
) -> PageResult<MonitoringPage> {
    let (actor, agency) = report_scope(&state, actor, p.agency.as_deref()).await?;
    let cal = state.calendar(agency.id).await?;
    let now = state.now(&cal);
    let today = now.date();
    let days = p.days.unwrap_or(2).min(30);
    let horizon = cal.add_working_days(today, days).map(|d| cal.end_of(d)).unwrap_or(now);
    let filter = motcua_store::DossierFilter {
        agencies: vec![agency.id],
        due_before: Some(horizon),
        unit: Some(p.unit.clone()).filter(|u| !u.is_empty()),
        page: 1,
        page_size: 200,
        ..Default::default()
    };
    let found = state.store.list_dossiers(&filter).await?;
    let units = state.store.units(agency.id).await?;
    let mut names: HashMap<Uuid, String> = HashMap::new();
    let mut groups: Vec<(String, usize, Vec<WatchRow>)> = Vec::new();
    // Waiting for the applicant (supplement, fees) is not the unit's to urge: the clock is paused.
    let waiting = |s: motcua_domain::dossier::State| {
        use motcua_domain::dossier::State::*;
        matches!(s, AwaitingSupplement | AwaitingPayment | NeedsCompletion)
    };
    for d in found.items.into_iter().filter(|d| !waiting(d.state)) {
        let unit = d.step().map(|s| s.unit.clone()).unwrap_or_default();
        let officer = match d.assignee {
            Some(id) => match names.get(&id) {
                Some(n) => n.clone(),
                None => {
                    let n = state.store.user(id).await?.map(|u| u.full_name).unwrap_or_default();
                    names.insert(id, n.clone());
                    n
                }
            },
            None => "Chưa phân công".into(),
        };
        let overdue = d.is_overdue(now);
        let status = match d.due_date {
            Some(due) if overdue => {
                format!("Quá hạn {} ngày làm việc", cal.working_days_between(due, today).unwrap_or(0).max(1))
            }
            Some(due) => format!("Còn {} ngày làm việc", cal.working_days_between(today, due).unwrap_or(0)),
            None => String::new(),
        };
        let row = WatchRow {
            id: d.id,
            code: d.code.as_ref().map(|c| c.to_string()).unwrap_or_default(),
            procedure: d.procedure_name.clone(),
            due: d.due_date.map(|x| x.format("%d/%m/%Y").to_string()).unwrap_or_default(),
            status,
            overdue,
            officer,
        };
        // At another agency (liên thông), the lateness is that agency's: its own group.
        let label = match d.at_external_agency().and_then(|s| s.external_agency.clone()) {
            Some(external) => format!("Cơ quan phối hợp: {external} (liên thông)"),
            None => units.iter().find(|u| u.code == unit).map_or(unit.clone(), |u| format!("{} ({})", u.name, u.code)),
        };
        match groups.iter_mut().find(|(l, _, _)| *l == label) {
            Some((_, n, rows)) => {
                *n += usize::from(row.overdue);
                rows.push(row);
            }
            None => groups.push((label, usize::from(row.overdue), vec![row])),
        }
    }
    groups.sort_by_cached_key(|(l, _, _)| motcua_domain::text::fold(l));
    let month_start = today.with_day(1).unwrap_or(today);
    let mut turned_away = [0i64; 2];
    for (n, state_) in turned_away.iter_mut().zip([DState::NeedsCompletion, DState::RefusedAtIntake]) {
        let f = motcua_store::DossierFilter {
            agencies: vec![agency.id],
            state: Some(state_),
            channel: Some(motcua_domain::catalog::Channel::Counter),
            created_from: Some(month_start),
            page: 1,
            page_size: 1,
            ..Default::default()
        };
        *n = state.store.list_dossiers(&f).await?.total;
    }
    let late_feedback = motcua_app::feedback::late(&*state.store, agency.id, today)
        .await?
        .into_iter()
        .filter(|c| p.unit.is_empty() || c.unit.as_deref() == Some(p.unit.as_str()))
        .map(|c| {
            let due = c.step_deadline().unwrap_or(today);
            LateFeedback {
                id: c.id,
                label: c.label(),
                kind: c.kind.map_or("Chưa phân loại", |k| k.label_vi()),
                state: c.state.label_vi(),
                unit: c.unit.clone().unwrap_or_else(|| "Bộ phận một cửa".into()),
                answer_by: c.answer_by.format("%d/%m/%Y").to_string(),
                late: format!("Quá hạn {} ngày làm việc", cal.working_days_between(due, today).unwrap_or(0).max(1)),
            }
        })
        .collect();
    Ok(MonitoringPage {
        late_feedback,
        agency_name: agency.name.clone(),
        days,
        unit: p.unit,
        units: units.into_iter().map(|u| (u.code, u.name)).collect(),
        groups,
        can_remind: actor.grants.iter().any(|g| g.agency_id == agency.id && crate::pages::roles::follows_up(g.role)),
        notice: p.reminded.map(|n| {
            if n == 0 {
                "Không gửi thêm lời nhắc: hôm nay đã nhắc, hoặc người xử lý chưa có email, số di động.".into()
            } else {
                format!("Đã gửi lời nhắc ({n} tin nhắn).")
            }
        }),
        turned_away: (turned_away[0], turned_away[1]),
        month: today.format("%m/%Y").to_string(),
        shell: web.shell,
    })
}
