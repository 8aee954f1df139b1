//! The satisfaction survey (SIPAS-style): an anonymous questionnaire per agency, on the web and
//! on the counter's screen, and for the agency the element and overall indices of a period, with
//! the raw answers for export.

use crate::extract::ApiQuery as Query;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Redirect, Response};
use motcua_domain::FieldError;
use motcua_domain::org::Agency;
use motcua_quality::Period;
use motcua_quality::sipas::{self, Survey};
use motcua_store::SurveyResponse;
use serde::Deserialize;
use uuid::Uuid;

use super::error::PageResult;
use super::reports::{Scope, encode, scope};
use super::roles::Officer;
use super::session::{CsrfForm, Shell, Web};
use crate::error::ApiError;
use crate::state::AppState;

/// (key, wording) of each criterion of an element.
type Criteria = Vec<(String, String)>;

#[derive(Debug, Template, WebTemplate)]
#[template(path = "survey.html")]
pub struct SurveyPage {
    shell: Shell,
    agency: Option<(String, String)>,
    agencies: Vec<(String, String)>,
    version: String,
    scale: Vec<(u8, String)>,
    elements: Vec<(String, String, Criteria)>,
    expectations: String,
    kiosk: bool,
    thanks: bool,
    errors: Vec<FieldError>,
}

#[derive(Debug, Default, Deserialize)]
pub struct SurveyParams {
    #[serde(default)]
    from: String,
    #[serde(default)]
    thanks: Option<String>,
}

fn page(
    shell: Shell,
    survey: &Survey,
    agency: Option<&Agency>,
    agencies: Vec<(String, String)>,
    kiosk: bool,
) -> SurveyPage {
    SurveyPage {
        shell,
        agency: agency.map(|a| (a.code.to_string(), a.name.clone())),
        agencies,
        version: survey.version.clone(),
        scale: survey.scale.iter().enumerate().map(|(i, s)| (i as u8 + 1, s.clone())).collect(),
        elements: survey
            .element
            .iter()
            .map(|e| {
                let criteria =
                    e.criteria.iter().enumerate().map(|(i, c)| (format!("{}.{}", e.id, i + 1), c.clone())).collect();
                (e.id.clone(), e.name.clone(), criteria)
            })
            .collect(),
        expectations: survey.expectations.clone(),
        kiosk,
        thanks: false,
        errors: vec![],
    }
}

/// `/survey`: the agency's questionnaire when there is one agency, else the list to choose from.
pub async fn choose(State(state): State<AppState>, web: Web, Query(p): Query<SurveyParams>) -> PageResult<Response> {
    let agencies = state.store.agencies().await?;
    if let [only] = agencies.as_slice() {
        let to =
            format!("/survey/{}{}", encode(only.code.as_str()), if p.from == "kiosk" { "?from=kiosk" } else { "" });
        return Ok(Redirect::to(&to).into_response());
    }
    let list = agencies.iter().map(|a| (a.code.to_string(), a.name.clone())).collect();
    Ok(page(web.shell, &Survey::builtin(), None, list, p.from == "kiosk").into_response())
}

async fn agency_by_code(state: &AppState, code: &str) -> Result<Agency, ApiError> {
    state.store.agency_by_code(code).await?.ok_or_else(|| ApiError::NotFound("không tìm thấy cơ quan".into()))
}

pub async fn form(
    State(state): State<AppState>,
    web: Web,
    Path(code): Path<String>,
    Query(p): Query<SurveyParams>,
) -> PageResult<SurveyPage> {
    let agency = agency_by_code(&state, &code).await?;
    let mut page = page(web.shell, &Survey::builtin(), Some(&agency), vec![], p.from == "kiosk");
    page.thanks = p.thanks.is_some();
    Ok(page)
}

/// Records an anonymous response.
pub async fn submit(
    State(state): State<AppState>,
    crate::rate_limit::ClientAddr(client): crate::rate_limit::ClientAddr,
    web: Web,
    Path(code): Path<String>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult<Response> {
    state.pass(crate::rate_limit::SURVEY, &client).await?;
    let agency = agency_by_code(&state, &code).await?;
    let survey = Survey::builtin();
    let kiosk = pairs.iter().any(|(k, v)| k == "from" && v == "kiosk");
    match survey.parse(&pairs) {
        Ok(response) => {
            let record = SurveyResponse {
                id: Uuid::now_v7(),
                agency_id: agency.id,
                survey: survey.version.clone(),
                channel: if kiosk { "counter" } else { "web" }.into(),
                answers: serde_json::to_value(&response.answers).map_err(|e| ApiError::Internal(e.to_string()))?,
                expectations: serde_json::to_value(&response.expectations)
                    .map_err(|e| ApiError::Internal(e.to_string()))?,
                created_at: state.now_default(),
            };
            state.store.insert_survey_response(&record).await?;
            let to = format!("/survey/{}?thanks=1{}", encode(&code), if kiosk { "&from=kiosk" } else { "" });
            Ok(Redirect::to(&to).into_response())
        }
        Err(errors) => {
            let mut page = page(web.shell, &survey, Some(&agency), vec![], kiosk);
            page.errors = errors.into_iter().map(|e| FieldError::new(&e.field, e.message)).collect();
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct IndexParams {
    #[serde(default)]
    period: String,
    #[serde(default)]
    agency: Option<String>,
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "sipas.html")]
pub struct IndexPage {
    shell: Shell,
    agency_name: String,
    agency_code: String,
    period: String,
    label: String,
    version: String,
    index: sipas::SipasIndex,
    overall: String,
}

fn pct(r: Option<f64>) -> String {
    r.map_or_else(|| "—".into(), |r| format!("{r:.2}%").replace('.', ","))
}

async fn responses(state: &AppState, agency: &Agency, period: &Period) -> Result<Vec<SurveyResponse>, ApiError> {
    let w = period.calendar();
    Ok(state.store.survey_responses(agency.id, w.start(), w.end()).await?)
}

fn parsed(rows: &[SurveyResponse]) -> Vec<sipas::Response> {
    rows.iter()
        .map(|r| sipas::Response {
            answers: serde_json::from_value(r.answers.clone()).unwrap_or_default(),
            expectations: serde_json::from_value(r.expectations.clone()).unwrap_or_default(),
        })
        .collect()
}

/// The survey's indices of a period (calendar window).
pub async fn index(
    State(state): State<AppState>,
    web: Web,
    Officer(actor): Officer,
    Query(p): Query<IndexParams>,
) -> PageResult<IndexPage> {
    let Scope { agency, period, .. } = scope(&state, actor, (p.agency.as_deref(), &p.period), true).await?;
    let rows = responses(&state, &agency, &period).await?;
    let survey = Survey::builtin();
    let index = sipas::index(&survey, &parsed(&rows));
    Ok(IndexPage {
        agency_name: agency.name.clone(),
        agency_code: agency.code.to_string(),
        period: period.to_string(),
        label: period.label_vi(),
        version: survey.version,
        overall: pct(index.overall),
        index,
        shell: web.shell,
    })
}

/// The raw answers of a period, one row per response, one column per criterion.
pub async fn export(
    State(state): State<AppState>,
    Officer(actor): Officer,
    Query(p): Query<IndexParams>,
) -> PageResult<Response> {
    let Scope { agency, period, .. } = scope(&state, actor, (p.agency.as_deref(), &p.period), true).await?;
    let rows = responses(&state, &agency, &period).await?;
    let survey = Survey::builtin();
    let criteria = survey.criteria();
    let mut out = "\u{feff}".as_bytes().to_vec();
    {
        let mut w = csv::Writer::from_writer(&mut out);
        let fail = |e: csv::Error| ApiError::Internal(e.to_string());
        let mut head = vec!["Thời điểm".to_owned(), "Kênh".to_owned()];
        head.extend(criteria.iter().map(|(k, c, _)| format!("{k} {c}")));
        head.push("Mong muốn cải thiện".into());
        w.write_record(head).map_err(fail)?;
        for (row, r) in rows.iter().zip(parsed(&rows)) {
            let mut record = vec![row.created_at.format("%d/%m/%Y %H:%M").to_string(), row.channel.clone()];
            record.extend(criteria.iter().map(|(k, _, _)| r.answers.get(k).map(u8::to_string).unwrap_or_default()));
            record.push(super::spreadsheet_cell(&r.expectations.join(" ")));
            w.write_record(record).map_err(fail)?;
        }
        w.flush().map_err(|e| ApiError::Internal(e.to_string()))?;
    }
    let name = format!("attachment; filename=\"sipas-{}-{period}.csv\"", agency.code);
    Ok(([(CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()), (CONTENT_DISPOSITION, name)], out).into_response())
}
