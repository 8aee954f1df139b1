//! Helpers for the HTML pages: sign in through the form, get a page, post a form with the CSRF
//! token, add users with real passwords.

use axum::body::Body;
use axum::http::{Request, StatusCode};

use super::TestApp;

pub const PASSWORD: &str = "mat-khau-thu-nghiem";

/// Signs `username` in through the login form; returns the cookie header for later requests.
pub async fn sign_in(app: &TestApp, username: &str, password: &str) -> (StatusCode, String) {
    let csrf = "a".repeat(64);
    let body = format!("csrf={csrf}&username={}&password={password}&next=", urlencode(username));
    let req = Request::post("/login")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", format!("motcua_csrf={csrf}"))
        .body(Body::from(body))
        .unwrap();
    let res = app.router.clone().oneshot_raw(req).await;
    let status = res.status();
    let session = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("motcua_session="))
        .map(|c| c.to_owned())
        .unwrap_or_default();
    (status, session)
}

pub fn urlencode(s: &str) -> String {
    motcua_web::pages::url_component(s)
}

pub trait Oneshot {
    async fn oneshot_raw(self, req: Request<Body>) -> axum::response::Response;
}

impl Oneshot for axum::Router {
    async fn oneshot_raw(self, req: Request<Body>) -> axum::response::Response {
        use tower::ServiceExt;
        self.oneshot(req).await.unwrap()
    }
}

pub async fn get_page(app: &TestApp, path: &str, session_cookie: &str) -> (StatusCode, String) {
    let cookie = session_cookie.split(';').next().unwrap_or("").to_owned();
    let req = Request::get(path)
        .header("cookie", format!("{cookie}; motcua_csrf={}", "a".repeat(64)))
        .body(Body::empty())
        .unwrap();
    let res = app.router.clone().oneshot_raw(req).await;
    let status = res.status();
    let bytes = http_body_util::BodyExt::collect(res.into_body()).await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&bytes).to_string())
}

/// A user with a real argon2id password (the fixture's have none).
pub async fn add_user(
    app: &TestApp,
    username: &str,
    citizen: bool,
    grants: Vec<motcua_domain::org::RoleGrant>,
) -> uuid::Uuid {
    let hash = motcua_app::accounts::hash_password_now(PASSWORD).unwrap();
    let user = motcua_store::UserRecord {
        id: uuid::Uuid::now_v7(),
        agency_id: (!citizen).then_some(app.fx.agency.id),
        username: username.into(),
        full_name: username.into(),
        password_hash: hash,
        citizen,
        phone: None,
        email: None,
        active: true,
    };
    app.db.store.insert_user(&user).await.unwrap();
    for g in grants {
        app.db.store.insert_grant(user.id, &g).await.unwrap();
    }
    user.id
}

/// The CSRF token the pages give a signed-in session (`motcua_session=…` cookie), as a form
/// found on a page would carry it; anonymous visitors use the `motcua_csrf` cookie's value.
pub fn csrf_of(session_cookie: &str) -> String {
    let session = session_cookie.split(';').next().unwrap_or("");
    match session.strip_prefix("motcua_session=").filter(|t| !t.is_empty()) {
        Some(token) => motcua_web::pages::session::csrf_for_session(token),
        None => "a".repeat(64),
    }
}

/// Posts a form (with the CSRF token) as the signed-in `session`; the status, the Location header
/// and the body.
pub async fn post_form(app: &TestApp, session_cookie: &str, path: &str, body: &str) -> (StatusCode, String, String) {
    let body = format!("csrf={}&{body}", csrf_of(session_cookie));
    post_as(app, session_cookie, path, "application/x-www-form-urlencoded", body.into_bytes()).await
}

/// Posts `body` of `content_type` as the signed-in `session`; the status, the Location header and
/// the body.
async fn post_as(
    app: &TestApp,
    session_cookie: &str,
    path: &str,
    content_type: &str,
    body: Vec<u8>,
) -> (StatusCode, String, String) {
    let session = session_cookie.split(';').next().unwrap_or("");
    let req = Request::post(path)
        .header("content-type", content_type)
        .header("cookie", format!("{session}; motcua_csrf={}", "a".repeat(64)))
        .body(Body::from(body))
        .unwrap();
    let res = app.router.clone().oneshot_raw(req).await;
    let status = res.status();
    let location = res.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    let bytes = http_body_util::BodyExt::collect(res.into_body()).await.unwrap().to_bytes();
    (status, location, String::from_utf8_lossy(&bytes).to_string())
}

/// The worker's run with no gateway configured: deliveries are recorded, essential SMS become
/// phone calls.
pub async fn run_notifier(app: &TestApp, now: chrono::NaiveDateTime) {
    let notifier = motcua_notify::worker::Notifier {
        store: app.db.store.clone(),
        sms: None,
        email: None,
        portal: None,
        emc: None,
        portal_inbox: None,
        settings: motcua_notify::worker::NotifySettings { digest_at: None, ..Default::default() },
    };
    notifier.run_once(now).await.unwrap();
}

pub fn grant(app: &TestApp, role: motcua_domain::org::Role, unit: Option<&str>) -> motcua_domain::org::RoleGrant {
    motcua_domain::org::RoleGrant { role, agency_id: app.fx.agency.id, unit: unit.map(str::to_owned) }
}

/// A multipart form's content type and body, as a form with file inputs sends it: `csrf`, the
/// `files` as (field, file name, bytes), and the `fields` written like a query string (`a=b&c=d`,
/// `+` for a space).
pub fn multipart_body(csrf: &str, fields: &str, files: &[(&str, &str, Vec<u8>)]) -> (String, Vec<u8>) {
    let boundary = "motcuaformboundary";
    let mut body = Vec::new();
    let text = |body: &mut Vec<u8>, k: &str, v: &str| {
        body.extend(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").into_bytes(),
        );
    };
    // The token first, then the files, then the other fields: as the counter's page sends them
    // (its file inputs come before the applicant's fields).
    text(&mut body, "csrf", csrf);
    for (field, name, bytes) in files {
        body.extend(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .into_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(fields).expect("fields written as a query string");
    for (k, v) in &pairs {
        text(&mut body, k, v);
    }
    body.extend(format!("--{boundary}--\r\n").into_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// Posts a multipart form with the session's CSRF token (see [`multipart_body`]); the status,
/// the Location header and the body.
pub async fn post_multipart(
    app: &TestApp,
    session_cookie: &str,
    path: &str,
    fields: &str,
    files: &[(&str, &str, Vec<u8>)],
) -> (StatusCode, String, String) {
    let (content_type, body) = multipart_body(&csrf_of(session_cookie), fields, files);
    post_as(app, session_cookie, path, &content_type, body).await
}
