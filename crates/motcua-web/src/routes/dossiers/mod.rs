//! Dossiers: intake, reads, the list, one endpoint per transition, the timeline and uploads.

pub mod create;
pub mod events;
pub mod list;
pub mod show;
pub mod transitions;
pub mod upload;
pub mod view;

pub use view::{DossierView, TransitionResponse};
