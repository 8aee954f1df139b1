//! The HTML pages in-process: security (CSRF, cookie flags, throttled sign-in, scope), form
//! errors, the language switch and the printable documents. The browser tests cover the flows.

mod common;

use argon2::Argon2;
use argon2::password_hash::PasswordHasher;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{TestApp, applicant};
use serde_json::json;

const PASSWORD: &str = "mat-khau-thu-nghiem";

/// Signs `username` in through the login form; returns the cookie header for later requests.
async fn sign_in(app: &TestApp, username: &str, password: &str) -> (StatusCode, String) {
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

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") }
        })
        .collect()
}

trait Oneshot {
    async fn oneshot_raw(self, req: Request<Body>) -> axum::response::Response;
}

impl Oneshot for axum::Router {
    async fn oneshot_raw(self, req: Request<Body>) -> axum::response::Response {
        use tower::ServiceExt;
        self.oneshot(req).await.unwrap()
    }
}

async fn get_page(app: &TestApp, path: &str, session_cookie: &str) -> (StatusCode, String) {
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
async fn add_user(
    app: &TestApp,
    username: &str,
    citizen: bool,
    grants: Vec<motcua_domain::org::RoleGrant>,
) -> uuid::Uuid {
    let hash = Argon2::default().hash_password(PASSWORD.as_bytes()).unwrap().to_string();
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

#[tokio::test]
async fn sessions_are_http_only_lax_cookies_and_forms_need_the_csrf_token() {
    let app = TestApp::new("sqlite").await;
    let grant = motcua_domain::org::RoleGrant {
        role: motcua_domain::org::Role::Reception,
        agency_id: app.fx.agency.id,
        unit: None,
    };
    add_user(&app, "quay1", false, vec![grant]).await;
    let (status, cookie) = sign_in(&app, "quay1", PASSWORD).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
    let (status, page) = get_page(&app, "/office", &cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Chờ tiếp nhận"));

    // An intake form posted without the token (or with another) is refused and creates nothing.
    let session = cookie.split(';').next().unwrap();
    for token in ["", &"b".repeat(64)] {
        let body = format!(
            "csrf={token}&procedure_code=1.004227&channel=counter&name=An&citizen_id=056090001234&phone=0905123456&address=Nha+Trang"
        );
        let req = Request::post("/office/intake")
            .header("content-type", "application/x-www-form-urlencoded")
            .header("cookie", format!("{session}; motcua_csrf={}", "a".repeat(64)))
            .body(Body::from(body))
            .unwrap();
        assert_eq!(app.router.clone().oneshot_raw(req).await.status(), StatusCode::FORBIDDEN);
    }
    let list = app.get("/api/v1/dossiers", Some(&app.fx.reception)).await;
    assert_eq!(list.body["total"], 0);
    // With the token it works and lands on the printed receipt.
    let fields =
        "procedure_code=1.004227&channel=counter&name=An&citizen_id=056090001234&phone=0905123456&address=Nha+Trang";
    // Without the required documents ticked, intake is refused, naming them.
    let req = Request::post("/office/intake")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", format!("{session}; motcua_csrf={}", "a".repeat(64)))
        .body(Body::from(format!("csrf={}&{fields}&doc_0=on", "a".repeat(64))))
        .unwrap();
    let res = app.router.clone().oneshot_raw(req).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let bytes = http_body_util::BodyExt::collect(res.into_body()).await.unwrap().to_bytes();
    assert!(String::from_utf8_lossy(&bytes).contains("Chưa nhận giấy tờ bắt buộc: Giấy chứng nhận đã cấp."));
    let body = format!("csrf={}&{fields}&doc_0=on&doc_1=on", "a".repeat(64));
    let req = Request::post("/office/intake")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", format!("{session}; motcua_csrf={}", "a".repeat(64)))
        .body(Body::from(body))
        .unwrap();
    let res = app.router.clone().oneshot_raw(req).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(res.headers()["location"].to_str().unwrap().ends_with("/receipt"));

    // Pages carry a CSP without inline script.
    let req = Request::get("/").body(Body::empty()).unwrap();
    let res = app.router.clone().oneshot_raw(req).await;
    let csp = res.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"));
}

#[tokio::test]
async fn sign_in_is_throttled_and_failures_are_answered_alike() {
    let app = TestApp::new("sqlite").await;
    add_user(&app, "0905000111", true, vec![]).await;
    let (status, cookie) = sign_in(&app, "0905000111", "sai-mat-khau").await;
    assert_eq!((status, cookie.as_str()), (StatusCode::UNAUTHORIZED, ""));
    let (unknown, _) = sign_in(&app, "khong-ton-tai", "sai-mat-khau").await;
    assert_eq!(unknown, StatusCode::UNAUTHORIZED);
    for _ in 0..9 {
        sign_in(&app, "0905000111", "sai-mat-khau").await;
    }
    // The eleventh attempt in the minute fails even with the right password.
    let (status, _) = sign_in(&app, "0905000111", PASSWORD).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    app.at(2026, 2, 12, 9, 2);
    let (status, _) = sign_in(&app, "0905000111", PASSWORD).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "a new minute");
}

#[tokio::test]
async fn a_citizen_sees_only_their_own_dossiers_and_officers_only_their_agency() {
    let app = TestApp::new("sqlite").await;
    add_user(&app, "0905000222", true, vec![]).await;
    let (_, cookie) = sign_in(&app, "0905000222", PASSWORD).await;
    // The fixture citizen's dossier.
    let res = app
        .post(
            "/api/v1/dossiers",
            &app.fx.citizen,
            json!({"procedure_code": "1.004227", "channel": "online", "applicant": applicant()}),
        )
        .await;
    let id = res.body["dossier"]["id"].as_str().unwrap().to_owned();
    let (status, page) = get_page(&app, &format!("/my/dossiers/{id}"), &cookie).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{page}");
    let (_, mine) = get_page(&app, "/my", &cookie).await;
    assert!(mine.contains("Chưa có hồ sơ"));
    // Officer pages are not for citizens.
    let (status, _) = get_page(&app, "/office", &cookie).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Anonymous visitors are sent to sign in, and back.
    let (status, _) = get_page(&app, &format!("/office/dossiers/{id}"), "").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn sign_up_reports_each_bad_field_and_keeps_what_was_typed() {
    let app = TestApp::new("sqlite").await;
    let csrf = "a".repeat(64);
    let body = format!("csrf={csrf}&full_name=Nguy%E1%BB%85n+V%C4%83n+An&phone=0123&email=khong-hop-le&password=ngan");
    let req = Request::post("/signup")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", format!("motcua_csrf={csrf}"))
        .body(Body::from(body))
        .unwrap();
    let res = app.router.clone().oneshot_raw(req).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let bytes = http_body_util::BodyExt::collect(res.into_body()).await.unwrap().to_bytes();
    let page = String::from_utf8_lossy(&bytes);
    assert!(page.contains("role=\"alert\""), "an error summary at the top");
    for fragment in ["href=\"#phone\"", "href=\"#email\"", "href=\"#password\"", "value=\"Nguyễn Văn An\""] {
        assert!(page.contains(fragment), "missing {fragment}");
    }
    // A good sign-up signs the citizen in.
    let body = format!(
        "csrf={csrf}&full_name=Tr%E1%BA%A7n+B%C3%ACnh&phone=0914+555+678&email=Binh%40Example.vn&password=mat-khau-dai"
    );
    let req = Request::post("/signup")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", format!("motcua_csrf={csrf}"))
        .body(Body::from(body))
        .unwrap();
    let res = app.router.clone().oneshot_raw(req).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()["location"], "/my");
    let (status, _) = sign_in(&app, "0914555678", "mat-khau-dai").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    // By e-mail too, in any case.
    let (status, _) = sign_in(&app, "binh@example.VN", "mat-khau-dai").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn pages_switch_to_english_and_remember_it() {
    let app = TestApp::new("sqlite").await;
    let req = Request::get("/procedures?lang=en").body(Body::empty()).unwrap();
    let res = app.router.clone().oneshot_raw(req).await;
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("motcua_lang="))
        .unwrap()
        .to_owned();
    assert!(cookie.starts_with("motcua_lang=en"));
    let bytes = http_body_util::BodyExt::collect(res.into_body()).await.unwrap().to_bytes();
    let page = String::from_utf8_lossy(&bytes);
    assert!(page.contains("<html lang=\"en\">") && page.contains("<h1>Procedures</h1>"));
    let (_, page) = get_page(&app, "/lookup", "motcua_lang=en").await;
    assert!(page.contains("Track a dossier"));
    let (_, page) = get_page(&app, "/lookup", "").await;
    assert!(page.contains("Tra cứu hồ sơ"));
    // Content too: time limits, tables, the lookup's status and timeline.
    let (_, page) = get_page(&app, "/procedures/1.004227", "motcua_lang=en").await;
    assert!(
        page.contains("10 working days") && page.contains(">Document<") && page.contains("7 working days"),
        "{page}"
    );
    app.post(
        "/api/v1/dossiers",
        &app.fx.reception,
        json!({"procedure_code": "1.004227", "channel": "counter", "applicant": applicant()}),
    )
    .await;
    let (_, page) = get_page(&app, "/lookup?code=000.00.17.H34-260212-0001&phone_last4=5678", "motcua_lang=en").await;
    assert!(page.contains(">Accepted<") && page.contains("Submitted"), "{page}");
    let (_, page) = get_page(&app, "/lookup?code=000.00.17.H34-260212-0001&phone_last4=5678", "").await;
    assert!(page.contains(">Được tiếp nhận<"));
}

#[tokio::test]
async fn an_administrator_manages_users_procedures_and_calendar_days() {
    let app = TestApp::new("sqlite").await;
    let admin_grant = motcua_domain::org::RoleGrant {
        role: motcua_domain::org::Role::Admin,
        agency_id: app.fx.agency.id,
        unit: None,
    };
    add_user(&app, "quantri1", false, vec![admin_grant]).await;
    let (_, cookie) = sign_in(&app, "quantri1", PASSWORD).await;
    let session = cookie.split(';').next().unwrap().to_owned();
    let csrf = "a".repeat(64);
    let post = |path: &'static str, body: String| {
        let session = session.clone();
        let csrf = csrf.clone();
        let router = app.router.clone();
        async move {
            let req = Request::post(path)
                .header("content-type", "application/x-www-form-urlencoded")
                .header("cookie", format!("{session}; motcua_csrf={csrf}"))
                .body(Body::from(format!("csrf={csrf}&{body}")))
                .unwrap();
            let res = router.oneshot_raw(req).await;
            let status = res.status();
            let bytes = http_body_util::BodyExt::collect(res.into_body()).await.unwrap().to_bytes();
            (status, String::from_utf8_lossy(&bytes).to_string())
        }
    };
    // A new agency under this one.
    let (status, page) = post("/admin/agencies", "code=000.30.17.H34&name=V%C4%83n+ph%C3%B2ng+%C4%90%C4%83ng+k%C3%BD+%C4%91%E1%BA%A5t+%C4%91ai&level=service_unit".into()).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("000.30.17.H34 — Văn phòng Đăng ký đất đai"));
    let (status, _) = post("/admin/agencies", "code=30.17&name=X&level=commune".into()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "a malformed identifier");
    // A new unit.
    let (status, page) = post("/admin/units", "code=kt&name=Ph%C3%B2ng+K%E1%BA%BF+to%C3%A1n".into()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("KT — Phòng Kế toán"));
    let (status, _) = post("/admin/units", "code=KT&name=L%E1%BA%B7p".into()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "a duplicate unit code");
    // A new officer, with a password shown once, who can then sign in.
    let (status, page) =
        post("/admin/users", "username=chuyenvien2&full_name=L%C3%AA+V%C4%83n+C&role=specialist&unit=DD".into()).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let password =
        page.split("Mật khẩu (chỉ hiện một lần): ").nth(1).unwrap().split('<').next().unwrap().trim().to_owned();
    assert_eq!(sign_in(&app, "chuyenvien2", &password).await.0, StatusCode::SEE_OTHER);
    let (status, _) = post("/admin/users", "username=chuyenvien2&full_name=X&role=specialist&unit=".into()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "a duplicate username");
    let (status, _) = post("/admin/users", "username=a&full_name=&role=boss&unit=ZZ".into()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // A procedure whose steps do not add up is refused inline, with the difference named.
    let mut spec = serde_json::to_value(motcua_store::testing::land_procedure_spec()).unwrap();
    spec["code"] = json!("2.000999");
    spec["steps"][1]["budget"] = json!("6d");
    let body = format!("spec={}", urlencode(&spec.to_string()));
    let (status, page) = post("/admin/procedures", body).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("thiếu 1 ngày"), "{page}");
    let (status, page) = post("/admin/procedures", "spec=%7B%22code%22%3A".into()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("không đúng cấu trúc"));
    spec["steps"][1]["budget"] = json!("7d");
    let (status, page) = post("/admin/procedures", format!("spec={}", urlencode(&spec.to_string()))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Đã công bố thủ tục 2.000999 phiên bản 1"));

    // The blank form of a document, uploaded by the admin and downloaded by anyone.
    let boundary = "motcuaboundary";
    let mut body = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"mau-11-dk.docx\"\r\nContent-Type: application/octet-stream\r\n\r\n").into_bytes();
    body.extend_from_slice(b"PK\x03\x04 a docx file");
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let req = Request::post("/admin/procedures/1.004227/templates/0")
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .header("cookie", format!("{session}; motcua_csrf={csrf}"))
        .body(Body::from(body))
        .unwrap();
    assert_eq!(app.router.clone().oneshot_raw(req).await.status(), StatusCode::SEE_OTHER);
    let (_, page) = get_page(&app, "/procedures/1.004227", "").await;
    assert!(page.contains("/procedures/1.004227/templates/0"), "a download link");
    let res = app
        .router
        .clone()
        .oneshot_raw(Request::get("/procedures/1.004227/templates/0").body(Body::empty()).unwrap())
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-type"].to_str().unwrap().contains("wordprocessingml"));

    // A local day off moves deadlines at once.
    let body = "date=2026-02-13&kind=holiday&name=Ng%C3%A0y+ngh%E1%BB%89+c%E1%BB%A7a+t%E1%BB%89nh&document=Q%C4%90+1%2FQ%C4%90-UBND&document_date=2026-01-05&issuer=UBND+t%E1%BB%89nh";
    let (status, page) = post("/admin/calendar", body.into()).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("Ngày nghỉ của tỉnh"));
    let res = app
        .post(
            "/api/v1/dossiers",
            &app.fx.reception,
            json!({"procedure_code": "1.004227", "channel": "counter", "applicant": applicant()}),
        )
        .await;
    // 12/02 09:00 + 10 working days, with Friday 13/02 off too: 06/03 rather than 05/03.
    assert_eq!(res.body["dossier"]["due_date"], "2026-03-06");
    let (status, _) =
        post("/admin/calendar", "date=2026-02-14&kind=compensatory&name=X&document=Y&document_date=&issuer=Z".into())
            .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "a compensatory day cannot be a Saturday");

    // Locking a user ends their sessions; a non-admin cannot open the page.
    let users = app.db.store.users_of(app.fx.agency.id).await.unwrap();
    let target = users.iter().find(|u| u.username == "chuyenvien2").unwrap().id;
    let (_, officer_cookie) = sign_in(&app, "chuyenvien2", &password).await;
    let path: &'static str = Box::leak(format!("/admin/users/{target}/active").into_boxed_str());
    let (status, _) = post(path, "active=false".into()).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, _) = get_page(&app, "/office", &officer_cookie).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "signed out");
    assert_eq!(sign_in(&app, "chuyenvien2", &password).await.0, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_catalog_filters_by_agency_level_and_online_service_and_prints_a_poster() {
    let app = TestApp::new("sqlite").await;
    let (_, page) = get_page(&app, "/procedures?agency=000.00.17.H34&level=province&online=partial", "").await;
    assert!(page.contains("1 kết quả"), "{page}");
    let (_, page) = get_page(&app, "/procedures?online=full", "").await;
    assert!(page.contains("0 kết quả"));
    let (_, page) = get_page(&app, "/procedures?agency=000.00.18.H34", "").await;
    assert!(page.contains("0 kết quả"));
    let (status, poster) = get_page(&app, "/agencies/000.00.17.H34/poster", "").await;
    assert_eq!(status, StatusCode::OK);
    assert!(poster.contains("DANH MỤC THỦ TỤC HÀNH CHÍNH") && poster.contains("Lĩnh vực Đất đai"));
    assert!(poster.contains("550.000 đ") && poster.contains("Trực tiếp, Trực tuyến, Bưu chính"));
    let res = app.get("/api/v1/procedures?online=partial&level=province", None).await;
    assert_eq!(res.body["total"], 1);
}

#[tokio::test]
async fn the_officer_inbox_filters_and_sorts() {
    let app = TestApp::new("sqlite").await;
    let grant = motcua_domain::org::RoleGrant {
        role: motcua_domain::org::Role::Reception,
        agency_id: app.fx.agency.id,
        unit: None,
    };
    add_user(&app, "quay2", false, vec![grant]).await;
    let (_, cookie) = sign_in(&app, "quay2", PASSWORD).await;
    for channel in ["counter", "online"] {
        let who = if channel == "online" { &app.fx.citizen } else { &app.fx.reception };
        app.post(
            "/api/v1/dossiers",
            who,
            json!({"procedure_code": "1.004227", "channel": channel, "applicant": applicant()}),
        )
        .await;
    }
    let (_, all) = get_page(&app, "/office/dossiers?view=all", &cookie).await;
    assert!(all.contains("2 hồ sơ"));
    let (_, online) = get_page(&app, "/office/dossiers?view=all&channel=online&sort=received", &cookie).await;
    assert!(online.contains("1 hồ sơ") && online.contains("(chưa cấp mã)"));
    let (_, accepted) = get_page(&app, "/office/dossiers?view=all&state=accepted&unit=VP", &cookie).await;
    assert!(accepted.contains("1 hồ sơ") && accepted.contains("000.00.17.H34-260212-0001"));
}
