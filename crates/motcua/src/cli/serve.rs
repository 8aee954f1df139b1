//! `motcua serve [--bind ADDR] [--demo]`: migrate, optionally load the demo into an empty
//! database, and serve the API until Ctrl-C or SIGTERM.

use anyhow::Context as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;
use motcua_app::files::FileStore;
use motcua_web::clock::SystemClock;
use motcua_web::{AppState, app};

use super::{CliResult, open_store, runtime};
use crate::config::Config;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Địa chỉ lắng nghe / address to listen on (default 127.0.0.1:8080).
    #[arg(long)]
    pub bind: Option<String>,
    /// Nạp dữ liệu minh họa nếu cơ sở dữ liệu còn trống / load demo data into an empty database.
    #[arg(long)]
    pub demo: bool,
    /// Tệp cấu hình / configuration file (default motcua.toml).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

pub fn run(args: ServeArgs) -> CliResult {
    let mut config = Config::load(args.config.as_deref())?;
    if let Some(bind) = args.bind {
        config.server.bind = bind;
    }
    runtime()?.block_on(serve(config, args.demo))
}

async fn serve(mut config: Config, demo: bool) -> CliResult {
    tracing::info!(?config, "starting");
    let listener = tokio::net::TcpListener::bind(&config.server.bind)
        .await
        .with_context(|| format!("không mở được {}", config.server.bind))?;
    let addr = listener.local_addr()?;
    // Links printed and sent point at the address actually bound unless one is configured.
    config.server.bind = addr.to_string();
    let store = open_store(&config).await?;
    let files = FileStore::new(&config.files.dir);
    if demo {
        super::demo::load_if_empty(store.clone(), &files).await?;
    }
    let state = AppState::new(store.clone(), files, Arc::new(SystemClock), config.web())?;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let worker = if config.notify.enabled {
        // The worker wakes as soon as a page or the API has changed something. It has its own
        // connections, as a `motcua worker` process would: under a burst of requests it does not
        // queue behind them for each read.
        let own = motcua_store::connect_worker(&config.database.url).await?;
        let notifier = super::worker::notifier(&config, own.clone())?;
        let wake = state.outbox_wake.clone();
        let interval = config.notify.interval_seconds;
        Some((
            tokio::spawn(super::worker::run_loop(
                notifier,
                (interval, super::backup::Schedule::of(&config)),
                wake,
                stopped,
            )),
            own,
        ))
    } else {
        None
    };
    println!("motcua đang chạy tại http://{addr} (API: http://{addr}/api/v1/openapi.json)");
    tracing::info!(%addr, "listening");
    // On Ctrl-C or SIGTERM: no new connection; the requests under way finish, the worker ends its
    // round (a message being sent is recorded, not left to be sent again), then the connections
    // to the database close.
    let served = axum::serve(listener, app(state).into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown())
        .await;
    let _ = stop.send(true);
    if let Some((task, own)) = worker {
        if tokio::time::timeout(std::time::Duration::from_secs(60), task).await.is_err() {
            tracing::warn!("the worker's round did not end within a minute; its leases run out by themselves");
        }
        own.close().await;
    }
    store.close().await;
    tracing::info!("stopped");
    served.map_err(anyhow::Error::from)
}

/// Ctrl-C or SIGTERM (what systemd and container runtimes send to stop a service).
pub async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = term => {} }
    tracing::info!("shutting down");
}
