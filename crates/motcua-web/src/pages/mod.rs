//! Server-rendered HTML pages (askama templates, checked at compile time). They work without
//! JavaScript; the kiosk's idle reset and the template editor's live preview are the only scripts. Handlers parse, call the domain and
//! the store, and fill a template: no business rule lives in a template or a handler.

pub mod admin;
pub mod audit_log;
pub mod auth;
pub mod calendar_moves;
pub mod citizen;
pub mod dossier_forms;
pub mod error;
pub mod feedback;
pub mod forms;
pub mod i18n;
pub mod messages;
pub mod narrative;
pub mod national_sign_in;
pub mod office;
pub mod payment;
pub mod portal_inbox;
pub mod privacy;
pub mod public;
pub mod quality;
pub mod reports;
pub mod roles;
pub mod session;
pub mod survey;

/// A CSV cell a spreadsheet program will not run as a formula: text that begins with `=`, `+`,
/// `-`, `@`, a tab or a carriage return gets a leading `'` (a survey's free text, a name typed
/// at the counter would otherwise reach an officer's spreadsheet as a live formula).
pub fn spreadsheet_cell(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{text}") } else { text.to_owned() }
}

/// Percent-encodes `s` for a URL's query value or path segment: every byte but ASCII letters,
/// digits and `-_.~` (RFC 3986's unreserved characters).
pub fn url_component(s: &str) -> String {
    use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
    const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');
    utf8_percent_encode(s, COMPONENT).to_string()
}

use axum::Router;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::IntoResponse;
use axum::routing::{get, post};

use crate::state::AppState;

const CSS: &str = include_str!("../../static/app.css");
const KIOSK_JS: &str = include_str!("../../static/kiosk.js");
/// How many uploads' worth of scans one counter intake may carry in all.
pub const INTAKE_FILES: usize = 4;
const PROCEDURE_EDITOR_JS: &str = include_str!("../../static/editor.js");
const INTAKE_JS: &str = include_str!("../../static/intake.js");
const EDITOR_JS: &str = include_str!("../../static/template-editor.js");
/// The site's icon (an SVG, which browsers take at the address they ask for by default).
const FAVICON: &str = include_str!("../../static/favicon.svg");

pub fn router(state: AppState) -> Router<AppState> {
    // The counter sends every scan of a dossier in one form: each file within the upload limit,
    // the whole within INTAKE_FILES of them.
    let intake_limit = state.config.max_upload_bytes * INTAKE_FILES + 64 * 1024;
    // The doors open to anyone: each client address may knock a limited number of times a
    // minute per page (and the lookup, sign-in, sign-up, evaluation and survey have their own,
    // tighter limits inside: `crate::rate_limit`).
    let public = Router::new()
        .route("/", get(public::home))
        .route("/procedures", get(public::catalog))
        .route("/procedures/{code}", get(public::procedure))
        .route("/procedures/{code}/templates/{index}", get(public::template))
        .route("/lookup", get(public::lookup))
        .route("/lookup/evaluate", post(public::evaluate))
        .route("/pay", post(payment::start))
        .route("/pay/{agency}/{id}", get(payment::page))
        .route("/pay/{agency}/{id}/vnpay", post(payment::vnpay))
        .route("/pay/{agency}/{id}/platform", post(payment::platform))
        .route("/pay/{agency}/{id}/platform-receipt", get(payment::platform_receipt))
        .route("/pay/{agency}/{id}/receipts/{receipt}", get(payment::receipt))
        .route("/payments/vnpay/return", get(payment::vnpay_return))
        .route("/kiosk", get(public::kiosk))
        .route("/agencies/{code}/poster", get(public::poster))
        .route("/login", get(auth::login_form).post(auth::login))
        .route("/auth/national", get(national_sign_in::start))
        .route("/auth/national/callback", get(national_sign_in::callback))
        .route("/signup", get(auth::signup_form).post(auth::signup))
        .route("/feedback", get(feedback::form).post(feedback::send))
        .route("/phan-anh-kien-nghi", get(feedback::answers))
        .route("/phan-anh-kien-nghi/{id}", get(feedback::answer))
        .route("/phan-anh-kien-nghi/{id}/rate", post(feedback::rate))
        .route_layer(axum::middleware::from_fn_with_state(state, crate::rate_limit::limit_public_pages));
    Router::new()
        .merge(public)
        .route("/logout", post(auth::logout))
        .route("/my", get(citizen::my_list))
        .route("/my/dossiers/{id}", get(citizen::my_dossier))
        .route("/my/dossiers/{id}/act", post(citizen::my_act))
        .route("/my/dossiers/{id}/upload", post(citizen::my_upload))
        .route("/my/dossiers/{id}/files/{index}", get(citizen::my_file))
        .route("/my/dossiers/{id}/result", get(citizen::my_result))
        .route("/submit/{code}", get(citizen::submit_form).post(citizen::submit))
        .route("/submit/{code}/confirm", post(citizen::confirm))
        .route("/office", get(office::dashboard))
        .route("/office/dossiers", get(office::list))
        .route("/office/feedback", get(office::feedback_queue))
        .route("/office/hotline", get(office::hotline_log).post(office::hotline_record))
        .route("/office/payments", get(office::payments))
        .route("/office/payments/statement", post(office::statement))
        .route("/office/payments/reconciliation", get(office::reconciliation))
        .route("/office/payments/receipts-summary", get(office::receipts_summary))
        .route("/office/payments/refund", post(office::refund))
        .route("/office/dossiers/{id}/receipts/{receipt}/replace", post(office::replace_receipt))
        .route("/office/attendance", get(office::attendance).post(office::attendance_clock))
        .route("/office/attendance/spot-checks", post(office::attendance_spot_check))
        .route("/office/feedback/new", get(office::feedback_new_form).post(office::feedback_new))
        .route("/office/feedback/{id}", get(office::feedback_case))
        .route("/office/feedback/{id}/act", post(office::feedback_act))
        .route("/office/feedback/{id}/split", post(office::feedback_split))
        .route("/office/dossiers/{id}", get(office::show))
        .route("/office/dossiers/{id}/act", post(office::act))
        .route("/office/dossiers/{id}/collect", post(office::collect))
        .route("/office/dossiers/{id}/files/{index}", get(office::file))
        .route("/office/dossiers/{id}/files/{index}/{n}", get(office::scan))
        .route("/office/dossiers/{id}/receipt", get(office::receipt))
        .route("/office/dossiers/{id}/result", get(office::result_download).post(office::result_file))
        .route(
            "/office/intake",
            get(office::intake_form).post(office::intake).layer(axum::extract::DefaultBodyLimit::max(intake_limit)),
        )
        .route("/office/dossiers/{id}/forms/{form}", get(forms::form))
        .route("/office/register", get(forms::register))
        .route("/office/audit", get(audit_log::audit_log))
        .route("/admin", get(admin::home))
        .route("/admin/users", post(admin::create_user))
        .route("/admin/forms", post(admin::save_forms))
        .route("/admin/feedback", get(admin::feedback_settings))
        .route("/admin/feedback/rules", post(admin::save_feedback_rules))
        .route("/admin/feedback/teams", post(admin::save_feedback_teams))
        .route("/admin/units", post(admin::create_unit))
        .route("/admin/agencies", post(admin::create_agency))
        .route("/admin/users/{id}", get(admin::user).post(admin::save_user))
        .route("/admin/users/{id}/grants", post(admin::add_grant))
        .route("/admin/users/{id}/grants/remove", post(admin::remove_grant))
        .route("/admin/users/{id}/active", post(admin::set_active))
        .route("/admin/users/{id}/reset", post(admin::reset_password))
        .route("/admin/procedures", get(admin::procedures).post(admin::publish))
        .route("/admin/procedures/drafts", get(admin::drafts).post(admin::import_drafts))
        .route("/admin/procedures/drafts/{id}/discard", post(admin::discard_draft))
        .route("/admin/procedures/{code}/templates/{index}", post(admin::upload_template))
        .route("/admin/calendar", get(admin::calendar).post(admin::add_day))
        .route("/office/calendar-moves", get(calendar_moves::list).post(calendar_moves::apply))
        .route("/admin/messages", get(messages::message_log))
        .route("/admin/messages/{id}/resend", post(messages::resend))
        .route("/admin/templates", get(messages::templates))
        .route("/admin/templates/{event}/{lang}", get(messages::edit_template).post(messages::save_template))
        .route("/admin/templates/{event}/{lang}/preview", post(messages::preview_template))
        .route("/office/reports", get(reports::bieu06))
        .route("/office/reports/dossiers", get(reports::report_dossiers))
        .route("/office/reports/bieu06.csv", get(reports::bieu06_csv))
        .route("/office/reports/bieu06.xlsx", get(reports::bieu06_xlsx))
        .route("/office/reports/anchors.csv", get(reports::anchors_csv))
        .route("/office/reports/freeze", post(reports::freeze))
        .route("/office/reports/narrative", get(narrative::draft))
        .route("/office/reports/narrative/print", post(narrative::print))
        .route("/office/reports/snapshots/{id}", get(reports::snapshot))
        .route("/office/quality", get(quality::dashboard))
        .route("/office/monitoring", get(quality::monitoring))
        .route("/office/quality/dossiers", get(quality::indicator_dossiers))
        .route("/office/quality/feedback", get(quality::indicator_cases))
        .route("/office/quality/procedures", get(quality::indicator_procedures))
        .route("/statistics", get(quality::public_statistics))
        .route("/survey", get(survey::choose))
        .route("/survey/{code}", get(survey::form).post(survey::submit))
        .route("/office/quality/sipas", get(survey::index))
        .route("/office/quality/sipas.csv", get(survey::export))
        .route("/office/portal-inbox", get(portal_inbox::list))
        .route("/office/portal-inbox/{id}", post(portal_inbox::decide))
        .route("/office/calls", get(messages::calls))
        .route("/office/calls/{id}", post(messages::record_call))
        .route("/office/dossiers/{id}/remind", post(messages::remind))
        .route("/privacy", get(privacy::notice))
        .route("/my/data", get(privacy::my_data))
        .route("/my/settings", get(citizen::settings).post(citizen::save_settings))
        .route("/static/app.css", get(|| async { asset("text/css; charset=utf-8", CSS) }))
        .route("/static/template-editor.js", get(|| async { asset(JS, EDITOR_JS) }))
        .route("/static/kiosk.js", get(|| async { asset(JS, KIOSK_JS) }))
        .route("/static/intake.js", get(|| async { asset(JS, INTAKE_JS) }))
        .route("/static/editor.js", get(|| async { asset(JS, PROCEDURE_EDITOR_JS) }))
        .route("/favicon.ico", get(|| async { asset("image/svg+xml", FAVICON) }))
}

const JS: &str = "text/javascript; charset=utf-8";

/// A file compiled into the binary, cached for an hour.
fn asset(content_type: &'static str, body: &'static str) -> axum::response::Response {
    ([(CONTENT_TYPE, content_type), (CACHE_CONTROL, "public, max-age=3600")], body).into_response()
}
