//! The catalog from the national procedure database, on both backends: the administrator uploads
//! the database's export; a procedure it changes becomes a draft naming what changed (never a
//! silent new version); the draft opens in the editor, is published by the administrator; when
//! the procedure then changes upstream, the next import makes a new draft and the published
//! version stays as it was until the administrator publishes again. A file that repeats what is
//! known makes no draft; a record that is not a procedure is named and refused.

#[macro_use]
mod common;

use axum::http::StatusCode;
use common::TestApp;
use common::pages::*;
use motcua_domain::org::Role;
use serde_json::{Value, json};

on_every_backend!(a_procedure_imported_then_changed_upstream_becomes_a_draft_not_a_new_version,);

fn record(days: u32, fee: u64) -> Value {
    json!({
        "MATTHC": "1.004211",
        "TENTTHC": "Gia hạn, điều chỉnh giấy phép khai thác nước dưới đất đối với công trình có quy mô dưới 5.000 m3/ngày đêm",
        "LINHVUCTHUCHIEN": [{"MALINHVUC": "DD", "TENLINHVUC": "Đất đai"}],
        "CAPTHUCHIEN": "Cấp tỉnh",
        "DOITUONGTHUCHIEN": "Công dân Việt Nam, Tổ chức",
        "TRINHTUTHUCHIEN": "Bước 1: Nộp hồ sơ\nBước 2: Tiếp nhận, kiểm tra hồ sơ\nBước 3: Thẩm định",
        "CACHTHUCTHUCHIEN": [
            {"KENH": "Trực tiếp", "THOIGIAN": [{"THOIGIANGIAIQUYET": days, "DONVITINH": "Ngày làm việc",
                "PHILEPHI": [{"SOTIEN": fee, "MOTA": "Phí thẩm định"}]}]},
            {"KENH": "Trực tuyến", "THOIGIAN": [{"THOIGIANGIAIQUYET": days, "DONVITINH": "Ngày làm việc",
                "PHILEPHI": [{"SOTIEN": fee, "MOTA": "Phí thẩm định"}]}]}
        ],
        "THANHPHANHOSO": [{"GIAYTO": [
            {"TENGIAYTO": "Văn bản đề nghị gia hạn theo Mẫu 04", "SOBANCHINH": 1},
            {"TENGIAYTO": "Báo cáo hiện trạng khai thác theo Mẫu 41", "SOBANCHINH": 1}
        ]}],
        "KETQUATHUCHIEN": [{"TENKETQUA": "Giấy phép khai thác nước dưới đất được gia hạn, điều chỉnh"}],
        "CANCUPHAPLY": [{"SOVANBAN": "28/2023/QH15", "TENVANBAN": "Luật Tài nguyên nước"}],
        "SOQUYETDINH": "248/QĐ-BNNMT"
    })
}

async fn upload(app: &TestApp, admin: &str, records: &Value) -> (StatusCode, String) {
    let file = ("file", "csdl-tthc.json", records.to_string().into_bytes());
    let (status, _, page) = post_multipart(app, admin, "/admin/procedures/drafts", "", &[file]).await;
    (status, page)
}

async fn a_procedure_imported_then_changed_upstream_becomes_a_draft_not_a_new_version(app: TestApp) {
    add_user(&app, "quantri-csdl", false, vec![grant(&app, Role::Admin, None)]).await;
    let (_, admin) = sign_in(&app, "quantri-csdl", PASSWORD).await;
    let store = app.db.store.clone();
    let agency = app.fx.agency.id;

    // The first import: a procedure new to the agency, and a record that is not a procedure.
    let (status, page) =
        upload(&app, &admin, &json!([record(24, 1_200_000), {"MATTHC": "KH.01", "TENTTHC": "x"}])).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("1 bản nháp, 0 thủ tục không đổi, 1 không nhận"), "{page}");
    assert!(page.contains("KH.01") && page.contains("không phải mã của CSDL quốc gia"), "{page}");
    assert!(store.procedure("1.004211").await.unwrap().is_none(), "nothing published by an import");
    let draft = store.procedure_draft_of(agency, "1.004211").await.unwrap().expect("a draft");
    assert_eq!(draft.summary, "thủ tục mới với cơ quan");
    // The same file again: nothing new.
    let (_, page) = upload(&app, &admin, &json!([record(24, 1_200_000)])).await;
    assert!(page.contains("0 bản nháp, 1 thủ tục không đổi"), "{page}");
    assert_eq!(store.procedure_drafts(agency).await.unwrap().len(), 1);

    // The draft opens in the editor with what the database says, for the administrator to publish.
    let (status, editor) = get_page(&app, &format!("/admin/procedures?draft={}", draft.id), &admin).await;
    assert_eq!(status, StatusCode::OK);
    assert!(editor.contains(&format!("name=\"draft_id\" value=\"{}\"", draft.id)), "{editor}");
    assert!(editor.contains("Bản nháp từ CSDL quốc gia, tệp csdl-tthc.json"), "{editor}");
    assert!(editor.contains("Báo cáo hiện trạng khai thác theo Mẫu 41"));
    // (The browser test publishes through the editor; here the administrator's act is the same
    // use case the editor calls.)
    let now = motcua_store::testing::at(2026, 2, 12, 9, 0);
    let admin_user = store.user_by_username("quantri-csdl").await.unwrap().unwrap();
    let admin_actor = motcua_domain::org::Actor {
        user_id: admin_user.id,
        name: "quản trị".into(),
        grants: vec![grant(&app, Role::Admin, None)],
        citizen: false,
    };
    let published = motcua_app::catalog::publish(
        store.as_ref(),
        &admin_actor,
        agency,
        &draft.spec,
        "procedure_published",
        json!({}),
        now,
    )
    .await
    .unwrap();
    assert!(store.close_procedure_draft(agency, draft.id, "published", admin_actor.user_id, now).await.unwrap());
    assert_eq!(published.spec.time_limit.to_string(), "24d");

    // Upstream, the time limit and the fee change: a draft naming them; the version in force
    // stays until the administrator publishes.
    let (_, page) = upload(&app, &admin, &json!({"data": [record(20, 1_500_000)]})).await;
    assert!(page.contains("1 bản nháp"), "{page}");
    let changed = store.procedure_draft_of(agency, "1.004211").await.unwrap().expect("a new draft");
    assert_eq!(changed.summary, "thời hạn giải quyết, cách thức thực hiện, phí, lệ phí");
    let current = store.procedure("1.004211").await.unwrap().unwrap();
    assert_eq!((current.version, current.spec.time_limit.to_string()), (published.version, "24d".to_owned()));
    assert_eq!(changed.spec.steps, current.spec.steps, "the agency's own process is kept");
    let (_, list) = get_page(&app, "/admin/procedures/drafts", &admin).await;
    assert!(list.contains("thời hạn giải quyết, cách thức thực hiện, phí, lệ phí"), "{list}");

    // Discarded, it is gone, and audited.
    let (status, location, _) =
        post_form(&app, &admin, &format!("/admin/procedures/drafts/{}/discard", changed.id), "").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(location.contains("discarded=1.004211"));
    assert!(store.procedure_drafts(agency).await.unwrap().is_empty());
    // A file that is not JSON is refused with a message, as a page.
    let (status, page) = upload(&app, &admin, &Value::String("{".into())).await;
    assert!(status.is_client_error(), "{status}");
    assert!(page.contains("<html"), "{page}");
    // Someone who is not the administrator cannot import.
    let (_, specialist) = {
        add_user(&app, "chuyenvien-csdl", false, vec![grant(&app, Role::Specialist, Some("DD"))]).await;
        sign_in(&app, "chuyenvien-csdl", PASSWORD).await
    };
    let (status, _) = upload(&app, &specialist, &json!([record(24, 1)])).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
