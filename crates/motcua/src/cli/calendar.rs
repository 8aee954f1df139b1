//! `motcua calendar YEAR`: the year as month grids with the days off marked, then the list of
//! holidays, compensatory and swapped days with their sources; `--json` gives one object a day.

use std::fmt::Write as _;
use std::path::PathBuf;

use chrono::{Datelike, NaiveDate};
use clap::Args;
use motcua_calendar::lunar::LunarDate;
use motcua_calendar::{DayKind, WorkCalendar, format_date_vi};
use serde::Serialize;

use super::{CliResult, load_calendar};

#[derive(Debug, Args)]
pub struct CalendarArgs {
    /// Năm (1800–2199) / year.
    pub year: i32,
    /// Một dòng JSON cho mỗi ngày / one JSON object per day, one per line.
    #[arg(long)]
    pub json: bool,
    /// Tệp lịch của cơ quan (TOML) / the agency's calendar file.
    #[arg(long, value_name = "FILE")]
    pub calendar: Option<PathBuf>,
}

pub fn run(args: CalendarArgs) -> CliResult {
    if !(1800..=2199).contains(&args.year) {
        return Err(anyhow::anyhow!("năm {} ngoài phạm vi 1800–2199 / year out of range", args.year));
    }
    // One year either side, so that compensatory days and the lunar year around Tết resolve.
    let cal = load_calendar(args.calendar.as_ref(), (args.year - 1).max(1800)..=(args.year + 1).min(2199))?;
    let out = if args.json { json_lines(&cal, args.year)? } else { text(&cal, args.year)? };
    print!("{out}");
    Ok(())
}

#[derive(Serialize)]
struct DayLine {
    date: NaiveDate,
    weekday: String,
    working: bool,
    kind: DayKind,
    name: Option<String>,
    lunar: LunarDate,
    source: Option<String>,
    /// No official schedule for the year: the day's kind is projected from the rules.
    projected: bool,
}

fn days_of(year: i32) -> impl Iterator<Item = NaiveDate> {
    NaiveDate::from_ymd_opt(year, 1, 1).expect("valid year").iter_days().take_while(move |d| d.year() == year)
}

fn json_lines(cal: &WorkCalendar, year: i32) -> anyhow::Result<String> {
    let tz = cal.config().lunar_tz_hours;
    let mut out = String::new();
    for date in days_of(year) {
        let day = cal.day(date)?;
        let line = DayLine {
            date,
            weekday: date.weekday().to_string(),
            working: day.kind.is_working(),
            kind: day.kind,
            name: day.entry.map(|e| e.name.clone()),
            lunar: LunarDate::from_solar(date, tz)?,
            source: day.entry.map(|e| e.source.to_string()),
            projected: cal.is_projected(date),
        };
        out.push_str(&serde_json::to_string(&line)?);
        out.push('\n');
    }
    Ok(out)
}

fn mark(kind: DayKind) -> char {
    match kind {
        DayKind::Holiday => '*',
        DayKind::Compensatory => '+',
        DayKind::SwappedWorking => '!',
        DayKind::Working | DayKind::Weekend => ' ',
    }
}

/// The lines of one month's grid, each 28 characters wide.
fn month_grid(cal: &WorkCalendar, year: i32, month: u32) -> anyhow::Result<Vec<String>> {
    let first = NaiveDate::from_ymd_opt(year, month, 1).expect("valid month");
    let mut lines = vec![format!("{:^28}", format!("Tháng {month}/{year}")), " T2  T3  T4  T5  T6  T7  CN ".to_owned()];
    let mut line = "    ".repeat(first.weekday().num_days_from_monday() as usize);
    for date in first.iter_days().take_while(|d| d.month() == month) {
        let kind = cal.day(date)?.kind;
        let _ = write!(line, " {:>2}{}", date.day(), mark(kind));
        if date.weekday() == chrono::Weekday::Sun {
            lines.push(std::mem::take(&mut line));
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    Ok(lines)
}

fn text(cal: &WorkCalendar, year: i32) -> anyhow::Result<String> {
    let tz = cal.config().lunar_tz_hours;
    let tet = motcua_calendar::lunar::tet(year, tz)?;
    let lunar_year = LunarDate::from_solar(tet, tz)?;
    let mut out = String::new();
    let _ = writeln!(out, "Lịch làm việc năm {year} — {}", cal.config().name);
    let _ = writeln!(out, "Năm {} (Tết Nguyên đán: {})", lunar_year.year_name(), format_date_vi(tet));
    let _ = writeln!(out, "Ký hiệu: * nghỉ lễ, tết   + nghỉ bù, nghỉ hoán đổi   ! làm bù (ngày nghỉ hằng tuần đi làm)");
    for quarter in 0..4 {
        let grids = (1..=3).map(|m| month_grid(cal, year, quarter * 3 + m)).collect::<Result<Vec<_>, _>>()?;
        let rows = grids.iter().map(Vec::len).max().unwrap_or(0);
        out.push('\n');
        for r in 0..rows {
            let row: Vec<String> =
                grids.iter().map(|g| format!("{:<28}", g.get(r).map_or("", String::as_str))).collect();
            let _ = writeln!(out, "{}", row.join("   ").trim_end());
        }
    }

    let first = NaiveDate::from_ymd_opt(year, 1, 1).expect("valid year");
    let last = NaiveDate::from_ymd_opt(year, 12, 31).expect("valid year");
    let projected = cal.is_projected(first);
    let _ = writeln!(
        out,
        "\nNgày nghỉ lễ, tết, nghỉ bù và làm bù{}:",
        if projected {
            " (DỰ KIẾN: năm chưa có lịch nghỉ chính thức, tính theo quy tắc; có thể thay đổi)"
        } else {
            ""
        }
    );
    for e in cal.entries_between(first, last) {
        let lunar = LunarDate::from_solar(e.date, tz)?;
        let _ = writeln!(
            out,
            "  {:<22} {:<14} {}{} [âm lịch {}/{}{}]\n      nguồn: {}",
            format_date_vi(e.date),
            e.kind.label_vi(),
            e.name,
            if projected { " (dự kiến)" } else { "" },
            lunar.day,
            lunar.month,
            if lunar.leap { " nhuận" } else { "" },
            e.source
        );
    }
    let working = cal.working_days_between(first - chrono::Days::new(1), last)?;
    let _ = writeln!(out, "\nSố ngày làm việc trong năm: {working}");
    Ok(out)
}
