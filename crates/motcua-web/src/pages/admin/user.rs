//! One officer, as the administrator manages them: name, mobile phone and e-mail (what digests,
//! reminders and the contact line of Mẫu 02 use), and their roles, each bound to an agency the
//! administrator administers and optionally to one of its units. Every change is audited.

#[allow(unused_imports)]
use super::*;

use motcua_domain::types::{Email, PhoneNumber};

/// The contacts typed in a form, checked: a phone number (stored as parsed) and an e-mail
/// address, each optional; one field error each.
pub(super) fn contacts(phone: &str, email: &str) -> Result<(Option<String>, Option<String>), Vec<FieldError>> {
    let mut errors = Vec::new();
    let phone = match phone.trim() {
        "" => None,
        p => match PhoneNumber::parse(p) {
            Ok(p) => Some(p.as_str().to_owned()),
            Err(e) => {
                errors.push(FieldError::new("phone", format!("Số điện thoại: {e}")));
                None
            }
        },
    };
    let email = match email.trim() {
        "" => None,
        e => match Email::parse(e) {
            Ok(e) => Some(e.as_str().to_owned()),
            Err(e) => {
                errors.push(FieldError::new("email", format!("Email: {e}")));
                None
            }
        },
    };
    if errors.is_empty() { Ok((phone, email)) } else { Err(errors) }
}

/// One of the officer's roles as the page lists it.
#[derive(Debug)]
pub struct GrantRow {
    label: String,
    role: &'static str,
    agency: Uuid,
    unit: String,
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "admin_user.html")]
pub struct UserPage {
    shell: Shell,
    user: UserRecord,
    grants: Vec<GrantRow>,
    roles: Vec<(&'static str, &'static str)>,
    /// Where a role may be given: (value `agency` or `agency/unit`, label).
    scopes: Vec<(String, String)>,
    errors: Vec<FieldError>,
    notice: Option<String>,
}

async fn user_page(
    state: &AppState,
    web: Web,
    actor: &Actor,
    user: UserRecord,
    errors: Vec<FieldError>,
    notice: Option<String>,
) -> PageResult<UserPage> {
    let mut names = std::collections::HashMap::new();
    let mut scopes = Vec::new();
    for g in actor.grants.iter().filter(|g| g.role == Role::Admin && g.unit.is_none()) {
        let Some(agency) = state.store.agency(g.agency_id).await? else { continue };
        scopes.push((agency.id.to_string(), format!("{} (toàn cơ quan)", agency.name)));
        for u in state.store.units(agency.id).await? {
            scopes.push((format!("{}/{}", agency.id, u.code), format!("{} — {}", agency.name, u.name)));
        }
        names.insert(agency.id, agency.name);
    }
    let grants = state
        .store
        .grants(user.id)
        .await?
        .into_iter()
        .map(|g| GrantRow {
            label: format!(
                "{} — {}{}",
                capitalised(g.role.label_vi()),
                names.get(&g.agency_id).cloned().unwrap_or_default(),
                g.unit.as_ref().map(|u| format!(" ({u})")).unwrap_or_default()
            ),
            role: g.role.as_str(),
            agency: g.agency_id,
            unit: g.unit.unwrap_or_default(),
        })
        .collect();
    Ok(UserPage { shell: web.shell, user, grants, roles: role_choices(), scopes, errors, notice })
}

/// "chuyên viên" → "Chuyên viên".
fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

pub(super) fn role_choices() -> Vec<(&'static str, &'static str)> {
    [Role::Reception, Role::Specialist, Role::UnitLead, Role::AgencyLead, Role::Admin, Role::Inspector]
        .into_iter()
        .map(|r| (r.as_str(), r.label_vi()))
        .collect()
}

pub async fn user(
    State(state): State<AppState>,
    web: Web,
    AgencyAdmin { actor, .. }: AgencyAdmin,
    Path(id): Path<Uuid>,
) -> PageResult<UserPage> {
    let user = managed_user(&state, &actor, id).await?;
    user_page(&state, web, &actor, user, vec![], None).await
}

#[derive(Debug, Deserialize)]
pub struct ContactsForm {
    #[serde(default)]
    full_name: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    email: String,
}

pub async fn save_user(
    State(state): State<AppState>,
    web: Web,
    AgencyAdmin { actor, agency }: AgencyAdmin,
    Path(id): Path<Uuid>,
    CsrfForm(f): CsrfForm<ContactsForm>,
) -> PageResult<Response> {
    let mut user = managed_user(&state, &actor, id).await?;
    let name = motcua_domain::text::clean(&f.full_name, 200, false).unwrap_or_default();
    let mut errors = Vec::new();
    if name.is_empty() {
        errors.push(FieldError::new("full_name", "Cần nhập họ tên."));
    }
    let checked = contacts(&f.phone, &f.email);
    if let Err(e) = &checked {
        errors.extend(e.iter().cloned());
    }
    user.full_name = name.clone();
    user.phone = Some(f.phone.trim().to_owned()).filter(|p| !p.is_empty());
    user.email = Some(f.email.trim().to_owned()).filter(|p| !p.is_empty());
    let (phone, email) = match checked {
        Ok(c) if errors.is_empty() => c,
        _ => {
            let page = user_page(&state, web, &actor, user, errors, None).await?;
            return Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    state.store.set_user_contacts(user.id, &name, phone.as_deref(), email.as_deref()).await?;
    // The audit names what changed, not the numbers themselves (personal data stays out of logs).
    audit(
        &state,
        &actor,
        agency.id,
        "user_contacts_changed",
        format!("user:{}", user.id),
        serde_json::json!({ "username": user.username, "phone": phone.is_some(), "email": email.is_some() }),
    )
    .await?;
    let user = managed_user(&state, &actor, id).await?;
    Ok(user_page(&state, web, &actor, user, vec![], Some("Đã lưu.".into())).await?.into_response())
}

#[derive(Debug, Deserialize)]
pub struct GrantForm {
    #[serde(default)]
    role: String,
    /// `agency` or `agency/unit`.
    #[serde(default)]
    scope: String,
    /// For removal: the grant as listed.
    #[serde(default)]
    agency: String,
    #[serde(default)]
    unit: String,
}

impl GrantForm {
    /// The grant the form names, if the administrator may give or take it.
    fn grant(&self, actor: &Actor) -> Result<RoleGrant, FieldError> {
        let role = Role::parse(&self.role).ok_or_else(|| FieldError::new("role", "Vai trò không hợp lệ."))?;
        let (agency, unit) = if self.scope.is_empty() {
            (self.agency.as_str(), Some(self.unit.as_str()).filter(|u| !u.is_empty()))
        } else {
            match self.scope.split_once('/') {
                Some((a, u)) => (a, Some(u)),
                None => (self.scope.as_str(), None),
            }
        };
        let agency_id = Uuid::parse_str(agency).map_err(|_| FieldError::new("scope", "Cần chọn cơ quan, đơn vị."))?;
        if !actor.has_role(Role::Admin, agency_id, None) {
            return Err(FieldError::new("scope", "Chỉ giao vai trò trong cơ quan mình quản trị."));
        }
        Ok(RoleGrant { role, agency_id, unit: unit.map(str::to_owned) })
    }
}

pub async fn add_grant(
    State(state): State<AppState>,
    web: Web,
    AgencyAdmin { actor, agency }: AgencyAdmin,
    Path(id): Path<Uuid>,
    CsrfForm(f): CsrfForm<GrantForm>,
) -> PageResult<Response> {
    let user = managed_user(&state, &actor, id).await?;
    let refuse = |e: FieldError| async {
        let page = user_page(&state, web.clone(), &actor, user.clone(), vec![e], None).await?;
        Ok::<_, crate::pages::error::PageError>((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
    };
    let grant = match f.grant(&actor) {
        Ok(g) => g,
        Err(e) => return refuse(e).await,
    };
    if let Some(u) = &grant.unit
        && !state.store.units(grant.agency_id).await?.iter().any(|x| &x.code == u)
    {
        return refuse(FieldError::new("scope", "Đơn vị không thuộc cơ quan.")).await;
    }
    if state.store.grants(user.id).await?.contains(&grant) {
        return refuse(FieldError::new("role", "Người dùng đã có vai trò này.")).await;
    }
    state.store.insert_grant(user.id, &grant).await?;
    audit(
        &state,
        &actor,
        agency.id,
        "grant_added",
        format!("user:{}", user.id),
        serde_json::json!({ "role": grant.role.as_str(), "agency": grant.agency_id, "unit": grant.unit }),
    )
    .await?;
    Ok(Redirect::to(&format!("/admin/users/{}", user.id)).into_response())
}

pub async fn remove_grant(
    State(state): State<AppState>,
    AgencyAdmin { actor, agency }: AgencyAdmin,
    Path(id): Path<Uuid>,
    CsrfForm(f): CsrfForm<GrantForm>,
) -> PageResult<Response> {
    let user = managed_user(&state, &actor, id).await?;
    let grant = f.grant(&actor).map_err(|e| ApiError::invalid(vec![e]))?;
    if user.id == actor.user_id && grant.role == Role::Admin {
        return Err(ApiError::field("role", "Không thể tự bỏ vai trò quản trị của mình.").into());
    }
    if state.store.delete_grant(user.id, &grant).await? {
        audit(
            &state,
            &actor,
            agency.id,
            "grant_removed",
            format!("user:{}", user.id),
            serde_json::json!({ "role": grant.role.as_str(), "agency": grant.agency_id, "unit": grant.unit }),
        )
        .await?;
    }
    Ok(Redirect::to(&format!("/admin/users/{}", user.id)).into_response())
}
