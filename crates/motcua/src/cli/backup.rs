//! `motcua backup --to DIR` and `motcua restore --from DIR`: a consistent copy of the embedded
//! database (SQLite's `VACUUM INTO`, taken while the service runs) and of the file store, and
//! putting one back. The database is copied first, then the files: the file store is
//! content-addressed and a document's file is written before the row naming it, so every file
//! the copied database names is there. PostgreSQL is backed up with its own tools
//! (`docs/operations.md`).

use anyhow::Context as _;
use std::path::{Path, PathBuf};

use clap::Args;

use super::{CliResult, open_store, runtime};
use crate::config::Config;

/// The database's file in a backup.
const DATABASE: &str = "motcua.db";
/// The file store's copy in a backup.
const FILES: &str = "files";
/// What a backup holds, read back by `restore`.
const MANIFEST: &str = "manifest.json";

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// Thư mục sao lưu mới / the new backup directory (must not exist).
    #[arg(long, value_name = "DIR")]
    pub to: PathBuf,
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// Thư mục sao lưu / the backup directory.
    #[arg(long, value_name = "DIR")]
    pub from: PathBuf,
    /// Ghi đè cơ sở dữ liệu hiện có / replace an existing database.
    #[arg(long)]
    pub force: bool,
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// The SQLite file a configuration names.
fn sqlite_path(config: &Config) -> anyhow::Result<PathBuf> {
    config
        .database
        .url
        .strip_prefix("sqlite://")
        .or_else(|| config.database.url.strip_prefix("sqlite:"))
        .map(PathBuf::from)
        .ok_or_else(|| {
            anyhow::anyhow!(
                "chỉ sao lưu, phục hồi SQLite; PostgreSQL dùng pg_dump (docs/operations.md) \
                 / only SQLite here; back PostgreSQL up with pg_dump"
            )
        })
}

/// Copies every file under `from` into `to` (made as needed), skipping unfinished temporary
/// files; how many were copied.
fn copy_tree(from: &Path, to: &Path) -> anyhow::Result<u64> {
    let mut copied = 0;
    if !from.exists() {
        return Ok(0);
    }
    std::fs::create_dir_all(to).with_context(|| format!("không tạo được {}", to.display()))?;
    for entry in std::fs::read_dir(from).with_context(|| format!("không đọc được {}", from.display()))? {
        let entry = entry?;
        let (path, name) = (entry.path(), entry.file_name());
        if entry.file_type()?.is_dir() {
            copied += copy_tree(&path, &to.join(&name))?;
        } else if !name.to_string_lossy().ends_with(".tmp") {
            std::fs::copy(&path, to.join(&name)).with_context(|| format!("không chép được {}", path.display()))?;
            copied += 1;
        }
    }
    Ok(copied)
}

pub fn backup(args: BackupArgs) -> CliResult {
    let config = Config::load(args.config.as_deref())?;
    sqlite_path(&config)?;
    if args.to.exists() {
        anyhow::bail!("{} đã có: chọn thư mục mới / already exists: choose a new directory", args.to.display());
    }
    std::fs::create_dir_all(&args.to).with_context(|| format!("không tạo được {}", args.to.display()))?;
    let database = args.to.join(DATABASE);
    runtime()?.block_on(async {
        let store = open_store(&config).await?;
        store.backup_into(&database.to_string_lossy()).await?;
        store.close().await;
        anyhow::Ok(())
    })?;
    let files = copy_tree(Path::new(&config.files.dir), &args.to.join(FILES))?;
    let manifest = serde_json::json!({
        "made_at": chrono::Utc::now().to_rfc3339(),
        "version": env!("CARGO_PKG_VERSION"),
        "database": DATABASE,
        "files": files,
    });
    std::fs::write(args.to.join(MANIFEST), serde_json::to_string_pretty(&manifest)?)?;
    println!("Đã sao lưu vào {} ({files} tệp) / backed up.", args.to.display());
    Ok(())
}

pub fn restore(args: RestoreArgs) -> CliResult {
    let config = Config::load(args.config.as_deref())?;
    let target = sqlite_path(&config)?;
    let manifest = args.from.join(MANIFEST);
    let source = args.from.join(DATABASE);
    if !manifest.exists() || !source.exists() {
        anyhow::bail!("{} không phải bản sao lưu của motcua / not a motcua backup", args.from.display());
    }
    if target.exists() && !args.force {
        anyhow::bail!(
            "{} đã có: dừng dịch vụ rồi thêm --force để thay / exists: stop the service, then use --force",
            target.display()
        );
    }
    if let Some(dir) = target.parent() {
        std::fs::create_dir_all(dir)?;
    }
    // Written beside the target, then renamed over it: a crash leaves the old database or the
    // new one, never half of one; its journal files go with it.
    let partial = target.with_extension("restoring");
    std::fs::copy(&source, &partial).with_context(|| format!("không chép được {}", source.display()))?;
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", target.display()));
    }
    std::fs::rename(&partial, &target)?;
    let files = copy_tree(&args.from.join(FILES), Path::new(&config.files.dir))?;
    runtime()?.block_on(async {
        // The copy is checked and brought to this build's migrations.
        let store = open_store(&config).await?;
        let ready = store.ready().await?;
        store.close().await;
        anyhow::ensure!(ready, "cơ sở dữ liệu phục hồi chưa sẵn sàng / the restored database is not ready");
        anyhow::Ok(())
    })?;
    println!("Đã phục hồi {} ({files} tệp) / restored.", target.display());
    Ok(())
}
