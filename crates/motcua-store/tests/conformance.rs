//! The conformance suite: the whole dossier story, search, versioning and the concurrency
//! guarantees, run unchanged on SQLite and on PostgreSQL.

use std::sync::Arc;

use motcua_calendar::{TimeLimit, WorkCalendar};
use motcua_domain::catalog::Channel;
use motcua_domain::dossier::{
    Action, ApplicantInput, Context, DocumentIn, Dossier, EventDetail, State, Submission, Timeliness, Transition,
};
use motcua_domain::org::Actor;
use motcua_domain::rules::rules_for;
use motcua_domain::types::DossierCode;
use motcua_store::testing::{Fixture, TestDb, at, land_procedure_spec};
use motcua_store::{CallOutcome, DossierFilter, ProcedureQuery, Store, StoreError};
use uuid::Uuid;

macro_rules! on_every_backend {
    ($($test:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $test() {
                    super::$test(motcua_store::testing::TestDb::sqlite().await).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $test() {
                    super::$test(motcua_store::testing::TestDb::postgres().await).await;
                }
            )*
        }
    };
}

on_every_backend!(
    // OrgStore, SessionStore
    the_organisation_reads_back_as_written,
    tokens_and_sessions_sign_in_until_revoked_expired_or_the_password_changes,
    // MessageStore
    call_tasks_templates_and_preferences_keep_what_was_set,
    // JobStore
    a_run_once_job_is_claimed_once_per_agency_and_key,
    dossiers_without_facts_get_them_at_start_up_once_per_agency,
    // DossierStore, CatalogStore, QualityStore, DeliveryStore, EdgeStore
    a_dossier_goes_from_online_submission_to_returned_result,
    a_stale_update_is_refused_and_changes_nothing,
    concurrent_intake_never_allocates_the_same_code,
    of_two_concurrent_changes_to_one_dossier_exactly_one_wins,
    catalog_search_ignores_diacritics_and_ranks_names_first,
    a_dossier_keeps_the_procedure_version_in_force_when_received,
    dossier_lists_filter_and_stay_within_the_agency_scope,
    unique_values_are_reported_as_duplicates,
    facts_follow_each_change_and_feed_the_report,
    the_database_places_dossiers_in_biểu_06_as_the_domain_does,
    bulk_loaded_dossiers_read_like_dossiers_taken_at_the_counter,
    rate_limit_counts_add_up_across_servers,
    workers_claim_outbox_events_apart_and_take_over_a_dead_ones,
    // Evidence
    the_history_and_the_audit_log_cannot_be_changed_or_removed,
    a_store_is_ready_only_with_every_migration_applied,
);

fn applicant() -> ApplicantInput {
    ApplicantInput {
        kind: None,
        name: Some("Nguyễn Văn An".into()),
        citizen_id: Some("056090001234".into()),
        tax_code: None,
        phone: Some("0905 123 456".into()),
        email: Some("an@example.vn".into()),
        address: Some("12 Trần Phú, Nha Trang, Khánh Hòa".into()),
        consent: None,
    }
}

fn ctx<'a>(actor: &'a Actor, now: chrono::NaiveDateTime, cal: &'a WorkCalendar) -> Context<'a> {
    Context {
        actor,
        now,
        calendar: cal,
        new_code: None,
        max_reappoint_days: motcua_domain::dossier::DEFAULT_MAX_REAPPOINT_DAYS,
    }
}

/// Applies and stores one action; returns the stored dossier.
async fn act(store: &dyn Store, d: &Dossier, action: Action, ctx: Context<'_>) -> Dossier {
    let t = d.apply(action.clone(), &ctx).unwrap_or_else(|e| panic!("{}: {e:?}", action.name()));
    store.update_dossier(d.version, &t).await.expect("stored");
    let stored = store.dossier(d.agency_id, d.id).await.unwrap().unwrap();
    assert_eq!(stored, t.dossier);
    if let Some(code) = &stored.code {
        // Each change moves the version that tells a kept lookup answer it is out of date.
        assert_eq!(store.dossier_version_by_code(d.agency_id, code.as_str()).await.unwrap(), Some(stored.version));
        assert_ne!(stored.version, d.version);
    }
    stored
}

async fn submit_online(store: &dyn Store, fx: &Fixture, cal: &WorkCalendar, now: chrono::NaiveDateTime) -> Dossier {
    let file = motcua_domain::dossier::FileRef {
        sha256: "ab".repeat(32),
        name: "don.pdf".into(),
        content_type: "application/pdf".into(),
        size: 1000,
    };
    let sub = Submission {
        id: Uuid::now_v7(),
        channel: Channel::Online,
        applicant: applicant().parse().unwrap(),
        postal: None,
        citizen_user_id: Some(fx.citizen.user_id),
        documents: vec![DocumentIn::uploaded(Some(file.clone())), DocumentIn::uploaded(Some(file))],
        result_delivery: None,
        fees_paid: false,
        fee_reduction: None,
    };
    let t = Dossier::submit(&fx.procedure, fx.agency.code.clone(), sub, &ctx(&fx.citizen, now, cal)).unwrap();
    store.insert_dossier(&t).await.unwrap();
    store.dossier(t.dossier.agency_id, t.dossier.id).await.unwrap().unwrap()
}

async fn accept(
    store: &dyn Store,
    fx: &Fixture,
    cal: &WorkCalendar,
    d: &Dossier,
    now: chrono::NaiveDateTime,
) -> Dossier {
    let seq = store.next_sequence(fx.agency.id, now.date()).await.unwrap();
    let code = code_of(fx, now.date(), seq);
    let context = Context {
        actor: &fx.reception,
        now,
        calendar: cal,
        new_code: Some(code),
        max_reappoint_days: motcua_domain::dossier::DEFAULT_MAX_REAPPOINT_DAYS,
    };
    act(store, d, Action::Accept, context).await
}

/// The agency's dossier code numbered `seq` on `day`.
fn code_of(fx: &Fixture, day: chrono::NaiveDate, seq: u32) -> DossierCode {
    DossierCode::new(&fx.agency.code, day, seq, rules_for(day).code_sequence_width)
}

fn forward() -> Action {
    Action::Forward { note: None, assignee: None }
}

async fn a_dossier_goes_from_online_submission_to_returned_result(db: TestDb) {
    let store = db.store.as_ref();
    let fx = Fixture::seed(store).await;
    let cal = WorkCalendar::vietnam().unwrap();

    let d = submit_online(store, &fx, &cal, at(2026, 2, 11, 20, 0)).await;
    assert_eq!(d.state, State::Submitted);
    assert_eq!(d.portal_status(), 1);

    let d = accept(store, &fx, &cal, &d, at(2026, 2, 12, 9, 0)).await;
    assert_eq!(d.code.as_ref().unwrap().as_str(), "000.00.17.H34-260212-0001");
    assert_eq!(d.due_date, Some(at(2026, 3, 5, 0, 0).date()), "10 working days over Tết");
    assert_eq!(d.portal_status(), 2);
    assert_eq!(store.dossier_by_code(fx.agency.id, "000.00.17.h34-260212-0001").await.unwrap().unwrap().id, d.id);
    // Every read names the agency with the id (one shard on a sharded database): another
    // agency's name finds nothing; the citizen who submitted it finds it by their own id.
    assert!(store.dossier_by_code(fx.other_agency.id, "000.00.17.H34-260212-0001").await.unwrap().is_none());
    assert!(store.dossier(fx.other_agency.id, d.id).await.unwrap().is_none());
    assert!(store.events(fx.other_agency.id, d.id).await.unwrap().is_empty());
    assert_eq!(store.citizen_dossier(fx.citizen.user_id, d.id).await.unwrap().map(|c| c.id), Some(d.id));
    assert!(store.citizen_dossier(fx.reception.user_id, d.id).await.unwrap().is_none());

    let note = Action::Forward { note: Some("Đủ hồ sơ".into()), assignee: None };
    let d = act(store, &d, note, ctx(&fx.reception, at(2026, 2, 12, 10, 0), &cal)).await;
    assert_eq!((d.state, d.current_step), (State::Processing, Some(1)));
    assert_eq!(d.steps[0].on_time, Some(true));

    // The specialist asks for a supplement the next day; it comes back after Tết.
    let ask = Action::RequestSupplement { reason: "Thiếu bản vẽ sơ đồ thửa đất".into() };
    let d = act(store, &d, ask, ctx(&fx.specialist, at(2026, 2, 13, 9, 0), &cal)).await;
    assert_eq!((d.state, d.portal_status()), (State::AwaitingSupplement, 5));
    let back = Action::SupplementReceived { note: None };
    let d = act(store, &d, back, ctx(&fx.citizen, at(2026, 2, 23, 9, 0), &cal)).await;
    // Decree 61/118: the period restarts from the complete dossier.
    assert_eq!(d.due_date, Some(cal.due(at(2026, 2, 23, 9, 0), TimeLimit::WorkingDays(10)).unwrap().date));

    // The citizen cannot forward, nor can the counter the specialist's step.
    assert!(d.apply(forward(), &ctx(&fx.citizen, at(2026, 2, 24, 9, 0), &cal)).is_err());
    assert!(d.apply(forward(), &ctx(&fx.reception, at(2026, 2, 24, 9, 0), &cal)).is_err());

    let d = act(store, &d, forward(), ctx(&fx.specialist, at(2026, 2, 26, 9, 0), &cal)).await;
    let d = act(store, &d, forward(), ctx(&fx.unit_lead, at(2026, 2, 27, 9, 0), &cal)).await;
    let approve = Action::Approve { result_number: "123/GCN".into(), result_date: at(2026, 3, 2, 0, 0).date() };
    let d = act(store, &d, approve, ctx(&fx.agency_lead, at(2026, 3, 2, 9, 0), &cal)).await;
    assert_eq!((d.state, d.portal_status(), d.current_step), (State::ResultReady, 9, Some(4)));
    let give = Action::ReturnResult { channel: Channel::Counter, postal: None };
    let d = act(store, &d, give, ctx(&fx.reception, at(2026, 3, 3, 8, 0), &cal)).await;
    assert_eq!((d.state, d.portal_status()), (State::Returned, 10));
    assert_eq!(d.timeliness, Some(Timeliness::Early));
    assert!(d.steps.iter().all(|s| s.finished_at.is_some()));

    // One immutable event and one outbox message per change, in order.
    let events = store.events(d.agency_id, d.id).await.unwrap();
    let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "submitted",
            "accept",
            "forward",
            "request_supplement",
            "supplement_received",
            "forward",
            "forward",
            "approve",
            "return_result"
        ]
    );
    assert_eq!(
        events.last().unwrap().data.detail,
        EventDetail::ReturnResult { channel: Channel::Counter, timeliness: Timeliness::Early }
    );
    assert_eq!(events.last().unwrap().data.to_json()["timeliness"], "early");
    let outbox = store.outbox(d.agency_id, d.id).await.unwrap();
    assert_eq!(outbox.len(), events.len());
    assert_eq!(outbox[1].kind, "dossier.accept");
    // Each outbox row refers to its event, which the worker reads back typed.
    assert!(outbox.iter().zip(&events).all(|(m, e)| m.event_id == Some(e.id)));
    let ids: Vec<Uuid> = outbox.iter().filter_map(|m| m.event_id).collect();
    assert!(store.events_by_id(fx.other_agency.id, &ids).await.unwrap().is_empty());
    let mut read = store.events_by_id(d.agency_id, &ids).await.unwrap();
    read.sort_by_key(|e| (e.at, e.id));
    assert_eq!(read, events);
    let EventDetail::Accept { code, .. } = &events[1].data.detail else { panic!("{:?}", events[1]) };
    assert_eq!(code.to_string(), "000.00.17.H34-260212-0001");
}

async fn a_stale_update_is_refused_and_changes_nothing(db: TestDb) {
    let store = db.store.as_ref();
    let fx = Fixture::seed(store).await;
    let cal = WorkCalendar::vietnam().unwrap();
    let d = submit_online(store, &fx, &cal, at(2026, 3, 2, 9, 0)).await;
    let d2 = accept(store, &fx, &cal, &d, at(2026, 3, 2, 10, 0)).await;
    // Someone still holding version 1 tries to refuse it.
    let refuse = Action::RefuseIntake { reason: "Sai thẩm quyền".into() };
    let stale = d.apply(refuse, &ctx(&fx.reception, at(2026, 3, 2, 11, 0), &cal)).unwrap();
    assert!(matches!(store.update_dossier(d.version, &stale).await, Err(StoreError::Conflict)));
    assert_eq!(store.dossier(d.agency_id, d.id).await.unwrap().unwrap(), d2);
    assert_eq!(store.events(d.agency_id, d.id).await.unwrap().len(), 2);
    assert_eq!(store.outbox(d.agency_id, d.id).await.unwrap().len(), 2);
}

async fn concurrent_intake_never_allocates_the_same_code(db: TestDb) {
    let store: Arc<dyn Store> = db.store.clone();
    let fx = Fixture::seed(store.as_ref()).await;
    let day = at(2026, 3, 2, 0, 0).date();
    let mut tasks = Vec::new();
    for _ in 0..40 {
        let store = store.clone();
        let agency = fx.agency.id;
        tasks.push(tokio::spawn(async move { store.next_sequence(agency, day).await.unwrap() }));
    }
    let mut got = Vec::new();
    for t in tasks {
        got.push(t.await.unwrap());
    }
    got.sort();
    assert_eq!(got, (1..=40).collect::<Vec<u32>>());
    // Another day, another agency: their own sequences.
    assert_eq!(store.next_sequence(fx.agency.id, day.succ_opt().unwrap()).await.unwrap(), 1);
    assert_eq!(store.next_sequence(fx.other_agency.id, day).await.unwrap(), 1);

    // Counter intakes take the day's number and the receipt's together, with the dossier: 12 at
    // once get 12 different codes and receipt numbers, in step, none lost or shared.
    let cal = Arc::new(WorkCalendar::vietnam().unwrap());
    let counter_day = at(2026, 3, 4, 9, 0);
    let mut tasks = Vec::new();
    for _ in 0..12 {
        let (store, fx, cal) = (store.clone(), fx.clone(), cal.clone());
        tasks.push(tokio::spawn(async move {
            let make = |seq: u32, line: u32| counter_intake(&fx, &cal, counter_day, seq).map(|t| t.numbered(line));
            store.insert_numbered_dossier(fx.agency.id, counter_day.date(), &make).await.unwrap().unwrap().dossier
        }));
    }
    let mut numbered = Vec::new();
    for t in tasks {
        let d = t.await.unwrap();
        let stored = store.dossier(d.agency_id, d.id).await.unwrap().unwrap();
        assert_eq!(stored, d);
        numbered.push((d.code.unwrap().to_string(), d.register_no.unwrap()));
    }
    numbered.sort();
    let codes: Vec<String> = numbered.iter().map(|(c, _)| c.clone()).collect();
    let expected: Vec<String> = (1..=12).map(|seq| code_of(&fx, counter_day.date(), seq).to_string()).collect();
    assert_eq!(codes, expected);
    let mut lines: Vec<u32> = numbered.iter().map(|(_, n)| *n).collect();
    lines.sort();
    assert_eq!(lines, (1..=12).collect::<Vec<u32>>());
    // A dossier the domain refuses takes no number: the next one gets the number it would have had.
    let refuse = |_: u32, _: u32| Err(motcua_domain::DomainError::field("applicant", "refused"));
    let refused = store.insert_numbered_dossier(fx.agency.id, counter_day.date(), &refuse).await.unwrap();
    assert!(refused.is_err());
    let make = |seq: u32, line: u32| counter_intake(&fx, &cal, counter_day, seq).map(|t| t.numbered(line));
    let next = store.insert_numbered_dossier(fx.agency.id, counter_day.date(), &make).await.unwrap().unwrap();
    assert_eq!(next.dossier.code.unwrap().to_string(), code_of(&fx, counter_day.date(), 13).to_string());
    assert_eq!(next.dossier.register_no, Some(13));
}

/// A dossier taken in at the counter at `now` with the day's number `seq`.
fn counter_intake(
    fx: &Fixture,
    cal: &WorkCalendar,
    now: chrono::NaiveDateTime,
    seq: u32,
) -> Result<Transition, motcua_domain::DomainError> {
    let sub = Submission {
        id: Uuid::now_v7(),
        channel: Channel::Counter,
        applicant: applicant().parse().unwrap(),
        postal: None,
        citizen_user_id: None,
        documents: (0..fx.procedure.spec.documents.len())
            .map(|_| DocumentIn { received: true, form: None, files: vec![] })
            .collect(),
        result_delivery: None,
        fees_paid: false,
        fee_reduction: None,
    };
    let context = Context { new_code: Some(code_of(fx, now.date(), seq)), ..ctx(&fx.reception, now, cal) };
    Dossier::take_in(&fx.procedure, fx.agency.code.clone(), sub, &context)
}

async fn of_two_concurrent_changes_to_one_dossier_exactly_one_wins(db: TestDb) {
    let store: Arc<dyn Store> = db.store.clone();
    let fx = Fixture::seed(store.as_ref()).await;
    let cal = WorkCalendar::vietnam().unwrap();
    let d = submit_online(store.as_ref(), &fx, &cal, at(2026, 3, 2, 9, 0)).await;
    let d = accept(store.as_ref(), &fx, &cal, &d, at(2026, 3, 2, 10, 0)).await;
    let forward = d.apply(forward(), &ctx(&fx.reception, at(2026, 3, 2, 11, 0), &cal)).unwrap();
    let withdraw = Action::Withdraw { reason: "Không có nhu cầu".into() };
    let withdraw = d.apply(withdraw, &ctx(&fx.citizen, at(2026, 3, 2, 11, 0), &cal)).unwrap();
    let transitions: Vec<Transition> = vec![forward, withdraw];
    let mut tasks = Vec::new();
    for t in transitions {
        let store = store.clone();
        let version = d.version;
        tasks.push(tokio::spawn(async move { store.update_dossier(version, &t).await.map(|_| t.dossier.state) }));
    }
    let mut won = Vec::new();
    let mut conflicts = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(state) => won.push(state),
            Err(StoreError::Conflict) => conflicts += 1,
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!((won.len(), conflicts), (1, 1));
    let stored = store.dossier(d.agency_id, d.id).await.unwrap().unwrap();
    assert_eq!(stored.state, won[0]);
    assert_eq!(store.events(d.agency_id, d.id).await.unwrap().len(), 3);
}

async fn catalog_search_ignores_diacritics_and_ranks_names_first(db: TestDb) {
    let store = db.store.as_ref();
    let fx = Fixture::seed(store).await;
    for (code, name, field, result) in [
        ("2.001", "Cấp giấy phép môi trường", "MT", "Giấy phép môi trường"),
        ("2.002", "Thẩm định báo cáo đánh giá tác động môi trường", "MT", "Quyết định phê duyệt"),
        ("2.003", "Cung cấp thông tin, dữ liệu đất đai", "DD", "Thông tin đất đai"),
        ("2.004", "Cấp giấy phép khai thác nước mặt", "TNN", "Giấy phép; đất đai không liên quan"),
    ] {
        let mut spec = land_procedure_spec();
        spec.code = code.into();
        spec.name = name.into();
        spec.field = field.into();
        spec.result = result.into();
        store.publish_procedure(fx.agency.id, &spec, "", at(2026, 3, 1, 9, 0)).await.unwrap();
    }
    let search = |q: &str, field: Option<&str>| ProcedureQuery {
        q: Some(q.into()),
        field: field.map(str::to_owned),
        page: 1,
        page_size: 20,
        ..Default::default()
    };
    let names = |page: motcua_store::Page<motcua_domain::catalog::ProcedureVersion>| {
        page.items.into_iter().map(|v| v.spec.name).collect::<Vec<_>>()
    };
    let found = store.search_procedures(&search("dat dai", None)).await.unwrap();
    assert_eq!(found.total, 3);
    let found = names(found);
    // The name holding the phrase first; then those matching through their field or result.
    assert_eq!(found[0], "Cung cấp thông tin, dữ liệu đất đai");
    assert!(found.contains(&"Cấp giấy phép khai thác nước mặt".to_owned()), "matches its result");
    assert_eq!(names(store.search_procedures(&search("ĐẤT ĐAI", Some("DD"))).await.unwrap()).len(), 2);
    let env = names(store.search_procedures(&search("moi truong giay phep", None)).await.unwrap());
    assert_eq!(env, ["Cấp giấy phép môi trường"]);
    assert_eq!(store.search_procedures(&search("khong co gi", None)).await.unwrap().total, 0);
    let second = ProcedureQuery { page: 2, page_size: 2, ..Default::default() };
    let paged = store.search_procedures(&second).await.unwrap();
    assert_eq!((paged.total, paged.items.len()), (5, 2));
    // Filters by level and online service type.
    let partial = ProcedureQuery {
        online: Some("partial".into()),
        level: Some("province".into()),
        page: 1,
        page_size: 20,
        ..Default::default()
    };
    assert_eq!(store.search_procedures(&partial).await.unwrap().total, 5);
    let full = ProcedureQuery { online: Some("full".into()), page: 1, page_size: 20, ..Default::default() };
    assert_eq!(store.search_procedures(&full).await.unwrap().total, 0);
}

async fn a_dossier_keeps_the_procedure_version_in_force_when_received(db: TestDb) {
    let store = db.store.as_ref();
    let fx = Fixture::seed(store).await;
    let cal = WorkCalendar::vietnam().unwrap();
    let d = submit_online(store, &fx, &cal, at(2026, 3, 2, 9, 0)).await;
    let mut amended = land_procedure_spec();
    amended.time_limit = TimeLimit::WorkingDays(8);
    amended.steps[1].budget = TimeLimit::WorkingDays(5);
    let v2 = store.publish_procedure(fx.agency.id, &amended, "Đất đai", at(2026, 3, 2, 11, 30)).await.unwrap();
    assert_eq!((v2.version, v2.procedure_id), (2, fx.procedure.procedure_id));
    // The quality indices read every version with the instant it was published.
    let history = store.procedure_history(fx.agency.id).await.unwrap();
    let seen: Vec<_> = history.iter().map(|(v, at)| (v.version, *at)).collect();
    assert_eq!(seen, [(1, at(2022, 1, 12, 8, 0)), (2, at(2026, 3, 2, 11, 30))]);
    assert!(store.procedure_history(fx.other_agency.id).await.unwrap().is_empty());
    assert_eq!(store.procedure("1.004227").await.unwrap().unwrap().id, v2.id);
    // Intake's one read: the version in force with its agency and the agency's calendar file.
    let (v, agency, calendar) =
        store.procedure_with_agency_at("1.004227", at(2026, 3, 3, 0, 0).date()).await.unwrap().unwrap();
    assert_eq!((v.id, agency.id, agency.code.clone(), calendar), (v2.id, fx.agency.id, fx.agency.code.clone(), None));
    assert_eq!(agency, store.agency(fx.agency.id).await.unwrap().unwrap());
    let before = store.procedure_with_agency_at("1.004227", at(2021, 1, 1, 0, 0).date()).await.unwrap();
    assert!(before.is_none(), "no version was in force in 2021");
    assert!(store.procedure_with_agency_at("9.999999", at(2026, 3, 3, 0, 0).date()).await.unwrap().is_none());
    assert_eq!(store.procedure_versions(v2.procedure_id).await.unwrap().len(), 2);
    let d = accept(store, &fx, &cal, &d, at(2026, 3, 2, 10, 0)).await;
    assert_eq!(d.procedure_version_id, fx.procedure.id);
    assert_eq!(d.due_date, Some(cal.add_working_days(at(2026, 3, 2, 0, 0).date(), 10).unwrap()));
    // Only the current version is searched.
    let query = ProcedureQuery { q: Some("bien dong".into()), page: 1, page_size: 10, ..Default::default() };
    let all = store.search_procedures(&query).await.unwrap();
    assert_eq!(all.total, 1);
    assert_eq!(all.items[0].version, 2);
}

async fn dossier_lists_filter_and_stay_within_the_agency_scope(db: TestDb) {
    let store = db.store.as_ref();
    let fx = Fixture::seed(store).await;
    let cal = WorkCalendar::vietnam().unwrap();
    let a = submit_online(store, &fx, &cal, at(2026, 3, 2, 8, 0)).await;
    let a = accept(store, &fx, &cal, &a, at(2026, 3, 2, 9, 0)).await;
    let b = submit_online(store, &fx, &cal, at(2026, 3, 3, 8, 0)).await;
    let b = accept(store, &fx, &cal, &b, at(2026, 3, 3, 9, 0)).await;
    let assign = Action::Forward { note: None, assignee: Some(fx.specialist.user_id) };
    let b = act(store, &b, assign, ctx(&fx.reception, at(2026, 3, 3, 10, 0), &cal)).await;
    let _c = submit_online(store, &fx, &cal, at(2026, 3, 4, 8, 0)).await;

    let base = DossierFilter { agencies: vec![fx.agency.id], page: 1, page_size: 50, ..Default::default() };
    let count = |f: DossierFilter| async move { store.list_dossiers(&f).await.unwrap().total };
    assert_eq!(count(base.clone()).await, 3);
    assert_eq!(count(DossierFilter { state: Some(State::Submitted), ..base.clone() }).await, 1);
    assert_eq!(count(DossierFilter { unit: Some("DD".into()), ..base.clone() }).await, 1);
    assert_eq!(count(DossierFilter { assignee: Some(fx.specialist.user_id), ..base.clone() }).await, 1);
    assert_eq!(count(DossierFilter { channel: Some(Channel::Counter), ..base.clone() }).await, 0);
    let day = at(2026, 3, 3, 0, 0).date();
    assert_eq!(count(DossierFilter { received_from: Some(day), received_to: Some(day), ..base.clone() }).await, 1);
    // Due by a's due instant: a only; overdue just after it: a only; a day later: both.
    assert!(b.due_at > a.due_at);
    assert_eq!(count(DossierFilter { due_before: a.due_at, ..base.clone() }).await, 1);
    let after_a = a.due_at.unwrap() + chrono::Duration::hours(8);
    assert_eq!(count(DossierFilter { overdue_at: Some(after_a), ..base.clone() }).await, 1);
    let after_b = b.due_at.unwrap() + chrono::Duration::hours(8);
    assert_eq!(count(DossierFilter { overdue_at: Some(after_b), ..base.clone() }).await, 2);
    // The other agency sees none of them; an empty scope sees nothing; the citizen sees their own.
    assert_eq!(count(DossierFilter { agencies: vec![fx.other_agency.id], ..base.clone() }).await, 0);
    assert_eq!(count(DossierFilter { agencies: vec![], ..base.clone() }).await, 0);
    let mine = DossierFilter {
        citizen_user_id: Some(fx.citizen.user_id),
        agencies: vec![fx.agency.id, fx.other_agency.id],
        ..base.clone()
    };
    assert_eq!(count(mine).await, 3);
    let page = store.list_dossiers(&DossierFilter { page: 2, page_size: 2, ..base }).await.unwrap();
    assert_eq!((page.total, page.items.len()), (3, 1));
}

async fn unique_values_are_reported_as_duplicates(db: TestDb) {
    let store = db.store.as_ref();
    let fx = Fixture::seed(store).await;
    let again = store.insert_agency(&fx.agency, None).await;
    assert!(matches!(again, Err(StoreError::Duplicate(_))), "{again:?}");
    let user = store.user(fx.reception.user_id).await.unwrap().unwrap();
    let copy = motcua_store::UserRecord { id: Uuid::now_v7(), ..user };
    assert!(matches!(store.insert_user(&copy).await, Err(StoreError::Duplicate(_))));
    assert!(store.ping().await.is_ok());
}

/// Every change keeps the dossier's facts in step (same transaction); the report of a period
/// reads them, with evaluations, and counts the same on both backends.
async fn facts_follow_each_change_and_feed_the_report(db: TestDb) {
    use motcua_domain::evaluation::{EvaluationInput, Overall};
    use motcua_quality::report06::{self, Column};
    let store = db.store.as_ref();
    let fx = Fixture::seed(store).await;
    let [done, twice, _] = fx.three_dossiers(store).await;

    let window = motcua_quality::Period::parse("2026-03").unwrap().report_window();
    let facts = store.facts(&[fx.agency.id], window.start(), window.end(), false).await.unwrap();
    assert_eq!(facts.len(), 3);
    let of = |id| facts.iter().find(|f| f.dossier_id == id).unwrap();
    let first = of(done.id);
    assert_eq!(first.field, "Đất đai");
    assert_eq!(first.unit.as_deref(), Some("DD"));
    assert_eq!(first.due_at, Some(at(2026, 3, 6, 0, 0)), "24:00 of 05/03");
    assert_eq!(first.finished_at, Some(at(2026, 2, 17, 9, 0)));
    assert_eq!(first.steps.len(), 5, "every step finished, the return included");
    assert_eq!(first.steps[1].officer, Some(fx.specialist.user_id));
    let second = of(twice.id);
    let asked = [(at(2026, 2, 13, 9, 0), Some(at(2026, 2, 16, 9, 0))), (at(2026, 2, 17, 9, 0), None)];
    assert_eq!(second.supplements, asked);
    // Supplement time is excluded: under the 2025 rules the time limit restarts once the supplement
    // is in (16/02, during the Tết break), so the due instant moved from 24:00 05/03 to 24:00 09/03.
    assert_eq!(second.due_at, Some(at(2026, 3, 10, 0, 0)));
    assert_eq!(second.judge(at(2026, 3, 9, 16, 0)), motcua_domain::dossier::Finish::Late, "but asked twice");
    // March (15/02–14/03): all three carried over from February; the first resolved early (17/02);
    // two pending at the cut-off, both overdue: one asked twice for a supplement, one untouched
    // past 05/03.
    let r = report06::report(&facts, &window);
    assert_eq!(Column::ALL.map(|c| r.total.get(c)), [3, 0, 0, 3, 1, 1, 0, 0, 2, 0, 2]);
    assert_eq!(counted_report(store, fx.agency.id, &window).await, r, "the database counts the same");
    let feb = motcua_quality::Period::parse("2026-02").unwrap().report_window();
    let facts = store.facts(&[fx.agency.id], feb.start(), feb.end(), false).await.unwrap();
    let r = report06::report(&facts, &feb);
    assert_eq!(counted_report(store, fx.agency.id, &feb).await, r, "the database counts the same");
    // February (15/01–14/02): three received at the counter, none resolved yet, all within time —
    // the second supplement request (17/02) came after the cut-off and does not count.
    assert_eq!(Column::ALL.map(|c| r.total.get(c)), [3, 0, 3, 0, 0, 0, 0, 0, 3, 3, 0]);
    // Received-only: the same three in February's window, none in March's.
    assert_eq!(store.facts(&[fx.agency.id], feb.start(), feb.end(), true).await.unwrap().len(), 3);
    assert!(store.facts(&[fx.agency.id], window.start(), window.end(), true).await.unwrap().is_empty());
    assert!(store.facts(&[fx.other_agency.id], feb.start(), feb.end(), false).await.unwrap().is_empty(), "scope");

    // The applicant's evaluation: once finished; changed within the days allowed; read back.
    let input = EvaluationInput { overall: Some("satisfied".into()), attitude: Some("2".into()), ..Default::default() };
    assert!(input.evaluate(&twice, None, "lookup", at(2026, 2, 18, 10, 0), 7).is_err(), "not finished");
    let e = input.evaluate(&done, None, "lookup", at(2026, 2, 18, 10, 0), 7).unwrap();
    store.save_evaluation(&e).await.unwrap();
    let changed = EvaluationInput {
        overall: Some("not_satisfied".into()),
        comment: Some("Chờ lâu".into()),
        ..Default::default()
    }
    .evaluate(&done, Some(&e), "link", at(2026, 2, 20, 10, 0), 7)
    .unwrap();
    store.save_evaluation(&changed).await.unwrap();
    let back = store.evaluation(done.agency_id, done.id).await.unwrap().unwrap();
    assert_eq!(
        (back.overall, back.created_at, back.comment.as_deref()),
        (Overall::NotSatisfied, at(2026, 2, 18, 10, 0), Some("Chờ lâu"))
    );
    assert!(changed.answers.attitude.is_none(), "the change replaced the answers");
    let late_change = EvaluationInput { overall: Some("satisfied".into()), ..Default::default() };
    assert!(late_change.evaluate(&done, Some(&back), "link", at(2026, 2, 26, 10, 1), 7).is_err(), "after 7 days");
    let bad = EvaluationInput { overall: Some("so-so".into()), time: Some("5".into()), ..Default::default() };
    let err = bad.evaluate(&done, None, "lookup", at(2026, 2, 18, 10, 0), 7).unwrap_err();
    assert!(matches!(err, motcua_domain::DomainError::Invalid(ref f) if f.len() == 2), "{err:?}");
    let evaluations = store.evaluations(&[fx.agency.id], feb.start(), feb.end(), false).await.unwrap();
    assert_eq!(evaluations.len(), 1);
}

/// Biểu 06 as the database counts it (`report06_counts`).
async fn counted_report(
    store: &dyn Store,
    agency: Uuid,
    w: &motcua_quality::Window,
) -> motcua_quality::report06::Report06 {
    use motcua_quality::report06::{self, Column};
    let counts = store.report06_counts(&[agency], w.start(), w.end()).await.unwrap();
    let rows: Vec<_> = counts
        .into_iter()
        .map(|c| {
            let p = report06::Placement {
                received: Column::named(&c.received).unwrap(),
                outcome: Column::named(&c.outcome).unwrap(),
            };
            (c.field, c.unit, p, c.count as u64)
        })
        .collect();
    report06::from_counts(&rows)
}

/// `report06_counts` writes the domain's judgement in SQL: on 3,000 random dossiers around the
/// windows' edges (supplements requested once or twice, met or still open, finished or not), the
/// database's counts and the domain's placement agree for several windows, on both backends.
async fn the_database_places_dossiers_in_biểu_06_as_the_domain_does(db: TestDb) {
    use chrono::Duration as D;
    use motcua_domain::dossier::DossierFacts;
    use motcua_quality::report06::{self, Column};
    let store = db.store.as_ref();
    let fx = Fixture::seed(store).await;
    let mut seed: u64 = 42;
    let mut next = move |n: u64| {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (seed >> 33) % n
    };
    let start = at(2026, 1, 1, 0, 0);
    let fields = ["Đất đai", "Môi trường", "Khoáng sản"];
    let facts: Vec<DossierFacts> = (0..3000)
        .map(|i| {
            let received = start + D::minutes(next(150 * 24 * 60) as i64);
            let due = (received + D::days(3 + next(25) as i64)).date().and_hms_opt(0, 0, 0).unwrap();
            let mut supplements = Vec::new();
            let mut t = received + D::hours(1 + next(200) as i64);
            for _ in 0..next(3) {
                let met = (next(3) > 0).then(|| t + D::hours(1 + next(300) as i64));
                supplements.push((t, met));
                match met {
                    Some(m) => t = m + D::hours(1 + next(100) as i64),
                    None => break,
                }
            }
            let open = supplements.last().is_some_and(|s| s.1.is_none());
            let finished = (!open && next(4) > 0).then(|| due + D::hours(next(24 * 20) as i64) - D::days(10));
            DossierFacts {
                dossier_id: Uuid::now_v7(),
                agency_id: fx.agency.id,
                code: Some(format!("T-{i}")),
                procedure_code: "1.004227".into(),
                field: fields[next(3) as usize].into(),
                unit: Some(["DD", "VP"][next(2) as usize].into()),
                channel: [Channel::Counter, Channel::Online, Channel::Postal][next(3) as usize],
                state: if finished.is_some() { State::Returned } else { State::Processing },
                received_at: Some(received),
                due_at: Some(due),
                finished_at: finished.map(|f| f.max(received + D::hours(1))),
                supplements,
                reappointed: false,
                fees: 0,
                result_electronic: next(2) == 0,
                documents_digitised: next(3) > 0,
                returned_online: false,
                steps: vec![],
            }
        })
        .collect();
    motcua_store::bulk::load_facts(&db.url, fx.procedure.procedure_id, &facts).await.unwrap();
    // One dossier in six evaluated, each answer in turn (Decision 766 counts the unsatisfied).
    for (i, f) in facts.iter().enumerate().filter(|(i, _)| i % 6 == 0) {
        let evaluation = motcua_domain::evaluation::Evaluation {
            dossier_id: f.dossier_id,
            agency_id: f.agency_id,
            overall: motcua_domain::evaluation::Overall::ALL[i / 6 % 3],
            answers: Default::default(),
            comment: None,
            channel: "lookup".into(),
            created_at: start,
            updated_at: start,
        };
        store.save_evaluation(&evaluation).await.unwrap();
    }
    let agree = |label: &'static str| async move {
        for period in ["2026-02", "2026-03", "2026-04", "2026-Q1", "2026-H1"] {
            let closed = motcua_quality::Period::parse(period).unwrap().report_window();
            // The same period taken while it runs: whole days, then part of a day.
            let provisional = closed.as_of(closed.start() + D::days(20) + D::minutes(617));
            for w in [closed, provisional] {
                let stored = store.facts(&[fx.agency.id], w.start(), w.end(), false).await.unwrap();
                let by_domain = report06::report(&stored, &w);
                let by_database = counted_report(store, fx.agency.id, &w).await;
                assert_eq!(by_database, by_domain, "{label}: {}", w.label());
                if !w.provisional() {
                    assert!(by_domain.total.get(Column::Received) > 100, "{period}: a real sample");
                    assert!(by_domain.total.get(Column::Overdue) > 0 && by_domain.total.get(Column::Late) > 0);
                }
                let late = store
                    .report06_facts(&[fx.agency.id], (w.start(), w.end()), &["late", "overdue"], (None, None), 100_000)
                    .await
                    .unwrap();
                let expected = report06::behind(&stored, &w, Column::Late, None, None).len()
                    + report06::behind(&stored, &w, Column::Overdue, None, None).len();
                assert_eq!(late.len(), expected, "{period}");
                // Decision 766's per-dossier counts, by the database and by the quality crate.
                let received = store.facts(&[fx.agency.id], w.start(), w.end(), true).await.unwrap();
                let evaluations = store
                    .evaluations(&[fx.agency.id], w.start(), w.end(), true)
                    .await
                    .unwrap()
                    .into_iter()
                    .map(|e| (e.dossier_id, e.overall))
                    .collect();
                let by_quality =
                    motcua_quality::index766::DossierTally::of(&received, w.end(), &evaluations, &Default::default());
                let by_database = store.index766_tally(&[fx.agency.id], w.start(), w.end()).await.unwrap();
                assert_eq!(by_database, by_quality, "{label}: Decision 766, {}", w.label());
                if !w.provisional() && period.len() == 7 {
                    let t = &by_quality;
                    assert!(t.overdue > 0 && t.dissatisfied > 0 && t.finished_electronic > 0 && t.online > 0, "{t:?}");
                    assert!(t.neither < t.received && t.digitised < t.received && !t.online_codes.is_empty(), "{t:?}");
                }
            }
        }
    };
    agree("as loaded").await;
    // The day counts follow every change of the facts: dossiers finished, reopened, their due
    // dates moved, their facts removed.
    raw(&db.url, "update dossier_facts set finished_at = due_at where finished_at is null and code like 'T-1%'").await;
    raw(&db.url, "update dossier_facts set finished_at = null where finished_at is not null and code like 'T-2%'")
        .await;
    raw(&db.url, "update dossier_facts set due_at = received_at where code like 'T-3%'").await;
    assert!(raw(&db.url, "delete from dossier_facts where code like 'T-4%'").await > 100);
    agree("after changes").await;
}

/// The benchmarks' bulk loader writes what the lookup, the lists and the reports read: a
/// dossier found by its code with its events, in the unit's list, with its facts.
async fn bulk_loaded_dossiers_read_like_dossiers_taken_at_the_counter(db: TestDb) {
    use motcua_domain::types::DossierCode;
    use motcua_store::bulk::{self, BulkDossier};
    let store = db.store.as_ref();
    let fx = Fixture::seed(store).await;
    let template = fx.accepted_dossier(store, at(2026, 3, 2, 9, 0), "0905123456", None).await;
    let rows: Vec<BulkDossier> = (0..60)
        .map(|i| {
            let mut d = template.clone();
            d.id = Uuid::now_v7();
            d.code = Some(DossierCode::new(&fx.agency.code, at(2026, 3, 1, 0, 0).date(), 100 + i, 4));
            if i % 2 == 0 {
                d.state = State::Returned;
                d.finished_at = Some(at(2026, 3, 10, 15, 0));
                d.returned_at = d.finished_at;
            }
            let mut facts = d.facts();
            facts.unit = Some("DD".into());
            facts.field = "Đất đai".into();
            facts.supplements = vec![(at(2026, 3, 3, 9, 0), Some(at(2026, 3, 5, 9, 0)))];
            BulkDossier { dossier: d, facts }
        })
        .collect();
    bulk::load(&db.url, fx.procedure.procedure_id, &rows).await.unwrap();
    bulk::analyze(&db.url).await.unwrap();
    assert!(bulk::size_bytes(&db.url).await.unwrap() > 0);

    let code = rows[2].dossier.code.as_ref().unwrap().to_string();
    let found = store.dossier_by_code(fx.agency.id, &code).await.unwrap().expect("found by its code");
    assert_eq!(found, rows[2].dossier);
    let kinds: Vec<_> =
        store.events(found.agency_id, found.id).await.unwrap().into_iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["accept", "return_result"]);
    let open = store.events(fx.agency.id, rows[1].dossier.id).await.unwrap();
    assert_eq!(open.len(), 1, "an open dossier has only its acceptance");
    let (same, events) =
        store.dossier_and_events_by_code(fx.agency.id, &code.to_lowercase()).await.unwrap().expect("one round trip");
    assert_eq!((same, events), (found.clone(), store.events(found.agency_id, found.id).await.unwrap()));
    assert!(store.dossier_and_events_by_code(fx.agency.id, "000.00.17.H34-260301-9999").await.unwrap().is_none());
    let version = store.dossier_version_by_code(fx.agency.id, &code.to_lowercase()).await.unwrap();
    assert_eq!(version, Some(found.version));
    assert_eq!(store.dossier_version_by_code(fx.other_agency.id, &code).await.unwrap(), None, "another agency's");
    assert_eq!(store.dossier_version_by_code(fx.agency.id, "000.00.17.H34-260301-9999").await.unwrap(), None);

    let unit = DossierFilter {
        agencies: vec![fx.agency.id],
        unit: Some("DD".into()),
        state: Some(template.state),
        page: 1,
        page_size: 100,
        ..Default::default()
    };
    assert_eq!(store.list_dossiers(&unit).await.unwrap().total, 30, "the open half, in the unit's list");
    let w = motcua_quality::Period::parse("2026-03").unwrap().calendar();
    let facts = store.facts(&[fx.agency.id], w.start(), w.end(), true).await.unwrap();
    let loaded = facts.iter().find(|f| f.dossier_id == rows[0].dossier.id).expect("facts loaded");
    assert_eq!(loaded, &rows[0].facts);
}

/// Each server adds its hits in batches; the shared count is the sum of every server's.
async fn rate_limit_counts_add_up_across_servers(db: TestDb) {
    let store = db.store.as_ref();
    assert_eq!(store.rate_limit_add("1.2.3.4|/api/v1/lookup", 600, 5).await.unwrap(), 5);
    assert_eq!(store.rate_limit_add("1.2.3.4|/api/v1/lookup", 600, 7).await.unwrap(), 12);
    assert_eq!(store.rate_limit_add("5.6.7.8|/api/v1/lookup", 600, 1).await.unwrap(), 1, "keys apart");
    assert_eq!(store.rate_limit_add("1.2.3.4|/api/v1/lookup", 660, 1).await.unwrap(), 1, "a new window");
    assert!(store.rate_limit_hit("login|an", 600, 2).await.unwrap());
    assert!(store.rate_limit_hit("login|an", 600, 2).await.unwrap());
    assert!(!store.rate_limit_hit("login|an", 600, 2).await.unwrap());
}

/// Several workers at once: each outbox event is taken by one of them; one that dies leaves its
/// events to the others once its lease runs out; an expanded event is never taken again.
async fn workers_claim_outbox_events_apart_and_take_over_a_dead_ones(db: TestDb) {
    let fx = Fixture::seed(db.store.as_ref()).await;
    let cal = WorkCalendar::vietnam().unwrap();
    let now = at(2026, 3, 2, 9, 0);
    for i in 0..30 {
        submit_online(db.store.as_ref(), &fx, &cal, now + chrono::Duration::seconds(i)).await;
    }
    let lease = now + chrono::Duration::minutes(2);
    let agency = fx.agency.id;
    // Another agency's claim finds none of them.
    assert!(db.store.claim_outbox(fx.other_agency.id, now, lease, 100).await.unwrap().is_empty());
    // Four workers claim at the same instant, on their own connections (PostgreSQL: SKIP LOCKED;
    // SQLite: one writer at a time).
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let store = db.store.clone();
        tasks.push(tokio::spawn(async move { store.claim_outbox(agency, now, lease, 10).await.unwrap() }));
    }
    let mut seen = std::collections::HashSet::new();
    let mut claimed = Vec::new();
    for t in tasks {
        for m in t.await.unwrap() {
            assert!(seen.insert(m.id), "event {} claimed twice", m.id);
            claimed.push(m);
        }
    }
    assert_eq!(claimed.len(), 30, "every event claimed once");
    // While the leases run, nobody takes them again.
    assert!(db.store.claim_outbox(agency, now + chrono::Duration::minutes(1), lease, 100).await.unwrap().is_empty());
    // Half are expanded; the other half belonged to a worker that died.
    let (done, lost) = claimed.split_at(15);
    let expanded: Vec<(Uuid, Vec<motcua_store::NewDelivery>)> = done.iter().map(|m| (m.id, vec![])).collect();
    db.store.insert_deliveries_of(agency, &expanded, now).await.unwrap();
    let later = lease + chrono::Duration::seconds(1);
    let again = db.store.claim_outbox(agency, later, later + chrono::Duration::minutes(2), 100).await.unwrap();
    let mut again: Vec<Uuid> = again.iter().map(|m| m.id).collect();
    let mut lost: Vec<Uuid> = lost.iter().map(|m| m.id).collect();
    again.sort();
    lost.sort();
    assert_eq!(again, lost, "the dead worker's events, and only those, are taken over");
    // Oldest first.
    let ordered = db
        .store
        .claim_outbox(agency, later + chrono::Duration::hours(1), later + chrono::Duration::hours(2), 100)
        .await
        .unwrap();
    assert!(ordered.windows(2).all(|w| (w[0].created_at, w[0].id) <= (w[1].created_at, w[1].id)));
}

/// Every run-once job (a day's digest, a month's freeze) is one claim in `job_runs`: the first
/// worker to mark it wins, the others see it done; another agency or key is another job.
async fn a_run_once_job_is_claimed_once_per_agency_and_key(db: TestDb) {
    let store = db.store.as_ref();
    let fx = Fixture::seed(store).await;
    let now = at(2026, 3, 2, 7, 0);
    let agency = fx.agency.id;
    assert!(!store.job_done("digest", agency, "2026-03-02").await.unwrap());
    let (a, b) = tokio::join!(
        store.mark_job_done("digest", agency, "2026-03-02", now),
        store.mark_job_done("digest", agency, "2026-03-02", now)
    );
    assert_eq!([a.unwrap(), b.unwrap()].iter().filter(|won| **won).count(), 1, "one worker wins");
    assert!(store.job_done("digest", agency, "2026-03-02").await.unwrap());
    assert!(!store.job_done("digest", agency, "2026-03-03").await.unwrap());
    assert!(!store.job_done("freeze-bieu06", agency, "2026-03-02").await.unwrap());
    assert!(store.mark_job_done("digest", agency, "2026-03-03", now).await.unwrap());
}

/// OrgStore: agencies by id and code with their calendars, units, officers and their grants,
/// citizens by e-mail, an officer deactivated.
async fn the_organisation_reads_back_as_written(db: TestDb) {
    use motcua_domain::org::Role;
    let store = db.store.as_ref();
    let fx = Fixture::seed(store).await;
    let agency = store.agency_by_code(fx.agency.code.as_str()).await.unwrap().expect("by code");
    assert_eq!(store.agency(agency.id).await.unwrap().as_ref(), Some(&agency));
    assert!(store.agencies().await.unwrap().iter().any(|a| a.id == fx.other_agency.id));
    assert_eq!(store.agency_calendar(agency.id).await.unwrap(), None, "the national calendar");
    let toml = "[[days]]\ndate = 2026-12-31\nkind = \"holiday\"\nname = \"Nghỉ bù\"\n";
    store.set_agency_calendar(agency.id, Some(toml)).await.unwrap();
    assert_eq!(store.agency_calendar(agency.id).await.unwrap().as_deref(), Some(toml));
    assert!(!store.units(agency.id).await.unwrap().is_empty());
    let officers = store.users_of(agency.id).await.unwrap();
    let reception = officers.iter().find(|u| u.id == fx.reception.user_id).expect("an officer of the agency");
    assert!(reception.active && !reception.citizen);
    let grants = store.grants(reception.id).await.unwrap();
    assert!(grants.iter().any(|g| g.role == Role::Reception && g.agency_id == agency.id), "{grants:?}");
    assert!(store.users_of(fx.other_agency.id).await.unwrap().iter().all(|u| u.id != reception.id));
    store.set_user_active(reception.id, false).await.unwrap();
    assert!(!store.user(reception.id).await.unwrap().unwrap().active);
    let by_name = store.user_by_username(&reception.username).await.unwrap().unwrap();
    assert_eq!(by_name.id, reception.id);
    let citizen = store.user(fx.citizen.user_id).await.unwrap().unwrap();
    if let Some(email) = citizen.email.as_deref() {
        assert_eq!(store.citizen_by_email(email).await.unwrap().map(|u| u.id), Some(citizen.id));
    }
    assert_eq!(store.citizen_by_email("khong-co@example.vn").await.unwrap(), None);
}

/// SessionStore: a token and a session sign their user in until revoked, deleted or expired; a
/// new password revokes every token.
async fn tokens_and_sessions_sign_in_until_revoked_expired_or_the_password_changes(db: TestDb) {
    use motcua_store::ApiToken;
    let store = db.store.as_ref();
    let fx = Fixture::seed(store).await;
    let now = at(2026, 3, 2, 9, 0);
    let user = fx.reception.user_id;
    let token = |hash: &str, days: i64| ApiToken {
        id: Uuid::now_v7(),
        agency_id: Some(fx.agency.id),
        user_id: user,
        token_hash: hash.into(),
        name: "máy quầy 1".into(),
        expires_at: now + chrono::Duration::days(days),
    };
    let (first, second, old) = (token(&"a".repeat(64), 30), token(&"b".repeat(64), 30), token(&"c".repeat(64), -1));
    for t in [&first, &second, &old] {
        store.insert_token(t).await.unwrap();
    }
    assert_eq!(
        store.token_actor(&first.token_hash, now).await.unwrap().map(|a| (a.user_id, a.grants)),
        Some((user, fx.reception.grants.clone()))
    );
    assert_eq!(store.token_actor(&old.token_hash, now).await.unwrap(), None, "expired");
    assert_eq!(store.tokens_of(user).await.unwrap().len(), 3);
    assert!(store.revoke_token(user, first.id, now).await.unwrap());
    assert!(!store.revoke_token(fx.specialist.user_id, second.id, now).await.unwrap(), "not another's token");
    assert_eq!(store.token_actor(&first.token_hash, now).await.unwrap(), None, "revoked");
    assert!(store.token_actor(&second.token_hash, now).await.unwrap().is_some());
    store.set_password_hash(user, "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA").await.unwrap();
    assert_eq!(store.token_actor(&second.token_hash, now).await.unwrap(), None, "a new password revokes");

    let session = "d".repeat(64);
    store.insert_session(&session, user, now + chrono::Duration::hours(8)).await.unwrap();
    assert_eq!(
        store.session_actor(&session, now).await.unwrap().map(|a| (a.user_id, a.grants)),
        Some((user, fx.reception.grants.clone()))
    );
    assert_eq!(store.session_actor(&session, now + chrono::Duration::hours(9)).await.unwrap(), None, "expired");
    store.delete_session(&session).await.unwrap();
    assert_eq!(store.session_actor(&session, now).await.unwrap(), None, "signed out");
}

/// MessageStore: one call task per key, closed by its outcome; every version of an agency's
/// words, newest first; an applicant's preferences, with the defaults until set.
async fn call_tasks_templates_and_preferences_keep_what_was_set(db: TestDb) {
    use motcua_store::{CallTask, MessageTemplate, NotifyPreferences};
    let store = db.store.as_ref();
    let fx = Fixture::seed(store).await;
    let now = at(2026, 3, 2, 9, 0);
    let d = fx.accepted_dossier(store, now, "0258 3822 111", None).await;
    let task = CallTask {
        id: Uuid::now_v7(),
        agency_id: fx.agency.id,
        dossier_id: d.id,
        delivery_id: None,
        task_key: format!("{}:call", d.id),
        reason: "no_mobile".into(),
        phone: Some("02583822111".into()),
        applicant: "Nguyễn Văn An".into(),
        script: "Hồ sơ đã được tiếp nhận".into(),
        status: "open".into(),
        outcome: None,
        note: None,
        attempts: 0,
        officer_id: None,
        created_at: now,
        updated_at: now,
    };
    assert!(store.insert_call_task(&task).await.unwrap());
    assert!(!store.insert_call_task(&CallTask { id: Uuid::now_v7(), ..task.clone() }).await.unwrap(), "one per key");
    assert_eq!(store.call_tasks(fx.agency.id, true).await.unwrap().len(), 1);
    assert!(store.call_tasks(fx.other_agency.id, true).await.unwrap().is_empty());
    assert!(store.call_task(fx.other_agency.id, task.id).await.unwrap().is_none());
    store
        .record_call(
            fx.other_agency.id,
            task.id,
            &CallOutcome { outcome: "reached", note: None, officer_id: fx.reception.user_id, done: true },
            now,
        )
        .await
        .unwrap();
    assert_eq!(store.call_task(fx.agency.id, task.id).await.unwrap().unwrap().status, "open", "not another agency's");
    store
        .record_call(
            task.agency_id,
            task.id,
            &CallOutcome { outcome: "reached", note: Some("đã báo"), officer_id: fx.reception.user_id, done: true },
            now,
        )
        .await
        .unwrap();
    let done = store.call_task(task.agency_id, task.id).await.unwrap().unwrap();
    assert_eq!((done.status.as_str(), done.attempts, done.outcome.as_deref()), ("done", 1, Some("reached")));
    assert!(store.call_tasks(fx.agency.id, true).await.unwrap().is_empty());
    assert_eq!(store.call_tasks_of(d.agency_id, d.id).await.unwrap().len(), 1);

    let words = |sms: &str| MessageTemplate {
        id: Uuid::now_v7(),
        agency_id: fx.agency.id,
        event: "accept".into(),
        lang: "vi".into(),
        version: 0,
        subject: "Tiếp nhận".into(),
        body_text: "Đã tiếp nhận".into(),
        body_html: "<p>Đã tiếp nhận</p>".into(),
        sms: sms.into(),
        author_id: Some(fx.admin.user_id),
        created_at: now,
    };
    assert_eq!(store.insert_message_template(&words("lần 1")).await.unwrap().version, 1);
    assert_eq!(store.insert_message_template(&words("lần 2")).await.unwrap().version, 2);
    let kept = store.message_templates(fx.agency.id).await.unwrap();
    assert_eq!(kept.iter().map(|t| t.sms.as_str()).collect::<Vec<_>>(), ["lần 2", "lần 1"]);
    assert!(store.message_templates(fx.other_agency.id).await.unwrap().is_empty());

    let citizen = fx.citizen.user_id;
    assert_eq!(store.notify_preferences(citizen).await.unwrap(), NotifyPreferences::default());
    let chosen = NotifyPreferences { channels: "email".into(), lang: "en".into() };
    store.set_notify_preferences(citizen, &chosen).await.unwrap();
    assert_eq!(store.notify_preferences(citizen).await.unwrap(), chosen);
}

/// Runs `sql` on the test database behind the store (to stage what an old version left).
async fn raw(url: &str, sql: &str) -> i64 {
    if url.starts_with("postgres") {
        let pool = sqlx::PgPool::connect(url).await.unwrap();
        let n = sqlx::query(sqlx::AssertSqlSafe(sql.to_owned())).execute(&pool).await.unwrap().rows_affected();
        pool.close().await;
        n as i64
    } else {
        let path = url.strip_prefix("sqlite://").unwrap_or(url);
        let options = sqlx::sqlite::SqliteConnectOptions::new().filename(path);
        let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
        let n = sqlx::query(sqlx::AssertSqlSafe(sql.to_owned())).execute(&pool).await.unwrap().rows_affected();
        pool.close().await;
        n as i64
    }
}

/// Runs `sql` on the test database behind the store; the database's refusal as text.
async fn try_raw(url: &str, sql: &str) -> Result<u64, String> {
    if url.starts_with("postgres") {
        let pool = sqlx::PgPool::connect(url).await.unwrap();
        let n = sqlx::query(sqlx::AssertSqlSafe(sql.to_owned())).execute(&pool).await.map(|d| d.rows_affected());
        pool.close().await;
        n.map_err(|e| e.to_string())
    } else {
        let path = url.strip_prefix("sqlite://").unwrap_or(url);
        let options = sqlx::sqlite::SqliteConnectOptions::new().filename(path);
        let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
        let n = sqlx::query(sqlx::AssertSqlSafe(sql.to_owned())).execute(&pool).await.map(|d| d.rows_affected());
        pool.close().await;
        n.map_err(|e| e.to_string())
    }
}

/// A dossier's history and the audit log are append-only in the database itself: an UPDATE or
/// a DELETE by SQL (or a TRUNCATE on PostgreSQL) is refused and nothing changes.
async fn the_history_and_the_audit_log_cannot_be_changed_or_removed(db: TestDb) {
    let store = db.store.as_ref();
    let fx = Fixture::seed(store).await;
    let d = fx.accepted_dossier(store, at(2026, 3, 2, 9, 0), "0905123456", None).await;
    let entry = motcua_store::AuditEntry {
        agency_id: Some(fx.agency.id),
        actor_id: Some(fx.reception.user_id),
        action: "dossier_accepted".into(),
        object: format!("dossier:{}", d.id),
        at: at(2026, 3, 2, 9, 0),
        data: serde_json::json!({}),
    };
    store.audit(&entry).await.unwrap();
    let before = store.events(fx.agency.id, d.id).await.unwrap();
    assert!(!before.is_empty());
    let mut attempts = vec![
        "update dossier_events set at = at".to_owned(),
        "delete from dossier_events".to_owned(),
        "update audit_log set action = 'nothing'".to_owned(),
        "delete from audit_log".to_owned(),
    ];
    if db.url.starts_with("postgres") {
        attempts.extend(["truncate dossier_events cascade".to_owned(), "truncate audit_log".to_owned()]);
    }
    for sql in attempts {
        let refused = try_raw(&db.url, &sql).await.expect_err(&sql);
        assert!(refused.contains("append-only"), "{sql}: {refused}");
    }
    assert_eq!(store.events(fx.agency.id, d.id).await.unwrap(), before);
    // Adding stays possible.
    store.audit(&motcua_store::AuditEntry { action: "dossier_read".into(), ..entry }).await.unwrap();
}

/// Ready means the database answers and every migration this build knows is recorded; a
/// closed store is not even alive.
async fn a_store_is_ready_only_with_every_migration_applied(db: TestDb) {
    let store = db.store.as_ref();
    assert!(store.ready().await.unwrap());
    raw(&db.url, "delete from motcua_migrations where version = (select max(version) from motcua_migrations where version < 1000)").await;
    assert!(!store.ready().await.unwrap(), "the newest migration missing: not ready");
    store.close().await;
    assert!(store.ping().await.is_err() && store.ready().await.is_err());
}

/// The back-fill of facts (dossiers written before migration 6) is a run-once job per agency:
/// a start-up gives every dossier its facts row and marks the agency done; the next start-up
/// does not scan again.
async fn dossiers_without_facts_get_them_at_start_up_once_per_agency(db: TestDb) {
    let store = db.store.as_ref();
    let fx = Fixture::seed(store).await;
    let now = at(2026, 3, 2, 9, 0);
    // A new agency has nothing to back-fill: it is done from the start.
    assert!(store.job_done("facts-backfill", fx.agency.id, "6").await.unwrap());
    let d = fx.accepted_dossier(store, now, "0905123456", None).await;
    let window = (at(2026, 3, 1, 0, 0), at(2026, 3, 31, 23, 59));
    let agencies = [fx.agency.id];
    let facts = || store.facts(&agencies, window.0, window.1, true);
    assert_eq!(facts().await.unwrap().len(), 1);
    // As an old version left it: no facts row, no job done.
    assert_eq!(raw(&db.url, "delete from dossier_facts").await, 1);
    raw(&db.url, "delete from job_runs where job = 'facts-backfill'").await;
    assert!(facts().await.unwrap().is_empty());
    store.migrate().await.unwrap();
    let back = facts().await.unwrap();
    assert_eq!(back.len(), 1);
    assert_eq!(back[0].dossier_id, d.id);
    assert!(store.job_done("facts-backfill", fx.agency.id, "6").await.unwrap());
    assert!(store.job_done("facts-backfill", fx.other_agency.id, "6").await.unwrap(), "an agency without dossiers");
    // Done once: the next start-up does not look again.
    raw(&db.url, "delete from dossier_facts").await;
    store.migrate().await.unwrap();
    assert!(facts().await.unwrap().is_empty());
}
