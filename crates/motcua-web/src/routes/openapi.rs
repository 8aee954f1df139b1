//! `GET /api/v1/openapi.json`: the OpenAPI 3.1 document, generated from the handlers' annotations.

use axum::Json;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::dossiers::{create, events, list, show, transitions, upload};
use super::{auth_token, health, lookup, metrics, portal, procedures};

#[derive(OpenApi)]
#[openapi(
    info(title = "motcua API", description = "Hệ thống giải quyết thủ tục hành chính một cửa / one-stop administrative services"),
    paths(
        health::healthz,
        health::readyz,
        metrics::metrics,
        auth_token::create_token,
        auth_token::list_tokens,
        auth_token::revoke_token,
        procedures::list::list,
        procedures::show::show,
        procedures::versions::list,
        procedures::fields::list,
        procedures::publish::publish,
        create::create,
        list::list,
        show::show,
        events::list,
        upload::upload,
        transitions::accept,
        transitions::ask_to_complete,
        transitions::resubmit,
        transitions::refuse_intake,
        transitions::forward,
        transitions::send_back,
        transitions::request_supplement,
        transitions::supplement_received,
        transitions::request_payment,
        transitions::payment_received,
        transitions::reappoint,
        transitions::move_due_date,
        transitions::refuse,
        transitions::withdraw,
        transitions::approve,
        transitions::return_result,
        lookup::lookup,
        portal::push,
    ),
    modifiers(&BearerToken)
)]
#[derive(Debug)]
pub struct ApiDoc;

struct BearerToken;

impl Modify for BearerToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("token", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
    }
}

#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "system", responses((status = 200, description = "OpenAPI 3.1")))]
pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
