//! The use cases of motcua, between the edges (the web pages and API, the notification worker,
//! the command line) and the parts they use (the pure domain, the calendar, the quality indices,
//! the store). Each edge parses its input, calls a use case here and shapes the answer; no rule
//! of the service is written twice in two edges.
//!
//! - [`dossiers`]: intake (counter, post, online) and every action on a dossier, with optimistic
//!   concurrency and the day's numbering;
//! - [`reports`]: Biểu 06 as the database counts it, and its freeze, by hand or monthly;
//! - [`catalog`]: importing a catalog file (checked whole, then published);
//! - [`calendars`]: an agency's working calendar, loaded in one place and cached by its text;
//! - [`messages`], [`template`], [`sms`]: what applicants are told at each event, in the agency's
//!   words and the applicant's language, and how an SMS is counted;
//! - [`digest`]: officers' daily digest and the one-click reminder;
//! - [`metrics`]: the operator's counters, read from the database.
//!
//! Delivery itself (the gateways, the outbox worker) is `motcua-notify`'s, which calls this crate.

pub mod calendars;
pub mod catalog;
pub mod digest;
pub mod dossiers;
pub mod error;
pub mod messages;
pub mod metrics;
pub mod reports;
pub mod sms;
pub mod template;

pub use error::AppError;
pub use messages::{Message, MessageContext, render, render_with};
pub use sms::{Encoding, Segments, segments, without_diacritics};
pub use template::{Template, TemplateError, TemplateSet};
