//! Domain errors. Each has a stable snake_case code for clients and a Vietnamese message for
//! people; the HTTP edge maps the variant to a status code, nothing else.

use serde::Serialize;

/// One field's problem, for form and API error lists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> FieldError {
        FieldError { field: field.into(), message: message.into() }
    }
}

/// Why the domain refused something.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DomainError {
    /// The input is malformed; each field says why.
    #[error("dữ liệu không hợp lệ")]
    Invalid(Vec<FieldError>),
    /// The action is not allowed in the dossier's current state.
    #[error("không thể {action} khi hồ sơ đang ở trạng thái \"{state}\"")]
    InvalidTransition { action: String, state: String },
    /// The actor lacks the role, or the role is for another agency or unit.
    #[error("bạn không có quyền {0}")]
    Forbidden(String),
    /// A rule of the procedure or the regulations forbids it (e.g. a second re-appointment).
    #[error("{0}")]
    Rule(String),
    /// The calendar cannot answer (a date outside its range).
    #[error("lịch làm việc: {0}")]
    Calendar(String),
}

impl DomainError {
    pub fn field(field: &str, message: impl Into<String>) -> DomainError {
        DomainError::Invalid(vec![FieldError::new(field, message)])
    }

    /// The stable code clients match on.
    pub fn code(&self) -> &'static str {
        match self {
            DomainError::Invalid(_) => "invalid_input",
            DomainError::InvalidTransition { .. } => "invalid_transition",
            DomainError::Forbidden(_) => "forbidden",
            DomainError::Rule(_) => "rule_violation",
            DomainError::Calendar(_) => "calendar_error",
        }
    }
}

impl From<motcua_calendar::CalendarError> for DomainError {
    fn from(e: motcua_calendar::CalendarError) -> Self {
        DomainError::Calendar(e.to_string())
    }
}
