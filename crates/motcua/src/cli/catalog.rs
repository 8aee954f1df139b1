//! `motcua catalog export|import`: the catalog as JSON (the import format) or CSV (one row per
//! procedure, for spreadsheets).

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};
use motcua_store::ProcedureQuery;

use super::{CliResult, open_store, runtime};
use crate::config::Config;
use crate::demo::{AgencyProcedure, CatalogFile, import_catalog};

#[derive(Debug, Args)]
pub struct CatalogArgs {
    #[command(subcommand)]
    pub command: CatalogCommand,
    #[arg(long, value_name = "FILE", global = true)]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum CatalogCommand {
    /// Xuất danh mục thủ tục / export the catalog.
    Export {
        #[arg(long, value_enum, default_value = "json")]
        format: Format,
    },
    /// Nhập danh mục từ tệp JSON / import a catalog JSON file (new versions of existing codes).
    Import { file: PathBuf },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    Json,
    Csv,
}

pub fn run(args: CatalogArgs) -> CliResult {
    let config = Config::load(args.config.as_deref())?;
    runtime()?.block_on(async {
        let store = open_store(&config).await?;
        match args.command {
            CatalogCommand::Import { file } => {
                let text =
                    std::fs::read_to_string(&file).map_err(|e| format!("không đọc được {}: {e}", file.display()))?;
                let catalog: CatalogFile =
                    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", file.display()))?;
                let published = import_catalog(store.as_ref(), &catalog).await?;
                println!("Đã công bố {} thủ tục.", published.len());
                Ok(())
            }
            CatalogCommand::Export { format } => {
                let agencies = store.agencies().await.map_err(|e| e.to_string())?;
                let mut procedures = Vec::new();
                let mut page = 1;
                loop {
                    let q = ProcedureQuery { page, page_size: 200, ..Default::default() };
                    let found = store.search_procedures(&q).await.map_err(|e| e.to_string())?;
                    let done = found.items.len() < 200;
                    for v in found.items {
                        let agency = agencies
                            .iter()
                            .find(|a| a.id == v.agency_id)
                            .map(|a| a.code.to_string())
                            .unwrap_or_default();
                        procedures.push(AgencyProcedure { agency, spec: v.spec });
                    }
                    if done {
                        break;
                    }
                    page += 1;
                }
                let fields = store.fields().await.map_err(|e| e.to_string())?;
                match format {
                    Format::Json => {
                        let out = serde_json::to_string_pretty(&CatalogFile { fields, procedures })
                            .map_err(|e| e.to_string())?;
                        println!("{out}");
                    }
                    Format::Csv => {
                        let mut w = csv::Writer::from_writer(std::io::stdout());
                        w.write_record([
                            "agency",
                            "code",
                            "name",
                            "field",
                            "time_limit",
                            "online",
                            "fees_vnd",
                            "channels",
                            "steps",
                        ])
                        .map_err(|e| e.to_string())?;
                        for p in procedures {
                            let s = &p.spec;
                            let channels = s.channels.iter().map(|c| c.as_str()).collect::<Vec<_>>().join("|");
                            let steps = s
                                .steps
                                .iter()
                                .map(|st| format!("{} ({}, {})", st.name, st.unit, st.budget))
                                .collect::<Vec<_>>()
                                .join(" → ");
                            let online = serde_json::to_value(s.online).map_err(|e| e.to_string())?;
                            w.write_record([
                                p.agency.as_str(),
                                &s.code,
                                &s.name,
                                &s.field,
                                &s.time_limit.to_string(),
                                online.as_str().unwrap_or(""),
                                &s.total_fees().0.to_string(),
                                &channels,
                                &steps,
                            ])
                            .map_err(|e| e.to_string())?;
                        }
                        w.flush().map_err(|e| e.to_string())?;
                    }
                }
                Ok(())
            }
        }
    })
}
