//! `motcua catalog export|import`: the catalog as JSON (the import format) or CSV (one row per
//! procedure, for spreadsheets).

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};
use motcua_store::ProcedureQuery;

use super::{CliResult, open_store, runtime};
use crate::config::Config;
use motcua_app::catalog::{AgencyProcedure, CatalogFile, import_catalog};

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
    /// Nhập danh mục từ tệp .json hoặc .csv / import a catalog file, JSON or CSV (existing codes
    /// get a new version).
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
                let csv = file.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv"));
                let catalog: CatalogFile = if csv {
                    crate::catalog_csv::read(text.as_bytes()).map_err(|e| format!("{}: {e}", file.display()))?
                } else {
                    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", file.display()))?
                };
                let cal = motcua_calendar::WorkCalendar::vietnam().map_err(|e| e.to_string())?;
                let published = import_catalog(store.as_ref(), &catalog, cal.to_local(chrono::Utc::now()))
                    .await
                    .map_err(|e| e.to_string())?;
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
                    Format::Csv => crate::catalog_csv::write(&CatalogFile { fields, procedures }, std::io::stdout())?,
                }
                Ok(())
            }
        }
    })
}
