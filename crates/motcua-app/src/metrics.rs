//! Prometheus counters of messages, read from the database so that every server (and every
//! worker) reports the same figures: deliveries by channel and status (sent, delivered, and each
//! kind of failure: temporary, permanent, technical) and open phone-call tasks.

use std::fmt::Write as _;

use motcua_store::{Store, StoreError};

/// The metrics in Prometheus' text format (version 0.0.4).
pub async fn render(store: &dyn Store) -> Result<String, StoreError> {
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
    Ok(out)
}
