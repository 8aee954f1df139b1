//! Prometheus figures read from the database, so that every server (and every worker) reports
//! the same: deliveries by channel and status (sent, delivered, and each kind of failure:
//! temporary, permanent, technical), open phone-call tasks, what waits in the outbox and for the
//! national portal and for how long; and this process's database connections. (Requests by
//! route are counted by the web edge, per server.)

use std::fmt::Write as _;

use motcua_store::{Store, StoreError};

/// The metrics in Prometheus' text format (version 0.0.4), ages counted at `now`.
pub async fn render(store: &dyn Store, now: chrono::NaiveDateTime) -> Result<String, StoreError> {
    let counts = store.delivery_counts().await?;
    let mut out = String::new();
    out.push_str("# HELP motcua_messages_total Messages to applicants and officers, by channel and status.\n");
    out.push_str("# TYPE motcua_messages_total counter\n");
    for c in &counts {
        let _ = writeln!(out, "motcua_messages_total{{channel=\"{}\",status=\"{}\"}} {}", c.channel, c.status, c.count);
    }
    out.push_str("# HELP motcua_messages_failed_total Messages that failed, by channel and reason.\n");
    out.push_str("# TYPE motcua_messages_failed_total counter\n");
    for (c, reason) in counts.iter().filter_map(|c| c.status.failure().map(|r| (c, r))) {
        let _ =
            writeln!(out, "motcua_messages_failed_total{{channel=\"{}\",reason=\"{reason}\"}} {}", c.channel, c.count);
    }
    let open = store.open_call_task_count().await?;
    out.push_str(
        "# HELP motcua_call_tasks_open Phone calls owed to applicants whom an essential SMS could not reach.\n",
    );
    out.push_str("# TYPE motcua_call_tasks_open gauge\n");
    let _ = writeln!(out, "motcua_call_tasks_open {open}");
    let backlog = store.backlog().await?;
    let age = |t: Option<chrono::NaiveDateTime>| t.map_or(0, |t| (now - t).num_seconds().max(0));
    let gauges = [
        ("motcua_outbox_waiting", "Dossier events not yet turned into messages.", backlog.outbox_waiting),
        ("motcua_outbox_oldest_seconds", "Age of the oldest event waiting in the outbox.", age(backlog.outbox_oldest)),
        (
            "motcua_portal_sync_oldest_seconds",
            "Age of the oldest message to the national portal not delivered yet.",
            age(backlog.portal_oldest),
        ),
    ];
    let (open_connections, idle) = store.pool_connections();
    let pool = [
        ("motcua_db_pool_connections", "This process's open database connections.", i64::from(open_connections)),
        ("motcua_db_pool_idle", "This process's idle database connections.", i64::from(idle)),
    ];
    for (name, help, value) in gauges.into_iter().chain(pool) {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}");
    }
    Ok(out)
}
