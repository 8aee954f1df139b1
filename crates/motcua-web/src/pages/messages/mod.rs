//! Messages seen from inside the agency: the counter's queue of phone calls owed to applicants
//! whom an essential SMS could not reach, the one-click reminder on a late dossier, the
//! administrator's message log (search, resend) and the editor of the agency's own words for each
//! message, with a live preview, the SMS segment count and every earlier version.

use crate::extract::ApiQuery as Query;
use askama::Template;
use askama_web::WebTemplate;
use axum::Json;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use motcua_app::template::{self, LANGS, Placeholder, TemplateSet};
use motcua_app::{MessageContext, Segments, render_with, segments};
use motcua_domain::FieldError;
use motcua_domain::org::Agency;
use motcua_store::{DeliveryQuery, MessageTemplate};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::admin::audit;
use super::error::PageResult;
use super::roles::{AgencyAdmin, FollowUp};
use super::session::{CsrfForm, Shell, Web};
use crate::error::ApiError;
use crate::state::AppState;
use motcua_store::{DeliveryChannel, DeliveryStatus};

/// How a delivery stands, in Vietnamese.
pub fn status_vi(status: DeliveryStatus) -> &'static str {
    match status {
        DeliveryStatus::Delivered => "Đã gửi",
        DeliveryStatus::Created | DeliveryStatus::Sending => "Đang gửi",
        DeliveryStatus::TemporaryFailure => "Lỗi tạm thời, sẽ gửi lại",
        DeliveryStatus::PermanentFailure => "Không gửi được",
        DeliveryStatus::TechnicalFailure => "Lỗi kỹ thuật",
    }
}

/// What came of a call, in Vietnamese.
pub fn outcome_vi(outcome: &str) -> &'static str {
    match outcome {
        "reached" => "Đã liên lạc được",
        "no_answer" => "Không nghe máy",
        "wrong_number" => "Sai số điện thoại",
        _ => "",
    }
}

fn reason_vi(reason: &str) -> &'static str {
    if reason == "no_mobile" { "Không có số di động" } else { "SMS không gửi được" }
}

mod calls;
mod log;
mod remind;
mod templates;

pub use calls::*;
pub use log::*;
pub use remind::*;
pub use templates::*;
