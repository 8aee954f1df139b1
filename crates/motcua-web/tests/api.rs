//! The JSON API as a client uses it, on SQLite and on PostgreSQL: the dossier story, intake at
//! the counter, the public lookup, and bad input that gets a clear 4xx and changes nothing.

#[macro_use]
mod common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use common::{TestApp, applicant, pdf};
use motcua_calendar::{TimeLimit, WorkCalendar};
use serde_json::{Value, json};

on_every_backend!(
    a_version_published_for_a_later_day_is_scheduled_and_intake_goes_on,
    a_result_is_returned_online_only_with_its_file,
    a_citizen_submits_online_and_follows_the_dossier_to_its_result,
    counter_intake_gives_the_code_and_the_calendars_due_date,
    the_public_lookup_answers_a_wrong_code_and_a_wrong_phone_alike,
    bad_input_gets_a_clear_4xx_and_changes_nothing,
    officers_of_another_agency_and_other_citizens_see_nothing,
    the_catalog_is_searchable_without_diacritics,
    publishing_a_procedure_checks_the_budgets_and_the_role,
    dossier_lists_filter_by_state_and_deadline,
    health_and_openapi_answer,
    api_tokens_expire_and_die_with_a_password_reset,
    the_lookup_is_throttled_per_client_and_locked_per_code_on_every_door,
    a_kept_lookup_answer_never_hides_a_change_nor_opens_a_locked_code,
    another_servers_kept_answer_is_read_again_in_the_background,
    text_fields_refuse_control_characters_and_huge_values,
    counter_intake_is_one_event_and_one_message,
);

async fn submit_online(app: &TestApp) -> String {
    let res = app
        .post(
            "/api/v1/dossiers",
            &app.fx.citizen,
            json!({ "procedure_code": "1.004227", "channel": "online", "applicant": applicant() }),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    assert_eq!(res.body["dossier"]["state"], "submitted");
    assert_eq!(res.body["dossier"]["portal_status"], 1);
    res.body["dossier"]["id"].as_str().unwrap().to_owned()
}

fn ok(res: &common::Response) -> &Value {
    assert!(res.status.is_success(), "{} {}", res.status, res.body);
    &res.body
}

async fn a_citizen_submits_online_and_follows_the_dossier_to_its_result(app: TestApp) {
    let fx = &app.fx;
    app.at(2026, 2, 11, 20, 30);
    let id = submit_online(&app).await;
    // Required documents first: accepting without them is refused.
    let early = app.act(&id, "accept", &fx.reception, json!({})).await;
    assert_eq!(early.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", early.body);
    assert!(early.body["message"].as_str().unwrap().contains("thiếu giấy tờ bắt buộc"));
    for index in [0, 1] {
        let up = app.upload(&id, index, &fx.citizen, "application/pdf", pdf(2000)).await;
        ok(&up);
    }

    app.at(2026, 2, 12, 9, 0);
    let accepted = app.act(&id, "accept", &fx.reception, json!({})).await;
    let d = &ok(&accepted)["dossier"];
    assert_eq!(d["code"], "000.00.17.H34-260212-0001");
    assert_eq!(d["due_date"], "2026-03-05");
    assert_eq!(d["state_label"], "Được tiếp nhận");

    ok(&app.act(&id, "forward", &fx.reception, json!({ "note": "Đủ thành phần" })).await);
    app.at(2026, 2, 13, 10, 0);
    ok(&app.act(&id, "request-supplement", &fx.specialist, json!({ "reason": "Bổ sung sơ đồ thửa đất" })).await);
    app.at(2026, 2, 24, 8, 0);
    let back = app.act(&id, "supplement-received", &fx.citizen, json!({})).await;
    let cal = WorkCalendar::vietnam().unwrap();
    let restarted = cal.due(common::local("2026-02-24T08:00:00"), TimeLimit::WorkingDays(10)).unwrap().date;
    assert_eq!(ok(&back)["dossier"]["due_date"], restarted.to_string());
    ok(&app.act(&id, "forward", &fx.specialist, json!({})).await);
    ok(&app.act(&id, "forward", &fx.unit_lead, json!({})).await);
    app.at(2026, 3, 2, 14, 0);
    ok(&app
        .act(&id, "approve", &fx.agency_lead, json!({ "result_number": "45/GCN", "result_date": "2026-03-02" }))
        .await);
    app.at(2026, 3, 3, 8, 0);
    let returned = app.act(&id, "return-result", &fx.reception, json!({ "channel": "counter" })).await;
    let d = &ok(&returned)["dossier"];
    assert_eq!(d["state_label"], "Đã trả kết quả");
    assert_eq!(d["portal_status"], 10);
    assert_eq!(d["timeliness"], "early");

    let mine = app.get("/api/v1/dossiers", Some(&fx.citizen)).await;
    assert_eq!(ok(&mine)["total"], 1);
    let events = app.get(&format!("/api/v1/dossiers/{id}/events"), Some(&fx.citizen)).await;
    assert_eq!(ok(&events).as_array().unwrap().len(), 11);

    let lookup = app.get("/api/v1/lookup?code=000.00.17.H34-260212-0001&phone_last4=5678", None).await;
    let l = ok(&lookup);
    assert_eq!(l["state_label"], "Đã trả kết quả");
    assert_eq!(l["due_date"], restarted.to_string());
    let text = l.to_string();
    assert!(!text.contains("Trần Thị Bình") && !text.contains("0914") && !text.contains("binh@"), "{text}");
    assert!(text.contains("Yêu cầu bổ sung"));
}

async fn counter_intake_gives_the_code_and_the_calendars_due_date(app: TestApp) {
    let fx = &app.fx;
    app.at(2026, 8, 19, 15, 30);
    let body = json!({ "procedure_code": "1.004227", "channel": "counter", "applicant": applicant() });
    let res = app.post("/api/v1/dossiers", &fx.reception, body).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let d = &res.body["dossier"];
    let cal = WorkCalendar::vietnam().unwrap();
    let due = cal.due(common::local("2026-08-19T15:30:00"), TimeLimit::WorkingDays(10)).unwrap();
    assert_eq!(d["due_date"], due.date.to_string());
    assert_eq!(d["code"], "000.00.17.H34-260819-0001");
    assert_eq!(d["state"], "accepted");
    assert_eq!(d["fees_text"], "550.000 đ");

    // Postal: the handover time is the filing time.
    let postal = json!({
        "procedure_code": "1.004227", "channel": "postal", "applicant": applicant(),
        "postal": { "handover_at": "2026-08-18T16:00:00", "tracking_number": "EB123456789VN" }
    });
    let res = app.post("/api/v1/dossiers", &fx.reception, postal).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    assert_eq!(res.body["dossier"]["received_at"], "2026-08-18T16:00:00");
    assert_eq!(res.body["dossier"]["code"], "000.00.17.H34-260819-0002");
    let postal_due = cal.due(common::local("2026-08-18T16:00:00"), TimeLimit::WorkingDays(10)).unwrap();
    assert_eq!(res.body["dossier"]["due_date"], postal_due.date.to_string());
}

async fn the_public_lookup_answers_a_wrong_code_and_a_wrong_phone_alike(app: TestApp) {
    let body = json!({ "procedure_code": "1.004227", "channel": "counter", "applicant": applicant() });
    ok(&app.post("/api/v1/dossiers", &app.fx.reception, body).await);
    let good = app.get("/api/v1/lookup?code=000.00.17.H34-260212-0001&phone_last4=5678", None).await;
    assert_eq!(ok(&good)["state_label"], "Được tiếp nhận");
    let wrong_phone = app.get("/api/v1/lookup?code=000.00.17.H34-260212-0001&phone_last4=0000", None).await;
    let wrong_code = app.get("/api/v1/lookup?code=000.00.17.H34-260212-0099&phone_last4=5678", None).await;
    assert_eq!(wrong_phone.status, StatusCode::NOT_FOUND);
    assert_eq!(wrong_code.status, StatusCode::NOT_FOUND);
    assert_eq!(wrong_phone.body, wrong_code.body);
    let missing = app.get("/api/v1/lookup?code=abc", None).await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST);
    assert_eq!(missing.body["code"], "bad_request");
    assert_eq!(missing.body["fields"][0]["field"], "phone_last4", "the parameter is named: {}", missing.body);
    let twice = app.get("/api/v1/lookup?code=abc&code=def&phone_last4=1234", None).await;
    assert_eq!((twice.status, &twice.body["fields"][0]["field"]), (StatusCode::BAD_REQUEST, &json!("code")));
}

async fn bad_input_gets_a_clear_4xx_and_changes_nothing(app: TestApp) {
    let fx = &app.fx;
    let id = submit_online(&app).await;
    let before = app.get(&format!("/api/v1/dossiers/{id}"), Some(&fx.reception)).await.body;
    let events_before = app.get(&format!("/api/v1/dossiers/{id}/events"), Some(&fx.reception)).await.body;

    // Malformed JSON.
    let req = Request::builder()
        .method(Method::POST)
        .uri(format!("/api/v1/dossiers/{id}/forward"))
        .header("authorization", format!("Bearer {}", common::token_of(&fx.reception)))
        .header("content-type", "application/json")
        .body(Body::from("{\"version\": 1, "))
        .unwrap();
    let res = app.send(req).await;
    assert_eq!((res.status, res.body["code"].as_str()), (StatusCode::BAD_REQUEST, Some("bad_request")));

    // Unknown procedure; invalid citizen ID and phone, each named.
    let res = app
        .post(
            "/api/v1/dossiers",
            &fx.reception,
            json!({"procedure_code": "9.999", "channel": "counter", "applicant": applicant()}),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.body["fields"][0]["field"], "procedure_code");
    let mut bad = applicant();
    bad["citizen_id"] = json!("12345");
    bad["phone"] = json!("0123 456");
    let res = app
        .post(
            "/api/v1/dossiers",
            &fx.reception,
            json!({"procedure_code": "1.004227", "channel": "counter", "applicant": bad}),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<&str> =
        res.body["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["applicant.citizen_id", "applicant.phone"]);
    assert_eq!(res.body["fields"][0]["message"], "số định danh cá nhân phải gồm đúng 12 chữ số");

    // A body of the wrong shape names the field too, by its path, in Vietnamese first.
    let shapes = [
        (json!({"channel": "counter", "applicant": applicant()}), "procedure_code", "bắt buộc"),
        (
            json!({"procedure_code": "1.004227", "channel": "fax", "applicant": applicant()}),
            "channel",
            "không được chấp nhận",
        ),
        (json!({"procedure_code": 5, "channel": "counter", "applicant": applicant()}), "procedure_code", "sai kiểu"),
        (
            json!({"procedure_code": "1.004227", "channel": "counter", "applicant": {"name": "A", "phone": 12}}),
            "applicant.phone",
            "sai kiểu",
        ),
    ];
    let res = app.post("/api/v1/dossiers", &fx.reception, json!("hồ sơ")).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.body["message"].as_str().unwrap().starts_with("dữ liệu không đúng cấu trúc: sai kiểu dữ liệu"),
        "{}",
        res.body
    );
    for (body, field, words) in shapes {
        let res = app.post("/api/v1/dossiers", &fx.reception, body).await;
        assert_eq!((res.status, res.body["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_input")));
        assert_eq!(res.body["fields"][0]["field"], field, "{}", res.body);
        let message = res.body["fields"][0]["message"].as_str().unwrap();
        assert!(message.contains(words) && !message.contains("line 1"), "{message}");
    }

    // A transition the state does not allow; one the role does not allow; a stale version.
    let res =
        app.act(&id, "approve", &fx.agency_lead, json!({"result_number": "1", "result_date": "2026-02-12"})).await;
    assert_eq!((res.status, res.body["code"].as_str()), (StatusCode::CONFLICT, Some("invalid_transition")));
    assert!(res.body["message"].as_str().unwrap().contains("Mới đăng ký"));
    let res = app.act(&id, "refuse-intake", &fx.specialist, json!({"reason": "x"})).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    let res = app
        .post(&format!("/api/v1/dossiers/{id}/ask-to-complete"), &fx.reception, json!({"version": 0, "reason": "x"}))
        .await;
    assert_eq!((res.status, res.body["code"].as_str()), (StatusCode::CONFLICT, Some("stale_version")));
    let res = app.act(&id, "ask-to-complete", &fx.reception, json!({})).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "missing reason: {}", res.body);
    let res = app.act(&id, "ask-to-complete", &fx.reception, json!({"reason": "  "})).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "blank reason: {}", res.body);

    // An oversized upload and a wrongly typed one.
    let res = app.upload(&id, 0, &fx.citizen, "application/pdf", pdf(21 * 1024 * 1024)).await;
    assert_eq!((res.status, res.body["code"].as_str()), (StatusCode::PAYLOAD_TOO_LARGE, Some("payload_too_large")));
    let res = app.upload(&id, 0, &fx.citizen, "application/pdf", b"MZ\x90\x00 not a pdf".to_vec()).await;
    assert_eq!(res.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let res = app.upload(&id, 0, &fx.citizen, "image/png", pdf(100)).await;
    assert_eq!(res.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let res = app.upload(&id, 7, &fx.citizen, "application/pdf", pdf(100)).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    // No token, a bad token, an unknown endpoint.
    assert_eq!(app.get(&format!("/api/v1/dossiers/{id}"), None).await.status, StatusCode::UNAUTHORIZED);
    let req =
        Request::builder().uri("/api/v1/dossiers").header("authorization", "Bearer nope").body(Body::empty()).unwrap();
    assert_eq!(app.send(req).await.status, StatusCode::UNAUTHORIZED);
    let res = app.get("/api/v1/nothing-here", None).await;
    assert_eq!((res.status, res.body["code"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")));

    // Nothing changed.
    assert_eq!(app.get(&format!("/api/v1/dossiers/{id}"), Some(&fx.reception)).await.body, before);
    assert_eq!(app.get(&format!("/api/v1/dossiers/{id}/events"), Some(&fx.reception)).await.body, events_before);
}

async fn officers_of_another_agency_and_other_citizens_see_nothing(app: TestApp) {
    let fx = &app.fx;
    let id = submit_online(&app).await;
    let res = app.get(&format!("/api/v1/dossiers/{id}"), Some(&fx.other_reception)).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    let res = app.post(&format!("/api/v1/dossiers/{id}/accept"), &fx.other_reception, json!({"version": 1})).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    let list = app.get("/api/v1/dossiers", Some(&fx.other_reception)).await;
    assert_eq!(ok(&list)["total"], 0);
    // The inspector of the agency reads but cannot act.
    assert_eq!(app.get(&format!("/api/v1/dossiers/{id}"), Some(&fx.inspector)).await.status, StatusCode::OK);
    assert_eq!(app.act(&id, "accept", &fx.inspector, json!({})).await.status, StatusCode::FORBIDDEN);
    // A citizen can submit online but not take a dossier at the counter.
    let res = app
        .post(
            "/api/v1/dossiers",
            &fx.citizen,
            json!({"procedure_code": "1.004227", "channel": "counter", "applicant": applicant()}),
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
}

async fn the_catalog_is_searchable_without_diacritics(app: TestApp) {
    let res = app.get("/api/v1/procedures?q=dat%20dai&page=1&page_size=10", None).await;
    let body = ok(&res);
    assert_eq!(body["total"], 1);
    assert_eq!(body["items"][0]["code"], "1.004227");
    assert_eq!(body["items"][0]["time_limit_text"], "10 ngày làm việc");
    let res = app.get("/api/v1/procedures?q=%C4%90%E1%BA%A4T", None).await; // "ĐẤT"
    assert_eq!(ok(&res)["total"], 1);
    let res = app.get("/api/v1/procedures/1.004227", None).await;
    assert_eq!(ok(&res)["steps"].as_array().unwrap().len(), 5);
    assert_eq!(app.get("/api/v1/procedures/0.000", None).await.status, StatusCode::NOT_FOUND);
    let res = app.get("/api/v1/procedures?page=abc", None).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    let fields = app.get("/api/v1/fields", None).await;
    assert_eq!(ok(&fields)[0]["name"], "Đất đai");
}

async fn publishing_a_procedure_checks_the_budgets_and_the_role(app: TestApp) {
    let fx = &app.fx;
    let mut spec = serde_json::to_value(motcua_store::testing::land_procedure_spec()).unwrap();
    spec["code"] = json!("1.099999");
    spec["steps"][1]["budget"] = json!("6d");
    let uri = "/api/v1/agencies/000.00.17.H34/procedures";
    let res = app.post(uri, &fx.admin, spec.clone()).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert_eq!(
        res.body["fields"][0]["message"],
        "tổng thời gian các bước là 9 ngày, thời hạn là 10 ngày: thiếu 1 ngày"
    );
    spec["steps"][1]["budget"] = json!("7d");
    assert_eq!(app.post(uri, &fx.reception, spec.clone()).await.status, StatusCode::FORBIDDEN);
    let res = app.post(uri, &fx.admin, spec).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    assert_eq!(res.body["version"], 1);
    assert_eq!(ok(&app.get("/api/v1/procedures?q=bien%20dong", None).await)["total"], 2);
}

async fn dossier_lists_filter_by_state_and_deadline(app: TestApp) {
    let fx = &app.fx;
    app.at(2026, 3, 2, 9, 0);
    for _ in 0..3 {
        let body = json!({ "procedure_code": "1.004227", "channel": "counter", "applicant": applicant() });
        ok(&app.post("/api/v1/dossiers", &fx.reception, body).await);
    }
    submit_online(&app).await;
    let app = &app;
    let count = |q: &'static str| async move {
        app.get(&format!("/api/v1/dossiers?{q}"), Some(&app.fx.reception)).await.body["total"].clone()
    };
    assert_eq!(count("").await, 4);
    assert_eq!(count("state=accepted").await, 3);
    assert_eq!(count("channel=online").await, 1);
    assert_eq!(count("overdue=true").await, 0);
    assert_eq!(count("due_within_days=2").await, 0);
    app.at(2026, 3, 12, 9, 0);
    assert_eq!(count("due_within_days=2").await, 3);
    app.at(2026, 3, 17, 9, 0);
    assert_eq!(count("overdue=true").await, 3);
    assert_eq!(count("received_from=2026-03-02&received_to=2026-03-02").await, 3);
    let res = app.get("/api/v1/dossiers?state=flying", Some(&fx.reception)).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    let res = app.get("/api/v1/dossiers?received_from=2026-03-05&received_to=2026-03-01", Some(&fx.reception)).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
}

async fn health_and_openapi_answer(app: TestApp) {
    let res = app.get("/healthz", None).await;
    assert_eq!(res.status, StatusCode::OK);
    let res = app.get("/readyz", None).await;
    assert_eq!((res.status, res.body.as_str()), (StatusCode::OK, Some("ready")));
    // Each answer carries its request's id, as the logs name it (a proxy's id is kept).
    let req = axum::http::Request::builder().uri("/healthz").body(axum::body::Body::empty()).unwrap();
    let res = tower::ServiceExt::oneshot(app.router.clone(), req).await.unwrap();
    let id = res.headers()["x-request-id"].to_str().unwrap();
    assert!(uuid::Uuid::parse_str(id).is_ok(), "{id}");
    let req = axum::http::Request::builder()
        .uri("/healthz")
        .header("x-request-id", "proxy-42")
        .body(axum::body::Body::empty());
    let res = tower::ServiceExt::oneshot(app.router.clone(), req.unwrap()).await.unwrap();
    assert_eq!(res.headers()["x-request-id"], "proxy-42");
    let doc = app.get("/api/v1/openapi.json", None).await;
    let doc = ok(&doc);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    for path in ["/api/v1/procedures", "/api/v1/dossiers/{id}/request-supplement", "/api/v1/lookup", "/readyz"] {
        assert!(doc["paths"].get(path).is_some(), "{path} missing");
    }
    // The database gone (its connections closed, as at shutdown): neither alive nor ready.
    app.db.store.close().await;
    assert_eq!(app.get("/healthz", None).await.status, StatusCode::SERVICE_UNAVAILABLE);
    let res = app.get("/readyz", None).await;
    assert_eq!((res.status, res.body.as_str()), (StatusCode::SERVICE_UNAVAILABLE, Some("database unavailable")));
}

/// Two servers on one database: each counts its hits locally and adds them in batches, yet
/// together they let through no more than the limit and a batch each.
#[tokio::test]
async fn a_rate_limit_holds_across_two_servers() {
    use motcua_web::rate_limit::LocalCounts;
    let db = motcua_store::testing::TestDb::sqlite().await;
    let (a, b) = (LocalCounts::default(), LocalCounts::default());
    for limit in [3, 200] {
        let key = format!("10.0.0.1|/api/v1/lookup|{limit}");
        let mut allowed = 0;
        for i in 0..(limit * 3) {
            let server = if i % 3 == 0 { &a } else { &b };
            if server.hit(db.store.as_ref(), &key, 600, limit).await.unwrap() {
                allowed += 1;
            }
        }
        let batch = (limit / 20).max(1);
        assert!(allowed >= limit && allowed <= limit + 2 * batch, "limit {limit}: {allowed} allowed");
        if limit < 40 {
            assert_eq!(allowed, limit, "a low limit is exact");
        }
        let seen = db.store.rate_limit_add(&key, 600, 0).await.unwrap();
        assert!(seen >= i64::from(limit), "the database saw the hits: {seen}");
    }
}

#[tokio::test]
async fn public_endpoints_are_rate_limited() {
    let config = motcua_web::WebConfig { public_requests_per_minute: 3, ..Default::default() };
    let app = TestApp::with_config("sqlite", config).await;
    for _ in 0..3 {
        assert_eq!(app.get("/api/v1/procedures", None).await.status, StatusCode::OK);
    }
    let res = app.get("/api/v1/procedures", None).await;
    assert_eq!((res.status, res.body["code"].as_str()), (StatusCode::TOO_MANY_REQUESTS, Some("rate_limited")));
    // A new minute, a new window.
    app.at(2026, 2, 12, 9, 2);
    assert_eq!(app.get("/api/v1/procedures", None).await.status, StatusCode::OK);
}

/// Issue 12, defect 7: tokens never expired and survived a password reset. Now a token lives
/// `api_token_days`, its owner lists and revokes it, and a password reset or a deactivation
/// revokes them all.
async fn api_tokens_expire_and_die_with_a_password_reset(app: TestApp) {
    use common::pages::{PASSWORD, add_user, grant};
    let user =
        add_user(&app, "tokenuser", false, vec![grant(&app, motcua_domain::org::Role::Specialist, Some("DD"))]).await;
    let new_token = |name: &str| {
        let body = json!({ "username": "tokenuser", "password": PASSWORD, "name": name });
        app.request(Method::POST, "/api/v1/auth/token", None, Some(body))
    };
    let bearer = |token: &str| format!("Bearer {token}");
    let me = |token: String| {
        let req =
            Request::get("/api/v1/auth/tokens").header("authorization", bearer(&token)).body(Body::empty()).unwrap();
        app.send(req)
    };
    let first = new_token("tich-hop").await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    let token = first.body["token"].as_str().unwrap().to_owned();
    assert_eq!(first.body["expires_at"], "2026-03-14T09:00:00");
    let listed = me(token.clone()).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);
    assert_eq!(listed.body[0]["name"], "tich-hop");
    // After its 30 days it no longer opens anything.
    app.at(2026, 3, 14, 9, 1);
    assert_eq!(me(token.clone()).await.status, StatusCode::UNAUTHORIZED);
    app.at(2026, 2, 12, 9, 0);
    // Its owner revokes it.
    let id = listed.body[0]["id"].as_str().unwrap().to_owned();
    let req = Request::delete(format!("/api/v1/auth/tokens/{id}"))
        .header("authorization", bearer(&token))
        .body(Body::empty())
        .unwrap();
    assert_eq!(app.send(req).await.status, StatusCode::NO_CONTENT);
    assert_eq!(me(token).await.status, StatusCode::UNAUTHORIZED);
    // A password reset revokes every token.
    let second = new_token("khac").await.body["token"].as_str().unwrap().to_owned();
    assert_eq!(me(second.clone()).await.status, StatusCode::OK);
    app.db.store.set_password_hash(user, "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$x").await.unwrap();
    assert_eq!(me(second).await.status, StatusCode::UNAUTHORIZED);
    // Another user's token cannot be revoked by someone who does not administer them.
    let req = Request::delete(format!("/api/v1/auth/tokens/{id}?user_id={user}"))
        .header("authorization", format!("Bearer {}", common::token_of(&app.fx.specialist)))
        .body(Body::empty())
        .unwrap();
    assert_eq!(app.send(req).await.status, StatusCode::FORBIDDEN);
}

/// A GET from the client address `from` (as the server sees the connection).
async fn get_from(app: &TestApp, from: &str, uri: &str, forwarded: Option<&str>) -> common::Response {
    get_from_server(app, &app.router, from, uri, forwarded).await
}

/// [`get_from`] sent to `router` (another server of the same service).
async fn get_from_server(
    app: &TestApp,
    router: &axum::Router,
    from: &str,
    uri: &str,
    forwarded: Option<&str>,
) -> common::Response {
    let mut req = Request::get(uri);
    if let Some(f) = forwarded {
        req = req.header("x-forwarded-for", f);
    }
    let mut req = req.body(Body::empty()).unwrap();
    let addr: std::net::SocketAddr = format!("{from}:50000").parse().unwrap();
    req.extensions_mut().insert(axum::extract::ConnectInfo(addr));
    app.send_to(router, req).await
}

/// Issue 14: a server keeps found lookup answers for two seconds (`lookup_cache`). A change made
/// through it shows at once, a wrong phone is never answered from what is kept, and a code
/// locked by wrong phones stays locked for the right one.
async fn a_kept_lookup_answer_never_hides_a_change_nor_opens_a_locked_code(app: TestApp) {
    let body = json!({ "procedure_code": "1.004227", "channel": "counter", "applicant": applicant() });
    let id =
        ok(&app.post("/api/v1/dossiers", &app.fx.reception, body).await)["dossier"]["id"].as_str().unwrap().to_owned();
    let code = "000.00.17.H34-260212-0001";
    let uri = format!("/api/v1/lookup?code={code}&phone_last4=5678");
    let before = get_from(&app, "192.0.2.7", &uri, None).await;
    assert_eq!(ok(&before)["state"], "accepted");
    assert_eq!(ok(&get_from(&app, "192.0.2.7", &uri, None).await)["state"], "accepted", "kept");
    let forwarded = app.act(&id, "forward", &app.fx.reception, json!({ "note": "Đủ thành phần" })).await;
    let now = ok(&forwarded)["dossier"]["state"].clone();
    assert_ne!(now, "accepted");
    assert_eq!(ok(&get_from(&app, "192.0.2.7", &uri, None).await)["state"], now, "the change shows at once");
    // Wrong phones go the whole way, and five lock the code even for the right phone.
    for i in 0..5 {
        let wrong =
            get_from(&app, &format!("198.51.100.{i}"), &format!("/api/v1/lookup?code={code}&phone_last4=000{i}"), None)
                .await;
        assert_eq!(wrong.status, StatusCode::NOT_FOUND);
    }
    let locked = get_from(&app, "192.0.2.7", &uri, None).await;
    assert_eq!(locked.status, StatusCode::NOT_FOUND, "locked, kept answer or not");
}

/// Several servers: a second server keeps its own answers (1 s here). A change made through the
/// first shows there once the answer's time is past: the first lookup after it still gets the
/// kept answer, without waiting, and has it read again in the background; the next lookups get
/// the change. A code locked through the first server is locked on the second once its kept
/// answer is past its time.
async fn another_servers_kept_answer_is_read_again_in_the_background(app: TestApp) {
    let second = app.another_server(motcua_web::WebConfig { lookup_cache_seconds: 1, ..Default::default() });
    let body = json!({ "procedure_code": "1.004227", "channel": "counter", "applicant": applicant() });
    let id =
        ok(&app.post("/api/v1/dossiers", &app.fx.reception, body).await)["dossier"]["id"].as_str().unwrap().to_owned();
    let code = "000.00.17.H34-260212-0001";
    let uri = format!("/api/v1/lookup?code={code}&phone_last4=5678");
    // Each lookup from its own address: the per-address limit (20 a minute) is not what is tried.
    let n = std::cell::Cell::new(0u8);
    let lookup = || {
        n.set(n.get() + 1);
        let from = format!("192.0.2.{}", n.get());
        let (app, second, uri) = (&app, &second, &uri);
        async move { get_from_server(app, second, &from, uri, None).await }
    };
    assert_eq!(ok(&lookup().await)["state"], "accepted");
    let forwarded = app.act(&id, "forward", &app.fx.reception, json!({ "note": "Đủ thành phần" })).await;
    let now = ok(&forwarded)["dossier"]["state"].clone();
    assert_eq!(ok(&lookup().await)["state"], "accepted", "kept by the second server within its time");
    tokio::time::sleep(std::time::Duration::from_millis(1050)).await;
    assert_eq!(ok(&lookup().await)["state"], "accepted", "past its time: given while it is read again");
    let mut seen = Vec::new();
    for _ in 0..40 {
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        seen.push(ok(&lookup().await)["state"].clone());
        if seen.last() == Some(&now) {
            break;
        }
    }
    assert_eq!(seen.last(), Some(&now), "the background read brought the change: {seen:?}");
    // Five wrong phones through the first server lock the code; the second server's next read
    // again drops its kept answer, and then it answers "not found" like the first.
    for i in 0..5 {
        let wrong = format!("/api/v1/lookup?code={code}&phone_last4=000{i}");
        assert_eq!(get_from(&app, &format!("198.51.100.{i}"), &wrong, None).await.status, StatusCode::NOT_FOUND);
    }
    let mut statuses = Vec::new();
    for _ in 0..100 {
        let status = lookup().await.status;
        statuses.push(status);
        if status == StatusCode::NOT_FOUND {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    assert_eq!(statuses.last(), Some(&StatusCode::NOT_FOUND), "locked on every server: {statuses:?}");
}

/// Issue 12, defect 4: `/lookup` and `/kiosk` had no limit (all 10,000 last-four digits were
/// tried in 1.7 s), and the leftmost X-Forwarded-For entry, which the client writes, was taken
/// as its address. Now the API, the page and the kiosk share one count per client, five wrong
/// phones lock a code for the hour from everywhere, and the client is the rightmost address
/// that is not a trusted proxy.
async fn the_lookup_is_throttled_per_client_and_locked_per_code_on_every_door(app: TestApp) {
    let body = json!({ "procedure_code": "1.004227", "channel": "counter", "applicant": applicant() });
    ok(&app.post("/api/v1/dossiers", &app.fx.reception, body.clone()).await);
    ok(&app.post("/api/v1/dossiers", &app.fx.reception, body).await);
    let first = "000.00.17.H34-260212-0001";
    let second = "000.00.17.H34-260212-0002";
    // Five wrong phones on the first code, from five addresses and through three doors.
    for (i, path) in
        ["/api/v1/lookup", "/lookup", "/kiosk?mode=lookup&", "/api/v1/lookup", "/lookup"].iter().enumerate()
    {
        let sep = if path.ends_with('&') { "" } else { "?" };
        let uri = format!("{path}{sep}code={first}&phone_last4={:04}", 1000 + i);
        let res = get_from(&app, &format!("198.51.100.{i}"), &uri, None).await;
        if path.starts_with("/api") {
            assert_eq!(res.status, StatusCode::NOT_FOUND, "{uri}");
        } else {
            assert_eq!(res.status, StatusCode::OK, "{uri}");
            assert!(
                res.body.as_str().is_some_and(|p| p.contains("id=\"not-found\"") || p.contains("Không tìm thấy")),
                "{uri}"
            );
        }
    }
    // Now even the right phone finds nothing for that code this hour; the other code works.
    let right = get_from(&app, "192.0.2.1", &format!("/api/v1/lookup?code={first}&phone_last4=5678"), None).await;
    assert_eq!(right.status, StatusCode::NOT_FOUND, "the code is locked");
    let other = get_from(&app, "192.0.2.1", &format!("/api/v1/lookup?code={second}&phone_last4=5678"), None).await;
    assert_eq!(ok(&other)["code"], second);
    app.at(2026, 2, 12, 10, 1);
    let right = get_from(&app, "192.0.2.1", &format!("/api/v1/lookup?code={first}&phone_last4=5678"), None).await;
    assert_eq!(right.status, StatusCode::OK, "an hour later the code answers again");
    // One client: twenty lookups a minute across the API and the page, then 429.
    let mut statuses = Vec::new();
    for i in 0..21 {
        let path = if i % 2 == 0 { "/api/v1/lookup" } else { "/lookup" };
        let uri = format!("{path}?code={second}&phone_last4=5678");
        statuses.push(get_from(&app, "203.0.113.5", &uri, None).await.status);
    }
    assert!(statuses[..20].iter().all(|s| *s == StatusCode::OK), "{statuses:?}");
    assert_eq!(statuses[20], StatusCode::TOO_MANY_REQUESTS);
    // A forged leftmost X-Forwarded-For entry changes nothing: without trusted proxies the peer
    // is the client.
    let res =
        get_from(&app, "203.0.113.5", &format!("/api/v1/lookup?code={second}&phone_last4=5678"), Some("10.9.9.9"))
            .await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
}

/// Issue 12, defect 5: a name with a NUL was accepted (201) and a 900 KiB name too. Every text
/// field now has a length limit and refuses control characters, with a field-level 422.
async fn text_fields_refuse_control_characters_and_huge_values(app: TestApp) {
    let cases = [
        ("name", json!("Công dân\u{0}")),
        ("name", json!("x".repeat(900 * 1024))),
        ("address", json!("Nha Trang\u{7}")),
        ("address", json!("a".repeat(501))),
    ];
    for (field, value) in cases {
        let mut a = applicant();
        a[field] = value;
        let res = app.counter_intake(a).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}");
        assert_eq!(res.body["fields"][0]["field"], format!("applicant.{field}"), "{}", res.body);
    }
    let list = app.get("/api/v1/dossiers?page_size=200", Some(&app.fx.reception)).await;
    assert_eq!(list.body["total"], 0, "nothing was written");
    // A search of a thousand words, or one of 50,000 characters, is a 422, not a 500.
    let many = vec!["dat"; 998].join("+");
    let res = app.get(&format!("/api/v1/procedures?q={many}"), None).await;
    assert_eq!((res.status, res.body["fields"][0]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("q")));
    let long = "a".repeat(50_000);
    let res = app.get(&format!("/api/v1/procedures?q={long}"), None).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = common::pages::get_page(&app, &format!("/procedures?q={many}"), "").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

/// Issue 12, defect 10: counter intake was two transactions (killed between them, a dossier
/// stayed `submitted` without a code) and a walk-in got "Đã nhận hồ sơ trực tuyến" before the
/// acceptance. Now it is one transition: one event, one outbox row, the acceptance.
async fn counter_intake_is_one_event_and_one_message(app: TestApp) {
    let body = json!({ "procedure_code": "1.004227", "channel": "counter", "applicant": applicant() });
    let res = app.post("/api/v1/dossiers", &app.fx.reception, body).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    assert_eq!(res.body["dossier"]["state"], "accepted");
    assert_eq!(res.body["dossier"]["version"], 1);
    let id: uuid::Uuid = res.body["dossier"]["id"].as_str().unwrap().parse().unwrap();
    let events = app.db.store.events(app.fx.agency.id, id).await.unwrap();
    assert_eq!(events.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>(), ["accept"]);
    let outbox = app.db.store.outbox(app.fx.agency.id, id).await.unwrap();
    assert_eq!(outbox.len(), 1);
    assert_eq!(outbox[0].payload["event"], "accept");
    assert_eq!(outbox[0].event_id, Some(events[0].id));
    assert_eq!(events[0].data.to_json()["code"], "000.00.17.H34-260212-0001");
    // Online dossiers are not taken at the counter.
    let online = json!({ "procedure_code": "1.004227", "channel": "online", "applicant": applicant() });
    assert_eq!(app.post("/api/v1/dossiers", &app.fx.reception, online).await.status, StatusCode::CREATED);
}

/// A version published for 15/12/2026 on 30/11/2026 is scheduled, not current: the counter
/// takes dossiers under the version in force, the public page shows that version and announces
/// the next; the history tells what changes; from 15/12 intake uses the new version.
async fn a_version_published_for_a_later_day_is_scheduled_and_intake_goes_on(app: TestApp) {
    let fx = &app.fx;
    app.at(2026, 11, 30, 9, 0);
    let mut spec = serde_json::to_value(motcua_store::testing::land_procedure_spec()).unwrap();
    spec["time_limit"] = json!("7d");
    spec["steps"][1]["budget"] = json!("4d");
    spec["effective_from"] = json!("2026-12-15");
    let res = app.post("/api/v1/agencies/000.00.17.H34/procedures", &fx.admin, spec).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let v2 = res.body["id"].as_str().unwrap().to_owned();

    // Intake on 30/11 works, under version 1 and its ten working days.
    let res = app.counter_intake(applicant()).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    assert_eq!(res.body["dossier"]["procedure_version_id"], json!(fx.procedure.id));
    // The API and the public page show the version in force, and announce the next.
    let shown = ok(&app.get("/api/v1/procedures/1.004227", None).await).clone();
    assert_eq!(shown["version"], 1);
    assert_eq!(shown["time_limit"], "10d");
    let page =
        app.send(axum::http::Request::get("/procedures/1.004227").body(axum::body::Body::empty()).unwrap()).await;
    let html = page.body.as_str().unwrap_or_default().to_owned();
    assert!(html.contains("10 ngày làm việc"), "the time limit in force: {html}");
    assert!(html.contains("Quy định mới áp dụng từ 15/12/2026"), "{html}");
    assert!(html.contains("Thời hạn giải quyết</strong>: 7 ngày làm việc"), "{html}");
    // The history: what each version is today, and what changed.
    let history = ok(&app.get("/api/v1/procedures/1.004227/versions", None).await).clone();
    assert_eq!(history[0]["status"], "in_force");
    assert_eq!(history[1]["status"], "scheduled");
    let parts: Vec<&str> =
        history[1]["changes"].as_array().unwrap().iter().map(|c| c["part"].as_str().unwrap()).collect();
    assert!(
        parts.contains(&"Thời hạn giải quyết")
            && parts.contains(&"Trình tự xử lý")
            && parts.contains(&"Ngày có hiệu lực"),
        "{parts:?}"
    );
    assert_eq!(history[1]["changes"][0]["before"], "10 ngày làm việc", "{history}");

    // From its first day, the new version applies.
    app.at(2026, 12, 15, 9, 0);
    let res = app.counter_intake(applicant()).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    assert_eq!(res.body["dossier"]["procedure_version_id"], json!(v2));
    let history = ok(&app.get("/api/v1/procedures/1.004227/versions", None).await).clone();
    assert_eq!((history[0]["status"].as_str(), history[1]["status"].as_str()), (Some("superseded"), Some("in_force")));
}

/// "Returned online" means the applicant can download the result: without its file, refused.
async fn a_result_is_returned_online_only_with_its_file(app: TestApp) {
    use motcua_domain::dossier::Action;
    use motcua_store::testing::at;
    let fx = &app.fx;
    let store = app.db.store.as_ref();
    let d = fx.accepted_dossier(store, at(2026, 2, 12, 9, 0), "0905123456", None).await;
    let forward = || Action::Forward { note: None, assignee: None };
    let d = fx.act(store, &d, forward(), &fx.reception, at(2026, 2, 12, 10, 0)).await;
    let d = fx.act(store, &d, forward(), &fx.specialist, at(2026, 2, 16, 9, 0)).await;
    let d = fx.act(store, &d, forward(), &fx.unit_lead, at(2026, 2, 16, 15, 0)).await;
    let approve = Action::Approve { result_number: "12/GCN".into(), result_date: at(2026, 2, 17, 0, 0).date() };
    let d = fx.act(store, &d, approve, &fx.agency_lead, at(2026, 2, 17, 9, 0)).await;
    app.at(2026, 2, 18, 9, 0);
    let id = d.id.to_string();
    let res = app.act(&id, "return-result", &fx.reception, json!({ "channel": "online" })).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert_eq!(res.body["fields"][0]["field"], "channel");
    assert!(res.body["fields"][0]["message"].as_str().unwrap().contains("tệp kết quả"), "{}", res.body);
    assert_eq!(ok(&app.get(&format!("/api/v1/dossiers/{id}"), Some(&fx.reception)).await)["state"], "result_ready");
    // With the signed result attached, it goes out online.
    let file = motcua_domain::dossier::FileRef {
        sha256: "cd".repeat(32),
        name: "ket-qua.pdf".into(),
        content_type: "application/pdf".into(),
        size: 2000,
    };
    let d = store.dossier(d.agency_id, d.id).await.unwrap().unwrap();
    fx.act(store, &d, Action::AttachResult { file }, &fx.agency_lead, at(2026, 2, 18, 8, 30)).await;
    let res = app.act(&id, "return-result", &fx.reception, json!({ "channel": "online" })).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.body["dossier"]["state"], "returned");
}
