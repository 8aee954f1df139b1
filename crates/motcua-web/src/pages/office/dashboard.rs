//! The officer's dashboard: what waits, what is due soon, what is late, in their scope.

#[allow(unused_imports)]
use super::*;

#[derive(Debug, Template, WebTemplate)]
#[template(path = "office_dashboard.html")]
pub struct Dashboard {
    shell: Shell,
    to_receive: i64,
    to_process: i64,
    due_soon: i64,
    overdue: i64,
    /// Phone calls owed to applicants, for the counter and leaders.
    calls: Option<usize>,
    /// Dossiers from the national portal waiting for the counter.
    portal_waiting: usize,
    /// Feedback cases not finished past their answer's deadline, in the officer's agencies.
    feedback_late: i64,
}

pub async fn dashboard(State(state): State<AppState>, web: Web, Officer(actor): Officer) -> PageResult<Dashboard> {
    let actor = &actor;
    let cal = home_calendar(&state, actor).await?;
    let now = state.now(&cal);
    let mut counts = [0; 4];
    for (i, view) in ["receive", "process", "due_soon", "overdue"].iter().enumerate() {
        let f = DossierFilter { page_size: 1, ..view_filter(actor, view, &cal, now) };
        counts[i] = state.store.list_dossiers(&f).await?.total;
    }
    let handles_calls = |r: motcua_domain::org::Role| {
        matches!(
            r,
            motcua_domain::org::Role::Reception
                | motcua_domain::org::Role::UnitLead
                | motcua_domain::org::Role::AgencyLead
        )
    };
    let mut agencies: Vec<Uuid> = actor.grants.iter().filter(|g| handles_calls(g.role)).map(|g| g.agency_id).collect();
    agencies.sort();
    agencies.dedup();
    let mut calls = None;
    for agency in agencies {
        let open = state.store.call_tasks(agency, true).await?.len();
        calls = Some(calls.unwrap_or(0) + open);
    }
    let mut counters: Vec<Uuid> =
        actor.grants.iter().filter(|g| g.role == motcua_domain::org::Role::Reception).map(|g| g.agency_id).collect();
    counters.sort();
    counters.dedup();
    let mut portal_waiting = 0;
    for agency in counters {
        portal_waiting += state.store.portal_messages(agency, "unmappable", 200).await?.len();
    }
    let mut agencies_all: Vec<Uuid> = actor.grants.iter().map(|g| g.agency_id).collect();
    agencies_all.sort();
    agencies_all.dedup();
    // Feedback past its current step's deadline (the same test as the queue and monitoring).
    let mut feedback_late = 0;
    for agency in agencies_all {
        feedback_late += motcua_app::feedback::late(&*state.store, agency, now.date()).await?.len() as i64;
    }
    Ok(Dashboard {
        calls,
        portal_waiting,
        feedback_late,
        shell: web.shell,
        to_receive: counts[0],
        to_process: counts[1],
        due_soon: counts[2],
        overdue: counts[3],
    })
}
