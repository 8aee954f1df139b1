//! Every parser of user input is fed arbitrary text and must answer, never panic (issue 12: a
//! time limit of "đ" sliced a character in two and aborted the connection; a fuzzer found 2,167
//! such panics). What it answers is checked where a property is known.

use motcua_calendar::{CalendarConfig, TimeLimit};
use motcua_domain::dossier::{ApplicantInput, State};
use motcua_domain::evaluation::Overall;
use motcua_domain::org::Role;
use motcua_domain::text::{NAME_MAX, clean, fold, search_terms};
use motcua_domain::types::{AgencyCode, CitizenId, DossierCode, Email, PhoneNumber, TaxCode};
use proptest::prelude::*;

/// Any text, with a bias towards what breaks byte-slicing parsers: multi-byte characters,
/// control characters, digits and the letters the parsers look for.
fn hostile() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[0-9dh@:\\-+. ]{0,12}",
        "[đĐ\u{80}\u{0}\u{7}\u{200b}\u{feff}ấ0-9dh ]{0,8}",
        prop::collection::vec(
            prop_oneof![Just('đ'), Just('\u{80}'), Just('d'), Just('h'), Just('1'), Just('@')],
            0..10
        )
        .prop_map(|v| v.into_iter().collect()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn no_parser_of_user_input_panics(s in hostile()) {
        let _ = s.parse::<TimeLimit>();
        let _ = PhoneNumber::parse(&s);
        let _ = Email::parse(&s);
        let _ = CitizenId::parse(&s);
        let _ = TaxCode::parse(&s);
        let _ = AgencyCode::parse(&s);
        let _ = DossierCode::parse(&s);
        let _ = Role::parse(&s);
        let _ = State::parse(&s);
        let _ = Overall::parse(&s);
        let _ = motcua_domain::catalog::Channel::parse(&s);
        let _ = search_terms(&s);
        let _ = fold(&s);
        let _ = CalendarConfig::from_toml("fuzz", &s);
        let input = ApplicantInput {
            name: Some(s.clone()),
            citizen_id: Some(s.clone()),
            phone: Some(s.clone()),
            email: Some(s.clone()),
            address: Some(s.clone()),
            tax_code: Some(s.clone()),
            kind: None,
            consent: None,
        };
        let _ = input.parse();
    }

    #[test]
    fn a_time_limit_either_parses_and_prints_back_or_is_refused(s in hostile()) {
        if let Ok(limit) = s.parse::<TimeLimit>() {
            prop_assert_eq!(limit.to_string().parse::<TimeLimit>().unwrap(), limit);
        }
    }

    #[test]
    fn cleaned_text_has_no_control_character_and_keeps_its_bound(s in hostile()) {
        if let Ok(t) = clean(&s, NAME_MAX, false) {
            prop_assert!(!t.chars().any(char::is_control));
            prop_assert!(t.chars().count() <= NAME_MAX);
        }
    }

    #[test]
    fn an_accepted_search_has_a_bounded_number_of_words(words in prop::collection::vec("[a-zđ]{1,6}", 0..40)) {
        let q = words.join(" ");
        match search_terms(&q) {
            Ok(_) => prop_assert!(words.len() <= motcua_domain::text::SEARCH_MAX_WORDS),
            Err(_) => prop_assert!(words.len() > motcua_domain::text::SEARCH_MAX_WORDS || q.chars().count() > 200),
        }
    }
}

#[test]
fn the_time_limits_that_panicked_are_refused() {
    for s in ["đ", "\u{80}", "1đ", "đd", "", " ", "99999999999d"] {
        assert!(s.parse::<TimeLimit>().is_err(), "{s:?}");
    }
    assert_eq!("10d".parse::<TimeLimit>().unwrap(), TimeLimit::WorkingDays(10));
}
