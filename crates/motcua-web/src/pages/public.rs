//! Public pages: home, the catalog, a procedure, the lookup and the kiosk. No sign-in.

use crate::extract::ApiQuery as Query;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use motcua_domain::catalog::{Channel, Field, OnlineService, ProcedureSpec};
use motcua_domain::dossier::State as DossierState;
use motcua_store::ProcedureQuery;
use serde::Deserialize;

use super::error::PageResult;
use super::i18n::Lang;
use super::session::{Shell, Web};
use crate::error::{ApiError, ApiResult};
use crate::rate_limit::ClientAddr;
use crate::routes::lookup::{LookupView, find_dossier, guarded, lookup_view};
use crate::state::AppState;

#[derive(Debug, Template, WebTemplate)]
#[template(path = "home.html")]
pub struct HomePage {
    shell: Shell,
    fields: Vec<Field>,
    /// (agency, its published feedback hotline).
    hotlines: Vec<(String, String)>,
}

/// The agency's published feedback hotline, if its administrator set one.
async fn hotline(state: &AppState, agency_id: uuid::Uuid) -> Result<Option<String>, ApiError> {
    let settings = state.store.agency_settings(agency_id).await?;
    Ok(settings.into_iter().find(|(k, _)| k == super::admin::HOTLINE_KEY).map(|(_, v)| v))
}

/// Every agency's published hotline, (agency, number), in two reads.
async fn hotlines(state: &AppState) -> Result<Vec<(String, String)>, ApiError> {
    let numbers = state.store.setting_of_all(super::admin::HOTLINE_KEY).await?;
    if numbers.is_empty() {
        return Ok(vec![]);
    }
    let agencies = state.store.agencies().await?;
    Ok(agencies
        .into_iter()
        .filter_map(|a| numbers.iter().find(|(id, _)| *id == a.id).map(|(_, n)| (a.name, n.clone())))
        .collect())
}

pub async fn home(State(state): State<AppState>, web: Web) -> PageResult<HomePage> {
    Ok(HomePage { shell: web.shell, fields: state.store.fields().await?, hotlines: hotlines(&state).await? })
}

#[derive(Debug, Default, Deserialize)]
pub struct CatalogParams {
    #[serde(default)]
    q: String,
    #[serde(default)]
    field: String,
    /// The agency's code.
    #[serde(default)]
    agency: String,
    #[serde(default)]
    level: String,
    #[serde(default)]
    online: String,
    page: Option<u32>,
}

/// One line of a catalog list.
#[derive(Debug)]
pub struct Summary {
    pub code: String,
    pub name: String,
    pub time_limit_text: String,
    pub fees_text: String,
    pub online_text: &'static str,
}

impl Summary {
    fn new(s: &ProcedureSpec) -> Summary {
        Summary::in_lang(s, Lang::Vi)
    }

    fn in_lang(s: &ProcedureSpec, lang: Lang) -> Summary {
        let english = lang == Lang::En;
        Summary {
            code: s.code.clone(),
            name: s.name.clone(),
            time_limit_text: if english { s.time_limit.describe_en() } else { s.time_limit.describe_vi() },
            fees_text: s.total_fees().to_string(),
            online_text: match (s.online, english) {
                (OnlineService::Full, false) => "Trực tuyến toàn trình",
                (OnlineService::Partial, false) => "Trực tuyến một phần",
                (OnlineService::Full, true) => "Fully online",
                (OnlineService::Partial, true) => "Partly online",
                (OnlineService::None, _) => "",
            },
        }
    }
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "procedures.html")]
pub struct CatalogPage {
    shell: Shell,
    p: CatalogParams,
    agencies: Vec<(String, String)>,
    fields: Vec<Field>,
    items: Vec<Summary>,
    total: i64,
    next_page: Option<u32>,
}

const PAGE_SIZE: u32 = 20;

async fn search(state: &AppState, p: &CatalogParams, page: u32, lang: Lang) -> ApiResult<(Vec<Summary>, i64)> {
    let agency_id = match p.agency.trim() {
        "" => None,
        code => Some(state.store.agency_by_code(code).await?.map_or(uuid::Uuid::nil(), |a| a.id)),
    };
    let some = |s: &str| Some(s.trim().chars().take(100).collect::<String>()).filter(|s| !s.is_empty());
    let q = motcua_domain::text::search_terms(&p.q).map_err(|e| ApiError::field("q", e))?;
    let found = state
        .store
        .search_procedures(&ProcedureQuery {
            q,
            field: some(&p.field),
            agency_id,
            level: some(&p.level),
            online: some(&p.online),
            in_force_on: Some(state.now_default().date()),
            page,
            page_size: PAGE_SIZE,
        })
        .await?;
    Ok((found.items.iter().map(|v| Summary::in_lang(&v.spec, lang)).collect(), found.total))
}

pub async fn catalog(
    State(state): State<AppState>,
    web: Web,
    Query(p): Query<CatalogParams>,
) -> PageResult<CatalogPage> {
    let page = p.page.unwrap_or(1).max(1);
    let (items, total) = search(&state, &p, page, web.shell.lang).await?;
    let next_page = (i64::from(page * PAGE_SIZE) < total).then_some(page + 1);
    let agencies = state.store.agencies().await?.into_iter().map(|a| (a.code.to_string(), a.name)).collect();
    Ok(CatalogPage { shell: web.shell, fields: state.store.fields().await?, agencies, items, total, next_page, p })
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "procedure.html")]
pub struct ProcedurePage {
    shell: Shell,
    p: ProcedureSpec,
    field_name: String,
    time_limit_text: String,
    fees: Vec<(String, String)>,
    /// Per channel: its name, time limit, fee and method (cách thức thực hiện).
    methods: Vec<(&'static str, String, String, String)>,
    steps: Vec<(String, String, String)>,
    online: bool,
    /// The version scheduled next: its first day and what it changes.
    next: Option<(String, Vec<motcua_domain::catalog::SpecChange>)>,
    /// Questions about it answered and published (the FAQ): (id, question, answer).
    faq: Vec<(uuid::Uuid, String, String)>,
}

pub async fn procedure(State(state): State<AppState>, web: Web, Path(code): Path<String>) -> PageResult<ProcedurePage> {
    let today = state.now_default().date();
    // The version in force today; one published for a later day is announced, not applied.
    let v = state
        .store
        .procedure_at(&code, today)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("không tìm thấy thủ tục \"{code}\"")))?;
    let versions = state.store.procedure_versions(v.procedure_id).await?;
    let next = motcua_domain::catalog::next_scheduled(&versions, today)
        .map(|n| (n.spec.effective_from.format("%d/%m/%Y").to_string(), n.spec.changes_from(&v.spec)));
    let english = web.shell.lang == Lang::En;
    let units = state.store.units(v.agency_id).await?;
    let field_name = state
        .store
        .fields()
        .await?
        .into_iter()
        .find(|f| f.code == v.spec.field)
        .map_or(v.spec.field.clone(), |f| f.name);
    let steps = v
        .spec
        .steps
        .iter()
        .map(|s| {
            let unit = units.iter().find(|u| u.code == s.unit).map_or(s.unit.clone(), |u| u.name.clone());
            // A step held by another agency (liên thông) names that agency.
            let holder = match &s.external_agency {
                Some(external) => format!("{external} (liên thông; {unit} theo dõi)"),
                None => unit,
            };
            (s.name.clone(), holder, if english { s.budget.describe_en() } else { s.budget.describe_vi() })
        })
        .collect();
    Ok(ProcedurePage {
        shell: web.shell,
        field_name,
        time_limit_text: if english { v.spec.time_limit.describe_en() } else { v.spec.time_limit.describe_vi() },
        fees: v
            .spec
            .fees
            .iter()
            .map(|f| {
                let kind = f.kind.map(|k| format!("{}: ", k.label_vi())).unwrap_or_default();
                let channels: Vec<&str> = f.channels.iter().map(|c| channel_vi(*c)).collect();
                let only = if channels.is_empty() { String::new() } else { format!(" ({})", channels.join(", ")) };
                (format!("{kind}{}{only}", f.name), f.amount.to_string())
            })
            .collect(),
        methods: v
            .spec
            .methods
            .iter()
            .map(|m| {
                let limit = if english { m.time_limit.describe_en() } else { m.time_limit.describe_vi() };
                (channel_vi(m.channel), limit, m.fee.clone(), m.description.clone())
            })
            .collect(),
        steps,
        online: v.spec.channels.contains(&Channel::Online),
        next,
        faq: {
            let q = motcua_store::AnswerQuery {
                procedure_code: Some(v.spec.code.clone()),
                kinds: vec!["question".into()],
                page: 1,
                page_size: 5,
                ..Default::default()
            };
            state
                .store
                .published_answers(&q)
                .await?
                .items
                .iter()
                .map(|c| {
                    let a = super::feedback::PublicAnswer::of(c);
                    (a.id, a.title, a.answer)
                })
                .collect()
        },
        p: v.spec,
    })
}

#[derive(Debug, Deserialize)]
pub struct LookupParams {
    #[serde(default)]
    code: String,
    #[serde(default)]
    phone_last4: String,
    /// Set after an evaluation was recorded.
    #[serde(default)]
    evaluated: Option<String>,
    #[serde(default)]
    mode: String,
    #[serde(default)]
    q: String,
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "lookup.html")]
pub struct LookupPage {
    shell: Shell,
    code: String,
    phone_last4: String,
    found: Option<LookupView>,
    not_found: bool,
    evaluation: Option<EvaluationBox>,
}

/// The evaluation offered under a finished dossier's lookup.
#[derive(Debug)]
pub struct EvaluationBox {
    /// The answer given so far, in the page's language, with its date.
    current: Option<String>,
    /// Whether it may still be given or changed.
    open: bool,
    saved: bool,
    /// Where the form returns: `lookup` or `kiosk`.
    from: &'static str,
}

async fn evaluation_box(
    state: &AppState,
    p: &LookupParams,
    found: &Option<LookupView>,
    lang: Lang,
    from: &'static str,
) -> ApiResult<Option<EvaluationBox>> {
    let finished = found
        .as_ref()
        .is_some_and(|v| matches!(v.state, DossierState::ResultReady | DossierState::Returned | DossierState::Stopped));
    if !finished {
        return Ok(None);
    }
    let Some(d) = find_dossier(state, &p.code, &p.phone_last4).await? else { return Ok(None) };
    let (previous, open) =
        motcua_app::evaluations::standing(&*state.store, &d, state.now_default(), state.config.evaluation_change_days)
            .await?;
    let current = previous.map(|e| {
        let label = if lang == Lang::En { e.overall.label_en() } else { e.overall.label_vi() };
        format!("{label} ({})", e.updated_at.format("%d/%m/%Y"))
    });
    Ok(Some(EvaluationBox { current, open, saved: p.evaluated.is_some(), from }))
}

async fn run_lookup(
    state: &AppState,
    client: &str,
    p: &LookupParams,
    lang: Lang,
) -> ApiResult<(Option<LookupView>, bool)> {
    if p.code.trim().is_empty() {
        return Ok((None, false));
    }
    let found = lookup_view(state, client, &p.code, &p.phone_last4).await?.map(|v| v.localize(lang == Lang::En));
    let missing = found.is_none();
    Ok((found, missing))
}

pub async fn lookup(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    web: Web,
    Query(p): Query<LookupParams>,
) -> PageResult<LookupPage> {
    let (found, not_found) = run_lookup(&state, &client, &p, web.shell.lang).await?;
    let evaluation = evaluation_box(&state, &p, &found, web.shell.lang, "lookup").await?;
    Ok(LookupPage { shell: web.shell, code: p.code, phone_last4: p.phone_last4, found, not_found, evaluation })
}

#[derive(Debug, Default, Deserialize)]
pub struct EvaluateForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    phone_last4: String,
    #[serde(default)]
    from: String,
    #[serde(flatten)]
    input: motcua_domain::evaluation::EvaluationInput,
}

/// Records the applicant's evaluation of a finished dossier, proven by its code and the last
/// four digits of the phone number, like the lookup.
pub async fn evaluate(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    web: Web,
    super::session::CsrfForm(f): super::session::CsrfForm<EvaluateForm>,
) -> Result<axum::response::Response, super::error::PageError> {
    use axum::response::IntoResponse;
    state.pass(crate::rate_limit::EVALUATE, &client).await?;
    let not_found = || ApiError::NotFound("không tìm thấy hồ sơ / dossier not found".into());
    let d = guarded(&state, &client, &f.code, find_dossier(&state, &f.code, &f.phone_last4))
        .await?
        .ok_or_else(not_found)?;
    let given = motcua_app::evaluations::Given {
        channel: if f.from == "kiosk" { "counter" } else { "lookup" },
        by: web.actor.as_ref().map(|a| a.user_id),
        now: state.now_default(),
        change_days: state.config.evaluation_change_days,
    };
    motcua_app::evaluations::give(&*state.store, &d, &f.input, given).await?;
    let back = if f.from == "kiosk" { "/kiosk?mode=lookup&" } else { "/lookup?" };
    let to = format!(
        "{back}code={}&phone_last4={}&evaluated=1#evaluation",
        urlencoding(&f.code),
        urlencoding(&f.phone_last4)
    );
    Ok(axum::response::Redirect::to(&to).into_response())
}

fn urlencoding(s: &str) -> String {
    super::url_component(s.trim())
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "kiosk.html")]
pub struct KioskPage {
    shell: Shell,
    mode: String,
    idle_seconds: u32,
    code: String,
    phone_last4: String,
    found: Option<LookupView>,
    not_found: bool,
    q: String,
    items: Vec<Summary>,
    evaluation: Option<EvaluationBox>,
    /// The questions answered and published, found by `q` (mode `faq`): (question, answer).
    faq: Vec<(String, String)>,
    /// The agencies' feedback hotlines.
    hotlines: Vec<(String, String)>,
}

/// The lookup screen at the counter: catalog and lookup only, large targets, back to the start
/// after 60 idle seconds (a small script; without it the pages still work).
pub async fn kiosk(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    web: Web,
    Query(p): Query<LookupParams>,
) -> PageResult<KioskPage> {
    let mode = match p.mode.as_str() {
        "lookup" | "procedures" | "faq" => p.mode.clone(),
        _ => "start".to_owned(),
    };
    let faq = if mode == "faq" {
        let search = motcua_domain::text::search_terms(&p.q).map_err(|e| ApiError::field("q", e))?;
        let q = motcua_store::AnswerQuery {
            q: search,
            kinds: vec!["question".into()],
            page: 1,
            page_size: 10,
            ..Default::default()
        };
        let found = state.store.published_answers(&q).await?.items;
        found
            .iter()
            .map(|c| {
                let a = super::feedback::PublicAnswer::of(c);
                (a.title, a.answer)
            })
            .collect()
    } else {
        Vec::new()
    };
    let hotlines = if mode == "start" { hotlines(&state).await? } else { Vec::new() };
    let (found, not_found) =
        if mode == "lookup" { run_lookup(&state, &client, &p, web.shell.lang).await? } else { (None, false) };
    let query = CatalogParams { q: p.q.clone(), ..Default::default() };
    let items = if mode == "procedures" { search(&state, &query, 1, web.shell.lang).await?.0 } else { Vec::new() };
    let evaluation = evaluation_box(&state, &p, &found, web.shell.lang, "kiosk").await?;
    Ok(KioskPage {
        evaluation,
        shell: web.shell,
        mode,
        idle_seconds: state.config.kiosk_idle_seconds,
        code: p.code,
        phone_last4: p.phone_last4,
        found,
        not_found,
        q: p.q,
        items,
        faq,
        hotlines,
    })
}

/// Code, name, time limit, fees, channels, online service.
type PosterRow = (String, String, String, String, String, &'static str);

#[derive(Debug, Template, WebTemplate)]
#[template(path = "poster.html")]
pub struct PosterPage {
    agency_code: String,
    agency_name: String,
    agency_name_upper: String,
    count: usize,
    today: String,
    groups: Vec<(String, Vec<PosterRow>)>,
    hotline: Option<String>,
    public_url: String,
}

/// The printable counter poster (niêm yết công khai) of an agency's procedures, by field.
pub async fn poster(State(state): State<AppState>, Path(code): Path<String>) -> PageResult<PosterPage> {
    let agency = state
        .store
        .agency_by_code(&code)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("không tìm thấy cơ quan \"{code}\"")))?;
    let q = ProcedureQuery {
        agency_id: Some(agency.id),
        in_force_on: Some(state.now_default().date()),
        page: 1,
        page_size: 200,
        ..Default::default()
    };
    let items = state.store.search_procedures(&q).await?.items;
    let fields = state.store.fields().await?;
    let mut groups: Vec<(String, Vec<_>)> = Vec::new();
    for v in &items {
        let s = &v.spec;
        let field = fields.iter().find(|f| f.code == s.field).map_or(s.field.clone(), |f| f.name.clone());
        let channels = s
            .channels
            .iter()
            .map(|c| match c {
                Channel::Counter => "Trực tiếp",
                Channel::Online => "Trực tuyến",
                Channel::Postal => "Bưu chính",
            })
            .collect::<Vec<_>>()
            .join(", ");
        let fees = if s.fees.is_empty() { "Không".to_owned() } else { s.total_fees().to_string() };
        let row =
            (s.code.clone(), s.name.clone(), s.time_limit.describe_vi(), fees, channels, Summary::new(s).online_text);
        match groups.iter_mut().find(|g| g.0 == field) {
            Some(g) => g.1.push(row),
            None => groups.push((field, vec![row])),
        }
    }
    Ok(PosterPage {
        hotline: hotline(&state, agency.id).await?,
        public_url: state.config.public_url.clone(),
        agency_code: agency.code.to_string(),
        agency_name_upper: agency.name.to_uppercase(),
        agency_name: agency.name,
        count: items.len(),
        today: state.now_default().format("%d/%m/%Y").to_string(),
        groups,
    })
}

/// Downloads the blank form of one document of a procedure (current version).
pub async fn template(
    State(state): State<AppState>,
    Path((code, index)): Path<(String, usize)>,
) -> ApiResult<axum::response::Response> {
    use axum::response::IntoResponse;
    let v = state
        .store
        .procedure_at(&code, state.now_default().date())
        .await?
        .ok_or_else(|| ApiError::NotFound("thủ tục".into()))?;
    let template = v
        .spec
        .documents
        .get(index)
        .and_then(|d| d.template.clone())
        .ok_or_else(|| ApiError::NotFound("không có mẫu".into()))?;
    let mut parts = template.splitn(3, '|');
    let (Some(sha256), Some(_), Some(name)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(ApiError::NotFound("không có mẫu".into()));
    };
    let bytes = state.files.get(sha256).await.map_err(|_| ApiError::NotFound("không có mẫu".into()))?;
    let ascii: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() || ".-_".contains(c) { c } else { '_' }).collect();
    // The type the bytes show (PDF, image or Word), always as a download.
    let content_type = motcua_app::files::sniff_template(&bytes).unwrap_or("application/octet-stream");
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, content_type.to_owned()),
            (axum::http::header::CONTENT_DISPOSITION, format!("attachment; filename=\"{ascii}\"")),
            (axum::http::HeaderName::from_static("content-security-policy"), "default-src 'none'".to_owned()),
        ],
        bytes,
    )
        .into_response())
}

/// A channel as the public page names it.
fn channel_vi(c: Channel) -> &'static str {
    match c {
        Channel::Counter => "Trực tiếp",
        Channel::Online => "Trực tuyến",
        Channel::Postal => "Bưu chính công ích",
    }
}
