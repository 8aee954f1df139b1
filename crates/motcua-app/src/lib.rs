//! The use cases of motcua, between the edges (the web pages and API, the notification worker,
//! the command line) and the parts they use (the pure domain, the calendar, the quality indices,
//! the store). Each edge parses its input, calls a use case here and shapes the answer; no rule
//! of the service is written twice in two edges.
//!
//! - [`dossiers`]: intake (counter, post, online) and every action on a dossier, with optimistic
//!   concurrency and the day's numbering;
//! - [`reports`]: Biểu 06 as the database counts it, and its freeze, by hand or monthly;
//! - [`catalog`]: importing a catalog file (checked whole, then published);
//! - [`national_catalog`]: the national procedure database's records as drafts to review;
//! - [`calendars`]: an agency's working calendar, loaded in one place and cached by its text;
//! - [`accounts`]: finding the account someone signs in with, passwords (argon2id), token secrets;
//! - [`audit`]: the one way a change is written to the audit log;
//! - [`agency_codes`]: the agency a dossier code belongs to (the lookup names it to the store);
//! - [`evaluations`]: the applicant's evaluation of a finished dossier, given or changed;
//! - [`files`]: uploaded documents, kept by their content's hash and recorded;
//! - [`messages`], [`template`], [`sms`]: what applicants are told at each event, in the agency's
//!   words and the applicant's language, and how an SMS is counted;
//! - [`digest`]: officers' daily digest and the one-click reminder;
//! - [`metrics`]: the operator's counters, read from the database;
//! - [`privacy`]: retention of personal data and the data subject's export;
//! - [`portal`], [`portal_in`]: what the national portal is told, and what it sends.
//!
//! Delivery itself (the gateways, the outbox worker) is `motcua-notify`'s, which calls this crate.

pub mod accounts;
pub mod agency_codes;
pub mod audit;
pub mod calendars;
pub mod catalog;
pub mod digest;
pub mod dossiers;
pub mod error;
pub mod evaluations;
pub mod evidence;
pub mod feedback;
pub mod files;
pub mod jobs;
pub mod messages;
pub mod metrics;
pub mod national_catalog;
pub mod payments;
pub mod portal;
pub mod portal_in;
pub mod privacy;
pub mod reports;
pub mod sms;
pub mod template;

pub use error::AppError;
pub use messages::{Message, MessageContext, render, render_with};
pub use sms::{Encoding, Segments, segments, without_diacritics};
pub use template::{Template, TemplateError, TemplateSet};
