//! Payment requests from a dossier's fees, the judgement of providers' confirmations (never a
//! double credit), receipt series and the amount in words.

use chrono::NaiveDate;
use motcua_domain::catalog::FeeKind;
use motcua_domain::payment::{
    Attempt, AttemptState, Judgement, PaymentRequest, Provider, RequestLine, RequestState, Series, judge, receipts_for,
};
use motcua_domain::types::{Vnd, amount_in_words};
use uuid::Uuid;

fn request(lines: Vec<RequestLine>) -> PaymentRequest {
    let total = lines.iter().map(|l| l.amount).sum();
    PaymentRequest {
        id: Uuid::now_v7(),
        agency_id: Uuid::nil(),
        dossier_id: Uuid::now_v7(),
        dossier_code: "000.00.17.H34-260212-0001".into(),
        reference: "0000017H342602120001P1".into(),
        payer: "Trần Thị Bình".into(),
        lines,
        total,
        state: RequestState::Awaiting,
        created_at: NaiveDate::from_ymd_opt(2026, 2, 12).unwrap().and_hms_opt(9, 0, 0).unwrap(),
        paid_at: None,
        paid_by: None,
        version: 1,
    }
}

fn lines() -> Vec<RequestLine> {
    vec![
        RequestLine::plain(FeeKind::Fee, "Phí thẩm định hồ sơ", Vnd(100_000)),
        RequestLine::plain(FeeKind::Charge, "Lệ phí cấp giấy chứng nhận", Vnd(25_000)),
    ]
}

#[test]
fn a_confirmation_credits_once_and_a_second_success_is_flagged_for_refund() {
    let now = NaiveDate::from_ymd_opt(2026, 2, 12).unwrap().and_hms_opt(10, 0, 0).unwrap();
    let r = request(lines());
    let a = Attempt::start(Uuid::now_v7(), &r, Provider::Vnpay, 1, now).unwrap();
    assert_eq!((a.txn_ref.as_str(), a.amount), ("0000017H342602120001P1T1", Vnd(125_000)));
    assert_eq!(judge(&r, &a, Vnd(125_001), true, "V1"), Judgement::WrongAmount);
    assert_eq!(judge(&r, &a, Vnd(125_000), false, "V1"), Judgement::Failed);
    assert_eq!(judge(&r, &a, Vnd(125_000), true, "V1"), Judgement::Credit);
    // Credited: the same confirmation again is a repeat; another transaction is money twice.
    let paid_attempt = Attempt { state: AttemptState::Succeeded, provider_txn: Some("V1".into()), ..a.clone() };
    let paid = PaymentRequest { state: RequestState::Paid, paid_by: Some(a.id), ..r.clone() };
    assert_eq!(judge(&paid, &paid_attempt, Vnd(125_000), true, "V1"), Judgement::Repeat);
    assert_eq!(judge(&paid, &paid_attempt, Vnd(125_000), true, "V2"), Judgement::DoublePayment);
    // A second attempt (the citizen paid again in another tab) succeeding: refund, not credit.
    let b = Attempt::start(Uuid::now_v7(), &r, Provider::Vnpay, 2, now).unwrap();
    assert_eq!(judge(&paid, &b, Vnd(125_000), true, "V9"), Judgement::DoublePayment);
    assert!(Attempt::start(Uuid::now_v7(), &paid, Provider::Vnpay, 3, now).is_err(), "nothing left to pay");
    // A late failure notice for a paid attempt changes nothing.
    assert_eq!(judge(&paid, &paid_attempt, Vnd(125_000), false, ""), Judgement::Repeat);
}

#[test]
fn receipts_are_one_per_kind_with_the_amount_in_words() {
    let now = NaiveDate::from_ymd_opt(2026, 2, 12).unwrap().and_hms_opt(10, 0, 0).unwrap();
    let r = request(lines());
    let series = Series::parse("EBL01", "AA").unwrap();
    let receipts = receipts_for(&r, &series, Provider::Vnpay, now);
    assert_eq!(receipts.len(), 2);
    assert_eq!(
        (receipts[0].kind, receipts[0].amount, receipts[0].symbol.as_str()),
        (FeeKind::Fee, Vnd(100_000), "26TAA")
    );
    assert_eq!(receipts[0].amount_words, "Một trăm nghìn đồng");
    assert_eq!(receipts[1].amount_words, "Hai mươi lăm nghìn đồng");
    assert_eq!(receipts[1].method, "Thanh toán trực tuyến");
    let only_charge = request(vec![lines().remove(1)]);
    assert_eq!(receipts_for(&only_charge, &series, Provider::Cash, now).len(), 1, "no 0 đ receipt");
    assert!(
        Series::parse("EBL03", "AA").is_err()
            && Series::parse("EBL01", "AF").is_err()
            && Series::parse("EBL01", "A").is_err()
    );
    assert_eq!(series.symbol(2027), "27TAA");
}

#[test]
fn amounts_are_written_in_vietnamese_words() {
    for (n, words) in [
        (1, "Một đồng"),
        (10, "Mười đồng"),
        (15, "Mười lăm đồng"),
        (21, "Hai mươi mốt đồng"),
        (24, "Hai mươi tư đồng"),
        (105, "Một trăm linh năm đồng"),
        (110, "Một trăm mười đồng"),
        (10_500, "Mười nghìn năm trăm đồng"),
        (25_000, "Hai mươi lăm nghìn đồng"),
        (1_000_000, "Một triệu đồng"),
        (1_005_000, "Một triệu không trăm linh năm nghìn đồng"),
        (2_050_000, "Hai triệu không trăm năm mươi nghìn đồng"),
        (1_000_000_000, "Một tỷ đồng"),
        (99_999_999, "Chín mươi chín triệu chín trăm chín mươi chín nghìn chín trăm chín mươi chín đồng"),
    ] {
        assert_eq!(amount_in_words(n), words, "{n}");
    }
}

#[test]
fn reductions_are_read_as_typed_and_applied_to_the_dong() {
    use motcua_domain::catalog::{Reduction, parse_reductions};
    let r = parse_reductions("Hộ nghèo: 100; Người có công với cách mạng: 50%;").unwrap();
    assert_eq!(
        r,
        vec![
            Reduction { who: "Hộ nghèo".into(), percent: 100 },
            Reduction { who: "Người có công với cách mạng".into(), percent: 50 }
        ]
    );
    assert_eq!(r[0].apply(Vnd(25_000)), Vnd(0));
    assert_eq!(r[1].apply(Vnd(25_001)), Vnd(12_500), "rounded down to the đồng");
    assert_eq!(r[0].describe_vi(), "Miễn cho Hộ nghèo");
    assert_eq!(r[1].describe_vi(), "Giảm 50% cho Người có công với cách mạng");
    assert!(parse_reductions("Hộ nghèo").unwrap_err().contains("đối tượng: phần trăm"));
    assert!(parse_reductions("Hộ nghèo: 0").unwrap_err().contains("1 đến 100"));
    assert!(parse_reductions("Hộ nghèo: 150").unwrap_err().contains("1 đến 100"));
    assert_eq!(parse_reductions("  ").unwrap(), Vec::new());
}
