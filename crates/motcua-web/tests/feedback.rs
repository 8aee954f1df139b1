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
    a_justified_conduct_complaint_on_a_dossier_counts_in_indicators_7_and_5_4,
    the_administrator_sets_the_deadlines_in_force_from_a_date,
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
    // The monitoring page names it with the unit holding it, and the unit lead's morning digest
    // lists it by number and kind only.
    let (_, monitoring) = get_page(&app, "/office/monitoring", &lead).await;
    let table = monitoring.split("id=\"late-feedback-table\"").nth(1).expect("late feedback listed");
    assert!(table.contains(&format!("href=\"/office/feedback/{}\"", c.id)) && table.contains("<td>DD</td>"), "{table}");
    assert!(table.contains("Quá hạn 1 ngày làm việc"), "{table}");
    let lead_id = app.db.store.user_by_username("ld-pakn").await.unwrap().unwrap().id;
    app.db.store.set_user_contacts(lead_id, "Lãnh đạo phòng", None, Some("ld.pakn@example.vn")).await.unwrap();
    let queued = motcua_app::digest::agency_digests(
        app.db.store.as_ref(),
        app.fx.agency.id,
        at(2026, 3, 24, 9, 0),
        chrono::NaiveTime::from_hms_opt(7, 30, 0).unwrap(),
        2,
        "https://dichvucong.example.vn",
    )
    .await
    .unwrap();
    assert!(queued >= 1);
    let q = motcua_store::DeliveryQuery {
        agencies: vec![app.fx.agency.id],
        q: Some("ld.pakn@example.vn".into()),
        page: 1,
        page_size: 10,
        ..Default::default()
    };
    let digest = app.db.store.search_deliveries(&q).await.unwrap().items;
    let body = &digest.first().expect("the lead's digest").body;
    assert!(body.contains("1 phản ánh, kiến nghị quá hạn") && body.contains("- số 1/2026 ·"), "{body}");
    assert!(!body.contains("Trần Văn Bình") && !body.contains("Thời hạn đăng ký"), "no sender, no title: {body}");
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
    // The land team answers the field's questions.
    let (status, _, page) = post_form(&app, &admin, "/admin/feedback/teams", "team_DD=DD").await;
    assert!(status == StatusCode::OK && page.contains("Đã lưu tổ chuyên gia"), "{status}: {page}");
    let (status, _, _) = post_form(&app, &admin, "/admin/feedback/teams", "team_DD=KHONG-CO").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "not a unit of the agency");
    // A caller's question, recorded in the hotline log, becomes a question case from the log.
    let (counter, specialist, lead) = officers(&app).await;
    let logged = "minutes=3&caller_name=L%C3%AA+V%C4%83n+Nam&caller_phone=0914000111&topic=C%E1%BA%A7n+b%E1%BA%A3n+sao+hay+b%E1%BA%A3n+ch%C3%ADnh%3F&procedure_code=1.004227&summary=H%E1%BB%8Fi+v%E1%BB%81+gi%E1%BA%A5y+t%E1%BB%9D&confirmed=on";
    let (status, _, _) = post_form(&app, &counter, "/office/hotline", logged).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, log) = get_page(&app, "/office/hotline?month=2026-03", &counter).await;
    let link = log
        .split("href=\"/office/feedback/new?call=")
        .nth(1)
        .expect("the call offers a case")
        .split('"')
        .next()
        .unwrap();
    let call_id: uuid::Uuid = link.parse().unwrap();
    let (status, form) = get_page(&app, &format!("/office/feedback/new?call={call_id}"), &counter).await;
    assert_eq!(status, StatusCode::OK, "{form}");
    assert!(
        form.contains("value=\"Lê Văn Nam\"") && form.contains("Hỏi về giấy tờ"),
        "the call fills the form: {form}"
    );
    assert!(form.contains("<option value=\"hotline\" selected>"), "{form}");
    let call = format!(
        "intake=hotline&confirmed=on&call={call_id}&agency=000.00.17.H34&name=L%C3%AA+V%C4%83n+Nam&address=Cam+Ranh&phone=0914000111&procedure_code=1.004227&title=C%E1%BA%A7n+b%E1%BA%A3n+sao+hay+b%E1%BA%A3n+ch%C3%ADnh%3F&content=H%E1%BB%8Fi+v%E1%BB%81+gi%E1%BA%A5y+t%E1%BB%9D"
    );
    let (status, _, page) = post_form(&app, &counter, "/office/feedback/new", &call).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    let c = only_case(&app).await;
    assert_eq!(c.call_id, Some(call_id));
    let logged_call = app.db.store.hotline_call(app.fx.agency.id, call_id).await.unwrap().unwrap();
    assert_eq!(logged_call.case_id, Some(c.id), "the log keeps the link");
    let (status, _, _) = post_form(&app, &counter, "/office/feedback/new", &call).await;
    assert_eq!(status, StatusCode::CONFLICT, "one call becomes one case");
    assert_eq!(only_case(&app).await.id, c.id);
    let (_, log) = get_page(&app, "/office/hotline?month=2026-03", &counter).await;
    assert!(log.contains(&format!("href=\"/office/feedback/{}\"", c.id)) && !log.contains("new?call="), "{log}");
    // Classified as a question, it goes straight to the field's team.
    act(&app, &counter, c.id, "action=classify&kind=question").await;
    let c = only_case(&app).await;
    assert_eq!((c.state, c.unit.as_deref()), (CaseState::Assigned, Some("DD")), "routed to the land team");
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
    // By field: the land field's questions, each with its field.
    let (_, land) = get_page(&app, "/phan-anh-kien-nghi?kind=faq&field=DD", anonymous).await;
    assert!(land.contains(">1 câu trả lời") && land.contains("lĩnh vực Đất đai"), "{land}");
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

/// The numerator of an indicator's row on the quality page (`>N</a> / M`).
fn numerator(page: &str, id: &str) -> u64 {
    let row = page.split(&format!("id=\"indicator-{id}\"")).nth(1).unwrap().split("</tr>").next().unwrap();
    let before = row.split("</a> / ").next().unwrap();
    before.rsplit('>').next().unwrap().trim().parse().unwrap_or_else(|_| panic!("{row}"))
}

async fn a_justified_conduct_complaint_on_a_dossier_counts_in_indicators_7_and_5_4(app: TestApp) {
    // Three dossiers of February; the first returned early.
    let [done, _, _] = app.fx.three_dossiers(app.db.store.as_ref()).await;
    let code = done.code.as_ref().unwrap().to_string();
    app.clock.set_local(at(2026, 2, 26, 9, 0));
    let anonymous = "motcua_session=";
    let statement = format!(
        "{}&officer=Qu%E1%BA%A7y+s%E1%BB%91+3%2C+ng%C3%A0y+12%2F02&dossier_code={}",
        STATEMENT.replace(
            "title=Th%E1%BB%9Di+h%E1%BA%A1n",
            "title=C%C3%A1n+b%E1%BB%99+g%C3%A2y+phi%E1%BB%81n+h%C3%A0+-+Th%E1%BB%9Di+h%E1%BA%A1n"
        ),
        urlencode(&code)
    );
    // A dossier code that is not the agency's is refused on its field, nothing kept.
    let (status, _, page) =
        post_form(&app, anonymous, "/feedback", &statement.replace(&urlencode(&code), "000.00.17.H34-260212-9999"))
            .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert!(page.contains("không có hồ sơ mang mã này"), "{page}");
    let (status, _, receipt) = post_form(&app, anonymous, "/feedback", &statement).await;
    assert_eq!(status, StatusCode::OK, "{receipt}");
    let c = only_case(&app).await;
    assert_eq!((c.dossier_code.as_deref(), c.dossier_id), (Some(code.as_str()), Some(done.id)));

    // The inspector's view of February before triage: 5.4 counts the returned dossier.
    add_user(&app, "tt-pakn", false, vec![grant(&app, Role::Inspector, None)]).await;
    let (_, inspector) = sign_in(&app, "tt-pakn", PASSWORD).await;
    let (_, before) = get_page(&app, "/office/quality?period=2026-02", &inspector).await;
    let satisfied = numerator(&before, "5.4");

    // The statement mixes conduct with a denunciation: the counter splits the latter out; it
    // keeps the sender and the deadlines and is triaged on its own.
    let (counter, _, _) = officers(&app).await;
    let counter_id = app.db.store.user_by_username("quay-pakn").await.unwrap().unwrap().id;
    let (status, _, page) = post_form(
        &app,
        &counter,
        &format!("/office/feedback/{}/split", c.id),
        "part_title=T%E1%BB%91+c%C3%A1o+nh%E1%BA%ADn+ti%E1%BB%81n&part_content=C%C3%A1n+b%E1%BB%99+nh%E1%BA%ADn+500.000+%C4%91%E1%BB%93ng",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("Đã tách thành phản ánh, kiến nghị số 2/2026"), "{page}");
    let f =
        motcua_store::FeedbackFilter { agencies: vec![app.fx.agency.id], page: 1, page_size: 10, ..Default::default() };
    let all = app.db.store.feedback_cases(&f).await.unwrap().items;
    let part = all.iter().find(|x| x.id != c.id).unwrap();
    assert_eq!((part.split_from, part.answer_by, part.dossier_id), (Some(c.id), c.answer_by, Some(done.id)));
    let (status, _, page) =
        post_form(&app, &counter, &format!("/office/feedback/{}/split", c.id), "part_title=&part_content=x").await;
    assert!(status == StatusCode::UNPROCESSABLE_ENTITY && page.contains("không được để trống"), "{status}");
    assert_eq!(act(&app, &counter, part.id, "action=classify&kind=denunciation").await, StatusCode::SEE_OTHER);

    // Classified as conduct: a PAKN on the dossier, which 5.4 no longer counts as satisfied.
    assert_eq!(act(&app, &counter, c.id, "action=classify&kind=conduct").await, StatusCode::SEE_OTHER);
    let (_, after) = get_page(&app, "/office/quality?period=2026-02", &inspector).await;
    assert_eq!(numerator(&after, "5.4"), satisfied - 1, "a PAKN on the dossier");
    let (_, drill) = get_page(&app, "/office/quality/dossiers?period=2026-02&indicator=5.4&inside=0", &inspector).await;
    assert!(drill.contains(&code), "the drill-down lists it: {drill}");

    // Only the inspector records the finding, in the afternoon, and a justified one names the
    // officer.
    app.clock.set_local(at(2026, 2, 26, 15, 0));
    let (_, page) = get_page(&app, &format!("/office/feedback/{}", c.id), &counter).await;
    assert!(!page.contains("id=\"act-finding\""), "not the counter's to judge");
    let (_, page) = get_page(&app, &format!("/office/feedback/{}", c.id), &inspector).await;
    assert!(
        page.contains("id=\"act-finding\"") && page.contains(&format!("<option value=\"{counter_id}\">")),
        "{page}"
    );
    let status = act(&app, &inspector, c.id, "action=finding&justified=yes&reason=x&officer_id=").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "a justified finding names the officer");
    let status = act(
        &app,
        &inspector,
        c.id,
        &format!("action=finding&justified=yes&reason=Ki%E1%BB%83m+%C4%91i%E1%BB%83m&officer_id={counter_id}"),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let c = app.db.store.feedback_case(app.fx.agency.id, c.id).await.unwrap().unwrap();
    assert_eq!((c.justified, c.officer_id, c.measure.as_deref()), (Some(true), Some(counter_id), Some("Kiểm điểm")));
    let (_, page) = get_page(&app, &format!("/office/feedback/{}", c.id), &inspector).await;
    assert!(page.contains("Có căn cứ · cán bộ: quay-pakn · biện pháp: Kiểm điểm"), "{page}");

    // Circular 01 indicator 7: the officer named, who had no step in the dossier, scores 0 (before
    // the finding they had no card at all); the dossier's own attitude becomes 0 for everyone
    // who worked on it.
    assert!(!part_of(&before, "officers").contains("quay-pakn"));
    let (_, quality) = get_page(&app, "/office/quality?period=2026-02", &inspector).await;
    let officers = part_of(&quality, "officers");
    let row = officers
        .split("<td>quay-pakn</td>")
        .nth(1)
        .unwrap_or_else(|| panic!("{officers}"))
        .split("</tr>")
        .next()
        .unwrap();
    assert!(row.contains(r#"<td class="num">0,0</td>"#), "indicator 7 is 0: {row}");
    let row = |page: &str| {
        let officers = part_of(page, "officers").to_owned();
        officers.split("<td>chuyenvien</td>").nth(1).unwrap().split("</tr>").next().unwrap().to_owned()
    };
    assert!(row(&before).contains(r#"<td class="num">2,0</td><td class="num"><strong>9,0"#), "{}", row(&before));
    assert!(row(&quality).contains(r#"<td class="num">0,0</td><td class="num"><strong>7,0"#), "{}", row(&quality));
    assert!(quality.contains("Chỉ số (8) tính từ 1 phản ánh, kiến nghị tiếp nhận trong kỳ"), "{quality}");
    // 5.2's figure leads to its cases: this one on time so far.
    let link = quality
        .split("href=\"")
        .map(|h| h.split('"').next().unwrap().replace("&#38;", "&").replace("&amp;", "&"))
        .find(|h| h.starts_with("/office/quality/feedback?") && h.contains("indicator=5.2&inside=1"))
        .expect("the drill-down link");
    let (status, cases) = get_page(&app, &link, &inspector).await;
    assert_eq!(status, StatusCode::OK, "{cases}");
    assert!(
        cases.contains(&format!("href=\"/office/feedback/{}\"", c.id)) && cases.contains("1 phản ánh, kiến nghị đạt"),
        "{cases}"
    );
    let (_, out) = get_page(&app, "/office/quality/feedback?period=2026-02&indicator=5.1&inside=0", &inspector).await;
    assert!(
        out.contains("(nội dung tố cáo được bảo vệ)") && out.contains("không phải PAKN"),
        "the split denunciation: {out}"
    );
    let (status, _) = get_page(&app, "/office/quality/feedback?period=2026-02&indicator=2.1", &inspector).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "not a feedback indicator");
    // Confidential: the officer it names no longer sees it, in the queue or by its address.
    let (status, _) = get_page(&app, &format!("/office/feedback/{}", c.id), &counter).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, queue) = get_page(&app, "/office/feedback?view=all", &counter).await;
    assert!(!queue.contains(&format!("/office/feedback/{}\"", c.id)) && queue.contains(&part.label()), "{queue}");
}

fn part_of<'a>(page: &'a str, id: &str) -> &'a str {
    page.split(&format!("id=\"{id}\"")).nth(1).unwrap_or_else(|| panic!("no {id}")).split("</table>").next().unwrap()
}

async fn the_administrator_sets_the_deadlines_in_force_from_a_date(app: TestApp) {
    app.clock.set_local(at(2026, 3, 2, 9, 0));
    add_user(&app, "qt-han", false, vec![grant(&app, Role::Admin, None)]).await;
    let (_, admin) = sign_in(&app, "qt-han", PASSWORD).await;
    let (status, page) = get_page(&app, "/admin/feedback", &admin).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("<td>01/01/2020</td><td class=\"num\">2</td>"), "the defaults: {page}");
    let rules = "refuse_days=2&forward_days=5&info_days=5&answer_days=10&publish_days=2";
    // Not in the past, and every number from 1 to 60.
    let (status, _, page) =
        post_form(&app, &admin, "/admin/feedback/rules", &format!("effective_from=2026-03-01&{rules}")).await;
    assert!(status == StatusCode::UNPROCESSABLE_ENTITY && page.contains("không được ở quá khứ"), "{status}");
    let (status, _, page) = post_form(
        &app,
        &admin,
        "/admin/feedback/rules",
        "effective_from=2026-03-09&refuse_days=0&forward_days=5&info_days=5&answer_days=999&publish_days=2",
    )
    .await;
    assert!(
        status == StatusCode::UNPROCESSABLE_ENTITY && page.matches("số ngày làm việc từ 1 đến 60").count() == 2,
        "{page}"
    );
    assert!(page.contains("value=\"999\"") && page.contains("value=\"2026-03-09\""), "what was typed is kept");
    let (status, _, page) =
        post_form(&app, &admin, "/admin/feedback/rules", &format!("effective_from=2026-03-09&{rules}")).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("Đã lưu thời hạn áp dụng từ 09/03/2026"), "{page}");
    // A statement of Friday 06/03 keeps 15 working days; one of Monday 09/03 gets 10.
    let anonymous = "motcua_session=";
    app.clock.set_local(at(2026, 3, 6, 9, 0));
    let (_, _, receipt) = post_form(&app, anonymous, "/feedback", STATEMENT).await;
    assert!(receipt.contains("id=\"feedback-due\">27/03/2026<"), "{receipt}");
    app.clock.set_local(at(2026, 3, 9, 9, 0));
    let (_, _, receipt) = post_form(&app, anonymous, "/feedback", STATEMENT).await;
    assert!(receipt.contains("id=\"feedback-due\">23/03/2026<"), "{receipt}");
    // Only the administrator.
    let (counter, _, _) = officers(&app).await;
    let (status, _) = get_page(&app, "/admin/feedback", &counter).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
