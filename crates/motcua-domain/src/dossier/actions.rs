//! The transitions of the dossier state machine. Each checks the current state and the actor's
//! role and scope, then returns the changed dossier and the one event that records the change.

use chrono::{NaiveDate, NaiveDateTime};
use motcua_calendar::{Pause, SupplementRule, WorkCalendar};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::events::ACTIONS;
use super::{
    Applicant, DocumentIn, Dossier, DossierDocument, EventData, EventDetail, EventKind, FileRef, FormKind, IssuedForm,
    Notice, PauseKind, PauseRecord, Postal, Reappointment, ResultDelivery, ResultDocument, State, StepRecord,
    Timeliness,
};
use crate::catalog::{Channel, ProcedureVersion};
use crate::error::DomainError;
use crate::org::{Actor, Role};
use crate::rules::rules_for;
use crate::types::{AgencyCode, DossierCode};

/// What the domain needs from outside to apply a change.
#[derive(Debug)]
pub struct Context<'a> {
    pub actor: &'a Actor,
    /// Local time of the agency's calendar.
    pub now: NaiveDateTime,
    pub calendar: &'a WorkCalendar,
    /// A freshly allocated code, for acceptance.
    pub new_code: Option<DossierCode>,
    /// How many working days past the old due date a re-appointment may set at most.
    pub max_reappoint_days: u32,
}

/// The default bound of a re-appointment: 30 working days past the old due date.
pub const DEFAULT_MAX_REAPPOINT_DAYS: u32 = 30;

/// A change to apply to a dossier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// Accept (Mẫu 01): the code and the due date are set; the reception step starts.
    Accept,
    /// Ask to complete before acceptance (Mẫu 02); no clock runs.
    AskToComplete { reason: String },
    /// The applicant completed the dossier: back to the reception check.
    Resubmit,
    /// Refuse at intake (Mẫu 03).
    RefuseIntake { reason: String },
    /// Finish the current step and hand over to the next.
    Forward {
        #[serde(default)]
        note: Option<String>,
        #[serde(default)]
        assignee: Option<Uuid>,
    },
    /// Send the dossier back to the previous step.
    SendBack { note: String },
    /// Ask the applicant for a supplement during appraisal (Mẫu 02); the clock stops.
    RequestSupplement { reason: String },
    /// The supplement arrived; the clock restarts per the rules.
    SupplementReceived {
        #[serde(default)]
        note: Option<String>,
    },
    /// Notify the financial obligation; the clock stops. `assessed`: the amount the appraisal
    /// fixed, when it is not the fee schedule's (the reason names what it is for).
    RequestPayment {
        reason: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        assessed: Option<Assessed>,
    },
    PaymentReceived {
        #[serde(default)]
        note: Option<String>,
    },
    /// Apology and re-appointment (Mẫu 04): at most once, at least one working day before the due date.
    /// The due date has become a day off (an official schedule announced, or the agency's own
    /// day off): the agency's lead moves it to the next working day and the applicant is told.
    /// Not a re-appointment: nobody was late.
    MoveDueDate {
        #[schema(value_type = String, example = "2026-12-07")]
        new_due_date: NaiveDate,
        reason: String,
    },
    Reappoint {
        #[schema(value_type = String, example = "2026-03-12")]
        new_due_date: NaiveDate,
        reason: String,
    },
    /// Refuse after appraisal, in writing with the reasons and their legal basis.
    Refuse {
        reason: String,
        #[serde(default)]
        legal_basis: Option<String>,
    },
    /// Stop at the applicant's request.
    Withdraw { reason: String },
    /// The result is ready (approved and numbered), at the process's decision step. Its file is
    /// attached afterwards by upload ([`Action::AttachResult`]), never named by the client.
    Approve {
        result_number: String,
        #[schema(value_type = String, example = "2026-03-04")]
        result_date: NaiveDate,
    },
    /// The result is handed over; by post, to an address under an outgoing tracking number.
    ReturnResult {
        channel: Channel,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        postal: Option<PostalReturn>,
    },
    /// Attach an uploaded file to a line of the document checklist (not a change of state).
    AttachDocument { index: usize, file: FileRef },
    /// Attach the result's file (the signed decision, the certificate scan) once it is ready.
    AttachResult { file: FileRef },
}

impl Action {
    /// The kind of event this action records.
    pub fn kind(&self) -> EventKind {
        match self {
            Action::Accept => EventKind::Accept,
            Action::AskToComplete { .. } => EventKind::AskToComplete,
            Action::Resubmit => EventKind::Resubmit,
            Action::RefuseIntake { .. } => EventKind::RefuseIntake,
            Action::Forward { .. } => EventKind::Forward,
            Action::SendBack { .. } => EventKind::SendBack,
            Action::RequestSupplement { .. } => EventKind::RequestSupplement,
            Action::SupplementReceived { .. } => EventKind::SupplementReceived,
            Action::RequestPayment { .. } => EventKind::RequestPayment,
            Action::PaymentReceived { .. } => EventKind::PaymentReceived,
            Action::Reappoint { .. } => EventKind::Reappoint,
            Action::MoveDueDate { .. } => EventKind::MoveDueDate,
            Action::Refuse { .. } => EventKind::Refuse,
            Action::Withdraw { .. } => EventKind::Withdraw,
            Action::Approve { .. } => EventKind::Approve,
            Action::ReturnResult { .. } => EventKind::ReturnResult,
            Action::AttachDocument { .. } => EventKind::AttachDocument,
            Action::AttachResult { .. } => EventKind::AttachResult,
        }
    }

    /// The document the action issues to the applicant, numbered in the agency's year.
    pub fn issues(&self) -> Option<FormKind> {
        match self {
            Action::Accept => Some(FormKind::Receipt),
            Action::AskToComplete { .. } | Action::RequestSupplement { .. } => Some(FormKind::Completion),
            Action::RefuseIntake { .. } => Some(FormKind::IntakeRefusal),
            Action::Reappoint { .. } => Some(FormKind::Apology),
            Action::Refuse { .. } => Some(FormKind::Refusal),
            Action::Withdraw { .. } => Some(FormKind::StopNotice),
            _ => None,
        }
    }

    /// The stored and wire name of the action (`accept`, `forward`…).
    pub fn name(&self) -> &'static str {
        self.kind().as_str()
    }
}

/// An event to record, immutable once written.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    pub from_state: Option<State>,
    pub to_state: State,
    pub actor_id: Option<Uuid>,
    pub at: NaiveDateTime,
    /// What changed, for the timeline and for notifications; its kind is the event's.
    pub data: EventData,
}

impl NewEvent {
    pub fn kind(&self) -> EventKind {
        self.data.kind()
    }
}

/// The result of a change: the new dossier and its event. `warnings` are for the person acting.
#[derive(Debug, Clone, PartialEq)]
pub struct Transition {
    pub dossier: Dossier,
    pub event: NewEvent,
    pub warnings: Vec<String>,
}

impl Transition {
    /// The document this change issued ([`Action::issues`]), numbered `n` in the agency's year
    /// (the caller takes the number once the change is known to be allowed); at acceptance `n`
    /// is also the register's line (Mẫu 01 and Mẫu 06). A change that issued none is returned
    /// as it is.
    pub fn numbered(mut self, n: u32) -> Transition {
        let at = self.event.at;
        if let Some(form) = self.dossier.issued.last_mut().filter(|f| f.at == at && f.number.is_none()) {
            form.number = Some(n);
            if form.kind == FormKind::Receipt {
                self.dossier.register_no = Some(n);
            }
        }
        self
    }
}

/// An amount the appraisal fixed, to pay instead of the fee schedule's lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Assessed {
    pub kind: crate::catalog::FeeKind,
    #[schema(value_type = u64)]
    pub amount: crate::types::Vnd,
}

/// What intake needs besides the procedure.
#[derive(Debug, Clone, PartialEq)]
pub struct Submission {
    pub id: Uuid,
    pub channel: Channel,
    pub applicant: Applicant,
    pub postal: Option<Postal>,
    pub citizen_user_id: Option<Uuid>,
    /// What came with each line of the checklist, by index (missing lines: not received).
    pub documents: Vec<DocumentIn>,
    /// Where the applicant wants the result.
    pub result_delivery: Option<ResultDelivery>,
    /// Fees and charges paid at intake.
    pub fees_paid: bool,
    /// The group the applicant belongs to for an exemption or reduction of the fees (one the
    /// procedure's fee lines name), as the counter checked it.
    pub fee_reduction: Option<String>,
}

/// A walk-in sent away at the counter without an accepted dossier: the visit is recorded as a
/// dossier that was never accepted, with the document handed over.
#[derive(Debug, Clone, PartialEq)]
pub enum TurnAway {
    /// Papers are missing: Mẫu 02 lists what to complete, why, on what legal basis and whom to
    /// call; the applicant comes back with them.
    Complete { items: Vec<String>, reason: String, legal_basis: String, contact: String },
    /// Out of scope or not eligible: Mẫu 03 says why.
    Refuse { reason: String, legal_basis: String },
}

/// A postal item's number (số hiệu bưu gửi, e.g. `EB123456789VN`): letters and digits, at most
/// 30, upper case.
pub fn tracking_number(s: &str) -> Result<String, String> {
    let t = s.trim().to_uppercase();
    if t.is_empty() || t.len() > 30 || !t.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err("số hiệu bưu gửi chỉ gồm chữ và số, tối đa 30 ký tự".into());
    }
    Ok(t)
}

/// Where a result was sent by post, under which number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PostalReturn {
    pub address: String,
    pub tracking_number: String,
}

impl PostalReturn {
    fn checked(&self) -> Result<PostalReturn, DomainError> {
        let address = crate::text::clean(&self.address, crate::text::NOTE_MAX, false)
            .map_err(|e| DomainError::field("return_address", e))?;
        if address.is_empty() {
            return Err(DomainError::field("return_address", "cần địa chỉ nhận kết quả"));
        }
        let tracking_number =
            tracking_number(&self.tracking_number).map_err(|e| DomainError::field("return_tracking_number", e))?;
        Ok(PostalReturn { address, tracking_number })
    }
}

fn need(text: &str, field: &str) -> Result<String, DomainError> {
    let t = crate::text::clean(text, crate::text::NOTE_MAX, true).map_err(|e| DomainError::field(field, e))?;
    if t.is_empty() { Err(DomainError::field(field, "cần nêu lý do / nội dung")) } else { Ok(t) }
}

/// An optional note, checked like a required one.
fn maybe(text: &Option<String>, field: &str) -> Result<Option<String>, DomainError> {
    match text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        Some(t) => need(t, field).map(Some),
        None => Ok(None),
    }
}

impl Dossier {
    /// A new dossier from a submission (online, counter or postal), in state `Submitted`.
    /// Counter and postal intake is done by reception, which then accepts it.
    pub fn submit(
        version: &ProcedureVersion,
        agency_code: AgencyCode,
        sub: Submission,
        ctx: &Context<'_>,
    ) -> Result<Transition, DomainError> {
        let spec = &version.spec;
        if !spec.channels.contains(&sub.channel) {
            return Err(DomainError::field(
                "channel",
                format!("thủ tục không nhận hồ sơ qua kênh \"{}\"", sub.channel.as_str()),
            ));
        }
        let today = ctx.now.date();
        if today < spec.effective_from || spec.effective_to.is_some_and(|to| today > to) {
            return Err(DomainError::Rule("thủ tục chưa có hoặc đã hết hiệu lực".into()));
        }
        let intake_unit = spec.steps.iter().find(|s| s.role == Role::Reception).map(|s| s.unit.as_str());
        let reception = ctx.actor.has_role(Role::Reception, version.agency_id, intake_unit);
        match sub.channel {
            Channel::Online if !ctx.actor.citizen && !reception => {
                return Err(DomainError::Forbidden("nộp hồ sơ trực tuyến cho người khác".into()));
            }
            Channel::Counter | Channel::Postal if !reception => {
                return Err(DomainError::Forbidden("tiếp nhận hồ sơ tại bộ phận một cửa".into()));
            }
            _ => {}
        }
        match (&sub.channel, &sub.postal) {
            (Channel::Postal, None) => {
                return Err(DomainError::field(
                    "postal",
                    "hồ sơ qua bưu chính cần thời điểm bàn giao và số hiệu bưu gửi",
                ));
            }
            (Channel::Postal, Some(p)) if p.handover_at > ctx.now => {
                return Err(DomainError::field("postal.handover_at", "thời điểm bàn giao không thể ở tương lai"));
            }
            (Channel::Postal, Some(p)) if p.tracking_number.trim().is_empty() => {
                return Err(DomainError::field("postal.tracking_number", "cần số hiệu bưu gửi"));
            }
            (Channel::Postal, Some(p)) => {
                tracking_number(&p.tracking_number).map_err(|e| DomainError::field("postal.tracking_number", e))?;
            }
            _ => {}
        }
        if sub.documents.len() > spec.documents.len() {
            return Err(DomainError::field("documents", "nhiều tệp hơn số giấy tờ của thủ tục"));
        }
        let fee_reduction = sub.fee_reduction.map(|w| w.trim().to_owned()).filter(|w| !w.is_empty());
        if let Some(who) = &fee_reduction
            && !spec.fees.iter().any(|f| f.reductions.iter().any(|r| r.who == *who))
        {
            return Err(DomainError::field("fee_reduction", "thủ tục không có đối tượng miễn, giảm này"));
        }
        let result_delivery = match sub.result_delivery {
            Some(ResultDelivery::Postal { address }) => {
                let address = crate::text::clean(&address, crate::text::NOTE_MAX, false)
                    .map_err(|e| DomainError::field("result_address", e))?;
                if address.is_empty() {
                    return Err(DomainError::field("result_address", "cần địa chỉ nhận kết quả qua bưu chính"));
                }
                Some(ResultDelivery::Postal { address })
            }
            other => other,
        };
        let documents = spec
            .documents
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let given = sub.documents.get(i).cloned().unwrap_or_default();
                let mut files = given.files.into_iter();
                DossierDocument {
                    name: d.name.clone(),
                    required: d.required,
                    originals: d.originals,
                    copies: d.copies,
                    received: given.received,
                    form: given.form.filter(|_| given.received),
                    file: files.next(),
                    scans: files.collect(),
                }
            })
            .collect();
        let dossier = Dossier {
            id: sub.id,
            agency_id: version.agency_id,
            agency_code,
            procedure_id: version.procedure_id,
            procedure_version_id: version.id,
            procedure_code: spec.code.clone(),
            procedure_name: spec.name.clone(),
            time_limit: spec.time_limit,
            code: None,
            channel: sub.channel,
            // The item's number as the post writes it (upper case), so that it is found again.
            postal: sub.postal.map(|p| Postal {
                tracking_number: tracking_number(&p.tracking_number).unwrap_or(p.tracking_number),
                ..p
            }),
            state: State::Submitted,
            applicant: sub.applicant,
            citizen_user_id: sub.citizen_user_id,
            documents,
            fees: spec.fees.clone(),
            submitted_at: ctx.now,
            received_at: None,
            accepted_at: None,
            due_date: None,
            due_at: None,
            reappointment: None,
            current_step: None,
            steps: spec.steps.iter().map(StepRecord::from).collect(),
            pauses: Vec::new(),
            assignee: None,
            result: None,
            reason: None,
            finished_at: None,
            returned_at: None,
            return_channel: None,
            timeliness: None,
            register_no: None,
            returned_by_post: None,
            result_delivery,
            fees_paid: sub.fees_paid,
            fee_reduction,
            assessed_fee: None,
            notice: None,
            issued: Vec::new(),
            portal: None,
            version: 1,
        };
        let event = NewEvent {
            from_state: None,
            to_state: State::Submitted,
            actor_id: Some(ctx.actor.user_id),
            at: ctx.now,
            data: EventData {
                detail: EventDetail::Submitted { channel: dossier.channel },
                portal_status: Some(State::Submitted.portal_status()),
                warnings: Vec::new(),
            },
        };
        Ok(Transition { dossier, event, warnings: Vec::new() })
    }

    /// A dossier taken at the counter or from the post: received, checked on the spot and
    /// accepted in one change (Mẫu 01), with `ctx.new_code` as its code. One event, `accept`, so
    /// one message to the applicant (the acceptance, never "received online"), and one write:
    /// a crash can leave no dossier without a code.
    pub fn take_in(
        version: &ProcedureVersion,
        agency_code: AgencyCode,
        sub: Submission,
        ctx: &Context<'_>,
    ) -> Result<Transition, DomainError> {
        if sub.channel == Channel::Online {
            return Err(DomainError::field("channel", "hồ sơ trực tuyến do người nộp gửi, không tiếp nhận tại quầy"));
        }
        let channel = sub.channel;
        let submitted = Dossier::submit(version, agency_code, sub, ctx)?;
        let mut t = submitted.dossier.apply(Action::Accept, ctx)?;
        t.dossier.version = 1;
        t.event.from_state = None;
        if let EventDetail::Accept { channel: c, .. } = &mut t.event.data.detail {
            *c = Some(channel);
        }
        Ok(t)
    }

    /// A walk-in turned away at the counter: recorded as a dossier never accepted (no code, no
    /// clock), asked to complete (Mẫu 02) or refused (Mẫu 03), in one change with one event.
    pub fn turn_away(
        version: &ProcedureVersion,
        agency_code: AgencyCode,
        sub: Submission,
        why: TurnAway,
        ctx: &Context<'_>,
    ) -> Result<Transition, DomainError> {
        if sub.channel != Channel::Counter {
            return Err(DomainError::field("channel", "chỉ hướng dẫn hoặc từ chối người nộp trực tiếp tại quầy"));
        }
        let submitted = Dossier::submit(version, agency_code, sub, ctx)?;
        let basis = |text: &str| {
            crate::text::clean(text, crate::text::NOTE_MAX, true).map_err(|e| DomainError::field("legal_basis", e))
        };
        let (action, notice) = match why {
            TurnAway::Complete { items, reason, legal_basis, contact } => {
                let items = items
                    .iter()
                    .map(|i| {
                        crate::text::clean(i, crate::text::NOTE_MAX, false).map_err(|e| DomainError::field("items", e))
                    })
                    .filter(|i| !matches!(i, Ok(t) if t.is_empty()))
                    .collect::<Result<Vec<_>, _>>()?;
                if items.is_empty() {
                    return Err(DomainError::field("items", "cần nêu giấy tờ, nội dung phải bổ sung, hoàn thiện"));
                }
                let contact = crate::text::clean(&contact, crate::text::NOTE_MAX, false)
                    .map_err(|e| DomainError::field("contact", e))?;
                (Action::AskToComplete { reason }, Notice { items, legal_basis: basis(&legal_basis)?, contact })
            }
            TurnAway::Refuse { reason, legal_basis } => (
                Action::RefuseIntake { reason },
                Notice { items: Vec::new(), legal_basis: basis(&legal_basis)?, contact: String::new() },
            ),
        };
        if notice.legal_basis.is_empty() {
            return Err(DomainError::field("legal_basis", "cần nêu căn cứ pháp lý"));
        }
        let mut t = submitted.dossier.apply(action, ctx)?;
        t.dossier.version = 1;
        t.dossier.notice = Some(notice);
        t.event.from_state = None;
        Ok(t)
    }

    /// Applies `action`, or says why not. The dossier itself is not changed.
    pub fn apply(&self, action: Action, ctx: &Context<'_>) -> Result<Transition, DomainError> {
        use State::*;
        let actor = ctx.actor;
        let agency = self.agency_id;
        let cal = ctx.calendar;
        let now = ctx.now;
        let mut d = self.clone();
        let mut warnings = Vec::new();
        let wrong_state = || DomainError::InvalidTransition {
            action: action.kind().verb_vi().to_owned(),
            state: self.state.label_vi().to_owned(),
        };
        let forbid = || DomainError::Forbidden(action.kind().verb_vi().to_owned());
        let is_owner = actor.citizen && self.citizen_user_id == Some(actor.user_id);
        let require = |allowed: bool| if allowed { Ok(()) } else { Err(forbid()) };
        // The one-stop counter of this dossier, and the counter that hands the result over.
        let reception = actor.has_role(Role::Reception, agency, self.intake_unit());
        let hands_over = actor.has_role(Role::Reception, agency, self.return_unit());
        // The person working the current step, and the leads of the unit holding the dossier.
        let works_step = self.step().is_some_and(|s| actor.may_work_step(s.role, agency, &s.unit));
        let holding_lead = actor.has_role(Role::AgencyLead, agency, None)
            || self.step().is_some_and(|s| actor.has_role(Role::UnitLead, agency, Some(&s.unit)));

        let detail = match &action {
            Action::Accept => {
                if !matches!(self.state, Submitted) {
                    return Err(wrong_state());
                }
                require(reception)?;
                if self.channel == Channel::Online
                    && let Some(missing) = self.documents.iter().find(|doc| doc.required && doc.file.is_none())
                {
                    return Err(DomainError::Rule(format!(
                        "hồ sơ trực tuyến thiếu giấy tờ bắt buộc: {}",
                        missing.name
                    )));
                }
                let code = ctx.new_code.clone().ok_or_else(|| DomainError::Rule("chưa cấp được mã hồ sơ".into()))?;
                let received = match &self.postal {
                    Some(p) if self.channel == Channel::Postal => p.handover_at,
                    _ => now,
                };
                let due = cal.due(received, self.time_limit)?;
                d.code = Some(code.clone());
                d.received_at = Some(received);
                d.accepted_at = Some(now);
                d.due_date = Some(due.date);
                d.due_at = Some(due.at);
                d.state = Accepted;
                start_step(&mut d, 0, now, cal)?;
                EventDetail::Accept { code, due_date: due.date, due_at: due.at, received_at: received, channel: None }
            }
            Action::AskToComplete { reason } => {
                if !matches!(self.state, Submitted) {
                    return Err(wrong_state());
                }
                require(reception)?;
                let reason = need(reason, "reason")?;
                d.state = NeedsCompletion;
                d.reason = Some(reason.clone());
                EventDetail::AskToComplete { reason }
            }
            Action::Resubmit => {
                if !matches!(self.state, NeedsCompletion) {
                    return Err(wrong_state());
                }
                require(is_owner || reception)?;
                d.state = Submitted;
                d.reason = None;
                EventDetail::Resubmit {}
            }
            Action::RefuseIntake { reason } => {
                if !matches!(self.state, Submitted | NeedsCompletion) {
                    return Err(wrong_state());
                }
                require(reception)?;
                let reason = need(reason, "reason")?;
                d.state = RefusedAtIntake;
                d.reason = Some(reason.clone());
                d.finished_at = Some(now);
                EventDetail::RefuseIntake { reason }
            }
            Action::Forward { note, assignee } => {
                if !matches!(self.state, Accepted | Processing) {
                    return Err(wrong_state());
                }
                let (index, step) = self.current().ok_or_else(wrong_state)?;
                require(works_step)?;
                if Some(index) == self.decision_step() {
                    return Err(DomainError::Rule(
                        "đây là bước quyết định của quy trình: hãy duyệt kết quả hoặc từ chối giải quyết".into(),
                    ));
                }
                if index + 1 >= self.steps.len() {
                    return Err(DomainError::Rule(
                        "đây là bước cuối của quy trình: hãy duyệt kết quả hoặc trả kết quả".into(),
                    ));
                }
                let note = maybe(note, "note")?;
                finish_step(&mut d, index, now, actor.user_id, note.clone());
                start_step(&mut d, index + 1, now, cal)?;
                d.state = Processing;
                d.assignee = *assignee;
                EventDetail::Forward {
                    from_step: step.name,
                    to_step: d.steps[index + 1].name.clone(),
                    note,
                    assignee: *assignee,
                }
            }
            Action::SendBack { note } => {
                if !matches!(self.state, Processing) {
                    return Err(wrong_state());
                }
                let (index, step) = self.current().ok_or_else(wrong_state)?;
                require(works_step)?;
                if index == 0 {
                    return Err(DomainError::Rule("không có bước trước để trả lại".into()));
                }
                let note = need(note, "note")?;
                finish_step(&mut d, index, now, actor.user_id, Some(note.clone()));
                start_step(&mut d, index - 1, now, cal)?;
                d.assignee = None;
                if index - 1 == 0 {
                    d.state = Accepted;
                }
                EventDetail::SendBack { from_step: step.name, to_step: d.steps[index - 1].name.clone(), note }
            }
            Action::RequestSupplement { reason } => {
                if !matches!(self.state, Accepted | Processing) {
                    return Err(wrong_state());
                }
                require(works_step)?;
                let reason = need(reason, "reason")?;
                let accepted = self.accepted_at.map(|a| a.date()).unwrap_or(now.date());
                let days = rules_for(self.submitted_at.date()).supplement_request_days;
                let limit = cal.add_working_days(accepted, days)?;
                if now.date() > limit {
                    warnings.push(format!(
                        "yêu cầu bổ sung muộn hơn {days} ngày làm việc kể từ ngày tiếp nhận (hạn {})",
                        limit.format("%d/%m/%Y")
                    ));
                }
                d.pauses.push(PauseRecord { kind: PauseKind::Supplement, from: now, to: None, reason: reason.clone() });
                d.state = AwaitingSupplement;
                EventDetail::RequestSupplement { reason, late_request: !warnings.is_empty() }
            }
            Action::SupplementReceived { note } | Action::PaymentReceived { note } => {
                let (wanted_state, kind) = match action {
                    Action::SupplementReceived { .. } => (AwaitingSupplement, PauseKind::Supplement),
                    _ => (AwaitingPayment, PauseKind::Payment),
                };
                if self.state != wanted_state {
                    return Err(wrong_state());
                }
                // The counter receives papers and payment slips, the step's officer may confirm
                // them; the applicant may say a supplement is in, never that a fee is paid (an
                // officer or, later, the payment provider confirms that).
                let owner_may = is_owner && kind == PauseKind::Supplement;
                require(owner_may || reception || works_step)?;
                let note = maybe(note, "note")?;
                if let Some(p) = d.pauses.iter_mut().rev().find(|p| p.kind == kind && p.to.is_none()) {
                    p.to = Some(now);
                }
                extend_step_deadline(&mut d, cal)?;
                d.state = if d.current_step == Some(0) { Accepted } else { Processing };
                recompute_due(&mut d, cal)?;
                if kind == PauseKind::Supplement {
                    EventDetail::SupplementReceived { note, due_date: d.due_date, due_at: d.due_at }
                } else {
                    EventDetail::PaymentReceived { note, due_date: d.due_date, due_at: d.due_at }
                }
            }
            Action::RequestPayment { reason, assessed } => {
                if !matches!(self.state, Accepted | Processing) {
                    return Err(wrong_state());
                }
                require(works_step)?;
                let reason = need(reason, "reason")?;
                let assessed = *assessed;
                if let Some(a) = assessed
                    && (a.amount.0 == 0 || a.amount.0 > 999_999_999_999)
                {
                    return Err(DomainError::field("amount", "số tiền từ 1 đồng đến dưới 1.000 tỷ đồng"));
                }
                d.pauses.push(PauseRecord { kind: PauseKind::Payment, from: now, to: None, reason: reason.clone() });
                d.state = AwaitingPayment;
                d.assessed_fee = assessed.map(|a| crate::catalog::FeeLine {
                    name: reason.chars().take(200).collect(),
                    amount: a.amount,
                    note: None,
                    kind: Some(a.kind),
                    channels: Vec::new(),
                    code: None,
                    legal_basis: None,
                    reductions: Vec::new(),
                });
                EventDetail::RequestPayment { reason, assessed }
            }
            Action::Reappoint { new_due_date, reason } => {
                if !matches!(self.state, Accepted | Processing | AwaitingSupplement | AwaitingPayment) {
                    return Err(wrong_state());
                }
                require(holding_lead)?;
                let reason = need(reason, "reason")?;
                let max = rules_for(self.submitted_at.date()).max_reappointments;
                if max == 0 || self.reappointment.is_some() {
                    return Err(DomainError::Rule("chỉ được hẹn lại ngày trả kết quả một lần".into()));
                }
                let due = self.due_date.ok_or_else(wrong_state)?;
                let latest = cal.latest_apology_date(due)?;
                if now.date() > latest {
                    return Err(DomainError::Rule(format!(
                        "văn bản xin lỗi phải gửi chậm nhất 01 ngày làm việc trước hạn ({}), nay đã quá",
                        latest.format("%d/%m/%Y")
                    )));
                }
                if *new_due_date <= due {
                    return Err(DomainError::field("new_due_date", "ngày hẹn mới phải sau ngày hẹn cũ"));
                }
                if *new_due_date > cal.add_working_days(due, ctx.max_reappoint_days)? {
                    return Err(DomainError::field(
                        "new_due_date",
                        format!("ngày hẹn mới quá {} ngày làm việc sau ngày hẹn cũ", ctx.max_reappoint_days),
                    ));
                }
                if !cal.is_working_day(*new_due_date)? {
                    return Err(DomainError::field("new_due_date", "ngày hẹn mới phải là ngày làm việc"));
                }
                d.reappointment = Some(Reappointment {
                    at: now,
                    previous_due_date: due,
                    new_due_date: *new_due_date,
                    reason: reason.clone(),
                });
                d.due_date = Some(*new_due_date);
                d.due_at = Some(cal.end_of(*new_due_date));
                EventDetail::Reappoint { previous_due_date: due, new_due_date: *new_due_date, reason }
            }
            Action::MoveDueDate { new_due_date, reason } => {
                if !matches!(self.state, Accepted | Processing | AwaitingSupplement | AwaitingPayment) {
                    return Err(wrong_state());
                }
                require(actor.has_role(Role::AgencyLead, agency, None))?;
                let reason = need(reason, "reason")?;
                let due = self.due_date.ok_or_else(wrong_state)?;
                if cal.is_working_day(due)? {
                    return Err(DomainError::Rule(format!(
                        "ngày hẹn {} vẫn là ngày làm việc: không dời",
                        due.format("%d/%m/%Y")
                    )));
                }
                // The documented rule: the next working day, no later.
                let next = cal.next_working_day(due)?;
                if *new_due_date != next {
                    return Err(DomainError::field(
                        "new_due_date",
                        format!("ngày hẹn mới là ngày làm việc kế tiếp: {}", next.format("%d/%m/%Y")),
                    ));
                }
                d.due_date = Some(next);
                d.due_at = Some(cal.end_of(next));
                EventDetail::MoveDueDate { previous_due_date: due, new_due_date: next, reason }
            }
            Action::Refuse { reason, legal_basis } => {
                if !matches!(self.state, Processing | AwaitingSupplement | AwaitingPayment) {
                    return Err(wrong_state());
                }
                require(holding_lead)?;
                let reason = need(reason, "reason")?;
                let legal_basis = maybe(legal_basis, "legal_basis")?.unwrap_or_default();
                d.notice = Some(Notice { legal_basis, ..Default::default() });
                close_pauses(&mut d, now);
                if let Some(i) = d.current_step {
                    finish_step(&mut d, i, now, actor.user_id, Some(reason.clone()));
                }
                d.current_step = None;
                d.state = Stopped;
                d.reason = Some(reason.clone());
                d.finished_at = Some(now);
                EventDetail::Refuse { reason }
            }
            Action::Withdraw { reason } => {
                if self.state.is_terminal() || matches!(self.state, ResultReady) {
                    return Err(wrong_state());
                }
                require(is_owner || reception)?;
                let reason = need(reason, "reason")?;
                close_pauses(&mut d, now);
                d.current_step = None;
                d.state = Stopped;
                d.reason = Some(reason.clone());
                d.finished_at = Some(now);
                EventDetail::Withdraw { reason, portal_statuses: vec![7, 8] }
            }
            Action::Approve { result_number, result_date } => {
                if !matches!(self.state, Processing) {
                    return Err(wrong_state());
                }
                let (index, step) = self.current().ok_or_else(wrong_state)?;
                if Some(index) != self.decision_step() {
                    return Err(DomainError::Rule(format!(
                        "chỉ duyệt kết quả ở bước quyết định của quy trình; hồ sơ đang ở bước \"{}\"",
                        step.name
                    )));
                }
                require(actor.may_decide_step(step.role, agency, &step.unit))?;
                let number = crate::text::clean(result_number, crate::text::CODE_MAX, false)
                    .map_err(|e| DomainError::field("result_number", e))?;
                if number.is_empty() {
                    return Err(DomainError::field("result_number", "cần số văn bản kết quả"));
                }
                if *result_date > now.date() {
                    return Err(DomainError::field("result_date", "ngày ký kết quả không thể ở tương lai"));
                }
                finish_step(&mut d, index, now, actor.user_id, Some(format!("Duyệt kết quả số {number}")));
                // The remaining step is the return of the result, at the one-stop unit.
                let last = d.steps.len() - 1;
                if index < last {
                    start_step(&mut d, last, now, cal)?;
                } else {
                    d.current_step = None;
                }
                d.result = Some(ResultDocument { number: number.clone(), date: *result_date, file: None });
                d.state = ResultReady;
                d.finished_at = Some(now);
                EventDetail::Approve { result_number: number, result_date: *result_date }
            }
            Action::ReturnResult { channel, postal } => {
                if !matches!(self.state, ResultReady) {
                    return Err(wrong_state());
                }
                require(hands_over || reception)?;
                d.returned_by_post = match (channel, postal) {
                    (Channel::Postal, Some(p)) => Some(p.checked()?),
                    (Channel::Postal, None) => {
                        return Err(DomainError::field(
                            "return_tracking_number",
                            "trả kết quả qua bưu chính cần địa chỉ nhận và số hiệu bưu gửi",
                        ));
                    }
                    _ => None,
                };
                // A result returned online is its file: without one there is nothing to return.
                if *channel == Channel::Online && d.result.as_ref().and_then(|r| r.file.as_ref()).is_none() {
                    return Err(DomainError::field(
                        "channel",
                        "trả kết quả trực tuyến cần tệp kết quả: đính kèm tệp kết quả (bản điện tử) trước",
                    ));
                }
                if let Some(i) = d.current_step {
                    finish_step(&mut d, i, now, actor.user_id, None);
                }
                d.current_step = None;
                let timeliness = match (d.due_date, d.due_at, d.finished_at) {
                    (Some(date), Some(at), Some(done)) => {
                        if done > at {
                            Timeliness::Late
                        } else if done.date() < date {
                            Timeliness::Early
                        } else {
                            Timeliness::OnTime
                        }
                    }
                    _ => Timeliness::OnTime,
                };
                d.state = Returned;
                d.returned_at = Some(now);
                d.return_channel = Some(*channel);
                d.timeliness = Some(timeliness);
                EventDetail::ReturnResult { channel: *channel, timeliness }
            }
            Action::AttachResult { file } => {
                if !matches!(self.state, ResultReady | Returned) {
                    return Err(wrong_state());
                }
                let decider = self
                    .decision_step()
                    .and_then(|i| self.steps.get(i))
                    .is_some_and(|s| actor.may_decide_step(s.role, agency, &s.unit));
                require(hands_over || reception || decider)?;
                let result = d.result.as_mut().ok_or_else(wrong_state)?;
                result.file = Some(file.clone());
                EventDetail::AttachResult { file: file.name.clone(), sha256: file.sha256.clone() }
            }
            Action::AttachDocument { index, file } => {
                // Documents are locked once the result is ready: what was decided on stays.
                let open_to_applicant = matches!(self.state, Submitted | NeedsCompletion | AwaitingSupplement);
                let open_to_staff = !self.state.is_terminal() && !matches!(self.state, ResultReady);
                let staff = reception || works_step;
                if !(is_owner && open_to_applicant || staff && open_to_staff) {
                    return Err(if !open_to_staff || is_owner { wrong_state() } else { forbid() });
                }
                let line = d
                    .documents
                    .get_mut(*index)
                    .ok_or_else(|| DomainError::field("index", format!("thủ tục không có giấy tờ số {index}")))?;
                if line.file.is_none() {
                    line.file = Some(file.clone());
                } else if !line.files().any(|f| f.sha256 == file.sha256) {
                    line.scans.push(file.clone());
                }
                line.received = true;
                if line.form.is_none() {
                    line.form = Some(super::PaperForm::Electronic);
                }
                EventDetail::AttachDocument {
                    index: *index,
                    document: line.name.clone(),
                    file: file.name.clone(),
                    sha256: file.sha256.clone(),
                }
            }
        };
        if let Some(kind) = action.issues() {
            d.issued.push(IssuedForm { kind, number: None, at: now });
        }
        d.version += 1;
        let event = NewEvent {
            from_state: Some(self.state),
            to_state: d.state,
            actor_id: Some(actor.user_id),
            at: now,
            data: EventData { detail, portal_status: Some(d.portal_status()), warnings: warnings.clone() },
        };
        Ok(Transition { dossier: d, event, warnings })
    }

    fn current(&self) -> Option<(usize, StepRecord)> {
        self.current_step.and_then(|i| self.steps.get(i).map(|s| (i, s.clone())))
    }

    /// The unit of the one-stop counter that takes this dossier in: the first reception step's.
    pub fn intake_unit(&self) -> Option<&str> {
        self.steps.iter().find(|s| s.role == Role::Reception).map(|s| s.unit.as_str())
    }

    /// The unit that hands the result over: the last step's, where it is a reception step; else
    /// the intake counter.
    pub fn return_unit(&self) -> Option<&str> {
        match self.steps.last() {
            Some(s) if s.role == Role::Reception => Some(s.unit.as_str()),
            _ => self.intake_unit(),
        }
    }

    /// The step at which the result is decided: the last step not at the counter (the steps
    /// after it only hand the result over).
    pub fn decision_step(&self) -> Option<usize> {
        self.steps.iter().rposition(|s| s.role != Role::Reception).or(self.steps.len().checked_sub(1))
    }
}

fn start_step(d: &mut Dossier, index: usize, now: NaiveDateTime, cal: &WorkCalendar) -> Result<(), DomainError> {
    let step = &mut d.steps[index];
    let due = cal.due(now, step.budget)?;
    step.started_at = Some(now);
    step.deadline = Some(due.at);
    step.finished_at = None;
    step.finished_by = None;
    step.on_time = None;
    d.current_step = Some(index);
    Ok(())
}

/// The current step's clock stops while the dossier waits for a supplement or a payment, as the
/// dossier's own does: its deadline is its budget counted from its start, without the pauses
/// that began after it started.
fn extend_step_deadline(d: &mut Dossier, cal: &WorkCalendar) -> Result<(), DomainError> {
    let Some(index) = d.current_step else { return Ok(()) };
    let Some(started) = d.steps[index].started_at else { return Ok(()) };
    let pauses: Vec<Pause> = d
        .pauses
        .iter()
        .filter(|p| p.from >= started)
        .filter_map(|p| p.to.map(|to| Pause { from: p.from, to }))
        .collect();
    if pauses.is_empty() {
        return Ok(());
    }
    let due = cal.due_with_pauses(started, d.steps[index].budget, &pauses, SupplementRule::PauseClock)?;
    d.steps[index].deadline = Some(due.at);
    Ok(())
}

fn finish_step(d: &mut Dossier, index: usize, now: NaiveDateTime, by: Uuid, note: Option<String>) {
    let step = &mut d.steps[index];
    step.finished_at = Some(now);
    step.finished_by = Some(by);
    step.on_time = step.deadline.map(|deadline| now <= deadline);
    step.note = note;
}

fn close_pauses(d: &mut Dossier, now: NaiveDateTime) {
    for p in d.pauses.iter_mut().filter(|p| p.to.is_none()) {
        p.to = Some(now);
    }
}

/// The due date after the clock stopped: supplements follow the rules (restart by default),
/// payments always pause. A re-appointment is not overridden by an earlier computed date.
fn recompute_due(d: &mut Dossier, cal: &WorkCalendar) -> Result<(), DomainError> {
    let Some(received) = d.received_at else { return Ok(()) };
    let rule = rules_for(d.submitted_at.date()).supplement_rule;
    let closed = |kind: PauseKind| {
        d.pauses.iter().filter(move |p| p.kind == kind).filter_map(|p| p.to.map(|to| Pause { from: p.from, to }))
    };
    let mut start = received;
    let mut pauses: Vec<Pause> = closed(PauseKind::Payment).collect();
    match rule {
        SupplementRule::RestartClock => {
            if let Some(last) = closed(PauseKind::Supplement).map(|p| p.to).max() {
                start = last;
                pauses.retain(|p| p.from >= last);
            }
        }
        SupplementRule::PauseClock => pauses.extend(closed(PauseKind::Supplement)),
    }
    let due = cal.due_with_pauses(start, d.time_limit, &pauses, SupplementRule::PauseClock)?;
    let (date, at) = match &d.reappointment {
        Some(r) if r.new_due_date > due.date => (r.new_due_date, cal.end_of(r.new_due_date)),
        _ => (due.date, due.at),
    };
    d.due_date = Some(date);
    d.due_at = Some(at);
    Ok(())
}

impl Dossier {
    /// The actions `ctx.actor` may take on this dossier at `ctx.now`, by name: each is tried with
    /// plausible values (a reason, the next working day, a file), so the answer is the rules'
    /// own — state, role, unit and step — and pages offer exactly what the server will accept.
    pub fn allowed_actions(&self, ctx: &Context<'_>) -> Vec<EventKind> {
        let placeholder = AgencyCode::parse("000.00.00.A00").ok().map(|a| DossierCode::new(&a, ctx.now.date(), 1, 4));
        let ctx = Context { new_code: ctx.new_code.clone().or(placeholder), ..*ctx };
        ACTIONS
            .into_iter()
            .filter(|kind| self.sample(*kind, &ctx).is_some_and(|a| self.apply(a, &ctx).is_ok()))
            .collect()
    }

    /// A plausible action of kind `kind`, to ask the rules whether it would be allowed.
    fn sample(&self, kind: EventKind, ctx: &Context<'_>) -> Option<Action> {
        let cal = ctx.calendar;
        let reason = || "—".to_owned();
        use EventKind as K;
        Some(match kind {
            K::Accept => Action::Accept,
            K::AskToComplete => Action::AskToComplete { reason: reason() },
            K::Resubmit => Action::Resubmit,
            K::RefuseIntake => Action::RefuseIntake { reason: reason() },
            K::Forward => Action::Forward { note: None, assignee: None },
            K::SendBack => Action::SendBack { note: reason() },
            K::RequestSupplement => Action::RequestSupplement { reason: reason() },
            K::SupplementReceived => Action::SupplementReceived { note: None },
            K::RequestPayment => Action::RequestPayment { reason: reason(), assessed: None },
            K::PaymentReceived => Action::PaymentReceived { note: None },
            K::Reappoint => {
                Action::Reappoint { new_due_date: cal.add_working_days(self.due_date?, 5).ok()?, reason: reason() }
            }
            K::MoveDueDate => {
                Action::MoveDueDate { new_due_date: cal.next_working_day(self.due_date?).ok()?, reason: reason() }
            }
            K::Refuse => Action::Refuse { reason: reason(), legal_basis: None },
            K::Withdraw => Action::Withdraw { reason: reason() },
            K::Approve => Action::Approve { result_number: "1".into(), result_date: ctx.now.date() },
            K::ReturnResult => Action::ReturnResult { channel: Channel::Counter, postal: None },
            K::AttachDocument => Action::AttachDocument {
                index: 0,
                file: FileRef {
                    sha256: "0".repeat(64),
                    name: "tep.pdf".into(),
                    content_type: "application/pdf".into(),
                    size: 1,
                },
            },
            K::Submitted | K::AttachResult => return None,
        })
    }
}
