//! The state machine's rules on their own: re-appointment, supplement warnings, withdrawal,
//! the steps' roles and units, uploads, and the portal status codes.

use chrono::{NaiveDate, NaiveDateTime};
use motcua_calendar::WorkCalendar;
use motcua_domain::DomainError;
use motcua_domain::catalog::{Channel, ProcedureSpec, ProcedureVersion};
use motcua_domain::dossier::{
    Action, ApplicantInput, Context, Dossier, EventDetail, EventKind, FileRef, State, Submission, Timeliness,
};
use motcua_domain::org::{Actor, Role, RoleGrant};
use motcua_domain::types::{AgencyCode, DossierCode};
use uuid::Uuid;

fn at(m: u32, d: u32, h: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, m, d).unwrap().and_hms_opt(h, 0, 0).unwrap()
}

struct World {
    cal: WorkCalendar,
    version: ProcedureVersion,
    reception: Actor,
    specialist_dd: Actor,
    specialist_mt: Actor,
    lead: Actor,
    citizen: Actor,
    stranger: Actor,
}

fn officer(role: Role, agency: Uuid, unit: Option<&str>) -> Actor {
    Actor {
        user_id: Uuid::now_v7(),
        name: role.as_str().into(),
        grants: vec![RoleGrant { role, agency_id: agency, unit: unit.map(str::to_owned) }],
        citizen: false,
    }
}

fn world() -> World {
    let agency = Uuid::now_v7();
    let spec: ProcedureSpec = serde_json::from_value(serde_json::json!({
        "code": "1.000001", "name": "Thủ tục thử", "field": "DD", "level": "province", "time_limit": "10d",
        "online": "full", "channels": ["counter", "online"], "result": "Giấy chứng nhận", "effective_from": "2025-01-01",
        "documents": [{"name": "Đơn", "required": true}, {"name": "Bản vẽ", "required": false}],
        "steps": [
            {"name": "Tiếp nhận", "unit": "VP", "role": "reception", "budget": "4h"},
            {"name": "Thẩm định", "unit": "DD", "role": "specialist", "budget": "8d"},
            {"name": "Ký duyệt", "unit": "LD", "role": "agency_lead", "budget": "1d"},
            {"name": "Trả kết quả", "unit": "VP", "role": "reception", "budget": "4h"}
        ]
    }))
    .unwrap();
    spec.validate(&["VP".into(), "DD".into(), "LD".into()]).unwrap();
    let version =
        ProcedureVersion { id: Uuid::now_v7(), procedure_id: Uuid::now_v7(), agency_id: agency, version: 1, spec };
    World {
        cal: WorkCalendar::vietnam().unwrap(),
        version,
        reception: officer(Role::Reception, agency, Some("VP")),
        specialist_dd: officer(Role::Specialist, agency, Some("DD")),
        specialist_mt: officer(Role::Specialist, agency, Some("MT")),
        lead: officer(Role::AgencyLead, agency, None),
        citizen: Actor { user_id: Uuid::now_v7(), name: "An".into(), grants: vec![], citizen: true },
        stranger: officer(Role::Reception, Uuid::now_v7(), None),
    }
}

impl World {
    fn ctx<'a>(&'a self, actor: &'a Actor, now: NaiveDateTime) -> Context<'a> {
        let code = DossierCode::new(&AgencyCode::parse("000.00.17.H34").unwrap(), now.date(), 1, 4);
        Context {
            actor,
            now,
            calendar: &self.cal,
            new_code: Some(code),
            max_reappoint_days: motcua_domain::dossier::DEFAULT_MAX_REAPPOINT_DAYS,
        }
    }

    fn submit(&self, channel: Channel, now: NaiveDateTime) -> Dossier {
        let applicant = ApplicantInput {
            name: Some("Nguyễn Văn An".into()),
            citizen_id: Some("056090001234".into()),
            phone: Some("0905123456".into()),
            address: Some("Nha Trang".into()),
            ..Default::default()
        }
        .parse()
        .unwrap();
        let online = channel == Channel::Online;
        let actor = if online { &self.citizen } else { &self.reception };
        let sub = Submission {
            id: Uuid::now_v7(),
            channel,
            applicant,
            postal: None,
            citizen_user_id: online.then_some(self.citizen.user_id),
            documents: vec![],
            result_delivery: None,
            fees_paid: false,
            fee_reduction: None,
        };
        Dossier::submit(&self.version, AgencyCode::parse("000.00.17.H34").unwrap(), sub, &self.ctx(actor, now))
            .unwrap()
            .dossier
    }

    fn apply(&self, d: &Dossier, action: Action, actor: &Actor, now: NaiveDateTime) -> Result<Dossier, DomainError> {
        d.apply(action, &self.ctx(actor, now)).map(|t| t.dossier)
    }

    /// A counter dossier accepted at 09:00 on Mon 02/03/2026 and forwarded to the specialist.
    fn in_appraisal(&self) -> Dossier {
        let d = self.submit(Channel::Counter, at(3, 2, 9));
        let d = self.apply(&d, Action::Accept, &self.reception, at(3, 2, 9)).unwrap();
        self.apply(&d, Action::Forward { note: None, assignee: None }, &self.reception, at(3, 2, 10)).unwrap()
    }
}

#[test]
fn the_appointment_may_be_reset_once_and_only_a_working_day_before_the_due_date() {
    let w = world();
    let d = w.in_appraisal();
    assert_eq!(d.due_date, Some(NaiveDate::from_ymd_opt(2026, 3, 16).unwrap()));
    let new_date = NaiveDate::from_ymd_opt(2026, 3, 20).unwrap();
    let reappoint =
        |date: NaiveDate| Action::Reappoint { new_due_date: date, reason: "Cần xác minh thực địa".into() };
    // On the due date itself it is too late (the letter must go out by Friday 13/03).
    let late = w.apply(&d, reappoint(new_date), &w.lead, at(3, 16, 9)).unwrap_err();
    assert!(late.to_string().contains("13/03/2026"), "{late}");
    // The new date must be later and a working day.
    assert!(w.apply(&d, reappoint(NaiveDate::from_ymd_opt(2026, 3, 14).unwrap()), &w.lead, at(3, 12, 9)).is_err());
    assert!(w.apply(&d, reappoint(NaiveDate::from_ymd_opt(2026, 3, 21).unwrap()), &w.lead, at(3, 12, 9)).is_err());
    let d = w.apply(&d, reappoint(new_date), &w.lead, at(3, 13, 9)).unwrap();
    assert_eq!(d.due_date, Some(new_date));
    assert_eq!(d.reappointment.as_ref().unwrap().previous_due_date, NaiveDate::from_ymd_opt(2026, 3, 16).unwrap());
    // Not twice.
    let again =
        w.apply(&d, reappoint(NaiveDate::from_ymd_opt(2026, 3, 27).unwrap()), &w.lead, at(3, 13, 10)).unwrap_err();
    assert!(again.to_string().contains("một lần"), "{again}");
    // A specialist may not re-appoint.
    assert!(matches!(
        w.apply(&w.in_appraisal(), reappoint(new_date), &w.specialist_dd, at(3, 12, 9)),
        Err(DomainError::Forbidden(_))
    ));
}

#[test]
fn a_supplement_requested_more_than_three_working_days_after_receipt_is_flagged() {
    let w = world();
    let d = w.in_appraisal();
    let ask = || Action::RequestSupplement { reason: "Thiếu bản vẽ".into() };
    let on_time = d.apply(ask(), &w.ctx(&w.specialist_dd, at(3, 5, 9))).unwrap();
    assert!(on_time.warnings.is_empty());
    let late = d.apply(ask(), &w.ctx(&w.specialist_dd, at(3, 6, 9))).unwrap();
    assert_eq!(late.warnings.len(), 1, "{:?}", late.warnings);
    assert!(late.warnings[0].contains("05/03/2026"));
    assert!(matches!(late.event.data.detail, EventDetail::RequestSupplement { late_request: true, .. }));
    assert_eq!(late.event.data.to_json()["late_request"], true);
}

#[test]
fn only_the_current_steps_role_and_unit_may_forward_it() {
    let w = world();
    let d = w.in_appraisal();
    let forward = || Action::Forward { note: None, assignee: None };
    assert!(matches!(w.apply(&d, forward(), &w.specialist_mt, at(3, 3, 9)), Err(DomainError::Forbidden(_))));
    assert!(matches!(w.apply(&d, forward(), &w.reception, at(3, 3, 9)), Err(DomainError::Forbidden(_))));
    assert!(matches!(w.apply(&d, forward(), &w.stranger, at(3, 3, 9)), Err(DomainError::Forbidden(_))));
    let d = w.apply(&d, forward(), &w.specialist_dd, at(3, 3, 9)).unwrap();
    assert_eq!(d.step().unwrap().name, "Ký duyệt");
    // Sent back, the specialist's step starts again.
    let back = w.apply(&d, Action::SendBack { note: "Xem lại diện tích".into() }, &w.lead, at(3, 3, 10)).unwrap();
    assert_eq!(back.step().unwrap().name, "Thẩm định");
    assert_eq!(back.steps[2].note.as_deref(), Some("Xem lại diện tích"));
}

#[test]
fn approval_leaves_the_return_step_and_the_return_is_classified() {
    let w = world();
    let d = w.in_appraisal();
    let d = w.apply(&d, Action::Forward { note: None, assignee: None }, &w.specialist_dd, at(3, 10, 9)).unwrap();
    // The last step cannot be forwarded past.
    let approve = Action::Approve { result_number: "9/GCN".into(), result_date: at(3, 16, 0).date() };
    let d = w.apply(&d, approve, &w.lead, at(3, 16, 16)).unwrap();
    assert_eq!((d.state, d.step().unwrap().name.as_str()), (State::ResultReady, "Trả kết quả"));
    let err = w.apply(&d, Action::Forward { note: None, assignee: None }, &w.reception, at(3, 16, 17)).unwrap_err();
    assert!(matches!(err, DomainError::InvalidTransition { .. }));
    let d = w
        .apply(&d, Action::ReturnResult { channel: Channel::Counter, postal: None }, &w.reception, at(3, 18, 9))
        .unwrap();
    // Finished on the due date: on time, even if collected later.
    assert_eq!(d.timeliness, Some(Timeliness::OnTime));
    assert!(d.steps.iter().all(|s| s.on_time.is_some()));
    assert_eq!(d.portal_status(), 10);
}

#[test]
fn the_applicant_may_withdraw_until_the_result_is_ready() {
    let w = world();
    let d = w.submit(Channel::Online, at(3, 2, 9));
    assert!(w.apply(&d, Action::Withdraw { reason: "Không còn nhu cầu".into() }, &w.stranger, at(3, 2, 10)).is_err());
    let stopped =
        w.apply(&d, Action::Withdraw { reason: "Không còn nhu cầu".into() }, &w.citizen, at(3, 2, 10)).unwrap();
    assert_eq!((stopped.state, stopped.portal_status()), (State::Stopped, 8));
    assert!(w.apply(&stopped, Action::Resubmit, &w.citizen, at(3, 2, 11)).is_err());
}

#[test]
fn online_acceptance_needs_the_required_files_and_the_applicant_uploads_them() {
    let w = world();
    let d = w.submit(Channel::Online, at(3, 2, 9));
    let missing = w.apply(&d, Action::Accept, &w.reception, at(3, 2, 10)).unwrap_err();
    assert!(missing.to_string().contains("Đơn"), "{missing}");
    let file =
        FileRef { sha256: "0".repeat(64), name: "don.pdf".into(), content_type: "application/pdf".into(), size: 10 };
    let attach = |index| Action::AttachDocument { index, file: file.clone() };
    assert!(w.apply(&d, attach(0), &w.stranger, at(3, 2, 9)).is_err());
    assert!(w.apply(&d, attach(5), &w.citizen, at(3, 2, 9)).is_err());
    let d = w.apply(&d, attach(0), &w.citizen, at(3, 2, 9)).unwrap();
    let d = w.apply(&d, Action::Accept, &w.reception, at(3, 2, 10)).unwrap();
    assert_eq!(d.state, State::Accepted);
    // Once accepted, the applicant no longer changes the files on their own.
    assert!(w.apply(&d, attach(1), &w.citizen, at(3, 2, 11)).is_err());
}

#[test]
fn a_payment_pauses_the_clock_and_a_supplement_restarts_it() {
    let w = world();
    let d = w.in_appraisal();
    let d = w
        .apply(
            &d,
            Action::RequestPayment { reason: "Nộp lệ phí".into(), assessed: None },
            &w.specialist_dd,
            at(3, 3, 9),
        )
        .unwrap();
    assert_eq!(d.portal_status(), 6);
    // Paid a week later: five working days added (Tue 03/03 counts, Tue 10/03 does not).
    let d = w.apply(&d, Action::PaymentReceived { note: None }, &w.reception, at(3, 10, 9)).unwrap();
    assert_eq!(d.due_date, Some(NaiveDate::from_ymd_opt(2026, 3, 23).unwrap()));
    let d =
        w.apply(&d, Action::RequestSupplement { reason: "Bổ sung".into() }, &w.specialist_dd, at(3, 11, 9)).unwrap();
    // A counter dossier: the citizen has no account on it, reception records the supplement.
    assert!(w.apply(&d, Action::SupplementReceived { note: None }, &w.citizen, at(3, 12, 9)).is_err());
    let d = w.apply(&d, Action::SupplementReceived { note: None }, &w.reception, at(3, 12, 9)).unwrap();
    // Ten working days from the complete dossier.
    assert_eq!(d.due_date, Some(w.cal.add_working_days(at(3, 12, 9).date(), 10).unwrap()));
}

/// Issue 13, point 3: the appraisal step (8 working days from Mon 02/03 10:00) paused for a
/// supplement from Wed 04/03 to Mon 23/03 and finished on Thu 26/03 is on time: the step's clock
/// stops with the dossier's. Without the pause it would be late (due by Thu 12/03).
#[test]
fn a_step_paused_for_a_supplement_is_judged_without_the_pause() {
    let w = world();
    let d = w.in_appraisal();
    let before = d.steps[1].deadline.unwrap();
    let ask = Action::RequestSupplement { reason: "Thiếu bản vẽ".into() };
    let d = w.apply(&d, ask, &w.specialist_dd, at(3, 4, 9)).unwrap();
    let back = Action::SupplementReceived { note: None };
    let d = w.apply(&d, back, &w.reception, at(3, 23, 9)).unwrap();
    let after = d.steps[1].deadline.unwrap();
    assert!(after > before, "{before} → {after}");
    // 13 working days paused (04/03 09:00 – 23/03 09:00): the step now ends 13 working days later.
    assert_eq!(after.date(), w.cal.add_working_days(before.date(), 13).unwrap(), "{before} → {after}");
    let forward = Action::Forward { note: None, assignee: None };
    let d = w.apply(&d, forward, &w.specialist_dd, at(3, 26, 9)).unwrap();
    assert_eq!(d.steps[1].on_time, Some(true));
}

/// What each person may do now is the rules' own answer: the pages offer exactly this.
#[test]
fn allowed_actions_follow_state_role_and_ownership() {
    let w = world();
    let online = w.submit(Channel::Online, at(3, 2, 9));
    let reception = names(online.allowed_actions(&w.ctx(&w.reception, at(3, 2, 9))));
    // Submitted without its required documents: reception may ask to complete or refuse, not
    // accept.
    assert!(["ask_to_complete", "refuse_intake"].iter().all(|a| reception.contains(a)), "{reception:?}");
    assert!(!reception.contains(&"accept"), "{reception:?}");
    assert!(!reception.contains(&"approve") && !reception.contains(&"resubmit"), "{reception:?}");
    assert!(online.allowed_actions(&w.ctx(&w.stranger, at(3, 2, 9))).is_empty());
    // Asked to complete: the owner may send documents and resubmit, and withdraw.
    let asked = Action::AskToComplete { reason: "Thiếu văn bản ủy quyền".into() };
    let asked = w.apply(&online, asked, &w.reception, at(3, 2, 10)).unwrap();
    let citizen = names(asked.allowed_actions(&w.ctx(&w.citizen, at(3, 3, 9))));
    assert!(["resubmit", "attach_document", "withdraw"].iter().all(|a| citizen.contains(a)), "{citizen:?}");
    assert!(!citizen.contains(&"accept"), "{citizen:?}");
    // In appraisal, the specialist of the step forwards; reception no longer accepts.
    let d = w.in_appraisal();
    let specialist = names(d.allowed_actions(&w.ctx(&w.specialist_dd, at(3, 3, 9))));
    assert!(specialist.contains(&"forward") && specialist.contains(&"request_supplement"), "{specialist:?}");
    assert!(!names(d.allowed_actions(&w.ctx(&w.reception, at(3, 3, 9)))).contains(&"accept"));
}

/// "Sắp đến hạn": due by the end of the second working day from now, not yet overdue.
#[test]
fn due_soon_is_two_working_days_and_not_overdue() {
    let w = world();
    let d = w.in_appraisal();
    assert_eq!(d.due_date, Some(NaiveDate::from_ymd_opt(2026, 3, 16).unwrap()));
    // Thu 12/03: two working days ahead is Mon 16/03 (the weekend skipped).
    assert!(d.is_due_soon(&w.cal, at(3, 12, 9)));
    assert!(!d.is_due_soon(&w.cal, at(3, 11, 9)), "Wed 11/03: three working days ahead");
    assert!(!d.is_due_soon(&w.cal, at(3, 17, 9)), "overdue, not due soon");
}

/// The allowed actions by name, as pages and the API write them.
fn names(kinds: Vec<EventKind>) -> Vec<&'static str> {
    kinds.into_iter().map(EventKind::as_str).collect()
}
