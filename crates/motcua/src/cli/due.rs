//! `motcua due --received "2026-02-12 09:00" --limit 10d`: the due instant and its explanation.

use std::path::PathBuf;

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use clap::Args;
use motcua_calendar::{Pause, SupplementRule, TimeLimit, format_date_vi};
use serde_json::json;

use super::{CliResult, load_calendar};

#[derive(Debug, Args)]
pub struct DueArgs {
    /// Thời điểm nhận hồ sơ, giờ địa phương: "2026-02-12 09:00" hoặc "12/02/2026 09:00".
    #[arg(long, value_parser = parse_instant)]
    pub received: NaiveDateTime,
    /// Thời hạn: "10d" (ngày làm việc), "8h" (giờ làm việc), "same-day" hoặc "same-day@14:00".
    #[arg(long)]
    pub limit: TimeLimit,
    /// Khoảng chờ bổ sung "TỪ..ĐẾN", lặp lại được / a pause "FROM..TO", repeatable.
    #[arg(long = "pause", value_parser = parse_pause)]
    pub pauses: Vec<Pause>,
    /// Khi bổ sung hồ sơ: "pause" dừng đồng hồ, "restart" tính lại từ đầu.
    #[arg(long, default_value = "pause", value_parser = parse_rule)]
    pub supplement_rule: SupplementRule,
    /// In JSON / print JSON.
    #[arg(long)]
    pub json: bool,
    /// Tệp lịch của cơ quan (TOML) / the agency's calendar file.
    #[arg(long, value_name = "FILE")]
    pub calendar: Option<PathBuf>,
}

fn parse_instant(s: &str) -> Result<NaiveDateTime, String> {
    let s = s.trim();
    for format in ["%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%d/%m/%Y %H:%M"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, format) {
            return Ok(t);
        }
    }
    for format in ["%Y-%m-%d", "%d/%m/%Y"] {
        if let Ok(d) = NaiveDate::parse_from_str(s, format) {
            return Ok(d.and_time(chrono::NaiveTime::MIN));
        }
    }
    Err(format!("thời điểm \"{s}\" không hợp lệ; dùng \"2026-02-12 09:00\" hoặc \"12/02/2026 09:00\""))
}

fn parse_pause(s: &str) -> Result<Pause, String> {
    let (from, to) = s.split_once("..").ok_or_else(|| format!("khoảng \"{s}\" cần dạng \"TỪ..ĐẾN\""))?;
    Ok(Pause { from: parse_instant(from)?, to: parse_instant(to)? })
}

fn parse_rule(s: &str) -> Result<SupplementRule, String> {
    match s {
        "pause" => Ok(SupplementRule::PauseClock),
        "restart" => Ok(SupplementRule::RestartClock),
        _ => Err(format!("\"{s}\": dùng \"pause\" hoặc \"restart\"")),
    }
}

pub fn run(args: DueArgs) -> CliResult {
    let year = args.received.year();
    let cal = load_calendar(args.calendar.as_ref(), (year - 1).max(1800)..=(year + 10).min(2199))?;
    let (due, trace) = cal.explain(args.received, args.limit, &args.pauses, args.supplement_rule)?;
    let apology = cal.latest_apology_date(due.date)?;
    if args.json {
        let instant = cal.to_instant(due.at)?;
        let value = json!({
            "received": args.received,
            "limit": args.limit,
            "counted_from": due.counted_from,
            "due_date": due.date,
            "due_at": due.at,
            "due_at_utc": instant,
            "apology_by": apology,
            "projected": cal.is_projected(due.date),
            "trace": trace.steps,
        });
        println!("{value}");
    } else {
        let when = if due.at.date() != due.date { "24:00".to_owned() } else { due.at.format("%H:%M").to_string() };
        println!("Hạn giải quyết: {when} {} ({})", format_date_vi(due.date), cal.config().time_zone);
        if cal.is_projected(due.date) {
            println!(
                "(dự kiến: năm {} chưa có lịch nghỉ chính thức; ngày nghỉ tính theo quy tắc Bộ luật Lao động, có thể thay đổi khi lịch được công bố)",
                due.date.year()
            );
        }
        println!("Văn bản xin lỗi, hẹn lại (nếu trễ) gửi chậm nhất: {}", format_date_vi(apology));
        println!();
        print!("{trace}");
    }
    Ok(())
}
