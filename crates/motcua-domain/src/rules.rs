//! Rules of the one-stop regulations that changed over time, as versioned configuration with an
//! effective date. A dossier is handled under the version in force on the day it was received.

use chrono::NaiveDate;
use motcua_calendar::SupplementRule;
use serde::Serialize;

/// One version of the rules.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rules {
    /// The regulation this version follows.
    pub basis: &'static str,
    pub effective_from: NaiveDate,
    /// A supplement request later than this many working days after acceptance gets a warning
    /// (Decree 61/2018 Art. 19(4): "chậm nhất 03 ngày làm việc").
    pub supplement_request_days: u32,
    /// What a supplement does to the clock: the decrees restart it ("tính lại từ đầu").
    pub supplement_rule: SupplementRule,
    /// How many times an appointment may be re-set (Art. 19(9): "không quá một lần").
    pub max_reappointments: u32,
    /// Width of the daily sequence in dossier codes (Circular 01/2018 Art. 19: 4 digits).
    pub code_sequence_width: usize,
}

const fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    match NaiveDate::from_ymd_opt(y, m, d) {
        Some(d) => d,
        None => panic!("valid constant date"),
    }
}

/// Oldest first.
pub const VERSIONS: [Rules; 2] = [
    Rules {
        basis: "Nghị định 61/2018/NĐ-CP; Thông tư 01/2018/TT-VPCP",
        effective_from: date(2018, 6, 21),
        supplement_request_days: 3,
        supplement_rule: SupplementRule::RestartClock,
        max_reappointments: 1,
        code_sequence_width: 4,
    },
    Rules {
        basis: "Nghị định 118/2025/NĐ-CP; Thông tư 03/2025/TT-VPCP",
        effective_from: date(2025, 7, 1),
        supplement_request_days: 3,
        supplement_rule: SupplementRule::RestartClock,
        max_reappointments: 1,
        code_sequence_width: 4,
    },
];

/// The rules in force on `day` (the oldest version for earlier days).
pub fn rules_for(day: NaiveDate) -> &'static Rules {
    VERSIONS.iter().rev().find(|r| day >= r.effective_from).unwrap_or(&VERSIONS[0])
}
