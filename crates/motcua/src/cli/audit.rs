//! `motcua audit seal`, `motcua audit verify [--agency CODE] [--anchors FILE]` and `motcua audit
//! anchors --agency CODE`: the record's hash chains (`motcua_app::evidence`). `verify` prints
//! each chain's length and head — the anchor to hand to an outside party — and names the first
//! row altered, removed or inserted; given the anchors an outside party held (the CSV that
//! `anchors` and the report pages write), it also checks the chains still pass through them,
//! which a chain rewritten whole, links and all, does not. It fails on any finding.

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
        /// Tệp neo đã giữ (CSV) / anchors held by an outside party (CSV), checked too.
        #[arg(long, value_name = "FILE")]
        anchors: Option<PathBuf>,
    },
    /// In neo chuỗi băm từng ngày (CSV) / print the daily anchors (CSV).
    Anchors {
        /// Mã cơ quan / the agency's code.
        #[arg(long)]
        agency: String,
        /// Từ ngày / from (dd/mm/yyyy; default: 30 days ago).
        #[arg(long)]
        from: Option<String>,
        /// Đến ngày / to (dd/mm/yyyy; default: yesterday).
        #[arg(long)]
        to: Option<String>,
    },
}

fn day(text: &str) -> anyhow::Result<chrono::NaiveDate> {
    chrono::NaiveDate::parse_from_str(text.trim(), "%d/%m/%Y")
        .map_err(|_| anyhow::anyhow!("ngày \"{text}\" không hợp lệ: viết dd/mm/yyyy / not a date"))
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
                    // Until everything old enough is sealed (each call seals a bounded amount).
                    loop {
                        let n = motcua_app::evidence::seal(store.as_ref(), *id, local_now()).await?;
                        sealed += n;
                        if n == 0 {
                            break;
                        }
                    }
                }
                println!("Đã niêm phong {sealed} dòng / sealed {sealed} rows.");
                Ok(())
            }
            AuditCommand::Anchors { agency, from, to } => {
                let (id, code) = scope
                    .iter()
                    .find(|(_, c)| *c == agency)
                    .ok_or_else(|| anyhow::anyhow!("không có cơ quan {agency} / no such agency"))?;
                let now = local_now();
                let to = to.as_deref().map(day).transpose()?.unwrap_or(now.date() - chrono::Duration::days(1));
                let from = from.as_deref().map(day).transpose()?.unwrap_or(to - chrono::Duration::days(30));
                let anchors = motcua_app::evidence::daily_anchors(store.as_ref(), *id, (from, to), now).await?;
                print!("{}", motcua_app::evidence::anchors_csv(code, &anchors));
                Ok(())
            }
            AuditCommand::Verify { agency, anchors } => {
                if let Some(code) = &agency {
                    scope.retain(|(_, c)| c == code);
                    anyhow::ensure!(!scope.is_empty(), "không có cơ quan {code} / no such agency");
                }
                let mut problems = 0;
                if let Some(file) = &anchors {
                    let text = std::fs::read_to_string(file)
                        .map_err(|e| anyhow::anyhow!("không đọc được {}: {e}", file.display()))?;
                    let held = motcua_app::evidence::parse_anchors(&text).map_err(anyhow::Error::msg)?;
                    for (code, anchor) in &held {
                        let Some((id, _)) = scope.iter().find(|(_, c)| c == code) else { continue };
                        if let Some(differs) = motcua_app::evidence::check_anchor(store.as_ref(), *id, anchor).await? {
                            problems += 1;
                            println!("{code} SAI / TAMPERED — {differs}");
                        }
                    }
                    println!("Đã đối chiếu {} neo đã giữ / {} held anchors checked.", held.len(), held.len());
                }
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
