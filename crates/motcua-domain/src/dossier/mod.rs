//! Dossiers (hồ sơ) and their lifecycle, an explicit state machine (domain reference §1.10).
//!
//! A dossier is one value: applicant, documents, fees, the control sheet of its steps (Mẫu 05),
//! its pauses and its deadline. Every change goes through [`Dossier::apply`], which checks the
//! state, the actor's role and scope, and returns the new value with the one event that records
//! it; the store writes both (and an outbox row) in one transaction, refusing a stale version.

mod actions;
mod applicant;
mod events;
mod facts;
mod state;

use chrono::{NaiveDate, NaiveDateTime};
use motcua_calendar::TimeLimit;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use actions::{
    Action, Assessed, Context, DEFAULT_MAX_REAPPOINT_DAYS, NewEvent, PostalReturn, Submission, Transition, TurnAway,
    tracking_number,
};
pub use applicant::{Applicant, ApplicantInput, ApplicantKind, NotifyConsent};
pub use events::{ACTIONS, EventData, EventDetail, EventKind};
pub use facts::{DossierFacts, Finish, StepFact};
pub use state::{State, Timeliness};

use crate::catalog::{Channel, FeeLine, ProcessStep};
use crate::org::Role;
use crate::types::{AgencyCode, DossierCode, Vnd};

/// A file kept in the file store, addressed by its SHA-256.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FileRef {
    pub sha256: String,
    pub name: String,
    pub content_type: String,
    pub size: u64,
}

/// The form a paper is handed in (Mẫu 01's "Hình thức").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PaperForm {
    /// Bản chính.
    Original,
    /// Bản sao.
    Copy,
    /// Bản sao chứng thực.
    CertifiedCopy,
    /// Bản điện tử (uploaded online).
    Electronic,
}

impl PaperForm {
    pub fn label_vi(self) -> &'static str {
        match self {
            PaperForm::Original => "Bản chính",
            PaperForm::Copy => "Bản sao",
            PaperForm::CertifiedCopy => "Bản sao chứng thực",
            PaperForm::Electronic => "Bản điện tử",
        }
    }

    /// The stored and form name.
    pub fn as_str(self) -> &'static str {
        match self {
            PaperForm::Original => "original",
            PaperForm::Copy => "copy",
            PaperForm::CertifiedCopy => "certified_copy",
            PaperForm::Electronic => "electronic",
        }
    }

    pub fn parse(s: &str) -> Option<PaperForm> {
        [PaperForm::Original, PaperForm::Copy, PaperForm::CertifiedCopy, PaperForm::Electronic]
            .into_iter()
            .find(|f| f.as_str() == s)
    }
}

fn yes() -> bool {
    true
}

/// One line of the document checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DossierDocument {
    pub name: String,
    pub required: bool,
    pub originals: u8,
    pub copies: u8,
    /// Whether the paper (or its file) was handed in: the receipt lists only these. Dossiers
    /// stored before this was recorded listed every line, so a missing value reads as received.
    #[serde(default = "yes")]
    pub received: bool,
    /// The form it was handed in, ticked at the counter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub form: Option<PaperForm>,
    /// The first file of the line (the upload online, the first scan at the counter).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<FileRef>,
    /// The further scans of the same paper (a paper scanned as several files).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scans: Vec<FileRef>,
}

impl DossierDocument {
    /// Every file of the line, the first one first.
    pub fn files(&self) -> impl Iterator<Item = &FileRef> {
        self.file.iter().chain(&self.scans)
    }

    /// How many copies of the paper the receipt counts: the procedure's number for the form
    /// handed in, at least one.
    pub fn quantity(&self) -> u8 {
        match self.form {
            Some(PaperForm::Original) | None => self.originals.max(1),
            Some(_) => self.copies.max(1),
        }
    }
}

/// What a paper handed in at intake came with: whether it was received, its form, its files.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DocumentIn {
    pub received: bool,
    pub form: Option<PaperForm>,
    pub files: Vec<FileRef>,
}

impl DocumentIn {
    /// A line uploaded online: received when it has a file.
    pub fn uploaded(file: Option<FileRef>) -> DocumentIn {
        DocumentIn {
            received: file.is_some(),
            form: file.as_ref().map(|_| PaperForm::Electronic),
            files: file.into_iter().collect(),
        }
    }
}

/// Where the applicant chose to receive the result (Mẫu 01 item 6).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "way", rename_all = "snake_case")]
pub enum ResultDelivery {
    /// At the one-stop counter.
    Counter,
    /// By public postal service, to this address.
    Postal { address: String },
    /// Online (the electronic result in the citizen's account).
    Online,
}

impl ResultDelivery {
    pub fn describe_vi(&self) -> String {
        match self {
            ResultDelivery::Counter => "Bộ phận tiếp nhận và trả kết quả".to_owned(),
            ResultDelivery::Postal { address } => format!("Qua dịch vụ bưu chính công ích, địa chỉ: {address}"),
            ResultDelivery::Online => "Trực tuyến (tài khoản trên Cổng dịch vụ công)".to_owned(),
        }
    }
}

/// The documents the one-stop unit issues, each numbered per agency and year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FormKind {
    /// Mẫu 01 Giấy tiếp nhận hồ sơ và hẹn trả kết quả; its number is the register's (Mẫu 06).
    Receipt,
    /// Mẫu 02 Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ.
    Completion,
    /// Mẫu 03 Phiếu từ chối tiếp nhận giải quyết hồ sơ.
    IntakeRefusal,
    /// Mẫu 04 Phiếu xin lỗi và hẹn lại ngày trả kết quả.
    Apology,
    /// The written refusal after appraisal, with its reasons (Decree 61/2018 Art. 19).
    Refusal,
    /// Thông báo dừng giải quyết hồ sơ (Circular 03/2025 Mẫu 05).
    StopNotice,
}

impl FormKind {
    pub const ALL: [FormKind; 6] = [
        FormKind::Receipt,
        FormKind::Completion,
        FormKind::IntakeRefusal,
        FormKind::Apology,
        FormKind::Refusal,
        FormKind::StopNotice,
    ];

    /// The stored name, and the key of its numbering.
    pub fn as_str(self) -> &'static str {
        match self {
            FormKind::Receipt => "receipt",
            FormKind::Completion => "completion",
            FormKind::IntakeRefusal => "intake_refusal",
            FormKind::Apology => "apology",
            FormKind::Refusal => "refusal",
            FormKind::StopNotice => "stop_notice",
        }
    }

    /// The path of the printed form.
    pub fn slug(self) -> &'static str {
        match self {
            FormKind::Receipt => "mau-01",
            FormKind::Completion => "mau-02",
            FormKind::IntakeRefusal => "mau-03",
            FormKind::Apology => "mau-04",
            FormKind::Refusal => "tu-choi",
            FormKind::StopNotice => "thong-bao-dung",
        }
    }

    pub fn from_slug(slug: &str) -> Option<FormKind> {
        FormKind::ALL.into_iter().find(|k| k.slug() == slug)
    }

    /// The official title.
    pub fn title(self) -> &'static str {
        match self {
            FormKind::Receipt => "Giấy tiếp nhận hồ sơ và hẹn trả kết quả",
            FormKind::Completion => "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ",
            FormKind::IntakeRefusal => "Phiếu từ chối tiếp nhận giải quyết hồ sơ",
            FormKind::Apology => "Phiếu xin lỗi và hẹn lại ngày trả kết quả",
            FormKind::Refusal => "Thông báo từ chối giải quyết hồ sơ",
            FormKind::StopNotice => "Thông báo dừng giải quyết hồ sơ",
        }
    }

    /// The template's number, where the circular gives one.
    pub fn template(self) -> Option<&'static str> {
        match self {
            FormKind::Receipt => Some("Mẫu 01"),
            FormKind::Completion => Some("Mẫu 02"),
            FormKind::IntakeRefusal => Some("Mẫu 03"),
            FormKind::Apology => Some("Mẫu 04"),
            FormKind::Refusal => None,
            FormKind::StopNotice => Some("Mẫu 05 (Thông tư 03/2025)"),
        }
    }

    /// The default symbol written before the agency's (`12/PTN-VPĐK`).
    pub fn default_prefix(self) -> &'static str {
        match self {
            FormKind::Receipt => "PTN",
            FormKind::Completion => "PBS",
            FormKind::IntakeRefusal => "PTC",
            FormKind::Apology => "PXL",
            FormKind::Refusal => "TB-TC",
            FormKind::StopNotice => "TB-DG",
        }
    }
}

/// A document issued on a dossier, with its number of the agency's year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct IssuedForm {
    pub kind: FormKind,
    /// None when no number could be given (a dossier changed outside the application).
    pub number: Option<u32>,
    #[schema(value_type = String)]
    pub at: NaiveDateTime,
}

/// What a Mẫu 02 or a refusal says besides its reason: the items to complete, the legal basis,
/// and whom to call.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Notice {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<String>,
    #[serde(default)]
    pub legal_basis: String,
    #[serde(default)]
    pub contact: String,
}

/// Postal receipt: the handover minute's time is the legal filing time (Decision 45/2016 Art. 7(4)).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Postal {
    #[schema(value_type = String, example = "2026-02-12T09:00:00")]
    pub handover_at: NaiveDateTime,
    pub tracking_number: String,
}

/// One step of the control sheet (Phiếu kiểm soát quá trình giải quyết hồ sơ, Mẫu 05).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StepRecord {
    pub name: String,
    pub unit: String,
    pub role: Role,
    #[schema(value_type = String)]
    pub budget: TimeLimit,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_agency: Option<String>,
    #[schema(value_type = Option<String>)]
    pub started_at: Option<NaiveDateTime>,
    #[schema(value_type = Option<String>)]
    pub deadline: Option<NaiveDateTime>,
    #[schema(value_type = Option<String>)]
    pub finished_at: Option<NaiveDateTime>,
    pub finished_by: Option<Uuid>,
    pub note: Option<String>,
    /// Set when the step finishes: whether it finished by its deadline.
    pub on_time: Option<bool>,
}

impl From<&ProcessStep> for StepRecord {
    fn from(s: &ProcessStep) -> Self {
        StepRecord {
            name: s.name.clone(),
            unit: s.unit.clone(),
            role: s.role,
            budget: s.budget,
            external_agency: s.external_agency.clone(),
            started_at: None,
            deadline: None,
            finished_at: None,
            finished_by: None,
            note: None,
            on_time: None,
        }
    }
}

/// Why the clock stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PauseKind {
    /// Waiting for the applicant to supplement the dossier (Mẫu 02 during appraisal).
    Supplement,
    /// Waiting for fees, charges or taxes (financial obligations).
    Payment,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PauseRecord {
    pub kind: PauseKind,
    #[schema(value_type = String)]
    pub from: NaiveDateTime,
    #[schema(value_type = Option<String>)]
    pub to: Option<NaiveDateTime>,
    pub reason: String,
}

/// The apology and re-appointment (Mẫu 04).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Reappointment {
    #[schema(value_type = String)]
    pub at: NaiveDateTime,
    pub previous_due_date: NaiveDate,
    pub new_due_date: NaiveDate,
    pub reason: String,
}

/// The result of the procedure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ResultDocument {
    pub number: String,
    pub date: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<FileRef>,
}

/// Where a dossier filed on the national portal came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PortalOrigin {
    /// The portal's dossier code (`MaHoSo`), which its status messages carry.
    pub code: String,
    /// The applicant signed in to the portal with a VNeID-verified account.
    #[serde(default)]
    pub vneid_verified: bool,
}

/// A dossier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Dossier {
    pub id: Uuid,
    pub agency_id: Uuid,
    #[schema(value_type = String)]
    pub agency_code: AgencyCode,
    pub procedure_id: Uuid,
    /// The procedure version in force when the dossier was received.
    pub procedure_version_id: Uuid,
    pub procedure_code: String,
    pub procedure_name: String,
    #[schema(value_type = String)]
    pub time_limit: TimeLimit,
    #[schema(value_type = Option<String>)]
    pub code: Option<DossierCode>,
    pub channel: Channel,
    pub postal: Option<Postal>,
    pub state: State,
    pub applicant: Applicant,
    /// The citizen account that submitted it online, if any.
    pub citizen_user_id: Option<Uuid>,
    pub documents: Vec<DossierDocument>,
    pub fees: Vec<FeeLine>,
    #[schema(value_type = String)]
    pub submitted_at: NaiveDateTime,
    /// When the clock started: acceptance (counter, online) or the postal handover.
    #[schema(value_type = Option<String>)]
    pub received_at: Option<NaiveDateTime>,
    #[schema(value_type = Option<String>)]
    pub accepted_at: Option<NaiveDateTime>,
    pub due_date: Option<NaiveDate>,
    /// The instant the period ends (24:00 of the due date by default).
    #[schema(value_type = Option<String>)]
    pub due_at: Option<NaiveDateTime>,
    pub reappointment: Option<Reappointment>,
    pub current_step: Option<usize>,
    pub steps: Vec<StepRecord>,
    pub pauses: Vec<PauseRecord>,
    pub assignee: Option<Uuid>,
    pub result: Option<ResultDocument>,
    /// Why it was refused or stopped.
    pub reason: Option<String>,
    #[schema(value_type = Option<String>)]
    pub finished_at: Option<NaiveDateTime>,
    #[schema(value_type = Option<String>)]
    pub returned_at: Option<NaiveDateTime>,
    pub return_channel: Option<Channel>,
    pub timeliness: Option<Timeliness>,
    /// The line of the agency's register (Mẫu 06) for the year of acceptance: "Số thứ tự",
    /// numbered continuously from 1 each year; also the number of its Mẫu 01.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub register_no: Option<u32>,
    /// Where the applicant chose to receive the result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_delivery: Option<ResultDelivery>,
    /// Fees and charges paid at intake.
    #[serde(default)]
    pub fees_paid: bool,
    /// The applicant's group for an exemption or reduction of the fees, checked at intake.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fee_reduction: Option<String>,
    /// What the latest request for payment asked when the appraisal fixed the amount: paid
    /// instead of the fee schedule's lines.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assessed_fee: Option<crate::catalog::FeeLine>,
    /// The items and legal basis of the latest Mẫu 02 or refusal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notice: Option<Notice>,
    /// Where the result went by post, under which outgoing number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub returned_by_post: Option<PostalReturn>,
    /// The documents issued on it, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub issued: Vec<IssuedForm>,
    /// Filed on the national portal: the portal's code, kept for the status it is told.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub portal: Option<PortalOrigin>,
    /// Optimistic concurrency: incremented by every change.
    pub version: i64,
}

impl Dossier {
    /// The national portal status code 1–10 (§9.1).
    pub fn portal_status(&self) -> u8 {
        self.state.portal_status()
    }

    pub fn total_fees(&self) -> Vnd {
        self.fees.iter().map(|f| f.amount).sum()
    }

    /// The step being worked on, if any.
    pub fn step(&self) -> Option<&StepRecord> {
        self.current_step.and_then(|i| self.steps.get(i))
    }

    /// Whether the dossier is past its due instant at `now` (a finished dossier: whether it was
    /// finished late).
    pub fn is_overdue(&self, now: NaiveDateTime) -> bool {
        match (self.due_at, self.finished_at) {
            (Some(due), Some(done)) => done > due,
            (Some(due), None) => !self.state.is_terminal() && now > due,
            _ => false,
        }
    }

    /// Whether an unfinished dossier is due within [`DUE_SOON_WORKING_DAYS`] working days of
    /// `now` (by the end of that day) without being overdue yet: the officers' "sắp đến hạn".
    pub fn is_due_soon(&self, cal: &motcua_calendar::WorkCalendar, now: NaiveDateTime) -> bool {
        match (self.due_at, due_soon_until(cal, now)) {
            (Some(due), Some(until)) => {
                self.finished_at.is_none() && !self.state.is_terminal() && !self.is_overdue(now) && due <= until
            }
            _ => false,
        }
    }

    /// The step it is at, when another agency holds it (an inter-agency step, liên thông).
    pub fn at_external_agency(&self) -> Option<&StepRecord> {
        self.step().filter(|s| s.external_agency.is_some())
    }

    /// The time each inter-agency step took (or has taken, by `now`, if still there), in
    /// working time of the agency's calendar, with whether it ran past its own deadline: what
    /// Mẫu 05 and the monitoring page show apart, so that lateness is attributed to the body that
    /// caused it.
    pub fn external_time(&self, cal: &motcua_calendar::WorkCalendar, now: NaiveDateTime) -> Vec<ExternalTime> {
        self.steps
            .iter()
            .filter_map(|s| {
                let agency = s.external_agency.clone()?;
                let from = s.started_at?;
                let to = s.finished_at.unwrap_or(now);
                let seconds = cal.working_clock(to).ok()? - cal.working_clock(from).ok()?;
                Some(ExternalTime {
                    agency,
                    step: s.name.clone(),
                    from,
                    to: s.finished_at,
                    deadline: s.deadline,
                    working_seconds: seconds.max(0),
                    late: s.deadline.is_some_and(|d| to > d),
                })
            })
            .collect()
    }

    /// The latest document of `kind` issued on it.
    pub fn issued(&self, kind: FormKind) -> Option<&IssuedForm> {
        self.issued.iter().rev().find(|f| f.kind == kind)
    }

    /// The documents received, in the checklist's order (what Mẫu 01 lists).
    pub fn received_documents(&self) -> impl Iterator<Item = &DossierDocument> {
        self.documents.iter().filter(|d| d.received)
    }

    /// The last four digits of the applicant's phone, for the public lookup.
    pub fn phone_last4(&self) -> &str {
        self.applicant.phone.last4()
    }
}

/// Time spent at another agency on an inter-agency step (see [`Dossier::external_time`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalTime {
    pub agency: String,
    pub step: String,
    pub from: NaiveDateTime,
    /// When it came back; `None`: still there.
    pub to: Option<NaiveDateTime>,
    pub deadline: Option<NaiveDateTime>,
    pub working_seconds: i64,
    /// Past its own deadline (by `now` if still there).
    pub late: bool,
}

impl ExternalTime {
    /// "2 ngày 3 giờ làm việc", with the calendar's working day of `day_seconds`.
    pub fn describe_vi(&self, day_seconds: i64) -> String {
        let hours = self.working_seconds / 3600;
        let day_hours = (day_seconds / 3600).max(1);
        match (hours / day_hours, hours % day_hours) {
            (0, h) => format!("{h} giờ làm việc"),
            (d, 0) => format!("{d} ngày làm việc"),
            (d, h) => format!("{d} ngày {h} giờ làm việc"),
        }
    }
}

/// Dossiers due within this many working days are "due soon" in officers' lists and colours.
pub const DUE_SOON_WORKING_DAYS: u32 = 2;

/// The instant up to which a due time counts as "due soon" at `now`: the end of the
/// [`DUE_SOON_WORKING_DAYS`]-th working day from today.
pub fn due_soon_until(cal: &motcua_calendar::WorkCalendar, now: NaiveDateTime) -> Option<NaiveDateTime> {
    cal.add_working_days(now.date(), DUE_SOON_WORKING_DAYS).ok().map(|day| cal.end_of(day))
}
