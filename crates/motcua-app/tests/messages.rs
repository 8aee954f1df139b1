//! The messages applicants receive, word for word, and their SMS cost.

use motcua_app::template::{LANGS, Template, TemplateSet, default_set, events};
use motcua_app::{Encoding, MessageContext, render, render_with, segments, without_diacritics};

fn ctx(event: &str) -> MessageContext {
    MessageContext::sample(event)
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
         Trân trọng.\n"
    );
    // HTML escapes what it shows (the & of the link) and keeps the Vietnamese.
    assert!(m.body_html.contains("0001&amp;phone_last4=3456"), "{}", m.body_html);
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

/// Every message of every event in both languages, word for word: a change to the words shows up
/// as a snapshot diff to review (`cargo insta review`).
#[test]
fn every_message_in_both_languages() {
    for info in events() {
        for lang in LANGS {
            let m = render_with(&ctx(&info.event), lang, None, false).unwrap();
            let plain = segments(&m.sms);
            let marked = segments(&render_with(&ctx(&info.event), lang, None, true).unwrap().sms);
            let shown = format!(
                "essential: {}\nsms ({} GSM-7 segments; {} {:?} with diacritics):\n{}\n\nsubject: {}\n\n{}\n{}\ncall script: {}\n",
                m.essential,
                plain.count,
                marked.count,
                marked.encoding,
                m.sms,
                m.subject,
                m.body_text,
                m.body_html,
                m.call_script
            );
            insta::assert_snapshot!(format!("{}_{lang}", info.event), shown);
        }
    }
}

#[test]
fn english_messages_exist_for_every_event_and_say_the_same_dates() {
    for info in events() {
        let en = render_with(&ctx(&info.event), "en", None, false).unwrap();
        let vi = render(&ctx(&info.event), false).unwrap();
        assert_eq!(en.essential, vi.essential);
        assert!(en.body_text.starts_with("Dear Nguyễn Văn An,"), "{}", en.body_text);
        for date in ["05/03/2026", "12/03/2026"] {
            assert_eq!(en.sms.contains(date), vi.sms.contains(date), "{} {date}", info.event);
        }
        // The officer's phone script stays Vietnamese, with its diacritics.
        assert_eq!(en.call_script, vi.call_script);
        assert!(vi.call_script.starts_with("Xin chào ông/bà Nguyễn Văn An. Sở Nông nghiệp"), "{}", vi.call_script);
        assert!(!vi.call_script.contains("http"), "no link on the phone");
    }
}

#[test]
fn a_template_with_an_unknown_field_or_an_open_part_is_refused_with_its_line() {
    let e = Template::parse("Kính gửi {applicant},\nHồ sơ {ma_ho_so}").unwrap_err();
    assert_eq!(e.line, 2);
    assert!(e.to_string().starts_with("dòng 2: không có trường {ma_ho_so}; dùng một trong: {applicant}"), "{e}");
    let e = Template::parse("a\nb [[ {code}\nc").unwrap_err();
    assert_eq!((e.line, e.message.as_str()), (2, "thiếu \"]]\" đóng phần tùy chọn mở ở dòng này"));
    assert!(Template::parse("x ]] y").is_err());
    // CSS braces and lone braces are text.
    let css = Template::parse("<style>p { color: red }</style>{code} {}").unwrap();
    assert_eq!(css.render(&ctx("accept"), true), "<style>p { color: red }</style>000.00.17.H34-260212-0001 {}");
    let set = TemplateSet { subject: "{nope}".into(), ..default_set("accept", "vi").unwrap() };
    let errors = set.parse().unwrap_err();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].0, "subject");
}

#[test]
fn an_optional_part_disappears_when_its_value_is_missing() {
    let t = Template::parse("Hồ sơ {code}.[[ Tra cứu: {lookup_url}]][[ Hạn {due_date}.]]").unwrap();
    let mut c = ctx("accept");
    c.lookup_url = None;
    assert_eq!(t.render(&c, false), "Hồ sơ 000.00.17.H34-260212-0001. Hạn 05/03/2026.");
    // Values are escaped in HTML only.
    c.applicant = "<b>An & Bình</b>".into();
    let t = Template::parse("{applicant}").unwrap();
    assert_eq!(t.render(&c, true), "&lt;b&gt;An &amp; Bình&lt;/b&gt;");
    assert_eq!(t.render(&c, false), "<b>An & Bình</b>");
}

#[test]
fn vietnamese_sms_segments_are_counted_in_ucs2_and_gsm7() {
    // 67 Vietnamese letters with marks fit one UCS-2 segment up to 70; 71 need two (67 each).
    let text = "Hồ sơ đã được tiếp nhận, hẹn trả kết quả ngày 05/03/2026.";
    let s = segments(text);
    assert_eq!((s.encoding, s.units, s.count), (Encoding::Ucs2, 57, 1));
    let long = format!("{text} {text}");
    assert_eq!(segments(&long).count, 2);
    let plain = segments(&without_diacritics(&long));
    assert_eq!((plain.encoding, plain.count), (Encoding::Gsm7, 1));
}
