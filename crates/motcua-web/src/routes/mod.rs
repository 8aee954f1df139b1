//! The routes, one file per resource and action.

pub mod auth_token;
pub mod dossiers;
pub mod health;
pub mod lookup;
pub mod metrics;
pub mod open311;
pub mod openapi;
pub mod payments;
pub mod portal;
pub mod procedures;
