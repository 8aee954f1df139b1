//! The HTML pages in-process: security (CSRF, cookie flags, throttled sign-in, scope), form
//! errors, the language switch and the printable documents. The browser tests cover the flows.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::pages::*;
use common::{TestApp, applicant};
use serde_json::json;

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
    // The cookie's own value is no longer enough once signed in: the token is tied to the session.
    let fields =
        "procedure_code=1.004227&channel=counter&name=An&citizen_id=056090001234&phone=0905123456&address=Nha+Trang";
    for token in ["", &"b".repeat(64), &"a".repeat(64)] {
        let (content_type, body) = multipart_body(token, &format!("{fields}&doc_0=on&doc_1=on"), &[]);
        let req = Request::post("/office/intake")
            .header("content-type", content_type)
            .header("cookie", format!("{session}; motcua_csrf={}", "a".repeat(64)))
            .body(Body::from(body))
            .unwrap();
        assert_eq!(app.router.clone().oneshot_raw(req).await.status(), StatusCode::FORBIDDEN);
    }
    let list = app.get("/api/v1/dossiers", Some(&app.fx.reception)).await;
    assert_eq!(list.body["total"], 0);
    // Without the required documents ticked, intake is refused, naming them and pointing at Mẫu 02.
    let (status, _, page) = post_multipart(&app, &cookie, "/office/intake", &format!("{fields}&doc_0=on"), &[]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("Chưa nhận giấy tờ bắt buộc: Giấy chứng nhận đã cấp."), "{page}");
    assert!(page.contains("Mẫu 02"));
    // With the token and the papers it works and lands on the printed receipt.
    let (status, location, _) =
        post_multipart(&app, &cookie, "/office/intake", &format!("{fields}&doc_0=on&doc_1=on"), &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(location.ends_with("/receipt"));

    // Pages carry a CSP without inline script.
    let req = Request::get("/").body(Body::empty()).unwrap();
    let res = app.router.clone().oneshot_raw(req).await;
    let csp = res.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"));
}

/// Signs in through the form from the client address `from`; the status and the body.
async fn sign_in_from(app: &TestApp, from: &str, username: &str, password: &str) -> (StatusCode, String) {
    let csrf = "a".repeat(64);
    let body = format!("csrf={csrf}&username={}&password={password}&next=", urlencode(username));
    let mut req = Request::post("/login")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", format!("motcua_csrf={csrf}"))
        .body(Body::from(body))
        .unwrap();
    let addr: std::net::SocketAddr = format!("{from}:40000").parse().unwrap();
    req.extensions_mut().insert(axum::extract::ConnectInfo(addr));
    let res = app.router.clone().oneshot_raw(req).await;
    let status = res.status();
    let bytes = http_body_util::BodyExt::collect(res.into_body()).await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&bytes).to_string())
}

/// Issue 12, defect 6: the limiter keyed the raw username ("0908 446524" and "(0908)-446524"
/// were two accounts), `/login` had no per-address limit, and 15 wrong attempts locked the owner
/// out. Now spelling variants are one account; one address gets 5 wrong passwords per account
/// in ten minutes and 20 attempts a minute; the owner, from another address, still signs in and
/// is told how many wrong passwords were tried.
#[tokio::test]
async fn sign_in_is_throttled_per_address_and_account_but_never_locks_the_owner_out() {
    let app = TestApp::new("sqlite").await;
    add_user(&app, "0905000111", true, vec![]).await;
    let (status, cookie) = sign_in(&app, "0905000111", "sai-mat-khau").await;
    assert_eq!((status, cookie.as_str()), (StatusCode::UNAUTHORIZED, ""));
    let (unknown, _) = sign_in(&app, "khong-ton-tai", "sai-mat-khau").await;
    assert_eq!(unknown, StatusCode::UNAUTHORIZED);
    // The attacker spells the number five ways from one address: one account, five tries.
    for spelling in ["0905 000111", "(0905)-000111", "0905.000.111", "+84905000111", "84 905 000 111"] {
        let (status, _) = sign_in_from(&app, "203.0.113.7", spelling, "sai-mat-khau").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{spelling}");
    }
    let (status, page) = sign_in_from(&app, "203.0.113.7", "0905000111", PASSWORD).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "even the right password, from that address");
    assert!(page.contains("quá nhiều lần"), "{page}");
    // More wrong passwords from elsewhere: the account is slowed, not locked.
    for _ in 0..4 {
        sign_in_from(&app, "198.51.100.9", "0905000111", "sai-mat-khau").await;
    }
    let (status, page) = sign_in_from(&app, "192.0.2.44", "0905000111", PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "the owner signs in from their own address");
    assert!(page.contains("signin-warning") && page.contains("<strong>10</strong>"), "{page}");
    // One address may try 20 times a minute, whatever the accounts.
    for i in 0..20 {
        sign_in_from(&app, "203.0.113.99", &format!("nobody{i}"), "x").await;
    }
    let (status, _) = sign_in_from(&app, "203.0.113.99", "someone-else", "x").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    app.at(2026, 2, 12, 9, 12);
    let (status, _) = sign_in_from(&app, "203.0.113.7", "0905000111", PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "after ten minutes the first address may try again");
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
    assert!(page.contains(">Accepted<"), "{page}");
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
    let csrf = csrf_of(&session);
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
    let form = |appraisal_days: &str| {
        [
            ("code", "2.000999"),
            ("name", "Đăng ký biến động đất đai (thử)"),
            ("field", "DD"),
            ("level", "province"),
            ("time_limit_value", "10"),
            ("time_limit_unit", "d"),
            ("online", "partial"),
            ("result", "Giấy chứng nhận"),
            ("effective_from", "2024-08-01"),
            ("channel_counter", "on"),
            ("doc_name_0", "Đơn đăng ký"),
            ("doc_originals_0", "1"),
            ("doc_copies_0", "0"),
            ("doc_required_0", "on"),
            ("fee_name_0", "Lệ phí cấp giấy chứng nhận"),
            ("fee_kind_0", "charge"),
            ("fee_amount_0", "50.000"),
            ("step_name_0", "Tiếp nhận"),
            ("step_unit_0", "VP"),
            ("step_role_0", "reception"),
            ("step_budget_0_value", "4"),
            ("step_budget_0_unit", "h"),
            ("step_name_1", "Thẩm định"),
            ("step_unit_1", "DD"),
            ("step_role_1", "specialist"),
            ("step_budget_1_value", appraisal_days),
            ("step_budget_1_unit", "d"),
            ("step_name_2", "Trình ký"),
            ("step_unit_2", "DD"),
            ("step_role_2", "unit_lead"),
            ("step_budget_2_value", "1"),
            ("step_budget_2_unit", "d"),
            ("step_name_3", "Ký duyệt"),
            ("step_unit_3", "LD"),
            ("step_role_3", "agency_lead"),
            ("step_budget_3_value", "1"),
            ("step_budget_3_unit", "d"),
            ("step_name_4", "Trả kết quả"),
            ("step_unit_4", "VP"),
            ("step_role_4", "reception"),
            ("step_budget_4_value", "4"),
            ("step_budget_4_unit", "h"),
        ]
        .iter()
        .map(|(k, v)| format!("{k}={}", urlencode(v)))
        .collect::<Vec<_>>()
        .join("&")
    };
    let (status, page) = post("/admin/procedures", form("6")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("thiếu 1 ngày"), "{page}");
    assert!(page.contains("value=\"Thẩm định\""), "what was typed is kept");
    let (status, page) = post("/admin/procedures", form("sáu")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("Thời gian cần là số ngày hoặc số giờ"), "{page}");
    let (status, page) = post("/admin/procedures", form("7")).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("Đã công bố thủ tục 2.000999 phiên bản 1"));

    // The blank form of a document, uploaded by the admin and downloaded by anyone.
    let boundary = "motcuaboundary";
    let template = |token: &str| {
        let mut body = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{token}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"mau-11-dk.docx\"\r\nContent-Type: application/octet-stream\r\n\r\n").into_bytes();
        body.extend_from_slice(b"PK\x03\x04 a docx file");
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        Request::post("/admin/procedures/1.004227/templates/0")
            .header("content-type", format!("multipart/form-data; boundary={boundary}"))
            .header("cookie", format!("{session}; motcua_csrf={csrf}"))
            .body(Body::from(body))
            .unwrap()
    };
    // Without the session's token the upload is refused before the file is read into the catalog.
    assert_eq!(app.router.clone().oneshot_raw(template(&"b".repeat(64))).await.status(), StatusCode::FORBIDDEN);
    let (_, page) = get_page(&app, "/procedures/1.004227", "").await;
    assert!(!page.contains("/procedures/1.004227/templates/0"), "no download link yet");
    assert_eq!(app.router.clone().oneshot_raw(template(&csrf)).await.status(), StatusCode::SEE_OTHER);
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

#[tokio::test]
async fn the_counter_calls_an_applicant_without_a_mobile_and_the_outcome_joins_the_timeline() {
    use motcua_domain::org::Role;
    let app = TestApp::new("sqlite").await;
    let now = motcua_store::testing::at(2026, 2, 12, 9, 0);
    let d = app.fx.accepted_dossier(app.db.store.as_ref(), now, "0258 3822 123", None).await;
    run_notifier(&app, now).await;
    add_user(&app, "quay-goi", false, vec![grant(&app, Role::Reception, Some("VP"))]).await;
    let (_, cookie) = sign_in(&app, "quay-goi", PASSWORD).await;
    let (_, page) = get_page(&app, "/office", &cookie).await;
    assert!(page.contains(r#"<strong id="count-calls">1</strong>"#), "{page}");
    let (status, page) = get_page(&app, "/office/calls", &cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("02583822123") && page.contains("Không có số di động"), "{page}");
    assert!(page.contains("Xin chào ông/bà Nguyễn Văn An. Sở"), "the script, in full Vietnamese");
    let task = app.db.store.call_tasks(app.fx.agency.id, true).await.unwrap().remove(0);
    let path = format!("/office/calls/{}", task.id);

    // Another agency's counter cannot touch it; a missing outcome is refused.
    let other = motcua_domain::org::RoleGrant { role: Role::Reception, agency_id: app.fx.other_agency.id, unit: None };
    add_user(&app, "quay-khac", false, vec![other]).await;
    let (_, other_cookie) = sign_in(&app, "quay-khac", PASSWORD).await;
    assert_eq!(post_form(&app, &other_cookie, &path, "outcome=reached").await.0, StatusCode::NOT_FOUND);
    assert_eq!(post_form(&app, &cookie, &path, "outcome=maybe").await.0, StatusCode::UNPROCESSABLE_ENTITY);

    // No answer keeps the task open; reached closes it; both appear on the dossier's timeline.
    let (status, location, _) = post_form(&app, &cookie, &path, "outcome=no_answer&note=").await;
    assert_eq!((status, location.as_str()), (StatusCode::SEE_OTHER, "/office/calls?done=1"));
    let (_, page) = get_page(&app, "/office/calls", &cookie).await;
    assert!(page.contains("đã gọi 1 lần (Không nghe máy)"), "{page}");
    post_form(&app, &cookie, &path, "outcome=reached&note=%C4%90%C3%A3+b%C3%A1o+b%E1%BB%95+sung").await;
    let (_, page) = get_page(&app, "/office/calls", &cookie).await;
    assert!(page.contains(r#"id="no-calls""#));
    let (_, page) = get_page(&app, &format!("/office/dossiers/{}", d.id), &cookie).await;
    assert!(page.contains("Cần gọi điện cho người nộp (02583822123)"), "{page}");
    assert!(page.contains("Gọi điện: Đã liên lạc được (lần 2) — Đã báo bổ sung"), "{page}");
    assert!(page.contains("Thông báo (Email) tới an@example.vn: Lỗi kỹ thuật"), "the e-mails too");
}

#[tokio::test]
async fn a_leader_reminds_whoever_holds_a_late_dossier_once_a_day() {
    use motcua_domain::org::Role;
    let app = TestApp::new("sqlite").await;
    let d = app
        .fx
        .accepted_dossier(app.db.store.as_ref(), motcua_store::testing::at(2026, 2, 12, 9, 0), "0905123456", None)
        .await;
    // The counter unit's specialist holds it and has an e-mail address.
    let holder = add_user(&app, "vp-chuyenvien", false, vec![grant(&app, Role::Specialist, Some("VP"))]).await;
    let mut user = app.db.store.user(holder).await.unwrap().unwrap();
    user.email = Some("vp@example.vn".into());
    user.id = uuid::Uuid::now_v7();
    user.username = "vp-chuyenvien-email".into();
    app.db.store.insert_user(&user).await.unwrap();
    app.db.store.insert_grant(user.id, &grant(&app, Role::Specialist, Some("VP"))).await.unwrap();
    add_user(&app, "giamdoc2", false, vec![grant(&app, Role::AgencyLead, None)]).await;
    let (_, cookie) = sign_in(&app, "giamdoc2", PASSWORD).await;
    let path = format!("/office/dossiers/{}", d.id);
    // On time: no reminder offered.
    let (_, page) = get_page(&app, &path, &cookie).await;
    assert!(!page.contains(r#"id="remind""#));
    // 09/03/2026: two working days late.
    app.clock.set_local(motcua_store::testing::at(2026, 3, 9, 10, 0));
    let (_, cookie) = sign_in(&app, "giamdoc2", PASSWORD).await;
    let (_, page) = get_page(&app, &path, &cookie).await;
    assert!(page.contains(r#"id="remind""#), "{page}");
    let (status, location, _) = post_form(&app, &cookie, &format!("{path}/remind"), "").await;
    assert_eq!((status, location), (StatusCode::SEE_OTHER, format!("{path}?reminded=1")));
    let (_, page) = get_page(&app, &format!("{path}?reminded=1"), &cookie).await;
    assert!(page.contains("Đã gửi lời nhắc (1 tin nhắn)."));
    assert!(page.contains("Nhắc xử lý (Email) tới vp@example.vn: Đang gửi"), "{page}");
    let (_, location, _) = post_form(&app, &cookie, &format!("{path}/remind"), "").await;
    assert_eq!(location, format!("{path}?reminded=0"), "once a day");
    // A citizen or a specialist cannot remind.
    let (_, specialist) = sign_in(&app, "vp-chuyenvien", PASSWORD).await;
    assert_eq!(post_form(&app, &specialist, &format!("{path}/remind"), "").await.0, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn an_administrator_edits_the_words_with_a_preview_and_every_version_kept() {
    use motcua_domain::org::Role;
    let app = TestApp::new("sqlite").await;
    add_user(&app, "quantri-tin", false, vec![grant(&app, Role::Admin, None)]).await;
    let (_, cookie) = sign_in(&app, "quantri-tin", PASSWORD).await;
    let (_, page) = get_page(&app, "/admin/templates", &cookie).await;
    assert!(page.contains("Tiếp nhận hồ sơ") && page.contains("Mặc định"), "{page}");
    let (status, page) = get_page(&app, "/admin/templates/accept/vi", &cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("{sender}: Hồ sơ {code} đã được tiếp nhận"), "the default words, to edit");
    assert!(page.contains("SO NNMT KH: Ho so 000.00.17.H34-260212-0001 da duoc tiep nhan"), "the preview");
    assert!(page.contains("2 tin nhắn · 189 ký tự GSM-7"), "the segment count");
    assert!(page.contains("3 tin nhắn · 189 ký tự Unicode (UCS-2)"), "with diacritics it costs more");
    assert_eq!(get_page(&app, "/admin/templates/nope/vi", &cookie).await.0, StatusCode::NOT_FOUND);

    // The live preview answers as the administrator types; a wrong field is named with its line.
    let form = |sms: &str| {
        format!(
            "subject=H%E1%BB%93+s%C6%A1+%7Bcode%7D&body_text=K%C3%ADnh+g%E1%BB%ADi+%7Bapplicant%7D&body_html=%3Cp%3E%7Bapplicant%7D%3C%2Fp%3E&sms={}",
            urlencode(sms)
        )
    };
    let (status, _, json) =
        post_form(&app, &cookie, "/admin/templates/accept/vi/preview", &form("{sender}: Nhan {ma}")).await;
    assert_eq!(status, StatusCode::OK);
    let answer: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(answer["errors"][0]["field"], "sms");
    assert!(answer["errors"][0]["message"].as_str().unwrap().contains("không có trường {ma}"));
    let (_, _, json) =
        post_form(&app, &cookie, "/admin/templates/accept/vi/preview", &form("{sender}: Đã nhận {code}")).await;
    let answer: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(answer["preview"]["sms"], "SO NNMT KH: Da nhan 000.00.17.H34-260212-0001");
    assert_eq!(answer["preview"]["sms_cost"], "1 tin nhắn · 45 ký tự GSM-7");

    // Saving a wrong template is refused and keeps what was typed; a right one is version 1, then 2.
    let (status, _, page) = post_form(&app, &cookie, "/admin/templates/accept/vi", &form("{sender}: Nhan {ma}")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("không có trường {ma}") && page.contains("{sender}: Nhan {ma}"));
    for (sms, version) in [("{sender}: Đã nhận {code}", 1), ("{sender}: Đã tiếp nhận {code}", 2)] {
        let (status, location, _) = post_form(&app, &cookie, "/admin/templates/accept/vi", &form(sms)).await;
        assert_eq!((status, location), (StatusCode::SEE_OTHER, format!("/admin/templates/accept/vi?saved={version}")));
    }
    let (_, page) = get_page(&app, "/admin/templates/accept/vi?saved=2", &cookie).await;
    assert!(page.contains("Đã lưu phiên bản 2.") && page.contains("Phiên bản 1</a>"), "{page}");
    assert!(page.contains("{sender}: Đã tiếp nhận {code}</textarea>"));
    let (_, page) = get_page(&app, "/admin/templates/accept/vi?version=1", &cookie).await;
    assert!(page.contains("Đang xem phiên bản 1") && page.contains("{sender}: Đã nhận {code}</textarea>"));
    // The next acceptance uses version 2.
    let d = app
        .fx
        .accepted_dossier(app.db.store.as_ref(), motcua_store::testing::at(2026, 2, 12, 9, 0), "0905123456", None)
        .await;
    run_notifier(&app, motcua_store::testing::at(2026, 2, 12, 9, 0)).await;
    let sms = app.db.store.deliveries_of(d.agency_id, d.id).await.unwrap();
    assert!(sms.iter().any(|m| m.body == "MOTCUA: Da tiep nhan 000.00.17.H34-260212-0001"), "{sms:?}");
    // Not for a non-administrator.
    let (_, officer) = {
        add_user(&app, "quay-tin", false, vec![grant(&app, Role::Reception, Some("VP"))]).await;
        sign_in(&app, "quay-tin", PASSWORD).await
    };
    assert_eq!(get_page(&app, "/admin/templates/accept/vi", &officer).await.0, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_message_log_searches_and_resends_and_metrics_count_by_channel_and_status() {
    use motcua_domain::org::Role;
    let config = motcua_web::WebConfig {
        metrics_token_sha256: Some(motcua_app::accounts::token_hash("JETON-DO-SO")),
        ..Default::default()
    };
    let app = TestApp::with_config("sqlite", config).await;
    // Only the scraper with the token reads the figures.
    let scrape = |token: &'static str| {
        let app = &app;
        async move {
            let req = Request::builder().uri("/metrics").header("authorization", format!("Bearer {token}"));
            let res = app.send(req.body(Body::empty()).unwrap()).await;
            (res.status, res.body.as_str().unwrap_or_default().to_owned())
        }
    };
    assert_eq!(get_page(&app, "/metrics", "").await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(scrape("sai").await.0, StatusCode::UNAUTHORIZED);
    let now = motcua_store::testing::at(2026, 2, 12, 9, 0);
    app.fx.accepted_dossier(app.db.store.as_ref(), now, "0905123456", None).await;
    run_notifier(&app, now).await;
    add_user(&app, "quantri-log", false, vec![grant(&app, Role::Admin, None)]).await;
    let (_, cookie) = sign_in(&app, "quantri-log", PASSWORD).await;
    let (_, page) = get_page(&app, "/admin/messages?q=0905123456&channel=sms", &cookie).await;
    assert!(page.contains(r#"<p id="total">1 tin nhắn"#), "{page}");
    assert!(page.contains("Lỗi kỹ thuật") && page.contains("chưa cấu hình kênh sms"));
    let (_, page) = get_page(&app, "/admin/messages?q=khong-co", &cookie).await;
    assert!(page.contains(r#"<p id="total">0 tin nhắn"#));

    let (status, metrics) = scrape("JETON-DO-SO").await;
    assert_eq!(status, StatusCode::OK);
    assert!(metrics.contains(r#"motcua_messages_total{channel="sms",status="technical-failure"} 1"#), "{metrics}");
    assert!(metrics.contains(r#"motcua_messages_failed_total{channel="email",reason="technical"} 1"#), "{metrics}");
    assert!(metrics.contains("motcua_call_tasks_open 1"), "the acceptance SMS became a call: {metrics}");
    // Requests by route (the pattern, never a dossier's id) and status, with their latency.
    // (Each server counts its own requests; other tests of this process count here too.)
    let admin_page = r#"motcua_http_requests_total{method="GET",route="/admin/messages",status="200"} "#;
    let count = metrics.lines().find_map(|l| l.strip_prefix(admin_page)).expect("the pages' requests counted");
    assert!(count.parse::<u64>().unwrap() >= 2, "{metrics}");
    assert!(metrics.contains(r#"motcua_http_requests_total{method="GET",route="/metrics",status="401"}"#));
    // Made-up methods and addresses do not make series of their own.
    let odd = Request::builder().method("BREW").uri("/no/such/42").body(Body::empty()).unwrap();
    app.send(odd).await;
    let (_, metrics) = scrape("JETON-DO-SO").await;
    assert!(metrics.contains(r#"method="OTHER",route="(none)""#), "{metrics}");
    assert!(!metrics.contains("BREW") && !metrics.contains("/no/such"), "{metrics}");
    let latency = r#"motcua_http_request_duration_seconds_bucket{method="GET",route="/admin/messages",le="0.005"}"#;
    assert!(metrics.contains(latency), "{metrics}");
    assert!(metrics.contains("# TYPE motcua_http_request_duration_seconds histogram"), "{metrics}");
    assert!(metrics.contains("motcua_outbox_waiting 0") && metrics.contains("motcua_outbox_oldest_seconds 0"));
    assert!(metrics.contains("motcua_portal_sync_oldest_seconds 0"), "{metrics}");
    let pool = metrics.lines().find(|l| l.starts_with("motcua_db_pool_connections ")).expect("the pool");
    assert_ne!(pool, "motcua_db_pool_connections 0", "{metrics}");

    let sms = app
        .db
        .store
        .search_deliveries(&motcua_store::DeliveryQuery {
            agencies: vec![app.fx.agency.id],
            q: Some("0905".into()),
            status: Some(motcua_store::DeliveryStatus::TechnicalFailure),
            page: 1,
            page_size: 1,
            ..Default::default()
        })
        .await
        .unwrap()
        .items
        .remove(0);
    let (status, location, _) = post_form(&app, &cookie, &format!("/admin/messages/{}/resend", sms.id), "").await;
    assert_eq!((status, location.as_str()), (StatusCode::SEE_OTHER, "/admin/messages?done=1"));
    let again = app.db.store.delivery(sms.agency_id, sms.id).await.unwrap().unwrap();
    assert_eq!((again.status.as_str(), again.attempts, again.idempotency_key), ("created", 0, sms.idempotency_key));
    let (_, metrics) = scrape("JETON-DO-SO").await;
    assert!(metrics.contains(r#"motcua_messages_total{channel="sms",status="created"} 1"#), "{metrics}");
    // Another agency's administrator cannot resend it.
    let other = motcua_domain::org::RoleGrant { role: Role::Admin, agency_id: app.fx.other_agency.id, unit: None };
    add_user(&app, "quantri-khac", false, vec![other]).await;
    let (_, other_cookie) = sign_in(&app, "quantri-khac", PASSWORD).await;
    let (status, _, _) = post_form(&app, &other_cookie, &format!("/admin/messages/{}/resend", sms.id), "").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_citizen_chooses_channels_and_language_for_messages() {
    let app = TestApp::new("sqlite").await;
    let id = add_user(&app, "0905111222", true, vec![]).await;
    let (_, cookie) = sign_in(&app, "0905111222", PASSWORD).await;
    let (status, page) = get_page(&app, "/my/settings", &cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(r#"value="both" checked"#) && page.contains("luôn được gửi"), "{page}");
    let (status, location, _) = post_form(&app, &cookie, "/my/settings", "channels=email&lang=en").await;
    assert_eq!((status, location.as_str()), (StatusCode::SEE_OTHER, "/my/settings?saved=1"));
    let prefs = app.db.store.notify_preferences(id).await.unwrap();
    assert_eq!((prefs.channels.as_str(), prefs.lang.as_str()), ("email", "en"));
    let (status, _, page) = post_form(&app, &cookie, "/my/settings", "channels=fax&lang=fr").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("chọn SMS, email hoặc cả hai"), "{page}");
    assert_eq!(app.db.store.notify_preferences(id).await.unwrap(), prefs, "nothing changed");
}

/// Issue 12, defect 2: an administrator of one agency could reset the password of, and lock out,
/// an officer who also works in a parent agency. Now only users whose every grant lies in the
/// agencies they administer are within reach; the others answer 403 and keep their password.
#[tokio::test]
async fn an_administrator_manages_only_users_wholly_within_their_agencies() {
    use motcua_domain::org::{Role, RoleGrant};
    let app = TestApp::new("sqlite").await;
    let office = app.fx.other_agency.id;
    let in_office = |role| RoleGrant { role, agency_id: office, unit: None };
    add_user(&app, "quantri-vpdk", false, vec![in_office(Role::Admin)]).await;
    // The director works in the department and in the office.
    let director =
        add_user(&app, "giamdoc-so", false, vec![grant(&app, Role::AgencyLead, None), in_office(Role::AgencyLead)])
            .await;
    let (_, cookie) = sign_in(&app, "quantri-vpdk", PASSWORD).await;
    let before = app.db.store.user(director).await.unwrap().unwrap();
    let (status, _, _) = post_form(&app, &cookie, &format!("/admin/users/{director}/reset"), "").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = post_form(&app, &cookie, &format!("/admin/users/{director}/active"), "active=false").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let after = app.db.store.user(director).await.unwrap().unwrap();
    assert_eq!((after.password_hash, after.active), (before.password_hash, true));
    assert_eq!(sign_in(&app, "giamdoc-so", PASSWORD).await.0, StatusCode::SEE_OTHER, "the director still signs in");
    // A citizen is nobody's to manage either.
    let citizen = app.fx.citizen.user_id;
    let (status, _, _) = post_form(&app, &cookie, &format!("/admin/users/{citizen}/reset"), "").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

/// Issue 12, defect 4: 200 survey answers were stuffed in 0.2 s, and anonymous visitors posted
/// evaluations on other people's dossiers. One address may now answer the survey 30 times an hour
/// and evaluate 10 times an hour; an evaluation needs the dossier's code and phone, behind the
/// lookup's own guards.
#[tokio::test]
async fn survey_and_evaluation_posts_are_limited_per_address() {
    let app = TestApp::new("sqlite").await;
    let post_from = |from: &'static str, path: &'static str, body: String| {
        let csrf = "a".repeat(64);
        let mut req = Request::post(path)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("cookie", format!("motcua_csrf={csrf}"))
            .body(Body::from(format!("csrf={csrf}&{body}")))
            .unwrap();
        let addr: std::net::SocketAddr = format!("{from}:40000").parse().unwrap();
        req.extensions_mut().insert(axum::extract::ConnectInfo(addr));
        app.router.clone().oneshot_raw(req)
    };
    let mut statuses = Vec::new();
    for _ in 0..31 {
        statuses.push(post_from("203.0.113.8", "/survey/000.00.17.H34", "q1=5".into()).await.status());
    }
    assert!(statuses[..30].iter().all(|s| *s != StatusCode::TOO_MANY_REQUESTS), "{statuses:?}");
    assert_eq!(statuses[30], StatusCode::TOO_MANY_REQUESTS);
    let other = post_from("203.0.113.9", "/survey/000.00.17.H34", "q1=5".into()).await.status();
    assert_ne!(other, StatusCode::TOO_MANY_REQUESTS, "another address is not held up");
    let mut statuses = Vec::new();
    for i in 0..11 {
        let body = format!("code=000.00.17.H34-260212-{i:04}&phone_last4=1234&overall=not_satisfied");
        statuses.push(post_from("203.0.113.10", "/lookup/evaluate", body).await.status());
    }
    assert!(statuses[..10].iter().all(|s| *s == StatusCode::NOT_FOUND), "{statuses:?}");
    assert_eq!(statuses[10], StatusCode::TOO_MANY_REQUESTS);
}

/// Issue 13, point 7: an unknown address is an HTML page in Vietnamese (JSON only under `/api`),
/// there is a favicon, and the officer's timeline reads in words, not event codes; a day-based
/// step deadline reads as the end of its last day.
#[tokio::test]
async fn html_errors_on_html_routes_a_favicon_and_a_readable_timeline() {
    use motcua_domain::org::Role;
    let app = TestApp::new("sqlite").await;
    let (status, page) = get_page(&app, "/khong-co-trang-nay", "").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(page.starts_with("<!doctype html>") && page.contains("không có địa chỉ này"), "{page}");
    let res = app.get("/api/v1/khong-co", None).await;
    assert_eq!((res.status, res.body["code"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")));
    let res = app.router.clone().oneshot_raw(Request::get("/favicon.ico").body(Body::empty()).unwrap()).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "image/svg+xml");

    let d = app
        .fx
        .accepted_dossier(app.db.store.as_ref(), motcua_store::testing::at(2026, 2, 12, 9, 0), "0905123456", None)
        .await;
    let forward = motcua_domain::dossier::Action::Forward { note: None, assignee: None };
    let d = app
        .fx
        .act(app.db.store.as_ref(), &d, forward, &app.fx.reception, motcua_store::testing::at(2026, 2, 12, 10, 0))
        .await;
    add_user(&app, "quay-tl", false, vec![grant(&app, Role::Reception, Some("VP"))]).await;
    let (_, cookie) = sign_in(&app, "quay-tl", PASSWORD).await;
    let (_, page) = get_page(&app, &format!("/office/dossiers/{}", d.id), &cookie).await;
    assert!(page.contains("Tiếp nhận hồ sơ → "), "{page}");
    assert!(!page.contains("accept → "), "no raw event code");
    assert!(page.contains("Chuyển xử lý → "), "{page}");
    // The appraisal's 7 working days end at the end of a day: "24:00", never "00:00" of the next.
    assert!(page.contains("<td>24:00 "), "{page}");
    assert!(!page.contains("<td>00:00 "), "{page}");
}

/// Issue 13, point 7: a form or query string the server cannot read is answered with an HTML
/// page in Vietnamese on an HTML route, not axum's plain text or JSON.
#[tokio::test]
async fn unreadable_forms_on_html_routes_get_an_html_page() {
    let app = TestApp::new("sqlite").await;
    let req = Request::post("/login")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", format!("motcua_csrf={}", "a".repeat(64)))
        .body(Body::from("csrf=x"))
        .unwrap();
    let res = app.router.clone().oneshot_raw(req).await;
    assert!(res.status().is_client_error(), "{}", res.status());
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let (status, page) = get_page(&app, "/procedures?page=abc", "").await;
    assert!(status.is_client_error());
    assert!(page.starts_with("<!doctype html>") && page.contains("Không thực hiện được"), "{page}");
    // The page names the parameter in Vietnamese, as the API does, not in serde's English alone.
    assert!(page.contains("tham số truy vấn không hợp lệ: page: giá trị không hợp lệ"), "{page}");
    let (status, page) = get_page(&app, "/lookup?code=a&code=b&phone_last4=1234", "").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("code: có hai lần") && !page.contains("Failed to deserialize"), "{page}");
}

/// A department whose staff share one address raises `limits.sign_in_per_minute`: thirty
/// colleagues sign in in the same minute.
#[tokio::test]
async fn the_sign_in_limit_per_address_is_configuration() {
    let config = motcua_web::WebConfig { sign_in_per_minute: 60, ..Default::default() };
    let app = TestApp::with_config("sqlite", config).await;
    for i in 0..30 {
        add_user(&app, &format!("canbo{i}"), false, vec![]).await;
    }
    for i in 0..30 {
        let (status, _) = sign_in_from(&app, "203.0.113.50", &format!("canbo{i}"), PASSWORD).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "colleague {i}");
    }
}

/// A posted form is read by `CsrfForm`: the token first, then the fields. An oversized body is a
/// 413 and a field of the wrong shape a 422, each as an HTML page, and neither reaches the handler.
#[tokio::test]
async fn a_form_too_large_or_of_the_wrong_shape_is_a_4xx_page() {
    let app = TestApp::new("sqlite").await;
    let csrf = "a".repeat(64);
    let post = |body: Vec<u8>| {
        Request::post("/login")
            .header("content-type", "application/x-www-form-urlencoded")
            .header("cookie", format!("motcua_csrf={csrf}"))
            .body(Body::from(body))
            .unwrap()
    };
    let mut big = format!("csrf={csrf}&username=").into_bytes();
    big.resize(big.len() + 21 * 1024 * 1024, b'x');
    let res = app.router.clone().oneshot_raw(post(big)).await;
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/html"));

    // A signed-in citizen's action form with a version that is not a number.
    add_user(&app, "congdan-form", true, vec![]).await;
    let (_, cookie) = sign_in(&app, "congdan-form", PASSWORD).await;
    let path = format!("/my/dossiers/{}/act", uuid::Uuid::now_v7());
    let (status, _, page) = post_form(&app, &cookie, &path, "version=abc&action=withdraw&reason=x").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert!(page.contains("<html") && page.contains("biểu mẫu không đúng: version: giá trị không hợp lệ"), "{page}");
}

/// Who may open which page is stated by each handler's extractor: a visitor is sent to sign in
/// and brought back to the page asked for; a person without the role gets a 403 page in HTML
/// (never the API's JSON), whatever the page.
#[tokio::test]
async fn each_page_admits_only_the_people_its_signature_names() {
    use motcua_domain::org::Role;
    let app = TestApp::new("sqlite").await;
    add_user(&app, "congdan", true, vec![]).await;
    add_user(&app, "thanhtra", false, vec![grant(&app, Role::Inspector, None)]).await;
    add_user(&app, "quay", false, vec![grant(&app, Role::Reception, None)]).await;
    add_user(&app, "quantri", false, vec![grant(&app, Role::Admin, None)]).await;
    add_user(&app, "giamdoc", false, vec![grant(&app, Role::AgencyLead, None)]).await;
    let mut sessions = std::collections::HashMap::new();
    for who in ["congdan", "thanhtra", "quay", "quantri", "giamdoc"] {
        let (status, cookie) = sign_in(&app, who, PASSWORD).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{who}");
        sessions.insert(who, cookie);
    }
    // (page, who may open it)
    let table: [(&str, &[&str]); 9] = [
        ("/office", &["thanhtra", "quay", "quantri", "giamdoc"]),
        ("/office/reports", &["thanhtra", "quay", "quantri", "giamdoc"]),
        ("/office/monitoring", &["thanhtra", "quay", "quantri", "giamdoc"]),
        ("/office/calls", &["quay", "giamdoc"]),
        ("/office/calendar-moves", &["quantri", "giamdoc"]),
        ("/admin", &["quantri"]),
        ("/admin/templates", &["quantri"]),
        ("/my", &["congdan"]),
        ("/my/settings", &["congdan"]),
    ];
    for (page, admitted) in table {
        let (status, body) = get_page(&app, page, "").await;
        let req = Request::get(page).body(Body::empty()).unwrap();
        let res = app.router.clone().oneshot_raw(req).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{page} anonymous: {status} {body}");
        let location = res.headers()["location"].to_str().unwrap();
        assert_eq!(location, format!("/login?next={}", urlencode(page)), "{page}");
        for (who, cookie) in &sessions {
            let (status, body) = get_page(&app, page, cookie).await;
            if admitted.contains(who) {
                assert_eq!(status, StatusCode::OK, "{page} as {who}: {body}");
            } else {
                assert_eq!(status, StatusCode::FORBIDDEN, "{page} as {who}");
                assert!(body.starts_with("<!doctype html>") && body.contains("Không thực hiện được"), "{page}: {body}");
            }
        }
    }
    // A form posted by someone without the role changes nothing and says so in HTML.
    let (status, _, body) = post_form(&app, &sessions["thanhtra"], "/office/calendar-moves", "").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, _, _) = post_form(&app, &sessions["quantri"], "/office/calendar-moves", "").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "an administrator sees the moves; only a leader applies them");
}

#[tokio::test]
async fn provenance_notes_are_for_administrators_and_local_codes_are_not_passed_off_as_national() {
    use motcua_domain::org::Role;
    let app = TestApp::new("sqlite").await;
    let mut spec = motcua_store::testing::land_procedure_spec();
    spec.code = "KH.MT.01".into();
    spec.name = "Thủ tục minh họa của Sở".into();
    spec.notes = Some("Nguồn: kho mã nguồn công khai, cần đối chiếu".into());
    app.db
        .store
        .publish_procedure(app.fx.agency.id, &spec, "Đất đai", motcua_store::testing::at(2024, 8, 1, 8, 0))
        .await
        .unwrap();
    let anonymous = "motcua_csrf=".to_owned() + &"a".repeat(64);
    let (status, page) = get_page(&app, "/procedures/KH.MT.01", &anonymous).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!page.contains("kho mã nguồn"), "a citizen does not see where the demo data came from");
    assert!(page.contains("mã nội bộ của cơ quan"), "an agency's own code says so: {page}");
    let (_, national) = get_page(&app, "/procedures/1.004227", &anonymous).await;
    assert!(!national.contains("mã nội bộ"));
    add_user(&app, "quantri-nguon", false, vec![grant(&app, Role::Admin, None)]).await;
    let (_, admin) = sign_in(&app, "quantri-nguon", PASSWORD).await;
    let (_, page) = get_page(&app, "/procedures/KH.MT.01", &admin).await;
    assert!(page.contains("id=\"procedure-notes\"") && page.contains("kho mã nguồn"), "{page}");
}

#[tokio::test]
async fn an_officer_entered_in_the_admin_pages_gets_reminders_and_digests_and_holds_several_roles() {
    use motcua_domain::org::Role;
    let app = TestApp::new("sqlite").await;
    let store = app.db.store.clone();
    let agency = app.fx.agency.id;
    add_user(&app, "quantri-nguoi", false, vec![grant(&app, Role::Admin, None)]).await;
    let (_, admin) = sign_in(&app, "quantri-nguoi", PASSWORD).await;
    // A bad phone number is named and nothing is created.
    let bad =
        "username=vp-moi&full_name=Ng%C3%B4+Th%E1%BB%8B+Mai&role=specialist&unit=VP&phone=12345&email=mai%40example.vn";
    let (status, _, page) = post_form(&app, &admin, "/admin/users", bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("Số điện thoại"), "{page}");
    assert!(store.user_by_username("vp-moi").await.unwrap().is_none());
    let form = "username=vp-moi&full_name=Ng%C3%B4+Th%E1%BB%8B+Mai&role=specialist&unit=VP&phone=0912+345+678&email=mai%40example.vn";
    let (status, _, page) = post_form(&app, &admin, "/admin/users", form).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let officer = store.user_by_username("vp-moi").await.unwrap().unwrap();
    assert_eq!((officer.phone.as_deref(), officer.email.as_deref()), (Some("0912345678"), Some("mai@example.vn")));
    assert!(page.contains("0912345678, mai@example.vn"), "the list shows how to reach them");

    // A second role, in another unit; the same role twice is refused; one can be taken back.
    let path = format!("/admin/users/{}", officer.id);
    let scope = format!("role=unit_lead&scope={agency}%2FDD");
    let (status, location, _) = post_form(&app, &admin, &format!("{path}/grants"), &scope).await;
    assert_eq!((status, location.as_str()), (StatusCode::SEE_OTHER, path.as_str()));
    let (status, _, page) = post_form(&app, &admin, &format!("{path}/grants"), &scope).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("đã có vai trò này"));
    let (_, page) = get_page(&app, &path, &admin).await;
    assert!(page.contains("Chuyên viên") && page.contains("(VP)") && page.contains("(DD)"), "{page}");
    assert_eq!(store.grants(officer.id).await.unwrap().len(), 2);
    let remove = format!("role=unit_lead&agency={agency}&unit=DD");
    post_form(&app, &admin, &format!("{path}/grants/remove"), &remove).await;
    assert_eq!(store.grants(officer.id).await.unwrap().len(), 1);
    // Another agency's scope is not the administrator's to give.
    let other = format!("role=specialist&scope={}", app.fx.other_agency.id);
    assert_eq!(post_form(&app, &admin, &format!("{path}/grants"), &other).await.0, StatusCode::UNPROCESSABLE_ENTITY);
    // Contacts are changed on their page.
    let (status, _, page) = post_form(
        &app,
        &admin,
        &path,
        "full_name=Ng%C3%B4+Th%E1%BB%8B+Mai&phone=0912345678&email=mai.ngo%40example.vn",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("Đã lưu."));

    // The counter unit's dossier runs late: the lead's "Nhắc" reaches her by e-mail.
    let d =
        app.fx.accepted_dossier(store.as_ref(), motcua_store::testing::at(2026, 2, 12, 9, 0), "0905123456", None).await;
    app.clock.set_local(motcua_store::testing::at(2026, 3, 9, 10, 0));
    add_user(&app, "giamdoc-nhac", false, vec![grant(&app, Role::AgencyLead, None)]).await;
    let (_, lead) = sign_in(&app, "giamdoc-nhac", PASSWORD).await;
    let dossier = format!("/office/dossiers/{}", d.id);
    let (status, location, _) = post_form(&app, &lead, &format!("{dossier}/remind"), "").await;
    assert_eq!((status, location), (StatusCode::SEE_OTHER, format!("{dossier}?reminded=1")));
    let (_, page) = get_page(&app, &format!("{dossier}?reminded=1"), &lead).await;
    assert!(page.contains("tới mai.ngo@example.vn"), "{page}");
    // And the morning digest of the next working day.
    let queued = motcua_app::digest::agency_digests(
        store.as_ref(),
        agency,
        motcua_store::testing::at(2026, 3, 10, 7, 45),
        chrono::NaiveTime::from_hms_opt(7, 30, 0).unwrap(),
        2,
        "https://dichvucong.example.vn",
    )
    .await
    .unwrap();
    assert!(queued >= 1);
    let q = motcua_store::DeliveryQuery {
        agencies: vec![agency],
        q: Some("mai.ngo@example.vn".into()),
        page: 1,
        page_size: 10,
        ..Default::default()
    };
    let found = store.search_deliveries(&q).await.unwrap();
    assert_eq!(found.total, 2, "the reminder and the digest: {:?}", found.items);
    let code = d.code.unwrap().to_string();
    assert!(found.items.iter().any(|x| x.body.contains(&code)), "the digest names the late dossier");
}

#[tokio::test]
async fn an_administrator_sets_the_place_and_symbol_the_documents_carry() {
    use motcua_domain::org::Role;
    let app = TestApp::new("sqlite").await;
    add_user(&app, "quantri-vanban", false, vec![grant(&app, Role::Admin, None)]).await;
    let (_, admin) = sign_in(&app, "quantri-vanban", PASSWORD).await;
    let (_, page) = get_page(&app, "/admin", &admin).await;
    assert!(page.contains("12/PTN-SNNMT"), "the default symbol is the name's initials: {page}");
    let (status, _, page) = post_form(&app, &admin, "/admin/forms", "place=Kh%C3%A1nh+H%C3%B2a&symbol=%3Cb%3E").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("Ký hiệu chỉ gồm chữ"), "{page}");
    let (status, _, page) = post_form(&app, &admin, "/admin/forms", "place=Kh%C3%A1nh+H%C3%B2a&symbol=VP%C4%90K").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("12/PTN-VPĐK"), "{page}");
    let d = app
        .fx
        .accepted_dossier(app.db.store.as_ref(), motcua_store::testing::at(2026, 2, 12, 9, 0), "0905123456", None)
        .await;
    add_user(&app, "quay-vanban", false, vec![grant(&app, Role::Reception, None)]).await;
    let (_, counter) = sign_in(&app, "quay-vanban", PASSWORD).await;
    let (_, receipt) = get_page(&app, &format!("/office/dossiers/{}/receipt", d.id), &counter).await;
    assert!(receipt.contains("Khánh Hòa, ngày 12 tháng 02 năm 2026"), "{receipt}");
    assert!(receipt.contains("/PTN-VPĐK"));
}

#[tokio::test]
async fn the_message_log_shows_where_the_national_portal_sync_stands() {
    use motcua_domain::org::Role;
    let app = TestApp::new("sqlite").await;
    // A portal that does not answer (nothing listens on its port).
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let portal = motcua_notify::portal::Portal::new(
        &format!("http://{closed}/create"),
        &format!("http://{closed}/update"),
        "",
        vec!["3".into()],
        std::time::Duration::from_secs(2),
    )
    .unwrap();
    let notifier = motcua_notify::worker::Notifier {
        store: app.db.store.clone(),
        sms: None,
        email: None,
        portal: Some(std::sync::Arc::new(portal)),
        emc: None,
        portal_inbox: None,
        settings: motcua_notify::worker::NotifySettings { digest_at: None, ..Default::default() },
    };
    let now = motcua_store::testing::at(2026, 2, 12, 9, 0);
    app.fx.accepted_dossier(app.db.store.as_ref(), now, "0905123456", None).await;
    notifier.run_once(now).await.unwrap();
    add_user(&app, "quantri-dongbo", false, vec![grant(&app, Role::Admin, None)]).await;
    let (_, admin) = sign_in(&app, "quantri-dongbo", PASSWORD).await;
    let (status, page) = get_page(&app, "/admin/messages?channel=portal", &admin).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Đồng bộ Cổng dịch vụ công quốc gia"), "{page}");
    assert!(page.contains("không kết nối được Cổng DVCQG"), "the failure's reason: {page}");
    assert!(page.contains("id=\"portal-last\">chưa có<"), "nothing delivered yet");
    assert!(page.contains("Cổng DVCQG"), "the channel in the log");
}
