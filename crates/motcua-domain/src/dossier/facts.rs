//! What reports and quality indices need to know about one dossier, derived from it at every
//! change and stored beside it, so that a period's report reads a few columns instead of every
//! document.
//!
//! Two rules of judgement live here because every report must apply them alike:
//! - **the due instant a dossier is judged by** is its first appointment when it was re-appointed
//!   (an apology does not make a late dossier on time); supplement and payment pauses already
//!   moved the due instant forward, which is how "supplement time is excluded" (Decision 766,
//!   indicator 2.1);
//! - **more than one supplement request makes a dossier late** (Decision 766, indicator 2.1).

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{Dossier, PauseKind, State};
use crate::catalog::Channel;
use crate::org::Role;

/// One step of the internal process as the indices see it: the unit, who finished it, and its
/// Circular 01/2018 indicator 2 score (2 shorter than its budget, 1 equal, 0 longer).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepFact {
    pub unit: String,
    pub officer: Option<Uuid>,
    pub score: Option<u8>,
}

/// How a finished dossier came out against its due instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Finish {
    /// Before the due date (trước hạn).
    Early,
    /// On the due date, by the due instant (đúng hạn).
    OnTime,
    /// After it, or with more than one supplement request (quá hạn).
    Late,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DossierFacts {
    pub dossier_id: Uuid,
    pub agency_id: Uuid,
    pub code: Option<String>,
    pub procedure_code: String,
    /// The procedure's field (lĩnh vực), filled by the store from the catalog.
    #[serde(default)]
    pub field: String,
    /// The unit in charge: the first step that is not the counter's.
    pub unit: Option<String>,
    pub channel: Channel,
    pub state: State,
    /// When the clock started (acceptance); `None` for dossiers never accepted.
    pub received_at: Option<NaiveDateTime>,
    /// The due instant the dossier is judged by (see the module's rules).
    pub due_at: Option<NaiveDateTime>,
    /// When handling ended: result ready, refused or stopped.
    pub finished_at: Option<NaiveDateTime>,
    /// Each supplement request: when it was made, and when the supplement came.
    pub supplements: Vec<(NaiveDateTime, Option<NaiveDateTime>)>,
    pub reappointed: bool,
    /// Total fees and charges, in đồng.
    pub fees: u64,
    /// A result document was produced and its file is attached.
    pub result_electronic: bool,
    /// Every document received has a file (digitised).
    pub documents_digitised: bool,
    /// The result went back online.
    pub returned_online: bool,
    pub steps: Vec<StepFact>,
}

impl DossierFacts {
    /// The due date: the day the due instant belongs to (24:00 belongs to the day before).
    pub fn due_date(&self) -> Option<NaiveDate> {
        self.due_at.map(|t| (t - chrono::Duration::seconds(1)).date())
    }

    /// Supplement requests made before `t`.
    pub fn requests_before(&self, t: NaiveDateTime) -> usize {
        self.supplements.iter().filter(|(from, _)| *from < t).count()
    }

    /// How a dossier ended at `end` comes out (Decision 766 2.1, Circular 01/2018 indicator 1),
    /// counting the supplement requests made by then.
    pub fn judge(&self, end: NaiveDateTime) -> Finish {
        match (self.due_at, self.due_date()) {
            _ if self.requests_before(end) > 1 => Finish::Late,
            (Some(due), Some(date)) => {
                if end > due {
                    Finish::Late
                } else if end.date() < date {
                    Finish::Early
                } else {
                    Finish::OnTime
                }
            }
            _ => Finish::OnTime,
        }
    }

    /// How it finished, if it did.
    pub fn finish(&self) -> Option<Finish> {
        self.finished_at.map(|t| self.judge(t))
    }

    /// Whether, unfinished at `cutoff`, it is already overdue: waiting at the cut-off for its only
    /// supplement, the request's time is what counts.
    pub fn overdue_at(&self, cutoff: NaiveDateTime) -> bool {
        let waiting = self.supplements.iter().find(|(from, to)| *from < cutoff && to.is_none_or(|t| t > cutoff));
        let end = match waiting {
            Some((since, _)) if self.requests_before(cutoff) == 1 => *since,
            _ => cutoff,
        };
        self.judge(end) == Finish::Late
    }

    pub fn online(&self) -> bool {
        self.channel == Channel::Online
    }
}

impl Dossier {
    /// The facts reports and indices read.
    pub fn facts(&self) -> DossierFacts {
        let due_at = match (&self.reappointment, self.due_at) {
            (Some(r), Some(at)) => {
                Some(NaiveDateTime::new(r.previous_due_date + (at.date() - r.new_due_date), at.time()))
            }
            (_, at) => at,
        };
        let steps = self
            .steps
            .iter()
            .filter(|s| s.finished_at.is_some())
            .map(|s| StepFact {
                unit: s.unit.clone(),
                officer: s.finished_by,
                score: match (s.finished_at, s.deadline) {
                    (Some(done), Some(deadline)) if done > deadline => Some(0),
                    (Some(done), Some(deadline)) if done.date() < deadline.date() => Some(2),
                    (Some(_), Some(_)) => Some(1),
                    _ => None,
                },
            })
            .collect();
        DossierFacts {
            dossier_id: self.id,
            agency_id: self.agency_id,
            code: self.code.as_ref().map(|c| c.as_str().to_owned()),
            procedure_code: self.procedure_code.clone(),
            field: String::new(),
            unit: self.steps.iter().find(|s| s.role != Role::Reception).or(self.steps.first()).map(|s| s.unit.clone()),
            channel: self.channel,
            state: self.state,
            received_at: self.received_at,
            due_at,
            finished_at: self.finished_at,
            supplements: self
                .pauses
                .iter()
                .filter(|p| p.kind == PauseKind::Supplement)
                .map(|p| (p.from, p.to))
                .collect(),
            reappointed: self.reappointment.is_some(),
            fees: self.total_fees().0,
            result_electronic: self.result.as_ref().is_some_and(|r| r.file.is_some()),
            documents_digitised: !self.documents.iter().any(|d| d.file.is_none() && d.required),
            returned_online: self.return_channel == Some(Channel::Online),
            steps,
        }
    }
}
