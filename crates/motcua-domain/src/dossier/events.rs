//! What a dossier's events are: one [`EventKind`] per change (an action taken, or the online
//! submission), named and labelled in one place for the API, the officer's page, the citizen's
//! page, the public lookup, the kiosk and the messages; and one typed [`EventDetail`] per kind,
//! so what the timeline and the notification worker read is checked by the compiler (a renamed
//! field is a compile error, not an SMS without its due date).
//!
//! Stored, an event is its kind (a column) and its data: the detail's fields with the portal
//! status and any warnings, as a JSON object ([`EventData::to_json`], [`EventData::from_json`]).

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::Timeliness;
use crate::catalog::Channel;
use crate::types::DossierCode;

/// The kind of a dossier event, and of the action that made it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Submitted,
    Accept,
    AskToComplete,
    Resubmit,
    RefuseIntake,
    Forward,
    SendBack,
    RequestSupplement,
    SupplementReceived,
    RequestPayment,
    PaymentReceived,
    Reappoint,
    MoveDueDate,
    Refuse,
    Withdraw,
    Approve,
    ReturnResult,
    AttachDocument,
    AttachResult,
}

/// The actions a person takes from a dossier's page, in the order pages offer them. (The
/// result's file is attached from its own form, the submission is not an action on a dossier.)
pub const ACTIONS: [EventKind; 17] = [
    EventKind::Accept,
    EventKind::AskToComplete,
    EventKind::Resubmit,
    EventKind::RefuseIntake,
    EventKind::Forward,
    EventKind::SendBack,
    EventKind::RequestSupplement,
    EventKind::SupplementReceived,
    EventKind::RequestPayment,
    EventKind::PaymentReceived,
    EventKind::Reappoint,
    EventKind::MoveDueDate,
    EventKind::Refuse,
    EventKind::Withdraw,
    EventKind::Approve,
    EventKind::ReturnResult,
    EventKind::AttachDocument,
];

impl EventKind {
    /// The stored and wire name (`accept`, `send_back`…), also the message template's key.
    ///
    /// ```
    /// use motcua_domain::dossier::EventKind;
    /// assert_eq!(EventKind::all().count(), 19);
    /// assert!(EventKind::all().all(|k| EventKind::parse(k.as_str()) == Some(k)));
    /// ```
    pub fn as_str(self) -> &'static str {
        self.words().0
    }

    /// The kind named `name`, if there is one.
    pub fn parse(name: &str) -> Option<EventKind> {
        EventKind::all().find(|k| k.as_str() == name)
    }

    /// Every kind: the submission, the actions, the result's file.
    pub fn all() -> impl Iterator<Item = EventKind> {
        std::iter::once(EventKind::Submitted).chain(ACTIONS).chain([EventKind::AttachResult])
    }

    /// The event as a person reads it on a timeline.
    ///
    /// ```
    /// use motcua_domain::dossier::EventKind;
    /// assert_eq!(EventKind::Accept.label(false), "Tiếp nhận hồ sơ");
    /// assert_eq!(EventKind::Accept.label(true), "Accepted");
    /// ```
    pub fn label(self, english: bool) -> &'static str {
        let (_, vi, en, _) = self.words();
        if english { en } else { vi }
    }

    /// The action as a verb, for an error ("không thể {verb} khi hồ sơ …") or a button.
    pub fn verb_vi(self) -> &'static str {
        self.words().3
    }

    /// (name, timeline label in Vietnamese, in English, the action as a Vietnamese verb).
    fn words(self) -> (&'static str, &'static str, &'static str, &'static str) {
        use EventKind::*;
        match self {
            Submitted => ("submitted", "Nộp hồ sơ", "Submitted", "nộp hồ sơ"),
            Accept => ("accept", "Tiếp nhận hồ sơ", "Accepted", "tiếp nhận hồ sơ"),
            AskToComplete => {
                ("ask_to_complete", "Yêu cầu hoàn thiện hồ sơ", "Completion requested", "yêu cầu hoàn thiện hồ sơ")
            }
            Resubmit => ("resubmit", "Nộp lại hồ sơ", "Resubmitted", "nộp lại hồ sơ đã hoàn thiện"),
            RefuseIntake => ("refuse_intake", "Từ chối tiếp nhận", "Not accepted", "từ chối tiếp nhận"),
            Forward => ("forward", "Chuyển xử lý", "Passed on", "chuyển bước tiếp theo"),
            SendBack => ("send_back", "Trả lại bước trước", "Sent back", "trả lại bước trước"),
            RequestSupplement => {
                ("request_supplement", "Yêu cầu bổ sung", "Documents requested", "yêu cầu bổ sung hồ sơ")
            }
            SupplementReceived => {
                ("supplement_received", "Nhận hồ sơ bổ sung", "Documents received", "nhận hồ sơ bổ sung")
            }
            RequestPayment => (
                "request_payment",
                "Yêu cầu thực hiện nghĩa vụ tài chính",
                "Fees or taxes requested",
                "yêu cầu thực hiện nghĩa vụ tài chính",
            ),
            PaymentReceived => (
                "payment_received",
                "Đã thực hiện nghĩa vụ tài chính",
                "Fees or taxes paid",
                "xác nhận đã thực hiện nghĩa vụ tài chính",
            ),
            Reappoint => (
                "reappoint",
                "Xin lỗi và hẹn lại ngày trả kết quả",
                "Apology and new date",
                "xin lỗi và hẹn lại ngày trả kết quả",
            ),
            MoveDueDate => (
                "move_due_date",
                "Dời ngày hẹn trả do ngày nghỉ mới",
                "Due date moved past a new day off",
                "dời ngày hẹn trả do ngày nghỉ mới",
            ),
            Refuse => ("refuse", "Từ chối giải quyết", "Refused", "từ chối giải quyết"),
            Withdraw => ("withdraw", "Dừng giải quyết theo yêu cầu", "Withdrawn", "dừng giải quyết theo yêu cầu"),
            Approve => ("approve", "Có kết quả", "Result ready", "duyệt kết quả"),
            ReturnResult => ("return_result", "Đã trả kết quả", "Result returned", "trả kết quả"),
            AttachDocument => ("attach_document", "Nộp giấy tờ", "Document added", "nộp tệp giấy tờ"),
            AttachResult => ("attach_result", "Đính kèm tệp kết quả", "Result file added", "đính kèm tệp kết quả"),
        }
    }
}

impl std::fmt::Display for EventKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for EventKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        EventKind::parse(s).ok_or_else(|| format!("không có loại sự kiện \"{s}\""))
    }
}

/// What an event records, by kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventDetail {
    Submitted {
        channel: Channel,
    },
    Accept {
        code: DossierCode,
        due_date: NaiveDate,
        due_at: NaiveDateTime,
        received_at: NaiveDateTime,
        /// The channel of a dossier taken in and accepted in one change (counter, post).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        channel: Option<Channel>,
    },
    AskToComplete {
        reason: String,
    },
    Resubmit {},
    RefuseIntake {
        reason: String,
    },
    Forward {
        from_step: String,
        to_step: String,
        #[serde(default)]
        note: Option<String>,
        #[serde(default)]
        assignee: Option<Uuid>,
    },
    SendBack {
        from_step: String,
        to_step: String,
        note: String,
    },
    RequestSupplement {
        reason: String,
        /// Asked later than the rules allow (the person acting was warned).
        #[serde(default)]
        late_request: bool,
    },
    SupplementReceived {
        #[serde(default)]
        note: Option<String>,
        due_date: Option<NaiveDate>,
        due_at: Option<NaiveDateTime>,
    },
    RequestPayment {
        reason: String,
        /// The amount the appraisal fixed, when not the fee schedule's.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        assessed: Option<super::actions::Assessed>,
    },
    PaymentReceived {
        #[serde(default)]
        note: Option<String>,
        due_date: Option<NaiveDate>,
        due_at: Option<NaiveDateTime>,
    },
    Reappoint {
        previous_due_date: NaiveDate,
        new_due_date: NaiveDate,
        reason: String,
    },
    MoveDueDate {
        previous_due_date: NaiveDate,
        new_due_date: NaiveDate,
        reason: String,
    },
    Refuse {
        reason: String,
    },
    Withdraw {
        reason: String,
        /// The national portal's statuses this stop reports (7 and 8).
        #[serde(default)]
        portal_statuses: Vec<u8>,
    },
    Approve {
        result_number: String,
        result_date: NaiveDate,
    },
    ReturnResult {
        channel: Channel,
        timeliness: Timeliness,
    },
    AttachDocument {
        index: usize,
        document: String,
        file: String,
        sha256: String,
    },
    AttachResult {
        file: String,
        sha256: String,
    },
}

impl EventDetail {
    pub fn kind(&self) -> EventKind {
        use EventDetail as D;
        match self {
            D::Submitted { .. } => EventKind::Submitted,
            D::Accept { .. } => EventKind::Accept,
            D::AskToComplete { .. } => EventKind::AskToComplete,
            D::Resubmit {} => EventKind::Resubmit,
            D::RefuseIntake { .. } => EventKind::RefuseIntake,
            D::Forward { .. } => EventKind::Forward,
            D::SendBack { .. } => EventKind::SendBack,
            D::RequestSupplement { .. } => EventKind::RequestSupplement,
            D::SupplementReceived { .. } => EventKind::SupplementReceived,
            D::RequestPayment { .. } => EventKind::RequestPayment,
            D::PaymentReceived { .. } => EventKind::PaymentReceived,
            D::Reappoint { .. } => EventKind::Reappoint,
            D::MoveDueDate { .. } => EventKind::MoveDueDate,
            D::Refuse { .. } => EventKind::Refuse,
            D::Withdraw { .. } => EventKind::Withdraw,
            D::Approve { .. } => EventKind::Approve,
            D::ReturnResult { .. } => EventKind::ReturnResult,
            D::AttachDocument { .. } => EventKind::AttachDocument,
            D::AttachResult { .. } => EventKind::AttachResult,
        }
    }

    /// The reason given, for the kinds that carry one (the applicant's message quotes it).
    pub fn reason(&self) -> Option<&str> {
        use EventDetail as D;
        match self {
            D::AskToComplete { reason }
            | D::RefuseIntake { reason }
            | D::RequestSupplement { reason, .. }
            | D::RequestPayment { reason, .. }
            | D::Reappoint { reason, .. }
            | D::MoveDueDate { reason, .. }
            | D::Refuse { reason }
            | D::Withdraw { reason, .. } => Some(reason),
            _ => None,
        }
    }

    /// The due date this event set or confirmed, if it did.
    pub fn due_date(&self) -> Option<NaiveDate> {
        use EventDetail as D;
        match self {
            D::Accept { due_date, .. } => Some(*due_date),
            D::SupplementReceived { due_date, .. } | D::PaymentReceived { due_date, .. } => *due_date,
            D::Reappoint { new_due_date, .. } | D::MoveDueDate { new_due_date, .. } => Some(*new_due_date),
            _ => None,
        }
    }

    /// The new due date of a re-appointment or a move past a day off.
    pub fn new_due_date(&self) -> Option<NaiveDate> {
        match self {
            EventDetail::Reappoint { new_due_date, .. } | EventDetail::MoveDueDate { new_due_date, .. } => {
                Some(*new_due_date)
            }
            _ => None,
        }
    }

    /// The step the dossier moved to (forwarded or sent back).
    pub fn to_step(&self) -> Option<&str> {
        match self {
            EventDetail::Forward { to_step, .. } | EventDetail::SendBack { to_step, .. } => Some(to_step),
            _ => None,
        }
    }
}

/// An event's data: its detail, the national portal status the dossier reached, and the
/// warnings the person acting was shown.
#[derive(Debug, Clone, PartialEq)]
pub struct EventData {
    pub detail: EventDetail,
    pub portal_status: Option<u8>,
    pub warnings: Vec<String>,
}

impl EventData {
    pub fn kind(&self) -> EventKind {
        self.detail.kind()
    }

    /// The stored form: the detail's fields, `portal_status` and `warnings` (when there are any),
    /// in one JSON object without the kind (stored beside it).
    pub fn to_json(&self) -> serde_json::Value {
        let mut v = serde_json::to_value(&self.detail).unwrap_or_default();
        if let Some(o) = v.as_object_mut() {
            o.remove("kind");
            if let Some(s) = self.portal_status {
                o.insert("portal_status".into(), s.into());
            }
            if !self.warnings.is_empty() {
                o.insert("warnings".into(), self.warnings.clone().into());
            }
        }
        v
    }

    /// Reads the stored form back for an event of `kind`.
    ///
    /// ```
    /// use motcua_domain::dossier::{EventData, EventDetail, EventKind};
    /// let stored = serde_json::json!({ "reason": "thiếu bản vẽ", "portal_status": 5 });
    /// let data = EventData::from_json(EventKind::Refuse, stored.clone()).unwrap();
    /// assert_eq!(data.detail, EventDetail::Refuse { reason: "thiếu bản vẽ".into() });
    /// assert_eq!(data.to_json(), stored);
    /// assert!(EventData::from_json(EventKind::Approve, stored).is_err());
    /// ```
    pub fn from_json(kind: EventKind, mut v: serde_json::Value) -> Result<EventData, serde_json::Error> {
        let (portal_status, warnings) = match v.as_object_mut() {
            Some(o) => {
                o.insert("kind".into(), kind.as_str().into());
                let status = o.remove("portal_status").and_then(|s| s.as_u64()).and_then(|s| u8::try_from(s).ok());
                let warnings = match o.remove("warnings") {
                    Some(w) => serde_json::from_value(w)?,
                    None => Vec::new(),
                };
                (status, warnings)
            }
            None => (None, Vec::new()),
        };
        Ok(EventData { detail: serde_json::from_value(v)?, portal_status, warnings })
    }
}

impl Serialize for EventData {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_json().serialize(s)
    }
}
