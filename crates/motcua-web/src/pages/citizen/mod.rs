//! The citizen portal: online submission, "Hồ sơ của tôi", answering a supplement request by
//! uploading, withdrawing, and downloading files.

use crate::extract::ApiQuery as Query;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use motcua_domain::FieldError;
use motcua_domain::catalog::Channel;
use motcua_domain::dossier::{
    Action, ApplicantInput, Context, DocumentIn, Dossier, EventKind, FileRef, ResultDelivery, State as DState,
    Submission,
};
use motcua_domain::org::Actor;
use motcua_store::DossierFilter;
use serde::Deserialize;
use uuid::Uuid;

use super::dossier_forms::{ActForm, CsrfUpload, store_upload};
use super::error::PageResult;
use super::office::IntakeForm;
use super::roles::Citizen;
use super::session::{CsrfForm, Shell, Web};
use crate::error::ApiError;
use crate::state::AppState;

fn code_of(d: &Dossier, t: &super::i18n::Texts) -> String {
    d.code.as_ref().map_or_else(|| t.awaiting_code.to_owned(), |c| c.to_string())
}

mod dossiers;
mod settings;
mod submit;

pub use dossiers::*;
pub use settings::*;
pub use submit::*;
