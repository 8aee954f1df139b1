//! Every formula on a crafted dataset whose numbers were worked out by hand (in the comments):
//! Biểu 06 with its invariants, the Decision 766 indicators (dossiers and catalog, out of 100,
//! with the data not held named), the Circular 01/2018 worked example, indicators 5 and 8 and
//! the bands of each level, and the official report windows.

use std::collections::{HashMap, HashSet};

use chrono::{NaiveDate, NaiveDateTime};
use motcua_calendar::{TimeLimit, WorkCalendar};
use motcua_domain::catalog::{
    Channel, DocumentRequirement, OnlineService, ProcedureLevel, ProcedureSpec, ProcedureVersion, ProcessStep,
    Publication,
};
use motcua_domain::dossier::{DossierFacts, Finish, State, StepFact};
use motcua_domain::evaluation::Overall;
use motcua_domain::org::{AgencyLevel, Role};
use motcua_quality::catalog::{self, CatalogCounts, ProcedureFacts};
use motcua_quality::circular01::{self, DossierScores, Level};
use motcua_quality::index766::{self, Config, DossierTally, Index, Inputs, Status};
use motcua_quality::report06::{self, Column};
use motcua_quality::{Period, PeriodKind, Window};
use uuid::Uuid;

fn t(d: u32, m: u32, h: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, m, d).unwrap().and_hms_opt(h, 0, 0).unwrap()
}

/// 24:00 of the due date.
fn due(d: u32, m: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, m, d).unwrap().succ_opt().unwrap().and_hms_opt(0, 0, 0).unwrap()
}

struct F {
    name: char,
    field: &'static str,
    unit: &'static str,
    channel: Channel,
    received: Option<NaiveDateTime>,
    due: NaiveDateTime,
    finished: Option<NaiveDateTime>,
    supplements: Vec<(NaiveDateTime, Option<NaiveDateTime>)>,
}

fn facts(f: F) -> DossierFacts {
    DossierFacts {
        dossier_id: Uuid::from_u128(f.name as u128),
        agency_id: Uuid::nil(),
        code: Some(format!("HS-{}", f.name)),
        procedure_code: "1.000001".into(),
        field: f.field.into(),
        unit: Some(f.unit.into()),
        channel: f.channel,
        state: if f.finished.is_some() { State::ResultReady } else { State::Processing },
        received_at: f.received,
        due_at: Some(f.due),
        finished_at: f.finished,
        supplements: f.supplements,
        reappointed: false,
        fees: 0,
        result_electronic: false,
        documents_digitised: false,
        returned_online: false,
        steps: vec![],
    }
}

const LAND: &str = "Đất đai";
const ENV: &str = "Môi trường";

/// The March 2026 report runs from 15/02 to 14/03 (cut-off 15/03 00:00).
fn dataset() -> Vec<DossierFacts> {
    use Channel::*;
    let f = |name, field, unit, channel, received, due, finished, supplements| {
        facts(F { name, field, unit, channel, received, due, finished, supplements })
    };
    let none = Vec::new;
    let mut all = vec![
        // A: online, finished two days before its due date: early.
        f('A', LAND, "DD", Online, Some(t(20, 2, 9)), due(5, 3), Some(t(3, 3, 10)), none()),
        // B: at the counter, finished on its due date: on time.
        f('B', LAND, "DD", Counter, Some(t(16, 2, 8)), due(2, 3), Some(t(2, 3, 15)), none()),
        // C: received before the period (carried over), finished after its due date: late.
        f('C', ENV, "MT", Counter, Some(t(10, 2, 8)), due(24, 2), Some(t(26, 2, 9)), none()),
        // D: by post, open at the cut-off, due 13/03: pending and overdue.
        f('D', LAND, "DD", Postal, Some(t(1, 3, 9)), due(13, 3), None, none()),
        // E: online, open, due 20/03: pending within time.
        f('E', ENV, "MT", Online, Some(t(5, 3, 9)), due(20, 3), None, none()),
        // F: finished before the period: not in it.
        f('F', LAND, "DD", Counter, Some(t(10, 1, 9)), due(30, 1), Some(t(10, 2, 9)), none()),
        // G: received after the cut-off: not in it.
        f('G', LAND, "DD", Counter, Some(t(20, 3, 9)), due(2, 4), None, none()),
        // H: two supplement requests: late although finished before its due date.
        f(
            'H',
            LAND,
            "DD",
            Counter,
            Some(t(18, 2, 9)),
            due(10, 3),
            Some(t(1, 3, 9)),
            vec![(t(20, 2, 9), Some(t(22, 2, 9))), (t(24, 2, 9), Some(t(26, 2, 9)))],
        ),
        // I: waiting for its one supplement since 04/03, due 06/03: the request's time counts,
        //    so it is within time although the cut-off is after its due date.
        f('I', LAND, "DD", Counter, Some(t(25, 2, 9)), due(6, 3), None, vec![(t(4, 3, 9), None)]),
        // J: never accepted (refused at the counter): not in it.
        f('J', LAND, "DD", Counter, None, due(6, 3), None, none()),
        // K: judged by its first appointment (27/02) after a re-appointment: late.
        f('K', ENV, "MT", Counter, Some(t(17, 2, 9)), due(27, 2), Some(t(5, 3, 9)), none()),
    ];
    all[9].state = State::RefusedAtIntake;
    all[10].reappointed = true;
    for (i, electronic, digitised) in [(0, true, true), (1, false, true), (4, false, true), (7, true, false)] {
        all[i].result_electronic = electronic;
        all[i].documents_digitised = digitised;
    }
    all
}

fn march() -> Period {
    Period::parse("2026-03").unwrap()
}

#[test]
fn bieu_06_counts_every_column_as_worked_out_by_hand() {
    let r = report06::report(&dataset(), &march().report_window());
    use Column::*;
    let row = |line: &report06::Line| Column::ALL.map(|c| line.get(c));
    // Received 8 = online 2 (A, E) + direct 5 (B, D, H, I, K) + carried 1 (C);
    // resolved 5 = early 1 (A) + on time 1 (B) + late 3 (C, H, K); pending 3 = within 2 (E, I) + overdue 1 (D).
    assert_eq!(row(&r.total), [8, 2, 5, 1, 5, 1, 1, 3, 3, 2, 1]);
    assert!(r.total.is_consistent());
    assert_eq!(r.by_field.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(), [LAND, ENV]);
    // Đất đai: A B D H I. Môi trường: C E K.
    assert_eq!(row(&r.by_field[0].1), [5, 1, 4, 0, 3, 1, 1, 1, 2, 1, 1]);
    assert_eq!(row(&r.by_field[1].1), [3, 1, 1, 1, 2, 0, 0, 2, 1, 1, 0]);
    assert_eq!(
        r.by_unit.iter().map(|(k, l)| (k.as_str(), l.get(Received))).collect::<Vec<_>>(),
        [("DD", 5), ("MT", 3)]
    );
    assert!(r.by_field.iter().chain(&r.by_unit).all(|(_, l)| l.is_consistent()));
    assert_eq!(r.total.on_time_rate(), Some(40.0), "2 of 5 resolved early or on time");
    // The drill-down lists exactly the dossiers behind a number.
    let names = |col, field| {
        let all = dataset();
        let mut v: Vec<String> = report06::behind(&all, &march().report_window(), col, field, None)
            .iter()
            .map(|f| f.code.clone().unwrap())
            .collect();
        v.sort();
        v
    };
    assert_eq!(names(Late, None), ["HS-C", "HS-H", "HS-K"]);
    assert_eq!(names(Within, Some(LAND)), ["HS-I"]);
    assert_eq!(names(Carried, None), ["HS-C"]);
}

#[test]
fn an_empty_period_gives_zeros_not_errors() {
    let r = report06::report(&[], &march().report_window());
    assert_eq!(r.total.get(Column::Received), 0);
    assert_eq!(r.total.on_time_rate(), None);
    assert!(r.by_field.is_empty());
}

fn index(
    received: &[DossierFacts],
    window: Window,
    procedures: &[ProcedureFacts],
    evaluations: &HashMap<Uuid, Overall>,
    synced: &HashSet<Uuid>,
) -> Index {
    let inputs = Inputs {
        dossiers: &DossierTally::of(received, window.end(), evaluations, synced),
        window,
        procedures,
        feedback: &[],
    };
    index766::compute(&Config::builtin(), &inputs)
}

#[test]
fn the_766_dossier_indicators_match_the_hand_computation() {
    let window = march().report_window();
    let received: Vec<DossierFacts> =
        dataset().into_iter().filter(|f| f.received_at.is_some_and(|r| window.contains(r))).collect();
    assert_eq!(received.len(), 7, "A B D E H I K");
    let evaluations: HashMap<Uuid, Overall> =
        [(Uuid::from_u128('A' as u128), Overall::VerySatisfied), (Uuid::from_u128('B' as u128), Overall::NotSatisfied)]
            .into();
    // The portal has been told of A, B and E.
    let synced: HashSet<Uuid> = ['A', 'B', 'E'].into_iter().map(|c| Uuid::from_u128(c as u128)).collect();
    let index = index(&received, window, &[], &evaluations, &synced);
    let get = |id: &str| index.get(id).unwrap().clone();
    // No procedure in the catalog: the procedure indicators have no case and score 0, still
    // counted in the maximum.
    for id in ["1.1", "1.2", "1.3", "3.1", "3.2"] {
        assert_eq!((get(id).status, get(id).points), (Status::NoCases, 0.0), "{id}");
    }
    // 2.1: on time A B E I of 7 = 57.14 %; no threshold: 20 × 57.14 / 100 = 11.43.
    let i = get("2.1");
    assert_eq!((i.numerator, i.denominator, i.rate, i.points), (4, 7, 57.14, 11.43));
    // 3.3: online A E = 28.57 %, times the sync rate (A B E of 7 = 42.86 %) as the portal counts
    // only what it is told: 12.25 %, below the 50 % threshold: 4 × 12.25 / 50 = 0.98.
    let i = get("3.3");
    assert_eq!((i.numerator, i.rate, i.points), (2, 12.25, 0.98));
    // 4.1: of the finished A B H K, electronic A H = 50 %: 4.4 × 0.5 = 2.2.
    let i = get("4.1");
    assert_eq!((i.numerator, i.denominator, i.rate, i.points), (2, 4, 50.0, 2.2));
    // 4.2: digitised A B E = 42.86 %, threshold 80 %: 4.4 × 42.86 / 80 = 2.36.
    let i = get("4.2");
    assert_eq!((i.numerator, i.rate, i.points), (3, 42.86, 2.36));
    // 5.4: 100 − (overdue D H K 42.86 + dissatisfied B 14.29) = 42.85; 4.5 × 42.85 / 90 = 2.14.
    let i = get("5.4");
    assert_eq!((i.rate, i.points), (42.85, 2.14));
    // 1.4: told to the portal A B E of 7 = 42.86 %; no threshold: 4.5 × 42.86 / 100 = 1.93.
    let i = get("1.4");
    assert_eq!((i.status, i.numerator, i.denominator, i.rate, i.points), (Status::Scored, 3, 7, 42.86, 1.93));
    // Total out of 100: 1.93 + 11.43 + 0.98 + 2.2 + 2.36 + 2.14 = 21.04.
    assert_eq!((index.points, index.max), (21.04, 100.0));
    let payment = index.groups.iter().find(|g| g.n == 4).unwrap();
    assert!(payment.points == 0.0 && payment.points.is_sign_positive(), "no fee paid online: 0, not -0");
    assert_eq!((payment.max, payment.without_data.len()), (10.0, 0), "payments are held now");
    let digitisation = index.groups.iter().find(|g| g.n == 6).unwrap();
    assert_eq!((digitisation.points, digitisation.max), (4.56, 22.0));
    // What motcua does not hold is named, once each, in the order of the indicators.
    assert_eq!(
        index.missing,
        [
            "tái sử dụng dữ liệu số hóa",
            "kho quản lý dữ liệu điện tử của tổ chức, cá nhân",
            "xác thực bằng tài khoản định danh điện tử (VNeID)",
        ]
    );
    let no_data: Vec<&str> = index.with_status(Status::NoData).map(|i| i.id.as_str()).collect();
    assert_eq!(no_data, ["4.3", "4.4", "4.5"]);
    // The drill-down of 5.4 lists the overdue and the dissatisfied: B D H K.
    let mut out: Vec<String> = received
        .iter()
        .filter(|f| index766::membership("5.4", f, window.end(), &evaluations) == Some(false))
        .map(|f| f.code.clone().unwrap())
        .collect();
    out.sort();
    assert_eq!(out, ["HS-B", "HS-D", "HS-H", "HS-K"]);
}

/// A procedure version for the catalog fixtures: complete, province level, received and
/// returned at the counter (VP), examined by DD and signed by the agency lead (LD).
fn spec(code: &str, online: OnlineService, decision: Option<NaiveDate>, effective: NaiveDate) -> ProcedureSpec {
    let step = |unit: &str, role| ProcessStep {
        name: "Bước".into(),
        unit: unit.into(),
        role,
        budget: TimeLimit::WorkingDays(1),
        external_agency: None,
    };
    ProcedureSpec {
        code: code.into(),
        name: format!("Thủ tục {code}"),
        who_may_apply: Some("Cá nhân, tổ chức".into()),
        field: "DD".into(),
        level: ProcedureLevel::Province,
        time_limit: TimeLimit::WorkingDays(4),
        online,
        legacy_level: None,
        channels: vec![Channel::Counter],
        fees: vec![],
        documents: vec![DocumentRequirement {
            name: "Đơn".into(),
            originals: 1,
            copies: 0,
            template: None,
            required: true,
        }],
        result: "Giấy chứng nhận".into(),
        legal_bases: vec![],
        publication: decision
            .map(|date| Publication { number: "1/QĐ-UBND".into(), date, issuer: "UBND tỉnh".into() }),
        effective_from: effective,
        effective_to: None,
        steps: vec![
            step("VP", Role::Reception),
            step("DD", Role::Specialist),
            step("LD", Role::AgencyLead),
            step("VP", Role::Reception),
        ],
        sequence: vec![],
        conditions: None,
        methods: vec![],
        process_decision: None,
        notes: None,
    }
}

fn day(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, d).unwrap()
}

/// Six procedures, March 2026 (no holiday; 01/03 is a Sunday, so the working days are 2–6,
/// 9–13, 16–20, 23–27, 30–31):
/// - A: decided Mon 02/03, effective Mon 09/03 (lead 5: 3 4 5 6 9), public Fri 06/03 (delay 4);
///   online, complete.
/// - B: decided Tue 10/03, effective Fri 13/03 (lead 3: late), public Tue 17/03 (delay 5: 11 12
///   13 16 17, on time); no online service; the counter examines it itself (VP specialist).
/// - C: amended twice in March. v1 decided 02/03, effective 16/03 (lead 10), public 03/03
///   (delay 1); v2 decided Mon 16/03, effective Wed 01/04 (lead 12), public Wed 25/03 (delay 7:
///   late). Partial online; incomplete (nobody named who may apply); its result is not returned
///   at the counter (the last step is DD's).
/// - D: ministry level, decided 02/03, effective Mon 23/03 (lead 15 < 20: late), public Mon
///   16/03 (delay 10 ≤ 10).
/// - E: decided in January, outside the period; online.
/// - F: no publishing decision; incomplete (no documents).
fn catalog_fixture() -> Vec<(ProcedureVersion, NaiveDateTime)> {
    let at = |d: NaiveDate| d.and_hms_opt(9, 0, 0).unwrap();
    let version = |n: u128, version: i32, spec: ProcedureSpec, public: NaiveDate| {
        let v = ProcedureVersion {
            id: Uuid::from_u128(n * 100 + version as u128),
            procedure_id: Uuid::from_u128(n),
            agency_id: Uuid::nil(),
            version,
            spec,
        };
        (v, at(public))
    };
    use OnlineService::{Full, Partial};
    let no = OnlineService::None;
    let mut b = spec("B", no, Some(day(3, 10)), day(3, 13));
    b.steps[1].unit = "VP".into();
    let mut c1 = spec("C", Partial, Some(day(3, 2)), day(3, 16));
    c1.who_may_apply = None;
    let mut c2 = c1.clone();
    c2.publication.as_mut().unwrap().date = day(3, 16);
    c2.effective_from = day(4, 1);
    c2.steps.pop();
    let mut d = spec("D", no, Some(day(3, 2)), day(3, 23));
    d.level = ProcedureLevel::Central;
    let mut f = spec("F", no, None, day(1, 1));
    f.documents.clear();
    vec![
        version(1, 1, spec("A", Full, Some(day(3, 2)), day(3, 9)), day(3, 6)),
        version(2, 1, b, day(3, 17)),
        version(3, 2, c2, day(3, 25)),
        version(3, 1, c1, day(3, 3)),
        version(4, 1, d, day(3, 16)),
        version(5, 1, spec("E", Full, Some(day(1, 2)), day(1, 20)), day(1, 5)),
        version(6, 1, f, day(1, 1)),
    ]
}

fn procedures() -> Vec<ProcedureFacts> {
    catalog::procedures(&catalog_fixture(), &WorkCalendar::vietnam().unwrap())
}

#[test]
fn catalog_facts_count_working_days_from_the_publishing_decision() {
    let all = procedures();
    assert_eq!(all.iter().map(|p| p.code.as_str()).collect::<Vec<_>>(), ["A", "B", "C", "D", "E", "F"]);
    let p = |code: &str| all.iter().find(|p| p.code == code).unwrap().clone();
    let days = |code: &str| p(code).publications.iter().map(|x| (x.lead, x.delay)).collect::<Vec<_>>();
    assert_eq!(days("A"), [(Some(5), Some(4))]);
    assert_eq!(days("B"), [(Some(3), Some(5))]);
    assert_eq!(days("C"), [(Some(10), Some(1)), (Some(12), Some(7))], "both versions, oldest first");
    assert_eq!(days("D"), [(Some(15), Some(10))]);
    assert!(p("F").publications.is_empty(), "no decision, nothing to judge");
    // The current version decides the rest: C's v2 no longer returns at the counter.
    assert_eq!(
        all.iter().map(|p| (p.complete, p.online, p.at_counter, p.by_counter)).collect::<Vec<_>>(),
        [
            (true, true, true, false),
            (true, false, true, true),
            (false, true, false, false),
            (true, false, true, false),
            (true, true, true, false),
            (false, false, true, false),
        ]
    );
}

#[test]
fn the_766_catalog_indicators_match_the_hand_computation() {
    let window = Period::parse("2026-03").unwrap().calendar();
    let procedures = procedures();
    // One online dossier for A, received 10/03, due 20/03, finished early on 12/03 with an
    // electronic result and digitised documents: A's online service is used.
    let mut online = dataset()[0].clone();
    online.procedure_code = "A".into();
    (online.received_at, online.due_at, online.finished_at) = (Some(t(10, 3, 9)), Some(due(20, 3)), Some(t(12, 3, 10)));
    let received = vec![online];
    let index = index(&received, window, &procedures, &HashMap::new(), &HashSet::new());
    let get = |id: &str| index.get(id).unwrap().clone();
    let figures = |id: &str| (get(id).numerator, get(id).denominator, get(id).rate, get(id).points);
    // 1.1: decided in March A B C D; on time A (5 ≥ 5) and C (10 and 12 ≥ 5); B (3) late, D
    //      (ministry, 15 < 20) late: 2 of 4 = 50 %; 4.5 × 0.5 = 2.25.
    assert_eq!(figures("1.1"), (2, 4, 50.0, 2.25));
    // 1.2: A (4), B (5) and D (ministry, 10) on time; C late by its second version (7 > 5):
    //      3 of 4 = 75 %; 4.5 × 0.75 = 3.375 → 3.38.
    assert_eq!(figures("1.2"), (3, 4, 75.0, 3.38));
    // 1.3: complete A B D E of 6 = 66.67 %; 4.5 × 66.67 / 100 = 3.0.
    assert_eq!(figures("1.3"), (4, 6, 66.67, 3.0));
    // 3.1: online A C E of 6 = 50 %, threshold 80 %: 4 × 50 / 80 = 2.5.
    assert_eq!(figures("3.1"), (3, 6, 50.0, 2.5));
    // 3.2: of the online A C E, A received an online dossier: 33.33 %; 4 × 33.33 / 100 = 1.33.
    assert_eq!(figures("3.2"), (1, 3, 33.33, 1.33));
    // Group 1: 2.25 + 3.38 + 3.0 = 8.63 of 18 (1.4: the one dossier was not told to the portal, 0).
    let transparency = index.groups.iter().find(|g| g.n == 1).unwrap();
    assert_eq!((transparency.points, transparency.max), (8.63, 18.0));
    assert!(transparency.without_data.is_empty());
    // The one dossier: early (2.1: 20), online but not told to the portal (3.3: 100 % × a sync
    // rate of 0 % = 0), electronic result (4.1: 4.4), digitised (4.2: 100 % ≥ 80 → 4.4), neither
    // overdue nor dissatisfied (5.4: 4.5).
    // Group 3: 2.5 + 1.33 + 0 = 3.83. Total: 8.63 + 20 + 3.83 + 4.5 + 4.4 + 4.4 = 45.76 of 100.
    assert_eq!(index.groups.iter().find(|g| g.n == 3).unwrap().points, 3.83);
    assert_eq!((index.points, index.max), (45.76, 100.0));
    // The drill-down lists the procedures behind each number.
    let config = Config::builtin();
    let used: HashSet<&str> = ["A"].into();
    let listed = |id: &str, inside: bool| {
        procedures
            .iter()
            .filter(|p| index766::procedure_membership(&config, id, p, window, &used) == Some(inside))
            .map(|p| p.code.as_str())
            .collect::<Vec<_>>()
    };
    assert_eq!(listed("1.1", false), ["B", "D"]);
    assert_eq!(listed("1.2", false), ["C"]);
    assert_eq!(listed("1.3", false), ["C", "F"]);
    assert_eq!(listed("3.2", false), ["C", "E"]);
    // In February nothing was decided: 1.1 and 1.2 have no case.
    let february = Period::parse("2026-02").unwrap().calendar();
    assert!(listed_in(&procedures, february).is_empty());
}

fn listed_in(procedures: &[ProcedureFacts], window: Window) -> Vec<&str> {
    let config = Config::builtin();
    procedures
        .iter()
        .filter(|p| index766::procedure_membership(&config, "1.1", p, window, &HashSet::new()).is_some())
        .map(|p| p.code.as_str())
        .collect()
}

#[test]
fn the_766_configuration_adds_up_to_100_and_no_cases_may_earn_full_points() {
    let config = Config::builtin();
    assert_eq!(config.check(), Ok(()));
    assert_eq!(config.group.iter().map(|g| g.max).sum::<f64>(), 100.0);
    let mut broken = config.clone();
    broken.indicator.retain(|i| i.id != "3.6");
    assert!(broken.check().unwrap_err().contains("nhóm 4"), "a group's indicators must fill it");
    // With `no_cases = "full"`, an empty period earns the maximum of every computable indicator:
    // 1.1 1.2 1.3 1.4 (18) + 2.1 (20) + 3.1 3.2 3.3 (12) + 3.5 3.6 (10) + 5.1 5.2 5.3 5.4 (18) + 4.1
    // 4.2 (8.8) = 86.8.
    let mut full = config;
    full.no_cases = index766::NoCases::Full;
    let inputs =
        Inputs { dossiers: &DossierTally::default(), window: march().calendar(), procedures: &[], feedback: &[] };
    let index = index766::compute(&full, &inputs);
    assert_eq!((index.points, index.max), (86.8, 100.0));
}

/// 3.5 and 3.6 by hand: four dossiers with fees, three paid online (two procedures with fees in
/// the catalog, one of which had a dossier paid online).
#[test]
fn the_766_payment_indicators_match_the_hand_computation() {
    use motcua_domain::catalog::ProcedureLevel;
    let procedure = |code: &str, has_fees: bool| motcua_quality::catalog::ProcedureFacts {
        code: code.into(),
        name: code.into(),
        field: "DD".into(),
        level: ProcedureLevel::Province,
        complete: true,
        online: true,
        at_counter: true,
        by_counter: false,
        has_fees,
        publications: vec![],
    };
    let procedures = [procedure("A", true), procedure("B", true), procedure("C", false)];
    let tally = DossierTally {
        received: 6,
        with_fees: 4,
        paid_online: 3,
        paid_online_codes: ["A".to_owned()].into_iter().collect(),
        ..Default::default()
    };
    let inputs = Inputs { dossiers: &tally, window: march().calendar(), procedures: &procedures, feedback: &[] };
    let index = index766::compute(&Config::builtin(), &inputs);
    let get = |id: &str| {
        let i = index.get(id).unwrap();
        (i.numerator, i.denominator, i.rate, i.points)
    };
    // 3.6: 3 of 4 = 75 %, no threshold: 5 × 0.75 = 3.75.
    assert_eq!(get("3.6"), (3, 4, 75.0, 3.75));
    // 3.5: A of A and B = 50 %, threshold 80 %: 5 × 50 / 80 = 3.13.
    assert_eq!(get("3.5"), (1, 2, 50.0, 3.13));
}
#[test]
fn scaled_points_follow_the_threshold_rule() {
    assert_eq!(index766::scaled_points(85.0, Some(80.0), 4.0), 4.0);
    assert_eq!(index766::scaled_points(40.0, Some(80.0), 4.0), 2.0);
    assert_eq!(index766::scaled_points(0.0, Some(80.0), 4.0), 0.0);
}

#[test]
fn the_circular_01_worked_example_rates_the_officer_at_100_percent() {
    // §2.4: four dossiers of one officer in Q1: indicator 1 [2,1,2,0] → 1.25 → 1.3; 2 [2,2,1,1] → 1.5;
    // 3 [2,2,2,1] → 1.75 → 1.8; 4 [2,2,2,2] → 2.0; 7 [2,1,2,0] → 1.3; total 7.9.
    let officer = Uuid::from_u128(7);
    let per = [(2, 2, 2, 2, 2), (1, 2, 2, 2, 1), (2, 1, 2, 2, 2), (0, 1, 1, 2, 0)];
    let scored: Vec<DossierScores> = per
        .iter()
        .map(|&(time, step, contacts, bodies, attitude)| DossierScores {
            time,
            steps: vec![("DD".into(), Some(officer), step)],
            contacts,
            bodies,
            attitude,
        })
        .collect();
    let cards = circular01::officers(&scored, &[]);
    let card = &cards[&officer];
    assert_eq!(card.indicators, vec![(1, 13), (2, 15), (3, 18), (4, 20), (7, 13)]);
    assert_eq!((card.total, circular01::show(card.total)), (79, "7,9".to_owned()));
    // A justified conduct complaint naming no dossier of the period is one more 0 in 7 for the
    // officer and their unit: [2,1,2,0,0] → 1.0; an unfounded one is never passed in.
    let complaint = circular01::Complaint { officer, unit: Some("DD".into()) };
    let with = circular01::officers(&scored, std::slice::from_ref(&complaint));
    assert_eq!(with[&officer].get(7), Some(10));
    assert_eq!(circular01::units(&scored, std::slice::from_ref(&complaint), &[])["DD"].get(7), Some(10));
    assert_eq!(circular01::agency(&scored, &[complaint], &[]).get(7), Some(10));
    // One about a dossier sets that dossier's attitude to 0: [2,1,2,0] → [0,1,2,0] → 0.8.
    let mut on = scored.clone();
    on[0] = circular01::justified_on(on[0].clone());
    assert_eq!(circular01::officers(&on, &[])[&officer].get(7), Some(8));
    let config = circular01::Config::builtin();
    let officer = |total| config.rating(Level::Officer, total).to_owned();
    assert_eq!(officer(card.total), "Hoàn thành 100% nhiệm vụ");
    assert_eq!(officer(50), "Hoàn thành 100% nhiệm vụ");
    assert_eq!(officer(49), "Hoàn thành từ 70% đến dưới 100% nhiệm vụ");
    assert_eq!(officer(35), "Hoàn thành từ 70% đến dưới 100% nhiệm vụ");
    assert_eq!(officer(34), "Hoàn thành dưới 70% nhiệm vụ");
    // A unit adds its own indicators 5, 6, 8, 9: 7,9 + 2 + 2 + 2 + 1 = 14,9 → Tốt, one tenth
    // short; with 9 at 2 it is 15,9 → Xuất sắc.
    let unit = |extra: &[(u8, i64)]| circular01::units(&scored, &[], extra)["DD"].clone();
    let card = unit(&[(5, 20), (6, 20), (8, 20), (9, 10)]);
    assert_eq!((card.total, config.rating(Level::Unit, card.total)), (149, "Tốt"));
    let card = unit(&[(5, 20), (6, 20), (8, 20), (9, 20)]);
    assert_eq!((card.total, config.rating(Level::Unit, card.total)), (159, "Xuất sắc"));
    // Without feedback data (8 left out) the most is 16: Xuất sắc is still within reach.
    let card = unit(&[(5, 20), (6, 20), (9, 20)]);
    assert_eq!((card.total, config.rating(Level::Unit, card.total)), (139, "Tốt"));
    assert_eq!(config.level(Level::Unit).max(), 180);
    assert_eq!(config.level(Level::Field).max(), 100);
}

/// One dossier's scores (time, step, contacts, bodies, attitude), its step in `unit`.
fn scores(unit: &str, (time, step, contacts, bodies, attitude): (u8, u8, u8, u8, u8)) -> DossierScores {
    DossierScores { time, steps: vec![(unit.into(), None, step)], contacts, bodies, attitude }
}

#[test]
fn fields_are_rated_on_their_own_bands_and_reach_every_band() {
    let config = circular01::Config::builtin();
    // Field bands (max 10): the unit's 15 / 12 / 9 / 6 of 18 scaled to 10 and rounded up to a
    // tenth: 8,4 / 6,7 / 5,0 / 3,4. Each field below has one or two dossiers; its total is the
    // sum of the five averages.
    let fields = [
        // Time (2+2)/2, step (2+2)/2, contacts (2+2)/2, bodies (2+1)/2, attitude (2+1)/2:
        // 2 + 2 + 2 + 1,5 + 1,5 = 9,0.
        (vec![(2, 2, 2, 2, 2), (2, 2, 2, 1, 1)], 90, "Xuất sắc"),
        // 2 + 1 + 2 + 1 + 1 = 7,0.
        (vec![(2, 1, 2, 1, 1)], 70, "Tốt"),
        // Time (1+2)/2 = 1,5, step 1, contacts 1, bodies 1, attitude (1+2)/2 = 1,5: 6,0.
        (vec![(1, 1, 1, 1, 1), (2, 1, 1, 1, 2)], 60, "Khá"),
        // 1 + 0 + 1 + 1 + 1 = 4,0.
        (vec![(1, 0, 1, 1, 1)], 40, "Trung bình"),
        // 0 + 0 + 1 + 1 + 0 = 2,0.
        (vec![(0, 0, 1, 1, 0)], 20, "Yếu"),
    ];
    for (dossiers, total, band) in fields {
        let scored: Vec<DossierScores> = dossiers.into_iter().map(|s| scores("DD", s)).collect();
        let card = circular01::agency(&scored, &[], &[]);
        assert_eq!((card.total, config.rating(Level::Field, card.total)), (total, band));
    }
    // The boundaries, a tenth either side.
    let field = |t| config.rating(Level::Field, t).to_owned();
    assert_eq!(
        [84, 83, 67, 66, 50, 49, 34, 33].map(field),
        ["Xuất sắc", "Tốt", "Tốt", "Khá", "Khá", "Trung bình", "Trung bình", "Yếu"]
    );
    // A field's 7,0 under the unit's bands would be "Trung bình" (6–9 of 18): the old mistake.
    assert_eq!(config.rating(Level::Unit, 70), "Trung bình");
    assert!(config.field.unverified && !config.unit.unverified);
}

#[test]
fn units_reach_every_band_with_indicators_5_and_8() {
    let config = circular01::Config::builtin();
    let unit = |dossier: (u8, u8, u8, u8, u8), extra: &[(u8, i64)]| {
        let card = circular01::units(&[scores("U", dossier)], &[], extra)["U"].clone();
        (card.total, config.rating(Level::Unit, card.total).to_owned())
    };
    let all = |s: i64| [(5, s), (6, s), (8, s), (9, s)];
    // Dossier 10 + 5, 6, 8, 9 at 2: 18,0 → Xuất sắc.
    assert_eq!(unit((2, 2, 2, 2, 2), &all(20)), (180, "Xuất sắc".into()));
    // 10 + 4 × 1 = 14,0 → Tốt.
    assert_eq!(unit((2, 2, 2, 2, 2), &all(10)), (140, "Tốt".into()));
    // 1+1+1+1+1 = 5 + 4 × 1 = 9,0 → Khá.
    assert_eq!(unit((1, 1, 1, 1, 1), &all(10)), (90, "Khá".into()));
    // 5 + 1 (indicator 5 only) + 0 × 3 = 6,0 → Trung bình.
    assert_eq!(unit((1, 1, 1, 1, 1), &[(5, 10), (6, 0), (8, 0), (9, 0)]), (60, "Trung bình".into()));
    // 0+0+1+1+0 = 2 + 0 = 2,0 → Yếu.
    assert_eq!(unit((0, 0, 1, 1, 0), &all(0)), (20, "Yếu".into()));
    assert_eq!(
        [150, 149, 120, 119, 90, 89, 60, 59].map(|t| config.rating(Level::Unit, t).to_owned()),
        ["Xuất sắc", "Tốt", "Tốt", "Khá", "Khá", "Trung bình", "Trung bình", "Yếu"]
    );
}

#[test]
fn indicator_5_reads_the_catalog_and_indicator_8_the_feedback_counts() {
    let config = circular01::Config::builtin();
    // The fixture's catalog: 6 procedures, 5 received and returned at the counter (not C), 1
    // examined by the counter itself (B): not every procedure at the counter → 0.
    let counts = CatalogCounts::of(&procedures(), &[]);
    assert_eq!((counts.procedures, counts.at_counter, counts.by_counter), (6, 5, 1));
    let share = config.one_stop_share(AgencyLevel::Department);
    assert_eq!(share, 20);
    assert_eq!(circular01::one_stop(&counts, share), Some(0));
    // All six at the counter, one examined there: 16,7 % < 20 % → 1; two: 33,3 % → 2.
    let at_counter = CatalogCounts { at_counter: 6, ..counts };
    assert_eq!(circular01::one_stop(&at_counter, share), Some(10));
    assert_eq!(circular01::one_stop(&CatalogCounts { by_counter: 2, ..at_counter }, share), Some(20));
    // A commune must examine all of them itself for 2.
    let commune = config.one_stop_share(AgencyLevel::Commune);
    assert_eq!(circular01::one_stop(&CatalogCounts { by_counter: 5, ..at_counter }, commune), Some(10));
    assert_eq!(circular01::one_stop(&CatalogCounts { by_counter: 6, ..at_counter }, commune), Some(20));
    assert_eq!(circular01::one_stop(&CatalogCounts::default(), share), None, "no catalog, no score");
    // Indicator 8: none received → 2; all 10 on time → 2; 9 of 10 (90 %) → 1; 8 of 10 → 0;
    // all on time but one dragging on → 0.
    assert_eq!(
        [(0, 0, 0), (10, 10, 0), (10, 9, 0), (10, 8, 0), (10, 10, 1)].map(|(r, o, d)| circular01::feedback(r, o, d)),
        [20, 20, 10, 0, 0]
    );
}

#[test]
fn dossier_scores_come_from_the_facts_and_the_applicant_s_answers() {
    let all = dataset();
    let mut a = all[0].clone();
    a.returned_online = true;
    a.steps = vec![StepFact { unit: "DD".into(), officer: None, score: Some(2) }];
    let s = circular01::scores(&a, None).unwrap();
    assert_eq!((s.time, s.contacts, s.bodies, s.attitude), (2, 2, 2, 2));
    // H: late by two supplement requests.
    let h = circular01::scores(&all[7], None).unwrap();
    assert_eq!((h.time, h.contacts, h.bodies, h.attitude), (0, 0, 1, 0));
    // The applicant's answers take precedence.
    let e = motcua_domain::evaluation::Evaluation {
        dossier_id: a.dossier_id,
        agency_id: a.agency_id,
        overall: Overall::NotSatisfied,
        answers: motcua_domain::evaluation::IndicatorAnswers {
            attitude: Some(0),
            bodies: Some(0),
            ..Default::default()
        },
        comment: None,
        channel: "lookup".into(),
        created_at: t(4, 3, 9),
        updated_at: t(4, 3, 9),
    };
    let s = circular01::scores(&a, Some(&e)).unwrap();
    assert_eq!((s.time, s.bodies, s.attitude), (2, 0, 0));
    // Unfinished: no score yet.
    assert!(circular01::scores(&all[3], None).is_none());
    assert_eq!(circular01::mean_tenths(0, 0), None);
    // Unit indicators 6 and 9.
    assert_eq!(circular01::publicity(10, 10, true), Some(20));
    assert_eq!(circular01::publicity(10, 9, true), Some(0));
    assert_eq!(circular01::online_service(10, 3, 100, 35, 0), Some(20));
    assert_eq!(circular01::online_service(10, 3, 100, 20, 0), Some(10));
    assert_eq!(circular01::online_service(10, 3, 100, 35, 1), Some(0), "an online dossier late");
    assert_eq!(all[7].finish(), Some(Finish::Late));
}

#[test]
fn report_periods_use_the_official_cut_off_dates() {
    let w = |s: &str| {
        let w = Period::parse(s).unwrap().report_window();
        (w.first.format("%d/%m/%Y").to_string(), w.last.format("%d/%m/%Y").to_string())
    };
    let pair = |a: &str, b: &str| (a.to_owned(), b.to_owned());
    assert_eq!(w("2026-03"), pair("15/02/2026", "14/03/2026"));
    assert_eq!(w("2026-01"), pair("15/12/2025", "14/01/2026"));
    assert_eq!(w("2026-Q1"), pair("15/12/2025", "14/03/2026"));
    assert_eq!(w("2026-Q3"), pair("15/06/2026", "14/09/2026"));
    assert_eq!(w("2026-H1"), pair("15/12/2025", "14/06/2026"));
    assert_eq!(w("2026"), pair("15/12/2025", "14/12/2026"));
    let c = Period::parse("2026-02").unwrap().calendar();
    assert_eq!((c.first.to_string(), c.last.to_string()), ("2026-02-01".into(), "2026-02-28".into()));
    assert_eq!(Period::parse("2026-Q2").unwrap().label_vi(), "Quý II/2026");
    assert_eq!(Period::parse("2026-H1").unwrap().to_string(), "2026-H1");
    assert_eq!(Period::parse("2026-01").unwrap().previous().to_string(), "2025-12");
    assert_eq!(Period::month_of_report(NaiveDate::from_ymd_opt(2026, 12, 20).unwrap()).to_string(), "2027-01");
    assert_eq!(Period::month_of_report(NaiveDate::from_ymd_opt(2026, 3, 14).unwrap()).kind, PeriodKind::Month);
    for bad in ["2026-13", "2026-Q5", "2026-H3", "abc", "26"] {
        assert!(Period::parse(bad).is_none(), "{bad}");
    }
}

#[test]
fn the_sipas_questionnaire_has_five_elements_and_22_criteria() {
    let s = motcua_quality::sipas::Survey::builtin();
    assert_eq!(s.element.len(), 5);
    assert_eq!(s.element.iter().map(|e| e.criteria.len()).collect::<Vec<_>>(), [4, 5, 6, 3, 4]);
    assert_eq!(s.criteria().len(), 22);
    assert_eq!(s.scale.len(), 5);
}

#[test]
fn sipas_indices_are_the_share_satisfied_per_element_and_their_mean() {
    use motcua_quality::sipas::{Survey, index};
    let s = Survey::builtin();
    let form = |pairs: &[(&str, &str)]| pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<Vec<_>>();
    // Respondent 1: access 5, 4 (both satisfied); staff 2 (not); wants staff improved.
    let r1 =
        s.parse(&form(&[("c.access.1", "5"), ("c.access.2", "4"), ("c.staff.1", "2"), ("expect", "staff")])).unwrap();
    // Respondent 2: access 3 (not); staff 4, 5; result 5; wants staff and access improved.
    let r2 = s
        .parse(&form(&[
            ("c.access.3", "3"),
            ("c.staff.2", "4"),
            ("c.staff.3", "5"),
            ("c.result.1", "5"),
            ("expect", "staff"),
            ("expect", "access"),
        ]))
        .unwrap();
    let i = index(&s, &[r1, r2]);
    let get = |id: &str| i.elements.iter().find(|e| e.id == id).unwrap().clone();
    // Access: 2 of 3 = 66.67 %; staff: 2 of 3 = 66.67 %; result: 1 of 1 = 100 %; the two
    // elements without answers are left out of the mean: (66.67 + 66.67 + 100) / 3 = 77.78.
    assert_eq!((get("access").satisfied, get("access").answers, get("access").index), (2, 3, Some(66.67)));
    assert_eq!(get("staff").index, Some(66.67));
    assert_eq!(get("result").index, Some(100.0));
    assert_eq!(get("procedure").index, None);
    assert_eq!(i.overall, Some(77.78));
    assert_eq!((get("staff").expected, get("access").expected, get("result").expected), (2, 1, 0));
    // Bad answers are refused by field; an empty form is refused.
    let errors = s.parse(&form(&[("c.access.1", "6"), ("c.nope.1", "3"), ("expect", "price")])).unwrap_err();
    assert_eq!(errors.len(), 3);
    assert!(s.parse(&form(&[("c.access.1", "")])).is_err());
    let four = form(&[
        ("c.access.1", "4"),
        ("expect", "access"),
        ("expect", "staff"),
        ("expect", "result"),
        ("expect", "feedback"),
    ]);
    assert!(s.parse(&four).is_err(), "at most three");
}

/// Indicators 5.1–5.3 from the feedback cases received in March, by hand: seven statements
/// (questions aside) of which five PAKN; three of the PAKN on time; one satisfying every condition.
#[test]
fn the_766_feedback_indicators_match_the_hand_computation() {
    use motcua_domain::feedback::{Case, CaseKind, CaseState, Clock, FeedbackRules, Intake, StatementInput};
    let cal = WorkCalendar::vietnam().unwrap();
    let rules = FeedbackRules::default();
    let received = |d: u32| NaiveDate::from_ymd_opt(2026, 3, d).unwrap().and_hms_opt(9, 0, 0).unwrap();
    let case = |d: u32, kind: Option<CaseKind>, state: CaseState| -> Case {
        let input = StatementInput {
            name: Some("Người gửi".into()),
            address: Some("Nha Trang".into()),
            phone: Some("0905123456".into()),
            title: Some("Tiêu đề".into()),
            content: Some("Nội dung".into()),
            ..Default::default()
        };
        let clock = Clock { rules: &rules, calendar: &cal, now: received(d) };
        let mut c =
            Case::receive(uuid::Uuid::now_v7(), uuid::Uuid::nil(), d, Intake::Web, input.parse(None).unwrap(), clock)
                .unwrap()
                .case;
        c.kind = kind;
        c.state = state;
        c
    };
    let published = CaseState::Published;
    let mut p1 = case(2, Some(CaseKind::Regulation), published);
    (p1.useful, p1.not_useful) = (2, 1);
    let mut p2 = case(3, Some(CaseKind::Conduct), published);
    p2.late_steps.push("trả lời muộn 1 ngày làm việc".into());
    let mut p3 = case(4, Some(CaseKind::Regulation), published);
    (p3.useful, p3.not_useful) = (1, 3);
    let mut p4 = case(5, Some(CaseKind::Regulation), CaseState::Assigned);
    p4.reopened = 1;
    p4.answer_by = NaiveDate::from_ymd_opt(2026, 4, 20).unwrap();
    // Received 02/03, still with the unit at the end of March: its answer was due 23/03.
    let p5 = case(2, Some(CaseKind::Regulation), CaseState::Assigned);
    let q1 = case(6, Some(CaseKind::Question), published);
    let u1 = case(9, None, CaseState::Received);
    let c1 = case(10, Some(CaseKind::Complaint), CaseState::Redirected);
    let feedback = [p1, p2, p3, p4, p5, q1, u1, c1];
    let window = march().calendar();
    let tally = DossierTally::default();
    let index = index766::compute(
        &Config::builtin(),
        &Inputs { dossiers: &tally, window, procedures: &[], feedback: &feedback },
    );
    let figures = |id: &str| {
        let i = index.get(id).unwrap();
        (i.numerator, i.denominator, i.rate, i.points)
    };
    // 5.1: classified as PAKN P1–P5 of the seven statements (the question aside): 71.43 %; 4.5 × 0.7143 = 3.21.
    assert_eq!(figures("5.1"), (5, 7, 71.43, 3.21));
    // 5.2: on time P1, P3, P4 of the five PAKN (P2 late, P5 past its deadline): 60 %; 2.7.
    assert_eq!(figures("5.2"), (3, 5, 60.0, 2.7));
    // 5.3: P1 only (P3 rated not useful, P4 reopened, P2 and P5 late): 20 %; 0.9.
    assert_eq!(figures("5.3"), (1, 5, 20.0, 0.9));
    // Circular 01 indicator 8 from the same cases: 3 of 5 PAKN on time (< 90 %) and P5 dragging
    // on past its deadline → 0; only P1 and P3 (both on time, nothing open) → 2; P1, P3 and P4
    // with P2 late → 3 of 4 → 0; nine on time of ten with none dragging → 1.
    let end = window.end();
    assert_eq!(circular01::feedback_of(&feedback, end), 0);
    assert_eq!(circular01::feedback_of(&[feedback[0].clone(), feedback[2].clone()], end), 20);
    let mut ten: Vec<Case> = (0..9).map(|_| feedback[0].clone()).collect();
    ten.push(feedback[1].clone());
    assert_eq!(circular01::feedback_of(&ten, end), 10);
    ten.push(feedback[4].clone());
    assert_eq!(circular01::feedback_of(&ten, end), 0, "one dragging on");
}
