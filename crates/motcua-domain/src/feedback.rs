//! Citizens' feedback and petitions (phản ánh, kiến nghị — PAKN) and what arrives with them: one
//! intake, then triage into typed cases, each with its own clock, visibility and route
//! (`payments-pakn-portal.md` §4, `vn-regulatory.md` §6):
//!
//! - **PAKN on regulations or procedures** and **PAKN on staff conduct** (Decree 20/2008): accept,
//!   refuse with the reason and the competent body, or forward to the competent body; ask for more
//!   information (the clock stops); assign to a unit; draft the answer; the leader approves;
//!   publish; close; reopen when the sender rates the answer as not useful;
//! - **complaint** (khiếu nại): not PAKN; the sender is guided to the complaints procedure and the
//!   case closes;
//! - **denunciation** (tố cáo): handled like PAKN but never published, the sender's identity
//!   visible to nobody but the officers handling it;
//! - **question**: answered with its legal basis and, once approved, published as a FAQ entry.
//!
//! Every deadline is counted in working days on the agency's calendar ([`FeedbackRules`], by
//! effective date). The defaults are the national portal's measured ones: 2 to refuse or return a
//! mis-routed item, 5 to ask for more information, 15 to answer, 2 to publish after the answer;
//! Decree 20/2008 gives 5 to forward outside the agency's competence.
//!
//! Pure: no HTTP, no SQL. A change returns the new case and its event; the store writes both.

use chrono::{NaiveDate, NaiveDateTime};
use motcua_calendar::WorkCalendar;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::DomainError;
use crate::org::{Actor, Role};
use crate::text::{ADDRESS_MAX, NAME_MAX, NOTE_MAX, clean};
use crate::types::{Email, PhoneNumber};

/// The longest statement or answer, in characters.
pub const TEXT_MAX: usize = 8000;
/// The longest title.
pub const TITLE_MAX: usize = 300;

/// What a case is, once triaged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CaseKind {
    /// PAKN on an administrative regulation, a procedure or its implementation.
    Regulation,
    /// PAKN on an officer's conduct (harassment, delays, attitude).
    Conduct,
    /// A complaint against an administrative decision or act: the complaints procedure.
    Complaint,
    /// A denunciation of a violation of law: confidential, never public.
    Denunciation,
    /// A question, answered and published as a FAQ entry.
    Question,
}

impl CaseKind {
    pub const ALL: [CaseKind; 5] =
        [CaseKind::Regulation, CaseKind::Conduct, CaseKind::Complaint, CaseKind::Denunciation, CaseKind::Question];

    pub fn as_str(self) -> &'static str {
        match self {
            CaseKind::Regulation => "regulation",
            CaseKind::Conduct => "conduct",
            CaseKind::Complaint => "complaint",
            CaseKind::Denunciation => "denunciation",
            CaseKind::Question => "question",
        }
    }

    pub fn parse(s: &str) -> Option<CaseKind> {
        CaseKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            CaseKind::Regulation => "Phản ánh, kiến nghị về quy định, thủ tục hành chính",
            CaseKind::Conduct => "Phản ánh, kiến nghị về hành vi, thái độ của cán bộ",
            CaseKind::Complaint => "Khiếu nại",
            CaseKind::Denunciation => "Tố cáo",
            CaseKind::Question => "Hỏi đáp",
        }
    }

    /// PAKN in the sense of Decree 20/2008 (what indicators 5.1–5.3 count).
    pub fn is_pakn(self) -> bool {
        matches!(self, CaseKind::Regulation | CaseKind::Conduct)
    }

    /// Whether its answer may ever be public.
    pub fn publishable(self) -> bool {
        !matches!(self, CaseKind::Denunciation | CaseKind::Complaint)
    }
}

/// How the statement reached the agency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Intake {
    Web,
    Counter,
    /// The published hotline: an officer transcribes the call faithfully.
    Hotline,
    Post,
    Email,
}

impl Intake {
    pub fn as_str(self) -> &'static str {
        match self {
            Intake::Web => "web",
            Intake::Counter => "counter",
            Intake::Hotline => "hotline",
            Intake::Post => "post",
            Intake::Email => "email",
        }
    }

    pub fn parse(s: &str) -> Option<Intake> {
        [Intake::Web, Intake::Counter, Intake::Hotline, Intake::Post, Intake::Email]
            .into_iter()
            .find(|i| i.as_str() == s)
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Intake::Web => "Trang điện tử",
            Intake::Counter => "Tại bộ phận một cửa",
            Intake::Hotline => "Đường dây nóng",
            Intake::Post => "Bưu chính",
            Intake::Email => "Thư điện tử",
        }
    }
}

/// Where a case stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CaseState {
    /// Received, waiting for triage.
    Received,
    /// More information asked of the sender; the clock stops.
    NeedsInfo,
    /// Accepted, waiting to be assigned.
    Accepted,
    /// A unit prepares the answer.
    Assigned,
    /// The answer is drafted, waiting for the leader.
    Drafted,
    /// The leader approved the answer; waiting to be published (or sent, when not public).
    Approved,
    /// The answer is public.
    Published,
    Closed,
    /// Not accepted, with the reason and the competent body.
    Refused,
    /// Sent on to the competent body.
    Forwarded,
    /// A complaint: the sender was guided to the complaints procedure.
    Redirected,
}

impl CaseState {
    /// The states of a case still being handled here.
    pub const OPEN: [CaseState; 6] = [
        CaseState::Received,
        CaseState::NeedsInfo,
        CaseState::Accepted,
        CaseState::Assigned,
        CaseState::Drafted,
        CaseState::Approved,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CaseState::Received => "received",
            CaseState::NeedsInfo => "needs_info",
            CaseState::Accepted => "accepted",
            CaseState::Assigned => "assigned",
            CaseState::Drafted => "drafted",
            CaseState::Approved => "approved",
            CaseState::Published => "published",
            CaseState::Closed => "closed",
            CaseState::Refused => "refused",
            CaseState::Forwarded => "forwarded",
            CaseState::Redirected => "redirected",
        }
    }

    pub fn parse(s: &str) -> Option<CaseState> {
        use CaseState::*;
        [Received, NeedsInfo, Accepted, Assigned, Drafted, Approved, Published, Closed, Refused, Forwarded, Redirected]
            .into_iter()
            .find(|x| x.as_str() == s)
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            CaseState::Received => "Mới tiếp nhận",
            CaseState::NeedsInfo => "Chờ bổ sung thông tin",
            CaseState::Accepted => "Đã tiếp nhận xử lý",
            CaseState::Assigned => "Đang xử lý",
            CaseState::Drafted => "Chờ lãnh đạo duyệt",
            CaseState::Approved => "Chờ công khai",
            CaseState::Published => "Đã công khai",
            CaseState::Closed => "Đã kết thúc",
            CaseState::Refused => "Từ chối tiếp nhận",
            CaseState::Forwarded => "Đã chuyển cơ quan có thẩm quyền",
            CaseState::Redirected => "Hướng dẫn khiếu nại",
        }
    }

    /// Nothing more is done to it here.
    pub fn is_finished(self) -> bool {
        matches!(self, CaseState::Closed | CaseState::Refused | CaseState::Forwarded | CaseState::Redirected)
    }
}

/// The deadlines of the workflow, in working days, for cases received from `effective_from`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedbackRules {
    pub effective_from: NaiveDate,
    /// To refuse an item, or return one sent here by mistake.
    pub refuse_days: u32,
    /// To forward an item outside the agency's competence (Decree 20/2008 Art. 9).
    pub forward_days: u32,
    /// To ask the sender for more information, the first time.
    pub info_days: u32,
    /// To have the answer ready, from receipt (the time waiting for information not counted).
    pub answer_days: u32,
    /// To publish the answer once approved.
    pub publish_days: u32,
}

impl Default for FeedbackRules {
    fn default() -> Self {
        FeedbackRules {
            effective_from: NaiveDate::from_ymd_opt(2020, 1, 1).unwrap_or_default(),
            refuse_days: 2,
            forward_days: 5,
            info_days: 5,
            answer_days: 15,
            publish_days: 2,
        }
    }
}

impl FeedbackRules {
    /// The rules in force on `day` among an agency's (the newest whose date has come; the
    /// defaults before any).
    pub fn in_force(rules: &[FeedbackRules], day: NaiveDate) -> FeedbackRules {
        rules.iter().filter(|r| r.effective_from <= day).max_by_key(|r| r.effective_from).copied().unwrap_or_default()
    }
}

/// Who sent it. A signed-in citizen's account, or a name, an address and a phone number
/// (Decree 20/2008 Art. 7 requires them); a denunciation's sender is seen only by its handlers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Sender {
    pub name: String,
    pub address: String,
    #[schema(value_type = String)]
    pub phone: PhoneNumber,
    #[schema(value_type = Option<String>)]
    pub email: Option<Email>,
    pub citizen_user_id: Option<Uuid>,
}

/// What the sender writes, before it is checked.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StatementInput {
    pub name: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub title: Option<String>,
    pub content: Option<String>,
    /// The procedure it is about, if any (a code of the catalog).
    pub procedure_code: Option<String>,
    /// For conduct: the officer, the counter or the date concerned, as the sender says it.
    pub officer: Option<String>,
    /// The dossier it is about, if any (its code): a PAKN on a dossier lowers its 5.4.
    #[serde(default)]
    pub dossier_code: Option<String>,
}

/// The checked statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub sender: Sender,
    pub title: String,
    pub content: String,
    pub procedure_code: Option<String>,
    pub officer: Option<String>,
    pub dossier_code: Option<String>,
}

impl StatementInput {
    /// Every field checked, every error collected (`name`, `phone`, `content`…).
    pub fn parse(&self, citizen_user_id: Option<Uuid>) -> Result<Statement, DomainError> {
        let mut errors = Vec::new();
        let mut need = |v: &Option<String>, field: &str, max: usize, multiline: bool, missing: &str| -> String {
            let v = v.as_deref().map(str::trim).unwrap_or("");
            if v.is_empty() {
                errors.push(crate::error::FieldError::new(field, missing));
                return String::new();
            }
            clean(v, max, multiline).unwrap_or_else(|e| {
                errors.push(crate::error::FieldError::new(field, e));
                String::new()
            })
        };
        let name = need(&self.name, "name", NAME_MAX, false, "cần họ tên người gửi");
        let address = need(&self.address, "address", ADDRESS_MAX, false, "cần địa chỉ người gửi");
        let title = need(&self.title, "title", TITLE_MAX, false, "cần tiêu đề");
        let content = need(&self.content, "content", TEXT_MAX, true, "cần nội dung phản ánh, kiến nghị");
        let phone_text = need(&self.phone, "phone", 30, false, "cần số điện thoại để nhận thông báo");
        let phone = (!phone_text.is_empty())
            .then(|| {
                PhoneNumber::parse(&phone_text).map_err(|e| errors.push(crate::error::FieldError::new("phone", e))).ok()
            })
            .flatten();
        let email = match self.email.as_deref().map(str::trim).filter(|e| !e.is_empty()) {
            Some(e) => Email::parse(e).map_err(|e| errors.push(crate::error::FieldError::new("email", e))).ok(),
            None => None,
        };
        let optional = |v: &Option<String>, field: &str, max: usize, errors: &mut Vec<crate::error::FieldError>| match v
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            Some(s) => clean(s, max, false).map(Some).unwrap_or_else(|e| {
                errors.push(crate::error::FieldError::new(field, e));
                None
            }),
            None => None,
        };
        let procedure_code = optional(&self.procedure_code, "procedure_code", crate::text::CODE_MAX, &mut errors);
        let officer = optional(&self.officer, "officer", NOTE_MAX, &mut errors);
        let dossier_code = optional(&self.dossier_code, "dossier_code", crate::text::CODE_MAX, &mut errors);
        match phone {
            Some(phone) if errors.is_empty() => Ok(Statement {
                sender: Sender { name, address, phone, email, citizen_user_id },
                title,
                content,
                procedure_code,
                officer,
                dossier_code,
            }),
            _ => Err(DomainError::Invalid(errors)),
        }
    }
}

/// A feedback case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Case {
    pub id: Uuid,
    pub agency_id: Uuid,
    /// Its number in the agency's register of the year ("PAKN 12/2026").
    pub number: u32,
    pub year: i32,
    pub intake: Intake,
    /// `None` until triaged.
    pub kind: Option<CaseKind>,
    pub state: CaseState,
    pub sender: Sender,
    pub title: String,
    pub content: String,
    pub procedure_code: Option<String>,
    /// For conduct: the officer, counter or date concerned.
    pub officer: Option<String>,
    pub received_at: NaiveDateTime,
    /// The unit preparing the answer.
    pub unit: Option<String>,
    pub answer: Option<String>,
    pub legal_basis: Option<String>,
    /// Why it was refused, where it was forwarded, what was asked of the sender.
    pub reason: Option<String>,
    /// The competent body (refused or forwarded).
    pub other_body: Option<String>,
    /// Working days the clock stood still waiting for information, so far.
    pub paused_days: u32,
    /// When information was asked, while waiting for it.
    pub paused_since: Option<NaiveDateTime>,
    /// Whether information was ever asked (only the first request has a deadline).
    pub info_asked: bool,
    pub approved_at: Option<NaiveDateTime>,
    pub published_at: Option<NaiveDateTime>,
    pub finished_at: Option<NaiveDateTime>,
    /// Deadlines as the rules in force at receipt set them.
    #[schema(value_type = String)]
    pub refuse_by: NaiveDate,
    #[schema(value_type = String)]
    pub forward_by: NaiveDate,
    #[schema(value_type = String)]
    pub info_by: NaiveDate,
    #[schema(value_type = String)]
    pub answer_by: NaiveDate,
    #[schema(value_type = Option<String>)]
    pub publish_by: Option<NaiveDate>,
    /// Ratings of the published answer.
    pub useful: u32,
    pub not_useful: u32,
    /// Times it was reopened after the sender found the answer unsatisfactory.
    pub reopened: u32,
    /// Steps taken late, in words ("trả lời muộn 2 ngày làm việc").
    pub late_steps: Vec<String>,
    /// For conduct: whether the inspector found it justified (Circular 01/2018 indicator 7).
    pub justified: Option<bool>,
    /// For conduct: the officer's account the inspector linked it to (indicator 7 counts it
    /// against them when justified).
    #[serde(default)]
    pub officer_id: Option<Uuid>,
    /// For conduct: the measure taken on the finding.
    #[serde(default)]
    pub measure: Option<String>,
    /// The dossier it is about (code and id), when the sender named one of this agency's.
    #[serde(default)]
    pub dossier_code: Option<String>,
    #[serde(default)]
    pub dossier_id: Option<Uuid>,
    /// The statement it was split from (Decree 154/2026 Art. 14(4): one statement mixing kinds
    /// becomes separate cases).
    #[serde(default)]
    pub split_from: Option<Uuid>,
    /// The hotline call it was recorded from.
    #[serde(default)]
    pub call_id: Option<Uuid>,
    pub version: i64,
}

/// What an officer (or the sender) does to a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum CaseAction {
    /// Triage: what it is (and, for conduct, who is concerned).
    Classify {
        kind: CaseKind,
    },
    Refuse {
        reason: String,
        other_body: String,
    },
    Forward {
        other_body: String,
        reason: String,
    },
    AskInfo {
        what: String,
    },
    InfoReceived {
        note: String,
    },
    Assign {
        unit: String,
    },
    DraftAnswer {
        answer: String,
        legal_basis: String,
    },
    /// The leader sends the draft back with a remark.
    SendBack {
        remark: String,
    },
    Approve,
    Publish,
    /// Closes it (a published answer, or one sent only to the sender).
    Close,
    /// The sender found the answer unsatisfactory: back to the unit.
    Reopen {
        reason: String,
    },
    /// The inspector's finding on a conduct case, linked to the officer concerned.
    Finding {
        justified: bool,
        measure: String,
        /// The officer's account; required when justified.
        officer_id: Option<Uuid>,
    },
}

impl CaseAction {
    pub fn name(&self) -> &'static str {
        match self {
            CaseAction::Classify { .. } => "classify",
            CaseAction::Refuse { .. } => "refuse",
            CaseAction::Forward { .. } => "forward",
            CaseAction::AskInfo { .. } => "ask_info",
            CaseAction::InfoReceived { .. } => "info_received",
            CaseAction::Assign { .. } => "assign",
            CaseAction::DraftAnswer { .. } => "draft_answer",
            CaseAction::SendBack { .. } => "send_back",
            CaseAction::Approve => "approve",
            CaseAction::Publish => "publish",
            CaseAction::Close => "close",
            CaseAction::Reopen { .. } => "reopen",
            CaseAction::Finding { .. } => "finding",
        }
    }

    /// Whether the sender is told of it (SMS or e-mail): not of the agency's internal steps
    /// (assignment, the leader's remarks, the inspector's finding).
    pub fn tells_sender(&self) -> bool {
        !matches!(self, CaseAction::Assign { .. } | CaseAction::SendBack { .. } | CaseAction::Finding { .. })
    }
}

/// An action's name as an officer reads it in the case's history.
pub fn action_label_vi(name: &str) -> &'static str {
    match name {
        "receive" => "Tiếp nhận",
        "classify" => "Phân loại",
        "refuse" => "Từ chối tiếp nhận",
        "forward" => "Chuyển cơ quan có thẩm quyền",
        "ask_info" => "Yêu cầu bổ sung thông tin",
        "info_received" => "Nhận thông tin bổ sung",
        "assign" => "Giao đơn vị xử lý",
        "draft_answer" => "Dự thảo trả lời",
        "send_back" => "Lãnh đạo trả lại dự thảo",
        "approve" => "Lãnh đạo duyệt trả lời",
        "publish" => "Công khai trả lời",
        "close" => "Kết thúc",
        "reopen" => "Xem xét lại",
        "finding" => "Kết luận của thanh tra",
        "split" => "Tách từ đơn khác",
        _ => "Thao tác khác",
    }
}

/// A change of a case: the case after it, and what happened.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseChange {
    pub case: Case,
    pub action: &'static str,
    pub from: Option<CaseState>,
    pub to: CaseState,
    pub actor_id: Option<Uuid>,
    pub at: NaiveDateTime,
    /// What the sender is told, if anything (the notification's text).
    pub notice: Option<String>,
    pub detail: serde_json::Value,
}

/// When and under which rules a change happens: the agency's deadlines in force for the case, its
/// working calendar, and the instant.
#[derive(Debug, Clone, Copy)]
pub struct Clock<'a> {
    pub rules: &'a FeedbackRules,
    pub calendar: &'a WorkCalendar,
    pub now: NaiveDateTime,
}

fn text(v: &str, field: &str, max: usize) -> Result<String, DomainError> {
    let t = clean(v.trim(), max, true).map_err(|e| DomainError::field(field, e))?;
    if t.is_empty() {
        return Err(DomainError::field(field, "không được để trống"));
    }
    Ok(t)
}

fn cal_err(e: motcua_calendar::CalendarError) -> DomainError {
    DomainError::Calendar(e.to_string())
}

impl Case {
    /// A statement received through `intake`, numbered `number` in the agency's year, its
    /// deadlines set by the clock's rules on its calendar.
    pub fn receive(
        id: Uuid,
        agency_id: Uuid,
        number: u32,
        intake: Intake,
        statement: Statement,
        clock: Clock<'_>,
    ) -> Result<CaseChange, DomainError> {
        let (rules, cal, now) = (clock.rules, clock.calendar, clock.now);
        let day = now.date();
        let case = Case {
            id,
            agency_id,
            number,
            year: chrono::Datelike::year(&day),
            intake,
            kind: None,
            state: CaseState::Received,
            sender: statement.sender,
            title: statement.title,
            content: statement.content,
            procedure_code: statement.procedure_code,
            officer: statement.officer,
            received_at: now,
            unit: None,
            answer: None,
            legal_basis: None,
            reason: None,
            other_body: None,
            paused_days: 0,
            paused_since: None,
            info_asked: false,
            approved_at: None,
            published_at: None,
            finished_at: None,
            refuse_by: cal.add_working_days(day, rules.refuse_days).map_err(cal_err)?,
            forward_by: cal.add_working_days(day, rules.forward_days).map_err(cal_err)?,
            info_by: cal.add_working_days(day, rules.info_days).map_err(cal_err)?,
            answer_by: cal.add_working_days(day, rules.answer_days).map_err(cal_err)?,
            publish_by: None,
            useful: 0,
            not_useful: 0,
            reopened: 0,
            late_steps: Vec::new(),
            justified: None,
            officer_id: None,
            measure: None,
            dossier_code: statement.dossier_code,
            dossier_id: None,
            split_from: None,
            call_id: None,
            version: 1,
        };
        let notice = Some(format!(
            "Đã tiếp nhận phản ánh, kiến nghị số {}/{} của Ông/Bà; hạn trả lời {}.",
            case.number,
            case.year,
            case.answer_by.format("%d/%m/%Y")
        ));
        Ok(CaseChange {
            detail: serde_json::json!({ "intake": intake.as_str() }),
            to: case.state,
            case,
            action: "receive",
            from: None,
            actor_id: None,
            at: now,
            notice,
        })
    }

    /// The register's label: "12/2026".
    pub fn label(&self) -> String {
        format!("{}/{}", self.number, self.year)
    }

    /// Splits a part out of a statement not yet triaged (Decree 154/2026 Art. 14(4): one
    /// statement mixing a petition, a complaint and a denunciation becomes separate items). The
    /// new case, numbered `number`, keeps the sender, the intake and the time of receipt (so its
    /// deadlines are the original's) and holds the part's `title` and `content`; each is then
    /// triaged on its own.
    pub fn split(
        &self,
        id: Uuid,
        number: u32,
        (title, content): (&str, &str),
        actor: &Actor,
        clock: Clock<'_>,
    ) -> Result<CaseChange, DomainError> {
        if self.state != CaseState::Received {
            return Err(DomainError::InvalidTransition {
                action: "split".into(),
                state: self.state.label_vi().to_owned(),
            });
        }
        let may = actor.grants.iter().any(|g| {
            g.agency_id == self.agency_id && matches!(g.role, Role::Reception | Role::AgencyLead | Role::UnitLead)
        });
        if !may {
            return Err(DomainError::Forbidden("tách đơn (bộ phận một cửa, lãnh đạo)".into()));
        }
        let statement = Statement {
            sender: self.sender.clone(),
            title: text(title, "part_title", TITLE_MAX)?,
            content: text(content, "part_content", TEXT_MAX)?,
            procedure_code: self.procedure_code.clone(),
            officer: self.officer.clone(),
            dossier_code: self.dossier_code.clone(),
        };
        let mut change = Case::receive(
            id,
            self.agency_id,
            number,
            self.intake,
            statement,
            Clock { now: self.received_at, ..clock },
        )?;
        change.case.split_from = Some(self.id);
        change.case.dossier_id = self.dossier_id;
        change.notice = Some(format!(
            "Một phần nội dung đơn số {} của Ông/Bà được tách thành phản ánh, kiến nghị số {} để xem xét riêng; hạn trả lời {}.",
            self.label(),
            change.case.label(),
            change.case.answer_by.format("%d/%m/%Y")
        ));
        change.action = "split";
        change.actor_id = Some(actor.user_id);
        change.at = clock.now;
        change.detail = serde_json::json!({ "from": self.label(), "from_id": self.id });
        Ok(change)
    }

    /// The deadline of its current step: untriaged, the last day to refuse or forward it (or
    /// its answer's, if sooner); being handled, its answer's; approved, its publication's; none
    /// while waiting for the sender or when finished.
    pub fn step_deadline(&self) -> Option<NaiveDate> {
        match self.state {
            CaseState::Received => Some(self.refuse_by.max(self.forward_by).min(self.answer_by)),
            CaseState::Accepted | CaseState::Assigned | CaseState::Drafted => Some(self.answer_by),
            CaseState::Approved => self.publish_by,
            _ => None,
        }
    }

    /// Whether the case is late now: its current step's deadline has passed.
    pub fn overdue(&self, today: NaiveDate) -> bool {
        self.step_deadline().is_some_and(|d| today > d)
    }

    /// Applies `action` by `actor`, with the clock's rules on its calendar.
    pub fn apply(&self, action: CaseAction, actor: &Actor, clock: Clock<'_>) -> Result<CaseChange, DomainError> {
        use CaseState::*;
        let (rules, cal, now) = (clock.rules, clock.calendar, clock.now);
        let agency = self.agency_id;
        let counter = actor.grants.iter().any(|g| g.agency_id == agency && g.role == Role::Reception);
        let lead =
            actor.grants.iter().any(|g| g.agency_id == agency && matches!(g.role, Role::AgencyLead | Role::UnitLead));
        let unit_member = |unit: &str| {
            actor.grants.iter().any(|g| {
                g.agency_id == agency
                    && matches!(g.role, Role::Specialist | Role::UnitLead | Role::AgencyLead)
                    && g.unit.as_deref().is_none_or(|u| u == unit)
            })
        };
        let inspector = actor.grants.iter().any(|g| g.agency_id == agency && g.role == Role::Inspector);
        let owner = self.sender.citizen_user_id.is_some_and(|u| u == actor.user_id);
        let forbid = |what: &str| Err(DomainError::Forbidden(what.to_owned()));
        let wrong = || {
            Err(DomainError::InvalidTransition {
                action: action.name().to_owned(),
                state: self.state.label_vi().to_owned(),
            })
        };
        let today = now.date();
        let mut c = self.clone();
        c.version += 1;
        let late = |what: &str, by: NaiveDate, c: &mut Case| -> Result<(), DomainError> {
            if today > by {
                let days = cal.working_days_between(by, today).map_err(cal_err)?;
                c.late_steps.push(format!("{what} muộn {days} ngày làm việc"));
            }
            Ok(())
        };
        let (notice, detail): (Option<String>, serde_json::Value) = match &action {
            CaseAction::Classify { kind } => {
                if self.state != Received {
                    return wrong();
                }
                if !counter && !lead {
                    return forbid("phân loại phản ánh, kiến nghị");
                }
                c.kind = Some(*kind);
                match kind {
                    CaseKind::Complaint => {
                        c.state = Redirected;
                        c.finished_at = Some(now);
                        let n = "Nội dung Ông/Bà gửi là khiếu nại, được giải quyết theo Luật Khiếu nại: \
                                 vui lòng gửi đơn khiếu nại đến người có thẩm quyền giải quyết theo hướng dẫn của cơ quan."
                            .to_owned();
                        (Some(n), serde_json::json!({ "kind": kind.as_str() }))
                    }
                    _ => {
                        c.state = Accepted;
                        (None, serde_json::json!({ "kind": kind.as_str() }))
                    }
                }
            }
            CaseAction::Refuse { reason, other_body } => {
                if self.state != Received {
                    return wrong();
                }
                if !counter && !lead {
                    return forbid("từ chối tiếp nhận phản ánh, kiến nghị");
                }
                c.reason = Some(text(reason, "reason", NOTE_MAX)?);
                c.other_body = Some(text(other_body, "other_body", NAME_MAX)?);
                late("từ chối tiếp nhận", self.refuse_by, &mut c)?;
                c.state = Refused;
                c.finished_at = Some(now);
                let n = format!(
                    "Phản ánh, kiến nghị số {} không được tiếp nhận: {}. Cơ quan có thẩm quyền: {}.",
                    self.label(),
                    c.reason.as_deref().unwrap_or(""),
                    c.other_body.as_deref().unwrap_or("")
                );
                (Some(n), serde_json::json!({}))
            }
            CaseAction::Forward { other_body, reason } => {
                if !matches!(self.state, Received | Accepted) {
                    return wrong();
                }
                if !counter && !lead {
                    return forbid("chuyển phản ánh, kiến nghị");
                }
                c.other_body = Some(text(other_body, "other_body", NAME_MAX)?);
                c.reason = Some(text(reason, "reason", NOTE_MAX)?);
                late("chuyển cơ quan có thẩm quyền", self.forward_by, &mut c)?;
                c.state = Forwarded;
                c.finished_at = Some(now);
                let n = format!(
                    "Phản ánh, kiến nghị số {} đã được chuyển đến {} để xem xét, trả lời theo thẩm quyền.",
                    self.label(),
                    c.other_body.as_deref().unwrap_or("")
                );
                (Some(n), serde_json::json!({}))
            }
            CaseAction::AskInfo { what } => {
                if !matches!(self.state, Received | Accepted | Assigned) {
                    return wrong();
                }
                if !counter && !lead && !self.unit.as_deref().is_some_and(unit_member) {
                    return forbid("yêu cầu bổ sung thông tin");
                }
                c.reason = Some(text(what, "what", NOTE_MAX)?);
                if !self.info_asked {
                    late("yêu cầu bổ sung thông tin", self.info_by, &mut c)?;
                }
                c.info_asked = true;
                c.paused_since = Some(now);
                c.state = NeedsInfo;
                let n = format!(
                    "Đề nghị Ông/Bà bổ sung thông tin cho phản ánh, kiến nghị số {}: {}",
                    self.label(),
                    c.reason.as_deref().unwrap_or("")
                );
                (Some(n), serde_json::json!({ "from": self.state.as_str() }))
            }
            CaseAction::InfoReceived { note } => {
                if self.state != NeedsInfo {
                    return wrong();
                }
                if !counter && !lead && !owner && !self.unit.as_deref().is_some_and(unit_member) {
                    return forbid("ghi nhận thông tin bổ sung");
                }
                let note = text(note, "note", TEXT_MAX)?;
                let since = self.paused_since.map_or(today, |p| p.date());
                let stood = u32::try_from(cal.working_days_between(since, today).map_err(cal_err)?.max(0)).unwrap_or(0);
                c.paused_days += stood;
                c.paused_since = None;
                c.answer_by = {
                    // The answer's deadline moves by the working days the clock stood still.
                    let mut d = self.answer_by;
                    for _ in 0..stood {
                        d = cal.next_working_day(d).map_err(cal_err)?;
                    }
                    d
                };
                c.content = format!("{}\n\n[Bổ sung {}] {}", self.content, now.format("%d/%m/%Y"), note);
                c.state = if self.kind.is_none() {
                    Received
                } else if self.unit.is_some() {
                    Assigned
                } else {
                    Accepted
                };
                (None, serde_json::json!({ "paused_days": stood }))
            }
            CaseAction::Assign { unit } => {
                if !matches!(self.state, Accepted | Assigned) {
                    return wrong();
                }
                if !counter && !lead {
                    return forbid("giao đơn vị xử lý");
                }
                c.unit = Some(text(unit, "unit", crate::text::CODE_MAX)?);
                c.state = Assigned;
                (None, serde_json::json!({ "unit": unit }))
            }
            CaseAction::DraftAnswer { answer, legal_basis } => {
                if self.state != Assigned {
                    return wrong();
                }
                if !self.unit.as_deref().is_some_and(unit_member) {
                    return forbid("dự thảo trả lời (đơn vị được giao)");
                }
                c.answer = Some(text(answer, "answer", TEXT_MAX)?);
                c.legal_basis = Some(text(legal_basis, "legal_basis", NOTE_MAX)?);
                c.state = Drafted;
                (None, serde_json::json!({}))
            }
            CaseAction::SendBack { remark } => {
                if self.state != Drafted {
                    return wrong();
                }
                if !lead {
                    return forbid("trả lại dự thảo (lãnh đạo)");
                }
                c.reason = Some(text(remark, "remark", NOTE_MAX)?);
                c.state = Assigned;
                (None, serde_json::json!({}))
            }
            CaseAction::Approve => {
                if self.state != Drafted {
                    return wrong();
                }
                if !lead {
                    return forbid("duyệt trả lời (lãnh đạo)");
                }
                late("trả lời", self.answer_by, &mut c)?;
                c.approved_at = Some(now);
                c.publish_by = Some(cal.add_working_days(today, rules.publish_days).map_err(cal_err)?);
                c.state = Approved;
                let n = format!(
                    "Phản ánh, kiến nghị số {} đã có trả lời: {}",
                    self.label(),
                    c.answer.as_deref().unwrap_or("")
                );
                (Some(n), serde_json::json!({}))
            }
            CaseAction::Publish => {
                if self.state != Approved {
                    return wrong();
                }
                if !self.kind.is_some_and(CaseKind::publishable) {
                    return Err(DomainError::Rule("nội dung tố cáo, khiếu nại không được công khai".into()));
                }
                if !counter && !lead {
                    return forbid("công khai trả lời");
                }
                if let Some(by) = self.publish_by {
                    late("công khai", by, &mut c)?;
                }
                c.published_at = Some(now);
                c.state = Published;
                (
                    Some(format!("Trả lời phản ánh, kiến nghị số {} đã được công khai.", self.label())),
                    serde_json::json!({}),
                )
            }
            CaseAction::Close => {
                let private_done = self.state == Approved && !self.kind.is_some_and(CaseKind::publishable);
                if !(self.state == Published || private_done) {
                    return wrong();
                }
                if !counter && !lead {
                    return forbid("kết thúc phản ánh, kiến nghị");
                }
                c.state = Closed;
                c.finished_at = Some(now);
                (None, serde_json::json!({}))
            }
            CaseAction::Reopen { reason } => {
                if !matches!(self.state, Published | Closed) || !self.kind.is_some_and(CaseKind::is_pakn) {
                    return wrong();
                }
                if !owner && !counter && !lead {
                    return forbid("đề nghị xem xét lại");
                }
                c.reason = Some(text(reason, "reason", NOTE_MAX)?);
                c.reopened += 1;
                c.finished_at = None;
                c.state = Assigned;
                (None, serde_json::json!({}))
            }
            CaseAction::Finding { justified, measure, officer_id } => {
                if self.kind != Some(CaseKind::Conduct) {
                    return Err(DomainError::Rule("chỉ phản ánh về hành vi của cán bộ có kết luận".into()));
                }
                if !inspector && !lead {
                    return forbid("kết luận về hành vi của cán bộ (thanh tra)");
                }
                let officer_id = officer_id.or(self.officer_id);
                if *justified && officer_id.is_none() {
                    return Err(DomainError::field("officer_id", "chọn cán bộ bị phản ánh"));
                }
                let measure = text(measure, "measure", NOTE_MAX)?;
                c.justified = Some(*justified);
                c.officer_id = officer_id;
                c.measure = Some(measure.clone());
                (None, serde_json::json!({ "justified": justified, "measure": measure, "officer_id": officer_id }))
            }
        };
        let tell = action.tells_sender();
        Ok(CaseChange {
            action: action.name(),
            from: Some(self.state),
            to: c.state,
            case: c,
            actor_id: Some(actor.user_id),
            at: now,
            notice: notice.filter(|_| tell),
            detail,
        })
    }

    /// A citizen rates the published answer.
    pub fn rate(&self, useful: bool) -> Result<Case, DomainError> {
        if !matches!(self.state, CaseState::Published | CaseState::Closed) || self.published_at.is_none() {
            return Err(DomainError::Rule("chỉ đánh giá được trả lời đã công khai".into()));
        }
        let mut c = self.clone();
        if useful {
            c.useful += 1;
        } else {
            c.not_useful += 1;
        }
        Ok(c)
    }
}
