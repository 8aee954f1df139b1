//! The applicant's evaluation of how their dossier was handled (Decree 61/2018 Art. 29–31,
//! Circular 01/2018 Art. 13–14): one click for the overall answer, and optionally the four
//! indicators applicants answer — time (1), contacts to complete the dossier (3), bodies
//! contacted (4), the officers' attitude (7) — each scored 2 / 1 / 0 as the circular scores
//! them, and a comment.
//!
//! One evaluation per dossier, once the dossier is finished; it may be changed for a configured
//! number of days after it was first given.

use chrono::{Duration, NaiveDateTime};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::dossier::{Dossier, State};
use crate::error::{DomainError, FieldError};
use crate::text::nfc;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Overall {
    VerySatisfied,
    Satisfied,
    NotSatisfied,
}

impl Overall {
    pub const ALL: [Overall; 3] = [Overall::VerySatisfied, Overall::Satisfied, Overall::NotSatisfied];

    pub fn as_str(self) -> &'static str {
        match self {
            Overall::VerySatisfied => "very_satisfied",
            Overall::Satisfied => "satisfied",
            Overall::NotSatisfied => "not_satisfied",
        }
    }

    pub fn parse(s: &str) -> Option<Overall> {
        Overall::ALL.into_iter().find(|o| o.as_str() == s)
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Overall::VerySatisfied => "Rất hài lòng",
            Overall::Satisfied => "Hài lòng",
            Overall::NotSatisfied => "Không hài lòng",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Overall::VerySatisfied => "Very satisfied",
            Overall::Satisfied => "Satisfied",
            Overall::NotSatisfied => "Not satisfied",
        }
    }

    pub fn satisfied(self) -> bool {
        self != Overall::NotSatisfied
    }
}

/// The Circular 01/2018 indicators an applicant may answer, each 2 / 1 / 0.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct IndicatorAnswers {
    /// 1. Time: shorter than the law's (2), equal (1), longer (0).
    pub time: Option<u8>,
    /// 3. Times contacted to complete the dossier: none (2), once (1), more (0).
    pub contacts: Option<u8>,
    /// 4. Bodies contacted: none (2), one (1), more (0).
    pub bodies: Option<u8>,
    /// 7. Attitude: early and no trouble (2), on time and no trouble (1), harassment (0).
    pub attitude: Option<u8>,
}

/// A stored evaluation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Evaluation {
    pub dossier_id: Uuid,
    pub agency_id: Uuid,
    pub overall: Overall,
    pub answers: IndicatorAnswers,
    pub comment: Option<String>,
    /// Where it was given: `counter` (the tablet at the counter), `link` (the return message), `lookup`.
    pub channel: String,
    #[schema(value_type = String)]
    pub created_at: NaiveDateTime,
    #[schema(value_type = String)]
    pub updated_at: NaiveDateTime,
}

/// What a form sends.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct EvaluationInput {
    pub overall: Option<String>,
    pub time: Option<String>,
    pub contacts: Option<String>,
    pub bodies: Option<String>,
    pub attitude: Option<String>,
    pub comment: Option<String>,
}

/// How long an evaluation may be changed after it was first given; the default is 7 days
/// (the rules do not say; configurable).
pub const DEFAULT_CHANGE_DAYS: i64 = 7;

impl EvaluationInput {
    /// Checks the answers and that `dossier` may be evaluated now; the evaluation to store (a
    /// change keeps the first `created_at`).
    pub fn evaluate(
        &self,
        dossier: &Dossier,
        previous: Option<&Evaluation>,
        channel: &str,
        now: NaiveDateTime,
        change_days: i64,
    ) -> Result<Evaluation, DomainError> {
        if !matches!(dossier.state, State::ResultReady | State::Returned | State::Stopped) {
            return Err(DomainError::Rule("hồ sơ chưa giải quyết xong nên chưa thể đánh giá".into()));
        }
        if let Some(p) = previous
            && now > p.created_at + Duration::days(change_days)
        {
            return Err(DomainError::Rule(format!(
                "đánh giá chỉ được sửa trong {change_days} ngày kể từ lần đánh giá đầu ({})",
                p.created_at.format("%d/%m/%Y")
            )));
        }
        let mut errors = Vec::new();
        let overall = self.overall.as_deref().and_then(Overall::parse);
        if overall.is_none() {
            errors.push(FieldError::new("overall", "chọn mức độ hài lòng"));
        }
        let mut score = |name: &str, v: &Option<String>| match v.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(s @ ("0" | "1" | "2")) => s.parse().ok(),
            Some(_) => {
                errors.push(FieldError::new(name, "chọn một trong các câu trả lời"));
                None
            }
        };
        let answers = IndicatorAnswers {
            time: score("time", &self.time),
            contacts: score("contacts", &self.contacts),
            bodies: score("bodies", &self.bodies),
            attitude: score("attitude", &self.attitude),
        };
        let comment = self.comment.as_deref().map(str::trim).filter(|c| !c.is_empty()).map(nfc);
        if comment.as_ref().is_some_and(|c| c.chars().count() > 2000) {
            errors.push(FieldError::new("comment", "góp ý tối đa 2.000 ký tự"));
        }
        let Some(overall) = overall.filter(|_| errors.is_empty()) else {
            return Err(DomainError::Invalid(errors));
        };
        Ok(Evaluation {
            dossier_id: dossier.id,
            agency_id: dossier.agency_id,
            overall,
            answers,
            comment,
            channel: channel.to_owned(),
            created_at: previous.map_or(now, |p| p.created_at),
            updated_at: now,
        })
    }
}
