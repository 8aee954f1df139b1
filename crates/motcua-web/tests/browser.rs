//! The pages in a real headless Chromium (Debian's `chromium` and `chromium-driver`), driven over
//! WebDriver: the dossier story from online submission to the returned result, counter intake
//! with its printed receipt, the kiosk, scope, an axe-core accessibility check of each main page,
//! page weights, and screenshots in `target/screenshots/` for a person to look at.
//!
//! Nothing here is skipped: without Chromium, chromedriver or axe-core (`npm ci` in
//! `tests/browser`), the test fails and says what is missing.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use axum::response::IntoResponse as _;
use fantoccini::{Client, ClientBuilder, Locator};
use motcua_app::files::FileStore;
use motcua_calendar::{TimeLimit, WorkCalendar};
use motcua_store::testing::{Fixture, TestDb, at};
use motcua_web::clock::SetClock;
use motcua_web::{AppState, WebConfig, app};

const PASSWORD: &str = "mat-khau-thu-nghiem";

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn find(program: &str, candidates: &[&str]) -> PathBuf {
    for c in candidates {
        if std::path::Path::new(c).exists() {
            return PathBuf::from(c);
        }
    }
    panic!("{program} not found: apt-get install chromium chromium-driver (looked in {candidates:?})");
}

async fn start_driver() -> (Driver, u16) {
    let chromedriver = find("chromedriver", &["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]);
    let port = free_port();
    let driver = Driver(
        Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts"),
    );
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return (driver, port);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not listen on {port}");
}

async fn browser(driver_port: u16) -> Client {
    let chromium = find("chromium", &["/usr/bin/chromium", "/usr/bin/chromium-browser"]);
    let profile = std::env::temp_dir().join(format!("motcua-chromium-{}-{}", std::process::id(), free_port()));
    let caps = serde_json::json!({
        "goog:chromeOptions": {
            "binary": chromium,
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--disable-dev-shm-usage", "--window-size=1200,1000", "--lang=vi",
                     format!("--user-data-dir={}", profile.display())]
        },
        "goog:loggingPrefs": { "browser": "ALL" }
    });
    let caps = caps.as_object().unwrap().clone();
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{driver_port}"))
        .await
        .expect("a Chromium session")
}

struct Site {
    base: String,
    fx: Fixture,
    clock: Arc<SetClock>,
    usernames: std::collections::HashMap<uuid::Uuid, String>,
    db: TestDb,
}

async fn start_site(mut config: WebConfig) -> Site {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    // Links the site gives out (a payment provider's return) lead back to it.
    config.public_url = format!("http://{addr}");
    let db = TestDb::sqlite().await;
    let hash = motcua_app::accounts::hash_password_now(PASSWORD).unwrap();
    let fx = Fixture::seed_with_password_hash(db.store.as_ref(), &hash).await;
    let mut usernames = std::collections::HashMap::new();
    for a in
        [&fx.reception, &fx.specialist, &fx.unit_lead, &fx.agency_lead, &fx.admin, &fx.other_reception, &fx.citizen]
    {
        usernames.insert(a.user_id, db.store.user(a.user_id).await.unwrap().unwrap().username);
    }
    let clock = Arc::new(SetClock::at_local(at(2026, 2, 12, 9, 0)));
    let files = std::env::temp_dir().join(format!("motcua-browser-files-{}", uuid::Uuid::new_v4()));
    let state = AppState::new(db.store.clone(), FileStore::new(files), clock.clone(), config).unwrap();
    tokio::spawn(async move {
        axum::serve(listener, app(state).into_make_service_with_connect_info::<SocketAddr>()).await.unwrap();
    });
    Site { base: format!("http://{addr}"), fx, clock, usernames, db }
}

impl Site {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

async fn screenshot(c: &Client, name: &str) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    let png = c.screenshot().await.unwrap();
    std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
}

async fn fill(c: &Client, css: &str, value: &str) {
    let e = c.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("{css}: {e}"));
    e.clear().await.ok();
    e.send_keys(value).await.unwrap();
}

/// Clicks what submits a form or follows a link, and waits until the next page has loaded.
async fn click(c: &Client, css: &str) {
    let old = c.find(Locator::Css("html")).await.unwrap();
    c.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("{css}: {e}")).click().await.unwrap();
    for _ in 0..400 {
        if old.tag_name().await.is_err() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    c.wait().for_element(Locator::Css("body")).await.unwrap();
}

/// Ticks a checkbox (no page load).
async fn click_box(c: &Client, css: &str) {
    c.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("{css}: {e}")).click().await.unwrap();
}

async fn text(c: &Client, css: &str) -> String {
    c.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("{css}: {e}")).text().await.unwrap()
}

async fn login(c: &Client, site: &Site, actor: &motcua_domain::org::Actor) {
    c.goto(&site.url("/login")).await.unwrap();
    fill(c, "#username", &site.usernames[&actor.user_id]).await;
    fill(c, "#password", PASSWORD).await;
    click(c, "form[action='/login'] button").await;
    for _ in 0..100 {
        if c.current_url().await.unwrap().path() != "/login" {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("sign-in did not complete: {}", c.source().await.unwrap());
}

async fn logout(c: &Client) {
    let here = c.current_url().await.unwrap();
    c.goto(here.join("/").unwrap().as_str()).await.unwrap();
    click(c, "form[action='/logout'] button").await;
    c.wait().for_element(Locator::Css("a[href='/login']")).await.unwrap();
}

/// Runs axe-core in the page; returns the serious and critical violations.
async fn axe(c: &Client) -> Vec<String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/browser/node_modules/axe-core/axe.min.js");
    let source = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!("axe-core missing: run `npm ci` in crates/motcua-web/tests/browser ({})", path.display())
    });
    c.execute(&source, vec![]).await.expect("axe loads");
    let result = c
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, { resultTypes: ['violations'] }).then(r => done(r.violations.map(v => ({ id: v.id, impact: v.impact, nodes: v.nodes.length, help: v.help }))));",
            vec![],
        )
        .await
        .expect("axe runs");
    result
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| matches!(v["impact"].as_str(), Some("serious" | "critical")))
        .map(|v| format!("{} ({}): {} [{} nodes]", v["id"], v["impact"], v["help"], v["nodes"]))
        .collect()
}

/// Chromedriver's log of the browser console since it was last read (`goog:loggingPrefs`).
#[derive(Debug)]
struct ConsoleLog;

impl fantoccini::wd::WebDriverCompatibleCommand for ConsoleLog {
    fn endpoint(&self, base: &url::Url, session: Option<&str>) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/se/log", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &url::Url) -> (axum::http::Method, Option<String>) {
        (axum::http::Method::POST, Some(r#"{"type":"browser"}"#.to_owned()))
    }
}

/// The console errors since the last check: a script error, a failed request, a blocked
/// resource.
async fn console_errors(c: &Client) -> Vec<String> {
    let log = c.issue_cmd(ConsoleLog).await.expect("the browser's console log");
    log.as_array()
        .map(|entries| {
            entries
                .iter()
                .filter(|e| e["level"].as_str() == Some("SEVERE"))
                .map(|e| e["message"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

async fn check_page(c: &Client, name: &str) {
    screenshot(c, name).await;
    let violations = axe(c).await;
    assert!(violations.is_empty(), "{name}: accessibility violations:\n{}", violations.join("\n"));
    let errors = console_errors(c).await;
    assert!(errors.is_empty(), "{name}: console errors:\n{}", errors.join("\n"));
}

fn pdf_file() -> PathBuf {
    let path = std::env::temp_dir().join(format!("motcua-browser-{}.pdf", std::process::id()));
    std::fs::write(&path, b"%PDF-1.4\n% giay to thu nghiem\n").unwrap();
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pages_work_in_a_real_browser() {
    let (_driver, port) = start_driver().await;
    // A loopback VNPAY of our own, built from its published format: it calls the site's IPN as
    // VNPAY's servers do, then sends the payer back to the return URL.
    let vnpay_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let vnpay_base = format!("http://{}", vnpay_listener.local_addr().unwrap());
    let merchant = motcua_payments::vnpay::Merchant {
        tmn_code: "DEMO0001".into(),
        hash_secret: VNPAY_SECRET.into(),
        pay_url: format!("{vnpay_base}/paymentv2/vpcpay.html"),
        api_url: String::new(),
    };
    let config =
        WebConfig { kiosk_idle_seconds: 3, vnpay: Some(("000.00.17.H34".into(), merchant)), ..Default::default() };
    let site = start_site(config).await;
    let site_base = site.base.clone();
    tokio::spawn(async move {
        let fake = axum::Router::new().route(
            "/paymentv2/vpcpay.html",
            axum::routing::get(move |q: axum::extract::RawQuery| {
                fake_vnpay(site_base.clone(), q.0.unwrap_or_default())
            }),
        );
        axum::serve(vnpay_listener, fake).await.unwrap();
    });
    let c = browser(port).await;
    let fx = &site.fx;

    // Public pages.
    c.goto(&site.url("/")).await.unwrap();
    check_page(&c, "home").await;
    fill(&c, "#q", "dat dai").await;
    click(&c, "form[role='search'] button").await;
    assert!(c.source().await.unwrap().contains("Đăng ký biến động quyền sử dụng đất"));
    check_page(&c, "catalog").await;
    click(&c, "ol.results a").await;
    assert_eq!(text(&c, "h1").await, "Đăng ký biến động quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất");
    check_page(&c, "procedure").await;

    // A citizen submits online.
    login(&c, &site, &fx.citizen).await;
    c.goto(&site.url("/submit/1.004227")).await.unwrap();
    check_page(&c, "submit").await;
    fill(&c, "#applicant\\.citizen_id", "056090001234").await;
    fill(&c, "#applicant\\.address", "12 Trần Phú, Nha Trang").await;
    let pdf = pdf_file();
    for i in [0, 1] {
        c.find(Locator::Css(&format!("#file_{i}"))).await.unwrap().send_keys(pdf.to_str().unwrap()).await.unwrap();
    }
    click(&c, "#submit-dossier").await;
    assert_eq!(text(&c, "h1").await, "Kiểm tra trước khi nộp");
    check_page(&c, "submit-review").await;
    click(&c, "#confirm-dossier").await;
    assert!(c.source().await.unwrap().contains("Đã nộp hồ sơ trực tuyến"), "{}", c.source().await.unwrap());
    let dossier_url = c.current_url().await.unwrap();
    let id = dossier_url.path().rsplit('/').next().unwrap().to_owned();
    check_page(&c, "my-dossier").await;
    logout(&c).await;

    // Asked to complete before acceptance (Mẫu 02): reception asks; the citizen sees what, sends
    // the missing paper and resubmits; the dossier is back in reception's queue.
    login(&c, &site, &fx.reception).await;
    c.goto(&site.url(&format!("/office/dossiers/{id}"))).await.unwrap();
    fill(&c, "#reason-ask_to_complete", "Thiếu văn bản ủy quyền có chứng thực").await;
    click(&c, "#do-ask_to_complete").await;
    assert_eq!(text(&c, "#status").await, "Yêu cầu bổ sung, hoàn thiện hồ sơ");
    c.goto(&site.url("/office")).await.unwrap();
    assert_eq!(text(&c, "#count-receive").await, "0", "waiting for the citizen, not for reception");
    logout(&c).await;
    login(&c, &site, &fx.citizen).await;
    c.goto(dossier_url.as_str()).await.unwrap();
    assert_eq!(text(&c, "#asked-what").await, "Thiếu văn bản ủy quyền có chứng thực");
    check_page(&c, "my-dossier-asked").await;
    c.find(Locator::Css("#file_2")).await.unwrap().send_keys(pdf.to_str().unwrap()).await.unwrap();
    click(&c, "#upload-submit").await;
    assert!(c.source().await.unwrap().contains("/files/2"), "the document sent is listed");
    click(&c, "#do-resubmit").await;
    assert_eq!(text(&c, "#status").await, "Mới đăng ký");
    assert!(c.find(Locator::Css("#asked")).await.is_err(), "nothing more asked");
    logout(&c).await;

    // Reception accepts and forwards; the specialist, the unit lead and the lead do their steps.
    login(&c, &site, &fx.reception).await;
    assert_eq!(text(&c, "#count-receive").await, "1");
    check_page(&c, "office-dashboard").await;
    c.goto(&site.url(&format!("/office/dossiers/{id}"))).await.unwrap();
    check_page(&c, "office-dossier").await;
    click(&c, "#do-accept").await;
    assert_eq!(text(&c, "#status").await, "Được tiếp nhận");
    assert_eq!(text(&c, "#due").await, "05/03/2026");
    click(&c, "#do-forward").await;
    logout(&c).await;

    // A supplement round trip: the specialist asks, the citizen uploads and confirms.
    login(&c, &site, &fx.specialist).await;
    c.goto(&site.url(&format!("/office/dossiers/{id}"))).await.unwrap();
    fill(&c, "#reason-request_supplement", "Bổ sung văn bản ủy quyền").await;
    click(&c, "#do-request_supplement").await;
    assert_eq!(text(&c, "#status").await, "Yêu cầu bổ sung giấy tờ");
    logout(&c).await;
    login(&c, &site, &fx.citizen).await;
    c.goto(dossier_url.as_str()).await.unwrap();
    c.find(Locator::Css("#file_2")).await.unwrap().send_keys(pdf.to_str().unwrap()).await.unwrap();
    click(&c, "#upload-submit").await;
    assert!(c.source().await.unwrap().contains("/files/2"), "the uploaded supplement is listed");
    click(&c, "#do-supplement_received").await;
    assert_eq!(text(&c, "#status").await, "Đang xử lý");
    logout(&c).await;

    for (who, button) in [(&fx.specialist, "#do-forward"), (&fx.unit_lead, "#do-forward")] {
        login(&c, &site, who).await;
        c.goto(&site.url(&format!("/office/dossiers/{id}"))).await.unwrap();
        click(&c, button).await;
        logout(&c).await;
    }
    login(&c, &site, &fx.agency_lead).await;
    c.goto(&site.url(&format!("/office/dossiers/{id}"))).await.unwrap();
    fill(&c, "#number-approve", "12/GCN").await;
    click(&c, "#do-approve").await;
    assert_eq!(text(&c, "#status").await, "Đã xử lý xong");
    c.find(Locator::Css("#file_0")).await.unwrap().send_keys(pdf.to_str().unwrap()).await.unwrap();
    click(&c, "#attach-result").await;
    assert!(c.source().await.unwrap().contains(&format!("/office/dossiers/{id}/result")));
    logout(&c).await;
    login(&c, &site, &fx.reception).await;
    c.goto(&site.url(&format!("/office/dossiers/{id}"))).await.unwrap();
    click(&c, "#do-return_result").await;
    assert_eq!(text(&c, "#status").await, "Đã trả kết quả");

    logout(&c).await;

    // Counter intake prints a receipt whose appointment is the calendar's answer. (Sessions
    // last 12 hours: after moving the clock, sign in again.)
    site.clock.set_local(at(2026, 8, 19, 15, 30));
    login(&c, &site, &fx.reception).await;
    c.goto(&site.url("/office/intake")).await.unwrap();
    click(&c, "#choose-procedure").await;
    check_page(&c, "office-intake").await;
    let applicant = |c: &Client| {
        let c = c.clone();
        async move {
            fill(&c, "#applicant\\.name", "Trần Thị Bình").await;
            fill(&c, "#applicant\\.citizen_id", "056190004321").await;
            fill(&c, "#applicant\\.phone", "0914555678").await;
            fill(&c, "#applicant\\.address", "5 Lê Lợi, Nha Trang").await;
        }
    };
    // A walk-in without the certificate: Mẫu 02 is printed at once, nothing is accepted.
    click_box(&c, "#doc_0").await;
    applicant(&c).await;
    fill(&c, "#legal_basis", "Điều 28 Nghị định 101/2024/NĐ-CP").await;
    click(&c, "#intake-complete").await;
    assert_eq!(text(&c, "h1").await, "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ");
    assert_eq!(text(&c, "#form-items li").await, "Giấy chứng nhận đã cấp");
    // The online dossier's two requests of this year took 01 and 02.
    assert_eq!(text(&c, "#form-number").await, "03/PBS-SNNMT");
    check_page(&c, "walk-in-mau-02").await;
    // A walk-in out of scope: Mẫu 03 with the reason.
    c.goto(&site.url("/office/intake")).await.unwrap();
    applicant(&c).await;
    fill(&c, "#reason", "Thửa đất thuộc tỉnh khác").await;
    fill(&c, "#legal_basis", "Luật Đất đai 2024").await;
    click(&c, "#intake-refuse").await;
    assert_eq!(text(&c, "h1").await, "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ");
    assert_eq!(text(&c, "#form-reason").await, "Thửa đất thuộc tỉnh khác");
    check_page(&c, "walk-in-mau-03").await;
    let since_august = motcua_store::DossierFilter {
        agencies: vec![fx.agency.id],
        received_from: Some(chrono::NaiveDate::from_ymd_opt(2026, 8, 1).unwrap()),
        page: 1,
        page_size: 10,
        ..Default::default()
    };
    let accepted = site.db.store.list_dossiers(&since_august).await.unwrap();
    assert_eq!(accepted.total, 0, "neither walk-in was accepted");
    // Every paper, with scans (two files for the form), a certified copy: accepted, and the
    // receipt lists exactly the papers ticked, with the register's book and line.
    c.goto(&site.url("/office/intake")).await.unwrap();
    click_box(&c, "#doc_0").await;
    click_box(&c, "#doc_1").await;
    let scan = pdf_file();
    let png = std::env::temp_dir().join(format!("motcua-browser-{}.png", std::process::id()));
    std::fs::write(&png, [&[0x89u8, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A][..], &[1u8; 64][..]].concat()).unwrap();
    c.find(Locator::Css("#file_0"))
        .await
        .unwrap()
        .send_keys(&format!("{}\n{}", scan.display(), png.display()))
        .await
        .unwrap();
    c.find(Locator::Css("#file_1")).await.unwrap().send_keys(scan.to_str().unwrap()).await.unwrap();
    c.find(Locator::Css("#form_1 option[value='certified_copy']")).await.unwrap().click().await.unwrap();
    applicant(&c).await;
    click(&c, "#intake-submit").await;
    c.wait().for_element(Locator::Css("#receipt-code")).await.unwrap();
    let due = WorkCalendar::vietnam().unwrap().due(at(2026, 8, 19, 15, 30), TimeLimit::WorkingDays(10)).unwrap().date;
    assert!(text(&c, "#receipt-due").await.ends_with(&format!("ngày {}", due.format("%d/%m/%Y"))));
    let receipt_code = text(&c, "#receipt-code").await;
    assert_eq!(receipt_code, "000.00.17.H34-260819-0001");
    let papers = text(&c, "#receipt-papers tbody").await;
    assert!(papers.contains("Đơn đăng ký biến động đất đai") && papers.contains("Bản sao chứng thực"), "{papers}");
    assert!(!papers.contains("Văn bản ủy quyền"), "only what was ticked: {papers}");
    assert_eq!(text(&c, "#receipt-register").await, "Vào Sổ theo dõi hồ sơ, Quyển số: 01/2026, Số thứ tự: 2");
    assert!(c.source().await.unwrap().contains("<svg"), "the QR code");
    check_page(&c, "receipt-mau-01").await;
    let taken = site.db.store.dossier_by_code(fx.agency.id, &receipt_code).await.unwrap().unwrap();
    assert_eq!(taken.documents[0].files().count(), 2, "both scans of the form are kept");
    // The supplement request of the first dossier, printed (Mẫu 02), and its control sheet.
    c.goto(&site.url(&format!("/office/dossiers/{id}/forms/mau-02"))).await.unwrap();
    assert!(c.source().await.unwrap().contains("Bổ sung văn bản ủy quyền"));
    check_page(&c, "mau-02").await;
    c.goto(&site.url(&format!("/office/dossiers/{id}/forms/mau-05"))).await.unwrap();
    check_page(&c, "mau-05").await;
    c.goto(&site.url("/office/register?from=2026-02-01&to=2026-08-31")).await.unwrap();
    let register = c.source().await.unwrap();
    assert!(
        register.contains(&receipt_code) && register.contains("000.00.17.H34-260212-0001"),
        "both dossiers in Mẫu 06"
    );
    check_page(&c, "register-mau-06").await;
    logout(&c).await;

    // An officer of another agency is refused.
    login(&c, &site, &fx.other_reception).await;
    c.goto(&site.url(&format!("/office/dossiers/{id}"))).await.unwrap();
    assert!(c.source().await.unwrap().contains("không tìm thấy hồ sơ"));
    // The refusal is an HTML page with status 404, which the console reports, and nothing else.
    let refused = console_errors(&c).await;
    assert!(refused.len() == 1 && refused[0].contains("status of 404"), "{refused:?}");
    logout(&c).await;

    // The citizen sees the result.
    login(&c, &site, &fx.citizen).await;
    c.goto(dossier_url.as_str()).await.unwrap();
    assert_eq!(text(&c, "#status").await, "Đã trả kết quả");
    assert!(text(&c, "#result-file").await.starts_with("Tải tệp kết quả"), "the result can be downloaded");
    // How they want to hear from the agency.
    c.goto(&site.url("/my/settings")).await.unwrap();
    click(&c, "input[name='channels'][value='email']").await;
    click(&c, "#save-settings").await;
    assert_eq!(text(&c, "#notice").await, "Đã lưu lựa chọn nhận thông báo.");
    check_page(&c, "my-settings").await;
    logout(&c).await;

    // The kiosk: lookup, then back to the start screen after the idle time.
    c.goto(&site.url("/kiosk?mode=lookup")).await.unwrap();
    fill(&c, "#code", &receipt_code).await;
    fill(&c, "#phone_last4", "5678").await;
    click(&c, "form button").await;
    assert_eq!(text(&c, "#status").await, "Được tiếp nhận");
    check_page(&c, "kiosk-lookup").await;
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(c.current_url().await.unwrap().path(), "/kiosk");
    assert!(c.find(Locator::Css("a.big")).await.is_ok(), "the start screen");

    // The lookup page and the English switch.
    c.goto(&site.url(&format!("/lookup?code={receipt_code}&phone_last4=0000"))).await.unwrap();
    assert!(c.source().await.unwrap().contains("Không tìm thấy hồ sơ"));
    c.goto(&site.url("/procedures?lang=en")).await.unwrap();
    assert_eq!(text(&c, "h1").await, "Procedures");
    check_page(&c, "catalog-en").await;

    // An applicant with a landline: the essential SMS becomes a call for the counter.
    let now = at(2026, 2, 12, 10, 0);
    let landline = fx.accepted_dossier(site.db.store.as_ref(), now, "0258 3822 123", None).await;
    let notifier = motcua_notify::worker::Notifier {
        store: site.db.store.clone(),
        sms: None,
        email: None,
        portal: None,
        emc: None,
        portal_inbox: None,
        settings: motcua_notify::worker::NotifySettings { digest_at: None, ..Default::default() },
    };
    notifier.run_once(now).await.unwrap();
    login(&c, &site, &fx.reception).await;
    c.goto(&site.url("/office/calls")).await.unwrap();
    check_page(&c, "office-calls").await;
    click(&c, "input[name='outcome'][value='reached']").await;
    click(&c, "section.call button").await;
    assert_eq!(text(&c, "#notice").await, "Đã ghi kết quả cuộc gọi.");
    c.goto(&site.url(&format!("/office/dossiers/{}", landline.id))).await.unwrap();
    assert!(c.source().await.unwrap().contains("Gọi điện: Đã liên lạc được"));
    // A dossier from the national portal whose procedure did not map waits for the counter,
    // which names the procedure.
    let store = site.db.store.as_ref();
    let body = r#"{"MaHoSo":"H34.99-260212-000900","MaTTHC":"1.999999","ChuHoSo":"Lê Văn Cổng"}"#;
    let (mid, _) = store.insert_portal_message(fx.agency.id, "H34.99-260212-000900", "d1", body, now).await.unwrap();
    let why = motcua_store::PortalOutcome {
        status: "unmappable",
        dossier_id: None,
        outcome: "mã thủ tục 1.999999 không có trong danh mục".into(),
        next_attempt_at: None,
    };
    store.finish_portal_message(fx.agency.id, mid, &why, now).await.unwrap();
    c.goto(&site.url("/office")).await.unwrap();
    assert_eq!(text(&c, "#count-portal").await, "1");
    c.goto(&site.url("/office/portal-inbox")).await.unwrap();
    check_page(&c, "office-portal-inbox").await;
    assert!(text(&c, "#portal-inbox").await.contains("Lê Văn Cổng"));
    c.find(Locator::Css("select[name='procedure_code']")).await.unwrap().select_by_value("1.004227").await.unwrap();
    click(&c, "#portal-inbox form button").await;
    assert!(text(&c, "#notice").await.starts_with("Đã gán thủ tục"));
    logout(&c).await;

    // The applicant evaluates the returned dossier from the lookup page, in one click.
    let returned = site.db.store.dossier(site.fx.agency.id, id.parse().unwrap()).await.unwrap().unwrap();
    let lookup = format!("/lookup?code={}&phone_last4={}", returned.code.as_ref().unwrap(), returned.phone_last4());
    c.goto(&site.url(&lookup)).await.unwrap();
    check_page(&c, "lookup-evaluation").await;
    click(&c, "#eval-very").await;
    assert_eq!(text(&c, "#evaluation-saved").await, "Thank you for your evaluation.", "in English, as chosen above");
    // Reports, indices, monitoring and the public figures, for a leader and for everyone.
    login(&c, &site, &fx.agency_lead).await;
    for (path, name) in [
        ("/office/reports?period=2026-03", "report-bieu06"),
        ("/office/quality?period=2026-02", "quality"),
        ("/office/monitoring", "monitoring"),
        ("/office/quality/sipas", "sipas"),
        ("/office/hotline", "hotline-log"),
        ("/office/attendance", "attendance"),
        ("/office/feedback?view=all", "feedback-all"),
        ("/office/reports/narrative?period=2026-03", "narrative"),
    ] {
        c.goto(&site.url(path)).await.unwrap();
        check_page(&c, name).await;
    }
    assert!(text(&c, "h1").await.starts_with("Dự thảo báo cáo"));
    // The record, searched by action from its form.
    c.goto(&site.url("/office/audit")).await.unwrap();
    check_page(&c, "audit-log").await;
    c.find(Locator::Css("#action")).await.unwrap().select_by_value("sign_in").await.unwrap();
    click(&c, ".filters button[type='submit']").await;
    assert!(text(&c, "#audit tbody").await.contains("Đăng nhập"), "the leader's own sign-in is listed");
    logout(&c).await;
    c.goto(&site.url("/statistics")).await.unwrap();
    check_page(&c, "statistics").await;
    c.goto(&site.url("/privacy")).await.unwrap();
    check_page(&c, "privacy").await;
    c.goto(&site.url(&format!("/survey/{}", fx.agency.code))).await.unwrap();
    check_page(&c, "survey").await;
    click(&c, "input[name='c.staff.1'][value='5']").await;
    click(&c, "#send-survey").await;
    assert_eq!(text(&c, "#thanks").await, "Cảm ơn ông/bà đã tham gia khảo sát.");
    // A citizen sends feedback about a procedure; the counter triages and assigns it, the unit
    // answers, the leader approves, the counter publishes; the answer is public.
    c.goto(&site.url("/feedback?procedure=1.004227")).await.unwrap();
    check_page(&c, "feedback-form").await;
    fill(&c, "#name", "Phạm Thị Mai").await;
    fill(&c, "#address", "5 Yersin, Nha Trang").await;
    fill(&c, "#phone", "0914 222 333").await;
    fill(&c, "#title", "Hướng dẫn nộp hồ sơ trực tuyến chưa rõ").await;
    fill(&c, "#content", "Trang nộp hồ sơ không nói rõ cần bản scan loại nào.").await;
    click(&c, "#send-feedback").await;
    let number = text(&c, "#feedback-number").await;
    assert!(number.ends_with("/2026"), "{number}");
    check_page(&c, "feedback-receipt").await;
    login(&c, &site, &fx.reception).await;
    c.goto(&site.url("/office/feedback")).await.unwrap();
    check_page(&c, "office-feedback").await;
    click(&c, "#feedback-queue a").await;
    check_page(&c, "office-feedback-case").await;
    click(&c, "#act-classify button").await;
    click(&c, "#act-assign button").await;
    let case_url = c.current_url().await.unwrap();
    logout(&c).await;
    login(&c, &site, &fx.specialist).await;
    c.goto(case_url.as_str()).await.unwrap();
    fill(&c, "#answer-draft_answer", "Cần bản scan màu của giấy tờ gốc, định dạng PDF.").await;
    fill(&c, "#basis-draft_answer", "Điều 9 Nghị định 45/2020/NĐ-CP").await;
    click(&c, "#act-draft_answer button").await;
    logout(&c).await;
    login(&c, &site, &fx.unit_lead).await;
    c.goto(case_url.as_str()).await.unwrap();
    click(&c, "#act-approve button").await;
    logout(&c).await;
    login(&c, &site, &fx.reception).await;
    c.goto(case_url.as_str()).await.unwrap();
    click(&c, "#act-publish button").await;
    assert_eq!(text(&c, "#status").await, "Đã công khai");
    logout(&c).await;
    c.goto(&site.url("/phan-anh-kien-nghi?q=huong+dan+nop")).await.unwrap();
    check_page(&c, "feedback-answers").await;
    assert!(text(&c, "#answers-total").await.starts_with("1 "));
    click(&c, "article.answer h2 a").await;
    check_page(&c, "feedback-answer").await;
    click(&c, "#rate-useful").await;
    assert!(text(&c, "#notice").await.starts_with("Cảm ơn"));

    // The administrator edits a message: the preview follows the typing (script), then saves.
    login(&c, &site, &fx.admin).await;
    c.goto(&site.url("/admin/feedback")).await.unwrap();
    check_page(&c, "admin-feedback").await;
    c.goto(&site.url("/admin/templates/accept/vi")).await.unwrap();
    check_page(&c, "admin-template").await;
    let sms = c.find(Locator::Css("#sms")).await.unwrap();
    sms.clear().await.unwrap();
    sms.send_keys("{sender}: Đã nhận hồ sơ {code}").await.unwrap();
    let mut preview = String::new();
    for _ in 0..50 {
        preview = text(&c, "#preview-sms").await;
        if preview == "SO NNMT KH: Da nhan ho so 000.00.17.H34-260212-0001" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(preview, "SO NNMT KH: Da nhan ho so 000.00.17.H34-260212-0001", "the live preview");
    assert_eq!(text(&c, "#preview-sms-cost").await, "1 tin nhắn · 51 ký tự GSM-7");
    click(&c, "#save-template").await;
    assert!(text(&c, "#notice").await.starts_with("Đã lưu phiên bản 1."));
    c.goto(&site.url("/admin/messages")).await.unwrap();
    check_page(&c, "admin-messages").await;

    // The administrator amends the land procedure in the editor: the signing step becomes the
    // tax office's (an inter-agency step), the sum is checked as it is typed, the citizen-facing
    // sequence is written, and the public page shows the new version at once.
    c.goto(&site.url("/admin/procedures?code=1.004227")).await.unwrap();
    check_page(&c, "admin-procedure-editor").await;
    assert!(text(&c, "#steps-sum").await.ends_with("khớp."), "the version as published adds up");
    fill(&c, "#step_budget_1_value", "6").await;
    let mut sum = String::new();
    for _ in 0..50 {
        sum = text(&c, "#steps-sum").await;
        if sum.contains("thiếu 1 ngày") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(sum.contains("thiếu 1 ngày"), "the live sum: {sum}");
    fill(&c, "#step_budget_1_value", "7").await;
    fill(&c, "#step_name_2", "Xác định nghĩa vụ tài chính").await;
    fill(&c, "#step_external_2", "Chi cục Thuế khu vực Khánh Hòa").await;
    c.find(Locator::Css("#step_role_2 option[value='specialist']")).await.unwrap().click().await.unwrap();
    fill(
        &c,
        "#sequence",
        "Nộp hồ sơ tại Bộ phận một cửa\nNộp nghĩa vụ tài chính theo thông báo của cơ quan thuế\nNhận kết quả",
    )
    .await;
    c.execute("document.getElementById('effective_from').value = '2026-08-19';", vec![]).await.unwrap();
    click_box(&c, ".add-row[data-for='doc']").await;
    assert!(c.find(Locator::Css("#doc_name_5")).await.is_ok(), "a row added by the page's script");
    click(&c, "#publish").await;
    assert!(
        text(&c, "#notice").await.starts_with("Đã công bố thủ tục 1.004227 phiên bản 2"),
        "{}",
        c.source().await.unwrap()
    );
    // The national database's export: a procedure new to the agency becomes a draft, opened in
    // the editor and published by the administrator.
    let export = std::env::temp_dir().join(format!("motcua-csdl-{}.json", std::process::id()));
    let record = serde_json::json!([{
        "MATTHC": "1.004211", "TENTTHC": "Gia hạn, điều chỉnh giấy phép khai thác nước dưới đất",
        "LINHVUCTHUCHIEN": [{"MALINHVUC": "DD", "TENLINHVUC": "Đất đai"}], "CAPTHUCHIEN": "Cấp tỉnh",
        "CACHTHUCTHUCHIEN": [{"KENH": "Trực tiếp", "THOIGIAN": [{"THOIGIANGIAIQUYET": 24, "DONVITINH": "Ngày làm việc"}]}],
        "THANHPHANHOSO": [{"GIAYTO": [{"TENGIAYTO": "Văn bản đề nghị gia hạn theo Mẫu 04"}]}],
        "KETQUATHUCHIEN": [{"TENKETQUA": "Giấy phép được gia hạn"}]
    }]);
    std::fs::write(&export, record.to_string()).unwrap();
    c.goto(&site.url("/admin/procedures/drafts")).await.unwrap();
    c.find(Locator::Css("#national-file")).await.unwrap().send_keys(export.to_str().unwrap()).await.unwrap();
    click(&c, "#import-national button").await;
    assert!(text(&c, "#notice").await.starts_with("Đã đọc tệp: 1 bản nháp"), "{}", c.source().await.unwrap());
    check_page(&c, "admin-drafts").await;
    click(&c, "#drafts a.button").await;
    assert!(text(&c, "#notice").await.starts_with("Bản nháp từ CSDL quốc gia"));
    click(&c, "#publish").await;
    assert!(
        text(&c, "#notice").await.starts_with("Đã công bố thủ tục 1.004211 phiên bản 1"),
        "{}",
        c.source().await.unwrap()
    );
    c.goto(&site.url("/admin/procedures/drafts")).await.unwrap();
    assert!(c.find(Locator::Css("#no-drafts")).await.is_ok(), "the draft is published, no longer pending");
    logout(&c).await;
    c.goto(&site.url("/procedures/1.004227")).await.unwrap();
    let public = c.source().await.unwrap();
    assert!(public.contains("Chi cục Thuế khu vực Khánh Hòa (liên thông"), "{public}");
    assert!(text(&c, "#sequence").await.contains("Nộp nghĩa vụ tài chính theo thông báo của cơ quan thuế"));
    check_page(&c, "procedure-amended").await;

    // A citizen pays a dossier's fees online from the lookup and gets the receipts; the dossier's
    // clock resumes.
    let store = site.db.store.as_ref();
    let d = fx.accepted_dossier(store, at(2026, 3, 2, 9, 0), "0905123456", None).await;
    let forward = motcua_domain::dossier::Action::Forward { note: None, assignee: None };
    let d = fx.act(store, &d, forward, &fx.reception, at(2026, 3, 2, 10, 0)).await;
    let ask = motcua_domain::dossier::Action::RequestPayment {
        reason: "Nộp phí thẩm định và lệ phí".into(),
        assessed: None,
    };
    let d = fx.act(store, &d, ask, &fx.specialist, at(2026, 3, 3, 9, 0)).await;
    site.clock.set_local(at(2026, 3, 5, 10, 0));
    let code = d.code.as_ref().unwrap().to_string();
    c.goto(&site.url(&format!("/lookup?code={code}&phone_last4=3456"))).await.unwrap();
    click(&c, "#pay-now").await;
    assert_eq!(text(&c, "#total").await, "550.000 đ");
    check_page(&c, "pay").await;
    click(&c, "#pay-vnpay").await;
    // Through VNPAY and back: paid, the receipts listed.
    assert_eq!(text(&c, "#payment-state").await, "Đã thanh toán", "{}", c.source().await.unwrap());
    assert!(text(&c, "#notice").await.starts_with("Đã thanh toán"));
    check_page(&c, "pay-paid").await;
    click(&c, "#receipts a").await;
    assert!(text(&c, "#amount-words").await.ends_with("nghìn đồng"));
    check_page(&c, "payment-receipt").await;
    let resumed = store.dossier(fx.agency.id, d.id).await.unwrap().unwrap();
    assert_eq!(resumed.state, motcua_domain::dossier::State::Processing, "the clock resumes");
    c.close().await.unwrap();
}

const VNPAY_SECRET: &str = "BIMATTHUNGHIEMVNPAY0123456789ABC";

/// The loopback VNPAY's payment page: checks our signed request, tells the site's IPN that the
/// payment succeeded (signed as VNPAY signs), then sends the browser to the return URL.
async fn fake_vnpay(site: String, query: String) -> axum::response::Response {
    use motcua_payments::vnpay::{canonical, hmac_hex, verify};
    let asked: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes()).into_owned().collect();
    assert!(verify(VNPAY_SECRET, &asked).is_ok(), "the site signs what it asks");
    let get = |k: &str| asked.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone()).unwrap_or_default();
    let answer: Vec<(String, String)> = [
        ("vnp_TmnCode", get("vnp_TmnCode")),
        ("vnp_Amount", get("vnp_Amount")),
        ("vnp_BankCode", "NCB".to_owned()),
        ("vnp_PayDate", "20260305100500".to_owned()),
        ("vnp_OrderInfo", get("vnp_OrderInfo")),
        ("vnp_TransactionNo", "14000001".to_owned()),
        ("vnp_ResponseCode", "00".to_owned()),
        ("vnp_TransactionStatus", "00".to_owned()),
        ("vnp_TxnRef", get("vnp_TxnRef")),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let signed = canonical(&answer);
    let signed = format!("{signed}&vnp_SecureHash={}", hmac_hex(VNPAY_SECRET, &signed));
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new()).build_http();
    let uri: axum::http::Uri = format!("{site}/api/v1/payments/vnpay/000.00.17.H34/ipn?{signed}").parse().unwrap();
    let res = client
        .request(axum::http::Request::get(uri).body(http_body_util::Empty::<axum::body::Bytes>::new()).unwrap())
        .await
        .unwrap();
    let body = http_body_util::BodyExt::collect(res.into_body()).await.unwrap().to_bytes();
    assert_eq!(String::from_utf8_lossy(&body), r#"{"RspCode":"00","Message":"Confirm Success"}"#);
    axum::response::Redirect::to(&format!("{}?{signed}", get("vnp_ReturnUrl"))).into_response()
}

#[tokio::test]
async fn main_pages_weigh_under_100_kb() {
    let site = start_site(WebConfig::default()).await;
    let css = include_str!("../static/app.css").len();
    let js = include_str!("../static/kiosk.js").len();
    let mut report = Vec::new();
    for path in ["/", "/procedures?q=dat%20dai", "/procedures/1.004227", "/lookup", "/kiosk", "/login", "/signup"] {
        let html = fetch(&site.url(path)).await;
        let total = html.len() + css + if path == "/kiosk" { js } else { 0 };
        report.push(format!("{path}: {total} bytes"));
        assert!(total < 100 * 1024, "{path} weighs {total} bytes");
    }
    println!("{}", report.join("\n"));
}

/// A GET over a plain socket: the test needs no HTTP client beyond this.
async fn fetch(url: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_once('/').map(|(h, p)| (h, format!("/{p}"))).unwrap();
    let mut s = tokio::net::TcpStream::connect(host).await.unwrap();
    s.write_all(format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await.unwrap();
    let text = String::from_utf8_lossy(&buf).to_string();
    assert!(text.starts_with("HTTP/1.1 200"), "{url}: {}", text.lines().next().unwrap_or(""));
    text.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default()
}
