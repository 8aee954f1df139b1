//! Open311 GeoReport v2 conformance over HTTP, on both backends, in XML and JSON: discovery, the
//! services and a service's definition, a request posted with a key and read back (alone, in the
//! list, by its token), the filters, and every error the specification names — 400 for bad input,
//! 403 for a missing or wrong key, 404 for an unknown jurisdiction, service, request or token —
//! each as the standard error list. No personal data of the sender is ever returned; complaints
//! and denunciations are never listed.

#[macro_use]
mod common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use common::TestApp;
use common::pages::Oneshot as _;
use motcua_web::WebConfig;

on_every_backend_with_app!(
    discovery_and_services_in_both_formats,
    a_request_posted_with_a_key_is_read_back_without_personal_data,
);

const KEY: &str = "khoa-open311-thu-nghiem";
const J: &str = "jurisdiction_id=000.00.17.H34";

async fn app(backend: &str) -> TestApp {
    let config =
        WebConfig { open311_api_keys_sha256: vec![motcua_app::accounts::token_hash(KEY)], ..Default::default() };
    TestApp::with_config(backend, config).await
}

/// Status, content type and body of a request.
async fn call(app: &TestApp, method: Method, uri: &str, form: Option<&str>) -> (StatusCode, String, String) {
    let req = Request::builder().method(method).uri(uri);
    let req = match form {
        Some(f) => req.header("content-type", "application/x-www-form-urlencoded").body(Body::from(f.to_owned())),
        None => req.body(Body::empty()),
    }
    .unwrap();
    let res = app.router.clone().oneshot_raw(req).await;
    let status = res.status();
    let mime = res.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    let bytes = http_body_util::BodyExt::collect(res.into_body()).await.unwrap().to_bytes();
    (status, mime, String::from_utf8_lossy(&bytes).to_string())
}

async fn get(app: &TestApp, uri: &str) -> (StatusCode, String, String) {
    call(app, Method::GET, uri, None).await
}

fn json(body: &str) -> serde_json::Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

/// The error list's codes, in JSON.
fn codes(body: &str) -> Vec<i64> {
    json(body).as_array().unwrap().iter().map(|e| e["code"].as_i64().unwrap()).collect()
}

async fn discovery_and_services_in_both_formats(app: TestApp) {
    let (status, mime, body) = get(&app, "/open311/v2/discovery.json").await;
    assert_eq!((status, mime.as_str()), (StatusCode::OK, "application/json; charset=utf-8"));
    let d = json(&body);
    assert_eq!(d["endpoints"][0]["specification"], "http://wiki.open311.org/GeoReport_v2");
    assert_eq!(d["endpoints"][0]["formats"], serde_json::json!(["text/xml", "application/json"]));
    let (status, mime, xml) = get(&app, "/open311/v2/discovery.xml").await;
    assert_eq!((status, mime.as_str()), (StatusCode::OK, "text/xml; charset=utf-8"));
    assert!(xml.starts_with(r#"<?xml version="1.0" encoding="utf-8"?><discovery>"#), "{xml}");
    assert!(xml.contains("<formats><format>text/xml</format><format>application/json</format></formats>"), "{xml}");
    // Two agencies here: the jurisdiction is required; an unknown one is not found.
    let (status, _, body) = get(&app, "/open311/v2/services.json").await;
    assert_eq!((status, codes(&body)), (StatusCode::BAD_REQUEST, vec![400]));
    let (status, _, body) = get(&app, "/open311/v2/services.json?jurisdiction_id=000.00.99.H34").await;
    assert_eq!((status, codes(&body)), (StatusCode::NOT_FOUND, vec![404]));
    let (status, _, body) = get(&app, &format!("/open311/v2/services.json?{J}")).await;
    assert_eq!(status, StatusCode::OK);
    let services = json(&body);
    let list: Vec<&str> = services.as_array().unwrap().iter().map(|s| s["service_code"].as_str().unwrap()).collect();
    assert_eq!(list, ["regulation", "conduct", "question"]);
    assert!(services.as_array().unwrap().iter().all(|s| s["type"] == "realtime"));
    let (_, _, xml) = get(&app, &format!("/open311/v2/services.xml?{J}")).await;
    assert!(xml.contains("<services><service>") && xml.contains("<service_code>conduct</service_code>"), "{xml}");
    // A definition: conduct asks for the officer concerned.
    let (status, _, body) = get(&app, &format!("/open311/v2/services/conduct.json?{J}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(json(&body)["attributes"][0]["code"], "officer");
    let (status, _, xml) = get(&app, &format!("/open311/v2/services/khong-co.xml?{J}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(xml.contains("<errors><error><code>404</code><description>"), "{xml}");
    // A format that is neither: 400.
    let (status, _, _) = get(&app, &format!("/open311/v2/services.html?{J}")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

async fn a_request_posted_with_a_key_is_read_back_without_personal_data(app: TestApp) {
    let post = |form: String| {
        let app = &app;
        async move { call(app, Method::POST, "/open311/v2/requests.json", Some(&form)).await }
    };
    let good = format!(
        "api_key={KEY}&{J}&service_code=regulation&address_string=12+L%C3%AA+L%E1%BB%A3i%2C+Nha+Trang&first_name=B%C3%ACnh&last_name=Tr%E1%BA%A7n&phone=0905123456&description=Th%E1%BB%9Di+h%E1%BA%A1n+qu%C3%A1+d%C3%A0i"
    );
    // The key: missing or wrong, 403.
    let (status, _, body) = post(good.replace(&format!("api_key={KEY}&"), "")).await;
    assert_eq!((status, codes(&body)), (StatusCode::FORBIDDEN, vec![403]));
    let (status, _, _) = post(good.replace(KEY, "sai")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Bad input, 400; an unknown service or jurisdiction, 404.
    let (status, _, _) = post(good.replace("service_code=regulation&", "")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _, _) = post(good.replace("service_code=regulation", "service_code=khong-co")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = post(good.replace("000.00.17.H34", "000.00.99.H34")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, body) = post(good.replace("address_string=12+L%C3%AA+L%E1%BB%A3i%2C+Nha+Trang&", "")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "a location is required: {body}");
    let (status, _, body) = post(good.replace("&phone=0905123456", "")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("phone"), "the field named: {body}");
    let (status, _, _) = post(format!("{good}{}", "x".repeat(4001))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // Posted: its id and what will happen.
    let (status, _, body) = post(good.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let created = json(&body);
    let id = created[0]["service_request_id"].as_str().unwrap().to_owned();
    assert!(created[0]["service_notice"].as_str().unwrap().contains("15 ngày làm việc"));
    let case = app.db.store.feedback_case(app.fx.agency.id, id.parse().unwrap()).await.unwrap().unwrap();
    assert_eq!(case.sender.name, "Bình Trần");

    // Read back: alone, in the list, by its token; open; no name, phone or address.
    let (status, _, body) = get(&app, &format!("/open311/v2/requests/{id}.json?{J}")).await;
    assert_eq!(status, StatusCode::OK);
    let one = json(&body);
    assert_eq!((one[0]["status"].as_str(), one[0]["service_code"].as_str()), (Some("open"), Some("unclassified")));
    assert!(one[0]["expected_datetime"].as_str().unwrap().ends_with("+07:00"));
    for private in ["0905123456", "Bình", "Lê Lợi"] {
        assert!(!body.contains(private), "{private} in {body}");
    }
    let (_, _, xml) = get(&app, &format!("/open311/v2/requests/{id}.xml?{J}")).await;
    assert!(xml.contains("<service_requests><request>") && xml.contains("<status>open</status>"), "{xml}");
    // Not triaged yet, it is not in the list (it may be a denunciation); triaged, it is.
    let (_, _, body) = get(&app, &format!("/open311/v2/requests.json?{J}")).await;
    assert_eq!(json(&body).as_array().unwrap().len(), 0);
    let (_, _, second) = post(good.clone()).await;
    let second: uuid::Uuid = json(&second)[0]["service_request_id"].as_str().unwrap().parse().unwrap();
    let cal = motcua_calendar::WorkCalendar::vietnam().unwrap();
    let now = motcua_store::testing::at(2026, 2, 12, 10, 0);
    let triaged = app.db.store.feedback_case(app.fx.agency.id, second).await.unwrap().unwrap();
    let regulation =
        motcua_domain::feedback::CaseAction::Classify { kind: motcua_domain::feedback::CaseKind::Regulation };
    motcua_app::feedback::act(
        app.db.store.as_ref(),
        &cal,
        &app.fx.reception,
        &triaged,
        triaged.version,
        regulation,
        now,
    )
    .await
    .unwrap();
    let (_, _, body) = get(&app, &format!("/open311/v2/requests.json?{J}")).await;
    let listed = json(&body);
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["service_code"], "regulation");
    let (_, _, body) = get(&app, &format!("/open311/v2/requests.json?{J}&status=closed")).await;
    assert_eq!(json(&body).as_array().unwrap().len(), 0);
    let (_, _, body) = get(&app, &format!("/open311/v2/requests.json?{J}&service_request_id={id}&status=closed")).await;
    assert_eq!(json(&body).as_array().unwrap().len(), 1, "the id overrides the other filters");
    let (status, _, body) = get(&app, &format!("/open311/v2/tokens/{id}.json?{J}")).await;
    assert_eq!((status, json(&body)[0]["service_request_id"].as_str()), (StatusCode::OK, Some(id.as_str())));
    // The filters' errors.
    let (status, _, _) = get(&app, &format!("/open311/v2/requests.json?{J}&status=pending")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _, _) = get(&app, &format!("/open311/v2/requests.json?{J}&start_date=hom-qua")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let range = "start_date=2026-01-01T00:00:00%2B07:00&end_date=2026-06-01T00:00:00%2B07:00";
    let (status, _, _) = get(&app, &format!("/open311/v2/requests.json?{J}&{range}")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "more than 90 days");
    let (status, _, _) = get(&app, &format!("/open311/v2/requests/{}.json?{J}", uuid::Uuid::now_v7())).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = get(&app, &format!("/open311/v2/tokens/khong-co.xml?{J}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Once triaged as a denunciation, it is listed nowhere.
    let action =
        motcua_domain::feedback::CaseAction::Classify { kind: motcua_domain::feedback::CaseKind::Denunciation };
    motcua_app::feedback::act(app.db.store.as_ref(), &cal, &app.fx.reception, &case, case.version, action, now)
        .await
        .unwrap();
    let (status, _, _) = get(&app, &format!("/open311/v2/requests/{id}.json?{J}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, _, body) = get(&app, &format!("/open311/v2/requests.json?{J}")).await;
    assert_eq!(json(&body).as_array().unwrap().len(), 1, "only the regulation case");
}
