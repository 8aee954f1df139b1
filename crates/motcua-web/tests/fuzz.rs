//! The OpenAPI document, fuzzed: every operation it lists is called by every kind of caller
//! (anonymous, citizen, counter, administrator) with hostile path parameters, query strings and
//! JSON bodies built from the operation's own schema (right names, wrong and hostile values).
//! No answer may be a 5xx, and none may be lost (a panic would be a dropped connection; the
//! catch-panic layer would turn it into a 500, which fails here too). On both backends, since a
//! value one database takes (a NUL byte) is one the other refuses.

#[macro_use]
mod common;

use axum::body::Body;
use axum::http::{Method, Request};
use common::{TestApp, token_of};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Value, json};

on_every_backend!(every_operation_answers_hostile_input_without_a_5xx);

/// Strings that broke parsers and databases before, and random ones.
fn hostile_string() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("đ".to_owned()),
        Just("\u{80}".to_owned()),
        Just("Công dân\u{0}".to_owned()),
        Just("x".repeat(70_000)),
        Just("dat ".repeat(1000)),
        Just("../../etc/passwd".to_owned()),
        Just("<script>alert(1)</script>".to_owned()),
        Just("' or 1=1 --".to_owned()),
        Just("2100-03-16".to_owned()),
        Just("99999999999999999999".to_owned()),
        Just("-1".to_owned()),
        Just(String::new()),
        any::<String>(),
    ]
}

fn hostile_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        hostile_string().prop_map(Value::String),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        any::<bool>().prop_map(Value::Bool),
        Just(Value::Null),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::hash_map("[a-z_]{1,8}", inner, 0..4).prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// The property names a schema (or the schema it refers to) declares, one level deep.
fn property_names(doc: &Value, schema: &Value) -> Vec<String> {
    let schema = match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => doc.pointer(&r.replace("#/", "/")).unwrap_or(&Value::Null),
        None => schema,
    };
    let mut names: Vec<String> =
        schema.get("properties").and_then(Value::as_object).map(|p| p.keys().cloned().collect()).unwrap_or_default();
    for key in ["allOf", "oneOf", "anyOf"] {
        for part in schema.get(key).and_then(Value::as_array).into_iter().flatten() {
            names.extend(property_names(doc, part));
        }
    }
    names
}

fn percent(s: &str) -> String {
    motcua_web::pages::url_component(s)
}

async fn every_operation_answers_hostile_input_without_a_5xx(app: TestApp) {
    let doc = app.get("/api/v1/openapi.json", None).await.body;
    // A real dossier, so that paths with its id reach the handlers' deeper code.
    let created = app
        .post(
            "/api/v1/dossiers",
            &app.fx.reception,
            json!({"procedure_code": "1.004227", "channel": "counter", "applicant": common::applicant()}),
        )
        .await;
    let dossier_id = created.body["dossier"]["id"].as_str().unwrap().to_owned();
    let callers = [None, Some(&app.fx.citizen), Some(&app.fx.reception), Some(&app.fx.admin)];
    let mut runner = TestRunner::new(Config { cases: 1, ..Config::default() });
    let mut tried = 0;
    let mut failures = Vec::new();
    let paths = doc["paths"].as_object().unwrap().clone();
    for (path, operations) in &paths {
        for (method, op) in operations.as_object().unwrap() {
            let Ok(method) = method.to_uppercase().parse::<Method>() else { continue };
            let body_schema = op.pointer("/requestBody/content/application~1json/schema").cloned();
            let fields = body_schema.as_ref().map(|s| property_names(&doc, s)).unwrap_or_default();
            let query: Vec<String> = op["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|p| p["in"] == "query")
                .filter_map(|p| p["name"].as_str().map(str::to_owned))
                .collect();
            for round in 0..12 {
                for caller in callers {
                    let hostile = hostile_string().new_tree(&mut runner).unwrap().current();
                    // Path parameters: the real dossier id half the time, hostile text otherwise.
                    let mut uri = path.clone();
                    while let Some(start) = uri.find('{') {
                        let end = uri[start..].find('}').map_or(uri.len(), |e| start + e + 1);
                        let value = if round % 2 == 0 { dossier_id.clone() } else { percent(&hostile) };
                        uri.replace_range(start..end, &value);
                    }
                    if !query.is_empty() {
                        let pairs: Vec<String> = query
                            .iter()
                            .map(|q| {
                                let v = hostile_string().new_tree(&mut runner).unwrap().current();
                                format!("{q}={}", percent(&v))
                            })
                            .collect();
                        uri = format!("{uri}?{}", pairs.join("&"));
                    }
                    let mut body = serde_json::Map::new();
                    for f in &fields {
                        body.insert(f.clone(), hostile_value().new_tree(&mut runner).unwrap().current());
                    }
                    if round % 6 == 5 {
                        body.insert("version".into(), json!(1));
                    }
                    let mut req = Request::builder().method(method.clone()).uri(&uri);
                    if let Some(actor) = caller {
                        req = req.header("authorization", format!("Bearer {}", token_of(actor)));
                    }
                    let req = if body_schema.is_some() {
                        req.header("content-type", "application/json").body(Body::from(Value::Object(body).to_string()))
                    } else {
                        req.body(Body::empty())
                    };
                    let Ok(req) = req else { continue }; // a URI the client itself cannot send
                    let res = app.send(req).await;
                    tried += 1;
                    if res.status.is_server_error() {
                        failures.push(format!("{method} {uri} → {} {}", res.status, res.body));
                    }
                }
            }
        }
    }
    assert!(tried > 100, "only {tried} requests");
    assert!(failures.is_empty(), "{} of {tried} requests answered 5xx:\n{}", failures.len(), failures.join("\n"));
}
