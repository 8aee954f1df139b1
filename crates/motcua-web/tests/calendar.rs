//! Calendar honesty, on both backends: a due date in a year without an official schedule is shown
//! as projected; a new day off that falls on open dossiers' due dates lists them, and the agency's
//! lead moves them to the next working day in one audited action that tells each applicant.

#[macro_use]
mod common;

use axum::http::StatusCode;
use common::TestApp;
use common::pages::*;
use motcua_calendar::WorkCalendar;
use motcua_domain::org::Role;
use motcua_store::testing::at;

on_every_backend!(
    a_new_day_off_on_a_due_date_moves_it_to_the_next_working_day_and_tells_the_applicant,
    due_dates_in_years_without_an_official_schedule_are_marked_projected,
    a_step_paused_for_a_supplement_is_on_time_on_the_control_sheet,
);

async fn a_new_day_off_on_a_due_date_moves_it_to_the_next_working_day_and_tells_the_applicant(app: TestApp) {
    let store = app.db.store.clone();
    let d = app.fx.accepted_dossier(store.as_ref(), at(2026, 11, 20, 9, 0), "0905123456", None).await;
    let due = d.due_date.unwrap();
    let code = d.code.clone().unwrap().to_string();
    app.clock.set_local(at(2026, 11, 30, 9, 0));
    add_user(&app, "quantri-lich", false, vec![grant(&app, Role::Admin, None)]).await;
    add_user(&app, "giamdoc-lich", false, vec![grant(&app, Role::AgencyLead, None)]).await;
    add_user(&app, "quay-lich", false, vec![grant(&app, Role::Reception, None)]).await;
    let admin = sign_in(&app, "quantri-lich", PASSWORD).await.1;

    // The agency declares the due date a day off.
    let form = format!(
        "date={}&kind=holiday&name=Ngh%E1%BB%89+theo+quy%E1%BA%BFt+%C4%91%E1%BB%8Bnh&document=15%2FQ%C4%90-SNNMT&issuer=S%E1%BB%9F",
        due.format("%Y-%m-%d")
    );
    let (status, _, page) = post_form(&app, &admin, "/admin/calendar", &form).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("<strong>1 hồ sơ</strong>"), "the calendar page names the dossiers it affects: {page}");

    // The list, for the lead: the dossier, its due date, why, and the next working day.
    let next = WorkCalendar::vietnam().unwrap().next_working_day(due).unwrap();
    let lead = sign_in(&app, "giamdoc-lich", PASSWORD).await.1;
    let (status, list) = get_page(&app, "/office/calendar-moves", &lead).await;
    assert_eq!(status, StatusCode::OK);
    assert!(list.contains(&code) && list.contains(&next.format("%d/%m/%Y").to_string()), "{list}");
    assert!(list.contains("15/QĐ-SNNMT"), "the document behind the day off: {list}");

    // Only the lead applies the rule.
    let counter = sign_in(&app, "quay-lich", PASSWORD).await.1;
    let (status, _, _) = post_form(&app, &counter, "/office/calendar-moves", "").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(store.dossier(d.agency_id, d.id).await.unwrap().unwrap().due_date, Some(due));

    let (status, location, _) = post_form(&app, &lead, "/office/calendar-moves", "").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(location.ends_with("moved=1"), "{location}");
    let moved = store.dossier(d.agency_id, d.id).await.unwrap().unwrap();
    assert_eq!(moved.due_date, Some(next));
    assert!(moved.reappointment.is_none(), "not an apology: nobody was late");
    let events = store.events(d.agency_id, d.id).await.unwrap();
    assert_eq!(events.last().unwrap().kind.as_str(), "move_due_date");
    let (_, list) = get_page(&app, "/office/calendar-moves", &lead).await;
    assert!(list.contains("Không có hồ sơ nào bị ảnh hưởng"), "{list}");

    // The applicant is told the new date.
    run_notifier(&app, at(2026, 11, 30, 9, 5)).await;
    let sms = store
        .deliveries_of(d.agency_id, d.id)
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.channel == "sms" && m.body.contains("chuyen sang"));
    let sms = sms.expect("an SMS about the new date");
    assert!(sms.body.contains(&next.format("%d/%m/%Y").to_string()), "{}", sms.body);
}

async fn due_dates_in_years_without_an_official_schedule_are_marked_projected(app: TestApp) {
    let store = app.db.store.clone();
    // 2026 has its official schedule; 2027 does not yet.
    let official = app.fx.accepted_dossier(store.as_ref(), at(2026, 11, 2, 9, 0), "0905123456", None).await;
    let projected = app.fx.accepted_dossier(store.as_ref(), at(2027, 1, 4, 9, 0), "0905123456", None).await;
    app.clock.set_local(at(2027, 1, 4, 10, 0));
    add_user(&app, "chuyenvien-lich", false, vec![grant(&app, Role::AgencyLead, None)]).await;
    let cookie = sign_in(&app, "chuyenvien-lich", PASSWORD).await.1;
    let (_, page) = get_page(&app, &format!("/office/dossiers/{}", projected.id), &cookie).await;
    assert!(page.contains("dự kiến: năm 2027 chưa có lịch nghỉ chính thức"), "{page}");
    let (_, page) = get_page(&app, &format!("/office/dossiers/{}", official.id), &cookie).await;
    assert!(!page.contains("dự kiến"), "{page}");
}

/// The appraisal step (7 working days) paused for a supplement from 04/03 to 23/03 and finished
/// on 26/03 is on time on the control sheet (Mẫu 05): its clock stops with the dossier's, and its
/// deadline prints as the last working day, not the following midnight.
async fn a_step_paused_for_a_supplement_is_on_time_on_the_control_sheet(app: TestApp) {
    use motcua_domain::dossier::Action;
    let store = app.db.store.clone();
    let fx = &app.fx;
    let d = fx.accepted_dossier(store.as_ref(), at(2026, 3, 2, 9, 0), "0905123456", None).await;
    let forward = || Action::Forward { note: None, assignee: None };
    let d = fx.act(store.as_ref(), &d, forward(), &fx.reception, at(2026, 3, 2, 10, 0)).await;
    let ask = Action::RequestSupplement { reason: "Thiếu bản vẽ".into() };
    let d = fx.act(store.as_ref(), &d, ask, &fx.specialist, at(2026, 3, 4, 9, 0)).await;
    let back = Action::SupplementReceived { note: None };
    let d = fx.act(store.as_ref(), &d, back, &fx.reception, at(2026, 3, 23, 9, 0)).await;
    let d = fx.act(store.as_ref(), &d, forward(), &fx.specialist, at(2026, 3, 26, 9, 0)).await;
    assert_eq!(d.steps[1].on_time, Some(true));
    app.clock.set_local(at(2026, 3, 26, 10, 0));
    store.set_agency_setting(app.fx.agency.id, motcua_domain::org::FormStyle::PLACE, Some("Khánh Hòa")).await.unwrap();
    add_user(&app, "giamdoc-buoc", false, vec![grant(&app, Role::AgencyLead, None)]).await;
    let cookie = sign_in(&app, "giamdoc-buoc", PASSWORD).await.1;
    let (status, sheet) = get_page(&app, &format!("/office/dossiers/{}/forms/mau-05", d.id), &cookie).await;
    assert_eq!(status, StatusCode::OK);
    let appraisal = sheet.split("Thẩm định hồ sơ").nth(1).expect("the appraisal row").split("</tr>").next().unwrap();
    // Finished 26/03, the step's deadline pushed past it by the 13 paused working days.
    assert!(appraisal.contains("Trước hạn") && !appraisal.contains("Quá hạn"), "{appraisal}");
    assert!(!sheet.contains("00:00"), "a day deadline reads as the end of its last working day: {sheet}");
    // Dated as Decree 30/2020 writes dates: the day padded below 10, the month (March) not.
    assert!(sheet.contains("Khánh Hòa, ngày 02 tháng 3 năm 2026"), "{sheet}");
}
