//! Authority follows the internal process: every dossier action × every role × every scope
//! (the step's unit, another unit, agency-wide, another agency), through the API, on both
//! backends. What is allowed answers 200; every refusal is a 4xx (403 for a role, 404 for an
//! officer of another agency, to whom the dossier does not exist) and writes nothing.

#[macro_use]
mod common;

use axum::http::StatusCode;
use common::{TestApp, token_of};
use motcua_domain::dossier::{Action, Dossier, State};
use motcua_domain::org::{Actor, Role, RoleGrant};
use motcua_store::testing::at;
use motcua_store::{ApiToken, UserRecord};
use motcua_web::extract::token_hash;
use serde_json::json;
use uuid::Uuid;

on_every_backend!(every_action_by_every_role_in_every_scope);

/// The candidates: a role and where it holds it. `None` is agency-wide; `"other"` marks a grant
/// in another agency.
const CANDIDATES: [(&str, Role, Option<&str>); 14] = [
    ("reception@VP", Role::Reception, Some("VP")),
    ("reception@DD", Role::Reception, Some("DD")),
    ("reception*", Role::Reception, None),
    ("specialist@DD", Role::Specialist, Some("DD")),
    ("specialist@MT", Role::Specialist, Some("MT")),
    ("specialist*", Role::Specialist, None),
    ("unit_lead@DD", Role::UnitLead, Some("DD")),
    ("unit_lead@MT", Role::UnitLead, Some("MT")),
    ("unit_lead*", Role::UnitLead, None),
    ("agency_lead*", Role::AgencyLead, None),
    ("admin*", Role::Admin, None),
    ("inspector*", Role::Inspector, None),
    ("other:reception*", Role::Reception, None),
    ("other:agency_lead*", Role::AgencyLead, None),
];

/// Where the dossier stands before the action is tried. The fixture's process: reception at VP,
/// appraisal by a DD specialist, the DD lead's review, the director's signature (unit LD, the
/// decision step), the return at VP.
#[derive(Debug, Clone, Copy)]
enum Stage {
    /// Taken at the counter, not yet accepted.
    Submitted,
    /// Accepted, at the reception step (VP).
    AtReception,
    /// At the specialist's appraisal (DD).
    AtAppraisal,
    /// At the director's signature (LD), the decision step.
    AtSignature,
    /// Paused for the financial obligation during appraisal.
    AwaitingPayment,
    /// Approved; the result waits at the counter.
    ResultReady,
}

/// The table: each row is a stage, an action and who may take it there.
fn table() -> Vec<(Stage, &'static str, serde_json::Value, Vec<&'static str>)> {
    use Stage::*;
    let counter = vec!["reception@VP", "reception*"];
    let appraisal = vec!["specialist@DD", "specialist*", "unit_lead@DD", "unit_lead*"];
    let appraisal_leads = vec!["unit_lead@DD", "unit_lead*", "agency_lead*"];
    let reason = json!({ "reason": "Lý do kiểm thử" });
    let note = json!({ "note": "Ghi chú kiểm thử" });
    let reappoint = json!({ "new_due_date": "2026-03-16", "reason": "Cần xác minh thực địa" });
    let approve = json!({ "result_number": "12/GCN", "result_date": "2026-02-16" });
    vec![
        (Submitted, "accept", json!({}), counter.clone()),
        (Submitted, "ask-to-complete", reason.clone(), counter.clone()),
        (Submitted, "refuse-intake", reason.clone(), counter.clone()),
        (Submitted, "withdraw", reason.clone(), counter.clone()),
        // The reception step: its role, and the agency-wide unit lead (a lead of every unit).
        (AtReception, "forward", json!({}), vec!["reception@VP", "reception*", "unit_lead*"]),
        (AtReception, "request-supplement", reason.clone(), vec!["reception@VP", "reception*", "unit_lead*"]),
        (AtReception, "reappoint", reappoint.clone(), vec!["unit_lead*", "agency_lead*"]),
        (AtAppraisal, "forward", json!({}), appraisal.clone()),
        (AtAppraisal, "send-back", note.clone(), appraisal.clone()),
        (AtAppraisal, "request-supplement", reason.clone(), appraisal.clone()),
        (AtAppraisal, "request-payment", reason.clone(), appraisal.clone()),
        (AtAppraisal, "refuse", reason.clone(), appraisal_leads.clone()),
        (AtAppraisal, "reappoint", reappoint.clone(), appraisal_leads.clone()),
        // Not the decision step: nobody approves here.
        (AtAppraisal, "approve", approve.clone(), vec![]),
        (AtAppraisal, "withdraw", reason.clone(), counter.clone()),
        (AtSignature, "approve", approve.clone(), vec!["agency_lead*"]),
        (AtSignature, "refuse", reason.clone(), vec!["unit_lead*", "agency_lead*"]),
        (AtSignature, "send-back", note.clone(), vec!["agency_lead*"]),
        (
            AwaitingPayment,
            "payment-received",
            json!({}),
            vec!["reception@VP", "reception*", "specialist@DD", "specialist*", "unit_lead@DD", "unit_lead*"],
        ),
        (ResultReady, "return-result", json!({ "channel": "counter" }), counter.clone()),
        (ResultReady, "refuse", reason.clone(), vec![]),
    ]
}

/// A user with one grant and an API token.
async fn candidate(app: &TestApp, role: Role, agency_id: Uuid, unit: Option<&str>) -> Actor {
    let user = UserRecord {
        id: Uuid::now_v7(),
        agency_id: Some(agency_id),
        username: format!("cand-{}", Uuid::new_v4().simple()),
        full_name: "Cán bộ kiểm thử".into(),
        password_hash: "x".into(),
        citizen: false,
        phone: None,
        email: None,
        active: true,
    };
    let store = app.db.store.as_ref();
    store.insert_user(&user).await.unwrap();
    let grant = RoleGrant { role, agency_id, unit: unit.map(str::to_owned) };
    store.insert_grant(user.id, &grant).await.unwrap();
    let actor = Actor { user_id: user.id, name: user.full_name, grants: vec![grant], citizen: false };
    let token = ApiToken {
        id: Uuid::now_v7(),
        agency_id: Some(agency_id),
        user_id: actor.user_id,
        token_hash: token_hash(&token_of(&actor)),
        name: "test".into(),
        expires_at: motcua_store::testing::at(2100, 1, 1, 0, 0),
    };
    store.insert_token(&token).await.unwrap();
    actor
}

/// A fresh dossier at `stage`, driven there by the fixture's rightful officers.
async fn prepare(app: &TestApp, stage: Stage) -> Dossier {
    let fx = &app.fx;
    let store = app.db.store.as_ref();
    let forward = || Action::Forward { note: None, assignee: None };
    if let Stage::Submitted = stage {
        return submitted_only(app).await;
    }
    let d = fx.accepted_dossier(store, at(2026, 2, 12, 9, 0), "0905123456", None).await;
    if let Stage::AtReception = stage {
        return d;
    }
    let d = fx.act(store, &d, forward(), &fx.reception, at(2026, 2, 12, 10, 0)).await;
    match stage {
        Stage::AtAppraisal => return d,
        Stage::AwaitingPayment => {
            let pay = Action::RequestPayment { reason: "Nộp lệ phí trước bạ".into(), assessed: None };
            return fx.act(store, &d, pay, &fx.specialist, at(2026, 2, 13, 9, 0)).await;
        }
        _ => {}
    }
    let d = fx.act(store, &d, forward(), &fx.specialist, at(2026, 2, 13, 9, 0)).await;
    let d = fx.act(store, &d, forward(), &fx.unit_lead, at(2026, 2, 13, 10, 0)).await;
    if let Stage::AtSignature = stage {
        return d;
    }
    let approve = Action::Approve { result_number: "1/GCN".into(), result_date: at(2026, 2, 13, 0, 0).date() };
    fx.act(store, &d, approve, &fx.agency_lead, at(2026, 2, 13, 11, 0)).await
}

/// A dossier taken at the counter and not yet accepted.
async fn submitted_only(app: &TestApp) -> Dossier {
    use motcua_domain::dossier::{ApplicantInput, Context, DEFAULT_MAX_REAPPOINT_DAYS, Submission};
    let fx = &app.fx;
    let cal = motcua_calendar::WorkCalendar::vietnam().unwrap();
    let applicant = ApplicantInput {
        name: Some("Nguyễn Văn An".into()),
        citizen_id: Some("056090001234".into()),
        phone: Some("0905123456".into()),
        address: Some("Nha Trang".into()),
        ..Default::default()
    }
    .parse()
    .unwrap();
    let sub = Submission {
        id: Uuid::now_v7(),
        channel: motcua_domain::catalog::Channel::Counter,
        applicant,
        postal: None,
        citizen_user_id: None,
        documents: vec![],
        result_delivery: None,
        fees_paid: false,
        fee_reduction: None,
    };
    let ctx = Context {
        actor: &fx.reception,
        now: at(2026, 2, 12, 9, 0),
        calendar: &cal,
        new_code: None,
        max_reappoint_days: DEFAULT_MAX_REAPPOINT_DAYS,
    };
    let t = Dossier::submit(&fx.procedure, fx.agency.code.clone(), sub, &ctx).unwrap();
    app.db.store.insert_dossier(&t).await.unwrap();
    t.dossier
}

async fn every_action_by_every_role_in_every_scope(app: TestApp) {
    let fx = &app.fx;
    app.at(2026, 2, 16, 9, 0);
    let mut actors = Vec::new();
    for (name, role, unit) in CANDIDATES {
        let agency = if name.starts_with("other:") { fx.other_agency.id } else { fx.agency.id };
        actors.push((name, candidate(&app, role, agency, unit).await));
    }
    let mut failures = Vec::new();
    let mut tried = 0;
    for (stage, action, body, allowed) in table() {
        for (name, actor) in &actors {
            let d = prepare(&app, stage).await;
            let events_before = app.db.store.events(d.agency_id, d.id).await.unwrap().len();
            let mut body = body.clone();
            body["version"] = json!(d.version);
            let res = app.post(&format!("/api/v1/dossiers/{}/{action}", d.id), actor, body).await;
            let after = app.db.store.dossier(d.agency_id, d.id).await.unwrap().unwrap();
            let events_after = app.db.store.events(d.agency_id, d.id).await.unwrap().len();
            tried += 1;
            let may = allowed.contains(name);
            let outcome = if may {
                (res.status == StatusCode::OK && after.version == d.version + 1 && events_after == events_before + 1)
                    .then_some(())
                    .ok_or("should be allowed")
            } else {
                let right_status = if name.starts_with("other:") {
                    res.status == StatusCode::NOT_FOUND
                } else if allowed.is_empty() {
                    res.status.is_client_error()
                } else {
                    res.status == StatusCode::FORBIDDEN
                };
                (right_status && after == d && events_after == events_before).then_some(()).ok_or("should be refused")
            };
            if let Err(why) = outcome {
                failures.push(format!("{stage:?} {action} by {name}: {why}, got {} {}", res.status, res.body));
            }
        }
    }
    assert!(failures.is_empty(), "{} of {tried} cases wrong:\n{}", failures.len(), failures.join("\n"));
    assert_eq!(tried, table().len() * CANDIDATES.len());
    // The same rules are what the office page offers: the BHD-style bypass is gone.
    let d = prepare(&app, Stage::AtAppraisal).await;
    assert_eq!(d.state, State::Processing);
}

/// Issue 12, defect 1 on the page: "Duyệt kết quả" was offered at any processing step. The office
/// page offers exactly what the domain allows: nothing to a lead of another unit, the step's own
/// actions to its officer, and the approval only at the decision step, to the director.
#[tokio::test]
async fn the_office_page_offers_exactly_what_the_domain_allows() {
    use common::pages::{PASSWORD, add_user, get_page, grant, sign_in};
    let app = TestApp::new("sqlite").await;
    app.at(2026, 2, 16, 9, 0);
    add_user(&app, "lead-mt", false, vec![grant(&app, Role::UnitLead, Some("MT"))]).await;
    add_user(&app, "lead-dd", false, vec![grant(&app, Role::UnitLead, Some("DD"))]).await;
    add_user(&app, "director", false, vec![grant(&app, Role::AgencyLead, None)]).await;
    let offered = |page: &str| {
        let mut actions: Vec<String> = page
            .split("name=\"action\" value=\"")
            .skip(1)
            .filter_map(|rest| rest.split('"').next().map(str::to_owned))
            .collect();
        actions.sort();
        actions
    };
    let d = prepare(&app, Stage::AtAppraisal).await;
    let path = format!("/office/dossiers/{}", d.id);
    let (_, mt) = sign_in(&app, "lead-mt", PASSWORD).await;
    let (status, page) = get_page(&app, &path, &mt).await;
    assert_eq!(status, StatusCode::OK, "the MT lead may read the agency's dossier");
    assert_eq!(offered(&page), Vec::<String>::new(), "but act on nothing of BHD's, here DD's");
    let (_, dd) = sign_in(&app, "lead-dd", PASSWORD).await;
    let (_, page) = get_page(&app, &path, &dd).await;
    assert_eq!(
        offered(&page),
        ["forward", "reappoint", "refuse", "request_payment", "request_supplement", "send_back"],
        "the DD lead works the DD specialist's step"
    );
    let (_, director) = sign_in(&app, "director", PASSWORD).await;
    let (_, page) = get_page(&app, &path, &director).await;
    assert!(!offered(&page).contains(&"approve".to_owned()), "no approval before the decision step");
    let d = prepare(&app, Stage::AtSignature).await;
    let (_, page) = get_page(&app, &format!("/office/dossiers/{}", d.id), &director).await;
    assert!(offered(&page).contains(&"approve".to_owned()), "{:?}", offered(&page));
    let (_, page) = get_page(&app, &format!("/office/dossiers/{}", d.id), &dd).await;
    assert!(!offered(&page).contains(&"approve".to_owned()), "the DD lead does not sign for the director");
}
