//! The personal data law on the pages: the public notice (both languages, the periods as
//! configured), the applicant's consent to SMS and e-mail asked at the counter and obeyed by the
//! worker, a citizen's own data downloaded (and audited), and what its retention no longer keeps
//! purged once a day.

#[macro_use]
mod common;

use axum::http::StatusCode;
use common::pages::*;
use common::{TestApp, applicant};
use motcua_domain::org::Role;
use motcua_store::DeliveryChannel;
use motcua_store::testing::at;

async fn the_notice_says_what_is_kept_how_long_and_for_whom(app: TestApp) {
    let (status, page) = get_page(&app, "/privacy", "").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("<h1>Thông báo xử lý dữ liệu cá nhân</h1>"), "{page}");
    assert!(page.contains("Luật Bảo vệ dữ liệu cá nhân năm 2025"));
    assert!(page.contains(&app.fx.agency.name), "the controllers are named");
    assert!(page.contains("Nội dung tin nhắn, thư đã gửi cho ông/bà: 365 ngày"), "{page}");
    let (_, page) = get_page(&app, "/privacy", "motcua_lang=en").await;
    assert!(page.contains("<h1>How your personal data is handled</h1>"), "{page}");
    // Every page leads to it.
    let (_, home) = get_page(&app, "/lookup", "").await;
    assert!(home.contains("<a href=\"/privacy\">Thông báo xử lý dữ liệu cá nhân</a>"), "{home}");
}

async fn a_declined_channel_gets_no_message(app: TestApp) {
    add_user(&app, "quay-dongy", false, vec![grant(&app, Role::Reception, Some("VP"))]).await;
    let (_, officer) = sign_in(&app, "quay-dongy", PASSWORD).await;
    // The counter's form asks, both boxes ticked on a new form.
    let (status, form) = get_page(&app, "/office/intake", &officer).await;
    assert_eq!(status, StatusCode::OK);
    assert!(form.contains("name=\"notify_sms\" value=\"1\" checked"), "{form}");
    assert!(form.contains("name=\"notify_email\" value=\"1\" checked"), "{form}");
    // The applicant unticks SMS at the counter: kept with the dossier.
    let fields = "procedure_code=1.004227&channel=counter&name=Tr%E1%BA%A7n+Th%E1%BB%8B+B%C3%ACnh&citizen_id=056190004321\
                  &phone=0914555678&address=5+L%C3%AA+L%E1%BB%A3i&doc_0=on&doc_1=on&notify_asked=1&notify_email=1";
    let (status, location, page) = post_multipart(&app, &officer, "/office/intake", fields, &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    let id = location.split('/').nth(3).expect("the dossier's address");
    let taken = app.db.store.dossier(app.fx.agency.id, uuid::Uuid::parse_str(id).unwrap()).await.unwrap().unwrap();
    assert_eq!(taken.applicant.consent, motcua_domain::dossier::NotifyConsent { sms: false, email: true });
    // Through the API: SMS declined, e-mail agreed.
    let mut who = applicant();
    who["consent"] = serde_json::json!({ "sms": false, "email": true });
    who["email"] = "an@example.vn".into();
    let declined = app.counter_intake(who).await;
    assert_eq!(declined.status, StatusCode::CREATED, "{}", declined.body);
    assert_eq!(declined.body["dossier"]["applicant"]["consent"], serde_json::json!({ "sms": false, "email": true }));
    // Saying nothing is consenting (the phone is asked for that).
    let mut who = applicant();
    who["email"] = "binh@example.vn".into();
    let silent = app.counter_intake(who).await;
    assert_eq!(silent.status, StatusCode::CREATED, "{}", silent.body);
    run_notifier(&app, at(2026, 2, 12, 9, 5)).await;
    let store = app.db.store.as_ref();
    let channels = |id: &str| {
        let id = uuid::Uuid::parse_str(id).unwrap();
        async move {
            let mut c: Vec<DeliveryChannel> =
                store.deliveries_of(app.fx.agency.id, id).await.unwrap().into_iter().map(|d| d.channel).collect();
            c.retain(|c| matches!(c, DeliveryChannel::Sms | DeliveryChannel::Email));
            c
        }
    };
    let declined = channels(declined.body["dossier"]["id"].as_str().unwrap()).await;
    assert_eq!(declined, vec![DeliveryChannel::Email], "no SMS to who declined it");
    let silent = channels(silent.body["dossier"]["id"].as_str().unwrap()).await;
    assert!(silent.contains(&DeliveryChannel::Sms) && silent.contains(&DeliveryChannel::Email), "{silent:?}");
}

async fn a_citizen_downloads_their_own_data_and_nobody_elses(app: TestApp) {
    let me = add_user(&app, "0905777888", true, vec![]).await;
    let store = app.db.store.as_ref();
    let mine = app.fx.accepted_dossier(store, at(2026, 2, 10, 9, 0), "0905777888", Some(me)).await;
    let theirs =
        app.fx.accepted_dossier(store, at(2026, 2, 10, 10, 0), "0905123456", Some(app.fx.citizen.user_id)).await;
    let (status, _) = get_page(&app, "/my/data", "").await;
    assert_eq!(status, StatusCode::SEE_OTHER, "signing in first");
    let (_, session) = sign_in(&app, "0905777888", PASSWORD).await;
    let (_, settings) = get_page(&app, "/my/settings", &session).await;
    assert!(settings.contains("href=\"/my/data\""), "{settings}");
    let (status, body) = get_page(&app, "/my/data", &session).await;
    assert_eq!(status, StatusCode::OK);
    let data: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(data["account"]["username"], "0905777888");
    let dossiers = data["dossiers"].as_array().unwrap();
    assert_eq!(dossiers.len(), 1, "{data}");
    assert_eq!(dossiers[0]["dossier"]["id"], mine.id.to_string());
    assert!(!dossiers[0]["history"].as_array().unwrap().is_empty());
    assert!(!body.contains(&theirs.id.to_string()));
    // The download is in the audit log.
    let entries = store
        .audit_search(&motcua_store::AuditQuery {
            agency_id: uuid::Uuid::nil(),
            from: at(2026, 1, 1, 0, 0),
            before: at(2027, 1, 1, 0, 0),
            actor_id: Some(me),
            dossier_id: None,
            action: Some("privacy_export".into()),
            limit: 10,
            offset: 0,
        })
        .await
        .unwrap();
    // An entry of no agency: the installation's record (the nil agency).
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0].object, format!("user:{me}"));
}

async fn what_retention_no_longer_keeps_is_purged_once_a_day(app: TestApp) {
    let store = app.db.store.as_ref();
    let sms = |id| async move {
        let all = store.deliveries_of(app.fx.agency.id, id).await.unwrap();
        all.into_iter().filter(|d| d.channel == DeliveryChannel::Sms).collect::<Vec<_>>()
    };
    // A message of last year, then one of yesterday: the worker's round that sends the second
    // purges the first (a year is the default).
    let old = app.fx.accepted_dossier(store, at(2025, 5, 2, 9, 0), "0905111000", None).await;
    run_notifier(&app, at(2025, 5, 2, 9, 5)).await;
    assert!(sms(old.id).await.iter().all(|d| d.body.contains(old.code.as_ref().unwrap().as_str())));
    let recent = app.fx.accepted_dossier(store, at(2026, 5, 31, 9, 0), "0905222000", None).await;
    run_notifier(&app, at(2026, 5, 31, 9, 5)).await;
    let (old_sms, recent_sms) = (sms(old.id).await, sms(recent.id).await);
    assert!(!old_sms.is_empty() && !recent_sms.is_empty());
    for d in old_sms {
        assert_eq!((d.recipient.as_str(), d.body.as_str()), ("", ""), "the old message keeps no text or address");
    }
    for d in recent_sms {
        assert!(!d.recipient.is_empty() && d.body.contains(recent.code.as_ref().unwrap().as_str()), "{d:?}");
    }

    // Sessions and rate-limit counters, purged the next day.
    let now = at(2026, 6, 2, 3, 0);
    let user = app.fx.reception.user_id;
    store.insert_session("old-session", user, at(2026, 6, 1, 23, 0)).await.unwrap();
    store.insert_session("live-session", user, at(2026, 6, 2, 15, 0)).await.unwrap();
    let old_window = (now - chrono::Duration::hours(7 + 48)).and_utc().timestamp();
    let live_window = (now - chrono::Duration::hours(7)).and_utc().timestamp();
    store.rate_limit_add("lookup|203.0.113.9", old_window, 3).await.unwrap();
    store.rate_limit_add("lookup|203.0.113.10", live_window, 3).await.unwrap();
    let retention = motcua_app::privacy::Retention::default();
    let purged = motcua_app::privacy::purge(store, &retention, now).await.unwrap().expect("the day's purge");
    assert_eq!((purged.sessions, purged.rate_limits), (1, 1), "{purged:?}");
    assert!(store.session_actor("live-session", now).await.unwrap().is_some());
    assert_eq!(store.rate_limit_count("lookup|203.0.113.10", live_window).await.unwrap(), 3);
    assert_eq!(store.rate_limit_count("lookup|203.0.113.9", old_window).await.unwrap(), 0);
    // Once a day, whichever worker comes first.
    assert!(motcua_app::privacy::purge(store, &retention, at(2026, 6, 2, 9, 0)).await.unwrap().is_none());
}

on_every_backend!(
    the_notice_says_what_is_kept_how_long_and_for_whom,
    a_declined_channel_gets_no_message,
    a_citizen_downloads_their_own_data_and_nobody_elses,
    what_retention_no_longer_keeps_is_purged_once_a_day,
);
