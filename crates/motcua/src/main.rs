//! `motcua`: the one binary of the one-stop platform. Each subcommand wires the library crates
//! together; the rules live in those crates, not here.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod catalog_csv;
mod cli;
mod config;
mod demo;

#[derive(Debug, Parser)]
#[command(
    name = "motcua",
    version,
    about = "Một cửa: hệ thống giải quyết thủ tục hành chính / one-stop administrative services"
)]
struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// In lịch làm việc của một năm: ngày nghỉ lễ, nghỉ bù, làm bù / print a year's working calendar.
    Calendar(cli::calendar::CalendarArgs),
    /// Tính hạn giải quyết và diễn giải / compute a deadline and explain it.
    Due(cli::due::DueArgs),
    /// Chạy dịch vụ (API) / run the service.
    Serve(cli::serve::ServeArgs),
    /// Cập nhật cấu trúc cơ sở dữ liệu / apply database migrations.
    Migrate(cli::migrate::MigrateArgs),
    /// Nạp dữ liệu minh họa / load demo data into an empty database.
    Demo(cli::demo::DemoArgs),
    /// Nhập, xuất danh mục thủ tục / import or export the procedure catalog.
    Catalog(cli::catalog::CatalogArgs),
    /// Cấu hình / configuration.
    Config(cli::config_cmd::ConfigArgs),
    /// Đo hiệu năng / benchmarks that print figures.
    #[cfg(feature = "bench")]
    Bench(cli::bench::BenchArgs),
    /// Gửi tin nhắn, thư từ hàng đợi / run the delivery worker alone.
    Worker(cli::worker::WorkerArgs),
    /// Cổng dịch vụ công quốc gia / the national portal's sync.
    Portal(cli::portal::PortalArgs),
    /// Sao lưu cơ sở dữ liệu và tệp khi dịch vụ đang chạy / back up the database and files.
    Backup(cli::backup::BackupArgs),
    /// Phục hồi từ bản sao lưu / restore a backup.
    Restore(cli::backup::RestoreArgs),
    /// Chuỗi băm của hồ sơ và nhật ký / the record's hash chains.
    Audit(cli::audit::AuditArgs),
}

fn main() -> ExitCode {
    let args = Args::parse();
    init_logs();
    let result = match args.command {
        Command::Calendar(a) => cli::calendar::run(a),
        Command::Due(a) => cli::due::run(a),
        Command::Serve(a) => cli::serve::run(a),
        Command::Migrate(a) => cli::migrate::run(a),
        Command::Demo(a) => cli::demo::run(a),
        Command::Catalog(a) => cli::catalog::run(a),
        Command::Config(a) => cli::config_cmd::run(a),
        #[cfg(feature = "bench")]
        Command::Bench(a) => cli::bench::run(a),
        Command::Worker(a) => cli::worker::run(a),
        Command::Portal(a) => cli::portal::run(a),
        Command::Backup(a) => cli::backup::backup(a),
        Command::Restore(a) => cli::backup::restore(a),
        Command::Audit(a) => cli::audit::run(a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("lỗi: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// Structured logs on stderr: `RUST_LOG` filters (default `info`), `MOTCUA_LOG_FORMAT=json`
/// for one JSON object per line.
fn init_logs() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if std::env::var("MOTCUA_LOG_FORMAT").is_ok_and(|f| f == "json") {
        builder.json().init();
    } else {
        builder.init();
    }
}
