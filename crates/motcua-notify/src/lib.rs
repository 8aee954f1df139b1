//! What applicants are told, and how an SMS is counted.
//!
//! Each dossier event that an applicant must hear about has a message: an SMS, and an e-mail with
//! a subject, a plain-text body and an HTML body, rendered from one typed [`MessageContext`] with
//! the agency's words in the applicant's language ([`template`]: data, editable by the agency,
//! every version kept). SMS go out without diacritics by default (most Vietnamese agencies do: a
//! GSM-7 segment holds 160 characters, a Unicode one 70), and are counted in segments so that cost
//! and truncation are known before sending.
//!
//! [`worker`] delivers them from the outbox through the [`gateway`]s (HTTP SMS gateways, SMTP),
//! opens a phone-call task when an essential message cannot go by SMS, and sends officers their
//! daily digest of dossiers due and overdue ([`digest`]). The same worker freezes each month's
//! report once its window has closed ([`reports`]).

pub mod digest;
pub mod gateway;
pub mod messages;
pub mod metrics;
pub mod reports;
pub mod sms;
pub mod template;
pub mod worker;

pub use messages::{Message, MessageContext, render, render_with};
pub use sms::{Encoding, Segments, segments, without_diacritics};
pub use template::{Template, TemplateError, TemplateSet};
