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

pub use actions::{Action, Context, DEFAULT_MAX_REAPPOINT_DAYS, NewEvent, Submission, Transition};
pub use applicant::{Applicant, ApplicantInput, ApplicantKind};
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

/// One line of the document checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DossierDocument {
    pub name: String,
    pub required: bool,
    pub originals: u8,
    pub copies: u8,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<FileRef>,
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

    /// The last four digits of the applicant's phone, for the public lookup.
    pub fn phone_last4(&self) -> &str {
        self.applicant.phone.last4()
    }
}

/// Dossiers due within this many working days are "due soon" in officers' lists and colours.
pub const DUE_SOON_WORKING_DAYS: u32 = 2;

/// The instant up to which a due time counts as "due soon" at `now`: the end of the
/// [`DUE_SOON_WORKING_DAYS`]-th working day from today.
pub fn due_soon_until(cal: &motcua_calendar::WorkCalendar, now: NaiveDateTime) -> Option<NaiveDateTime> {
    cal.add_working_days(now.date(), DUE_SOON_WORKING_DAYS).ok().map(|day| cal.end_of(day))
}
