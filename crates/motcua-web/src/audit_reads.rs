//! Who saw what: every request runs within its [`Origin`](motcua_app::audit::Origin) (the
//! client's address and the request id, carried by each audit entry written meanwhile), and
//! after an officer's successful GET that showed personal data, one audit entry says so:
//!
//! - a dossier's page or its API record or history: `dossier_read`;
//! - one of its files or its result: `file_downloaded`;
//! - a printed form (receipt, Mẫu 01–06): `form_printed`;
//! - anything else answered as a file to save (a CSV or XLSX export, the register): `exported`.
//!
//! Citizens reading their own dossiers and the public pages are not recorded. The table below
//! is the one place that says which addresses show a dossier; the routes are matched by their
//! pattern, so `/office/dossiers/{id}` names its dossier by the `{id}` segment.

use axum::extract::{MatchedPath, Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use motcua_app::audit::{Origin, within};

use crate::rate_limit::ClientAddr;
use crate::state::AppState;

/// The addresses that show one dossier's personal data, and what reading them is called.
const DOSSIER_READS: &[(&str, &str)] = &[
    ("/office/dossiers/{id}", "dossier_read"),
    ("/api/v1/dossiers/{id}", "dossier_read"),
    ("/api/v1/dossiers/{id}/events", "dossier_read"),
    ("/office/dossiers/{id}/files/{index}", "file_downloaded"),
    ("/office/dossiers/{id}/files/{index}/{n}", "file_downloaded"),
    ("/office/dossiers/{id}/result", "file_downloaded"),
    ("/office/dossiers/{id}/receipt", "form_printed"),
    ("/office/dossiers/{id}/forms/{form}", "form_printed"),
];

/// Runs the request within its origin; then records an officer's read of personal data.
pub async fn audit_reads(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    // Judged once: the rate limits and the handlers read it from the extensions.
    let client = ClientAddr::of(req.headers(), req.extensions(), &state.config);
    req.extensions_mut().insert(client.clone());
    let client = client.0;
    let request_id = crate::request_id(req.headers());
    let origin = Origin::new(client, request_id);
    let read = (req.method() == Method::GET)
        .then(|| req.extensions().get::<MatchedPath>().map(|m| (m.as_str().to_owned(), req.uri().path().to_owned())))
        .flatten();
    let res = within(origin.clone(), next.run(req)).await;
    let Some((pattern, path)) = read else { return res };
    let Some(officer) = origin.who().filter(|a| !a.citizen && !a.grants.is_empty()) else { return res };
    if !res.status().is_success() {
        return res;
    }
    let (action, object) = match DOSSIER_READS.iter().find(|(p, _)| *p == pattern) {
        Some((_, action)) => match segment(&pattern, &path, "{id}") {
            Some(id) => (*action, format!("dossier:{id}")),
            None => return res,
        },
        None if res.headers().contains_key(axum::http::header::CONTENT_DISPOSITION) => {
            ("exported", format!("export:{pattern}"))
        }
        None => return res,
    };
    let agency_id = officer.grants.first().map(|g| g.agency_id);
    let data = serde_json::json!({ "route": pattern });
    let what = (action, object);
    let recorded = within(origin, async {
        motcua_app::audit::record(&*state.store, agency_id, Some(officer.user_id), what, data, state.now_default())
            .await
    })
    .await;
    if let Err(e) = recorded {
        tracing::error!(error = %e, action, "a read of personal data was not recorded in the audit log");
    }
    res
}

/// The segment of `path` standing where `name` stands in `pattern`.
fn segment<'a>(pattern: &str, path: &'a str, name: &str) -> Option<&'a str> {
    let at = pattern.split('/').position(|s| s == name)?;
    path.split('/').nth(at).filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dossier_is_the_id_segment() {
        assert_eq!(segment("/office/dossiers/{id}/files/{index}", "/office/dossiers/abc/files/2", "{id}"), Some("abc"));
        assert_eq!(segment("/office/dossiers/{id}", "/office/dossiers/", "{id}"), None);
        assert_eq!(segment("/office/register", "/office/register", "{id}"), None);
    }
}
