//! What the tests that run the real `motcua serve` share.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::Child;
use std::sync::{Arc, Mutex};

/// The address a started `motcua serve` (with stdout piped) listens on, from the line it prints;
/// the rest of its output is drained so that it never blocks on a full pipe.
pub fn address_of(server: &mut Child) -> String {
    let mut lines = BufReader::new(server.stdout.take().expect("stdout piped")).lines();
    let addr = loop {
        let line = lines.next().expect("server output").expect("readable output");
        if let Some(rest) = line.strip_prefix("motcua đang chạy tại ") {
            break rest.split_whitespace().next().expect("an address").trim_start_matches("http://").to_owned();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    addr
}

/// An SMS gateway on loopback that takes every message (`POST /send`, answered "ok"): its URL
/// and the bodies received, in order.
pub async fn sms_gateway() -> (String, Arc<Mutex<Vec<String>>>) {
    let received: Arc<Mutex<Vec<String>>> = Arc::default();
    let sink = received.clone();
    let app = axum::Router::new().route(
        "/send",
        axum::routing::post(move |body: String| {
            let sink = sink.clone();
            async move {
                sink.lock().unwrap().push(body);
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/send", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, received)
}
