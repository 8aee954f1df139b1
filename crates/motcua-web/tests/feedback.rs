//! Feedback and petitions as citizens and officers use them, on both backends: a statement sent
//! from the public form goes through triage, a unit's answer, the leader's approval and
//! publication, the sender told by SMS at each step and each deadline judged on the calendar;
//! the answer is public without the sender's data, searchable without diacritics and linked from
//! its procedure; a complaint is triaged out; a denunciation is never public and its sender is
//! hidden from officers who do not handle it; a hotline call needs the caller's confirmation.

#[macro_use]
mod common;

use axum::http::StatusCode;
use common::TestApp;
use common::pages::*;
use motcua_domain::feedback::CaseState;
use motcua_domain::org::Role;
use motcua_store::testing::at;

on_every_backend!(
    a_web_statement_goes_through_to_its_published_answer_with_the_sender_told,
    a_complaint_is_triaged_out_and_a_denunciation_is_never_public,
    a_hotline_call_is_recorded_only_once_read_back_and_confirmed,
    a_hotline_question_answered_and_published_is_an_faq_entry_and_the_hotline_is_shown,
    the_hotline_log_records_confirmed_calls_and_counts_them_by_topic,
    attendance_and_spot_checks_make_the_monthly_punctuality_report,
    a_misrouted_statement_is_forwarded_within_five_working_days_and_the_sender_told,
);

const STATEMENT: &str = "agency=000.00.17.H34&name=Tr%E1%BA%A7n+V%C4%83n+B%C3%ACnh&address=12+L%C3%AA+L%E1%BB%A3i%2C+Nha+Trang&phone=0905123456&procedure_code=1.004227&title=Th%E1%BB%9Di+h%E1%BA%A1n+%C4%91%C4%83ng+k%C3%BD+bi%E1%BA%BFn+%C4%91%E1%BB%99ng&content=%C4%90%E1%BB%81+ngh%E1%BB%8B+r%C3%BAt+ng%E1%BA%AFn+th%E1%BB%9Di+h%E1%BA%A1n%3B+g%E1%BB%8Di+t%C3%B4i+0905123456";

async fn officers(app: &TestApp) -> (String, String, String) {
    add_user(app, "quay-pakn", false, vec![grant(app, Role::Reception, None)]).await;
    add_user(app, "cv-pakn", false, vec![grant(app, Role::Specialist, Some("DD"))]).await;
    add_user(app, "ld-pakn", false, vec![grant(app, Role::UnitLead, Some("DD"))]).await;
    signed_in(app).await
}

/// The three officers signed in now (sessions last a working day: a story spanning weeks signs
/// in again).
async fn signed_in(app: &TestApp) -> (String, String, String) {
    (
        sign_in(app, "quay-pakn", PASSWORD).await.1,
        sign_in(app, "cv-pakn", PASSWORD).await.1,
        sign_in(app, "ld-pakn", PASSWORD).await.1,
    )
}

/// Posts an action on the case as `who`, with its current version; the status.
async fn act(app: &TestApp, who: &str, id: uuid::Uuid, fields: &str) -> StatusCode {
    let c = app.db.store.feedback_case(app.fx.agency.id, id).await.unwrap().unwrap();
    let (status, location, page) =
        post_form(app, who, &format!("/office/feedback/{id}/act"), &format!("version={}&{fields}", c.version)).await;
    assert!(status == StatusCode::SEE_OTHER || status.is_client_error(), "{status}: {page}");
    assert!(!location.starts_with("/login"), "signed in");
    status
}

/// The SMS the agency has sent (the first 50).
async fn sms_sent(app: &TestApp) -> Vec<motcua_store::Delivery> {
    let q = motcua_store::DeliveryQuery {
        agencies: vec![app.fx.agency.id],
        channel: Some(motcua_store::DeliveryChannel::Sms),
        page: 1,
        page_size: 50,
        ..Default::default()
    };
    app.db.store.search_deliveries(&q).await.unwrap().items
}

async fn only_case(app: &TestApp) -> motcua_domain::feedback::Case {
    let f =
        motcua_store::FeedbackFilter { agencies: vec![app.fx.agency.id], page: 1, page_size: 10, ..Default::default() };
    let mut found = app.db.store.feedback_cases(&f).await.unwrap().items;
    assert_eq!(found.len(), 1);
    found.remove(0)
}

async fn a_web_statement_goes_through_to_its_published_answer_with_the_sender_told(app: TestApp) {
    // Sent on Monday 02/03/2026 by someone not signed in.
    app.clock.set_local(at(2026, 3, 2, 9, 0));
    let anonymous = "motcua_session=";
    let (status, form) = get_page(&app, "/feedback?procedure=1.004227", anonymous).await;
    assert_eq!(status, StatusCode::OK);
    assert!(form.contains("value=\"1.004227\""), "the procedure carried over");
    // A statement without a phone number is refused field by field, keeping what was typed.
    let (status, _, page) =
        post_form(&app, anonymous, "/feedback", &STATEMENT.replace("phone=0905123456", "phone=")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("cần số điện thoại") && page.contains("12 Lê Lợi"), "{page}");
    let (status, _, receipt) = post_form(&app, anonymous, "/feedback", STATEMENT).await;
    assert_eq!(status, StatusCode::OK, "{receipt}");
    assert!(receipt.contains("id=\"feedback-number\">1/2026<"), "{receipt}");
    assert!(receipt.contains("id=\"feedback-due\">23/03/2026<"), "15 working days: {receipt}");
    let c = only_case(&app).await;

    // The counter triages and assigns; the unit drafts; the leader approves one day late.
    app.clock.set_local(at(2026, 3, 3, 9, 0));
    let (counter, specialist, _) = officers(&app).await;
    let (_, queue) = get_page(&app, "/office/feedback", &counter).await;
    assert!(queue.contains("Thời hạn đăng ký biến động") && queue.contains("Trần Văn Bình"), "{queue}");
    assert_eq!(act(&app, &counter, c.id, "action=classify&kind=regulation").await, StatusCode::SEE_OTHER);
    assert_eq!(act(&app, &counter, c.id, "action=assign&unit=DD").await, StatusCode::SEE_OTHER);
    // The counter may not draft the answer: the unit does.
    let (_, page) = get_page(&app, &format!("/office/feedback/{}", c.id), &counter).await;
    assert!(!page.contains("id=\"act-draft_answer\""), "not offered to the counter");
    let (_, page) = get_page(&app, &format!("/office/feedback/{}", c.id), &specialist).await;
    assert!(page.contains("id=\"act-draft_answer\""), "{page}");
    app.clock.set_local(at(2026, 3, 20, 9, 0));
    let (_, specialist, _) = signed_in(&app).await;
    let answer = "answer=Th%E1%BB%9Di+h%E1%BA%A1n+l%C3%A0+10+ng%C3%A0y+l%C3%A0m+vi%E1%BB%87c.&legal_basis=%C4%90i%E1%BB%81u+22+Ngh%E1%BB%8B+%C4%91%E1%BB%8Bnh+101%2F2024%2FN%C4%90-CP";
    assert_eq!(act(&app, &specialist, c.id, &format!("action=draft_answer&{answer}")).await, StatusCode::SEE_OTHER);
    app.clock.set_local(at(2026, 3, 24, 9, 0));
    let (counter, _, lead) = signed_in(&app).await;
    // Past its answer's deadline (23/03): the counter's dashboard says so.
    let (_, dash) = get_page(&app, "/office", &counter).await;
    assert!(dash.contains("id=\"count-feedback-late\" class=\"overdue\">1<"), "{dash}");
    let (_, late) = get_page(&app, "/office/feedback?view=late", &counter).await;
    assert!(late.contains("(quá hạn)"), "{late}");
    assert_eq!(act(&app, &lead, c.id, "action=approve").await, StatusCode::SEE_OTHER);
    assert_eq!(act(&app, &counter, c.id, "action=publish").await, StatusCode::SEE_OTHER);
    let c = only_case(&app).await;
    assert_eq!(c.state, CaseState::Published);
    assert_eq!(c.late_steps, vec!["trả lời muộn 1 ngày làm việc".to_owned()], "due 23/03, approved 24/03");

    // The sender was told by SMS: received, answered, published.
    run_notifier(&app, at(2026, 3, 24, 10, 0)).await;
    let sms = sms_sent(&app).await;
    let texts: Vec<&str> = sms.iter().filter(|d| d.recipient == "0905123456").map(|d| d.body.as_str()).collect();
    assert_eq!(texts.len(), 3, "{texts:?}");
    assert!(texts.iter().any(|t| t.contains("Da tiep nhan phan anh, kien nghi so 1/2026")), "{texts:?}");
    assert!(texts.iter().any(|t| t.contains("da co tra loi")), "{texts:?}");

    // Public, without the sender's data, found without diacritics, linked from its procedure.
    let (_, list) = get_page(&app, "/phan-anh-kien-nghi?q=thoi+han+dang+ky", anonymous).await;
    assert!(list.contains("id=\"answers-total\">1 câu trả lời"), "{list}");
    assert!(!list.contains("Trần Văn Bình") && !list.contains("0905123456"), "{list}");
    let (_, none) = get_page(&app, "/phan-anh-kien-nghi?q=khong+co+gi", anonymous).await;
    assert!(none.contains(">0 câu trả lời"));
    let (_, detail) = get_page(&app, &format!("/phan-anh-kien-nghi/{}", c.id), anonymous).await;
    assert!(
        detail.contains("10 ngày làm việc") && detail.contains("[đã ẩn]"),
        "the phone in the text is masked: {detail}"
    );
    assert!(!detail.contains("0905123456"));
    let (_, procedure) = get_page(&app, "/procedures/1.004227", anonymous).await;
    assert!(procedure.contains("/phan-anh-kien-nghi?procedure=1.004227"));
    // A reader rates it.
    let (status, location, _) =
        post_form(&app, anonymous, &format!("/phan-anh-kien-nghi/{}/rate", c.id), "verdict=useful").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(location.ends_with("rated=1"));
    assert_eq!(only_case(&app).await.useful, 1);
}

async fn a_complaint_is_triaged_out_and_a_denunciation_is_never_public(app: TestApp) {
    app.clock.set_local(at(2026, 3, 2, 9, 0));
    let anonymous = "motcua_session=";
    let (counter, specialist, lead) = officers(&app).await;
    post_form(&app, anonymous, "/feedback", STATEMENT).await;
    let complaint = only_case(&app).await;
    assert_eq!(act(&app, &counter, complaint.id, "action=classify&kind=complaint").await, StatusCode::SEE_OTHER);
    let c = app.db.store.feedback_case(app.fx.agency.id, complaint.id).await.unwrap().unwrap();
    assert_eq!(c.state, CaseState::Redirected);

    let other = STATEMENT.replace("title=", "title=T%E1%BB%91+c%C3%A1o+");
    post_form(&app, anonymous, "/feedback", &other).await;
    let f = motcua_store::FeedbackFilter {
        agencies: vec![app.fx.agency.id],
        states: vec!["received".into()],
        page: 1,
        page_size: 10,
        ..Default::default()
    };
    let d = app.db.store.feedback_cases(&f).await.unwrap().items.remove(0);
    act(&app, &counter, d.id, "action=classify&kind=denunciation").await;
    // Another unit's specialist does not see who denounced.
    add_user(&app, "cv-moitruong", false, vec![grant(&app, Role::Specialist, Some("MT"))]).await;
    let (_, outsider) = sign_in(&app, "cv-moitruong", PASSWORD).await;
    let (_, page) = get_page(&app, &format!("/office/feedback/{}", d.id), &outsider).await;
    assert!(page.contains("id=\"sender\">(được bảo vệ)<"), "{page}");
    act(&app, &lead, d.id, "action=assign&unit=DD").await;
    act(
        &app,
        &specialist,
        d.id,
        "action=draft_answer&answer=%C4%90%C3%A3+x%C3%A1c+minh.&legal_basis=Lu%E1%BA%ADt+T%E1%BB%91+c%C3%A1o",
    )
    .await;
    act(&app, &lead, d.id, "action=approve").await;
    // Publishing is not offered, and refused if asked.
    let (_, page) = get_page(&app, &format!("/office/feedback/{}", d.id), &counter).await;
    assert!(!page.contains("id=\"act-publish\"") && page.contains("id=\"act-close\""), "{page}");
    assert!(act(&app, &counter, d.id, "action=publish").await.is_client_error());
    act(&app, &counter, d.id, "action=close").await;
    let (status, _) = get_page(&app, &format!("/phan-anh-kien-nghi/{}", d.id), anonymous).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, list) = get_page(&app, "/phan-anh-kien-nghi", anonymous).await;
    assert!(list.contains(">0 câu trả lời"), "{list}");
}

async fn a_hotline_call_is_recorded_only_once_read_back_and_confirmed(app: TestApp) {
    app.clock.set_local(at(2026, 3, 2, 9, 0));
    let (counter, _, _) = officers(&app).await;
    let (status, form) = get_page(&app, "/office/feedback/new", &counter).await;
    assert_eq!(status, StatusCode::OK, "{form}");
    let call = STATEMENT.replace("agency=", "intake=hotline&agency=");
    let (status, _, page) = post_form(&app, &counter, "/office/feedback/new", &call).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("đọc lại nội dung"), "{page}");
    let (status, location, _) =
        post_form(&app, &counter, "/office/feedback/new", &format!("{call}&confirmed=on")).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let c = only_case(&app).await;
    assert!(location.ends_with(&c.id.to_string()));
    assert_eq!(c.intake, motcua_domain::feedback::Intake::Hotline);
    // Only the counter records statements.
    add_user(&app, "cv-khac", false, vec![grant(&app, Role::Specialist, Some("DD"))]).await;
    let (_, specialist) = sign_in(&app, "cv-khac", PASSWORD).await;
    let (status, _) = get_page(&app, "/office/feedback/new", &specialist).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

async fn a_hotline_question_answered_and_published_is_an_faq_entry_and_the_hotline_is_shown(app: TestApp) {
    app.clock.set_local(at(2026, 3, 2, 9, 0));
    let anonymous = "motcua_session=";
    // The administrator publishes the hotline number.
    add_user(&app, "qt-pakn", false, vec![grant(&app, Role::Admin, None)]).await;
    let (_, admin) = sign_in(&app, "qt-pakn", PASSWORD).await;
    let (status, _, page) =
        post_form(&app, &admin, "/admin/forms", "place=Kh%C3%A1nh+H%C3%B2a&symbol=&hotline=0258+3822+000").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let (bad, _, _) = post_form(&app, &admin, "/admin/forms", "place=&symbol=&hotline=g%E1%BB%8Di+t%C3%B4i").await;
    assert_eq!(bad, StatusCode::UNPROCESSABLE_ENTITY);
    for path in ["/", "/kiosk", "/agencies/000.00.17.H34/poster"] {
        let (_, page) = get_page(&app, path, anonymous).await;
        assert!(page.contains("0258 3822 000"), "{path}: {page}");
    }
    // A caller's question, recorded at the hotline, answered and published.
    let (counter, specialist, lead) = officers(&app).await;
    let call = "intake=hotline&confirmed=on&agency=000.00.17.H34&name=L%C3%AA+V%C4%83n+Nam&address=Cam+Ranh&phone=0914000111&procedure_code=1.004227&title=C%E1%BA%A7n+b%E1%BA%A3n+sao+hay+b%E1%BA%A3n+ch%C3%ADnh%3F&content=H%E1%BB%8Fi+v%E1%BB%81+gi%E1%BA%A5y+t%E1%BB%9D";
    let (status, _, _) = post_form(&app, &counter, "/office/feedback/new", call).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let c = only_case(&app).await;
    act(&app, &counter, c.id, "action=classify&kind=question").await;
    act(&app, &counter, c.id, "action=assign&unit=DD").await;
    act(
        &app,
        &specialist,
        c.id,
        "action=draft_answer&answer=N%E1%BB%99p+b%E1%BA%A3n+ch%C3%ADnh.&legal_basis=%C4%90i%E1%BB%81u+28",
    )
    .await;
    act(&app, &lead, c.id, "action=approve").await;
    act(&app, &counter, c.id, "action=publish").await;
    // An FAQ entry on its procedure's page, in the kiosk, among the questions.
    let (_, procedure) = get_page(&app, "/procedures/1.004227", anonymous).await;
    assert!(procedure.contains("id=\"faq\"") && procedure.contains("Cần bản sao hay bản chính?"), "{procedure}");
    let (_, kiosk) = get_page(&app, "/kiosk?mode=faq&q=ban+sao", anonymous).await;
    assert!(kiosk.contains("Nộp bản chính."), "{kiosk}");
    let (_, faq) = get_page(&app, "/phan-anh-kien-nghi?kind=faq", anonymous).await;
    assert!(faq.contains(">1 câu trả lời") && !faq.contains("Lê Văn Nam"), "{faq}");
}

async fn the_hotline_log_records_confirmed_calls_and_counts_them_by_topic(app: TestApp) {
    app.clock.set_local(at(2026, 3, 2, 9, 0));
    let (counter, specialist, _) = officers(&app).await;
    let call = "minutes=4&caller_phone=0914000222&topic=%C4%90%E1%BA%A5t+%C4%91ai&procedure_code=1.004227&summary=H%E1%BB%8Fi+th%E1%BB%9Di+h%E1%BA%A1n";
    // No published number yet: the log says so.
    let (status, _, page) = post_form(&app, &counter, "/office/hotline", &format!("{call}&confirmed=on")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("chưa công bố số đường dây nóng"), "{page}");
    app.db.store.set_agency_setting(app.fx.agency.id, "feedback.hotline", Some("02583822000")).await.unwrap();
    // Not read back and confirmed: refused, what was typed kept.
    let (status, _, page) = post_form(&app, &counter, "/office/hotline", call).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("đọc lại nội dung") && page.contains("Hỏi thời hạn"), "{page}");
    for topic in ["%C4%90%E1%BA%A5t+%C4%91ai", "%C4%90%E1%BA%A5t+%C4%91ai", "M%C3%B4i+tr%C6%B0%E1%BB%9Dng"] {
        let body = format!("{}&confirmed=on", call.replace("%C4%90%E1%BA%A5t+%C4%91ai", topic));
        let (status, location, _) = post_form(&app, &counter, "/office/hotline", &body).await;
        assert_eq!((status, location.as_str()), (StatusCode::SEE_OTHER, "/office/hotline?recorded=1"));
    }
    let (_, log) = get_page(&app, "/office/hotline?month=2026-03", &counter).await;
    assert!(log.contains("<td>Đất đai</td><td>2</td>") && log.contains("<td>Môi trường</td><td>1</td>"), "{log}");
    let (_, april) = get_page(&app, "/office/hotline?month=2026-04", &counter).await;
    assert!(april.contains("id=\"no-calls\""));
    // A specialist neither reads nor writes the log.
    let (status, _) = get_page(&app, "/office/hotline", &specialist).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

async fn attendance_and_spot_checks_make_the_monthly_punctuality_report(app: TestApp) {
    // Monday 02/03: in before opening, out in the afternoon; Tuesday 03/03: in at 09:00, late.
    app.clock.set_local(at(2026, 3, 2, 7, 0));
    let (counter, _, _) = officers(&app).await;
    let (status, location, _) = post_form(&app, &counter, "/office/attendance", "what=in").await;
    assert_eq!((status, location.as_str()), (StatusCode::SEE_OTHER, "/office/attendance?done=in"));
    let (status, _, page) = post_form(&app, &counter, "/office/attendance", "what=in").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("đã ghi giờ vào ca"), "{page}");
    app.clock.set_local(at(2026, 3, 2, 17, 0));
    let (status, _, _) = post_form(&app, &counter, "/office/attendance", "what=out").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    app.clock.set_local(at(2026, 3, 3, 9, 0));
    let (counter, _, _) = signed_in(&app).await;
    post_form(&app, &counter, "/office/attendance", "what=in").await;
    // Wednesday 04/03: the inspector finds the counter officer away.
    app.clock.set_local(at(2026, 3, 4, 10, 0));
    let (counter, specialist, _) = signed_in(&app).await;
    add_user(&app, "tt-pakn", false, vec![grant(&app, Role::Inspector, None)]).await;
    let (_, inspector) = sign_in(&app, "tt-pakn", PASSWORD).await;
    let officer = app.db.store.user_by_username("quay-pakn").await.unwrap().unwrap();
    let (status, _, _) = post_form(
        &app,
        &counter,
        "/office/attendance/spot-checks",
        &format!("officer={}&present=no&note=", officer.id),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "the counter does not check itself");
    let body = format!("officer={}&present=no&note=V%E1%BA%AFng+l%C3%BAc+10h", officer.id);
    let (status, _, _) = post_form(&app, &inspector, "/office/attendance/spot-checks", &body).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, report) = get_page(&app, "/office/attendance?month=2026-03", &inspector).await;
    assert_eq!(status, StatusCode::OK);
    let row = report.split("<tr><td>quay-pakn").nth(1).map(|r| r.split("</tr>").next().unwrap_or("")).unwrap_or("");
    let cells: Vec<&str> = row.split("<td>").skip(2).map(|c| c.trim_end_matches("</td>")).collect();
    assert_eq!(cells, ["2", "1", "1", "1"], "days, late, checks, absences: {report}");
    let (status, _) = get_page(&app, "/office/attendance", &specialist).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

async fn a_misrouted_statement_is_forwarded_within_five_working_days_and_the_sender_told(app: TestApp) {
    // Received Monday 02/03; forwarded on the fifth working day, Monday 09/03: in time.
    app.clock.set_local(at(2026, 3, 2, 9, 0));
    post_form(&app, "motcua_session=", "/feedback", STATEMENT).await;
    let c = only_case(&app).await;
    assert_eq!(c.forward_by, chrono::NaiveDate::from_ymd_opt(2026, 3, 9).unwrap());
    app.clock.set_local(at(2026, 3, 9, 15, 0));
    let (counter, _, _) = officers(&app).await;
    let body = "action=forward&other_body=S%E1%BB%9F+X%C3%A2y+d%E1%BB%B1ng+t%E1%BB%89nh+Kh%C3%A1nh+H%C3%B2a&reason=Thu%E1%BB%99c+l%C4%A9nh+v%E1%BB%B1c+x%C3%A2y+d%E1%BB%B1ng";
    assert_eq!(act(&app, &counter, c.id, body).await, StatusCode::SEE_OTHER);
    let c = only_case(&app).await;
    assert_eq!(c.state, CaseState::Forwarded);
    assert!(c.late_steps.is_empty(), "{:?}", c.late_steps);
    run_notifier(&app, at(2026, 3, 9, 15, 5)).await;
    let sms = sms_sent(&app).await;
    assert!(sms.iter().any(|d| d.body.contains("So Xay dung tinh Khanh Hoa")), "the sender told where: {sms:?}");
}
