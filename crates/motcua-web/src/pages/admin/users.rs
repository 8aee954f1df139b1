//! The administrator's home: the agency's officers, their roles, accounts created, deactivated, passwords reset.

#[allow(unused_imports)]
use super::*;

#[derive(Debug)]
pub struct UserRow {
    id: Uuid,
    username: String,
    full_name: String,
    roles: String,
    /// How digests and reminders reach them; empty: they do not.
    contacts: String,
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
    /// What the agency's documents carry: the place, the symbol, and an example number.
    place: String,
    symbol: String,
    example_number: String,
    /// The published hotline for feedback (Decree 20/2008: calls only on a published number).
    hotline: String,
}

pub(super) async fn admin_page(
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
        let contacts = [u.phone.clone(), u.email.clone()].into_iter().flatten().collect::<Vec<_>>().join(", ");
        users.push(UserRow {
            id: u.id,
            username: u.username,
            full_name: u.full_name,
            roles,
            contacts,
            active: u.active,
        });
    }
    let roles = super::user::role_choices();
    let children = state
        .store
        .agencies()
        .await?
        .into_iter()
        .filter(|a| a.parent_id == Some(agency.id))
        .map(|a| (a.code.to_string(), a.name))
        .collect();
    let settings = state.store.agency_settings(agency.id).await?;
    let style = motcua_domain::org::FormStyle::of(agency, &settings);
    let hotline = settings.iter().find(|(k, _)| k == HOTLINE_KEY).map(|(_, v)| v.clone()).unwrap_or_default();
    Ok(AdminPage {
        hotline,
        place: style.place.clone(),
        symbol: style.symbol.clone(),
        example_number: style.number(motcua_domain::dossier::FormKind::Receipt, Some(12)),
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
    #[serde(default)]
    phone: String,
    #[serde(default)]
    email: String,
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
    let (phone, email) = super::user::contacts(&f.phone, &f.email).unwrap_or_else(|e| {
        errors.extend(e);
        (None, None)
    });
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
            phone,
            email,
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

#[derive(Debug, Deserialize)]
pub struct FormsSettings {
    #[serde(default)]
    place: String,
    #[serde(default)]
    symbol: String,
    #[serde(default)]
    hotline: String,
}

/// The agency setting holding its published feedback hotline.
pub const HOTLINE_KEY: &str = "feedback.hotline";

/// What the agency's documents carry: the place before their date and the symbol after their
/// number (`docs/dossiers.md`, "Printed forms").
pub async fn save_forms(
    State(state): State<AppState>,
    web: Web,
    AgencyAdmin { actor, agency }: AgencyAdmin,
    CsrfForm(f): CsrfForm<FormsSettings>,
) -> PageResult<Response> {
    use motcua_domain::org::FormStyle;
    let place = motcua_domain::text::clean(&f.place, 100, false);
    let symbol = motcua_domain::text::clean(&f.symbol, 30, false);
    let mut errors = Vec::new();
    if place.is_err() {
        errors.push(FieldError::new("forms_place", "Địa danh quá dài hoặc có ký tự không hợp lệ."));
    }
    match &symbol {
        Ok(s) if s.chars().all(|c| c.is_alphanumeric() || c == '-') => {}
        _ => {
            errors.push(FieldError::new("forms_symbol", "Ký hiệu chỉ gồm chữ, số và dấu gạch ngang, tối đa 30 ký tự."))
        }
    }
    let hotline = f.hotline.trim().to_owned();
    if !hotline.is_empty()
        && (hotline.len() > 20 || !hotline.chars().all(|c| c.is_ascii_digit() || c == ' ' || c == '.'))
    {
        errors.push(FieldError::new("forms_hotline", "Số đường dây nóng chỉ gồm chữ số, tối đa 20 ký tự."));
    }
    if !errors.is_empty() {
        let page = admin_page(&state, web, &agency, errors, None).await?;
        return Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    let (place, symbol) = (place.unwrap_or_default(), symbol.unwrap_or_default());
    for (key, value) in [(FormStyle::PLACE, &place), (FormStyle::SYMBOL, &symbol), (HOTLINE_KEY, &hotline)] {
        state.store.set_agency_setting(agency.id, key, Some(value.as_str()).filter(|v| !v.is_empty())).await?;
    }
    audit(
        &state,
        &actor,
        agency.id,
        "forms_settings_changed",
        format!("agency:{}", agency.id),
        serde_json::json!({ "place": place, "symbol": symbol, "hotline": hotline }),
    )
    .await?;
    Ok(admin_page(&state, web, &agency, vec![], Some("Đã lưu thông tin in trên văn bản.".into()))
        .await?
        .into_response())
}
