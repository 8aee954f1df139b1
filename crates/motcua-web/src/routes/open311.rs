//! Open311 GeoReport v2 at `/open311/v2/`, so that existing Open311 clients can send feedback and
//! follow it: `discovery`, `services`, `services/{code}`, `requests` (GET with its filters; POST
//! with an API key), `requests/{id}`, `tokens/{token}`, each as `.xml` (mandatory) or `.json`.
//! The services are the feedback categories; a request is a feedback case, told without the
//! sender's personal data (its title, not its content), `open` until it is answered, published or
//! otherwise finished, the published answer in `status_notes`. Complaints and denunciations are
//! never listed, nor cases not yet triaged (one may be a denunciation) except asked for by id.
//! `jurisdiction_id` is the agency's code; with one agency it may be left out.
//! Errors are the standard list with the HTTP status the specification names. The mapping is in
//! `docs/feedback.md`.

use std::collections::HashMap;

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{Duration, NaiveDateTime};
use motcua_domain::feedback::{Case, CaseKind, CaseState, Intake, StatementInput};
use motcua_domain::org::Agency;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::rate_limit::ClientAddr;
use crate::state::AppState;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fmt {
    Json,
    Xml,
}

/// An Open311 error list with its HTTP status.
struct Errors(StatusCode, Fmt, Vec<String>);

impl IntoResponse for Errors {
    fn into_response(self) -> Response {
        let list: Vec<Value> = self.2.iter().map(|d| json!({ "code": self.0.as_u16(), "description": d })).collect();
        render(self.0, self.1, "errors", &Value::Array(list))
    }
}

type Result<T> = std::result::Result<T, Errors>;

fn bad(fmt: Fmt, what: impl Into<String>) -> Errors {
    Errors(StatusCode::BAD_REQUEST, fmt, vec![what.into()])
}

fn not_found(fmt: Fmt, what: impl Into<String>) -> Errors {
    Errors(StatusCode::NOT_FOUND, fmt, vec![what.into()])
}

/// `name.json` or `name.xml`.
fn split(file: &str) -> std::result::Result<(&str, Fmt), Errors> {
    match file.rsplit_once('.') {
        Some((name, "json")) => Ok((name, Fmt::Json)),
        Some((name, "xml")) => Ok((name, Fmt::Xml)),
        _ => Err(bad(Fmt::Json, "định dạng cần là .xml hoặc .json / the format must be .xml or .json")),
    }
}

/// The element name of a list's items, as the specification names them.
fn item_name(list: &str) -> &str {
    match list {
        "services" => "service",
        "service_requests" => "request",
        "errors" => "error",
        "endpoints" => "endpoint",
        "formats" => "format",
        "attributes" => "attribute",
        "values" => "value",
        _ => "item",
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&apos;")
}

fn xml(name: &str, v: &Value, out: &mut String) {
    match v {
        Value::Null => {}
        Value::Array(items) => {
            out.push_str(&format!("<{name}>"));
            for i in items {
                xml(item_name(name), i, out);
            }
            out.push_str(&format!("</{name}>"));
        }
        Value::Object(o) => {
            out.push_str(&format!("<{name}>"));
            for (k, v) in o {
                xml(k, v, out);
            }
            out.push_str(&format!("</{name}>"));
        }
        Value::String(s) => out.push_str(&format!("<{name}>{}</{name}>", escape(s))),
        other => out.push_str(&format!("<{name}>{other}</{name}>")),
    }
}

/// `value` as JSON, or as XML under the root element `root`.
fn render(status: StatusCode, fmt: Fmt, root: &str, value: &Value) -> Response {
    let (mime, body) = match fmt {
        Fmt::Json => ("application/json; charset=utf-8", value.to_string()),
        Fmt::Xml => {
            let mut out = String::from(r#"<?xml version="1.0" encoding="utf-8"?>"#);
            xml(root, value, &mut out);
            ("text/xml; charset=utf-8", out)
        }
    };
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, mime)
        .body(Body::from(body))
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

fn internal(fmt: Fmt) -> impl Fn(motcua_store::StoreError) -> Errors {
    move |e| {
        tracing::error!(error = %e, "open311");
        bad(fmt, "lỗi hệ thống, vui lòng thử lại sau / the service is unavailable")
    }
}

/// The agency named by `jurisdiction_id`; with one agency, it may be left out.
async fn jurisdiction(state: &AppState, fmt: Fmt, id: Option<&str>) -> Result<Agency> {
    let id = id.map(str::trim).filter(|s| !s.is_empty());
    match id {
        Some(code) => state
            .store
            .agency_by_code(code)
            .await
            .map_err(internal(fmt))?
            .ok_or_else(|| not_found(fmt, format!("không có cơ quan \"{code}\" / unknown jurisdiction_id"))),
        None => {
            let mut all = state.store.agencies().await.map_err(internal(fmt))?;
            if all.len() == 1 {
                Ok(all.remove(0))
            } else {
                Err(bad(fmt, "cần jurisdiction_id (mã cơ quan) / jurisdiction_id is required"))
            }
        }
    }
}

/// The services: the feedback categories a citizen may choose.
const SERVICES: [CaseKind; 3] = [CaseKind::Regulation, CaseKind::Conduct, CaseKind::Question];

fn service(kind: CaseKind) -> Value {
    json!({
        "service_code": kind.as_str(),
        "service_name": kind.label_vi(),
        "description": match kind {
            CaseKind::Regulation => "Phản ánh, kiến nghị về quy định, thủ tục hành chính và việc thực hiện",
            CaseKind::Conduct => "Phản ánh về hành vi, thái độ của cán bộ (nhũng nhiễu, gây phiền hà, chậm trễ)",
            _ => "Câu hỏi về thủ tục hành chính; câu trả lời được công khai",
        },
        "metadata": kind == CaseKind::Conduct,
        "type": "realtime",
        "keywords": match kind {
            CaseKind::Regulation => "phản ánh, kiến nghị, thủ tục, quy định",
            CaseKind::Conduct => "cán bộ, thái độ, nhũng nhiễu",
            _ => "hỏi đáp, câu hỏi",
        },
        "group": "Phản ánh, kiến nghị",
    })
}

fn ts(t: NaiveDateTime) -> String {
    format!("{}+07:00", t.format("%Y-%m-%dT%H:%M:%S"))
}

/// A case as Open311 tells it: no name, address, phone, e-mail or content of the sender.
fn request(c: &Case, agency: &str) -> Value {
    let open = !c.state.is_finished() && c.state != CaseState::Published;
    let notes = match (c.state, &c.answer) {
        (CaseState::Published | CaseState::Closed, Some(a)) if c.published_at.is_some() => a.clone(),
        (state, _) => state.label_vi().to_owned(),
    };
    let updated = c.finished_at.or(c.published_at).unwrap_or(c.received_at);
    json!({
        "service_request_id": c.id.to_string(),
        "status": if open { "open" } else { "closed" },
        "status_notes": notes,
        "service_name": c.kind.map_or("Chưa phân loại", |k| k.label_vi()),
        "service_code": c.kind.map_or("unclassified", |k| k.as_str()),
        "description": c.title,
        "agency_responsible": agency,
        "service_notice": format!("Trả lời trong 15 ngày làm việc, hạn {}", c.answer_by.format("%d/%m/%Y")),
        "requested_datetime": ts(c.received_at),
        "updated_datetime": ts(updated),
        "expected_datetime": format!("{}T17:00:00+07:00", c.answer_by.format("%Y-%m-%d")),
    })
}

fn listable(c: &Case) -> bool {
    !matches!(c.kind, Some(CaseKind::Complaint | CaseKind::Denunciation))
}

/// `GET /open311/v2/{file}`: `discovery`, `services`, `requests`.
pub async fn top(
    State(state): State<AppState>,
    Path(file): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let result = async {
        let (name, fmt) = split(&file)?;
        match name {
            "discovery" => {
                let root = format!("{}/open311/v2", state.config.public_url);
                let v = json!({
                    "changeset": "2026-11-30",
                    "contact": "Bộ phận một cửa của cơ quan; phản ánh, kiến nghị: trang /feedback",
                    "key_service": "Đề nghị cấp khóa API (api_key) gửi quản trị hệ thống của cơ quan.",
                    "endpoints": [{
                        "specification": "http://wiki.open311.org/GeoReport_v2",
                        "url": root,
                        "changeset": "2026-11-30",
                        "type": "production",
                        "formats": ["text/xml", "application/json"],
                    }],
                });
                Ok(render(StatusCode::OK, fmt, "discovery", &v))
            }
            "services" => {
                jurisdiction(&state, fmt, q.get("jurisdiction_id").map(String::as_str)).await?;
                let list: Vec<Value> = SERVICES.into_iter().map(service).collect();
                Ok(render(StatusCode::OK, fmt, "services", &Value::Array(list)))
            }
            "requests" => list_requests(&state, fmt, &q).await,
            _ => Err(not_found(fmt, "không có tài nguyên này / no such resource")),
        }
    }
    .await;
    result.unwrap_or_else(IntoResponse::into_response)
}

async fn list_requests(state: &AppState, fmt: Fmt, q: &HashMap<String, String>) -> Result<Response> {
    let arg = |k: &str| q.get(k).map(|v| v.trim()).filter(|v| !v.is_empty());
    let agency = jurisdiction(state, fmt, arg("jurisdiction_id")).await?;
    let name = agency.name.clone();
    if let Some(ids) = arg("service_request_id") {
        let mut out = Vec::new();
        for id in ids.split(',').take(100) {
            let Ok(id) = id.trim().parse::<Uuid>() else { continue };
            if let Some(c) = state.store.feedback_case(agency.id, id).await.map_err(internal(fmt))?
                && listable(&c)
            {
                out.push(request(&c, &name));
            }
        }
        return Ok(render(StatusCode::OK, fmt, "service_requests", &Value::Array(out)));
    }
    let parse = |k: &str| -> Result<Option<NaiveDateTime>> {
        match arg(k) {
            None => Ok(None),
            Some(v) => chrono::DateTime::parse_from_rfc3339(v)
                .map(|t| Some((t.with_timezone(&chrono::Utc) + Duration::hours(7)).naive_utc()))
                .map_err(|_| bad(fmt, format!("{k} cần theo ISO 8601, ví dụ 2026-03-01T00:00:00+07:00"))),
        }
    };
    let now = state.now_default();
    let end = parse("end_date")?.unwrap_or(now + Duration::seconds(1));
    let start = parse("start_date")?.unwrap_or(end - Duration::days(90));
    if start > end || end - start > Duration::days(90) {
        return Err(bad(fmt, "khoảng thời gian tối đa 90 ngày / the date range may not exceed 90 days"));
    }
    let codes: Vec<&str> = arg("service_code").map(|s| s.split(',').map(str::trim).collect()).unwrap_or_default();
    let statuses: Vec<&str> = arg("status").map(|s| s.split(',').map(str::trim).collect()).unwrap_or_default();
    if statuses.iter().any(|s| !matches!(*s, "open" | "closed")) {
        return Err(bad(fmt, "status chỉ nhận open, closed / status is open or closed"));
    }
    let cases = motcua_app::feedback::received_in(&*state.store, &[agency.id], start, end)
        .await
        .map_err(|e| bad(fmt, e.to_string()))?;
    // In the list, only cases already triaged into a public category: one not yet triaged may
    // turn out to be a denunciation. Asked for by id (its poster knows it), any listable case.
    let out: Vec<Value> = cases
        .iter()
        .filter(|c| c.kind.is_some_and(CaseKind::publishable))
        .map(|c| request(c, &name))
        .filter(|r| codes.is_empty() || codes.contains(&r["service_code"].as_str().unwrap_or("")))
        .filter(|r| statuses.is_empty() || statuses.contains(&r["status"].as_str().unwrap_or("")))
        .take(1000)
        .collect();
    Ok(render(StatusCode::OK, fmt, "service_requests", &Value::Array(out)))
}

/// `GET /open311/v2/{kind}/{file}`: `services/{code}`, `requests/{id}`, `tokens/{token}`.
pub async fn nested(
    State(state): State<AppState>,
    Path((kind, file)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let result = async {
        let (id, fmt) = split(&file)?;
        let agency = jurisdiction(&state, fmt, q.get("jurisdiction_id").map(String::as_str)).await?;
        match kind.as_str() {
            "services" => {
                let kind = SERVICES
                    .into_iter()
                    .find(|k| k.as_str() == id)
                    .ok_or_else(|| not_found(fmt, format!("không có dịch vụ \"{id}\" / unknown service_code")))?;
                let attributes: Vec<Value> = if kind == CaseKind::Conduct {
                    vec![json!({
                        "variable": true,
                        "code": "officer",
                        "datatype": "string",
                        "required": false,
                        "datatype_description": "Tên cán bộ, quầy hoặc ngày",
                        "order": 1,
                        "description": "Cán bộ, quầy hoặc ngày liên quan",
                    })]
                } else {
                    vec![]
                };
                let v = json!({ "service_code": kind.as_str(), "attributes": attributes });
                Ok(render(StatusCode::OK, fmt, "service_definition", &v))
            }
            "requests" | "tokens" => {
                let id = id.parse::<Uuid>().map_err(|_| not_found(fmt, "không có yêu cầu này / no such request"))?;
                let c = state
                    .store
                    .feedback_case(agency.id, id)
                    .await
                    .map_err(internal(fmt))?
                    .filter(listable)
                    .ok_or_else(|| not_found(fmt, "không có yêu cầu này / no such request"))?;
                let v = if kind == "tokens" {
                    json!([{ "service_request_id": c.id.to_string(), "token": c.id.to_string() }])
                } else {
                    json!([request(&c, &agency.name)])
                };
                Ok(render(StatusCode::OK, fmt, "service_requests", &v))
            }
            _ => Err(not_found(fmt, "không có tài nguyên này / no such resource")),
        }
    }
    .await;
    result.unwrap_or_else(IntoResponse::into_response)
}

/// `POST /open311/v2/requests.{fmt}`: a client sends feedback on a citizen's behalf.
pub async fn post_request(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    Path(file): Path<String>,
    _headers: HeaderMap,
    body: String,
) -> Response {
    let result = async {
        let (name, fmt) = split(&file)?;
        if name != "requests" {
            return Err(not_found(fmt, "không có tài nguyên này / no such resource"));
        }
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_str(&body).map_err(|_| bad(fmt, "biểu mẫu không đọc được / unreadable form"))?;
        let arg = |k: &str| pairs.iter().find(|(key, _)| key == k).map(|(_, v)| v.trim()).filter(|v| !v.is_empty());
        let key = arg("api_key").unwrap_or("");
        let known = !key.is_empty()
            && state.config.open311_api_keys_sha256.contains(&motcua_app::accounts::token_hash(key));
        if !known {
            return Err(Errors(StatusCode::FORBIDDEN, fmt, vec!["api_key thiếu hoặc không hợp lệ / invalid api_key".into()]));
        }
        if state.pass(crate::rate_limit::FEEDBACK, &client).await.is_err() {
            return Err(bad(fmt, "quá nhiều yêu cầu, vui lòng thử lại sau / too many requests"));
        }
        let agency = jurisdiction(&state, fmt, arg("jurisdiction_id")).await?;
        let code = arg("service_code").ok_or_else(|| bad(fmt, "cần service_code / service_code is required"))?;
        if !SERVICES.iter().any(|k| k.as_str() == code) {
            return Err(not_found(fmt, format!("không có dịch vụ \"{code}\" / unknown service_code")));
        }
        let address = match (arg("address_string"), arg("lat"), arg("long"), arg("address_id")) {
            (Some(a), _, _, _) => a.to_owned(),
            (None, Some(lat), Some(long), _) if lat.parse::<f64>().is_ok() && long.parse::<f64>().is_ok() => {
                format!("{lat}, {long}")
            }
            (None, _, _, Some(id)) => format!("mã địa chỉ {id}"),
            _ => return Err(bad(fmt, "cần một vị trí: address_string, lat và long, hoặc address_id / a location is required")),
        };
        let name = [arg("first_name"), arg("last_name")].into_iter().flatten().collect::<Vec<_>>().join(" ");
        let description = arg("description").unwrap_or("");
        if description.chars().count() > 4000 {
            return Err(bad(fmt, "description tối đa 4000 ký tự / description is at most 4000 characters"));
        }
        let title: String = arg("attribute[title]").map_or_else(|| description.chars().take(80).collect(), str::to_owned);
        let input = StatementInput {
            name: Some(name).filter(|n| !n.is_empty()),
            address: Some(address),
            phone: arg("phone").map(str::to_owned),
            email: arg("email").map(str::to_owned),
            title: Some(title).filter(|t| !t.trim().is_empty()),
            content: Some(description.to_owned()).filter(|d| !d.is_empty()),
            procedure_code: arg("attribute[procedure_code]").map(str::to_owned),
            officer: arg("attribute[officer]").map(str::to_owned),
            dossier_code: arg("attribute[dossier_code]").map(str::to_owned),
        };
        let statement = input.parse(None).map_err(|e| match e {
            motcua_domain::DomainError::Invalid(fields) => Errors(
                StatusCode::BAD_REQUEST,
                fmt,
                fields
                    .into_iter()
                    .map(|f| {
                        let field = match f.field.as_str() {
                            "name" => "first_name/last_name",
                            "content" | "title" => "description",
                            "address" => "address_string",
                            other => other,
                        };
                        format!("{field}: {}", f.message)
                    })
                    .collect(),
            ),
            other => bad(fmt, other.to_string()),
        })?;
        let cal = state.calendar(agency.id).await.map_err(|e| bad(fmt, e.to_string()))?;
        let now = state.now(&cal);
        let case = motcua_app::feedback::receive(&*state.store, &cal, agency.id, Intake::Web, statement, None, None, now)
            .await
            .map_err(|e| bad(fmt, e.to_string()))?;
        let v = json!([{
            "service_request_id": case.id.to_string(),
            "service_notice": format!("Đã tiếp nhận số {}; trả lời trong 15 ngày làm việc, hạn {}", case.label(), case.answer_by.format("%d/%m/%Y")),
            "account_id": Value::Null,
        }]);
        Ok(render(StatusCode::OK, fmt, "service_requests", &v))
    }
    .await;
    result.unwrap_or_else(IntoResponse::into_response)
}

#[cfg(test)]
mod tests {
    #[test]
    fn xml_is_escaped_and_lists_are_named_as_the_specification_names_them() {
        let v = serde_json::json!([{ "code": 400, "description": "a <b> & \"c\"" }]);
        let mut out = String::new();
        super::xml("errors", &v, &mut out);
        assert_eq!(
            out,
            "<errors><error><code>400</code><description>a &lt;b&gt; &amp; &quot;c&quot;</description></error></errors>"
        );
    }
}
