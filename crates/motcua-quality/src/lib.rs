//! Service quality, computed from dossier facts (`motcua_domain::dossier::DossierFacts`) and
//! applicants' evaluations, free of storage and HTTP: report periods with their official cut-off
//! dates, Biểu 06/VPCP/KSTT, the Circular 01/2018 indicators and bands, the Decision 766 index,
//! and the public statistics. The same functions serve the pages, the exports and the tests, so a
//! number on a page, in a spreadsheet and in a test are one computation.

pub mod catalog;
pub mod circular01;
pub mod index766;
pub mod period;
pub mod punctuality;
pub mod report06;
pub mod sipas;

pub use period::{Period, PeriodKind, Window};
