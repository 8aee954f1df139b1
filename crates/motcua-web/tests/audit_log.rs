//! Who saw what, and the inspector who finds out: an officer's reads of a dossier, a file's
//! download, an export and signing out are audit entries carrying the client's address; an
//! inspector searches the agency's record by person, dossier, action and period and exports it
//! to CSV (an export audited in turn). Others are turned away; bad filters get field errors.

#[macro_use]
mod common;

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode};
use common::pages::*;
use common::{TestApp, applicant};
use motcua_domain::org::Role;

/// A GET of a page as the signed-in `session`, from the client `from`: status, headers, body.
async fn get_from(app: &TestApp, path: &str, session: &str, from: &str) -> (StatusCode, axum::http::HeaderMap, String) {
    let cookie = session.split(';').next().unwrap_or("").to_owned();
    let mut req = Request::get(path)
        .header("cookie", format!("{cookie}; motcua_csrf={}", "a".repeat(64)))
        .body(Body::empty())
        .unwrap();
    req.extensions_mut().insert(ConnectInfo(from.parse::<SocketAddr>().unwrap()));
    let res = app.router.clone().oneshot_raw(req).await;
    let (status, headers) = (res.status(), res.headers().clone());
    let bytes = http_body_util::BodyExt::collect(res.into_body()).await.unwrap().to_bytes();
    (status, headers, String::from_utf8_lossy(&bytes).to_string())
}

/// The audit viewer's rows (`<tbody>` of `#audit`), one string per row, tags removed.
fn rows(page: &str) -> Vec<String> {
    let Some(start) = page.find("<table id=\"audit\">") else { return vec![] };
    let table = &page[start..page[start..].find("</table>").map_or(page.len(), |e| start + e)];
    table
        .split("<tr>")
        .skip(2)
        .map(|row| {
            let mut text = String::new();
            let mut inside = false;
            for c in row.chars() {
                match c {
                    '<' => inside = true,
                    '>' => {
                        inside = false;
                        text.push(' ');
                    }
                    c if !inside => text.push(c),
                    _ => {}
                }
            }
            text.split_whitespace().collect::<Vec<_>>().join(" ")
        })
        .collect()
}

async fn an_officers_reads_and_exports_are_found_by_the_inspector(app: TestApp) {
    add_user(&app, "quay-doc", false, vec![grant(&app, Role::Reception, Some("VP"))]).await;
    add_user(&app, "thanhtra-xem", false, vec![grant(&app, Role::Inspector, None)]).await;
    add_user(&app, "chuyenvien-xem", false, vec![grant(&app, Role::Specialist, Some("DD"))]).await;
    let created = app.counter_intake(applicant()).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let id = created.body["dossier"]["id"].as_str().unwrap().to_owned();
    let code = created.body["dossier"]["code"].as_str().unwrap().to_owned();

    // The counter officer reads the dossier, prints its receipt, exports the register, signs out.
    let (_, officer) = sign_in(&app, "quay-doc", PASSWORD).await;
    let (status, _, _) = get_from(&app, &format!("/office/dossiers/{id}"), &officer, "203.0.113.7:50000").await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, _) = get_from(&app, &format!("/office/dossiers/{id}/receipt"), &officer, "203.0.113.7:50000").await;
    assert_eq!(status, StatusCode::OK);
    let (status, headers, _) = get_from(&app, "/office/register?format=csv", &officer, "203.0.113.7:50000").await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers.contains_key("content-disposition"));
    // A page that shows no one's data is not an entry.
    let (status, _, _) = get_from(&app, "/office", &officer, "203.0.113.7:50000").await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, _) = post_form(&app, &officer, "/logout", "").await;
    assert_eq!(status, StatusCode::SEE_OTHER);

    // The specialist may not read the record.
    let (_, specialist) = sign_in(&app, "chuyenvien-xem", PASSWORD).await;
    let (status, page) = get_page(&app, "/office/audit", &specialist).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{page}");
    assert!(page.contains("<html"), "an HTML error page");

    // The inspector searches by person.
    let (_, inspector) = sign_in(&app, "thanhtra-xem", PASSWORD).await;
    let (status, page) = get_page(&app, "/office/audit?person=quay-doc", &inspector).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let found = rows(&page);
    let wanted = ["Đăng xuất", "Xuất dữ liệu", "In biểu mẫu của hồ sơ", "Xem hồ sơ", "Đăng nhập"];
    let labels: Vec<&str> = wanted.iter().copied().filter(|w| found.iter().any(|r| r.contains(w))).collect();
    assert_eq!(labels, wanted, "{found:#?}");
    // Newest first, each naming the person; the reads name the dossier and the client.
    assert!(found[0].contains("Đăng xuất"), "{found:#?}");
    assert!(found.iter().all(|r| r.contains("quay-doc")), "{found:#?}");
    let read = found.iter().find(|r| r.contains("Xem hồ sơ")).unwrap();
    assert!(read.contains(&code) && read.contains("203.0.113.7"), "{read}");
    assert!(!found.iter().any(|r| r.contains("/office ")), "the dashboard is not recorded: {found:#?}");

    // By dossier: its reads and its events (taken in at the counter), nobody else's entries.
    let (_, page) = get_page(&app, &format!("/office/audit?dossier={}", code.to_lowercase()), &inspector).await;
    let found = rows(&page);
    assert!(found.iter().any(|r| r.contains("Hồ sơ: Tiếp nhận hồ sơ")), "{found:#?}");
    assert!(found.iter().any(|r| r.contains("Xem hồ sơ")), "{found:#?}");
    assert!(found.iter().all(|r| r.contains(&code)), "{found:#?}");

    // By action and period.
    let (_, page) = get_page(&app, "/office/audit?action=sign_out&from=12/02/2026&to=2026-02-12", &inspector).await;
    let found = rows(&page);
    assert_eq!(found.len(), 1, "{found:#?}");
    let (_, page) = get_page(&app, "/office/audit?action=sign_out&from=2026-02-13&to=2026-02-20", &inspector).await;
    assert!(rows(&page).is_empty());

    // Exported to CSV; the export is itself recorded.
    let (status, headers, csv) =
        get_from(&app, "/office/audit?person=quay-doc&format=csv", &inspector, "198.51.100.2:1").await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers["content-disposition"].to_str().unwrap().contains("nhat-ky-000.00.17.H34-"));
    assert!(csv.starts_with("\u{feff}Thời điểm,Người thực hiện,Hành động"), "{csv}");
    assert_eq!(csv.lines().count(), 6, "a header and five entries:\n{csv}");
    assert!(csv.contains(&format!("Xem hồ sơ,dossier_read,{code}")), "{csv}");
    let (_, page) = get_page(&app, "/office/audit?action=exported", &inspector).await;
    let found = rows(&page);
    assert!(found.iter().any(|r| r.contains("thanhtra-xem") && r.contains("198.51.100.2")), "{found:#?}");

    // Bad filters: a field's message, never a server error.
    for (query, message) in [
        ("from=31/02/2026", "không hợp lệ"),
        ("from=2026-03-01&to=2026-02-01", "Ngày bắt đầu sau ngày kết thúc"),
        ("person=khong-co-ai", "Không có tài khoản"),
        ("dossier=%3Cscript%3E", "Cơ quan không có hồ sơ mã"),
        ("action=%27%3B+drop+table+audit_log", "Hành động không hợp lệ"),
    ] {
        let (status, page) = get_page(&app, &format!("/office/audit?{query}"), &inspector).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {page}");
        assert!(page.contains(message), "{query}: {page}");
        assert!(!page.contains("<script>"), "{query}");
    }
}

/// The record's daily anchors in the monthly report: the chains' heads at the end of the
/// window's last day on the page, every day's in a CSV, and all of them kept in a frozen report.
async fn the_monthly_report_carries_the_records_anchors(app: TestApp) {
    let store = app.db.store.as_ref();
    for day in [12, 13] {
        app.fx.accepted_dossier(store, motcua_store::testing::at(2026, 2, day, 9, 0), "0905123456", None).await;
        motcua_app::evidence::seal(store, app.fx.agency.id, motcua_store::testing::at(2026, 2, day, 16, 0))
            .await
            .unwrap();
    }
    app.at(2026, 2, 20, 9, 0);
    add_user(&app, "giamdoc-neo", false, vec![grant(&app, Role::AgencyLead, None)]).await;
    let (_, lead) = sign_in(&app, "giamdoc-neo", PASSWORD).await;
    // February's window ends on 14/02: its heads then.
    let (status, page) = get_page(&app, "/office/reports?period=2026-02", &lead).await;
    assert_eq!(status, StatusCode::OK);
    let head = motcua_app::evidence::daily_anchors(
        store,
        app.fx.agency.id,
        (chrono::NaiveDate::from_ymd_opt(2026, 2, 14).unwrap(), chrono::NaiveDate::from_ymd_opt(2026, 2, 14).unwrap()),
        motcua_store::testing::at(2026, 2, 20, 9, 0),
    )
    .await
    .unwrap();
    assert_eq!(head.len(), 1, "{head:?}");
    assert_eq!(head[0].seq, 2);
    let anchors = page.split("id=\"anchors\"").nth(1).expect("the anchors' section");
    assert!(anchors.contains("14/02/2026") && anchors.contains(&head[0].hash), "{anchors}");
    let (status, headers, csv) =
        get_from(&app, "/office/reports/anchors.csv?period=2026-02", &lead, "192.0.2.1:1").await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers["content-disposition"].to_str().unwrap().contains("neo-chuoi-bam-000.00.17.H34-2026-02.csv"));
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 4, "a header, then 12, 13 and 14/02:\n{csv}");
    assert!(lines[1].starts_with("000.00.17.H34,12/02/2026,events,1,"), "{csv}");
    assert!(lines[3].ends_with(&head[0].hash), "{csv}");
    // Frozen, the report keeps every day's anchors of its window.
    let (status, _, _) = post_form(&app, &lead, "/office/reports/freeze", "period=2026-02").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, page) = get_page(&app, "/office/reports?period=2026-02", &lead).await;
    let link = page.split("/office/reports/snapshots/").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let (_, frozen) = get_page(&app, &format!("/office/reports/snapshots/{link}"), &lead).await;
    let anchors = frozen.split("id=\"anchors\"").nth(1).expect("the frozen anchors");
    for day in ["12/02/2026", "13/02/2026", "14/02/2026"] {
        assert!(anchors.contains(day), "{day}: {anchors}");
    }
}

/// A name typed at the counter that a spreadsheet would run as a formula reaches the register's
/// CSV as text.
async fn exports_do_not_carry_live_formulas(app: TestApp) {
    let mut who = applicant();
    who["name"] = "=HYPERLINK(\"http://x.invalid\",\"An\")".into();
    let created = app.counter_intake(who).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    add_user(&app, "quay-csv", false, vec![grant(&app, Role::Reception, Some("VP"))]).await;
    let (_, officer) = sign_in(&app, "quay-csv", PASSWORD).await;
    let (status, _, csv) = get_from(&app, "/office/register?format=csv", &officer, "192.0.2.9:1").await;
    assert_eq!(status, StatusCode::OK);
    assert!(csv.contains("\"'=HYPERLINK(\"\"http://x.invalid\"\",\"\"An\"\")\""), "{csv}");
}

on_every_backend!(
    exports_do_not_carry_live_formulas,
    an_officers_reads_and_exports_are_found_by_the_inspector,
    the_monthly_report_carries_the_records_anchors
);
