//! `TestApp`: the real application on a fresh database of either backend, called in-process,
//! with one API token per seeded officer and a clock the test sets.

#![allow(dead_code)]

/// Runs each named `async fn(TestApp)` as a test on SQLite and on PostgreSQL (modules `sqlite`
/// and `postgres` of the calling test file).
#[allow(unused_macros)]
macro_rules! on_every_backend {
    ($($test:ident),* $(,)?) => {
        mod sqlite {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $test() { super::$test(super::TestApp::new("sqlite").await).await; } )*
        }
        mod postgres {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $test() { super::$test(super::TestApp::new("postgres").await).await; } )*
        }
    };
}

/// Like `on_every_backend!`, each test given the server of the test file's own `app(backend)`
/// (one configured for it: a gateway, a key, a merchant).
#[allow(unused_macros)]
macro_rules! on_every_backend_with_app {
    ($($test:ident),* $(,)?) => {
        mod sqlite {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $test() { super::$test(super::app("sqlite").await).await; } )*
        }
        mod postgres {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $test() { super::$test(super::app("postgres").await).await; } )*
        }
    };
}

pub mod pages;

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use chrono::NaiveDateTime;
use http_body_util::BodyExt;
use motcua_app::files::FileStore;
use motcua_domain::org::Actor;
use motcua_store::ApiToken;
use motcua_store::testing::{Fixture, TestDb};
use motcua_web::clock::SetClock;
use motcua_web::extract::token_hash;
use motcua_web::{AppState, WebConfig, app};
use serde_json::Value;
use tower::ServiceExt;
use uuid::Uuid;

pub struct TestApp {
    pub db: TestDb,
    pub fx: Fixture,
    pub clock: Arc<SetClock>,
    pub router: Router,
    pub files_dir: std::path::PathBuf,
}

pub struct Response {
    pub status: StatusCode,
    pub body: Value,
}

impl TestApp {
    pub async fn new(backend: &str) -> TestApp {
        TestApp::with_config(backend, WebConfig::default()).await
    }

    pub async fn with_config(backend: &str, config: WebConfig) -> TestApp {
        let db = TestDb::by_name(backend).await;
        let fx = Fixture::seed(db.store.as_ref()).await;
        let clock = Arc::new(SetClock::at_local(motcua_store::testing::at(2026, 2, 12, 9, 0)));
        let files_dir = std::env::temp_dir().join(format!("motcua-files-{}", Uuid::new_v4()));
        let state = AppState::new(db.store.clone(), FileStore::new(&files_dir), clock.clone(), config).unwrap();
        for actor in [
            &fx.reception,
            &fx.specialist,
            &fx.unit_lead,
            &fx.agency_lead,
            &fx.admin,
            &fx.inspector,
            &fx.other_reception,
            &fx.citizen,
        ] {
            let token = ApiToken {
                id: Uuid::now_v7(),
                agency_id: None,
                user_id: actor.user_id,
                token_hash: token_hash(&token_of(actor)),
                name: "test".into(),
                expires_at: motcua_store::testing::at(2100, 1, 1, 0, 0),
            };
            db.store.insert_token(&token).await.unwrap();
        }
        TestApp { router: app(state), db, fx, clock, files_dir }
    }

    pub fn at(&self, y: i32, m: u32, d: u32, h: u32, min: u32) {
        self.clock.set_local(motcua_store::testing::at(y, m, d, h, min));
    }

    pub async fn request(&self, method: Method, uri: &str, actor: Option<&Actor>, body: Option<Value>) -> Response {
        let mut req = Request::builder().method(method).uri(uri);
        if let Some(a) = actor {
            req = req.header("authorization", format!("Bearer {}", token_of(a)));
        }
        let req = match body {
            Some(b) => req.header("content-type", "application/json").body(Body::from(b.to_string())).unwrap(),
            None => req.body(Body::empty()).unwrap(),
        };
        self.send(req).await
    }

    pub async fn send(&self, req: Request<Body>) -> Response {
        self.send_to(&self.router, req).await
    }

    /// A second server on the same database, files and clock, configured by `config` (several
    /// app servers on one PostgreSQL); [`send_to`](Self::send_to) reaches it.
    #[allow(dead_code)]
    pub fn another_server(&self, config: WebConfig) -> Router {
        let state =
            AppState::new(self.db.store.clone(), FileStore::new(&self.files_dir), self.clock.clone(), config).unwrap();
        app(state)
    }

    pub async fn send_to(&self, router: &Router, req: Request<Body>) -> Response {
        let res = router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        let body =
            serde_json::from_slice(&bytes).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()));
        Response { status, body }
    }

    pub async fn get(&self, uri: &str, actor: Option<&Actor>) -> Response {
        self.request(Method::GET, uri, actor, None).await
    }

    pub async fn post(&self, uri: &str, actor: &Actor, body: Value) -> Response {
        self.request(Method::POST, uri, Some(actor), Some(body)).await
    }

    /// Takes a dossier for `applicant` at the counter of the fixture's procedure, as reception.
    pub async fn counter_intake(&self, applicant: Value) -> Response {
        let body = serde_json::json!({ "procedure_code": "1.004227", "channel": "counter", "applicant": applicant });
        self.post("/api/v1/dossiers", &self.fx.reception, body).await
    }

    /// Applies a transition with the dossier's current version; returns the response.
    pub async fn act(&self, id: &str, action: &str, actor: &Actor, mut body: Value) -> Response {
        let version =
            self.get(&format!("/api/v1/dossiers/{id}"), Some(&self.fx.reception)).await.body["version"].clone();
        let version = if version.is_null() {
            self.get(&format!("/api/v1/dossiers/{id}"), Some(actor)).await.body["version"].clone()
        } else {
            version
        };
        body["version"] = version;
        self.post(&format!("/api/v1/dossiers/{id}/{action}"), actor, body).await
    }

    pub async fn upload(&self, id: &str, index: usize, actor: &Actor, content_type: &str, bytes: Vec<u8>) -> Response {
        let version = self.get(&format!("/api/v1/dossiers/{id}"), Some(actor)).await.body["version"].clone();
        let req = Request::builder()
            .method(Method::PUT)
            .uri(format!("/api/v1/dossiers/{id}/documents/{index}?name=giay-to.pdf&version={version}"))
            .header("authorization", format!("Bearer {}", token_of(actor)))
            .header("content-type", content_type)
            .body(Body::from(bytes))
            .unwrap();
        self.send(req).await
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.files_dir);
    }
}

pub fn token_of(actor: &Actor) -> String {
    format!("test-token-{}", actor.user_id)
}

pub fn applicant() -> Value {
    serde_json::json!({
        "name": "Trần Thị Bình",
        "citizen_id": "056190004321",
        "phone": "0914 555 678",
        "email": "binh@example.vn",
        "address": "5 Lê Lợi, Nha Trang, Khánh Hòa"
    })
}

pub fn pdf(size: usize) -> Vec<u8> {
    let mut bytes = b"%PDF-1.7\n".to_vec();
    bytes.resize(size.max(9), b' ');
    bytes
}

pub fn local(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S").unwrap()
}
