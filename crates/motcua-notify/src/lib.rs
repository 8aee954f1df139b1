//! Delivery of what applicants and officers are told (the words are `motcua-app`'s).
//!
//! [`worker`] expands each outbox event into its deliveries (reading the typed event and its
//! dossier), sends them through the [`gateway`]s (HTTP SMS gateways, SMTP) with retries, backoff
//! and idempotency keys, opens a phone-call task when an essential message cannot go by SMS, and
//! runs the daily jobs: officers' digests and the monthly freeze of the reports. The National
//! Public Service Portal's dossier sync is one more channel ([`portal`]), its messages sent in
//! order per dossier; what the portal sends (dossiers filed there, the citizen's later actions)
//! is applied by [`portal_inbox`] in the same rounds.

pub mod gateway;
pub mod portal;
pub mod portal_inbox;
pub mod worker;
