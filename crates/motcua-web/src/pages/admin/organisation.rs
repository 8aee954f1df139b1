//! The organisation: units of the agency, and agencies below it.

use super::users::admin_page;
#[allow(unused_imports)]
use super::*;

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
