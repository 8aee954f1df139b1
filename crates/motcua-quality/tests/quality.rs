//! Every formula on a crafted dataset whose numbers were worked out by hand (in the comments):
//! Biểu 06 with its invariants, the Decision 766 indicators, the Circular 01/2018 worked example
//! and bands, and the official report windows.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use motcua_domain::catalog::Channel;
use motcua_domain::dossier::{DossierFacts, Finish, State, StepFact};
use motcua_domain::evaluation::Overall;
use motcua_quality::circular01::{self, DossierScores};
use motcua_quality::index766::{self, CatalogCounts, Config};
use motcua_quality::report06::{self, Column};
use motcua_quality::{Period, PeriodKind};
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

#[test]
fn the_766_indicators_match_the_hand_computation() {
    let window = march().report_window();
    let received: Vec<DossierFacts> =
        dataset().into_iter().filter(|f| f.received_at.is_some_and(|r| window.contains(r))).collect();
    assert_eq!(received.len(), 7, "A B D E H I K");
    let evaluations: HashMap<Uuid, Overall> =
        [(Uuid::from_u128('A' as u128), Overall::VerySatisfied), (Uuid::from_u128('B' as u128), Overall::NotSatisfied)]
            .into();
    let index = index766::compute(&Config::builtin(), &received, window.end(), CatalogCounts::default(), &evaluations);
    let get = |id: &str| index.indicators.iter().find(|i| i.id == id).cloned();
    // No procedure in the catalog: the procedure indicators are left out, not zero.
    assert!(get("1.3").is_none() && get("3.1").is_none() && get("3.2").is_none());
    // 2.1: on time A B E I of 7 = 57.14 %; no threshold: 20 × 57.14 / 100 = 11.43.
    let i = get("2.1").unwrap();
    assert_eq!((i.numerator, i.denominator, i.rate, i.points), (4, 7, 57.14, 11.43));
    // 3.3: online A E = 28.57 %, below the 50 % threshold: 4 × 28.57 / 50 = 2.29.
    let i = get("3.3").unwrap();
    assert_eq!((i.numerator, i.rate, i.points), (2, 28.57, 2.29));
    // 4.1: of the finished A B H K, electronic A H = 50 %: 4.4 × 0.5 = 2.2.
    let i = get("4.1").unwrap();
    assert_eq!((i.numerator, i.denominator, i.rate, i.points), (2, 4, 50.0, 2.2));
    // 4.2: digitised A B E = 42.86 %, threshold 80 %: 4.4 × 42.86 / 80 = 2.36.
    let i = get("4.2").unwrap();
    assert_eq!((i.numerator, i.rate, i.points), (3, 42.86, 2.36));
    // 5.4: 100 − (overdue D H K 42.86 + dissatisfied B 14.29) = 42.85; 4.5 × 42.85 / 90 = 2.14.
    let i = get("5.4").unwrap();
    assert_eq!((i.rate, i.points), (42.85, 2.14));
    // Totals: 11.43 + 2.29 + 2.2 + 2.36 + 2.14 = 20.42 of the 37.3 available.
    assert_eq!((index.points, index.available), (20.42, 37.3));
    let payment = index.groups.iter().find(|g| g.n == 4).unwrap();
    assert!(payment.points == 0.0 && payment.points.is_sign_positive(), "no data: 0, not -0");
    let digitisation = index.groups.iter().find(|g| g.n == 6).unwrap();
    assert_eq!((digitisation.points, digitisation.available, digitisation.max), (4.56, 8.8, 22.0));
    // With a catalog: 9 of 10 complete, 7 online (70 % of the 80 % threshold), 3 of them used.
    let catalog = CatalogCounts { procedures: 10, complete: 9, online: 7, online_used: 3 };
    let index = index766::compute(&Config::builtin(), &received, window.end(), catalog, &evaluations);
    let get = |id: &str| index.indicators.iter().find(|i| i.id == id).cloned().unwrap();
    assert_eq!((get("1.3").rate, get("1.3").points), (90.0, 4.05));
    assert_eq!((get("3.1").rate, get("3.1").points), (70.0, 3.5));
    assert_eq!((get("3.2").rate, get("3.2").points), (42.86, 1.71));
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
    let cards = circular01::officers(&scored);
    let card = &cards[&officer];
    assert_eq!(card.indicators, vec![(1, 13), (2, 15), (3, 18), (4, 20), (7, 13)]);
    assert_eq!((card.total, circular01::show(card.total)), (79, "7,9".to_owned()));
    assert_eq!(circular01::officer_band(card.total), "Hoàn thành 100% nhiệm vụ");
    assert_eq!(circular01::officer_band(49), "Hoàn thành từ 70% đến dưới 100% nhiệm vụ");
    assert_eq!(circular01::officer_band(34), "Hoàn thành dưới 70% nhiệm vụ");
    // A unit adds its own indicators; bands at 15 / 12 / 9 / 6.
    let unit = &circular01::units(&scored, &[(6, 20), (9, 10)])["DD"];
    assert_eq!(unit.total, 79 + 30);
    assert_eq!(circular01::unit_band(unit.total), "Khá", "10,9 is in 9 to under 12");
    assert_eq!(
        [150, 149, 120, 90, 60, 59].map(circular01::unit_band),
        ["Xuất sắc", "Tốt", "Tốt", "Khá", "Trung bình", "Yếu"]
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
