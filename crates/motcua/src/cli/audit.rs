//! `motcua audit seal` and `motcua audit verify [--agency CODE]`: the record's hash chains
//! (`motcua_app::evidence`). `verify` prints each chain's length and head — the anchor to hand to
//! an outside party — and names the first row altered, removed or inserted; it fails then.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use uuid::Uuid;

use super::{CliResult, open_store, runtime};
use crate::config::Config;

#[derive(Debug, Args)]
pub struct AuditArgs {
    #[command(subcommand)]
    pub command: AuditCommand,
    #[arg(long, value_name = "FILE", global = true)]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Niêm phong ngay các dòng đủ cũ / seal the rows old enough now (the worker does it too).
    Seal,
    /// Kiểm tra chuỗi băm / check the hash chains.
    Verify {
        /// Mã cơ quan / one agency's code (default: every agency and the installation's entries).
        #[arg(long)]
        agency: Option<String>,
    },
}

/// Now, in local time (Asia/Ho_Chi_Minh), as the rows' times are written.
fn local_now() -> chrono::NaiveDateTime {
    chrono::Utc::now().naive_utc() + chrono::Duration::hours(7)
}

pub fn run(args: AuditArgs) -> CliResult {
    let config = Config::load(args.config.as_deref())?;
    runtime()?.block_on(async {
        let store = open_store(&config).await?;
        let agencies = store.agencies().await?;
        let mut scope: Vec<(Uuid, String)> = agencies.iter().map(|a| (a.id, a.code.to_string())).collect();
        scope.push((Uuid::nil(), "(toàn hệ thống / installation)".into()));
        match args.command {
            AuditCommand::Seal => {
                let mut sealed = 0;
                for (id, _) in &scope {
                    sealed += motcua_app::evidence::seal(store.as_ref(), *id, local_now()).await?;
                }
                println!("Đã niêm phong {sealed} dòng / sealed {sealed} rows.");
                Ok(())
            }
            AuditCommand::Verify { agency } => {
                if let Some(code) = &agency {
                    scope.retain(|(_, c)| c == code);
                    anyhow::ensure!(!scope.is_empty(), "không có cơ quan {code} / no such agency");
                }
                let mut problems = 0;
                for (id, code) in &scope {
                    for check in motcua_app::evidence::verify(store.as_ref(), *id).await? {
                        let chain = check.chain.as_str();
                        match &check.finding {
                            None => println!("{code} {chain}: {} mắt xích, đầu chuỗi {}", check.links, check.head),
                            Some(f) => {
                                problems += 1;
                                println!("{code} {chain}: SAI / TAMPERED — {}", f.describe_vi());
                            }
                        }
                    }
                }
                anyhow::ensure!(problems == 0, "{problems} chuỗi bị can thiệp / chains tampered with");
                Ok(())
            }
        }
    })
}
