//! The procedure catalog: public reads, admin writes.

pub mod fields;
pub mod list;
pub mod publish;
pub mod show;
pub mod versions;
