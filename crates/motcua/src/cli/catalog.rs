//! `motcua catalog export|import`: the catalog as JSON (the import format) or CSV (one row per
//! procedure, for spreadsheets).

use anyhow::Context as _;
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
                    std::fs::read_to_string(&file).with_context(|| format!("không đọc được {}", file.display()))?;
                let csv = file.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv"));
                let catalog: CatalogFile = if csv {
                    crate::catalog_csv::read(text.as_bytes()).with_context(|| file.display().to_string())?
                } else {
                    serde_json::from_str(&text).with_context(|| file.display().to_string())?
                };
                let cal = motcua_calendar::WorkCalendar::vietnam()?;
                let published = import_catalog(store.as_ref(), &catalog, cal.to_local(chrono::Utc::now())).await?;
                println!("Đã công bố {} thủ tục.", published.len());
                Ok(())
            }
            CatalogCommand::Export { format } => {
                let agencies = store.agencies().await?;
                let mut procedures = Vec::new();
                let mut page = 1;
                loop {
                    let q = ProcedureQuery { page, page_size: 200, ..Default::default() };
                    let found = store.search_procedures(&q).await?;
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
                let fields = store.fields().await?;
                match format {
                    Format::Json => {
                        let out = serde_json::to_string_pretty(&CatalogFile { fields, procedures })?;
                        println!("{out}");
                    }
                    Format::Csv => crate::catalog_csv::write(&CatalogFile { fields, procedures }, std::io::stdout())?,
                }
                Ok(())
            }
        }
    })
}
