//! VietQR strings against NAPAS's published test vectors (reference §1.2) and the worked example
//! of a dossier fee (§1.3).

use motcua_payments::vietqr::{self, Target, Transfer};

fn transfer(target: Target, account: &str, amount: Option<u64>) -> Transfer {
    Transfer {
        bin: "970403".into(),
        account: account.into(),
        target,
        amount,
        bill: amount.map(|_| "NPS6869".into()),
        purpose: amount.map(|_| "thanh toan don hang".into()),
    }
}

#[test]
fn the_napas_test_vectors_are_reproduced() {
    // 6.1.2 static to a card; 6.1.3 dynamic to an account; 6.1.4 dynamic to a card.
    let card = "00020101021138600010A00000072701300006970403011697040311012345670208QRIBFTTC53037045802VN63044F52";
    assert_eq!(transfer(Target::Card, "9704031101234567", None).encode().unwrap(), card);
    let dynamic = "00020101021238570010A00000072701270006970403011300110123456780208QRIBFTTA530370454061800005802VN62340107NPS68690819thanh toan don hang63042E2E";
    assert_eq!(transfer(Target::Account, "0011012345678", Some(180_000)).encode().unwrap(), dynamic);
    let dynamic_card = "00020101021238600010A00000072701300006970403011697040311012345670208QRIBFTTC530370454061800005802VN62340107NPS68690819thanh toan don hang6304A203";
    assert_eq!(transfer(Target::Card, "9704031101234567", Some(180_000)).encode().unwrap(), dynamic_card);
    // 6.1.1 with its sub-field's length corrected (as printed it declares 12 characters and holds
    // 13): CRC 9E6F.
    let fixed = transfer(Target::Account, "0011012345678", None).encode().unwrap();
    assert_eq!(fixed, "00020101021138570010A00000072701270006970403011300110123456780208QRIBFTTA53037045802VN63049E6F");
    for s in [card, dynamic, dynamic_card, fixed.as_str()] {
        assert!(vietqr::parse(s).is_ok(), "{s}");
    }
}

#[test]
fn a_dossier_fee_gives_the_worked_example() {
    let t = Transfer {
        bin: "970403".into(),
        account: "1234567890".into(),
        target: Target::Account,
        amount: Some(150_000),
        bill: Some("HS2602120001".into()),
        purpose: Some("NOP PHI HS2602120001".into()),
    };
    assert_eq!(
        t.encode().unwrap(),
        "00020101021238540010A00000072701240006970403011012345678900208QRIBFTTA530370454061500005802VN62400112HS26021200010820NOP PHI HS26021200016304E6B0"
    );
}

#[test]
fn a_bad_string_is_an_error_never_a_panic() {
    // 6.1.1 as printed: the CRC is the printed string's, but the template's length is wrong.
    let printed = "00020101021138570010A00000072701270006970403011200110123456780208QRIBFTTA53037045802VN6304F4E5";
    let top = vietqr::parse(printed).expect("its CRC is right");
    let merchant = &top.iter().find(|(id, _)| id == "38").unwrap().1;
    let inner = vietqr::objects(merchant).unwrap();
    let beneficiary = vietqr::objects(&inner[1].1);
    assert!(beneficiary.is_err(), "the declared 12 characters leave a stray one: {beneficiary:?}");
    for bad in [
        "",
        "6304",
        "0002016304ZZZZ",
        "00020101021238570010A0000007270127000697040301130011012345678",
        "é0201016304AAAA",
    ] {
        assert!(vietqr::parse(bad).is_err(), "{bad}");
    }
    let changed = "00020101021238540010A00000072701240006970403011012345678900208QRIBFTTA530370454061500015802VN62400112HS26021200010820NOP PHI HS26021200016304E6B0";
    assert!(vietqr::parse(changed).is_err(), "an amount changed breaks the CRC");
    // Tag values beyond the limits are refused.
    let mut long = transfer(Target::Account, "1234567890", Some(1));
    long.purpose = Some("x".repeat(26));
    assert!(long.encode().is_err());
    let mut diacritics = transfer(Target::Account, "1234567890", Some(1));
    diacritics.purpose = Some("Nộp phí".into());
    assert!(diacritics.encode().is_err());
}
