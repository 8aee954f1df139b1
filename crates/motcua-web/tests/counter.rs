//! The counter as officers use it, on both backends: a walk-in with a missing paper gets Mẫu 02
//! and no accepted dossier; one out of scope gets Mẫu 03, recorded and counted; one with every
//! paper is accepted with its scans, and Mẫu 01 lists exactly what was ticked, with the register's
//! book and line, numbered continuously per agency and year. Each printed form carries the fields
//! its template requires.

#[macro_use]
mod common;

use axum::http::StatusCode;
use common::TestApp;
use common::pages::*;
use motcua_domain::dossier::{FormKind, PaperForm, State};
use motcua_domain::org::Role;
use motcua_store::DossierFilter;
use motcua_store::testing::at;

on_every_backend!(
    a_walk_in_missing_a_paper_gets_mau_02_and_no_accepted_dossier,
    a_walk_in_out_of_scope_gets_mau_03_recorded_as_refused_at_intake,
    a_walk_in_with_every_paper_is_accepted_with_scans_and_mau_01_lists_exactly_what_was_ticked,
    documents_after_acceptance_carry_their_numbers_and_required_fields,
    a_postal_dossier_has_its_handover_record_its_number_once_and_its_result_posted_back,
    an_inter_agency_step_is_sent_out_with_a_slip_and_its_lateness_is_the_other_agencys,
);

const APPLICANT: &str = "procedure_code=1.004227&channel=counter&name=Tr%E1%BA%A7n+Th%E1%BB%8B+B%C3%ACnh&citizen_id=056190004321&phone=0914555678&address=5+L%C3%AA+L%E1%BB%A3i%2C+Nha+Trang";

async fn counter(app: &TestApp) -> String {
    app.clock.set_local(at(2026, 8, 19, 9, 30));
    add_user(app, "quay-mot", false, vec![grant(app, Role::Reception, None)]).await;
    app.db.store.set_agency_setting(app.fx.agency.id, "forms.symbol", Some("VPĐK")).await.unwrap();
    app.db.store.set_agency_setting(app.fx.agency.id, "forms.place", Some("Khánh Hòa")).await.unwrap();
    sign_in(app, "quay-mot", PASSWORD).await.1
}

async fn dossiers(app: &TestApp) -> Vec<motcua_domain::dossier::Dossier> {
    let f = DossierFilter { agencies: vec![app.fx.agency.id], page: 1, page_size: 100, ..Default::default() };
    app.db.store.list_dossiers(&f).await.unwrap().items
}

fn png() -> Vec<u8> {
    let mut b = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    b.extend_from_slice(&[7; 2000]);
    b
}

async fn a_walk_in_missing_a_paper_gets_mau_02_and_no_accepted_dossier(app: TestApp) {
    let officer = counter(&app).await;
    // Only the form (đơn) is there; the certificate is missing.
    let fields = format!(
        "{APPLICANT}&doc_0=on&form_0=original&outcome=complete&items=B%E1%BA%A3n+%C4%91%E1%BB%93+th%E1%BB%ADa+%C4%91%E1%BA%A5t&reason=&legal_basis=%C4%90i%E1%BB%81u+28+Ngh%E1%BB%8B+%C4%91%E1%BB%8Bnh+101%2F2024%2FN%C4%90-CP"
    );
    let (status, location, page) = post_multipart(&app, &officer, "/office/intake", &fields, &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    assert!(location.ends_with("/forms/mau-02"), "the guidance is printed at once: {location}");
    let (status, form) = get_page(&app, &location, &officer).await;
    assert_eq!(status, StatusCode::OK);
    for required in [
        "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ",
        "Số: <span id=\"form-number\">01/PBS-VPĐK</span>",
        "Khánh Hòa, ngày 19 tháng 8 năm 2026",
        "Hồ sơ của: <strong>Trần Thị Bình</strong>",
        "Nội dung yêu cầu giải quyết: Đăng ký biến động",
        "5 Lê Lợi, Nha Trang",
        "0914555678",
        "<li>Giấy chứng nhận đã cấp</li>",
        "<li>Bản đồ thửa đất</li>",
        "Lý do:",
        "Căn cứ pháp lý: <span id=\"form-basis\">Điều 28 Nghị định 101/2024/NĐ-CP</span>",
        "<span id=\"form-contact\">",
        "NGƯỜI HƯỚNG DẪN",
    ] {
        assert!(form.contains(required), "Mẫu 02 has {required:?}: {form}");
    }
    assert!(!form.contains("Văn bản ủy quyền"), "an optional paper is not asked for");
    // The visit is recorded, but nothing was accepted: no code, no clock, no register line.
    let all = dossiers(&app).await;
    assert_eq!(all.len(), 1);
    let d = &all[0];
    assert_eq!(d.state, State::NeedsCompletion);
    assert!(d.code.is_none() && d.due_date.is_none() && d.register_no.is_none() && d.received_at.is_none());
    assert_eq!(d.issued(FormKind::Completion).and_then(|f| f.number), Some(1));
    // The next guidance of the year takes the next number.
    let (_, location, _) = post_multipart(&app, &officer, "/office/intake", &fields, &[]).await;
    let (_, form) = get_page(&app, &location, &officer).await;
    assert!(form.contains("02/PBS-VPĐK"), "numbered continuously: {form}");
    // A guidance needs its legal basis.
    let no_basis = format!("{APPLICANT}&doc_0=on&outcome=complete&legal_basis=");
    let (status, _, page) = post_multipart(&app, &officer, "/office/intake", &no_basis, &[]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("căn cứ pháp lý"), "{page}");
}

async fn a_walk_in_out_of_scope_gets_mau_03_recorded_as_refused_at_intake(app: TestApp) {
    let officer = counter(&app).await;
    // A refusal needs its reason.
    let (status, _, page) =
        post_multipart(&app, &officer, "/office/intake", &format!("{APPLICANT}&outcome=refuse&reason="), &[]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    let fields = format!(
        "{APPLICANT}&outcome=refuse&reason=Th%E1%BB%ADa+%C4%91%E1%BA%A5t+thu%E1%BB%99c+t%E1%BB%89nh+kh%C3%A1c&legal_basis=Lu%E1%BA%ADt+%C4%90%E1%BA%A5t+%C4%91ai+2024"
    );
    let (status, location, page) = post_multipart(&app, &officer, "/office/intake", &fields, &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    assert!(location.ends_with("/forms/mau-03"), "{location}");
    let (_, form) = get_page(&app, &location, &officer).await;
    for required in [
        "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ",
        "01/PTC-VPĐK",
        "tiếp nhận hồ sơ của: <strong>Trần Thị Bình</strong>",
        "Nội dung yêu cầu giải quyết:",
        "Thửa đất thuộc tỉnh khác",
        "Căn cứ pháp lý: <span id=\"form-basis\">Luật Đất đai 2024</span>",
        "Xin thông báo để ông/bà được biết và thực hiện.",
        "NGƯỜI TIẾP NHẬN HỒ SƠ",
    ] {
        assert!(form.contains(required), "Mẫu 03 has {required:?}: {form}");
    }
    let all = dossiers(&app).await;
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].state, State::RefusedAtIntake);
    assert_eq!(all[0].portal_status(), 3, "counted as 'Không được tiếp nhận'");
    assert!(all[0].code.is_none() && all[0].received_at.is_none());
    // Counted where the monitoring counts the counter's refusals.
    let lead = {
        add_user(&app, "lanhdao-quay", false, vec![grant(&app, Role::AgencyLead, None)]).await;
        sign_in(&app, "lanhdao-quay", PASSWORD).await.1
    };
    let (status, page) = get_page(&app, "/office/monitoring", &lead).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("id=\"turned-away-refused\">1<"), "{page}");
}

async fn a_walk_in_with_every_paper_is_accepted_with_scans_and_mau_01_lists_exactly_what_was_ticked(app: TestApp) {
    let officer = counter(&app).await;
    let pdf = common::pdf(3000);
    // The form is an original in two scanned files; the certificate a certified copy; the
    // optional proxy letter was not brought. The result goes by post; the fees are paid.
    let fields = format!(
        "{APPLICANT}&doc_0=on&form_0=original&doc_1=on&form_1=certified_copy&form_2=original&result_way=postal&result_address=12+Tr%E1%BA%A7n+Ph%C3%BA%2C+Nha+Trang&fees_paid=on"
    );
    let files =
        [("file_0", "don-trang-1.pdf", pdf.clone()), ("file_0", "don-trang-2.png", png()), ("file_1", "gcn.pdf", pdf)];
    let (status, location, page) = post_multipart(&app, &officer, "/office/intake", &fields, &files).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    assert!(location.ends_with("/receipt"));
    let d = dossiers(&app).await.remove(0);
    assert_eq!(d.state, State::Accepted);
    assert_eq!(d.register_no, Some(1));
    assert_eq!(
        d.documents[0].files().map(|f| f.name.as_str()).collect::<Vec<_>>(),
        ["don-trang-1.pdf", "don-trang-2.png"]
    );
    assert_eq!(d.documents[0].form, Some(PaperForm::Original));
    assert_eq!(d.documents[1].form, Some(PaperForm::CertifiedCopy));
    assert!(!d.documents[2].received && d.documents[2].form.is_none());
    // Both scans of the first paper are served.
    let (status, _) = get_page(&app, &format!("/office/dossiers/{}/files/0/1", d.id), &officer).await;
    assert_eq!(status, StatusCode::OK);

    let (_, receipt) = get_page(&app, &location, &officer).await;
    for required in [
        "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
        "Số: <span id=\"form-number\">01/PTN-VPĐK</span>",
        "Khánh Hòa, ngày 19 tháng 8 năm 2026",
        "000.00.17.H34-260819-0001",
        "tiếp nhận hồ sơ của: <strong>Trần Thị Bình</strong>",
        "Địa chỉ: 5 Lê Lợi, Nha Trang",
        "Số điện thoại: 0914555678",
        "<td>Đơn đăng ký biến động đất đai (Mẫu 11/ĐK)</td><td>Bản chính</td><td>01</td>",
        "<td>Giấy chứng nhận đã cấp</td><td>Bản sao chứng thực</td><td>01</td>",
        "2. Số lượng hồ sơ: 01 (bộ)",
        "3. Thời gian giải quyết hồ sơ theo quy định: 10 ngày làm việc",
        "4. Thời gian nhận hồ sơ: 09 giờ 30 phút, ngày 19/08/2026",
        "giờ",
        "Qua dịch vụ bưu chính công ích, địa chỉ: 12 Trần Phú, Nha Trang",
        "tổng 550.000 đ (đã thanh toán)",
        "Vào Sổ theo dõi hồ sơ, Quyển số: 01/2026, Số thứ tự: 1",
        "NGƯỜI NỘP HỒ SƠ",
        "NGƯỜI TIẾP NHẬN HỒ SƠ",
    ] {
        assert!(receipt.contains(required), "Mẫu 01 has {required:?}: {receipt}");
    }
    assert!(!receipt.contains("Văn bản ủy quyền"), "a paper not received is not on the receipt");
    assert!(receipt.contains("class=\"paper a5\""), "printed on A5");

    // The next acceptance is the register's next line, whatever the range the register shows.
    let fields = format!("{APPLICANT}&doc_0=on&doc_1=on");
    let (_, location, _) = post_multipart(&app, &officer, "/office/intake", &fields, &[]).await;
    let (_, receipt) = get_page(&app, &location, &officer).await;
    assert!(receipt.contains("Số thứ tự: 2") && receipt.contains("02/PTN-VPĐK"), "{receipt}");
    assert!(receipt.contains("Bộ phận tiếp nhận và trả kết quả") && receipt.contains("550.000 đ (chưa thanh toán)"));
    let (_, register) = get_page(&app, "/office/register?from=2026-08-19&to=2026-08-19", &officer).await;
    assert!(register.contains("<td>2</td><td>000.00.17.H34-260819-0002</td>"), "{register}");
    assert!(register.contains("<td>1</td><td>000.00.17.H34-260819-0001</td>"));
    // A scan of a paper not ticked as received is refused, naming the line; nothing is stored.
    let (status, _, page) = post_multipart(
        &app,
        &officer,
        "/office/intake",
        &format!("{APPLICANT}&doc_0=on&doc_1=on"),
        &[("file_2", "uq.pdf", common::pdf(100))],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("chưa được đánh dấu đã nhận"), "{page}");
    // A file that is not a PDF, JPEG or PNG is refused by its content.
    let (status, _, page) = post_multipart(
        &app,
        &officer,
        "/office/intake",
        &format!("{APPLICANT}&doc_0=on&doc_1=on"),
        &[("file_0", "don.pdf", b"<html>not a scan</html>".to_vec())],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("không phải PDF, PNG hoặc JPEG"), "{page}");
    assert!(
        page.contains("value=\"Trần Thị Bình\"") && page.contains("value=\"0914555678\""),
        "what was typed comes back"
    );
    assert_eq!(dossiers(&app).await.len(), 2);
}

async fn documents_after_acceptance_carry_their_numbers_and_required_fields(app: TestApp) {
    let officer = counter(&app).await;
    let store = app.db.store.clone();
    let lead = {
        add_user(&app, "giamdoc-van-ban", false, vec![grant(&app, Role::AgencyLead, None)]).await;
        sign_in(&app, "giamdoc-van-ban", PASSWORD).await.1
    };
    let d = app.fx.accepted_dossier(store.as_ref(), at(2026, 8, 19, 9, 0), "0905123456", None).await;
    // Through the processing steps to the agency's lead, who refuses it in writing.
    for who in [&app.fx.reception, &app.fx.specialist, &app.fx.unit_lead] {
        let r = app.act(&d.id.to_string(), "forward", who, serde_json::json!({})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    let version = store.dossier(d.agency_id, d.id).await.unwrap().unwrap().version;
    let form = format!(
        "version={version}&action=refuse&reason=Th%E1%BB%ADa+%C4%91%E1%BA%A5t+%C4%91ang+c%C3%B3+tranh+ch%E1%BA%A5p&legal_basis=%C4%90i%E1%BB%81u+45+Lu%E1%BA%ADt+%C4%90%E1%BA%A5t+%C4%91ai"
    );
    let (status, _, page) = post_form(&app, &lead, &format!("/office/dossiers/{}/act", d.id), &form).await;
    assert!(status.is_redirection() || status == StatusCode::OK, "{status} {page}");
    let (_, page) = get_page(&app, &format!("/office/dossiers/{}", d.id), &officer).await;
    assert!(page.contains("/forms/tu-choi"), "the refusal is offered to print: {page}");
    assert!(!page.contains("/forms/thong-bao-dung"), "not a stop notice");
    let (status, refusal) = get_page(&app, &format!("/office/dossiers/{}/forms/tu-choi", d.id), &officer).await;
    assert_eq!(status, StatusCode::OK);
    for required in [
        "THÔNG BÁO TỪ CHỐI GIẢI QUYẾT HỒ SƠ",
        "01/TB-TC-VPĐK",
        "Kính gửi: <strong>",
        "Thửa đất đang có tranh chấp",
        "Căn cứ pháp lý: <span id=\"form-basis\">Điều 45 Luật Đất đai</span>",
        "THỦ TRƯỞNG CƠ QUAN",
        "Nơi nhận:",
    ] {
        assert!(refusal.contains(required), "the refusal has {required:?}: {refusal}");
    }
    // The control sheet (Mẫu 05) of the same dossier: every step with its times and result.
    let (status, sheet) = get_page(&app, &format!("/office/dossiers/{}/forms/mau-05", d.id), &officer).await;
    assert_eq!(status, StatusCode::OK);
    for required in
        ["PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ", "Kèm theo hồ sơ của:", "Thẩm định hồ sơ", "Nhận:", "Giao:"]
    {
        assert!(sheet.contains(required), "Mẫu 05 has {required:?}");
    }
    // An apology and new date (Mẫu 04), by the lead, for another dossier.
    let late = app.fx.accepted_dossier(store.as_ref(), at(2026, 8, 19, 9, 0), "0905123456", None).await;
    let new_due = late.due_date.unwrap() + chrono::Duration::days(7);
    let form = format!(
        "version={}&action=reappoint&reason=C%E1%BA%A7n+x%C3%A1c+minh+th%E1%BB%B1c+%C4%91%E1%BB%8Ba&new_due_date={}",
        late.version,
        new_due.format("%Y-%m-%d")
    );
    let (status, _, page) = post_form(&app, &lead, &format!("/office/dossiers/{}/act", late.id), &form).await;
    assert!(status.is_redirection(), "{status} {page}");
    let (status, apology) = get_page(&app, &format!("/office/dossiers/{}/forms/mau-04", late.id), &officer).await;
    assert_eq!(status, StatusCode::OK);
    for required in [
        "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ",
        "01/PXL-VPĐK",
        "Kính gửi: <strong>",
        "Cần xác minh thực địa",
        &new_due.format("%d/%m/%Y").to_string(),
        "THỦ TRƯỞNG CƠ QUAN",
    ] {
        assert!(apology.contains(required), "Mẫu 04 has {required:?}: {apology}");
    }
    // A withdrawal at the applicant's request: the stop notice, numbered in its own series.
    let stopped = app.fx.accepted_dossier(store.as_ref(), at(2026, 8, 19, 9, 0), "0905123456", None).await;
    let form = format!(
        "version={}&action=withdraw&reason=Ng%C6%B0%E1%BB%9Di+n%E1%BB%99p+%C4%91%E1%BB%81+ngh%E1%BB%8B+d%E1%BB%ABng",
        stopped.version
    );
    let (status, _, page) = post_form(&app, &officer, &format!("/office/dossiers/{}/act", stopped.id), &form).await;
    assert!(status.is_redirection(), "{status} {page}");
    let (status, notice) =
        get_page(&app, &format!("/office/dossiers/{}/forms/thong-bao-dung", stopped.id), &officer).await;
    assert_eq!(status, StatusCode::OK);
    for required in ["THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ", "01/TB-DG-VPĐK", "Người nộp đề nghị dừng", "Ngày đề nghị dừng"]
    {
        assert!(notice.contains(required), "the stop notice has {required:?}: {notice}");
    }
    // A form the dossier never had is not found.
    let (status, _) = get_page(&app, &format!("/office/dossiers/{}/forms/mau-04", d.id), &officer).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn a_postal_dossier_has_its_handover_record_its_number_once_and_its_result_posted_back(app: TestApp) {
    let officer = counter(&app).await;
    let store = app.db.store.clone();
    let postal = APPLICANT.replace("channel=counter", "channel=postal");
    let fields = format!(
        "{postal}&handover_at=2026-08-19T08%3A15&tracking_number=eb123456789vn&doc_0=on&doc_1=on&result_way=postal&result_address=5+L%C3%AA+L%E1%BB%A3i"
    );
    let (status, location, page) = post_multipart(&app, &officer, "/office/intake", &fields, &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    let (_, receipt) = get_page(&app, &location, &officer).await;
    assert!(!receipt.contains("NGƯỜI NỘP HỒ SƠ"), "a postal applicant is not there to sign");
    assert!(receipt.contains("08 giờ 15 phút, ngày 19/08/2026"), "the filing time is the handover's");
    let d = dossiers(&app).await.remove(0);
    assert_eq!(d.postal.as_ref().unwrap().tracking_number, "EB123456789VN");
    // The handover record signed with the postal worker.
    let (_, page) = get_page(&app, &format!("/office/dossiers/{}", d.id), &officer).await;
    assert!(page.contains("/forms/bien-ban-giao-nhan"), "{page}");
    let (status, record) =
        get_page(&app, &format!("/office/dossiers/{}/forms/bien-ban-giao-nhan", d.id), &officer).await;
    assert_eq!(status, StatusCode::OK);
    for required in [
        "BIÊN BẢN GIAO NHẬN HỒ SƠ",
        "08 giờ 15 phút, ngày 19/08/2026",
        "<strong id=\"handover-tracking\">EB123456789VN</strong>",
        "Giấy chứng nhận đã cấp",
        "ĐẠI DIỆN BÊN GIAO",
        "ĐẠI DIỆN BÊN NHẬN",
    ] {
        assert!(record.contains(required), "the handover record has {required:?}: {record}");
    }
    // The same item number for a second open dossier is refused, and nothing is taken.
    let (status, _, page) = post_multipart(&app, &officer, "/office/intake", &fields, &[]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("số hiệu bưu gửi này đã dùng"), "{page}");
    assert_eq!(dossiers(&app).await.len(), 1);

    // Decided, then returned by post: the address and the outgoing number are recorded.
    let forward = || motcua_domain::dossier::Action::Forward { note: None, assignee: None };
    let fx = &app.fx;
    let d = fx.act(store.as_ref(), &d, forward(), &fx.reception, at(2026, 8, 19, 10, 0)).await;
    let d = fx.act(store.as_ref(), &d, forward(), &fx.specialist, at(2026, 8, 20, 9, 0)).await;
    let d = fx.act(store.as_ref(), &d, forward(), &fx.unit_lead, at(2026, 8, 20, 15, 0)).await;
    let approve = motcua_domain::dossier::Action::Approve {
        result_number: "88/GCN".into(),
        result_date: at(2026, 8, 21, 0, 0).date(),
    };
    let d = fx.act(store.as_ref(), &d, approve, &fx.agency_lead, at(2026, 8, 21, 9, 0)).await;
    let path = format!("/office/dossiers/{}/act", d.id);
    let no_number =
        format!("version={}&action=return_result&channel=postal&return_address=5+L%C3%AA+L%E1%BB%A3i", d.version);
    let (status, _, page) = post_form(&app, &officer, &path, &no_number).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert!(page.contains("số hiệu bưu gửi"), "{page}");
    let (_, page) = get_page(&app, &format!("/office/dossiers/{}", d.id), &officer).await;
    assert!(page.contains("value=\"5 Lê Lợi\""), "the address the applicant gave is offered: {page}");
    let form = format!("{no_number}&return_tracking_number=RR987654321VN");
    let (status, _, page) = post_form(&app, &officer, &path, &form).await;
    assert!(status.is_redirection(), "{status} {page}");
    let d = store.dossier(d.agency_id, d.id).await.unwrap().unwrap();
    assert_eq!(d.state, State::Returned);
    let sent = d.returned_by_post.expect("the post's record");
    assert_eq!((sent.address.as_str(), sent.tracking_number.as_str()), ("5 Lê Lợi", "RR987654321VN"));
    // Once returned, the incoming number is free again.
    assert!(store.open_postal_dossier(d.agency_id, "EB123456789VN").await.unwrap().is_none());
}

async fn an_inter_agency_step_is_sent_out_with_a_slip_and_its_lateness_is_the_other_agencys(app: TestApp) {
    let officer = counter(&app).await;
    let store = app.db.store.clone();
    let fx = &app.fx;
    // A land procedure whose financial obligations are fixed by the tax office.
    let mut spec = motcua_store::testing::land_procedure_spec();
    spec.code = "2.000111".into();
    spec.steps[2].name = "Xác định nghĩa vụ tài chính".into();
    spec.steps[2].role = Role::Specialist;
    spec.steps[2].external_agency = Some("Chi cục Thuế khu vực Khánh Hòa".into());
    store.publish_procedure(fx.agency.id, &spec, "Đất đai", at(2026, 8, 1, 8, 0)).await.unwrap();
    let fields = format!("{}&doc_0=on&doc_1=on", APPLICANT.replace("1.004227", "2.000111"));
    let (status, _, page) = post_multipart(&app, &officer, "/office/intake", &fields, &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    let d = dossiers(&app).await.remove(0);
    let forward = || motcua_domain::dossier::Action::Forward { note: None, assignee: None };
    let d = fx.act(store.as_ref(), &d, forward(), &fx.reception, at(2026, 8, 19, 10, 0)).await;
    // The specialist sends it to the tax office on 20/08.
    let d = fx.act(store.as_ref(), &d, forward(), &fx.specialist, at(2026, 8, 20, 9, 0)).await;
    assert!(d.at_external_agency().is_some());
    app.clock.set_local(at(2026, 8, 25, 9, 0));
    let officer = sign_in(&app, "quay-mot", PASSWORD).await.1;
    let (_, page) = get_page(&app, &format!("/office/dossiers/{}", d.id), &officer).await;
    assert!(page.contains("Hồ sơ đang ở <strong>Chi cục Thuế khu vực Khánh Hòa</strong> (liên thông)"), "{page}");
    let (status, slip) =
        get_page(&app, &format!("/office/dossiers/{}/forms/phieu-chuyen-lien-thong", d.id), &officer).await;
    assert_eq!(status, StatusCode::OK, "{slip}");
    for required in [
        "PHIẾU CHUYỂN HỒ SƠ LIÊN THÔNG",
        "Kính gửi: <strong id=\"transfer-agency\">Chi cục Thuế khu vực Khánh Hòa</strong>",
        "Xác định nghĩa vụ tài chính",
        "id=\"transfer-deadline\"",
        "Giấy chứng nhận đã cấp",
        "NGƯỜI NHẬN",
    ] {
        assert!(slip.contains(required), "the slip has {required:?}: {slip}");
    }
    // Late at the tax office: monitoring names the tax office, not the land unit.
    add_user(&app, "lanhdao-lienthong", false, vec![grant(&app, Role::AgencyLead, None)]).await;
    let lead = sign_in(&app, "lanhdao-lienthong", PASSWORD).await.1;
    let (_, monitoring) = get_page(&app, "/office/monitoring?days=30", &lead).await;
    assert!(monitoring.contains("Cơ quan phối hợp: Chi cục Thuế khu vực Khánh Hòa (liên thông)"), "{monitoring}");
    // It comes back on 25/08, late: Mẫu 05 shows the time there apart, and whose the delay was.
    let d = fx.act(store.as_ref(), &d, forward(), &fx.specialist, at(2026, 8, 25, 9, 0)).await;
    assert!(d.at_external_agency().is_none());
    let (_, sheet) = get_page(&app, &format!("/office/dossiers/{}/forms/mau-05", d.id), &officer).await;
    let external = sheet.split("id=\"external-time\"").nth(1).expect("the time at other agencies, apart");
    assert!(external.contains("Chi cục Thuế khu vực Khánh Hòa — Xác định nghĩa vụ tài chính"), "{external}");
    assert!(external.contains("quá hạn do Chi cục Thuế khu vực Khánh Hòa"), "{external}");
    assert!(sheet.contains("Chi cục Thuế khu vực Khánh Hòa (liên thông) — Xác định nghĩa vụ tài chính"));
}
