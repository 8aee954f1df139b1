//! `motcua config example`: print a commented configuration file. `motcua config check`: read
//! the configuration as `serve` would and name what a partly configured feature lacks.

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
    /// Kiểm tra cấu hình, nêu phần còn thiếu / check the configuration, name what is missing.
    Check {
        /// Tệp cấu hình / configuration file (default: motcua.toml).
        #[arg(long)]
        config: Option<std::path::PathBuf>,
    },
}

pub fn run(args: ConfigArgs) -> CliResult {
    match args.command {
        ConfigCommand::Example => print!("{}", crate::config::EXAMPLE),
        ConfigCommand::Check { config } => return check(config.as_deref()),
    }
    Ok(())
}

fn check(file: Option<&std::path::Path>) -> CliResult {
    let config = crate::config::Config::load(file)?;
    // The backend only: a database URL may carry a password.
    let backend = if config.database.url.starts_with("postgres") { "PostgreSQL" } else { "SQLite" };
    println!("Cơ sở dữ liệu / database: {backend}");
    let on = config.configured();
    println!(
        "Đã cấu hình / configured: {}",
        if on.is_empty() { "(không có / none)".to_owned() } else { on.join(", ") }
    );
    let missing = config.missing();
    if missing.is_empty() {
        println!("Đủ / complete.");
        return Ok(());
    }
    for (feature, keys) in &missing {
        println!("{feature}: thiếu / missing {}", keys.join(", "));
    }
    Err(anyhow::anyhow!("cấu hình còn thiếu {} mục / the configuration is incomplete", missing.len()))
}
