//! `motcua`: the one binary of the one-stop platform. Each subcommand wires the library crates
//! together; the rules live in those crates, not here.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cli;

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
}

fn main() -> ExitCode {
    let args = Args::parse();
    let result = match args.command {
        Command::Calendar(a) => cli::calendar::run(a),
        Command::Due(a) => cli::due::run(a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("lỗi: {e}");
            ExitCode::from(2)
        }
    }
}
