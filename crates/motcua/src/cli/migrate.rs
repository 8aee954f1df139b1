//! `motcua migrate`: apply the database migrations and exit.

use std::path::PathBuf;

use clap::Args;

use super::{CliResult, open_store, runtime};
use crate::config::Config;

#[derive(Debug, Args)]
pub struct MigrateArgs {
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

pub fn run(args: MigrateArgs) -> CliResult {
    let config = Config::load(args.config.as_deref())?;
    runtime()?.block_on(async {
        let store = open_store(&config).await?;
        println!("Đã cập nhật cấu trúc cơ sở dữ liệu ({}).", store.backend());
        Ok(())
    })
}
