//! What applicants are told, and how an SMS is counted.
//!
//! Each dossier event that an applicant must hear about has a message: an SMS, and an e-mail with
//! a subject, a plain-text body and an HTML body, all rendered from one typed [`MessageContext`]
//! (compile-time templates in `templates/`). SMS go out without diacritics by default (most
//! Vietnamese agencies do: a GSM-7 segment holds 160 characters, a Unicode one 70), and are counted
//! in segments so that cost and truncation are known before sending.
//!
//! [`worker`] delivers them from the outbox through the [`gateway`]s: HTTP SMS gateways and SMTP.

pub mod gateway;
pub mod messages;
pub mod sms;
pub mod worker;

pub use messages::{Message, MessageContext, render};
pub use sms::{Encoding, Segments, segments, without_diacritics};
