//! Issue 12's smaller defects, each as it was found: through HTTP, on SQLite and PostgreSQL.
//! Each test failed before its fix.

#[macro_use]
mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::pages::{PASSWORD, add_user, csrf_of, get_page, grant, post_form, sign_in};
use common::{TestApp, applicant, pdf, token_of};
use motcua_domain::dossier::Action;
use motcua_domain::org::Role;
use motcua_store::testing::at;
use serde_json::json;

on_every_backend!(
    a_citizen_cannot_confirm_their_own_payment,
    the_result_file_is_an_upload_served_by_its_sniffed_type,
    the_assignee_must_work_the_next_step,
    documents_are_locked_once_the_result_is_ready,
    a_reappointment_stays_within_its_bound,
    a_bad_time_limit_is_a_422_and_a_citizen_never_reaches_the_parser,
    an_oversized_json_body_names_the_limit,
    sign_in_redirects_stay_on_site,
    inspectors_only_read_and_officer_pages_are_not_cached,
    a_citizen_upload_may_be_as_large_as_configured,
);

/// A dossier of the fixture citizen, taken at the counter, now at the specialist's appraisal.
async fn at_appraisal(app: &TestApp) -> motcua_domain::dossier::Dossier {
    let fx = &app.fx;
    let store = app.db.store.as_ref();
    let d = fx.accepted_dossier(store, at(2026, 2, 12, 9, 0), "0905123456", Some(fx.citizen.user_id)).await;
    let forward = Action::Forward { note: None, assignee: None };
    fx.act(store, &d, forward, &fx.reception, at(2026, 2, 12, 9, 30)).await
}

/// The same dossier at the director's signature, the decision step.
async fn at_signature(app: &TestApp) -> motcua_domain::dossier::Dossier {
    let (fx, store) = (&app.fx, app.db.store.as_ref());
    let d = at_appraisal(app).await;
    let forward = || Action::Forward { note: None, assignee: None };
    let d = fx.act(store, &d, forward(), &fx.specialist, at(2026, 2, 12, 10, 0)).await;
    fx.act(store, &d, forward(), &fx.unit_lead, at(2026, 2, 12, 11, 0)).await
}

/// Defect 9: a citizen marked their own fee paid, which restarted the clock without proof.
async fn a_citizen_cannot_confirm_their_own_payment(app: TestApp) {
    let fx = &app.fx;
    let d = at_appraisal(&app).await;
    let ask = Action::RequestPayment { reason: "Nộp lệ phí trước bạ".into(), assessed: None };
    let d = fx.act(app.db.store.as_ref(), &d, ask, &fx.specialist, at(2026, 2, 12, 10, 0)).await;
    app.at(2026, 2, 12, 11, 0);
    let res = app.act(&d.id.to_string(), "payment-received", &fx.citizen, json!({})).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
    let after = app.db.store.dossier(d.agency_id, d.id).await.unwrap().unwrap();
    assert_eq!(after, d, "nothing written");
    // The counter confirms it.
    let res = app.act(&d.id.to_string(), "payment-received", &fx.reception, json!({})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
}

/// Defect 3: the approve action took a client-chosen file (any stored hash, any declared type),
/// and the result was then served as `text/html` on the site's origin.
async fn the_result_file_is_an_upload_served_by_its_sniffed_type(app: TestApp) {
    let fx = &app.fx;
    let d = at_signature(&app).await;
    // A citizen's upload that starts like a PDF and carries a script.
    let evil = b"%PDF-1.4\n<html><script>alert(document.cookie)</script></html>".to_vec();
    let up = app.upload(&d.id.to_string(), 0, &fx.citizen, "application/pdf", evil.clone()).await;
    assert_ne!(up.status, StatusCode::INTERNAL_SERVER_ERROR);
    let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&evil));
    let body = json!({
        "result_number": "12/GCN", "result_date": "2026-02-12",
        "file": { "sha256": sha, "name": "kq.html", "content_type": "text/html", "size": evil.len() }
    });
    let res = app.act(&d.id.to_string(), "approve", &fx.agency_lead, body).await;
    assert_eq!((res.status, res.body["fields"][0]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("file")));
    let res = app
        .act(
            &d.id.to_string(),
            "approve",
            &fx.agency_lead,
            json!({"result_number": "12/GCN", "result_date": "2026-02-12"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    // The result attached by upload at the office page, then downloaded.
    add_user(&app, "lanhdao", false, vec![grant(&app, Role::AgencyLead, None)]).await;
    let (_, cookie) = sign_in(&app, "lanhdao", PASSWORD).await;
    let session = cookie.split(';').next().unwrap().to_owned();
    let version = app.db.store.dossier(d.agency_id, d.id).await.unwrap().unwrap().version;
    let boundary = "motcuaboundary";
    let upload = |csrf: String| {
        let mut body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"version\"\r\n\r\n{version}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file_0\"; filename=\"ket-qua.html\"\r\nContent-Type: text/html\r\n\r\n",
        )
        .into_bytes();
        body.extend_from_slice(&evil);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        Request::post(format!("/office/dossiers/{}/result", d.id))
            .header("content-type", format!("multipart/form-data; boundary={boundary}"))
            .header("cookie", format!("{session}; motcua_csrf={}", "a".repeat(64)))
            .body(Body::from(body))
            .unwrap()
    };
    // An upload without the session's token (a forged form) is refused before anything is kept.
    let res = common::pages::Oneshot::oneshot_raw(app.router.clone(), upload("a".repeat(64))).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(app.db.store.dossier(d.agency_id, d.id).await.unwrap().unwrap().result.unwrap().file.is_none());
    let res = common::pages::Oneshot::oneshot_raw(app.router.clone(), upload(csrf_of(&session))).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let req = Request::get(format!("/office/dossiers/{}/result", d.id))
        .header("cookie", format!("{session}; motcua_csrf={}", "a".repeat(64)))
        .body(Body::empty())
        .unwrap();
    let res = common::pages::Oneshot::oneshot_raw(app.router.clone(), req).await;
    assert_eq!(res.status(), StatusCode::OK);
    let h = res.headers();
    assert_eq!(h["content-type"], "application/pdf", "the type its bytes show, never text/html");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert!(h["content-security-policy"].to_str().unwrap().starts_with("default-src 'none'"));
}

/// Defect 9: `forward` accepted an assignee who does not exist.
async fn the_assignee_must_work_the_next_step(app: TestApp) {
    let fx = &app.fx;
    let accepted = fx.accepted_dossier(app.db.store.as_ref(), at(2026, 2, 12, 9, 0), "0905123456", None).await;
    let d = app.db.store.dossier(accepted.agency_id, accepted.id).await.unwrap().unwrap();
    for nobody in [uuid::Uuid::now_v7(), fx.citizen.user_id, fx.inspector.user_id] {
        let res = app.act(&d.id.to_string(), "forward", &fx.reception, json!({ "assignee": nobody })).await;
        assert_eq!(
            (res.status, res.body["fields"][0]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("assignee"))
        );
    }
    let res = app.act(&d.id.to_string(), "forward", &fx.reception, json!({ "assignee": fx.specialist.user_id })).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.body["dossier"]["assignee"], fx.specialist.user_id.to_string());
}

/// Defect 9: reception could replace a document after the result was ready.
async fn documents_are_locked_once_the_result_is_ready(app: TestApp) {
    let fx = &app.fx;
    let store = app.db.store.as_ref();
    let d = at_signature(&app).await;
    let approve = Action::Approve { result_number: "1/GCN".into(), result_date: at(2026, 2, 12, 0, 0).date() };
    let d = fx.act(store, &d, approve, &fx.agency_lead, at(2026, 2, 12, 14, 0)).await;
    let res = app.upload(&d.id.to_string(), 0, &fx.reception, "application/pdf", pdf(2000)).await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
    assert_eq!(store.dossier(d.agency_id, d.id).await.unwrap().unwrap(), d);
}

/// Defect 9: re-appointment accepted a date in year 2100.
async fn a_reappointment_stays_within_its_bound(app: TestApp) {
    let fx = &app.fx;
    let d = at_appraisal(&app).await;
    let id = d.id.to_string();
    let res =
        app.act(&id, "reappoint", &fx.unit_lead, json!({"new_due_date": "2100-03-16", "reason": "Xác minh"})).await;
    assert_eq!(
        (res.status, res.body["fields"][0]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("new_due_date"))
    );
    assert!(res.body["fields"][0]["message"].as_str().unwrap().contains("30 ngày làm việc"));
    let res =
        app.act(&id, "reappoint", &fx.unit_lead, json!({"new_due_date": "2026-03-16", "reason": "Xác minh"})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
}

/// Defect 8: `{"time_limit": "đ"}` panicked the parser and dropped the connection, for any
/// signed-in citizen, because the body was read before the role was checked.
async fn a_bad_time_limit_is_a_422_and_a_citizen_never_reaches_the_parser(app: TestApp) {
    let spec = json!({ "code": "9.1", "name": "X", "field": "DD", "level": "province", "time_limit": "đ",
        "online": "none", "channels": ["counter"], "result": "X", "effective_from": "2026-01-01",
        "steps": [{ "name": "A", "unit": "VP", "role": "reception", "budget": "\u{80}" }] });
    let path = "/api/v1/agencies/000.00.17.H34/procedures";
    let res = app.post(path, &app.fx.citizen, spec.clone()).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
    let res = app.post(path, &app.fx.admin, spec).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(res.body["message"].as_str().unwrap().contains("thời hạn"), "{}", res.body);
}

/// Defect 9: an oversized JSON body said "tối đa 0 byte".
async fn an_oversized_json_body_names_the_limit(app: TestApp) {
    let mut a = applicant();
    a["address"] = json!("x".repeat(1024 * 1024 + 10));
    let res = app.counter_intake(a).await;
    assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(res.body["message"].as_str().unwrap().contains("1048576"), "{}", res.body);
}

/// Defect 9: `/login?next=/%09/evil.example/…` redirected off-site and `next=/\n…` answered 500.
async fn sign_in_redirects_stay_on_site(app: TestApp) {
    add_user(&app, "0905000333", true, vec![]).await;
    for next in
        ["/%09/evil.example/x", "/%0A/evil.example", "//evil.example", "/%5Cevil.example", "https://evil.example"]
    {
        let (status, page) = get_page(&app, &format!("/login?next={next}"), "").await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains(r#"name="next" value="""#), "{next}: {page}");
        let csrf = "a".repeat(64);
        let req = Request::post("/login")
            .header("content-type", "application/x-www-form-urlencoded")
            .header("cookie", format!("motcua_csrf={csrf}"))
            .body(Body::from(format!("csrf={csrf}&username=0905000333&password={PASSWORD}&next={next}")))
            .unwrap();
        let res = common::pages::Oneshot::oneshot_raw(app.router.clone(), req).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{next}");
        assert_eq!(res.headers()["location"], "/my", "{next}");
    }
}

/// Defect 9: an inspector could freeze a report; officer pages had no `Cache-Control: no-store`.
async fn inspectors_only_read_and_officer_pages_are_not_cached(app: TestApp) {
    add_user(&app, "thanhtra2", false, vec![grant(&app, Role::Inspector, None)]).await;
    let (_, cookie) = sign_in(&app, "thanhtra2", PASSWORD).await;
    let (status, _) = get_page(&app, "/office/reports?period=2026-02", &cookie).await;
    assert_eq!(status, StatusCode::OK, "an inspector reads the reports");
    let (status, _, _) = post_form(&app, &cookie, "/office/reports/freeze", "period=2026-02").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let session = cookie.split(';').next().unwrap();
    let req = Request::get("/office").header("cookie", session).body(Body::empty()).unwrap();
    let res = common::pages::Oneshot::oneshot_raw(app.router.clone(), req).await;
    assert_eq!(res.headers()["cache-control"], "no-store");
    let req = Request::get("/procedures").body(Body::empty()).unwrap();
    let res = common::pages::Oneshot::oneshot_raw(app.router.clone(), req).await;
    assert!(res.headers().get("cache-control").is_none_or(|v| v != "no-store"), "public pages may be cached");
    let res = app.get("/api/v1/dossiers", Some(&app.fx.reception)).await;
    assert_eq!(res.status, StatusCode::OK);
    let req = Request::get("/api/v1/dossiers")
        .header("authorization", format!("Bearer {}", token_of(&app.fx.reception)))
        .body(Body::empty())
        .unwrap();
    let res = common::pages::Oneshot::oneshot_raw(app.router.clone(), req).await;
    assert_eq!(res.headers()["cache-control"], "no-store");
}

/// Defect 9: uploads on the citizen portal stopped at axum's 2 MiB, not the configured 20 MiB.
async fn a_citizen_upload_may_be_as_large_as_configured(app: TestApp) {
    add_user(&app, "0905000444", true, vec![]).await;
    let (_, cookie) = sign_in(&app, "0905000444", PASSWORD).await;
    let session = cookie.split(';').next().unwrap().to_owned();
    let boundary = "motcuaboundary";
    let fields =
        [("name", "Trần Thị Bình"), ("citizen_id", "056190004321"), ("phone", "0914555678"), ("address", "5 Lê Lợi")];
    let mut body = Vec::new();
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{}\r\n", csrf_of(&session))
            .as_bytes(),
    );
    for (k, v) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").as_bytes(),
        );
    }
    body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file_0\"; filename=\"gcn.pdf\"\r\nContent-Type: application/pdf\r\n\r\n").as_bytes());
    body.extend_from_slice(&pdf(3 * 1024 * 1024));
    body.extend_from_slice(format!("\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file_1\"; filename=\"don.pdf\"\r\nContent-Type: application/pdf\r\n\r\n").as_bytes());
    body.extend_from_slice(&pdf(1000));
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let req = Request::post("/submit/1.004227")
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .header("cookie", format!("{session}; motcua_csrf={}", "a".repeat(64)))
        .body(Body::from(body))
        .unwrap();
    let res = common::pages::Oneshot::oneshot_raw(app.router.clone(), req).await;
    assert_ne!(res.status(), StatusCode::PAYLOAD_TOO_LARGE, "3 MiB is within the 20 MiB limit");
    assert!(res.status().is_success() || res.status() == StatusCode::UNPROCESSABLE_ENTITY, "{}", res.status());
    let bytes = http_body_util::BodyExt::collect(res.into_body()).await.unwrap().to_bytes();
    let page = String::from_utf8_lossy(&bytes);
    assert!(page.contains("gcn.pdf"), "the review step lists the 3 MiB file: {page}");
}
