//! `motcua portal resync --since DATE`: tells the National Public Service Portal again about every
//! coded dossier changed since a day (after an outage on the portal's side, or a dead letter fixed
//! upstream). Each dossier is queued as it stands, behind the messages already waiting, and the
//! worker sends it in order (`docs/national-portal.md`).

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::{CliResult, open_store, runtime};
use crate::config::Config;

#[derive(Debug, Args)]
pub struct PortalArgs {
    #[command(subcommand)]
    pub command: PortalCommand,
}

#[derive(Debug, Subcommand)]
pub enum PortalCommand {
    /// Gửi lại Cổng DVCQG các hồ sơ thay đổi từ một ngày / re-send dossiers changed since a day.
    Resync {
        /// The first day (YYYY-MM-DD), local time.
        #[arg(long, value_name = "DATE")]
        since: chrono::NaiveDate,
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
    },
}

pub fn run(args: PortalArgs) -> CliResult {
    let PortalCommand::Resync { since, config } = args.command;
    let config = Config::load(config.as_deref())?;
    if config.notify.portal.create_url.is_empty() {
        anyhow::bail!("chưa cấu hình notify.portal.create_url: không có nơi để gửi");
    }
    runtime()?.block_on(async {
        let store = open_store(&config).await?;
        let cal = motcua_calendar::WorkCalendar::vietnam()?;
        let now = cal.to_local(chrono::Utc::now());
        let from = since.and_time(chrono::NaiveTime::MIN);
        let mut total = 0;
        for agency in store.agencies().await? {
            total += store.queue_portal_resync(agency.id, from, now).await?;
        }
        println!("Đã xếp {total} hồ sơ để gửi lại Cổng DVCQG (thay đổi từ ngày {}).", since.format("%d/%m/%Y"));
        Ok(())
    })
}
