//! The messages applicants receive, word for word, and their SMS cost.

use chrono::NaiveDate;
use motcua_notify::{Encoding, MessageContext, render, segments, without_diacritics};

fn ctx(event: &str) -> MessageContext {
    MessageContext {
        event: event.into(),
        code: Some("000.00.17.H34-260212-0001".into()),
        procedure: "Đăng ký biến động quyền sử dụng đất".into(),
        agency: "Sở Nông nghiệp và Môi trường tỉnh Khánh Hòa".into(),
        sender: "SO NNMT KH".into(),
        applicant: "Nguyễn Văn An".into(),
        due_date: NaiveDate::from_ymd_opt(2026, 3, 5),
        new_due_date: NaiveDate::from_ymd_opt(2026, 3, 12),
        reason: Some("Bổ sung bản vẽ sơ đồ thửa đất".into()),
        step: Some("Thẩm định hồ sơ".into()),
        lookup_url: Some("https://dichvucong.example.vn/lookup?code=000.00.17.H34-260212-0001&phone_last4=3456".into()),
    }
}

#[test]
fn the_essential_messages_are_the_ones_the_applicant_cannot_switch_off() {
    let essential: Vec<&str> = [
        "submitted",
        "accept",
        "ask_to_complete",
        "request_supplement",
        "refuse_intake",
        "refuse",
        "reappoint",
        "approve",
        "request_payment",
        "supplement_received",
        "payment_received",
        "forward",
        "withdraw",
        "return_result",
    ]
    .into_iter()
    .filter(|e| render(&ctx(e), false).unwrap().essential)
    .collect();
    assert_eq!(
        essential,
        ["accept", "ask_to_complete", "request_supplement", "refuse_intake", "refuse", "reappoint", "approve"]
    );
    // Internal events are not told.
    for e in ["attach_document", "attach_result", "send_back", "resubmit"] {
        assert!(render(&ctx(e), false).is_none(), "{e}");
    }
}

#[test]
fn a_supplement_request_reads_right_in_every_channel() {
    let m = render(&ctx("request_supplement"), false).unwrap();
    assert_eq!(m.subject, "Đề nghị bổ sung hồ sơ 000.00.17.H34-260212-0001");
    assert_eq!(
        m.sms,
        "SO NNMT KH: De nghi ong/ba bo sung ho so 000.00.17.H34-260212-0001: Bo sung ban ve so do thua dat. \
         Thoi han giai quyet tinh lai khi nhan du ho so. Tra cuu: \
         https://dichvucong.example.vn/lookup?code=000.00.17.H34-260212-0001&phone_last4=3456"
    );
    assert_eq!(
        m.body_text,
        "Kính gửi Nguyễn Văn An,\n\nSở Nông nghiệp và Môi trường tỉnh Khánh Hòa thông báo: đề nghị ông/bà bổ sung hồ sơ \
         000.00.17.H34-260212-0001: Bổ sung bản vẽ sơ đồ thửa đất. Thời hạn giải quyết tính lại khi nhận đủ hồ sơ.\n\n\
         Thủ tục: Đăng ký biến động quyền sử dụng đất\nMã hồ sơ: 000.00.17.H34-260212-0001\n\
         Tra cứu tình trạng hồ sơ: https://dichvucong.example.vn/lookup?code=000.00.17.H34-260212-0001&phone_last4=3456\n\n\
         Trân trọng."
    );
    // HTML escapes what it shows (the & of the link) and keeps the Vietnamese.
    assert!(m.body_html.contains("0001&#38;phone_last4=3456"), "{}", m.body_html);
    assert!(m.body_html.contains("Kính gửi Nguyễn Văn An"));
}

#[test]
fn the_reappointment_names_the_new_date_and_the_reason() {
    let m = render(&ctx("reappoint"), false).unwrap();
    assert!(m.sms.contains("hen tra ket qua ngay 12/03/2026. Ly do: Bo sung ban ve so do thua dat."), "{}", m.sms);
    let with_marks = render(&ctx("reappoint"), true).unwrap();
    assert!(with_marks.sms.contains("Xin lỗi ông/bà"));
}

#[test]
fn sms_without_diacritics_fit_gsm7_and_cost_half() {
    let vi = render(&ctx("accept"), true).unwrap().sms;
    let plain = render(&ctx("accept"), false).unwrap().sms;
    let (a, b) = (segments(&vi), segments(&plain));
    assert_eq!(a.encoding, Encoding::Ucs2);
    assert_eq!(b.encoding, Encoding::Gsm7);
    assert!(b.count < a.count, "{a:?} vs {b:?}");
    assert_eq!(b.count, 2, "{} characters: {plain}", plain.len());
}

#[test]
fn segment_arithmetic_follows_gsm_03_38() {
    assert_eq!(segments("").count, 0);
    assert_eq!(segments(&"x".repeat(160)).count, 1);
    assert_eq!(segments(&"x".repeat(306)).count, 2);
    assert_eq!(segments(&"x".repeat(307)).count, 3);
    // Extension characters take two septets.
    assert_eq!(segments(&format!("{}€", "x".repeat(158))).units, 160);
    assert_eq!(segments(&format!("{}€", "x".repeat(159))).count, 2);
    // Unicode: 70 per segment, 67 when concatenated.
    assert_eq!(segments(&"ế".repeat(70)).count, 1);
    assert_eq!(segments(&"ế".repeat(71)).count, 2);
    assert_eq!(segments(&"ế".repeat(134)).count, 2);
    assert_eq!(without_diacritics("ĐĂNG KÝ BIẾN ĐỘNG ĐẤT ĐAI"), "DANG KY BIEN DONG DAT DAI");
}
