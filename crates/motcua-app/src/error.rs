//! What a use case answers when it cannot do what was asked: the domain's refusal, the store's
//! failure, or one of the few outcomes that belong to neither (a stale version, a thing that is
//! not there). The web edge maps each to its HTTP status.

use motcua_domain::DomainError;
use motcua_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The rules refuse (a field, a state, a role).
    #[error(transparent)]
    Domain(#[from] DomainError),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The thing changed since it was read, or is in a state the request does not fit.
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    /// Not there, or not there for this person.
    #[error("{0}")]
    NotFound(String),
    /// A fault of the machine, not of the request (a worker thread that died).
    #[error("{0}")]
    Internal(String),
}
