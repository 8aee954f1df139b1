//! Feedback as the public sees it: the form to send a statement (signed in, or with a name, an
//! address and a phone number, as Decree 20/2008 requires), its receipt with the number and the
//! answer's deadline, and the published answers — searchable without diacritics, filterable by
//! procedure, without the sender's personal data — each of which a reader may rate. Denunciations
//! and complaints are never listed (`motcua_domain::feedback`).

use crate::extract::ApiQuery as Query;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use motcua_domain::FieldError;
use motcua_domain::feedback::{Case, Intake, StatementInput};
use motcua_store::AnswerQuery;
use serde::Deserialize;
use uuid::Uuid;

use super::error::PageResult;
use super::session::{CsrfForm, Shell, Web};
use crate::error::ApiError;
use crate::rate_limit::ClientAddr;
use crate::state::AppState;

#[derive(Debug, Default, Deserialize)]
pub struct FeedbackForm {
    #[serde(default)]
    pub agency: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub content: String,
    #[serde(default)]
    pub procedure_code: String,
    #[serde(default)]
    pub officer: String,
    #[serde(default)]
    pub dossier_code: String,
}

impl FeedbackForm {
    /// The statement as typed, an empty field as absent.
    pub fn input(&self) -> StatementInput {
        let opt = |s: &str| Some(s.to_owned()).filter(|s| !s.trim().is_empty());
        StatementInput {
            name: opt(&self.name),
            address: opt(&self.address),
            phone: opt(&self.phone),
            email: opt(&self.email),
            title: opt(&self.title),
            content: opt(&self.content),
            procedure_code: opt(&self.procedure_code),
            officer: opt(&self.officer),
            dossier_code: opt(&self.dossier_code),
        }
    }
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "feedback_form.html")]
pub struct FeedbackPage {
    shell: Shell,
    errors: Vec<FieldError>,
    form: FeedbackForm,
    /// (code, name) of the agencies that take feedback.
    agencies: Vec<(String, String)>,
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "feedback_receipt.html")]
pub struct ReceiptPage {
    shell: Shell,
    label: String,
    agency: String,
    answer_by: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct FormQuery {
    #[serde(default)]
    procedure: String,
}

async fn agencies(state: &AppState) -> Result<Vec<(String, String)>, ApiError> {
    Ok(state.store.agencies().await?.into_iter().map(|a| (a.code.to_string(), a.name)).collect())
}

/// `GET /feedback`: the form, filled with what a signed-in citizen's account knows.
pub async fn form(State(state): State<AppState>, web: Web, Query(q): Query<FormQuery>) -> PageResult<FeedbackPage> {
    let mut form = FeedbackForm::default();
    let today = state.now_default().date();
    if let Some(v) = state.store.procedure_at(q.procedure.trim(), today).await? {
        form.procedure_code = v.spec.code;
        form.agency = state.store.agency(v.agency_id).await?.map(|a| a.code.to_string()).unwrap_or_default();
    }
    if let Some(actor) = web.actor.as_ref().filter(|a| a.citizen)
        && let Some(user) = state.store.user(actor.user_id).await?
    {
        form.name = user.full_name;
        form.phone = user.phone.unwrap_or_default();
        form.email = user.email.unwrap_or_default();
    }
    Ok(FeedbackPage { agencies: agencies(&state).await?, shell: web.shell, errors: vec![], form })
}

/// `POST /feedback`: the statement received, or the form again with each field's error.
pub async fn send(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    web: Web,
    CsrfForm(f): CsrfForm<FeedbackForm>,
) -> PageResult<Response> {
    state.pass(crate::rate_limit::FEEDBACK, &client).await?;
    let agency = state.store.agency_by_code(f.agency.trim()).await?;
    let input = f.input();
    let citizen = web.actor.as_ref().filter(|a| a.citizen).map(|a| a.user_id);
    let mut errors = match input.parse(citizen) {
        Ok(statement) => match &agency {
            Some(agency) => {
                let cal = state.calendar(agency.id).await?;
                let now = state.now(&cal);
                let received = motcua_app::feedback::receive(
                    &*state.store,
                    &cal,
                    agency.id,
                    Intake::Web,
                    statement,
                    None,
                    None,
                    now,
                )
                .await;
                let case = match received {
                    Ok(case) => case,
                    Err(motcua_app::AppError::Domain(motcua_domain::DomainError::Invalid(fields))) => {
                        let page = FeedbackPage {
                            agencies: agencies(&state).await?,
                            shell: web.shell,
                            errors: fields,
                            form: f,
                        };
                        return Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
                    }
                    Err(e) => return Err(ApiError::from(e).into()),
                };
                let page = ReceiptPage {
                    shell: web.shell,
                    label: case.label(),
                    agency: agency.name.clone(),
                    answer_by: case.answer_by.format("%d/%m/%Y").to_string(),
                };
                return Ok(page.into_response());
            }
            None => vec![],
        },
        Err(motcua_domain::DomainError::Invalid(fields)) => fields,
        Err(other) => return Err(ApiError::from(other).into()),
    };
    if agency.is_none() {
        errors.push(FieldError::new("agency", "Chọn cơ quan nhận phản ánh, kiến nghị."));
    }
    let page = FeedbackPage { agencies: agencies(&state).await?, shell: web.shell, errors, form: f };
    Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

/// A published answer as the public sees it: no name, address, phone or e-mail of the sender,
/// and numbers that look like phone or ID numbers in the text masked.
#[derive(Debug)]
pub struct PublicAnswer {
    pub id: Uuid,
    pub label: String,
    pub kind: &'static str,
    pub title: String,
    pub content: String,
    pub answer: String,
    pub legal_basis: String,
    pub procedure_code: Option<String>,
    pub published: String,
    pub useful: u32,
    pub not_useful: u32,
    /// The field of its procedure, when the list names it.
    pub field: String,
}

/// Masks runs of 9 or more digits (phone, citizen ID) and e-mail addresses.
pub fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut digits = String::new();
    let flush = |digits: &mut String, out: &mut String| {
        // The separators after the last digit are the text's, not the number's.
        let end = digits.rfind(|c: char| c.is_ascii_digit()).map_or(0, |i| i + 1);
        if digits.chars().filter(char::is_ascii_digit).count() >= 9 {
            out.push_str("[đã ẩn]");
            out.push_str(&digits[end..]);
        } else {
            out.push_str(digits);
        }
        digits.clear();
    };
    for c in text.chars() {
        if c.is_ascii_digit() || (!digits.is_empty() && (c == ' ' || c == '.') && digits.len() < 20) {
            digits.push(c);
        } else {
            flush(&mut digits, &mut out);
            out.push(c);
        }
    }
    flush(&mut digits, &mut out);
    out.split(' ').map(|w| if w.contains('@') && w.contains('.') { "[đã ẩn]" } else { w }).collect::<Vec<_>>().join(" ")
}

impl PublicAnswer {
    pub fn of(c: &Case) -> PublicAnswer {
        PublicAnswer {
            id: c.id,
            label: c.label(),
            kind: c.kind.map_or("", |k| k.label_vi()),
            title: redact(&c.title),
            content: redact(&c.content),
            answer: redact(c.answer.as_deref().unwrap_or("")),
            legal_basis: c.legal_basis.clone().unwrap_or_default(),
            procedure_code: c.procedure_code.clone(),
            published: c.published_at.map(|t| t.format("%d/%m/%Y").to_string()).unwrap_or_default(),
            field: String::new(),
            useful: c.useful,
            not_useful: c.not_useful,
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct AnswersQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    procedure: String,
    /// `faq`: only questions; `pakn`: only feedback.
    #[serde(default)]
    kind: String,
    /// A field's code: only answers about its procedures.
    #[serde(default)]
    field: String,
    #[serde(default)]
    page: Option<u32>,
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "feedback_answers.html")]
pub struct AnswersPage {
    shell: Shell,
    q: String,
    procedure: String,
    kind: String,
    field: String,
    /// (code, name) of the catalog's fields.
    fields: Vec<(String, String)>,
    answers: Vec<PublicAnswer>,
    total: i64,
}

/// `GET /phan-anh-kien-nghi`: the published answers.
pub async fn answers(
    State(state): State<AppState>,
    web: Web,
    Query(q): Query<AnswersQuery>,
) -> PageResult<AnswersPage> {
    let search = motcua_domain::text::search_terms(&q.q).map_err(|e| ApiError::field("q", e))?;
    let kinds = match q.kind.as_str() {
        "faq" => vec!["question".to_owned()],
        "pakn" => vec!["regulation".to_owned(), "conduct".to_owned()],
        _ => vec![],
    };
    let fields: Vec<(String, String)> = state.store.fields().await?.into_iter().map(|f| (f.code, f.name)).collect();
    let today = state.now_default().date();
    // A field's answers: those about the procedures of that field in force today.
    let procedure_codes = match fields.iter().find(|(code, _)| *code == q.field.trim()) {
        Some((code, _)) => {
            let pq = motcua_store::ProcedureQuery {
                field: Some(code.clone()),
                in_force_on: Some(today),
                page: 1,
                page_size: 500,
                ..Default::default()
            };
            Some(state.store.search_procedures(&pq).await?.items.into_iter().map(|v| v.spec.code).collect())
        }
        None => None,
    };
    let query = AnswerQuery {
        q: search,
        procedure_code: Some(q.procedure.trim().to_owned()).filter(|p| !p.is_empty() && p.len() <= 60),
        procedure_codes,
        kinds,
        page: q.page.unwrap_or(1),
        page_size: 30,
    };
    let found = state.store.published_answers(&query).await?;
    // Each answer's field, as the FAQ groups them.
    let mut answers = Vec::new();
    for c in &found.items {
        let name = match c.procedure_code.as_deref() {
            Some(code) => match state.store.procedure_at(code, today).await? {
                Some(v) => fields.iter().find(|(f, _)| *f == v.spec.field).map(|(_, n)| n.clone()).unwrap_or_default(),
                None => String::new(),
            },
            None => String::new(),
        };
        answers.push(PublicAnswer { field: name, ..PublicAnswer::of(c) });
    }
    Ok(AnswersPage {
        shell: web.shell,
        answers,
        field: q.field.chars().take(20).collect(),
        fields,
        total: found.total,
        q: q.q.chars().take(200).collect(),
        procedure: q.procedure.chars().take(60).collect(),
        kind: q.kind.chars().take(10).collect(),
    })
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "feedback_answer.html")]
pub struct AnswerPage {
    shell: Shell,
    a: PublicAnswer,
    rated: bool,
}

#[derive(Debug, Default, Deserialize)]
pub struct Rated {
    rated: Option<String>,
}

/// `GET /phan-anh-kien-nghi/{id}`: one published answer.
pub async fn answer(
    State(state): State<AppState>,
    web: Web,
    Path(id): Path<Uuid>,
    Query(r): Query<Rated>,
) -> PageResult<AnswerPage> {
    let case =
        state.store.published_case(id).await?.ok_or_else(|| ApiError::NotFound("không có trả lời này".into()))?;
    Ok(AnswerPage { shell: web.shell, a: PublicAnswer::of(&case), rated: r.rated.is_some() })
}

#[derive(Debug, Deserialize)]
pub struct RateForm {
    /// `useful` or `not_useful`.
    verdict: String,
}

/// `POST /phan-anh-kien-nghi/{id}/rate`: a reader rates the answer.
pub async fn rate(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    Path(id): Path<Uuid>,
    CsrfForm(f): CsrfForm<RateForm>,
) -> PageResult<Response> {
    state.pass(crate::rate_limit::RATE_ANSWER, &client).await?;
    let useful = match f.verdict.as_str() {
        "useful" => true,
        "not_useful" => false,
        _ => return Err(ApiError::field("verdict", "chọn hữu ích hoặc chưa hữu ích").into()),
    };
    let case =
        state.store.published_case(id).await?.ok_or_else(|| ApiError::NotFound("không có trả lời này".into()))?;
    state.store.rate_answer(case.agency_id, id, useful).await?;
    Ok(Redirect::to(&format!("/phan-anh-kien-nghi/{id}?rated=1")).into_response())
}

#[cfg(test)]
mod tests {
    #[test]
    fn phone_and_id_numbers_and_addresses_are_masked() {
        assert_eq!(super::redact("gọi 0905 123 456 nhé"), "gọi [đã ẩn] nhé");
        assert_eq!(super::redact("CCCD 056090001234."), "CCCD [đã ẩn].");
        assert_eq!(super::redact("năm 2026, 15 ngày"), "năm 2026, 15 ngày");
        assert_eq!(super::redact("thư a@b.vn xin"), "thư [đã ẩn] xin");
    }
}
