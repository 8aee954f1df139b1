//! Paying a dossier's fees, on both backends, against VNPAY's published format (a loopback of
//! our own: the test signs the IPN as VNPAY would): from the lookup to the payment page, to
//! VNPAY and back (display only), the IPN checked for its signature, amount and reference and
//! answered with VNPAY's codes, a repeat answered "already confirmed", a second payment flagged
//! for refund, the clock resumed, the e-receipts one per fee kind; and receipt numbers without
//! gap or duplicate under 32 concurrent payments, restarting with the year.

#[macro_use]
mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::TestApp;
use common::pages::*;
use motcua_app::files::FileStore;
use motcua_domain::dossier::{Action, State};
use motcua_payments::vnpay::{Merchant, canonical, hmac_hex};
use motcua_store::testing::at;
use motcua_web::WebConfig;

on_every_backend_with_app!(
    a_dossier_fee_paid_through_vnpay_resumes_the_clock_and_gives_receipts,
    the_counter_collects_cash_or_records_a_transfer_with_its_receipts,
    a_bank_statement_pays_vietqr_transfers_once_and_lists_the_unmatched,
    the_national_platform_takes_a_payment_confirms_it_and_answers_queries,
    vnpay_attempts_never_confirmed_are_settled_by_querydr,
    a_signed_bank_notification_pays_a_vietqr_transfer_once,
    a_reduction_checked_at_the_counter_lowers_the_fees_paid_online_at_submission,
    receipts_are_signed_by_the_agencys_signing_service,
    an_amount_fixed_by_the_appraisal_is_asked_and_paid_instead_of_the_schedule,
    the_reconciliation_names_receipts_that_do_not_match_their_payments,
    receipt_numbers_have_no_gap_under_concurrent_payments_and_restart_each_year,
);

const SECRET: &str = "BIMATTHUNGHIEMVNPAY0123456789ABC";
const TMN: &str = "DEMO0001";
const AGENCY: &str = "000.00.17.H34";

async fn app(backend: &str) -> TestApp {
    let merchant = Merchant {
        tmn_code: TMN.into(),
        hash_secret: SECRET.into(),
        pay_url: "https://sandbox.vnpayment.test/paymentv2/vpcpay.html".into(),
        api_url: fake_vnpay_api().await.api_url,
    };
    let platform = fake_platform().await;
    let config = WebConfig {
        vnpay: Some((AGENCY.into(), merchant)),
        platform: Some((AGENCY.into(), platform)),
        vietqr_webhook: Some((AGENCY.into(), WEBHOOK_SECRET.into())),
        ..Default::default()
    };
    TestApp::with_config(backend, config).await
}

const PLATFORM_SECRET: &str = "BIMATNENTANGTHANHTOAN";
const WEBHOOK_SECRET: &str = "BIMATBAOBIENDONGSODU";

/// What the loopback platform answers a QUERY about each reference (`TrangThaiGD`), and the INIT
/// messages it received.
type PlatformState = (std::collections::HashMap<String, String>, Vec<serde_json::Value>);
static PLATFORM: std::sync::LazyLock<std::sync::Mutex<PlatformState>> = std::sync::LazyLock::new(Default::default);

/// A loopback national payment platform of our own, built from the message formats: INIT answers
/// a payment page's URL, QUERY what the test set for the reference, GET_BILL a PDF for a paid
/// reference, once per reference (an error after that: a second asking must be served from our
/// file store). Each checks the message's check code as the platform would.
async fn fake_platform() -> motcua_payments::platform::Partner {
    use motcua_payments::platform::{VERSION, verify};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let router = axum::Router::new()
        .route(
            "/init",
            axum::routing::post(|axum::Json(v): axum::Json<serde_json::Value>| async move {
                let f = |k: &str| v[k].as_str().unwrap_or_default().to_owned();
                let keys = ["LoaiBanTin", "PhienBan", "MaDoiTac", "MaThamChieu", "SoTien", "LoaiHinhThanhToan", "MaKenhThanhToan",
                    "MaThietBi", "NgonNgu", "MaTienTe", "MaNganHang", "ThongTinGiaoDich", "ThoiGianGD", "Ip"];
                let fields: Vec<String> = keys.iter().map(|k| f(k)).collect();
                let fields: Vec<&str> = fields.iter().map(String::as_str).collect();
                assert!(verify(&fields, PLATFORM_SECRET, &f("MaXacThuc")) && f("PhienBan") == VERSION, "{v}");
                let reference = f("MaThamChieu");
                PLATFORM.lock().unwrap().1.push(v);
                let inner = serde_json::json!({ "UrlThanhToan": format!("https://thanhtoan.dichvucong.test/pay/{reference}") });
                axum::Json(serde_json::json!({ "error_code": "0", "message": inner.to_string() }))
            }),
        )
        .route(
            "/query",
            axum::routing::post(|axum::Json(v): axum::Json<serde_json::Value>| async move {
                let f = |k: &str| v[k].as_str().unwrap_or_default().to_owned();
                let fields = [f("LoaiBanTin"), f("PhienBan"), f("MaDoiTac"), f("MaThamChieu"), f("ThoiGianGD")];
                let fields: Vec<&str> = fields.iter().map(String::as_str).collect();
                assert!(verify(&fields, PLATFORM_SECRET, &f("MaXacThuc")), "{v}");
                let state = PLATFORM.lock().unwrap().0.get(&f("MaThamChieu")).cloned().unwrap_or_else(|| "3".into());
                axum::Json(serde_json::json!({
                    "MaLoi": "00", "TrangThaiGD": state, "MaGiaoDich": format!("GD-{}", f("MaThamChieu")), "SoTien": "550000",
                }))
            }),
        );
    let served = std::sync::Arc::new(std::sync::Mutex::new(std::collections::HashSet::<String>::new()));
    let router = router.route(
        "/bill",
        axum::routing::post(move |axum::Json(v): axum::Json<serde_json::Value>| async move {
            use axum::response::IntoResponse;
            let f = |k: &str| v[k].as_str().unwrap_or_default().to_owned();
            let fields = [f("LoaiBanTin"), f("PhienBan"), f("MaDoiTac"), f("MaThamChieu"), f("ThoiGianGD")];
            let fields: Vec<&str> = fields.iter().map(String::as_str).collect();
            assert!(verify(&fields, PLATFORM_SECRET, &f("MaXacThuc")) && f("LoaiBanTin") == "GET_BILL", "{v}");
            let reference = f("MaThamChieu");
            if !served.lock().unwrap().insert(reference.clone()) {
                return axum::Json(serde_json::json!({ "error_code": "1", "message": "Biên lai đã được lấy" }))
                    .into_response();
            }
            let pdf = format!("%PDF-1.4\n% Bien lai {reference}\n%%EOF\n");
            ([(axum::http::header::CONTENT_TYPE, "application/pdf")], pdf).into_response()
        }),
    );
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    motcua_payments::platform::Partner {
        code: "DOITAC01".into(),
        secret: PLATFORM_SECRET.into(),
        init_url: format!("{base}/init"),
        query_url: format!("{base}/query"),
        bill_url: format!("{base}/bill"),
    }
}

/// The IPN (or return) VNPAY would send for `txn_ref`, signed with `secret`.
fn signed(txn_ref: &str, amount_vnd: u64, response: &str, transaction_no: &str, secret: &str) -> String {
    let params: Vec<(String, String)> = [
        ("vnp_TmnCode", TMN.to_owned()),
        ("vnp_Amount", (amount_vnd * 100).to_string()),
        ("vnp_BankCode", "NCB".to_owned()),
        ("vnp_BankTranNo", "VNP14000001".to_owned()),
        ("vnp_CardType", "ATM".to_owned()),
        ("vnp_PayDate", "20260305101500".to_owned()),
        ("vnp_OrderInfo", "Nop phi le phi ho so".to_owned()),
        ("vnp_TransactionNo", transaction_no.to_owned()),
        ("vnp_ResponseCode", response.to_owned()),
        ("vnp_TransactionStatus", response.to_owned()),
        ("vnp_TxnRef", txn_ref.to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let q = canonical(&params);
    format!("{q}&vnp_SecureHashType=HmacSHA512&vnp_SecureHash={}", hmac_hex(secret, &q))
}

async fn ipn(app: &TestApp, query: &str) -> String {
    let req =
        Request::builder().uri(format!("/api/v1/payments/vnpay/{AGENCY}/ipn?{query}")).body(Body::empty()).unwrap();
    let res = app.send(req).await;
    assert_eq!(res.status, StatusCode::OK);
    res.body["RspCode"].as_str().unwrap_or_default().to_owned()
}

/// A dossier of the fixture waiting for its fees (lệ phí 50.000 đ, phí 500.000 đ).
async fn awaiting_payment(app: &TestApp) -> motcua_domain::dossier::Dossier {
    let store = app.db.store.as_ref();
    let d = app.fx.accepted_dossier(store, at(2026, 3, 2, 9, 0), "0905123456", None).await;
    let forward = Action::Forward { note: None, assignee: None };
    let d = app.fx.act(store, &d, forward, &app.fx.reception, at(2026, 3, 2, 10, 0)).await;
    let ask = Action::RequestPayment {
        reason: "Nộp phí thẩm định và lệ phí cấp giấy chứng nhận".into(),
        assessed: None,
    };
    let d = app.fx.act(store, &d, ask, &app.fx.specialist, at(2026, 3, 3, 9, 0)).await;
    assert_eq!(d.state, State::AwaitingPayment);
    d
}

async fn a_dossier_fee_paid_through_vnpay_resumes_the_clock_and_gives_receipts(app: TestApp) {
    let d = awaiting_payment(&app).await;
    let code = d.code.as_ref().unwrap().to_string();
    app.clock.set_local(at(2026, 3, 5, 10, 0));
    let anonymous = "motcua_session=";
    // The lookup offers to pay; the wrong phone digits find nothing.
    let (_, lookup) = get_page(&app, &format!("/lookup?code={code}&phone_last4=3456"), anonymous).await;
    assert!(lookup.contains("id=\"pay-now\""), "{lookup}");
    let (status, _, _) = post_form(&app, anonymous, "/pay", &format!("code={code}&phone_last4=9999")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, location, page) = post_form(&app, anonymous, "/pay", &format!("code={code}&phone_last4=3456")).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    assert!(location.starts_with(&format!("/pay/{AGENCY}/")), "{location}");
    // The same request again, not a second one.
    let (_, again, _) = post_form(&app, anonymous, "/pay", &format!("code={code}&phone_last4=3456")).await;
    assert_eq!(again, location);
    // The page: phí and lệ phí apart, the total, VNPAY, and a VietQR code once the account is set.
    app.db
        .store
        .set_agency_setting(
            app.fx.agency.id,
            "payments.vietqr",
            Some(r#"{"bin":"970403","account":"1234567890","name":"SO NNMT"}"#),
        )
        .await
        .unwrap();
    let (status, page) = get_page(&app, &location, anonymous).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("<td>Phí thẩm định hồ sơ</td><td>Phí</td><td class=\"num\">500.000 đ</td>"), "{page}");
    let basis = "<br><small>Căn cứ: Nghị quyết 15/2024/NQ-HĐND tỉnh Khánh Hòa</small>";
    assert!(page.contains(&format!("<td>Lệ phí cấp giấy chứng nhận{basis}</td><td>Lệ phí</td>")), "{page}");
    assert!(page.contains("id=\"total\"><strong>550.000 đ<"), "{page}");
    assert!(page.contains("id=\"pay-vnpay\"") && page.contains("<svg"), "VNPAY and the VietQR code: {page}");
    let request_id: uuid::Uuid = location.rsplit('/').next().unwrap().parse().unwrap();
    let request = app.db.store.payment_request(app.fx.agency.id, request_id).await.unwrap().unwrap();

    // To VNPAY: a signed URL for this attempt.
    let (status, to_vnpay, _) = post_form(&app, anonymous, &format!("{location}/vnpay"), "").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (base, query) = to_vnpay.split_once('?').unwrap();
    assert_eq!(base, "https://sandbox.vnpayment.test/paymentv2/vpcpay.html");
    let params: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes()).into_owned().collect();
    assert!(motcua_payments::vnpay::verify(SECRET, &params).is_ok(), "signed: {to_vnpay}");
    let get = |k: &str| params.iter().find(|(key, _)| key == k).unwrap().1.clone();
    assert_eq!(get("vnp_Amount"), "55000000");
    let txn_ref = get("vnp_TxnRef");
    assert_eq!(txn_ref, format!("{}T1", request.reference));

    // Back from VNPAY before its IPN: the page says it waits for confirmation; nothing credited.
    let (status, back, _) = get_page_with_location(
        &app,
        &format!("/payments/vnpay/return?{}", signed(&txn_ref, 550_000, "00", "14000001", SECRET)),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, waiting) = get_page(&app, &back, anonymous).await;
    assert!(waiting.contains("đang chờ xác nhận") && waiting.contains("Chờ thanh toán"), "{waiting}");
    // A return with a wrong signature is refused.
    let (status, _, _) = get_page_with_location(
        &app,
        &format!("/payments/vnpay/return?{}", signed(&txn_ref, 550_000, "00", "14000001", "sai")),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // The IPN: a wrong signature (97), a wrong amount (04), an unknown reference (01).
    assert_eq!(ipn(&app, &signed(&txn_ref, 550_000, "00", "14000001", "sai")).await, "97");
    assert_eq!(ipn(&app, &signed(&txn_ref, 55_000, "00", "14000001", SECRET)).await, "04");
    assert_eq!(ipn(&app, &signed("KHONGCO1", 550_000, "00", "14000001", SECRET)).await, "01");
    assert_eq!(app.db.store.dossier(app.fx.agency.id, d.id).await.unwrap().unwrap().state, State::AwaitingPayment);
    // The real one: credited (00), the dossier's clock resumes; its repeat: already confirmed (02).
    assert_eq!(ipn(&app, &signed(&txn_ref, 550_000, "00", "14000001", SECRET)).await, "00");
    assert_eq!(ipn(&app, &signed(&txn_ref, 550_000, "00", "14000001", SECRET)).await, "02");
    let resumed = app.db.store.dossier(app.fx.agency.id, d.id).await.unwrap().unwrap();
    assert_eq!(resumed.state, State::Processing, "the clock resumes");
    assert!(resumed.pauses.iter().all(|p| p.to.is_some()), "the payment pause is closed");
    let paid = app.db.store.payment_request(app.fx.agency.id, request_id).await.unwrap().unwrap();
    assert_eq!(paid.state, motcua_domain::payment::RequestState::Paid);

    // One receipt per kind, numbered from 1 in the year's series, the amount in words.
    let receipts = app.db.store.receipts_of(app.fx.agency.id, request_id).await.unwrap();
    let mut numbers: Vec<(String, u32, u64)> =
        receipts.iter().map(|r| (r.symbol.clone(), r.number, r.amount.0)).collect();
    numbers.sort_by_key(|n| n.1);
    assert_eq!(numbers.len(), 2);
    assert_eq!((numbers[0].0.as_str(), numbers[0].1, numbers[1].1), ("26TAA", 1, 2));
    let (_, page) = get_page(&app, &location, anonymous).await;
    assert!(
        page.contains("Đã thanh toán") && page.contains("id=\"receipts\"") && !page.contains("id=\"pay-vnpay\""),
        "{page}"
    );
    let fee = receipts.iter().find(|r| r.amount.0 == 500_000).unwrap();
    let (status, printed) = get_page(&app, &format!("{location}/receipts/{}", fee.id), anonymous).await;
    assert_eq!(status, StatusCode::OK, "{printed}");
    assert!(printed.contains("BIÊN LAI THU PHÍ") && printed.contains("Năm trăm nghìn đồng"), "{printed}");
    assert!(printed.contains("id=\"template\">EBL01<") && printed.contains("id=\"unsigned\""), "{printed}");

    // Decision 766: the dossier with fees paid online counts in 3.6, its procedure in 3.5.
    add_user(&app, "tt-thanhtoan", false, vec![grant(&app, motcua_domain::org::Role::Inspector, None)]).await;
    let (_, inspector) = sign_in(&app, "tt-thanhtoan", PASSWORD).await;
    let (_, quality) = get_page(&app, "/office/quality?period=2026-03", &inspector).await;
    let row = |id: &str| {
        quality
            .split(&format!("id=\"indicator-{id}\""))
            .nth(1)
            .unwrap_or_else(|| panic!("{quality}"))
            .split("</tr>")
            .next()
            .unwrap()
            .to_owned()
    };
    assert!(row("3.6").contains(">1</a> / 1 ") && row("3.6").contains("100,00%"), "{}", row("3.6"));
    assert!(row("3.5").contains(">1</a> / "), "{}", row("3.5"));
    // Behind the figures: the dossier paid online, and its procedure; none outside 3.6.
    let paid = "/office/quality/dossiers?period=2026-03&indicator=3.6&inside=1";
    assert!(row("3.6").contains("/office/quality/dossiers?") && row("3.6").contains("indicator=3.6&#38;inside=1"));
    assert!(row("3.5").contains("/office/quality/procedures?") && row("3.5").contains("indicator=3.5&#38;inside=0"));
    let (status, list) = get_page(&app, paid, &inspector).await;
    assert!(status == StatusCode::OK && list.contains(&code) && list.contains("1 hồ sơ đạt"), "{status}: {list}");
    let (_, list) = get_page(&app, &paid.replace("inside=1", "inside=0"), &inspector).await;
    assert!(list.contains("0 hồ sơ không đạt") && !list.contains(&code), "{list}");
    let procedures = "/office/quality/procedures?period=2026-03&indicator=3.5&inside=1";
    let (status, list) = get_page(&app, procedures, &inspector).await;
    assert!(
        status == StatusCode::OK && list.contains("1.004227") && list.contains("1 thủ tục đạt"),
        "{status}: {list}"
    );

    // A second attempt paid too (another tab): never credited twice, flagged for refund.
    let second = motcua_domain::payment::Attempt::start(
        uuid::Uuid::now_v7(),
        &request,
        motcua_domain::payment::Provider::Vnpay,
        2,
        at(2026, 3, 5, 10, 5),
    )
    .unwrap();
    app.db.store.insert_attempt(&second).await.unwrap();
    assert_eq!(ipn(&app, &signed(&second.txn_ref, 550_000, "00", "14000002", SECRET)).await, "02");
    let attempts = app.db.store.attempts_of(app.fx.agency.id, request_id).await.unwrap();
    assert!(attempts.iter().any(|a| a.txn_ref == second.txn_ref && a.refund_due), "{attempts:?}");
    assert_eq!(app.db.store.receipts_of(app.fx.agency.id, request_id).await.unwrap().len(), 2, "no receipt for it");
    // The day's reconciliation: VNPAY took the money twice, the receipts cover it once; the
    // mismatch names the refund due.
    add_user(&app, "quay-doi-soat", false, vec![grant(&app, motcua_domain::org::Role::Reception, None)]).await;
    let (_, counter) = sign_in(&app, "quay-doi-soat", PASSWORD).await;
    let (status, page) = get_page(&app, "/office/payments/reconciliation?day=2026-03-05", &counter).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("<td>Cổng VNPAY</td><td class=\"num\">2</td><td class=\"num\">1.100.000 đ</td>"), "{page}");
    assert!(page.contains("id=\"receipts-amount\">550.000 đ<") && page.contains("Thanh toán hai lần"), "{page}");
    let bytes = download(&app, "/office/payments/reconciliation?day=2026-03-05&format=xlsx", &counter).await;
    let mut book: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let sheet = calamine::Reader::worksheet_range(&mut book, "Sai lệch").unwrap();
    assert!(sheet.rows().any(|r| r[0] == "Thanh toán hai lần"), "the XLSX lists the mismatch");
    // The counter asks VNPAY to return it (a signed refund, a signed answer): no longer due.
    let refund = format!("attempt={}&day=2026-03-05", second.txn_ref);
    let (status, location, page) = post_form(&app, &counter, "/office/payments/refund", &refund).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    assert_eq!(location, "/office/payments/reconciliation?day=2026-03-05&refunded=1");
    let (_, page) = get_page(&app, &location, &counter).await;
    assert!(page.contains("VNPAY đã nhận yêu cầu hoàn trả") && !page.contains("Thanh toán hai lần"), "{page}");
    let refunded = app.db.store.attempt_by_ref(app.fx.agency.id, &second.txn_ref).await.unwrap().unwrap();
    assert!(!refunded.refund_due && refunded.refunded_at.is_some(), "{refunded:?}");
    let (status, _, _) = post_form(&app, &counter, "/office/payments/refund", &refund).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "nothing is refunded twice");
}

/// GET `path` anonymously; the status, the Location header and the body.
async fn get_page_with_location(app: &TestApp, path: &str) -> (StatusCode, String, String) {
    let req = Request::builder().uri(path).body(Body::empty()).unwrap();
    let res = app.router.clone().oneshot_raw(req).await;
    let status = res.status();
    let location = res.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    let bytes = http_body_util::BodyExt::collect(res.into_body()).await.unwrap().to_bytes();
    (status, location, String::from_utf8_lossy(&bytes).to_string())
}

async fn receipt_numbers_have_no_gap_under_concurrent_payments_and_restart_each_year(app: TestApp) {
    use motcua_domain::payment::{Attempt, PaymentRequest, Provider, RequestLine, RequestState, Series, receipts_for};
    use motcua_domain::types::Vnd;
    let store = app.db.store.clone();
    let agency = app.fx.agency.id;
    let now = at(2026, 12, 31, 16, 0);
    let mut refs = Vec::new();
    for i in 0..33u32 {
        let d = app.fx.accepted_dossier(store.as_ref(), at(2026, 12, 28, 9, 0), "0905123456", None).await;
        let request = PaymentRequest {
            id: uuid::Uuid::now_v7(),
            agency_id: agency,
            dossier_id: d.id,
            dossier_code: format!("{AGENCY}-261231-{i:04}"),
            reference: format!("REQ{i}"),
            payer: "Người nộp".into(),
            lines: vec![RequestLine::plain(motcua_domain::catalog::FeeKind::Charge, "Lệ phí", Vnd(50_000))],
            total: Vnd(50_000),
            state: RequestState::Awaiting,
            created_at: now,
            paid_at: None,
            paid_by: None,
            version: 1,
        };
        store.insert_payment_request(&request).await.unwrap();
        let attempt = Attempt::start(uuid::Uuid::now_v7(), &request, Provider::Vnpay, 1, now).unwrap();
        store.insert_attempt(&attempt).await.unwrap();
        refs.push(attempt.txn_ref);
    }
    // 32 confirmations at once on 31/12, each also sent twice (a provider's retry racing it).
    let mut tasks = Vec::new();
    for (i, txn_ref) in refs.iter().take(32).enumerate() {
        for _ in 0..2 {
            let (store, txn_ref) = (store.clone(), txn_ref.clone());
            tasks.push(tokio::spawn(async move {
                let series = Series::default();
                let issue = |r: &PaymentRequest| receipts_for(r, &series, Provider::Vnpay, now);
                store.confirm_payment(agency, &txn_ref, Vnd(50_000), true, &format!("TXN{i}"), &issue, now).await
            }));
        }
    }
    for t in tasks {
        t.await.unwrap().unwrap().unwrap();
    }
    let year = store.receipts_between(agency, at(2026, 1, 1, 0, 0), at(2027, 1, 1, 0, 0)).await.unwrap();
    let mut numbers: Vec<u32> = year.iter().map(|r| r.number).collect();
    numbers.sort_unstable();
    assert_eq!(numbers, (1..=32).collect::<Vec<u32>>(), "every number once, none skipped");
    assert!(year.iter().all(|r| r.symbol == "26TAA"));
    // The first payment of 2027 starts the new year's series at 1.
    let new_year = at(2027, 1, 1, 8, 0);
    let series = Series::default();
    let issue = |r: &PaymentRequest| receipts_for(r, &series, Provider::Vnpay, new_year);
    let c =
        store.confirm_payment(agency, &refs[32], Vnd(50_000), true, "TXN32", &issue, new_year).await.unwrap().unwrap();
    assert_eq!((c.receipts[0].symbol.as_str(), c.receipts[0].number), ("27TAA", 1));
}

async fn the_counter_collects_cash_or_records_a_transfer_with_its_receipts(app: TestApp) {
    use motcua_domain::org::Role;
    let d = awaiting_payment(&app).await;
    app.clock.set_local(at(2026, 3, 5, 10, 0));
    add_user(&app, "quay-thu", false, vec![grant(&app, Role::Reception, None)]).await;
    add_user(&app, "cv-thu", false, vec![grant(&app, Role::Specialist, Some("DD"))]).await;
    let (_, counter) = sign_in(&app, "quay-thu", PASSWORD).await;
    let (_, specialist) = sign_in(&app, "cv-thu", PASSWORD).await;
    let path = format!("/office/dossiers/{}", d.id);
    let (_, page) = get_page(&app, &path, &counter).await;
    assert!(page.contains("id=\"collect\""), "offered to the counter: {page}");
    let (_, page) = get_page(&app, &path, &specialist).await;
    assert!(!page.contains("id=\"collect\""), "not to a specialist");
    let (status, _, _) = post_form(&app, &specialist, &format!("{path}/collect"), "method=cash").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // A transfer needs the bank's reference, of plain characters.
    let (status, _, page) = post_form(&app, &counter, &format!("{path}/collect"), "method=transfer&bank_ref=").await;
    assert!(status == StatusCode::UNPROCESSABLE_ENTITY && page.contains("cần số tham chiếu"), "{status}: {page}");
    let (status, _, _) =
        post_form(&app, &counter, &format!("{path}/collect"), "method=transfer&bank_ref=%3Cscript%3E").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.db.store.dossier(app.fx.agency.id, d.id).await.unwrap().unwrap().state, State::AwaitingPayment);
    // Cash: collected, two receipts, the clock resumes, the page lists them.
    let (status, _, page) = post_form(&app, &counter, &format!("{path}/collect"), "method=cash").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("Đã thu 550.000 đ; biên lai 26TAA số 00000001, 26TAA số 00000002."), "{page}");
    assert!(page.contains("Đã thanh toán") && page.contains("Lệ phí 26TAA số"), "{page}");
    assert_eq!(app.db.store.dossier(app.fx.agency.id, d.id).await.unwrap().unwrap().state, State::Processing);
    let requests = app.db.store.payment_requests_of(app.fx.agency.id, d.id).await.unwrap();
    let receipts = app.db.store.receipts_of(app.fx.agency.id, requests[0].id).await.unwrap();
    assert!(receipts.iter().all(|r| r.method == "Tiền mặt"), "{receipts:?}");
    // Nothing is collected twice.
    let (status, _, _) = post_form(&app, &counter, &format!("{path}/collect"), "method=cash").await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(app.db.store.receipts_of(app.fx.agency.id, requests[0].id).await.unwrap().len(), 2);

    // The payer's name was wrong on the fee's receipt: cancelled with its reason and replaced.
    let fee = receipts.iter().find(|r| r.amount.0 == 500_000).unwrap();
    let replace = format!("{path}/receipts/{}/replace", fee.id);
    let (status, _, page) = post_form(&app, &counter, &replace, "reason=&payer=Nguy%E1%BB%85n+V%C4%83n+An").await;
    assert!(status == StatusCode::UNPROCESSABLE_ENTITY && page.contains("cần lý do hủy"), "{status}");
    let (status, _, _) = post_form(&app, &specialist, &replace, "reason=x&payer=y").await;
    assert!(status == StatusCode::FORBIDDEN || status == StatusCode::NOT_FOUND, "{status}");
    let body = "reason=Sai+t%C3%AAn+ng%C6%B0%E1%BB%9Di+n%E1%BB%99p&payer=Nguy%E1%BB%85n+V%C4%83n+B%C3%ACnh";
    let (status, _, page) = post_form(&app, &counter, &replace, body).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("Đã hủy biên lai và lập biên lai thay thế 26TAA số 00000003."), "{page}");
    assert!(page.contains("(đã hủy)"), "{page}");
    let (status, _, _) = post_form(&app, &counter, &replace, body).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "a cancelled receipt is not cancelled again");
    let all = app.db.store.receipts_of(app.fx.agency.id, requests[0].id).await.unwrap();
    let new = all.iter().find(|r| r.replaces == Some(fee.id)).unwrap();
    assert_eq!((new.payer.as_str(), new.amount.0, new.number), ("Nguyễn Văn Bình", 500_000, 3));
    // The day's summary for the tax authority lists the three, the cancelled one with its reason
    // and the replacement with the one it replaces.
    let csv =
        String::from_utf8(download(&app, "/office/payments/receipts-summary?day=2026-03-05", &counter).await).unwrap();
    assert!(csv.contains("STT,Ký hiệu mẫu,Ký hiệu biên lai,Số biên lai"), "{csv}");
    assert!(
        csv.contains(&format!(",26TAA,{},", fee.number_text())) && csv.contains("Hủy,,,Sai tên người nộp"),
        "{csv}"
    );
    assert!(csv.contains(&format!("Thay thế,,26TAA {},", fee.number_text())), "{csv}");
    // The reconciliation counts the valid receipts: nothing is out of balance.
    let (_, page) = get_page(&app, "/office/payments/reconciliation?day=2026-03-05", &counter).await;
    assert!(page.contains("id=\"receipts-amount\">550.000 đ<") && page.contains("id=\"no-mismatch\""), "{page}");
}

async fn a_bank_statement_pays_vietqr_transfers_once_and_lists_the_unmatched(app: TestApp) {
    use motcua_domain::org::Role;
    let store = app.db.store.as_ref();
    let (d1, d2) = (awaiting_payment(&app).await, awaiting_payment(&app).await);
    let r1 = motcua_app::payments::request_for(store, &d1, at(2026, 3, 4, 9, 0)).await.unwrap();
    let r2 = motcua_app::payments::request_for(store, &d2, at(2026, 3, 4, 9, 0)).await.unwrap();
    app.clock.set_local(at(2026, 3, 6, 9, 0));
    add_user(&app, "quay-sao-ke", false, vec![grant(&app, Role::Reception, None)]).await;
    let (_, counter) = sign_in(&app, "quay-sao-ke", PASSWORD).await;
    // The bank's export: its own column names, one row paying d1, one paying d2 the wrong amount,
    // one naming no payment, one unreadable.
    let csv = format!(
        "Ngày giao dịch;Số tham chiếu;Số tiền ghi có;Nội dung\n\
         05/03/2026;FT26064001;550.000;{} NOP PHI HO SO\n\
         05/03/2026;FT26064002;100.000;NOP PHI {}\n\
         05/03/2026;FT26064003;200.000;CHUYEN TIEN\n\
         05/03/2026;FT26064004;abc;x\n",
        r1.reference.to_lowercase(),
        r2.reference
    );
    let file = [("file", "saoke.csv", csv.clone().into_bytes())];
    let (status, _, page) = post_multipart(&app, &counter, "/office/payments/statement", "", &file).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("1 giao dịch khớp, 2 chưa khớp, 0 đã đọc trước đó, 1 dòng không đọc được"), "{page}");
    assert!(page.contains("số tiền 100.000 đ khác số phải nộp 550.000 đ") && page.contains("FT26064003"), "{page}");
    assert_eq!(
        store.dossier(app.fx.agency.id, d1.id).await.unwrap().unwrap().state,
        State::Processing,
        "paid: resumed"
    );
    assert_eq!(store.dossier(app.fx.agency.id, d2.id).await.unwrap().unwrap().state, State::AwaitingPayment);
    let receipts = store.receipts_of(app.fx.agency.id, r1.id).await.unwrap();
    assert!(receipts.len() == 2 && receipts.iter().all(|r| r.method == "Chuyển khoản"), "{receipts:?}");
    // The same statement again pays nothing twice and lists nothing twice.
    let (_, _, page) = post_multipart(&app, &counter, "/office/payments/statement", "", &file).await;
    assert!(page.contains("0 giao dịch khớp, 0 chưa khớp, 3 đã đọc trước đó"), "{page}");
    assert_eq!(store.receipts_of(app.fx.agency.id, r1.id).await.unwrap().len(), 2);
    let (_, list) = get_page(&app, "/office/payments", &counter).await;
    assert_eq!(list.matches("<tr><td>FT2606400").count(), 2, "{list}");
    // The day's reconciliation: one transfer through VietQR, its receipts, the two unmatched.
    let (_, page) = get_page(&app, "/office/payments/reconciliation?day=2026-03-06", &counter).await;
    assert!(
        page.contains("<td>Chuyển khoản qua mã VietQR</td><td class=\"num\">1</td><td class=\"num\">550.000 đ</td>"),
        "{page}"
    );
    assert_eq!(page.matches("<td>Chuyển khoản chưa khớp</td>").count(), 2, "{page}");
    // A file that is not a statement is refused on its field; a specialist may not read one.
    let bad = [("file", "x.csv", b"a,b\n1,2\n".to_vec())];
    let (status, _, page) = post_multipart(&app, &counter, "/office/payments/statement", "", &bad).await;
    assert!(status == StatusCode::UNPROCESSABLE_ENTITY && page.contains("thiếu cột"), "{status}: {page}");
    add_user(&app, "cv-sao-ke", false, vec![grant(&app, Role::Specialist, Some("DD"))]).await;
    let (_, specialist) = sign_in(&app, "cv-sao-ke", PASSWORD).await;
    assert_eq!(get_page(&app, "/office/payments", &specialist).await.0, StatusCode::FORBIDDEN);
}

/// The platform's signed confirmation of `reference`.
fn platform_confirmation(reference: &str, amount: u64, code: &str, secret: &str) -> String {
    let amount = amount.to_string();
    let fields = ["CONFIRM", code, "DOITAC01", reference, &amount, "VND", "GD777", "NCB", "20260305103000", "Nop phi"];
    serde_json::json!({
        "LoaiBanTin": "CONFIRM", "MaLoi": code, "MaDoiTac": "DOITAC01", "MaThamChieu": reference, "SoTien": amount.parse::<u64>().unwrap(),
        "MaTienTe": "VND", "MaGiaoDich": "GD777", "MaNganHang": "NCB", "ThoiGianGD": "20260305103000",
        "ThongTinGiaoDich": "Nop phi", "MaXacThuc": motcua_payments::platform::check_code(&fields, secret),
    })
    .to_string()
}

async fn post_json(app: &TestApp, path: &str, body: String) -> serde_json::Value {
    let req = Request::post(path).header("content-type", "application/json").body(Body::from(body)).unwrap();
    let res = app.send(req).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    res.body
}

async fn the_national_platform_takes_a_payment_confirms_it_and_answers_queries(app: TestApp) {
    let store = app.db.store.as_ref();
    let (d1, d2, d3) = (awaiting_payment(&app).await, awaiting_payment(&app).await, awaiting_payment(&app).await);
    app.clock.set_local(at(2026, 3, 5, 10, 0));
    let anonymous = "motcua_session=";
    // From the lookup to the platform: INIT signed, the payer given the platform's page.
    let code = d1.code.as_ref().unwrap().to_string();
    let (_, location, _) = post_form(&app, anonymous, "/pay", &format!("code={code}&phone_last4=3456")).await;
    let (_, page) = get_page(&app, &location, anonymous).await;
    assert!(page.contains("id=\"pay-platform\""), "{page}");
    let (status, _, page) = post_form(&app, anonymous, &format!("{location}/platform"), "").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let request_id: uuid::Uuid = location.rsplit('/').next().unwrap().parse().unwrap();
    let attempt = store.attempts_of(app.fx.agency.id, request_id).await.unwrap().remove(0);
    assert!(page.contains(&format!("href=\"https://thanhtoan.dichvucong.test/pay/{}\"", attempt.txn_ref)), "{page}");
    let init =
        PLATFORM.lock().unwrap().1.iter().find(|v| v["MaThamChieu"] == attempt.txn_ref.as_str()).cloned().unwrap();
    assert_eq!(
        (init["SoTien"].as_str(), init["ThongTinBienLai"]["MaHoSo"].as_str()),
        (Some("550000"), Some(code.as_str()))
    );
    // Its confirmation: a wrong check code (97), then the real one (00, with our own check code),
    // then again (02).
    let path = format!("/api/v1/payments/platform/{AGENCY}/confirm");
    let bad = post_json(&app, &path, platform_confirmation(&attempt.txn_ref, 550_000, "00", "sai")).await;
    assert_eq!(bad["MaLoi"], "97");
    let ok = post_json(&app, &path, platform_confirmation(&attempt.txn_ref, 550_000, "00", PLATFORM_SECRET)).await;
    assert_eq!(ok["MaLoi"], "00", "{ok}");
    let at_ = ok["ThoiGianGD"].as_str().unwrap();
    assert!(motcua_payments::platform::verify(
        &["00", "DOITAC01", at_],
        PLATFORM_SECRET,
        ok["MaXacThuc"].as_str().unwrap()
    ));
    assert_eq!(
        post_json(&app, &path, platform_confirmation(&attempt.txn_ref, 550_000, "00", PLATFORM_SECRET)).await["MaLoi"],
        "02"
    );
    assert_eq!(store.dossier(app.fx.agency.id, d1.id).await.unwrap().unwrap().state, State::Processing);
    // Paid: the page offers the platform's own receipt, fetched once by GET_BILL and kept.
    let (_, page) = get_page(&app, &location, anonymous).await;
    assert!(page.contains(&format!("href=\"{location}/platform-receipt\"")), "{page}");
    // The loopback platform gives it once: the second answer comes from the file store.
    for _ in 0..2 {
        let req = Request::builder().uri(format!("{location}/platform-receipt")).body(Body::empty()).unwrap();
        let res = app.router.clone().oneshot_raw(req).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers()["content-type"], "application/pdf");
        let pdf = http_body_util::BodyExt::collect(res.into_body()).await.unwrap().to_bytes();
        assert!(pdf.starts_with(b"%PDF-") && String::from_utf8_lossy(&pdf).contains(&attempt.txn_ref));
    }
    let kept = store.attempt_by_ref(app.fx.agency.id, &attempt.txn_ref).await.unwrap().unwrap();
    assert!(FileStore::new(&app.files_dir).exists(kept.provider_bill.as_deref().unwrap()).await);
    // A request not paid through the platform has no platform receipt: an HTML page says so.
    let code2 = d2.code.as_ref().unwrap().to_string();
    let (_, unpaid, _) = post_form(&app, anonymous, "/pay", &format!("code={code2}&phone_last4=3456")).await;
    let (status, page) = get_page(&app, &format!("{unpaid}/platform-receipt"), anonymous).await;
    assert!(status == StatusCode::NOT_FOUND && page.contains("<html"), "{status}: {page}");
    // Two more attempts never confirmed: the worker's QUERY settles them half an hour later, one
    // paid and one failed; a third not known yet stays open.
    let partner = fake_platform().await;
    let http = motcua_app::payments::providers::Http::new().unwrap();
    let mut refs = Vec::new();
    for d in [&d2, &d3] {
        let request = motcua_app::payments::request_for(store, d, at(2026, 3, 5, 10, 0)).await.unwrap();
        let what = ("", "127.0.0.1", serde_json::Value::Null);
        let started =
            motcua_app::payments::providers::start(store, &http, &partner, &request, what, at(2026, 3, 5, 10, 0));
        refs.push(started.await.unwrap().0);
    }
    {
        let mut fake = PLATFORM.lock().unwrap();
        fake.0.insert(refs[0].txn_ref.clone(), "1".into());
        fake.0.insert(refs[1].txn_ref.clone(), "4".into());
    }
    let ask = |t| motcua_app::payments::providers::ask_open(store, &http, &partner, app.fx.agency.id, t);
    assert_eq!(ask(at(2026, 3, 5, 10, 10)).await.unwrap(), 0, "not asked before half an hour");
    let settled = ask(at(2026, 3, 5, 11, 0)).await.unwrap();
    assert_eq!(settled, 2);
    assert_eq!(
        store.dossier(app.fx.agency.id, d2.id).await.unwrap().unwrap().state,
        State::Processing,
        "paid: resumed"
    );
    assert_eq!(store.dossier(app.fx.agency.id, d3.id).await.unwrap().unwrap().state, State::AwaitingPayment);
    let failed = store.attempt_by_ref(app.fx.agency.id, &refs[1].txn_ref).await.unwrap().unwrap();
    assert_eq!(failed.state, motcua_domain::payment::AttemptState::Failed);
    let receipts = store.receipts_of(app.fx.agency.id, refs[0].request_id).await.unwrap();
    assert_eq!(receipts.len(), 2, "{receipts:?}");
}

/// The bytes of a file an officer downloads (status 200 asserted).
async fn download(app: &TestApp, path: &str, cookie: &str) -> Vec<u8> {
    let req =
        Request::builder().uri(path).header("cookie", cookie.split(';').next().unwrap()).body(Body::empty()).unwrap();
    let res = app.router.clone().oneshot_raw(req).await;
    assert_eq!(res.status(), StatusCode::OK, "{path}");
    http_body_util::BodyExt::collect(res.into_body()).await.unwrap().to_bytes().to_vec()
}

/// What the loopback VNPAY API answers `querydr` about each reference: (response code, status).
static QUERYDR: std::sync::LazyLock<std::sync::Mutex<std::collections::HashMap<String, (String, String)>>> =
    std::sync::LazyLock::new(Default::default);

/// A loopback VNPAY merchant API of our own: checks each `querydr`'s signature and answers, signed
/// as VNPAY signs, what the test set for the reference.
async fn fake_vnpay_api() -> Merchant {
    use motcua_payments::vnpay::{hmac_hex, querydr_answer_hash};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let merchant = Merchant {
        tmn_code: TMN.into(),
        hash_secret: SECRET.into(),
        pay_url: String::new(),
        api_url: format!("{base}/api"),
    };
    let m = merchant.clone();
    let router = axum::Router::new().route(
        "/api",
        axum::routing::post(move |axum::Json(v): axum::Json<serde_json::Value>| {
            let m = m.clone();
            async move {
                let f = |k: &str| v[k].as_str().unwrap_or_default().to_owned();
                if f("vnp_Command") == "refund" {
                    let keys = ["vnp_RequestId", "vnp_Version", "vnp_Command", "vnp_TmnCode", "vnp_TransactionType", "vnp_TxnRef",
                        "vnp_Amount", "vnp_TransactionNo", "vnp_TransactionDate", "vnp_CreateBy", "vnp_CreateDate", "vnp_IpAddr",
                        "vnp_OrderInfo"];
                    let signed = keys.iter().map(|k| f(k)).collect::<Vec<_>>().join("|");
                    assert_eq!(hmac_hex(SECRET, &signed), f("vnp_SecureHash"), "refund signed: {v}");
                    let (txn, amount, no) = (f("vnp_TxnRef"), f("vnp_Amount"), f("vnp_TransactionNo"));
                    let fields = ["R1", "refund", "00", "ok", TMN, &txn, &amount, "NCB", "20260305110000", &no, "02", "05", "Hoan tien"];
                    return axum::Json(serde_json::json!({
                        "vnp_ResponseId": "R1", "vnp_Command": "refund", "vnp_ResponseCode": "00", "vnp_Message": "ok",
                        "vnp_TmnCode": TMN, "vnp_TxnRef": txn, "vnp_Amount": amount, "vnp_BankCode": "NCB",
                        "vnp_PayDate": "20260305110000", "vnp_TransactionNo": no, "vnp_TransactionType": "02",
                        "vnp_TransactionStatus": "05", "vnp_OrderInfo": "Hoan tien", "vnp_SecureHash": querydr_answer_hash(&m, &fields),
                    }));
                }
                let keys = [
                    "vnp_RequestId",
                    "vnp_Version",
                    "vnp_Command",
                    "vnp_TmnCode",
                    "vnp_TxnRef",
                    "vnp_TransactionDate",
                    "vnp_CreateDate",
                    "vnp_IpAddr",
                    "vnp_OrderInfo",
                ];
                let signed = keys.iter().map(|k| f(k)).collect::<Vec<_>>().join("|");
                assert_eq!(hmac_hex(SECRET, &signed), f("vnp_SecureHash"), "querydr signed: {v}");
                let txn = f("vnp_TxnRef");
                let (code, status) = QUERYDR.lock().unwrap().get(&txn).cloned().unwrap_or(("00".into(), "01".into()));
                let fields = [
                    "Q1",
                    "querydr",
                    &code,
                    "ok",
                    TMN,
                    &txn,
                    "55000000",
                    "NCB",
                    "20260305101200",
                    "14009999",
                    "01",
                    &status,
                    "Truy van",
                    "",
                    "",
                ];
                let hash = querydr_answer_hash(&m, &fields);
                axum::Json(serde_json::json!({
                    "vnp_ResponseId": "Q1", "vnp_Command": "querydr", "vnp_ResponseCode": code, "vnp_Message": "ok",
                    "vnp_TmnCode": TMN, "vnp_TxnRef": txn, "vnp_Amount": "55000000", "vnp_BankCode": "NCB",
                    "vnp_PayDate": "20260305101200", "vnp_TransactionNo": "14009999", "vnp_TransactionType": "01",
                    "vnp_TransactionStatus": status, "vnp_OrderInfo": "Truy van", "vnp_PromotionCode": "",
                    "vnp_PromotionAmount": "", "vnp_SecureHash": hash,
                }))
            }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    merchant
}

async fn vnpay_attempts_never_confirmed_are_settled_by_querydr(app: TestApp) {
    let store = app.db.store.as_ref();
    let merchant = fake_vnpay_api().await;
    let (d1, d2, d3) = (awaiting_payment(&app).await, awaiting_payment(&app).await, awaiting_payment(&app).await);
    let http = motcua_app::payments::providers::Http::new().unwrap();
    let mut attempts = Vec::new();
    for d in [&d1, &d2, &d3] {
        let r = motcua_app::payments::request_for(store, d, at(2026, 3, 5, 10, 0)).await.unwrap();
        let what = ("https://dvc.test/return", "203.0.113.9", serde_json::Value::Null);
        let (a, start) =
            motcua_app::payments::providers::start(store, &http, &merchant, &r, what, at(2026, 3, 5, 10, 0))
                .await
                .unwrap();
        assert!(matches!(start, motcua_payments::provider::Start::Redirect(u) if u.contains(&a.txn_ref)));
        attempts.push(a);
    }
    {
        let mut answers = QUERYDR.lock().unwrap();
        answers.insert(attempts[0].txn_ref.clone(), ("00".into(), "00".into()));
        answers.insert(attempts[1].txn_ref.clone(), ("91".into(), String::new()));
    }
    let agency = app.fx.agency.id;
    let ask = |t| motcua_app::payments::providers::ask_open(store, &http, &merchant, agency, t);
    assert_eq!(ask(at(2026, 3, 5, 10, 10)).await.unwrap(), 0, "its payment page may still be open");
    let settled = ask(at(2026, 3, 5, 10, 20)).await.unwrap();
    assert_eq!(settled, 2, "paid and not found; the third still pending");
    assert_eq!(store.dossier(agency, d1.id).await.unwrap().unwrap().state, State::Processing, "paid: resumed");
    assert_eq!(store.dossier(agency, d2.id).await.unwrap().unwrap().state, State::AwaitingPayment);
    let failed = store.attempt_by_ref(agency, &attempts[1].txn_ref).await.unwrap().unwrap();
    assert_eq!(failed.state, motcua_domain::payment::AttemptState::Failed);
    let open = store.attempt_by_ref(agency, &attempts[2].txn_ref).await.unwrap().unwrap();
    assert_eq!(open.state, motcua_domain::payment::AttemptState::Initiated);
    assert_eq!(store.receipts_of(agency, attempts[0].request_id).await.unwrap().len(), 2);
    // The IPN arriving late for the settled one is a repeat.
    assert_eq!(ipn(&app, &signed(&attempts[0].txn_ref, 550_000, "00", "14009999", SECRET)).await, "02");
    // Three days on, the one never settled expires; VNPAY's word coming after that still counts.
    assert_eq!(ask(at(2026, 3, 8, 10, 1)).await.unwrap(), 0);
    let expired = store.attempt_by_ref(agency, &attempts[2].txn_ref).await.unwrap().unwrap();
    assert_eq!(expired.state, motcua_domain::payment::AttemptState::Expired);
    app.clock.set_local(at(2026, 3, 8, 10, 2));
    assert_eq!(ipn(&app, &signed(&attempts[2].txn_ref, 550_000, "00", "14007777", SECRET)).await, "00");
    assert_eq!(store.dossier(agency, d3.id).await.unwrap().unwrap().state, State::Processing, "paid late: resumed");
}

/// A bank's balance-change notification, signed with `secret` as the webhook's sender signs it.
async fn notify_transfer(app: &TestApp, body: &serde_json::Value, secret: &str) -> (StatusCode, serde_json::Value) {
    let body = body.to_string();
    let signature = motcua_payments::vietqr::webhook_signature(secret, &body);
    let req = Request::post(format!("/api/v1/payments/vietqr/{AGENCY}/webhook"))
        .header("content-type", "application/json")
        .header("x-signature", signature)
        .body(Body::from(body))
        .unwrap();
    let res = app.send(req).await;
    (res.status, res.body)
}

async fn a_signed_bank_notification_pays_a_vietqr_transfer_once(app: TestApp) {
    let store = app.db.store.as_ref();
    let agency = app.fx.agency.id;
    store
        .set_agency_setting(
            agency,
            "payments.vietqr",
            Some(r#"{"bin":"970403","account":"1234567890","name":"SO NNMT"}"#),
        )
        .await
        .unwrap();
    let d = awaiting_payment(&app).await;
    let r = motcua_app::payments::request_for(store, &d, at(2026, 3, 4, 9, 0)).await.unwrap();
    app.clock.set_local(at(2026, 3, 5, 9, 0));
    let transfer = |reference: &str, amount: u64, content: &str| {
        serde_json::json!({
            "id": 92704, "gateway": "Vietcombank", "transactionDate": "2026-03-05 08:59:12", "accountNumber": "1234567890",
            "content": content, "transferType": "in", "transferAmount": amount, "referenceCode": reference,
        })
    };
    let paying = transfer("FT26064100", 550_000, &format!("{} NOP PHI", r.reference.to_lowercase()));
    // A notification not signed with the shared secret pays nothing.
    let (status, _) = notify_transfer(&app, &paying, "sai-bi-mat").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(store.dossier(agency, d.id).await.unwrap().unwrap().state, State::AwaitingPayment);
    // Signed: the request is paid, its receipts issued, the clock resumed.
    let (status, body) = notify_transfer(&app, &paying, WEBHOOK_SECRET).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::OK, Some("00")), "{body}");
    assert_eq!(store.dossier(agency, d.id).await.unwrap().unwrap().state, State::Processing, "paid: resumed");
    assert_eq!(store.receipts_of(agency, r.id).await.unwrap().len(), 2);
    // The bank sends it again: nothing is paid twice.
    let (status, body) = notify_transfer(&app, &paying, WEBHOOK_SECRET).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::OK, Some("02")), "{body}");
    let attempts = store.attempts_of(agency, r.id).await.unwrap();
    assert_eq!(attempts.len(), 1, "{attempts:?}");
    assert_eq!(store.receipts_of(agency, r.id).await.unwrap().len(), 2);
    // A transfer naming no payment is kept for an officer; money going out is no payment.
    let (status, _) = notify_transfer(&app, &transfer("FT26064101", 200_000, "CHUYEN TIEN"), WEBHOOK_SECRET).await;
    assert_eq!(status, StatusCode::OK);
    let unmatched = store.unmatched_transfers(agency).await.unwrap();
    assert!(unmatched.iter().any(|t| t.bank_ref == "FT26064101"), "{unmatched:?}");
    let mut out = transfer("FT26064102", 550_000, &r.reference);
    out["transferType"] = "out".into();
    assert_eq!(notify_transfer(&app, &out, WEBHOOK_SECRET).await.0, StatusCode::OK);
    assert!(!store.unmatched_transfers(agency).await.unwrap().iter().any(|t| t.bank_ref == "FT26064102"));
    // Signed but unreadable: refused, not a server error.
    let (status, _) = notify_transfer(&app, &serde_json::json!({ "transferType": "in" }), WEBHOOK_SECRET).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

async fn a_reduction_checked_at_the_counter_lowers_the_fees_paid_online_at_submission(app: TestApp) {
    use motcua_domain::org::Role;
    use motcua_domain::types::Vnd;
    let store = app.db.store.as_ref();
    app.clock.set_local(at(2026, 3, 5, 9, 0));
    add_user(&app, "quay-giam", false, vec![grant(&app, Role::Reception, None)]).await;
    let (_, counter) = sign_in(&app, "quay-giam", PASSWORD).await;
    // The counter's form offers the groups the procedure's fee lines reduce.
    let (_, form) = get_page(&app, "/office/intake?procedure_code=1.004227", &counter).await;
    assert!(form.contains("id=\"fee_reduction\"") && form.contains("Người có công — "), "{form}");
    let applicant = "procedure_code=1.004227&channel=counter&name=L%C3%AA+V%C4%83n+C%C3%B4ng&citizen_id=056090007777\
                     &phone=0905777888&address=Nha+Trang&doc_0=on&form_0=original&doc_1=on&form_1=original&outcome=accept";
    // A group the schedule does not name is refused on its field, nothing taken.
    let wrong = format!("{applicant}&fee_reduction=Ai+%C4%91%C3%B3");
    let (status, _, page) = post_multipart(&app, &counter, "/office/intake", &wrong, &[]).await;
    assert!(status == StatusCode::UNPROCESSABLE_ENTITY && page.contains("không có đối tượng miễn, giảm này"), "{page}");
    let fields = format!("{applicant}&fee_reduction=Ng%C6%B0%E1%BB%9Di+c%C3%B3+c%C3%B4ng");
    let (status, location, page) = post_multipart(&app, &counter, "/office/intake", &fields, &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    // Mẫu 01 lists the reduced lines, their code and basis, and how to pay online.
    let (_, receipt) = get_page(&app, &location, &counter).await;
    for expected in [
        "Lệ phí cấp giấy chứng nhận 25.000 đ (LPGCN; Nghị quyết 15/2024/NQ-HĐND tỉnh Khánh Hòa; Giảm 50% cho Người có công)",
        "tổng 275.000 đ (chưa thanh toán)",
        "id=\"receipt-pay\"",
    ] {
        assert!(receipt.contains(expected), "{expected}: {receipt}");
    }
    let d = store
        .list_dossiers(&motcua_store::DossierFilter {
            agencies: vec![app.fx.agency.id],
            page: 1,
            page_size: 10,
            ..Default::default()
        })
        .await
        .unwrap()
        .items
        .into_iter()
        .find(|d| d.applicant.name == "Lê Văn Công")
        .unwrap();
    let code = d.code.as_ref().unwrap().to_string();
    // Not asked for yet, but due since submission: the lookup offers to pay.
    let anonymous = "motcua_session=";
    let (_, lookup) = get_page(&app, &format!("/lookup?code={code}&phone_last4=7888"), anonymous).await;
    assert!(lookup.contains("id=\"pay-now\""), "{lookup}");
    let (_, pay, _) = post_form(&app, anonymous, "/pay", &format!("code={code}&phone_last4=7888")).await;
    let (_, page) = get_page(&app, &pay, anonymous).await;
    assert!(page.contains("275.000 đ") && page.contains("Căn cứ: Nghị quyết 15/2024"), "{page}");
    let request_id: uuid::Uuid = pay.rsplit('/').next().unwrap().parse().unwrap();
    let request = store.payment_request(app.fx.agency.id, request_id).await.unwrap().unwrap();
    assert_eq!(request.total, Vnd(275_000));
    let (_, vnpay, _) = post_form(&app, anonymous, &format!("{pay}/vnpay"), "").await;
    let txn_ref = vnpay.split("vnp_TxnRef=").nth(1).unwrap().split('&').next().unwrap().to_owned();
    assert_eq!(ipn(&app, &signed(&txn_ref, 275_000, "00", "14012345", SECRET)).await, "00");
    // Paid: receipts of 25.000 and 250.000 đ; the dossier goes on where it was.
    let receipts = store.receipts_of(app.fx.agency.id, request_id).await.unwrap();
    let mut amounts: Vec<u64> = receipts.iter().map(|r| r.amount.0).collect();
    amounts.sort_unstable();
    assert_eq!(amounts, vec![25_000, 250_000]);
    assert_eq!(store.dossier(app.fx.agency.id, d.id).await.unwrap().unwrap().state, d.state);
    let charge = receipts.iter().find(|r| r.amount.0 == 25_000).unwrap();
    let (_, printed) = get_page(&app, &format!("{pay}/receipts/{}", charge.id), anonymous).await;
    assert!(printed.contains("(mã LPGCN)") && printed.contains("Giảm 50% cho Người có công"), "{printed}");
    // Asked again from the lookup: the paid request, not a second one.
    let (_, again, _) = post_form(&app, anonymous, "/pay", &format!("code={code}&phone_last4=7888")).await;
    assert_eq!(again, pay);
    assert_eq!(store.payment_requests_of(app.fx.agency.id, d.id).await.unwrap().len(), 1);
}

/// What the loopback signing service was asked, and whether it answers.
static SIGNER: std::sync::LazyLock<std::sync::Mutex<(bool, usize)>> = std::sync::LazyLock::new(Default::default);

/// A loopback remote-signing service: checks the bearer token and that `sha256` is the content's,
/// then answers a signature (or 503 while switched off).
async fn fake_signer() -> String {
    use sha2::Digest;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/sign", listener.local_addr().unwrap());
    let router = axum::Router::new().route(
        "/sign",
        axum::routing::post(
            |headers: axum::http::HeaderMap, axum::Json(v): axum::Json<serde_json::Value>| async move {
                use axum::response::IntoResponse;
                assert_eq!(headers["authorization"], "Bearer TOKEN-KY-SO");
                let content = v["content"].as_str().unwrap();
                assert_eq!(v["sha256"].as_str().unwrap(), hex::encode(sha2::Sha256::digest(content.as_bytes())));
                let mut state = SIGNER.lock().unwrap();
                if !state.0 {
                    return StatusCode::SERVICE_UNAVAILABLE.into_response();
                }
                state.1 += 1;
                axum::Json(serde_json::json!({
                    "signature": format!("MEUCIQ-{}", &v["sha256"].as_str().unwrap()[..16]),
                    "signer": "SỞ NÔNG NGHIỆP VÀ MÔI TRƯỜNG TỈNH KHÁNH HÒA", "certificate": "5404FFFE",
                }))
                .into_response()
            },
        ),
    );
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    url
}

async fn receipts_are_signed_by_the_agencys_signing_service(app: TestApp) {
    use motcua_app::payments::signing::{RemoteSigner, digest, sign_receipts};
    use motcua_domain::payment::Provider;
    let store = app.db.store.as_ref();
    let agency = app.fx.agency.id;
    let d = awaiting_payment(&app).await;
    let now = at(2026, 3, 5, 10, 0);
    let paid = motcua_app::payments::collect_at_counter(store, &app.fx.reception, &d, (Provider::Cash, None), now)
        .await
        .unwrap();
    let request = paid.request.clone();
    let http = motcua_app::payments::providers::Http::new().unwrap().with_bearer("TOKEN-KY-SO");
    let signer = RemoteSigner { url: fake_signer().await, transport: http };
    let page = |id: uuid::Uuid| format!("/pay/{AGENCY}/{}/receipts/{id}", request.id);
    let first = paid.receipts[0].id;
    assert!(get_page(&app, &page(first), "motcua_session=").await.1.contains("id=\"unsigned\""));
    // The service is down: nothing signed, tried again next round.
    SIGNER.lock().unwrap().0 = false;
    assert_eq!(sign_receipts(store, &signer, agency, now).await.unwrap(), 0);
    assert_eq!(store.unsigned_receipts(agency, 10).await.unwrap().len(), 2);
    // Up again: both signed once, over what they say.
    SIGNER.lock().unwrap().0 = true;
    assert_eq!(sign_receipts(store, &signer, agency, now).await.unwrap(), 2);
    assert_eq!(sign_receipts(store, &signer, agency, now).await.unwrap(), 0);
    let receipts = store.receipts_of(agency, request.id).await.unwrap();
    assert!(receipts.iter().all(|r| r.signed && r.signature.as_ref().unwrap().sha256 == digest(r)), "{receipts:?}");
    let (_, printed) = get_page(&app, &page(first), "motcua_session=").await;
    assert!(printed.contains("id=\"signed\"") && printed.contains("SỞ NÔNG NGHIỆP VÀ MÔI TRƯỜNG"), "{printed}");
    // A replacement is a new receipt: signed on the next round; the cancelled one keeps its signature.
    let new = motcua_app::payments::replace_receipt(
        store,
        &app.fx.reception,
        agency,
        first,
        ("Sai tên người nộp", "Nguyễn Văn Ân"),
        now,
    )
    .await
    .unwrap();
    assert!(!new.signed);
    assert_eq!(sign_receipts(store, &signer, agency, now).await.unwrap(), 1);
    let receipts = store.receipts_of(agency, request.id).await.unwrap();
    let old = receipts.iter().find(|r| r.id == first).unwrap();
    assert!(old.cancelled && old.signed && old.signature.as_ref().unwrap().sha256 == digest(old));
}

async fn an_amount_fixed_by_the_appraisal_is_asked_and_paid_instead_of_the_schedule(app: TestApp) {
    use motcua_domain::org::Role;
    let store = app.db.store.as_ref();
    let agency = app.fx.agency.id;
    let citizen = add_user(&app, "0905123456", true, vec![]).await;
    let (_, citizen_cookie) = sign_in(&app, "0905123456", PASSWORD).await;
    let d = app.fx.accepted_dossier(store, at(2026, 3, 2, 9, 0), "0905123456", Some(citizen)).await;
    let forward = Action::Forward { note: None, assignee: None };
    let d = app.fx.act(store, &d, forward, &app.fx.reception, at(2026, 3, 2, 10, 0)).await;
    // The citizen's own page offers to pay the fees due since submission.
    let (_, mine) = get_page(&app, &format!("/my/dossiers/{}", d.id), &citizen_cookie).await;
    assert!(mine.contains("id=\"pay-now\"") && mine.contains("name=\"phone_last4\" value=\"3456\""), "{mine}");
    // The applicant opened the payment page at submission: a request for the schedule's 550.000 đ.
    let early = motcua_app::payments::request_for(store, &d, at(2026, 3, 2, 11, 0)).await.unwrap();
    assert_eq!(early.total.0, 550_000);
    // The specialist's appraisal fixes another amount, asked from the dossier page.
    app.clock.set_local(at(2026, 3, 3, 9, 0));
    add_user(&app, "cv-tham-dinh", false, vec![grant(&app, Role::Specialist, Some("DD"))]).await;
    let (_, specialist) = sign_in(&app, "cv-tham-dinh", PASSWORD).await;
    let path = format!("/office/dossiers/{}/act", d.id);
    let (_, page) = get_page(&app, &format!("/office/dossiers/{}", d.id), &specialist).await;
    assert!(page.contains("name=\"amount\""), "{page}");
    let reason = "L%E1%BB%87+ph%C3%AD+tr%C6%B0%E1%BB%9Bc+b%E1%BA%A1";
    let bad = format!("version={}&action=request_payment&reason={reason}&amount=m%E1%BB%99t+tri%E1%BB%87u", d.version);
    let (status, _, page) = post_form(&app, &specialist, &path, &bad).await;
    assert!(status == StatusCode::UNPROCESSABLE_ENTITY && page.contains("Số tiền là số đồng"), "{status}: {page}");
    let form = format!("version={}&action=request_payment&reason={reason}&amount=1.250.000&fee_kind=charge", d.version);
    let (status, _, page) = post_form(&app, &specialist, &path, &form).await;
    assert!(status.is_redirection() || status == StatusCode::OK, "{status}: {page}");
    let d = store.dossier(agency, d.id).await.unwrap().unwrap();
    assert_eq!(d.state, State::AwaitingPayment);
    // The applicant pays the appraised amount; the earlier request is no longer due.
    let code = d.code.as_ref().unwrap().to_string();
    let anonymous = "motcua_session=";
    let (_, pay, _) = post_form(&app, anonymous, "/pay", &format!("code={code}&phone_last4=3456")).await;
    let (_, page) = get_page(&app, &pay, anonymous).await;
    assert!(page.contains("Lệ phí trước bạ") && page.contains("1.250.000 đ"), "{page}");
    let cancelled = store.payment_request(agency, early.id).await.unwrap().unwrap();
    assert_eq!(cancelled.state, motcua_domain::payment::RequestState::Cancelled);
    let (_, vnpay, _) = post_form(&app, anonymous, &format!("{pay}/vnpay"), "").await;
    let txn_ref = vnpay.split("vnp_TxnRef=").nth(1).unwrap().split('&').next().unwrap().to_owned();
    assert_eq!(ipn(&app, &signed(&txn_ref, 1_250_000, "00", "14055555", SECRET)).await, "00");
    assert_eq!(store.dossier(agency, d.id).await.unwrap().unwrap().state, State::Processing, "paid: resumed");
    // The citizen's page now leads to the paid request's receipts, not to a new request.
    let (_, citizen_cookie) = sign_in(&app, "0905123456", PASSWORD).await;
    let (_, mine) = get_page(&app, &format!("/my/dossiers/{}", d.id), &citizen_cookie).await;
    assert!(mine.contains("id=\"pay-now\""), "{mine}");
    let (_, again, _) = post_form(&app, &citizen_cookie, "/pay", &format!("code={code}&phone_last4=3456")).await;
    assert_eq!(again, pay);
    let request_id: uuid::Uuid = pay.rsplit('/').next().unwrap().parse().unwrap();
    let receipts = store.receipts_of(agency, request_id).await.unwrap();
    assert_eq!(receipts.len(), 1, "one kind: lệ phí");
    assert_eq!((receipts[0].amount.0, receipts[0].lines[0].name.as_str()), (1_250_000, "Lệ phí trước bạ"));
    // A payment for the cancelled request that still comes is money to return, never a credit.
    let late = motcua_domain::payment::Attempt {
        state: motcua_domain::payment::AttemptState::Initiated,
        ..motcua_domain::payment::Attempt::start(
            uuid::Uuid::now_v7(),
            &early,
            motcua_domain::payment::Provider::Vnpay,
            1,
            at(2026, 3, 2, 11, 5),
        )
        .unwrap()
    };
    store.insert_attempt(&late).await.unwrap();
    assert_eq!(ipn(&app, &signed(&late.txn_ref, 550_000, "00", "14066666", SECRET)).await, "02");
    let late = store.attempt_by_ref(agency, &late.txn_ref).await.unwrap().unwrap();
    assert!(late.refund_due, "{late:?}");
}

async fn the_reconciliation_names_receipts_that_do_not_match_their_payments(app: TestApp) {
    use motcua_domain::catalog::FeeKind;
    use motcua_domain::org::Role;
    use motcua_domain::payment::{Attempt, PaymentRequest, Provider, Series, receipts_for};
    let store = app.db.store.as_ref();
    let agency = app.fx.agency.id;
    let now = at(2026, 3, 5, 10, 0);
    let mut requests = Vec::new();
    for _ in 0..3 {
        let d = awaiting_payment(&app).await;
        requests.push(motcua_app::payments::request_for(store, &d, now).await.unwrap());
    }
    let (r1, r2, r3) = (&requests[0], &requests[1], &requests[2]);
    // What the app never writes, as another system or a hand in the database might: r1 paid with
    // its receipts filed under r2 (still awaiting), r3 paid with the fee's receipt only.
    let series = Series::default();
    let under_r2 = |_: &PaymentRequest| receipts_for(r2, &series, Provider::Vnpay, now);
    let fee_only = |r: &PaymentRequest| {
        receipts_for(r, &series, Provider::Vnpay, now).into_iter().filter(|b| b.kind == FeeKind::Fee).collect()
    };
    type Issue<'a> = &'a (dyn for<'r> Fn(&'r PaymentRequest) -> Vec<motcua_domain::payment::Receipt> + Sync);
    let issuers: [(&PaymentRequest, Issue<'_>); 2] = [(r1, &under_r2), (r3, &fee_only)];
    for (r, issue) in issuers {
        let a = Attempt::start(uuid::Uuid::now_v7(), r, Provider::Vnpay, 1, now).unwrap();
        store.insert_attempt(&a).await.unwrap();
        let txn = format!("GD-{}", a.txn_ref);
        store.confirm_payment(agency, &a.txn_ref, r.total, true, &txn, issue, now).await.unwrap().unwrap();
    }
    let day = (at(2026, 3, 5, 0, 0), at(2026, 3, 6, 0, 0));
    let rec = motcua_app::payments::reconcile(store, agency, day).await.unwrap();
    let found = |kind: &str, reference: &str| {
        rec.mismatches
            .iter()
            .any(|m| m.kind == kind && (m.reference.contains(reference) || m.dossier_code == reference))
    };
    assert!(found("Đã thanh toán, chưa có biên lai", &r1.reference), "{:?}", rec.mismatches);
    assert!(found("Biên lai không có thanh toán", &r2.dossier_code), "{:?}", rec.mismatches);
    assert!(found("Số tiền lệch", &r3.reference), "{:?}", rec.mismatches);
    assert_eq!(rec.mismatches.len(), 4, "two receipts under r2, each named: {:?}", rec.mismatches);
    // The leader reads the same on the page.
    add_user(&app, "ld-doi-soat", false, vec![grant(&app, Role::AgencyLead, None)]).await;
    app.clock.set_local(at(2026, 3, 6, 8, 0));
    let (_, lead) = sign_in(&app, "ld-doi-soat", PASSWORD).await;
    let (status, page) = get_page(&app, "/office/payments/reconciliation?day=2026-03-05", &lead).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    for kind in ["Đã thanh toán, chưa có biên lai", "Biên lai không có thanh toán", "Số tiền lệch"] {
        assert!(page.contains(&format!("<td>{kind}</td>")), "{kind}: {page}");
    }
}
