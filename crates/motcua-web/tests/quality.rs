//! Reports, quality indices, evaluations and public statistics through the pages, on both
//! backends: the numbers on the page, in the CSV and in the XLSX (read back with calamine) are
//! the same hand-checked numbers; a frozen report does not move; every number leads to its
//! dossiers; applicants evaluate from the lookup.

#[macro_use]
mod common;

use axum::http::StatusCode;
use chrono::NaiveDateTime;
use common::TestApp;
use common::pages::*;
use motcua_domain::dossier::Dossier;
use motcua_domain::org::Role;
use motcua_store::testing::at;

async fn three_dossiers(app: &TestApp) -> [Dossier; 3] {
    app.fx.three_dossiers(app.db.store.as_ref()).await
}

/// The numbers of the `<tfoot>` row of the first report table.
fn total_row(page: &str) -> Vec<u64> {
    let foot = page.split("<tfoot>").nth(1).unwrap().split("</tfoot>").next().unwrap();
    foot.split("<td class=\"num\">")
        .skip(1)
        .map(|cell| {
            // The cell's text, without its tags (links, bold).
            let (mut text, mut in_tag) = (String::new(), false);
            for c in cell.split("</td>").next().unwrap().chars() {
                match c {
                    '<' => in_tag = true,
                    '>' => in_tag = false,
                    c if !in_tag && c.is_ascii_digit() => text.push(c),
                    _ => {}
                }
            }
            text.parse().unwrap()
        })
        .collect()
}

async fn signed_in(app: &TestApp, name: &str, role: Role, now: NaiveDateTime) -> String {
    app.clock.set_local(now);
    add_user(app, name, false, vec![grant(app, role, None)]).await;
    sign_in(app, name, PASSWORD).await.1
}

on_every_backend!(
    bieu_06_on_the_page_in_csv_and_in_xlsx_holds_the_same_numbers,
    a_frozen_report_does_not_move_and_the_worker_freezes_each_month,
    the_quality_dashboard_scores_and_lists_the_dossiers_behind_each_number,
    the_766_index_is_out_of_100_and_names_the_data_not_held,
    applicants_evaluate_from_the_lookup_and_may_change_it_for_seven_days,
    public_statistics_show_rates_by_field_without_personal_data,
    leaders_see_late_dossiers_by_unit_and_remind_from_the_list,
    the_satisfaction_survey_is_answered_anonymously_and_indexed,
    the_draft_narrative_report_is_pre_filled_with_the_period_numbers,
    a_period_under_way_is_counted_as_of_now_and_cannot_be_frozen,
);

async fn bieu_06_on_the_page_in_csv_and_in_xlsx_holds_the_same_numbers(app: TestApp) {
    let [done, twice, untouched] = three_dossiers(&app).await;
    let cookie = signed_in(&app, "giamdoc-bc", Role::AgencyLead, at(2026, 3, 20, 10, 0)).await;
    let (status, page) = get_page(&app, "/office/reports?period=2026-03", &cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Tháng 3/2026") && page.contains("15/02/2026 – 14/03/2026"), "the official window");
    // All three carried over from February; the first resolved early on 17/02; two pending and
    // overdue at the cut-off (two supplement requests; past 05/03).
    let expected = vec![3, 0, 0, 3, 1, 1, 0, 0, 2, 0, 2];
    assert_eq!(total_row(&page), expected);
    assert!(page.contains("Đất đai") && page.contains("Phòng"), "lines by field and by unit");
    assert!(page.contains(r#"<strong id="on-time-rate">100,00%</strong>"#));
    // The late list: the two overdue ones, no apology yet.
    let late = page.split("Hồ sơ quá hạn trong kỳ").nth(1).unwrap();
    for d in [&twice, &untouched] {
        assert!(late.contains(d.code.as_ref().unwrap().as_str()), "{late}");
    }
    assert!(!late.contains(done.code.as_ref().unwrap().as_str()));
    assert!(late.contains("Chưa có văn bản xin lỗi") && late.contains("Thiếu bản vẽ"));
    // The dossiers behind "overdue" (13) and "early" (8).
    let (_, drill) = get_page(&app, "/office/reports/dossiers?period=2026-03&col=13", &cookie).await;
    assert!(drill.contains("— 2 hồ sơ") && drill.contains(untouched.code.as_ref().unwrap().as_str()), "{drill}");
    let (_, drill) =
        get_page(&app, "/office/reports/dossiers?period=2026-03&col=8&field=%C4%90%E1%BA%A5t%20%C4%91ai", &cookie)
            .await;
    assert!(drill.contains("— 1 hồ sơ") && drill.contains(done.code.as_ref().unwrap().as_str()), "{drill}");

    // CSV: the same numbers, with a byte-order mark for spreadsheet programs.
    let csv = get_bytes(&app, "/office/reports/bieu06.csv?period=2026-03", &cookie).await;
    let text = String::from_utf8(csv).unwrap();
    assert!(text.starts_with('\u{feff}'));
    assert!(text.lines().any(|l| l == "Tổng cộng,,3,0,0,3,1,1,0,0,2,0,2"), "{text}");

    // XLSX, read back: the same numbers in the total row, the late dossiers on their sheet.
    let bytes = get_bytes(&app, "/office/reports/bieu06.xlsx?period=2026-03", &cookie).await;
    use calamine::{DataType, Reader, Xlsx};
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    let sheet = book.worksheet_range("Biểu 06").unwrap();
    let total = sheet.rows().find(|r| r[0] == "Tổng cộng").expect("the total row");
    let cells: Vec<u64> = total[2..13].iter().map(|c| c.get_float().unwrap() as u64).collect();
    assert_eq!(cells, expected);
    assert!(sheet.rows().any(|r| r[1] == "Đất đai"));
    let late = book.worksheet_range("Hồ sơ quá hạn").unwrap();
    assert_eq!(late.rows().count(), 3, "a header and two dossiers");

    // Scope and bad input.
    let other = motcua_domain::org::RoleGrant { role: Role::AgencyLead, agency_id: app.fx.other_agency.id, unit: None };
    add_user(&app, "giamdoc-khac", false, vec![other]).await;
    let (_, other_cookie) = sign_in(&app, "giamdoc-khac", PASSWORD).await;
    let (status, _) = get_page(&app, &format!("/office/reports?agency={}", app.fx.agency.code), &other_cookie).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, page) = get_page(&app, "/office/reports?period=2026-13", &cookie).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("kỳ báo cáo &quot;2026-13&quot; không hợp lệ"), "{page}");
}

async fn get_bytes(app: &TestApp, path: &str, cookie: &str) -> Vec<u8> {
    use axum::body::Body;
    use axum::http::Request;
    let session = cookie.split(';').next().unwrap();
    let req = Request::get(path)
        .header("cookie", format!("{session}; motcua_csrf={}", "a".repeat(64)))
        .body(Body::empty())
        .unwrap();
    let res = app.router.clone().oneshot_raw(req).await;
    assert_eq!(res.status(), StatusCode::OK);
    http_body_util::BodyExt::collect(res.into_body()).await.unwrap().to_bytes().to_vec()
}

async fn a_frozen_report_does_not_move_and_the_worker_freezes_each_month(app: TestApp) {
    three_dossiers(&app).await;
    let cookie = signed_in(&app, "giamdoc-chot", Role::AgencyLead, at(2026, 3, 20, 10, 0)).await;
    let (status, location, _) = post_form(&app, &cookie, "/office/reports/freeze", "period=2026-03").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(location.ends_with("period=2026-03&frozen=1"), "{location}");
    // A dossier accepted later inside the window changes the live report, not the frozen one.
    app.fx.accepted_dossier(app.db.store.as_ref(), at(2026, 3, 2, 9, 0), "0905123456", None).await;
    let (_, page) = get_page(&app, "/office/reports?period=2026-03", &cookie).await;
    assert_eq!(total_row(&page)[0], 4);
    let link = page.split("/office/reports/snapshots/").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let (_, frozen) = get_page(&app, &format!("/office/reports/snapshots/{link}"), &cookie).await;
    assert_eq!(total_row(&frozen), vec![3, 0, 0, 3, 1, 1, 0, 0, 2, 0, 2]);
    assert!(frozen.contains("Số liệu đã chốt lúc 10:00 20/03/2026"));

    // The worker freezes the closed month on the first working day after the 14th: not on
    // Sunday 15/03/2026, on Monday 16/03, once.
    run_notifier(&app, at(2026, 3, 15, 9, 0)).await;
    let auto = |app: &TestApp| {
        let store = app.db.store.clone();
        let agency = app.fx.agency.id;
        async move { store.report_snapshots(agency, "bieu06", "2026-03").await.unwrap() }
    };
    assert_eq!(auto(&app).await.len(), 1, "only the one made by hand");
    run_notifier(&app, at(2026, 3, 16, 9, 0)).await;
    run_notifier(&app, at(2026, 3, 16, 9, 5)).await;
    let snapshots = auto(&app).await;
    assert_eq!(snapshots.len(), 2);
    assert_eq!(snapshots.iter().filter(|(_, _, by)| by == "Tự động").count(), 1);
}

async fn the_quality_dashboard_scores_and_lists_the_dossiers_behind_each_number(app: TestApp) {
    let [done, twice, _] = three_dossiers(&app).await;
    let cookie = signed_in(&app, "thanhtra-cl", Role::Inspector, at(2026, 3, 20, 10, 0)).await;
    let (status, page) = get_page(&app, "/office/quality?period=2026-02", &cookie).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    // February (calendar): three received; at the end of the month the first was early, the
    // third still within time, the second late (two supplement requests): 2 of 3 = 66,67 %.
    let row = page.split(r#"id="indicator-2.1""#).nth(1).unwrap().split("</tr>").next().unwrap();
    assert!(row.contains(">2</a> / 3") && row.contains("66,67%") && row.contains("13,33 / 20,00"), "{row}");
    let row = page.split(r#"id="indicator-3.3""#).nth(1).unwrap().split("</tr>").next().unwrap();
    assert!(row.contains(">0</a> / 3") && row.contains("0,00%"), "{row}");
    assert!(page.contains("điểm tối đa chưa kiểm chứng"), "unverified points are said so");
    assert!(page.contains("<polyline"), "the trend chart");
    // Circular 01: the specialist finished a step of the returned dossier.
    let officers = page.split(r#"id="officers""#).nth(1).unwrap().split("</table>").next().unwrap();
    assert!(officers.contains("chuyenvien") || officers.contains("Chuyên viên"), "{officers}");
    // The dossiers behind "not on time".
    let (_, drill) = get_page(&app, "/office/quality/dossiers?period=2026-02&indicator=2.1&inside=0", &cookie).await;
    assert!(drill.contains("1 hồ sơ không đạt") && drill.contains(twice.code.as_ref().unwrap().as_str()), "{drill}");
    assert!(!drill.contains(done.code.as_ref().unwrap().as_str()));
    // Per field and per unit: the land field holds all three; no dossier is in the LD unit's charge.
    let (_, page) = get_page(&app, "/office/quality?period=2026-02&field=%C4%90%E1%BA%A5t%20%C4%91ai", &cookie).await;
    assert!(page.contains(">2</a> / 3"), "the same three");
    let fields = page.split(r#"id="fields""#).nth(1).unwrap();
    assert!(fields.contains("<td>Đất đai</td>"));
    let (_, page) = get_page(&app, "/office/quality?period=2026-02&unit=LD", &cookie).await;
    assert!(!page.contains(r#"id="indicator-2.1""#), "no dossier, no score");
    let (status, _) = get_page(&app, "/office/quality/dossiers?period=2026-02&indicator=9.9", &cookie).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// The part of `page` from the element with `id` to the end of `until`.
fn part<'a>(page: &'a str, id: &str, until: &str) -> &'a str {
    page.split(&format!(r#"id="{id}""#))
        .nth(1)
        .unwrap_or_else(|| panic!("no {id}: {page}"))
        .split(until)
        .next()
        .unwrap()
}

async fn the_766_index_is_out_of_100_and_names_the_data_not_held(app: TestApp) {
    three_dossiers(&app).await;
    let cookie = signed_in(&app, "thanhtra-766", Role::Inspector, at(2026, 3, 20, 10, 0)).await;
    let (status, page) = get_page(&app, "/office/quality?period=2026-02", &cookie).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    // February: 2.1 2 of 3 → 13,33; 1.3 the one procedure is complete → 4,50; 3.1 it has a
    // partial online service, 100 % ≥ 80 % → 4,00; 3.2 no online dossier → 0; 3.3 none online,
    // 4.1 the one finished has no result file, 4.2 no document has a file → 0; 5.4 100 − 33,33
    // overdue = 66,67 % → 4,5 × 66,67 / 90 = 3,33. Total 13,33 + 4,5 + 4 + 3,33 = 25,16 of 100.
    assert!(page.contains(r#"<strong id="index-total">25,16</strong> / 100 điểm"#), "{page}");
    let missing = part(&page, "index-missing", "</p>");
    assert!(missing.contains("chưa có dữ liệu: tái sử dụng"), "{missing}");
    // 5.1–5.3 are counted from feedback: none received in February, so no case (0 points).
    let no_cases = part(&page, "index-no-cases", "</p>");
    assert!(no_cases.contains("Tiến độ xử lý phản ánh, kiến nghị"), "{no_cases}");
    // 1.4 is counted: no portal is configured here, so none of the three was told: 0 of 3.
    let sync = part(&page, "indicator-1.4", "</tr>");
    assert!(sync.contains("0,00"), "{sync}");
    let payment = page.split("<td>4. Thanh toán trực tuyến</td>").nth(1).unwrap().split("</tr>").next().unwrap();
    // Payments are held now: no dossier paid online in February scores 0, with nothing missing.
    assert!(payment.contains("0,00") && payment.contains("10,00") && !payment.contains("3.5"), "{payment}");
    // No publishing decision in February: 1.1 and 1.2 have no case and say so.
    let no_cases = part(&page, "index-no-cases", "</p>");
    assert!(no_cases.contains("1.1. Thủ tục hành chính được công bố đúng hạn") && no_cases.contains("1.2."));
    // 1.3 lists its procedures.
    let row = part(&page, "indicator-1.3", "</tr>");
    assert!(row.contains(">1</a> / 1") && row.contains("4,50 / 4,50"), "{row}");
    let (_, drill) = get_page(&app, "/office/quality/procedures?period=2026-02&indicator=1.3&inside=1", &cookie).await;
    assert!(drill.contains("1 thủ tục đạt") && drill.contains("<td>1.004227</td>"), "{drill}");
    // January 2022: the procedure's decision of Monday 10/01/2022, for a text in force from
    // 01/08/2024, was put in the catalog on Wednesday 12/01 (two working days): 1.1 and 1.2 met.
    let (status, page) = get_page(&app, "/office/quality?period=2022-01", &cookie).await;
    assert_eq!(status, StatusCode::OK);
    for id in ["indicator-1.1", "indicator-1.2"] {
        let row = part(&page, id, "</tr>");
        assert!(row.contains(">1</a> / 1") && row.contains("4,50 / 4,50"), "{row}");
    }
    let (_, drill) = get_page(&app, "/office/quality/procedures?period=2022-01&indicator=1.2&inside=1", &cookie).await;
    assert!(
        drill.contains("Quyết định công bố 10/01/2022")
            && drill.contains("đưa lên danh mục 12/01/2022 (2 ngày làm việc sau quyết định)"),
        "{drill}"
    );
    let (_, drill) = get_page(&app, "/office/quality/procedures?period=2022-01&indicator=1.1&inside=0", &cookie).await;
    assert!(drill.contains("0 thủ tục không đạt"), "{drill}");
    // Each list answers only for its own kind of indicator.
    for path in [
        "/office/quality/procedures?period=2026-02&indicator=2.1",
        "/office/quality/dossiers?period=2026-02&indicator=1.1",
    ] {
        assert_eq!(get_page(&app, path, &cookie).await.0, StatusCode::NOT_FOUND, "{path}");
    }
    // Circular 01: each level with its bands; the agency rated on all nine indicators, 5 from
    // the catalog (received and returned at the counter, examined elsewhere: 1), 8 from no PAKN at all: 2.
    let (_, page) = get_page(&app, "/office/quality?period=2026-02", &cookie).await;
    let levels = part(&page, "levels", "</table>");
    assert!(levels.contains("Xuất sắc ≥ 8,4") && levels.contains("Xuất sắc ≥ 15,0"), "{levels}");
    assert!(page.contains("Chỉ số (8) tính từ 0 phản ánh, kiến nghị tiếp nhận trong kỳ"), "no PAKN: 8 scores 2");
    let agency = page.split("<tfoot>").nth(1).unwrap().split("</tfoot>").next().unwrap();
    assert!(agency.matches("<td class=\"num\">").count() == 11, "dossiers, nine indicators, total: {agency}");
    assert!(agency.contains(r#"<td class="num">1,0</td><td class="num">2,0</td>"#), "(5) 1, (6) 2: {agency}");
    assert!(agency.contains(r#"<td class="num">2,0</td><td class="num">0,0</td>"#), "(8) 2, (9) 0: {agency}");
}

async fn applicants_evaluate_from_the_lookup_and_may_change_it_for_seven_days(app: TestApp) {
    let [done, twice, _] = three_dossiers(&app).await;
    app.clock.set_local(at(2026, 2, 18, 10, 0));
    let code = done.code.as_ref().unwrap().to_string();
    let lookup = format!("/lookup?code={code}&phone_last4=3456");
    let (_, page) = get_page(&app, &lookup, "").await;
    assert!(page.contains(r#"id="evaluation""#) && page.contains(r#"value="very_satisfied""#), "offered when finished");
    let (_, page) =
        get_page(&app, &format!("/lookup?code={}&phone_last4=3456", twice.code.as_ref().unwrap()), "").await;
    assert!(!page.contains(r#"id="evaluation""#), "not before");
    // One click, with a detail.
    let body = format!(
        "code={code}&phone_last4=3456&from=lookup&overall=very_satisfied&attitude=2&comment=C%E1%BA%A3m+%C6%A1n"
    );
    let (status, location, _) = post_form(&app, "", "/lookup/evaluate", &body).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location, format!("/lookup?code={code}&phone_last4=3456&evaluated=1#evaluation"));
    let (_, page) = get_page(&app, &format!("{lookup}&evaluated=1"), "").await;
    assert!(page.contains("Cảm ơn ông/bà đã đánh giá.") && page.contains("Rất hài lòng (18/02/2026)"), "{page}");
    // The wrong phone digits: nothing found, nothing stored.
    let wrong = format!("code={code}&phone_last4=0000&from=lookup&overall=not_satisfied");
    assert_eq!(post_form(&app, "", "/lookup/evaluate", &wrong).await.0, StatusCode::NOT_FOUND);
    // Changed within seven days; refused after.
    app.clock.set_local(at(2026, 2, 24, 10, 0));
    let change = format!("code={code}&phone_last4=3456&from=kiosk&overall=not_satisfied");
    let (_, location, _) = post_form(&app, "", "/lookup/evaluate", &change).await;
    assert!(location.starts_with("/kiosk?mode=lookup&"), "back to the counter screen");
    let stored = app.db.store.evaluation(done.agency_id, done.id).await.unwrap().unwrap();
    assert_eq!(
        (stored.overall.as_str(), stored.channel.as_str(), stored.created_at),
        ("not_satisfied", "counter", at(2026, 2, 18, 10, 0))
    );
    app.clock.set_local(at(2026, 2, 26, 10, 1));
    let (status, _, page) =
        post_form(&app, "", "/lookup/evaluate", &change.replace("not_satisfied", "satisfied")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("chỉ được sửa trong 7 ngày"), "{page}");
    let (_, page) = get_page(&app, &lookup, "").await;
    assert!(page.contains("Đã hết thời hạn sửa đánh giá.") && page.contains("Không hài lòng (24/02/2026)"));
    // A missing answer is a field error, not a crash.
    app.clock.set_local(at(2026, 2, 18, 11, 0));
    let (status, _, _) =
        post_form(&app, "", "/lookup/evaluate", &format!("code={code}&phone_last4=3456&from=lookup")).await;
    assert!(status.is_client_error(), "{status}");
}

async fn public_statistics_show_rates_by_field_without_personal_data(app: TestApp) {
    let [done, ..] = three_dossiers(&app).await;
    app.clock.set_local(at(2026, 2, 20, 10, 0));
    let e = motcua_domain::evaluation::EvaluationInput { overall: Some("satisfied".into()), ..Default::default() }
        .evaluate(&done, None, "lookup", at(2026, 2, 18, 10, 0), 7)
        .unwrap();
    app.db.store.save_evaluation(&e).await.unwrap();
    let (status, page) = get_page(&app, "/statistics", "").await;
    assert_eq!(status, StatusCode::OK);
    // Three received; on time by 20/02: the first (early) and the third (within time), not the
    // second (two supplement requests): 2 of 3. None online; the one evaluation satisfied.
    let row = page.split("<td>Đất đai</td>").nth(1).unwrap().split("</tr>").next().unwrap();
    assert!(row.contains(">3<") && row.contains("66,67%") && row.contains("0,00%") && row.contains("100,00%"), "{row}");
    assert!(
        !page.contains("Nguyễn Văn An") && !page.contains(done.code.as_ref().unwrap().as_str()),
        "no personal data"
    );
    let (_, en) = get_page(&app, "/statistics?lang=en", "").await;
    assert!(en.contains("How dossiers are handled"));
}

async fn leaders_see_late_dossiers_by_unit_and_remind_from_the_list(app: TestApp) {
    let [_, twice, untouched] = three_dossiers(&app).await;
    let cookie = signed_in(&app, "giamdoc-dd", Role::AgencyLead, at(2026, 3, 9, 10, 0)).await;
    let (status, page) = get_page(&app, "/office/monitoring", &cookie).await;
    assert_eq!(status, StatusCode::OK);
    // The untouched one, at the counter's step, two working days late (due Thursday 05/03); the
    // one waiting for the applicant's supplement is not the unit's to urge; the returned one is done.
    assert!(page.contains("— 1 hồ sơ quá hạn") && page.contains(untouched.code.as_ref().unwrap().as_str()), "{page}");
    assert!(page.contains("Quá hạn 2 ngày làm việc") && page.contains("Chưa phân công"));
    assert!(!page.contains(twice.code.as_ref().unwrap().as_str()));
    let (_, location, _) =
        post_form(&app, &cookie, &format!("/office/dossiers/{}/remind", untouched.id), "back=monitoring").await;
    assert_eq!(location, "/office/monitoring?reminded=0", "nobody at the counter unit has an address");
    let (_, page) = get_page(&app, "/office/monitoring?unit=DD", &cookie).await;
    assert!(page.contains(r#"id="nothing-due""#), "nothing due in DD");
}

async fn the_satisfaction_survey_is_answered_anonymously_and_indexed(app: TestApp) {
    app.clock.set_local(at(2026, 3, 10, 9, 0));
    let code = app.fx.agency.code.to_string();
    let (_, list) = get_page(&app, "/survey", "").await;
    assert!(list.contains(&format!("/survey/{code}")), "two agencies: a choice");
    let (status, form) = get_page(&app, &format!("/survey/{code}?from=kiosk"), "").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(form.matches(r#"class="likert""#).count(), 22, "five elements, 22 criteria");
    let path = format!("/survey/{code}");
    // Two respondents (the numbers of the quality crate's hand-computed example).
    let (status, location, _) =
        post_form(&app, "", &path, "c.access.1=5&c.access.2=4&c.staff.1=2&expect=staff&from=kiosk").await;
    assert_eq!((status, location), (StatusCode::SEE_OTHER, format!("/survey/{code}?thanks=1&from=kiosk")));
    post_form(&app, "", &path, "c.access.3=3&c.staff.2=4&c.staff.3=5&c.result.1=5&expect=staff&expect=access").await;
    let (status, _, page) = post_form(&app, "", &path, "c.access.1=9").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("chọn một mức từ 1 đến 5"));
    // The agency's indices: access 66,67 %, staff 66,67 %, result 100 %; overall 77,78 %.
    let cookie = signed_in(&app, "thanhtra-ks", Role::Inspector, at(2026, 3, 10, 10, 0)).await;
    let (_, page) = get_page(&app, "/office/quality/sipas?period=2026-03", &cookie).await;
    assert!(page.contains("2 phiếu") && page.contains(r#"<strong id="sipas-overall">77,78%</strong>"#), "{page}");
    let csv = get_bytes(&app, "/office/quality/sipas.csv?period=2026-03", &cookie).await;
    let text = String::from_utf8(csv).unwrap();
    assert_eq!(text.lines().count(), 3, "a header and two responses");
    assert!(text.lines().nth(1).unwrap().starts_with("10/03/2026 09:00,counter,5,4,"), "{text}");
    // Another month has none.
    let (_, page) = get_page(&app, "/office/quality/sipas?period=2026-02", &cookie).await;
    assert!(page.contains("0 phiếu") && page.contains(r#"<strong id="sipas-overall">—</strong>"#));
}

async fn the_draft_narrative_report_is_pre_filled_with_the_period_numbers(app: TestApp) {
    three_dossiers(&app).await;
    let cookie = signed_in(&app, "giamdoc-bcn", Role::AgencyLead, at(2026, 3, 20, 10, 0)).await;
    let (status, page) = get_page(&app, "/office/reports/narrative?period=2026-03", &cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Tháng 3/2026 (số liệu từ ngày 15/02/2026 đến ngày 14/03/2026)"), "{page}");
    assert!(
        page.contains("nhận giải quyết 3 hồ sơ (tiếp nhận trực tuyến 0; trực tiếp và qua dịch vụ bưu chính 0; từ kỳ trước chuyển sang 3). Đã giải quyết 1 hồ sơ (trước hạn 1, đúng hạn 0, quá hạn 0); đang giải quyết 2 hồ sơ (trong hạn 0, quá hạn 2)"),
        "the Biểu 06 numbers"
    );
    assert!(page.contains("Còn 2 hồ sơ quá hạn"), "the shortcomings name the late dossiers");
    let (status, _, printed) =
        post_form(&app, &cookie, "/office/reports/narrative/print", "text=B%C3%81O+C%C3%81O%0D%0A%0D%0AD%C3%B2ng+hai")
            .await;
    assert_eq!(status, StatusCode::OK);
    assert!(printed.contains("<p>BÁO CÁO</p><br><p>Dòng hai</p>"), "{printed}");
}

async fn a_period_under_way_is_counted_as_of_now_and_cannot_be_frozen(app: TestApp) {
    let [_, _, untouched] = three_dossiers(&app).await;
    let due = untouched.due_date.expect("a due date");
    let code = untouched.code.clone().unwrap().to_string();
    // The day before the untouched dossier is due, inside the window of Tháng 3/2026
    // (15/02–14/03): it is pending within its time, not overdue.
    let before = (due - chrono::Duration::days(1)).and_hms_opt(10, 5, 0).unwrap();
    assert!(before > at(2026, 2, 15, 0, 0) && before < at(2026, 3, 15, 0, 0), "{before}");
    let cookie = signed_in(&app, "giamdoc-tamtinh", Role::AgencyLead, before).await;
    let (status, page) = get_page(&app, "/office/reports?period=2026-03", &cookie).await;
    assert_eq!(status, StatusCode::OK);
    let stamp = format!("số liệu tạm tính đến {}", before.format("%H:%M %d/%m/%Y"));
    assert!(page.contains(&stamp), "{stamp}: {page}");
    let late = page.split("Hồ sơ quá hạn trong kỳ").nth(1).unwrap();
    assert!(!late.contains(&code), "not yet due, so not late: {late}");
    let total = total_row(&page);
    assert_eq!(total[0], 3, "received (carried over) as of now");
    assert!(total[10] < 2, "overdue as of now leaves out the dossier due tomorrow: {total:?}");
    // The same in the spreadsheet, and in the drill-down of column 13.
    let (_, drill) = get_page(&app, "/office/reports/dossiers?period=2026-03&col=13", &cookie).await;
    assert!(!drill.contains(&code), "{drill}");
    assert!(drill.contains("số liệu tạm tính"), "{drill}");
    // A period under way is not frozen: no button, and the form is refused.
    assert!(!page.contains(r#"id="freeze""#) && page.contains("Chỉ chốt được số liệu khi kỳ báo cáo đã kết thúc"));
    let (status, _, body) = post_form(&app, &cookie, "/office/reports/freeze", "period=2026-03").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.contains("chưa kết thúc"), "{body}");
    assert!(app.db.store.report_snapshots(app.fx.agency.id, "bieu06", "2026-03").await.unwrap().is_empty());

    // Two working days after its due date the same page lists it as overdue.
    app.clock.set_local((due + chrono::Duration::days(2)).and_hms_opt(9, 0, 0).unwrap());
    let cookie = sign_in(&app, "giamdoc-tamtinh", PASSWORD).await.1;
    let (_, page) = get_page(&app, "/office/reports?period=2026-03", &cookie).await;
    let late = page.split("Hồ sơ quá hạn trong kỳ").nth(1).unwrap();
    assert!(late.contains(&code), "{late}");

    // Once the period has ended its figures are final and it can be frozen.
    app.clock.set_local(at(2026, 3, 20, 10, 0));
    let cookie = sign_in(&app, "giamdoc-tamtinh", PASSWORD).await.1;
    let (_, page) = get_page(&app, "/office/reports?period=2026-03", &cookie).await;
    assert!(!page.contains("số liệu tạm tính"));
    assert_eq!(total_row(&page), vec![3, 0, 0, 3, 1, 1, 0, 0, 2, 0, 2]);
    let (status, _, _) = post_form(&app, &cookie, "/office/reports/freeze", "period=2026-03").await;
    assert_eq!(status, StatusCode::SEE_OTHER);

    // The quality page for the calendar month under way says so too.
    app.clock.set_local(before);
    let cookie = sign_in(&app, "giamdoc-tamtinh", PASSWORD).await.1;
    use chrono::Datelike;
    let month = format!("/office/quality?period={}-{:02}", before.year(), before.month());
    let (_, quality) = get_page(&app, &month, &cookie).await;
    assert!(quality.contains(&stamp), "{quality}");
}
