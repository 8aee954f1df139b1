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
    let files = runtime()?.block_on(async {
        let store = open_store(&config).await?;
        let files = backup_to(store.as_ref(), Path::new(&config.files.dir), &args.to).await;
        store.close().await;
        files
    })?;
    println!("Đã sao lưu vào {} ({files} tệp) / backed up.", args.to.display());
    Ok(())
}

/// Writes a backup into the new directory `to`: the database (`VACUUM INTO`), then the file
/// store, then the manifest (written last: a directory without it is not a finished backup);
/// how many files were copied.
pub async fn backup_to(store: &dyn motcua_store::Store, files_dir: &Path, to: &Path) -> anyhow::Result<u64> {
    if to.exists() {
        anyhow::bail!("{} đã có: chọn thư mục mới / already exists: choose a new directory", to.display());
    }
    std::fs::create_dir_all(to).with_context(|| format!("không tạo được {}", to.display()))?;
    store.backup_into(&to.join(DATABASE).to_string_lossy()).await?;
    let (from, into) = (files_dir.to_owned(), to.join(FILES));
    let files = tokio::task::spawn_blocking(move || copy_tree(&from, &into)).await??;
    let manifest = serde_json::json!({
        "made_at": chrono::Utc::now().to_rfc3339(),
        "version": env!("CARGO_PKG_VERSION"),
        "database": DATABASE,
        "files": files,
    });
    std::fs::write(to.join(MANIFEST), serde_json::to_string_pretty(&manifest)?)?;
    Ok(files)
}

/// The backups the worker takes by itself (`[backup]`, SQLite only): every `every_hours`, into a
/// new directory of `dir` named by the time, keeping the newest `keep`.
#[derive(Debug, Clone)]
pub struct Schedule {
    pub dir: PathBuf,
    pub files_dir: PathBuf,
    pub every_hours: u32,
    pub keep: usize,
}

impl Schedule {
    /// The schedule a configuration sets, if any (none on PostgreSQL, which has its own tools).
    pub fn of(config: &Config) -> Option<Schedule> {
        let b = &config.backup;
        let on = !b.dir.trim().is_empty() && b.every_hours > 0 && sqlite_path(config).is_ok();
        on.then(|| Schedule {
            dir: PathBuf::from(b.dir.trim()),
            files_dir: PathBuf::from(&config.files.dir),
            every_hours: b.every_hours,
            keep: b.keep.max(1),
        })
    }

    /// Takes the backup due at `now` unless one of its slot was taken (by any worker); then
    /// removes the finished backups beyond the newest `keep`. The directory it wrote, if any.
    pub async fn run_due(
        &self,
        store: &dyn motcua_store::Store,
        now: chrono::NaiveDateTime,
    ) -> anyhow::Result<Option<PathBuf>> {
        let hours = i64::from(self.every_hours);
        let slot = (now - chrono::DateTime::UNIX_EPOCH.naive_utc()).num_hours().div_euclid(hours);
        if !motcua_app::jobs::claim_installation(store, "backup", &format!("{hours}h-{slot}"), now).await? {
            return Ok(None);
        }
        let to = self.dir.join(now.format("%Y-%m-%d-%H%M").to_string());
        let files = backup_to(store, &self.files_dir, &to).await?;
        tracing::info!(files, "scheduled backup written");
        self.prune()?;
        Ok(Some(to))
    }

    /// Removes the oldest finished backups (named by their time, with a manifest) beyond `keep`.
    fn prune(&self) -> anyhow::Result<()> {
        let mut done: Vec<PathBuf> = std::fs::read_dir(&self.dir)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.join(MANIFEST).is_file())
            .collect();
        done.sort();
        let excess = done.len().saturating_sub(self.keep);
        for old in &done[..excess] {
            std::fs::remove_dir_all(old).with_context(|| format!("không xóa được {}", old.display()))?;
        }
        Ok(())
    }
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
