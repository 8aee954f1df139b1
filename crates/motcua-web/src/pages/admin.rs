//! Administration of one agency: users and roles (create, lock, reset password), procedures and
//! their internal process (the domain's validation shown inline), and the agency's own calendar
//! days. Every change is audited.

use argon2::Argon2;
use argon2::password_hash::PasswordHasher;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use motcua_calendar::CalendarConfig;
use motcua_domain::FieldError;
use motcua_domain::catalog::ProcedureSpec;
use motcua_domain::org::{Actor, Agency, Role, RoleGrant, Unit};
use motcua_store::{AuditEntry, ProcedureQuery, StoreError, UserRecord};
use serde::Deserialize;
use uuid::Uuid;

use super::error::PageResult;
use super::roles::AgencyAdmin;
use super::session::{CsrfForm, Shell, Web, check_csrf};
use crate::error::ApiError;
use crate::state::AppState;

/// The agency the signed-in administrator manages (the first where they are admin).
/// Records who changed what in the agency.
pub(crate) async fn audit(
    state: &AppState,
    actor: &Actor,
    agency_id: Uuid,
    action: &str,
    object: String,
    data: serde_json::Value,
) -> Result<(), ApiError> {
    state
        .store
        .audit(&AuditEntry {
            agency_id: Some(agency_id),
            actor_id: Some(actor.user_id),
            action: action.into(),
            object,
            at: state.now_default(),
            data,
        })
        .await?;
    Ok(())
}

fn new_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    (0..14).map(|_| ALPHABET[rand::random_range(0..ALPHABET.len())] as char).collect()
}

async fn hash(password: String) -> Result<String, ApiError> {
    tokio::task::spawn_blocking(move || Argon2::default().hash_password(password.as_bytes()).map(|h| h.to_string()))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .map_err(|e| ApiError::Internal(e.to_string()))
}

#[derive(Debug)]
pub struct UserRow {
    id: Uuid,
    username: String,
    full_name: String,
    roles: String,
    active: bool,
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "admin.html")]
pub struct AdminPage {
    shell: Shell,
    agency_name: String,
    children: Vec<(String, String)>,
    units: Vec<Unit>,
    users: Vec<UserRow>,
    roles: Vec<(&'static str, &'static str)>,
    errors: Vec<FieldError>,
    notice: Option<String>,
}

async fn admin_page(
    state: &AppState,
    web: Web,
    agency: &Agency,
    errors: Vec<FieldError>,
    notice: Option<String>,
) -> PageResult<AdminPage> {
    let mut users = Vec::new();
    for u in state.store.users_of(agency.id).await? {
        let grants = state.store.grants(u.id).await?;
        let roles = grants
            .iter()
            .filter(|g| g.agency_id == agency.id)
            .map(|g| match &g.unit {
                Some(unit) => format!("{} ({unit})", g.role.label_vi()),
                None => g.role.label_vi().to_owned(),
            })
            .collect::<Vec<_>>()
            .join(", ");
        users.push(UserRow { id: u.id, username: u.username, full_name: u.full_name, roles, active: u.active });
    }
    let roles = [Role::Reception, Role::Specialist, Role::UnitLead, Role::AgencyLead, Role::Admin, Role::Inspector]
        .into_iter()
        .map(|r| (r.as_str(), r.label_vi()))
        .collect();
    let children = state
        .store
        .agencies()
        .await?
        .into_iter()
        .filter(|a| a.parent_id == Some(agency.id))
        .map(|a| (a.code.to_string(), a.name))
        .collect();
    Ok(AdminPage {
        shell: web.shell,
        agency_name: agency.name.clone(),
        children,
        units: state.store.units(agency.id).await?,
        users,
        roles,
        errors,
        notice,
    })
}

pub async fn home(
    State(state): State<AppState>,
    web: Web,
    AgencyAdmin { agency, .. }: AgencyAdmin,
) -> PageResult<AdminPage> {
    admin_page(&state, web, &agency, vec![], None).await
}

#[derive(Debug, Deserialize)]
pub struct NewUser {
    username: String,
    full_name: String,
    role: String,
    #[serde(default)]
    unit: String,
}

pub async fn create_user(
    State(state): State<AppState>,
    web: Web,
    AgencyAdmin { actor, agency }: AgencyAdmin,
    CsrfForm(f): CsrfForm<NewUser>,
) -> PageResult<Response> {
    let mut errors = Vec::new();
    let username = f.username.trim().to_lowercase();
    if username.len() < 3 || !username.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c)) {
        errors
            .push(FieldError::new("username", "Tên đăng nhập cần ít nhất 3 ký tự: chữ không dấu, số, dấu chấm, gạch."));
    }
    let name = motcua_domain::text::nfc(&f.full_name);
    if name.is_empty() {
        errors.push(FieldError::new("full_name", "Cần nhập họ tên."));
    }
    let role = Role::parse(&f.role);
    if role.is_none() {
        errors.push(FieldError::new("role", "Vai trò không hợp lệ."));
    }
    let units = state.store.units(agency.id).await?;
    let unit = Some(f.unit.trim().to_owned()).filter(|u| !u.is_empty());
    if let Some(u) = &unit
        && !units.iter().any(|x| &x.code == u)
    {
        errors.push(FieldError::new("unit", "Đơn vị không thuộc cơ quan."));
    }
    if let (true, Some(role)) = (errors.is_empty(), role) {
        let password = new_password();
        let user = UserRecord {
            id: Uuid::now_v7(),
            agency_id: Some(agency.id),
            username: username.clone(),
            full_name: name,
            password_hash: hash(password.clone()).await?,
            citizen: false,
            phone: None,
            email: None,
            active: true,
        };
        match state.store.insert_user(&user).await {
            Ok(()) => {
                state
                    .store
                    .insert_grant(user.id, &RoleGrant { role, agency_id: agency.id, unit: unit.clone() })
                    .await?;
                audit(
                    &state,
                    &actor,
                    agency.id,
                    "user_created",
                    format!("user:{}", user.id),
                    serde_json::json!({ "username": username, "role": role.as_str(), "unit": unit }),
                )
                .await?;
                let notice = format!("Đã thêm {username}. Mật khẩu (chỉ hiện một lần): {password}");
                return Ok(admin_page(&state, web, &agency, vec![], Some(notice)).await?.into_response());
            }
            Err(StoreError::Duplicate(_)) => errors.push(FieldError::new("username", "Tên đăng nhập đã có.")),
            Err(e) => return Err(e.into()),
        }
    }
    Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, admin_page(&state, web, &agency, errors, None).await?)
        .into_response())
}

/// The user, if the administrator may manage them: an officer whose home agency and every grant
/// lie within agencies the administrator administers (an agency-wide admin grant). A parent
/// agency's director, an officer who also works elsewhere, and citizens are out of reach.
pub(crate) async fn managed_user(state: &AppState, actor: &Actor, id: Uuid) -> Result<UserRecord, ApiError> {
    let user = state.store.user(id).await?.ok_or_else(|| ApiError::NotFound("không tìm thấy người dùng".into()))?;
    let administers = |agency: Uuid| actor.has_role(Role::Admin, agency, None);
    let grants = state.store.grants(user.id).await?;
    let within =
        !user.citizen && user.agency_id.is_some_and(administers) && grants.iter().all(|g| administers(g.agency_id));
    if within { Ok(user) } else { Err(ApiError::Forbidden("quản lý tài khoản này".into())) }
}

#[derive(Debug, Deserialize)]
pub struct ActiveForm {
    active: bool,
}

pub async fn set_active(
    State(state): State<AppState>,
    AgencyAdmin { actor, agency }: AgencyAdmin,
    Path(id): Path<Uuid>,
    CsrfForm(f): CsrfForm<ActiveForm>,
) -> PageResult<Response> {
    let user = managed_user(&state, &actor, id).await?;
    if user.id == actor.user_id && !f.active {
        return Err(ApiError::field("active", "Không thể tự khóa tài khoản của mình.").into());
    }
    state.store.set_user_active(user.id, f.active).await?;
    let action = if f.active { "user_enabled" } else { "user_disabled" };
    audit(
        &state,
        &actor,
        agency.id,
        action,
        format!("user:{}", user.id),
        serde_json::json!({ "username": user.username }),
    )
    .await?;
    Ok(Redirect::to("/admin").into_response())
}

/// A form with nothing but its token (checked by [`CsrfForm`]).
#[derive(Debug, Deserialize)]
pub struct NoFields {}

pub async fn reset_password(
    State(state): State<AppState>,
    web: Web,
    AgencyAdmin { actor, agency }: AgencyAdmin,
    Path(id): Path<Uuid>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> PageResult<Response> {
    let user = managed_user(&state, &actor, id).await?;
    let password = new_password();
    state.store.set_password_hash(user.id, &hash(password.clone()).await?).await?;
    audit(
        &state,
        &actor,
        agency.id,
        "password_reset",
        format!("user:{}", user.id),
        serde_json::json!({ "username": user.username }),
    )
    .await?;
    let notice = format!("Mật khẩu mới của {} (chỉ hiện một lần): {password}", user.username);
    Ok(admin_page(&state, web, &agency, vec![], Some(notice)).await?.into_response())
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "admin_procedures.html")]
pub struct ProceduresPage {
    shell: Shell,
    spec: String,
    /// The procedure being edited: its code and document names, for template uploads.
    editing: Option<(String, Vec<String>)>,
    procedures: Vec<(String, String, i32)>,
    /// The edited procedure's versions, oldest first, and what each changed.
    history: Vec<crate::routes::procedures::versions::VersionEntry>,
    errors: Vec<FieldError>,
    notice: Option<String>,
}

async fn procedures_page(
    state: &AppState,
    web: Web,
    agency: &Agency,
    spec: String,
    errors: Vec<FieldError>,
    notice: Option<String>,
) -> PageResult<ProceduresPage> {
    let q = ProcedureQuery { agency_id: Some(agency.id), page: 1, page_size: 200, ..Default::default() };
    let procedures = state
        .store
        .search_procedures(&q)
        .await?
        .items
        .into_iter()
        .map(|v| (v.spec.code, v.spec.name, v.version))
        .collect();
    let editing = serde_json::from_str::<ProcedureSpec>(&spec)
        .ok()
        .map(|p| (p.code, p.documents.into_iter().map(|d| d.name).collect::<Vec<_>>()));
    let history = match &editing {
        Some((code, _)) => match state.store.procedure(code).await? {
            Some(v) if v.agency_id == agency.id => {
                crate::routes::procedures::versions::history(state, v.procedure_id).await?
            }
            _ => vec![],
        },
        None => vec![],
    };
    Ok(ProceduresPage { shell: web.shell, spec, editing, procedures, history, errors, notice })
}

#[derive(Debug, Deserialize)]
pub struct CodeParam {
    #[serde(default)]
    code: String,
}

pub async fn procedures(
    State(state): State<AppState>,
    web: Web,
    AgencyAdmin { agency, .. }: AgencyAdmin,
    Query(p): Query<CodeParam>,
) -> PageResult<ProceduresPage> {
    let spec = match state.store.procedure(&p.code).await? {
        Some(v) if v.agency_id == agency.id => {
            serde_json::to_string_pretty(&v.spec).map_err(|e| ApiError::Internal(e.to_string()))?
        }
        _ => String::new(),
    };
    procedures_page(&state, web, &agency, spec, vec![], None).await
}

#[derive(Debug, Deserialize)]
pub struct SpecForm {
    spec: String,
}

pub async fn publish(
    State(state): State<AppState>,
    web: Web,
    AgencyAdmin { actor, agency }: AgencyAdmin,
    CsrfForm(f): CsrfForm<SpecForm>,
) -> PageResult<Response> {
    let parsed: Result<ProcedureSpec, _> = serde_json::from_str(&f.spec);
    let errors = match &parsed {
        Err(e) => vec![FieldError::new(
            "spec",
            format!("Nội dung không đúng cấu trúc (dòng {}, cột {}): {e}", e.line(), e.column()),
        )],
        Ok(spec) => {
            let units: Vec<String> = state.store.units(agency.id).await?.into_iter().map(|u| u.code).collect();
            match spec.validate(&units) {
                Ok(()) if state.store.fields().await?.iter().any(|x| x.code == spec.field) => vec![],
                Ok(()) => vec![FieldError::new("spec", format!("Lĩnh vực \"{}\" chưa có trong danh mục.", spec.field))],
                Err(motcua_domain::DomainError::Invalid(fields)) => fields,
                Err(other) => vec![FieldError::new("spec", other.to_string())],
            }
        }
    };
    let (Ok(spec), true) = (parsed, errors.is_empty()) else {
        let page = procedures_page(&state, web, &agency, f.spec, errors, None).await?;
        return Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    let field_name =
        state.store.fields().await?.into_iter().find(|x| x.code == spec.field).map(|x| x.name).unwrap_or_default();
    let v = state.store.publish_procedure(agency.id, &spec, &field_name, state.now_default()).await?;
    audit(
        &state,
        &actor,
        agency.id,
        "procedure_published",
        format!("procedure:{}", spec.code),
        serde_json::json!({ "version": v.version }),
    )
    .await?;
    let today = state.now_default().date();
    let notice = if spec.effective_from > today {
        format!(
            "Đã công bố thủ tục {} phiên bản {}, áp dụng từ ngày {}; đến ngày đó hồ sơ vẫn được tiếp nhận theo phiên bản đang có hiệu lực.",
            spec.code,
            v.version,
            spec.effective_from.format("%d/%m/%Y")
        )
    } else {
        format!("Đã công bố thủ tục {} phiên bản {}.", spec.code, v.version)
    };
    let pretty = serde_json::to_string_pretty(&spec).map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(procedures_page(&state, web, &agency, pretty, vec![], Some(notice)).await?.into_response())
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "admin_calendar.html")]
pub struct CalendarPage {
    shell: Shell,
    agency_name: String,
    days: Vec<(String, &'static str, String, String)>,
    /// Open dossiers due on a day that is now a day off.
    affected: usize,
    errors: Vec<FieldError>,
    notice: Option<String>,
}

async fn calendar_page(
    state: &AppState,
    web: Web,
    agency: &Agency,
    errors: Vec<FieldError>,
    notice: Option<String>,
) -> PageResult<CalendarPage> {
    let toml = state.store.agency_calendar(agency.id).await?.unwrap_or_default();
    let config = CalendarConfig::from_toml("lịch cơ quan", &toml).map_err(|e| ApiError::Internal(e.to_string()))?;
    let days = config
        .extra_days
        .iter()
        .map(|d| (d.date.format("%d/%m/%Y").to_string(), d.kind.label_vi(), d.name.clone(), d.source.to_string()))
        .collect();
    let cal = state.calendar(agency.id).await?;
    let affected = super::calendar_moves::affected(state, agency.id, &cal).await?.len();
    Ok(CalendarPage { shell: web.shell, agency_name: agency.name.clone(), days, affected, errors, notice })
}

pub async fn calendar(
    State(state): State<AppState>,
    web: Web,
    AgencyAdmin { agency, .. }: AgencyAdmin,
) -> PageResult<CalendarPage> {
    calendar_page(&state, web, &agency, vec![], None).await
}

#[derive(Debug, Deserialize)]
pub struct DayForm {
    date: String,
    kind: String,
    name: String,
    document: String,
    #[serde(default)]
    document_date: String,
    issuer: String,
}

fn toml_string(s: &str) -> String {
    toml::Value::String(s.trim().to_owned()).to_string()
}

/// Adds a day to the agency's calendar file; the calendar's own parser validates the result, so a
/// bad entry is refused with its reason and the stored file is unchanged.
pub async fn add_day(
    State(state): State<AppState>,
    web: Web,
    AgencyAdmin { actor, agency }: AgencyAdmin,
    CsrfForm(f): CsrfForm<DayForm>,
) -> PageResult<Response> {
    let current = state.store.agency_calendar(agency.id).await?.unwrap_or_default();
    let source_id = format!("s{}", Uuid::now_v7().simple());
    let mut entry = format!(
        "\n[sources.{source_id}]\ndocument = {}\nissuer = {}\n",
        toml_string(&f.document),
        toml_string(&f.issuer)
    );
    if !f.document_date.trim().is_empty() {
        entry.push_str(&format!("date = {}\n", toml_string(&f.document_date)));
    }
    entry.push_str(&format!(
        "\n[[day]]\ndate = {}\nkind = {}\nname = {}\nsource = \"{source_id}\"\n",
        toml_string(&f.date),
        toml_string(&f.kind),
        toml_string(&f.name)
    ));
    // TOML allows tables in any order, so new tables go at the end of the file.
    let updated = format!("{current}{entry}");
    match CalendarConfig::from_toml("lịch cơ quan", &updated).and_then(|c| {
        motcua_calendar::WorkCalendar::new(c).map_err(|e| motcua_calendar::ScheduleError {
            file: "lịch cơ quan".into(),
            line: 0,
            message: e.to_string(),
        })
    }) {
        Ok(_) => {
            state.store.set_agency_calendar(agency.id, Some(&updated)).await?;
            audit(
                &state,
                &actor,
                agency.id,
                "calendar_day_added",
                format!("agency:{}", agency.id),
                serde_json::json!({ "date": f.date, "kind": f.kind, "name": f.name, "document": f.document }),
            )
            .await?;
            Ok(calendar_page(&state, web, &agency, vec![], Some(format!("Đã thêm ngày {}.", f.date)))
                .await?
                .into_response())
        }
        Err(e) => {
            let errors = vec![FieldError::new("date", e.message)];
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, calendar_page(&state, web, &agency, errors, None).await?)
                .into_response())
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct NewUnit {
    code: String,
    name: String,
}

pub async fn create_unit(
    State(state): State<AppState>,
    web: Web,
    AgencyAdmin { actor, agency }: AgencyAdmin,
    CsrfForm(f): CsrfForm<NewUnit>,
) -> PageResult<Response> {
    let code = f.code.trim().to_uppercase();
    let name = motcua_domain::text::nfc(&f.name);
    let mut errors = Vec::new();
    if code.is_empty() || code.len() > 16 || !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        errors.push(FieldError::new("unit_code", "Mã đơn vị gồm chữ không dấu, số, dấu gạch (tối đa 16 ký tự)."));
    }
    if name.is_empty() {
        errors.push(FieldError::new("unit_name", "Cần nhập tên đơn vị."));
    }
    if errors.is_empty() {
        let unit = Unit { id: Uuid::now_v7(), agency_id: agency.id, code: code.clone(), name };
        match state.store.insert_unit(&unit).await {
            Ok(()) => {
                audit(
                    &state,
                    &actor,
                    agency.id,
                    "unit_created",
                    format!("unit:{}", unit.id),
                    serde_json::json!({ "code": code }),
                )
                .await?;
                return Ok(admin_page(&state, web, &agency, vec![], Some(format!("Đã thêm đơn vị {code}.")))
                    .await?
                    .into_response());
            }
            Err(StoreError::Duplicate(_)) => errors.push(FieldError::new("unit_code", "Mã đơn vị đã có.")),
            Err(e) => return Err(e.into()),
        }
    }
    Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, admin_page(&state, web, &agency, errors, None).await?)
        .into_response())
}

/// Uploads the blank form (mẫu đơn) of one document of a procedure: a new version of the
/// procedure whose document names the file, which the public procedure page offers for download.
pub async fn upload_template(
    State(state): State<AppState>,
    web: Web,
    AgencyAdmin { actor, agency }: AgencyAdmin,
    Path((code, index)): Path<(String, usize)>,
    mut mp: axum::extract::Multipart,
) -> PageResult<Response> {
    let mut csrf = String::new();
    let mut upload = None;
    while let Some(field) = mp.next_field().await.map_err(|e| ApiError::BadRequest(e.body_text()))? {
        match field.name() {
            Some("csrf") => csrf = field.text().await.map_err(|e| ApiError::BadRequest(e.body_text()))?,
            Some("file") => {
                let name = field.file_name().unwrap_or("mau-don").to_owned();
                let bytes =
                    field.bytes().await.map_err(|_| ApiError::TooLarge { limit: state.config.max_upload_bytes })?;
                upload = Some((name, bytes));
            }
            _ => {}
        }
    }
    check_csrf(&web, Some(&csrf))?;
    let version = state
        .store
        .procedure(&code)
        .await?
        .filter(|v| v.agency_id == agency.id)
        .ok_or_else(|| ApiError::NotFound("thủ tục".into()))?;
    let (name, bytes) =
        upload.filter(|(_, b)| !b.is_empty()).ok_or_else(|| ApiError::field("file", "Cần chọn tệp mẫu."))?;
    let content_type = crate::files::sniff_template(&bytes)
        .ok_or_else(|| ApiError::UnsupportedMedia("mẫu đơn cần là tệp PDF, DOC hoặc DOCX".into()))?;
    let sha256 = state.files.put(&bytes).await.map_err(|e| ApiError::Internal(e.to_string()))?;
    state.store.record_file(agency.id, &sha256, &name, content_type, bytes.len() as u64).await?;
    let mut spec = version.spec.clone();
    let doc = spec.documents.get_mut(index).ok_or_else(|| ApiError::NotFound("giấy tờ".into()))?;
    doc.template = Some(format!("{sha256}|{content_type}|{}", motcua_domain::text::nfc(&name)));
    let field_name =
        state.store.fields().await?.into_iter().find(|x| x.code == spec.field).map(|x| x.name).unwrap_or_default();
    let v = state.store.publish_procedure(agency.id, &spec, &field_name, state.now_default()).await?;
    audit(
        &state,
        &actor,
        agency.id,
        "procedure_template_uploaded",
        format!("procedure:{code}"),
        serde_json::json!({ "index": index, "version": v.version }),
    )
    .await?;
    Ok(Redirect::to(&format!("/admin/procedures?code={}", urlencode(&code))).into_response())
}

fn urlencode(s: &str) -> String {
    super::url_component(s)
}

#[derive(Debug, Deserialize)]
pub struct NewAgency {
    code: String,
    name: String,
    level: String,
}

/// Adds an agency under the administrator's own; the administrator administers it too.
pub async fn create_agency(
    State(state): State<AppState>,
    web: Web,
    AgencyAdmin { actor, agency: parent }: AgencyAdmin,
    CsrfForm(f): CsrfForm<NewAgency>,
) -> PageResult<Response> {
    let mut errors = Vec::new();
    let code = motcua_domain::types::AgencyCode::parse(&f.code)
        .map_err(|e| errors.push(FieldError::new("agency_code", e)))
        .ok();
    let name = motcua_domain::text::nfc(&f.name);
    if name.is_empty() {
        errors.push(FieldError::new("agency_name", "Cần nhập tên cơ quan."));
    }
    let level = match f.level.as_str() {
        "department" => motcua_domain::org::AgencyLevel::Department,
        "commune" => motcua_domain::org::AgencyLevel::Commune,
        _ => motcua_domain::org::AgencyLevel::ServiceUnit,
    };
    if let (true, Some(code)) = (errors.is_empty(), code) {
        let agency = Agency { id: Uuid::now_v7(), parent_id: Some(parent.id), code: code.clone(), name, level };
        match state.store.insert_agency(&agency, None).await {
            Ok(()) => {
                state
                    .store
                    .insert_grant(actor.user_id, &RoleGrant { role: Role::Admin, agency_id: agency.id, unit: None })
                    .await?;
                audit(
                    &state,
                    &actor,
                    parent.id,
                    "agency_created",
                    format!("agency:{}", agency.id),
                    serde_json::json!({ "code": code.to_string() }),
                )
                .await?;
                let notice = format!("Đã thêm cơ quan {code}.");
                return Ok(admin_page(&state, web, &parent, vec![], Some(notice)).await?.into_response());
            }
            Err(StoreError::Duplicate(_)) => errors.push(FieldError::new("agency_code", "Mã định danh đã có.")),
            Err(e) => return Err(e.into()),
        }
    }
    Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, admin_page(&state, web, &parent, errors, None).await?)
        .into_response())
}
