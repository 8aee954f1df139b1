//! The procedure catalog: fields, procedures and their versions with documents, fees, time limit
//! and internal process.
//!
//! A procedure is versioned: an amendment creates a new version and a dossier keeps the version
//! in force when it was received. Publication is refused when the internal process's budgets do
//! not add up to the statutory time limit, naming the difference.

use chrono::NaiveDate;
use motcua_calendar::TimeLimit;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{DomainError, FieldError};
use crate::org::Role;
use crate::types::Vnd;

/// Working hours in a working day, for adding step budgets written in days and hours. Budgets
/// are planning figures: they are summed in this fixed unit, whatever the agency's sessions.
pub const BUDGET_HOURS_PER_DAY: u32 = 8;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Field {
    pub code: String,
    pub name: String,
}

/// How far a procedure can be done online (Decree 42/2022 → 224/2026: full / partial).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OnlineService {
    Full,
    Partial,
    None,
}

/// Where a dossier is submitted (and a result returned). Sync codes: 1 counter, 2 online, 3 postal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Counter,
    Online,
    Postal,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Counter => "counter",
            Channel::Online => "online",
            Channel::Postal => "postal",
        }
    }

    pub fn parse(s: &str) -> Option<Channel> {
        [Channel::Counter, Channel::Online, Channel::Postal].into_iter().find(|c| c.as_str() == s)
    }
}

/// The level that resolves a procedure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProcedureLevel {
    Central,
    Province,
    Commune,
}

/// Phí (a fee for a service) or lệ phí (a charge for a State act): the Law on Fees and Charges
/// 2015 keeps them apart, and so do receipts and reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FeeKind {
    /// Phí.
    Fee,
    /// Lệ phí.
    Charge,
}

impl FeeKind {
    pub fn label_vi(self) -> &'static str {
        match self {
            FeeKind::Fee => "Phí",
            FeeKind::Charge => "Lệ phí",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FeeLine {
    pub name: String,
    #[schema(value_type = u64)]
    pub amount: Vnd,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Phí or lệ phí; unset in catalogs written before the two were kept apart.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<FeeKind>,
    /// The channels the amount applies to (a lower amount online, say); empty: every channel.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub channels: Vec<Channel>,
    /// Its code in the fee schedule (the national platform's `MaPhiLePhi`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The act that sets it ("Nghị quyết 15/2024/NQ-HĐND của HĐND tỉnh Khánh Hòa").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_basis: Option<String>,
    /// Who pays less, as the schedule says.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reductions: Vec<Reduction>,
}

/// An exemption (100 %) or a reduction of a fee line for a group of payers the schedule names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Reduction {
    /// Who: "Hộ nghèo", "Người có công với cách mạng".
    pub who: String,
    /// How much less, 1–100 (100: exempt).
    pub percent: u8,
}

impl Reduction {
    /// "Miễn" or "Giảm 50%", with who.
    pub fn describe_vi(&self) -> String {
        if self.percent >= 100 {
            format!("Miễn cho {}", self.who)
        } else {
            format!("Giảm {}% cho {}", self.percent, self.who)
        }
    }

    /// What is left to pay of `amount` (rounded down to the đồng).
    pub fn apply(&self, amount: Vnd) -> Vnd {
        Vnd(amount.0 * u64::from(100 - self.percent.min(100)) / 100)
    }
}

/// "Hộ nghèo: 100; Người có công: 50" (as an editor types it) → the reductions; each part that
/// cannot be read is named.
pub fn parse_reductions(text: &str) -> Result<Vec<Reduction>, String> {
    text.split(';')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|part| {
            let (who, percent) =
                part.rsplit_once(':').ok_or_else(|| format!("\"{part}\": cần dạng \"đối tượng: phần trăm\""))?;
            let percent: u8 = percent
                .trim()
                .trim_end_matches('%')
                .parse()
                .ok()
                .filter(|p| (1..=100).contains(p))
                .ok_or_else(|| format!("\"{part}\": phần trăm từ 1 đến 100"))?;
            Ok(Reduction { who: who.trim().to_owned(), percent })
        })
        .collect()
}

/// How a procedure is done through one channel (cách thức thực hiện): what the applicant does,
/// the time limit and the fee by that channel, as the national database publishes them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ChannelTerms {
    pub channel: Channel,
    #[schema(value_type = String, example = "10d")]
    pub time_limit: TimeLimit,
    /// The fee by this channel, as written ("Lệ phí 25.000 đồng; nộp trực tuyến giảm 50%").
    #[serde(default)]
    pub fee: String,
    #[serde(default)]
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DocumentRequirement {
    pub name: String,
    #[serde(default = "one")]
    pub originals: u8,
    #[serde(default)]
    pub copies: u8,
    /// File name of the blank template, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
    #[serde(default = "yes")]
    pub required: bool,
}

fn one() -> u8 {
    1
}

fn yes() -> bool {
    true
}

/// One step of the internal process.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ProcessStep {
    pub name: String,
    /// The code of the unit responsible.
    pub unit: String,
    pub role: Role,
    #[schema(value_type = String, example = "2d")]
    pub budget: TimeLimit,
    /// Another agency, for inter-agency (liên thông) steps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_agency: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Publication {
    pub number: String,
    pub date: NaiveDate,
    pub issuer: String,
}

/// Everything a procedure version says. What the admin writes, and what each version stores.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ProcedureSpec {
    /// National code (mã thủ tục) or the agency's own code.
    pub code: String,
    pub name: String,
    /// Who may apply (đối tượng thực hiện), e.g. "Cá nhân, tổ chức".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub who_may_apply: Option<String>,
    pub field: String,
    pub level: ProcedureLevel,
    #[schema(value_type = String, example = "10d")]
    pub time_limit: TimeLimit,
    pub online: OnlineService,
    /// The pre-2022 online level 1–4, kept for old reports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legacy_level: Option<u8>,
    pub channels: Vec<Channel>,
    #[serde(default)]
    pub fees: Vec<FeeLine>,
    #[serde(default)]
    pub documents: Vec<DocumentRequirement>,
    pub result: String,
    #[serde(default)]
    pub legal_bases: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publication: Option<Publication>,
    pub effective_from: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effective_to: Option<NaiveDate>,
    pub steps: Vec<ProcessStep>,
    /// What the applicant does, in order (trình tự thực hiện), as the public page lists it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sequence: Vec<String>,
    /// Conditions to be met (điều kiện thực hiện), if the law sets any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conditions: Option<String>,
    /// Method, time limit and fee per channel (cách thức thực hiện).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub methods: Vec<ChannelTerms>,
    /// The decision that approves the internal process (quy trình nội bộ).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub process_decision: Option<Publication>,
    /// Remarks for officers (provenance of demo data, cases the time limit does not cover).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

/// A stored version of a procedure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ProcedureVersion {
    pub id: Uuid,
    pub procedure_id: Uuid,
    pub agency_id: Uuid,
    pub version: i32,
    #[serde(flatten)]
    pub spec: ProcedureSpec,
}

/// A code of the National Database of Administrative Procedures: a digit, a dot, six digits.
///
/// ```
/// use motcua_domain::catalog::is_national_code;
/// assert!(is_national_code("1.013831"));
/// assert!(!is_national_code("KH.MT.01") && !is_national_code("1.01383") && !is_national_code("1-013831"));
/// ```
pub fn is_national_code(code: &str) -> bool {
    let b = code.as_bytes();
    b.len() == 8 && b[0].is_ascii_digit() && b[1] == b'.' && b[2..].iter().all(u8::is_ascii_digit)
}

fn budget_hours(limit: TimeLimit) -> u32 {
    match limit {
        TimeLimit::WorkingDays(n) => n * BUDGET_HOURS_PER_DAY,
        TimeLimit::WorkingHours(h) => h,
        TimeLimit::SameDay { .. } => BUDGET_HOURS_PER_DAY,
    }
}

fn describe_hours(hours: u32) -> String {
    let (d, h) = (hours / BUDGET_HOURS_PER_DAY, hours % BUDGET_HOURS_PER_DAY);
    match (d, h) {
        (0, h) => format!("{h} giờ"),
        (d, 0) => format!("{d} ngày"),
        (d, h) => format!("{d} ngày {h} giờ"),
    }
}

impl ProcedureSpec {
    /// Whether the code is one of the National Database of Administrative Procedures' (a digit,
    /// a dot, six digits: `1.013831`), rather than an agency's own.
    pub fn has_national_code(&self) -> bool {
        is_national_code(&self.code)
    }

    /// Checks a procedure before publication; `unit_codes` are the units of the agency.
    ///
    /// ```
    /// use motcua_domain::catalog::ProcedureSpec;
    /// let mut spec: ProcedureSpec = serde_json::from_value(serde_json::json!({
    ///   "code": "1.004227", "name": "Đăng ký biến động đất đai", "field": "DD", "level": "province",
    ///   "time_limit": "10d", "online": "partial", "channels": ["counter"], "result": "Giấy chứng nhận",
    ///   "effective_from": "2025-01-01",
    ///   "steps": [{"name": "Tiếp nhận", "unit": "VP", "role": "reception", "budget": "4h"},
    ///             {"name": "Thẩm định", "unit": "DD", "role": "specialist", "budget": "9d"}]
    /// })).unwrap();
    /// let err = spec.validate(&["VP".into(), "DD".into()]).unwrap_err();
    /// assert!(err.to_string().contains("dữ liệu"));
    /// # let motcua_domain::DomainError::Invalid(fields) = err else { panic!() };
    /// assert_eq!(fields[0].message, "tổng thời gian các bước là 9 ngày 4 giờ, thời hạn là 10 ngày: thiếu 4 giờ");
    /// ```
    pub fn validate(&self, unit_codes: &[String]) -> Result<(), DomainError> {
        let mut errors = Vec::new();
        if self.code.trim().is_empty() {
            errors.push(FieldError::new("code", "mã thủ tục không được để trống"));
        }
        if self.name.trim().is_empty() {
            errors.push(FieldError::new("name", "tên thủ tục không được để trống"));
        }
        if self.field.trim().is_empty() {
            errors.push(FieldError::new("field", "cần chọn lĩnh vực"));
        }
        // Lengths and characters of what people read: the catalog, the poster, printed forms.
        let mut text = |field: String, value: &str, max: usize, multiline: bool| {
            if let Err(e) = crate::text::clean(value, max, multiline) {
                errors.push(FieldError::new(field, e));
            }
        };
        text("code".into(), &self.code, crate::text::CODE_MAX, false);
        text("name".into(), &self.name, 1000, false);
        text("field".into(), &self.field, crate::text::CODE_MAX, false);
        text("result".into(), &self.result, crate::text::NOTE_MAX, true);
        if let Some(who) = &self.who_may_apply {
            text("who_may_apply".into(), who, crate::text::NOTE_MAX, true);
        }
        for (i, d) in self.documents.iter().enumerate() {
            text(format!("documents[{i}].name"), &d.name, 1000, false);
        }
        for (i, st) in self.steps.iter().enumerate() {
            text(format!("steps[{i}].name"), &st.name, 500, false);
        }
        for (i, f) in self.fees.iter().enumerate() {
            text(format!("fees[{i}].name"), &f.name, 500, false);
            if let Some(code) = &f.code {
                text(format!("fees[{i}].code"), code, crate::text::CODE_MAX, false);
            }
            if let Some(basis) = &f.legal_basis {
                text(format!("fees[{i}].legal_basis"), basis, 500, false);
            }
            for (j, r) in f.reductions.iter().enumerate() {
                text(format!("fees[{i}].reductions[{j}].who"), &r.who, 200, false);
            }
        }
        if self.channels.is_empty() {
            errors.push(FieldError::new("channels", "cần ít nhất một cách thức nộp hồ sơ"));
        }
        if self.result.trim().is_empty() {
            errors.push(FieldError::new("result", "cần nêu kết quả thực hiện"));
        }
        if let Some(level) = self.legacy_level.filter(|l| !(1..=4).contains(l)) {
            errors.push(FieldError::new("legacy_level", format!("mức độ {level} không tồn tại (1–4)")));
        }
        if let Some(to) = self.effective_to.filter(|to| *to < self.effective_from) {
            errors.push(FieldError::new("effective_to", format!("ngày hết hiệu lực {to} trước ngày có hiệu lực")));
        }
        for (i, d) in self.documents.iter().enumerate() {
            if d.name.trim().is_empty() {
                errors.push(FieldError::new(format!("documents[{i}].name"), "tên giấy tờ không được để trống"));
            }
        }
        for (i, f) in self.fees.iter().enumerate() {
            if f.reductions.len() > 20 {
                errors.push(FieldError::new(format!("fees[{i}].reductions"), "tối đa 20 đối tượng miễn, giảm"));
            }
            for (j, r) in f.reductions.iter().enumerate() {
                if r.who.trim().is_empty() || !(1..=100).contains(&r.percent) {
                    let why = "cần nêu đối tượng và mức giảm từ 1 đến 100%";
                    errors.push(FieldError::new(format!("fees[{i}].reductions[{j}]"), why));
                }
            }
        }
        if self.steps.is_empty() {
            errors.push(FieldError::new("steps", "quy trình nội bộ cần ít nhất một bước"));
        }
        for (i, s) in self.steps.iter().enumerate() {
            if s.name.trim().is_empty() {
                errors.push(FieldError::new(format!("steps[{i}].name"), "tên bước không được để trống"));
            }
            if !unit_codes.contains(&s.unit) {
                errors.push(FieldError::new(
                    format!("steps[{i}].unit"),
                    format!("đơn vị \"{}\" không thuộc cơ quan", s.unit),
                ));
            }
        }
        let total: u32 = self.steps.iter().map(|s| budget_hours(s.budget)).sum();
        let limit = budget_hours(self.time_limit);
        if !self.steps.is_empty() && total != limit {
            let diff = if total < limit {
                format!("thiếu {}", describe_hours(limit - total))
            } else {
                format!("thừa {}", describe_hours(total - limit))
            };
            errors.insert(
                0,
                FieldError::new(
                    "steps",
                    format!(
                        "tổng thời gian các bước là {}, thời hạn là {}: {diff}",
                        describe_hours(total),
                        describe_hours(limit)
                    ),
                ),
            );
        }
        if errors.is_empty() { Ok(()) } else { Err(DomainError::Invalid(errors)) }
    }

    /// The text the catalog search matches, folded (see [`crate::text::fold`]).
    pub fn search_text(&self, field_name: &str) -> String {
        crate::text::fold(&format!("{} {} {} {}", self.name, self.code, field_name, self.result))
    }

    pub fn total_fees(&self) -> Vnd {
        self.fees.iter().map(|f| f.amount).sum()
    }
}

/// One part of a procedure that differs between two versions, in the words the catalog uses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct SpecChange {
    /// The part, in Vietnamese ("Thời hạn giải quyết").
    pub part: String,
    pub before: String,
    pub after: String,
}

fn listed<T>(items: &[T], show: impl Fn(&T) -> String) -> String {
    if items.is_empty() { "(không có)".into() } else { items.iter().map(show).collect::<Vec<_>>().join("; ") }
}

fn channel_vi(c: &Channel) -> &'static str {
    match c {
        Channel::Counter => "trực tiếp",
        Channel::Online => "trực tuyến",
        Channel::Postal => "bưu chính",
    }
}

fn online_vi(o: OnlineService) -> &'static str {
    match o {
        OnlineService::Full => "toàn trình",
        OnlineService::Partial => "một phần",
        OnlineService::None => "không",
    }
}

impl ProcedureSpec {
    /// The checklist's required documents that `present` (line indexes: ticked at the counter,
    /// uploaded online) leaves out, with their line index. The counter and the online form
    /// both ask this one question.
    pub fn missing_documents<'a>(
        &'a self,
        present: &'a [usize],
    ) -> impl Iterator<Item = (usize, &'a DocumentRequirement)> {
        self.documents.iter().enumerate().filter(move |(i, d)| d.required && !present.contains(i))
    }

    /// What a citizen or an officer would see change from `before` to this version: each part
    /// that differs, with both texts.
    pub fn changes_from(&self, before: &ProcedureSpec) -> Vec<SpecChange> {
        let date = |d: Option<NaiveDate>| {
            d.map_or_else(|| "(không thời hạn)".to_owned(), |d| d.format("%d/%m/%Y").to_string())
        };
        let parts: [(&str, String, String); 12] = [
            ("Tên thủ tục", before.name.clone(), self.name.clone()),
            ("Thời hạn giải quyết", before.time_limit.describe_vi(), self.time_limit.describe_vi()),
            (
                "Phí, lệ phí",
                listed(&before.fees, |f| format!("{}: {}", f.name, f.amount)),
                listed(&self.fees, |f| format!("{}: {}", f.name, f.amount)),
            ),
            (
                "Thành phần hồ sơ",
                listed(&before.documents, |d| d.name.clone()),
                listed(&self.documents, |d| d.name.clone()),
            ),
            (
                "Cách thức thực hiện",
                listed(&before.channels, |c| channel_vi(c).to_owned()),
                listed(&self.channels, |c| channel_vi(c).to_owned()),
            ),
            ("Dịch vụ công trực tuyến", online_vi(before.online).to_owned(), online_vi(self.online).to_owned()),
            (
                "Trình tự xử lý",
                listed(&before.steps, |s| format!("{} ({}, {})", s.name, s.unit, s.budget.describe_vi())),
                listed(&self.steps, |s| format!("{} ({}, {})", s.name, s.unit, s.budget.describe_vi())),
            ),
            ("Kết quả", before.result.clone(), self.result.clone()),
            ("Căn cứ pháp lý", listed(&before.legal_bases, String::clone), listed(&self.legal_bases, String::clone)),
            (
                "Đối tượng thực hiện",
                before.who_may_apply.clone().unwrap_or_default(),
                self.who_may_apply.clone().unwrap_or_default(),
            ),
            ("Ngày có hiệu lực", date(Some(before.effective_from)), date(Some(self.effective_from))),
            ("Ngày hết hiệu lực", date(before.effective_to), date(self.effective_to)),
        ];
        parts
            .into_iter()
            .filter(|(_, b, a)| b != a)
            .map(|(part, before, after)| SpecChange { part: part.to_owned(), before, after })
            .collect()
    }
}

/// Where a version stands on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum VersionStatus {
    /// Applied to dossiers received that day.
    InForce,
    /// Published for a later day.
    Scheduled,
    /// Replaced by a newer version in force.
    Superseded,
    /// Past its own end date.
    Expired,
}

impl VersionStatus {
    pub fn label_vi(self) -> &'static str {
        match self {
            VersionStatus::InForce => "Đang áp dụng",
            VersionStatus::Scheduled => "Sẽ áp dụng",
            VersionStatus::Superseded => "Đã được thay thế",
            VersionStatus::Expired => "Hết hiệu lực",
        }
    }
}

/// The version in force on `day` among a procedure's versions: the newest whose effective date
/// has come, unless it has expired (the rule the store's `procedure_at` applies).
pub fn in_force(versions: &[ProcedureVersion], day: NaiveDate) -> Option<&ProcedureVersion> {
    versions
        .iter()
        .filter(|v| v.spec.effective_from <= day)
        .max_by_key(|v| v.version)
        .filter(|v| v.spec.effective_to.is_none_or(|to| to >= day))
}

/// Each version's standing on `day`.
pub fn version_status(versions: &[ProcedureVersion], v: &ProcedureVersion, day: NaiveDate) -> VersionStatus {
    if v.spec.effective_from > day {
        VersionStatus::Scheduled
    } else if in_force(versions, day).is_some_and(|f| f.id == v.id) {
        VersionStatus::InForce
    } else if v.spec.effective_to.is_some_and(|to| to < day)
        && !versions.iter().any(|n| n.version > v.version && n.spec.effective_from <= day)
    {
        VersionStatus::Expired
    } else {
        VersionStatus::Superseded
    }
}

/// The next version to take effect after `day`, if one is scheduled.
pub fn next_scheduled(versions: &[ProcedureVersion], day: NaiveDate) -> Option<&ProcedureVersion> {
    versions.iter().filter(|v| v.spec.effective_from > day).min_by_key(|v| (v.spec.effective_from, v.version))
}
