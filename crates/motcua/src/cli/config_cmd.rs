//! `motcua config example`: print a commented configuration file.

use clap::{Args, Subcommand};

use super::CliResult;

#[derive(Debug, Args)]
pub struct ConfigArgs {
    #[command(subcommand)]
    pub command: ConfigCommand,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// In tệp cấu hình mẫu có chú thích / print a commented example.
    Example,
}

pub fn run(args: ConfigArgs) -> CliResult {
    match args.command {
        ConfigCommand::Example => print!("{}", crate::config::EXAMPLE),
    }
    Ok(())
}
