//! Feedback cases on the working-day calendar: a PAKN through to publication with each deadline
//! met or missed, a mis-routed item forwarded in time, a complaint triaged out, a denunciation
//! that can never be published, a reopened answer, and who may do what.

use chrono::{NaiveDate, NaiveDateTime};
use motcua_calendar::WorkCalendar;
use motcua_domain::feedback::{Case, CaseAction, CaseKind, CaseState, Clock, FeedbackRules, Intake, StatementInput};
use motcua_domain::org::{Actor, Role, RoleGrant};
use uuid::Uuid;

const AGENCY: Uuid = Uuid::from_u128(17);

fn at(m: u32, d: u32, h: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, m, d).unwrap().and_hms_opt(h, 0, 0).unwrap()
}

fn day(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, d).unwrap()
}

fn officer(role: Role, unit: Option<&str>) -> Actor {
    Actor {
        user_id: Uuid::now_v7(),
        name: format!("{role:?}"),
        grants: vec![RoleGrant { role, agency_id: AGENCY, unit: unit.map(str::to_owned) }],
        citizen: false,
    }
}

fn statement() -> StatementInput {
    StatementInput {
        name: Some("Trần Văn Bình".into()),
        address: Some("12 Lê Lợi, Nha Trang".into()),
        phone: Some("0905 123 456".into()),
        email: None,
        title: Some("Thời hạn cấp đổi giấy chứng nhận quá dài".into()),
        content: Some("Đề nghị rút ngắn thời hạn cấp đổi giấy chứng nhận.".into()),
        procedure_code: Some("1.012783".into()),
        officer: None,
        dossier_code: None,
    }
}

fn received(now: NaiveDateTime) -> Case {
    let cal = WorkCalendar::vietnam().unwrap();
    let s = statement().parse(None).unwrap();
    let rules = FeedbackRules::default();
    Case::receive(Uuid::now_v7(), AGENCY, 1, Intake::Web, s, Clock { rules: &rules, calendar: &cal, now }).unwrap().case
}

struct Desk {
    cal: WorkCalendar,
    rules: FeedbackRules,
}

impl Desk {
    fn act(&self, c: &Case, action: CaseAction, who: &Actor, now: NaiveDateTime) -> Case {
        c.apply(action, who, self.at(now)).unwrap().case
    }

    fn at(&self, now: NaiveDateTime) -> Clock<'_> {
        Clock { rules: &self.rules, calendar: &self.cal, now }
    }
}

#[test]
fn a_pakn_goes_through_to_publication_with_each_deadline_met_or_missed() {
    let desk = Desk { cal: WorkCalendar::vietnam().unwrap(), rules: FeedbackRules::default() };
    let (counter, specialist, lead) =
        (officer(Role::Reception, None), officer(Role::Specialist, Some("DD")), officer(Role::UnitLead, Some("DD")));
    // Received Monday 02/03/2026: refuse by 04/03 (2 WD), ask for information by 09/03 (5 WD),
    // answer by 23/03 (15 WD).
    let c = received(at(3, 2, 9));
    assert_eq!((c.refuse_by, c.info_by, c.answer_by), (day(3, 4), day(3, 9), day(3, 23)));
    let c = desk.act(&c, CaseAction::Classify { kind: CaseKind::Regulation }, &counter, at(3, 3, 9));
    let c = desk.act(&c, CaseAction::Assign { unit: "DD".into() }, &counter, at(3, 3, 10));
    // Information asked on 05/03 (in time), received on 10/03: the clock stood 3 working days,
    // so the answer is due 26/03.
    let ask = CaseAction::AskInfo { what: "Số giấy chứng nhận đã cấp".into() };
    let c = desk.act(&c, ask, &specialist, at(3, 5, 9));
    assert_eq!(c.state, CaseState::NeedsInfo);
    let c = desk.act(&c, CaseAction::InfoReceived { note: "GCN số CS 123456".into() }, &counter, at(3, 10, 9));
    assert_eq!((c.state, c.paused_days, c.answer_by), (CaseState::Assigned, 3, day(3, 26)));
    // A specialist of another unit may not draft; the unit's may.
    let other = officer(Role::Specialist, Some("MT"));
    let draft = CaseAction::DraftAnswer {
        answer: "Thời hạn theo Nghị định 101/2024 là 10 ngày.".into(),
        legal_basis: "Điều 22 Nghị định 101/2024/NĐ-CP".into(),
    };
    assert!(c.apply(draft.clone(), &other, desk.at(at(3, 20, 9))).is_err());
    let c = desk.act(&c, draft, &specialist, at(3, 20, 9));
    // Approved on Friday 27/03, one working day late; publication due 31/03.
    let c = desk.act(&c, CaseAction::Approve, &lead, at(3, 27, 9));
    assert_eq!(c.late_steps, vec!["trả lời muộn 1 ngày làm việc".to_owned()]);
    assert_eq!(c.publish_by, Some(day(3, 31)));
    assert!(c.overdue(day(4, 1)) && !c.overdue(day(3, 31)));
    // Published on 30/03: in time.
    let change = c.apply(CaseAction::Publish, &counter, desk.at(at(3, 30, 9))).unwrap();
    assert!(change.notice.as_deref().unwrap().contains("đã được công khai"));
    let c = change.case;
    assert_eq!((c.state, c.late_steps.len()), (CaseState::Published, 1));
    // Rated, then reopened by the sender's dissatisfaction: back to the unit.
    let c = c.rate(false).unwrap();
    assert_eq!((c.useful, c.not_useful), (0, 1));
    let c = desk.act(&c, CaseAction::Reopen { reason: "Chưa trả lời đúng câu hỏi".into() }, &counter, at(4, 1, 9));
    assert_eq!((c.state, c.reopened), (CaseState::Assigned, 1));
}

#[test]
fn a_misrouted_item_is_forwarded_within_five_working_days_and_the_sender_told() {
    let desk = Desk { cal: WorkCalendar::vietnam().unwrap(), rules: FeedbackRules::default() };
    let counter = officer(Role::Reception, None);
    let c = received(at(3, 2, 9));
    assert_eq!(c.forward_by, day(3, 9));
    let forward = CaseAction::Forward {
        other_body: "Sở Xây dựng tỉnh Khánh Hòa".into(),
        reason: "Thuộc lĩnh vực xây dựng".into(),
    };
    let change = c.apply(forward.clone(), &counter, desk.at(at(3, 9, 16))).unwrap();
    assert_eq!(change.case.state, CaseState::Forwarded);
    assert!(change.case.late_steps.is_empty(), "on the fifth working day: in time");
    assert!(change.notice.as_deref().unwrap().contains("Sở Xây dựng tỉnh Khánh Hòa"), "the sender is told where");
    let late = c.apply(forward, &counter, desk.at(at(3, 10, 9))).unwrap();
    assert_eq!(late.case.late_steps, vec!["chuyển cơ quan có thẩm quyền muộn 1 ngày làm việc".to_owned()]);
}

#[test]
fn a_complaint_is_triaged_out_and_a_denunciation_is_never_published() {
    let desk = Desk { cal: WorkCalendar::vietnam().unwrap(), rules: FeedbackRules::default() };
    let (counter, specialist, lead) =
        (officer(Role::Reception, None), officer(Role::Specialist, Some("TT")), officer(Role::AgencyLead, None));
    let complaint = CaseAction::Classify { kind: CaseKind::Complaint };
    let change = received(at(3, 2, 9)).apply(complaint, &counter, desk.at(at(3, 2, 10))).unwrap();
    assert_eq!(change.case.state, CaseState::Redirected);
    assert!(change.notice.as_deref().unwrap().contains("Luật Khiếu nại"));
    assert!(change.case.state.is_finished());

    let c =
        desk.act(&received(at(3, 2, 9)), CaseAction::Classify { kind: CaseKind::Denunciation }, &counter, at(3, 2, 10));
    let c = desk.act(&c, CaseAction::Assign { unit: "TT".into() }, &lead, at(3, 2, 11));
    let answer = CaseAction::DraftAnswer { answer: "Đã xác minh.".into(), legal_basis: "Luật Tố cáo".into() };
    let c = desk.act(&c, answer, &specialist, at(3, 5, 9));
    let c = desk.act(&c, CaseAction::Approve, &lead, at(3, 6, 9));
    let refused = c.apply(CaseAction::Publish, &counter, desk.at(at(3, 6, 10)));
    assert!(refused.unwrap_err().to_string().contains("không được công khai"));
    let c = desk.act(&c, CaseAction::Close, &counter, at(3, 6, 10));
    assert_eq!(c.state, CaseState::Closed);
    assert!(c.published_at.is_none());
}

#[test]
fn who_may_act_and_what_a_statement_needs() {
    let desk = Desk { cal: WorkCalendar::vietnam().unwrap(), rules: FeedbackRules::default() };
    let c = received(at(3, 2, 9));
    // A specialist does not triage; a citizen does not approve.
    let specialist = officer(Role::Specialist, Some("DD"));
    assert!(c.apply(CaseAction::Classify { kind: CaseKind::Question }, &specialist, desk.at(at(3, 2, 10))).is_err());
    // Another agency's counter cannot touch it.
    let mut elsewhere = officer(Role::Reception, None);
    elsewhere.grants[0].agency_id = Uuid::from_u128(99);
    assert!(c.apply(CaseAction::Classify { kind: CaseKind::Question }, &elsewhere, desk.at(at(3, 2, 10))).is_err());
    // A statement without phone, name or content is refused field by field.
    let bad = StatementInput { phone: Some("12".into()), name: None, content: Some(" ".into()), ..statement() };
    let err = bad.parse(None).unwrap_err().to_string();
    let fields = match bad.parse(None).unwrap_err() {
        motcua_domain::DomainError::Invalid(f) => f.into_iter().map(|f| f.field).collect::<Vec<_>>(),
        _ => vec![],
    };
    assert!(
        fields.contains(&"phone".to_owned())
            && fields.contains(&"name".to_owned())
            && fields.contains(&"content".to_owned()),
        "{err}: {fields:?}"
    );
    // Rules by effective date: the newest in force.
    let later = FeedbackRules { effective_from: day(7, 1), answer_days: 10, ..FeedbackRules::default() };
    assert_eq!(FeedbackRules::in_force(&[later], day(6, 30)).answer_days, 15);
    assert_eq!(FeedbackRules::in_force(&[later], day(7, 1)).answer_days, 10);
}

#[test]
fn a_conduct_finding_names_the_officer_and_a_mixed_statement_is_split() {
    let desk = Desk { cal: WorkCalendar::vietnam().unwrap(), rules: FeedbackRules::default() };
    let (counter, inspector, specialist) =
        (officer(Role::Reception, None), officer(Role::Inspector, None), officer(Role::Specialist, Some("DD")));
    // One statement received on Monday 02/03 mixes a petition and a denunciation: split on
    // Wednesday 04/03, the new case keeps the sender and the original deadlines.
    let c = received(at(3, 2, 9));
    let part = ("Cán bộ đòi tiền ngoài quy định", "Ngày 27/02 cán bộ quầy số 3 đòi 500.000 đồng.");
    assert!(c.split(Uuid::now_v7(), 2, part, &specialist, desk.at(at(3, 4, 9))).is_err(), "not the counter");
    assert!(c.split(Uuid::now_v7(), 2, ("", "x"), &counter, desk.at(at(3, 4, 9))).is_err(), "a title is needed");
    let split = c.split(Uuid::now_v7(), 2, part, &counter, desk.at(at(3, 4, 9))).unwrap();
    let d = split.case;
    assert_eq!(
        (d.split_from, d.sender.phone.clone(), d.received_at),
        (Some(c.id), c.sender.phone.clone(), c.received_at)
    );
    assert_eq!((d.answer_by, d.refuse_by, d.label()), (c.answer_by, c.refuse_by, "2/2026".to_owned()));
    assert!(split.notice.unwrap().contains("số 2/2026"), "the sender is told of the new number");
    assert_eq!((split.action, split.at), ("split", at(3, 4, 9)));
    // Triaged as conduct: the inspector's justified finding must name the officer's account.
    let d = desk.act(&d, CaseAction::Classify { kind: CaseKind::Conduct }, &counter, at(3, 4, 10));
    assert!(
        c.split(Uuid::now_v7(), 3, part, &counter, desk.at(at(3, 4, 9))).is_ok(),
        "the original is still untriaged"
    );
    assert!(d.split(Uuid::now_v7(), 3, part, &counter, desk.at(at(3, 4, 11))).is_err(), "only before triage");
    let finding = |officer_id| CaseAction::Finding { justified: true, measure: "Kiểm điểm".into(), officer_id };
    assert!(d.apply(finding(None), &inspector, desk.at(at(3, 10, 9))).is_err(), "justified needs the officer");
    assert!(d.apply(finding(Some(counter.user_id)), &counter, desk.at(at(3, 10, 9))).is_err(), "inspector only");
    let d = desk.act(&d, finding(Some(counter.user_id)), &inspector, at(3, 10, 9));
    assert_eq!(
        (d.justified, d.officer_id, d.measure.as_deref()),
        (Some(true), Some(counter.user_id), Some("Kiểm điểm"))
    );
    // Not justified: no officer needed.
    let e = desk.act(&c, CaseAction::Classify { kind: CaseKind::Conduct }, &counter, at(3, 4, 10));
    let none = CaseAction::Finding { justified: false, measure: "Không có căn cứ".into(), officer_id: None };
    assert_eq!(desk.act(&e, none, &inspector, at(3, 10, 9)).justified, Some(false));
}
