//! The one-stop domain: organisation and roles, the procedure catalog, dossiers and their state
//! machine, and the rules that changed over time. No SQL, no HTTP: the store and the web crates
//! depend on this one, never the other way round.

pub mod catalog;
pub mod dossier;
mod error;
pub mod evaluation;
pub mod feedback;
pub mod org;
pub mod payment;
pub mod rules;
pub mod text;
pub mod types;

pub use error::{DomainError, FieldError};
