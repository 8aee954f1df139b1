//! Dossiers from the national portal, on both backends, against a loopback fake of the portal
//! (its file service and its sync services): a dossier pushed is kept once, taken in as an online
//! dossier of the citizen's account with its files, and each of its statuses goes back to the
//! portal under the portal's code, in order and once; the citizen's later actions (a supplement,
//! a withdrawal) reach it; one that cannot be mapped waits for the counter with its reason, holds
//! its later messages, and is taken in once the counter names its procedure. A citizen who signs
//! in through the national identity (a loopback OpenID Connect provider) finds their portal
//! dossier on their account. A citizen who signs
//! in through the national identity (a loopback OpenID Connect provider) finds their portal
//! dossier on their account.

#[macro_use]
mod common;

use std::sync::{Arc, Mutex};

use axum::Json;
use axum::http::{Method, StatusCode};
use common::TestApp;
use common::pages::Oneshot as _;
use common::pages::*;
use motcua_domain::dossier::{Action, State};
use motcua_domain::org::Role;
use motcua_notify::worker::{Notifier, NotifySettings};
use motcua_store::testing::at;
use motcua_web::WebConfig;
use serde_json::{Value, json};

const TOKEN: &str = "token-cua-cong-dvcqg-thu-nghiem";

on_every_backend_with_app!(
    a_portal_dossier_is_taken_in_once_and_each_status_goes_back_in_order_once,
    the_citizens_supplement_and_withdrawal_on_the_portal_reach_the_dossier,
    an_unmappable_dossier_waits_for_the_counter_with_its_reason_and_holds_its_later_messages,
    a_push_without_the_token_or_without_codes_keeps_nothing,
);

/// The sign-in story runs against its own provider, on both backends.
mod national_sign_in {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        let (provider, base) = super::start_provider().await;
        let app = super::app_signing_in_at("sqlite", &base).await;
        super::a_citizen_signing_in_through_the_national_identity_sees_their_portal_dossier(app, provider).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        let (provider, base) = super::start_provider().await;
        let app = super::app_signing_in_at("postgres", &base).await;
        super::a_citizen_signing_in_through_the_national_identity_sees_their_portal_dossier(app, provider).await;
    }
}

/// What the fake identity provider expects of the token request: the code challenge and nonce
/// the app sent to its authorization endpoint.
#[derive(Clone, Default)]
struct Provider {
    challenge: Arc<Mutex<String>>,
    nonce: Arc<Mutex<String>>,
}

/// A loopback OpenID Connect provider: the token endpoint checks the code, the client's secret
/// and the PKCE verifier; the userinfo endpoint answers for its access token.
async fn start_provider() -> (Provider, String) {
    use base64::Engine as _;
    let p = Provider::default();
    let q = p.clone();
    let token = axum::routing::post(move |body: String| {
        let q = q.clone();
        async move {
            let form: std::collections::HashMap<String, String> = serde_urlencoded::from_str(&body).unwrap();
            let verifier = form.get("code_verifier").cloned().unwrap_or_default();
            let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .encode(<sha2::Sha256 as sha2::Digest>::digest(verifier.as_bytes()));
            let ok = form.get("code").map(String::as_str) == Some("ma-dang-nhap")
                && form.get("client_secret").map(String::as_str) == Some("bi-mat")
                && challenge == *q.challenge.lock().unwrap();
            if !ok {
                return (StatusCode::BAD_REQUEST, Json(json!({"error": "invalid_grant"})));
            }
            let nonce = q.nonce.lock().unwrap().clone();
            let claims = json!({"iss": "fake", "aud": "motcua", "exp": 4_102_444_800i64, "nonce": nonce});
            let id_token = format!(
                "eyJhbGciOiJSUzI1NiJ9.{}.sig",
                base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(claims.to_string())
            );
            (StatusCode::OK, Json(json!({"access_token": "at-1", "token_type": "Bearer", "id_token": id_token})))
        }
    });
    let userinfo = axum::routing::get(|headers: axum::http::HeaderMap| async move {
        if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some("Bearer at-1") {
            return (StatusCode::UNAUTHORIZED, Json(json!({})));
        }
        (StatusCode::OK, Json(json!({"sub": "vneid-1", "citizen_id": "056190004321", "name": "Lê Thị Hoa"})))
    });
    let router = axum::Router::new().route("/token", token).route("/userinfo", userinfo);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (p, base)
}

async fn app(backend: &str) -> TestApp {
    app_signing_in_at(backend, "http://127.0.0.1:9").await
}

/// The app, offering sign-in through the provider at `base`.
async fn app_signing_in_at(backend: &str, base: &str) -> TestApp {
    let config = WebConfig {
        portal_inbox_token_sha256: Some(motcua_app::accounts::token_hash(TOKEN)),
        national_sign_in: Some(motcua_web::pages::national_sign_in::NationalSignIn {
            authorize_url: format!("{base}/authorize"),
            token_url: format!("{base}/token"),
            userinfo_url: format!("{base}/userinfo"),
            client_id: "motcua".into(),
            client_secret: "bi-mat".into(),
            redirect_url: "http://127.0.0.1:8080/auth/national/callback".into(),
            scope: "openid profile".into(),
            id_claim: "citizen_id".into(),
        }),
        ..Default::default()
    };
    TestApp::with_config(backend, config).await
}

/// A status message the fake was told: (service, MaHoSo, TrangThaiHoSo, the record).
type Told = (String, String, i64, Value);

/// The fake portal: files to serve (503 for the first `file_down` requests), and the status
/// messages it was told: (service, MaHoSo, TrangThaiHoSo, the record).
#[derive(Clone, Default)]
struct Fake {
    file_down: Arc<Mutex<u32>>,
    told: Arc<Mutex<Vec<Told>>>,
}

fn pdf(tag: &str) -> Vec<u8> {
    format!("%PDF-1.4\n% {tag}\n").into_bytes()
}

async fn start_fake() -> (Fake, String) {
    let fake = Fake::default();
    let f = fake.clone();
    let files = axum::routing::get(move |axum::extract::Path(name): axum::extract::Path<String>| {
        let f = f.clone();
        async move {
            let down = {
                let mut d = f.file_down.lock().unwrap();
                let was = *d;
                *d = d.saturating_sub(1);
                was > 0
            };
            if down {
                return (StatusCode::SERVICE_UNAVAILABLE, Vec::new());
            }
            match name.as_str() {
                "trang.txt" => (StatusCode::OK, b"not a pdf".to_vec()),
                "mat.pdf" => (StatusCode::NOT_FOUND, Vec::new()),
                other => (StatusCode::OK, pdf(other)),
            }
        }
    });
    let sync = |kind: &'static str, f: Fake| {
        axum::routing::post(move |Json(body): Json<Value>| {
            let f = f.clone();
            async move {
                let record = body[0].clone();
                let code = record["MaHoSo"].as_str().unwrap_or("").to_owned();
                let mut told = f.told.lock().unwrap();
                if kind == "create" && told.iter().any(|t| t.1 == code) {
                    return Json(json!({"error_code": "3", "message": "đã tồn tại"}));
                }
                told.push((kind.to_owned(), code, record["TrangThaiHoSo"].as_i64().unwrap_or(0), record));
                Json(json!({"error_code": "0", "message": "thành công"}))
            }
        })
    };
    let router = axum::Router::new()
        .route("/files/{name}", files)
        .route("/create", sync("create", fake.clone()))
        .route("/update", sync("update", fake.clone()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (fake, base)
}

fn notifier(app: &TestApp, base: &str) -> Notifier {
    let timeout = std::time::Duration::from_secs(5);
    let portal = motcua_notify::portal::Portal::new(
        &format!("{base}/create"),
        &format!("{base}/update"),
        "",
        vec!["3".into()],
        timeout,
    )
    .unwrap();
    let inbox = motcua_notify::portal_inbox::PortalInbox::new(
        &format!("{base}/files/"),
        5 * 1024 * 1024,
        motcua_app::files::FileStore::new(&app.files_dir),
        timeout,
    )
    .unwrap();
    Notifier {
        store: app.db.store.clone(),
        sms: None,
        email: None,
        portal: Some(Arc::new(portal)),
        emc: None,
        portal_inbox: Some(Arc::new(inbox)),
        settings: NotifySettings { digest_at: None, retry_base_seconds: 60, ..Default::default() },
    }
}

/// A record as the portal sends it for the fixture's procedure (long national code).
fn record(base: &str, code: &str, files: &[(&str, u32)]) -> Value {
    json!({
        "MaHoSo": code,
        "MaTTHC": "1.004227.000.00.00.H34",
        "TenTTHC": "Đăng ký biến động",
        "KenhThucHien": 2,
        "ChuHoSo": "Lê Thị Hoa",
        "LoaiDoiTuong": 1,
        "DinhDanhCHS": [{"LoaiDinhDanh": 1, "SoDinhDanh": "056190004321"}],
        "SoDienThoai": "0914555678",
        "Email": "hoa@example.vn",
        "DiaChi": "12 Trần Phú, Nha Trang",
        "TrangThaiHoSo": "new",
        "NgayNopHoSo": "20260212083000",
        "TaiKhoanDuocXacThucVoiVNeID": 1,
        "TaiLieuNop": files.iter().map(|(name, line)| json!({
            "TenTepDinhKem": name, "MaThanhPhanHoSo": line.to_string(),
            "DuongDanTaiTepTin": format!("{base}/files/{name}"), "IsDeleted": false,
        })).collect::<Vec<_>>(),
    })
}

async fn push(app: &TestApp, token: Option<&str>, body: &Value) -> common::Response {
    let mut req = axum::http::Request::builder()
        .method(Method::POST)
        .uri("/api/v1/portal/000.00.17.H34/dossiers")
        .header("content-type", "application/json");
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    app.send(req.body(axum::body::Body::from(body.to_string())).unwrap()).await
}

/// The counter accepts it (its code taken as the API would).
async fn accept(
    app: &TestApp,
    d: &motcua_domain::dossier::Dossier,
    now: chrono::NaiveDateTime,
) -> motcua_domain::dossier::Dossier {
    let cal = motcua_calendar::WorkCalendar::vietnam().unwrap();
    let at = motcua_app::dossiers::At {
        calendar: &cal,
        now,
        max_reappoint_days: motcua_domain::dossier::DEFAULT_MAX_REAPPOINT_DAYS,
    };
    let store = app.db.store.as_ref();
    motcua_app::dossiers::act(store, &app.fx.reception, d, d.version, Action::Accept, at).await.unwrap().dossier
}

async fn portal_dossier(app: &TestApp, code: &str) -> Option<motcua_domain::dossier::Dossier> {
    let id = app.db.store.portal_dossier_id(app.fx.agency.id, code).await.unwrap()?;
    app.db.store.dossier(app.fx.agency.id, id).await.unwrap()
}

async fn a_portal_dossier_is_taken_in_once_and_each_status_goes_back_in_order_once(app: TestApp) {
    let (fake, base) = start_fake().await;
    let n = notifier(&app, &base);
    let t0 = at(2026, 2, 12, 9, 0);
    app.clock.set_local(t0);
    let code = "H34.99-260212-000123";
    let body = json!([record(&base, code, &[("don.pdf", 1), ("gcn.pdf", 2)])]);
    let r = push(&app, Some(TOKEN), &body).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!((r.body["error_code"].as_str(), r.body["accepted"].as_u64()), (Some("0"), Some(1)));
    // The portal sends it again (its batch job retried): kept once.
    let again = push(&app, Some(TOKEN), &body).await;
    assert_eq!((again.body["accepted"].as_u64(), again.body["repeated"].as_u64()), (Some(0), Some(1)));

    // The portal's file service is down at first: nothing is taken in, nothing lost.
    *fake.file_down.lock().unwrap() = 1;
    n.run_once(t0).await.unwrap();
    assert!(portal_dossier(&app, code).await.is_none(), "no dossier without its files");
    let waiting = app.db.store.portal_messages(app.fx.agency.id, "waiting", 10).await.unwrap();
    assert_eq!(waiting.len(), 1);
    assert!(waiting[0].outcome.as_deref().unwrap_or("").contains("HTTP 503"), "{:?}", waiting[0].outcome);
    // Not before its retry is due; then taken in.
    n.run_once(t0 + chrono::Duration::seconds(30)).await.unwrap();
    assert!(portal_dossier(&app, code).await.is_none());
    let t1 = t0 + chrono::Duration::minutes(5);
    n.run_once(t1).await.unwrap();
    let d = portal_dossier(&app, code).await.expect("taken in once the files come");
    assert_eq!(d.state, State::Submitted);
    assert_eq!(d.channel, motcua_domain::catalog::Channel::Online);
    assert_eq!(d.portal.as_ref().map(|p| (p.code.as_str(), p.vneid_verified)), Some((code, true)));
    assert!(d.documents[0].received && d.documents[1].received && !d.documents[2].received);
    let stored = app.files_dir.join(&d.documents[0].file.as_ref().unwrap().sha256[..2]);
    assert!(stored.exists(), "the file is kept by its hash");
    // The applicant's account: the one of their citizen ID, with no password.
    let account = app.db.store.user_by_username("vneid-056190004321").await.unwrap().expect("account");
    assert_eq!(d.citizen_user_id, Some(account.id));
    assert!(account.citizen);
    assert!(!motcua_app::accounts::password_matches(Some(&account), "").await.unwrap());

    // The counter accepts it and forwards it; each status goes back under the portal's code.
    let store = app.db.store.as_ref();
    let d = accept(&app, &d, t1 + chrono::Duration::minutes(10)).await;
    let forward = Action::Forward { note: None, assignee: None };
    let d = app.fx.act(store, &d, forward, &app.fx.reception, t1 + chrono::Duration::minutes(20)).await;
    let t2 = t1 + chrono::Duration::minutes(30);
    n.run_once(t2).await.unwrap();
    n.run_once(t2).await.unwrap();
    // A message pushed again later changes nothing and adds nothing.
    push(&app, Some(TOKEN), &body).await;
    n.run_once(t2 + chrono::Duration::minutes(1)).await.unwrap();
    let told = fake.told.lock().unwrap().clone();
    let statuses: Vec<(&str, &str, i64)> = told.iter().map(|t| (t.0.as_str(), t.1.as_str(), t.2)).collect();
    assert_eq!(statuses, vec![("create", code, 1), ("update", code, 2), ("update", code, 4)], "in order, once each");
    let last = &told[2].3;
    assert_eq!(last["MaHoSoKhac"].as_str(), d.code.as_ref().map(|c| c.to_string()).as_deref(), "ours beside theirs");
    assert_eq!(last["TaiKhoanDuocXacThucVoiVNeID"], 1);
    assert_eq!(last["KenhThucHien"], 2);
    let filter =
        motcua_store::DossierFilter { agencies: vec![app.fx.agency.id], page: 1, page_size: 10, ..Default::default() };
    assert_eq!(app.db.store.list_dossiers(&filter).await.unwrap().total, 1, "one dossier however often it was sent");
}

async fn the_citizens_supplement_and_withdrawal_on_the_portal_reach_the_dossier(app: TestApp) {
    let (_fake, base) = start_fake().await;
    let n = notifier(&app, &base);
    let t0 = at(2026, 2, 12, 9, 0);
    app.clock.set_local(t0);
    let code = "H34.99-260212-000200";
    push(&app, Some(TOKEN), &record(&base, code, &[("don-2.pdf", 1), ("gcn-2.pdf", 2)])).await;
    n.run_once(t0).await.unwrap();
    let d = portal_dossier(&app, code).await.expect("taken in");
    let store = app.db.store.as_ref();
    let fx = &app.fx;
    let d = accept(&app, &d, at(2026, 2, 12, 10, 0)).await;
    let d =
        fx.act(store, &d, Action::Forward { note: None, assignee: None }, &fx.reception, at(2026, 2, 12, 11, 0)).await;
    let ask = Action::RequestSupplement { reason: "Thiếu văn bản ủy quyền".into() };
    let d = fx.act(store, &d, ask, &fx.specialist, at(2026, 2, 13, 9, 0)).await;
    assert_eq!(d.state, State::AwaitingSupplement);

    // The citizen adds the power of attorney on the portal: the portal sends the dossier again.
    let t1 = at(2026, 2, 16, 9, 0);
    app.clock.set_local(t1);
    let mut again = record(&base, code, &[("don-2.pdf", 1), ("gcn-2.pdf", 2), ("uy-quyen.pdf", 3)]);
    again["TrangThaiHoSo"] = json!("waiting");
    assert_eq!(push(&app, Some(TOKEN), &again).await.status, StatusCode::OK);
    n.run_once(t1).await.unwrap();
    let d = portal_dossier(&app, code).await.unwrap();
    assert_eq!(d.state, State::Processing, "the supplement is received and the clock runs again");
    assert!(d.documents[2].received, "the new file is on its line");
    assert!(d.pauses.iter().all(|p| p.to.is_some()));

    // Then withdraws it there.
    let t2 = at(2026, 2, 17, 9, 0);
    app.clock.set_local(t2);
    let mut cancel = again.clone();
    cancel["TrangThaiHoSo"] = json!("cancelled");
    cancel["GhiChu"] = json!("Tôi nộp nhầm thủ tục");
    push(&app, Some(TOKEN), &cancel).await;
    n.run_once(t2).await.unwrap();
    let d = portal_dossier(&app, code).await.unwrap();
    assert_eq!(d.state, State::Stopped);
    assert_eq!(d.reason.as_deref(), Some("Tôi nộp nhầm thủ tục"));
    let events = store.events(fx.agency.id, d.id).await.unwrap();
    let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
    assert!(kinds.ends_with(&["attach_document", "supplement_received", "withdraw"]), "{kinds:?}");
}

async fn an_unmappable_dossier_waits_for_the_counter_with_its_reason_and_holds_its_later_messages(app: TestApp) {
    let (_fake, base) = start_fake().await;
    let n = notifier(&app, &base);
    let t0 = at(2026, 2, 12, 9, 0);
    app.clock.set_local(t0);
    let agency = app.fx.agency.id;
    // A national code the agency does not publish.
    let mut unknown = record(&base, "H34.99-260212-000301", &[("don-3.pdf", 1)]);
    unknown["MaTTHC"] = json!("1.999999.000.00.00.H34");
    // A wrong phone number; a file that is not a PDF; a file from elsewhere.
    let mut bad_phone = record(&base, "H34.99-260212-000302", &[]);
    bad_phone["SoDienThoai"] = json!("12345");
    let not_pdf = record(&base, "H34.99-260212-000303", &[("trang.txt", 1)]);
    let mut elsewhere = record(&base, "H34.99-260212-000304", &[]);
    elsewhere["TaiLieuNop"] = json!([{"TenTepDinhKem": "x.pdf", "MaThanhPhanHoSo": "1",
        "DuongDanTaiTepTin": "http://169.254.169.254/latest/meta-data"}]);
    let r = push(&app, Some(TOKEN), &json!([unknown, bad_phone, not_pdf, elsewhere])).await;
    assert_eq!(r.body["accepted"], 4);
    n.run_once(t0).await.unwrap();
    let waiting = app.db.store.portal_messages(agency, "unmappable", 10).await.unwrap();
    let reasons: Vec<(String, String)> =
        waiting.iter().map(|m| (m.portal_code.clone(), m.outcome.clone().unwrap_or_default())).collect();
    assert_eq!(reasons.len(), 4, "{reasons:?}");
    assert!(reasons[0].1.contains("1.999999"), "{reasons:?}");
    assert!(reasons[1].1.contains("điện thoại"), "{reasons:?}");
    assert!(reasons[2].1.contains("không phải PDF"), "{reasons:?}");
    assert!(reasons[3].1.contains("không thuộc dịch vụ tệp"), "{reasons:?}");
    for (code, _) in &reasons {
        assert!(portal_dossier(&app, code).await.is_none());
    }
    // A later message of the unmapped dossier waits behind it.
    let mut later = unknown.clone();
    later["GhiChu"] = json!("bổ sung");
    push(&app, Some(TOKEN), &later).await;
    n.run_once(t0 + chrono::Duration::minutes(1)).await.unwrap();
    assert_eq!(app.db.store.portal_messages(agency, "waiting", 10).await.unwrap().len(), 1, "held");

    // The counter sees them, with their reasons, on its dashboard and its list.
    add_user(&app, "quay-cong", false, vec![grant(&app, Role::Reception, None)]).await;
    let (_, officer) = sign_in(&app, "quay-cong", PASSWORD).await;
    let (status, dash) = get_page(&app, "/office", &officer).await;
    assert_eq!(status, StatusCode::OK);
    assert!(dash.contains("id=\"count-portal\">4<"), "{dash}");
    let (status, page) = get_page(&app, "/office/portal-inbox", &officer).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("H34.99-260212-000301") && page.contains("1.999999"), "{page}");
    assert!(page.contains("Lê Thị Hoa"));
    // A procedure that is not the agency's is refused with a message, as a page.
    let id = waiting[0].id;
    let (status, _, refused) =
        post_form(&app, &officer, &format!("/office/portal-inbox/{id}"), "action=map&procedure_code=9.999999").await;
    assert!(status.is_client_error(), "{status}");
    assert!(refused.contains("<html") && refused.contains("chọn một thủ tục"), "{refused}");
    // Named: taken in, and the message held behind it follows.
    let (status, location, _) =
        post_form(&app, &officer, &format!("/office/portal-inbox/{id}"), "action=map&procedure_code=1.004227").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(location.ends_with("done=map"));
    n.run_once(t0 + chrono::Duration::minutes(2)).await.unwrap();
    n.run_once(t0 + chrono::Duration::minutes(2)).await.unwrap();
    let d = portal_dossier(&app, "H34.99-260212-000301").await.expect("taken in as the counter said");
    assert_eq!(d.procedure_code, "1.004227");
    let (_, shown) = get_page(&app, &format!("/office/dossiers/{}", d.id), &officer).await;
    assert!(shown.contains("id=\"portal-origin\"") && shown.contains("H34.99-260212-000301"), "{shown}");
    let left = app.db.store.portal_messages(agency, "waiting", 10).await.unwrap();
    assert!(left.is_empty(), "the later message was applied: {left:?}");
    // One set aside needs a reason.
    let bad = waiting[1].id;
    let (status, _, _) =
        post_form(&app, &officer, &format!("/office/portal-inbox/{bad}"), "action=dismiss&note=").await;
    assert!(status.is_client_error());
    let note = "S%E1%BB%91+%C4%91i%E1%BB%87n+tho%E1%BA%A1i+sai%3B+%C4%91%C3%A3+g%E1%BB%8Di+c%C3%B4ng+d%C3%A2n";
    let (status, _, _) =
        post_form(&app, &officer, &format!("/office/portal-inbox/{bad}"), &format!("action=dismiss&note={note}")).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, page) = get_page(&app, "/office/portal-inbox", &officer).await;
    assert!(!page.contains("H34.99-260212-000302") && !page.contains("H34.99-260212-000301"), "{page}");
    assert!(page.contains("H34.99-260212-000303"));
    // A specialist is not the counter.
    let (_, specialist) = {
        add_user(&app, "chuyen-vien-cong", false, vec![grant(&app, Role::Specialist, Some("DD"))]).await;
        sign_in(&app, "chuyen-vien-cong", PASSWORD).await
    };
    let (status, _) = get_page(&app, "/office/portal-inbox", &specialist).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // The administrator sees the inbox at a glance beside the sync.
    add_user(&app, "quantri-cong", false, vec![grant(&app, Role::Admin, None)]).await;
    let (_, admin) = sign_in(&app, "quantri-cong", PASSWORD).await;
    let (status, log) = get_page(&app, "/admin/messages", &admin).await;
    assert_eq!(status, StatusCode::OK);
    assert!(log.contains("id=\"portal-inbox-sync\""), "{log}");
    assert!(log.contains("chờ bộ phận một cửa: <strong>2</strong>"), "{log}");
    assert!(log.contains("đã gác lại: <strong>1</strong>"), "{log}");
}

async fn a_push_without_the_token_or_without_codes_keeps_nothing(app: TestApp) {
    let base = "http://127.0.0.1:9";
    let body = json!([record(base, "H34.99-260212-000400", &[])]);
    assert_eq!(push(&app, None, &body).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(push(&app, Some("doan-mo"), &body).await.status, StatusCode::UNAUTHORIZED);
    let mut no_code = record(base, "x", &[]);
    no_code.as_object_mut().unwrap().remove("MaHoSo");
    let r = push(&app, Some(TOKEN), &json!([record(base, "H34.99-260212-000401", &[]), no_code])).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{:?}", r.body);
    assert!(r.body.to_string().contains("records[1]"), "{:?}", r.body);
    let bad = axum::http::Request::builder()
        .method(Method::POST)
        .uri("/api/v1/portal/000.00.17.H34/dossiers")
        .header("authorization", format!("Bearer {TOKEN}"))
        .body(axum::body::Body::from("[{\"MaHoSo\": "))
        .unwrap();
    assert_eq!(app.send(bad).await.status, StatusCode::BAD_REQUEST);
    let r = push(&app, Some(TOKEN), &json!({"MaHoSo": "A-1"})).await;
    assert_eq!(r.status, StatusCode::OK, "a keyed record is kept for the counter even if incomplete");
    for status in ["waiting", "unmappable", "done"] {
        let kept = app.db.store.portal_messages(app.fx.agency.id, status, 10).await.unwrap();
        assert!(kept.iter().all(|m| m.portal_code == "A-1"), "nothing of the refused pushes was kept: {kept:?}");
    }
    let r = app
        .send(
            axum::http::Request::builder()
                .method(Method::POST)
                .uri("/api/v1/portal/000.00.99.H34/dossiers")
                .header("authorization", format!("Bearer {TOKEN}"))
                .body(axum::body::Body::from(body.to_string()))
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

/// A raw GET with cookies: status, Location, the cookies set (name=value), body.
async fn get_raw(app: &TestApp, path: &str, cookies: &str) -> (StatusCode, String, Vec<String>, String) {
    let req = axum::http::Request::get(path).header("cookie", cookies).body(axum::body::Body::empty()).unwrap();
    let res = app.router.clone().oneshot_raw(req).await;
    let status = res.status();
    let location = res.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    let set: Vec<String> = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or("").to_owned())
        .collect();
    let bytes = http_body_util::BodyExt::collect(res.into_body()).await.unwrap().to_bytes();
    (status, location, set, String::from_utf8_lossy(&bytes).to_string())
}

fn param(url: &str, name: &str) -> String {
    let query = url.split_once('?').map_or("", |q| q.1);
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap();
    pairs.into_iter().find(|(k, _)| k == name).map(|(_, v)| v).unwrap_or_default()
}

async fn a_citizen_signing_in_through_the_national_identity_sees_their_portal_dossier(
    app: TestApp,
    provider: Provider,
) {
    let (_fake, base) = start_fake().await;
    let n = notifier(&app, &base);
    let t0 = at(2026, 2, 12, 9, 0);
    app.clock.set_local(t0);
    let code = "H34.99-260212-000500";
    push(&app, Some(TOKEN), &record(&base, code, &[("don-5.pdf", 1), ("gcn-5.pdf", 2)])).await;
    n.run_once(t0).await.unwrap();
    let d = portal_dossier(&app, code).await.expect("taken in");
    let d = accept(&app, &d, at(2026, 2, 12, 10, 0)).await;
    let our_code = d.code.as_ref().unwrap().to_string();

    // The sign-in page offers the national identity.
    let (status, _, _, page) = get_raw(&app, "/login", "").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("id=\"national-sign-in\""), "{page}");
    // Off to the provider, with state, nonce and a PKCE challenge; the three kept in a cookie.
    let (status, to, set, _) = get_raw(&app, "/auth/national", "").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(to.contains("/authorize?response_type=code&client_id=motcua"), "{to}");
    assert_eq!(param(&to, "code_challenge_method"), "S256");
    let flow = set.iter().find(|c| c.starts_with("motcua_national=")).cloned().expect("flow cookie");
    *provider.challenge.lock().unwrap() = param(&to, "code_challenge");
    *provider.nonce.lock().unwrap() = param(&to, "nonce");
    let state = param(&to, "state");

    // A callback with another state, or without the cookie, signs nobody in.
    let (status, _, set, page) = get_raw(&app, "/auth/national/callback?code=ma-dang-nhap&state=khac", &flow).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("<html") && !set.iter().any(|c| c.starts_with("motcua_session=") && c.len() > 16), "{page}");
    let (status, _, _, _) =
        get_raw(&app, &format!("/auth/national/callback?code=ma-dang-nhap&state={state}"), "").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // A code the provider does not know: refused.
    let (status, _, _, _) = get_raw(&app, &format!("/auth/national/callback?code=sai&state={state}"), &flow).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Back from the provider: signed in to the account of the citizen ID, which holds the dossier.
    let (status, to, set, _) =
        get_raw(&app, &format!("/auth/national/callback?code=ma-dang-nhap&state={state}"), &flow).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(to, "/my");
    let session = set.iter().find(|c| c.starts_with("motcua_session=")).cloned().expect("a session");
    let (status, mine) = get_page(&app, "/my", &session).await;
    assert_eq!(status, StatusCode::OK);
    assert!(mine.contains(&our_code), "the portal dossier is on the citizen's account: {mine}");
    let account = app.db.store.user_by_username("vneid-056190004321").await.unwrap().unwrap();
    assert_eq!(d.citizen_user_id, Some(account.id), "one account, made once");
}
