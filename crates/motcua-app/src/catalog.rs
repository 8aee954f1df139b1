//! Importing a catalog file (`motcua catalog import`, the demo): fields and procedures, each
//! procedure naming its agency by code. The whole file is checked first (agencies, units, fields,
//! each procedure's rules); nothing is imported unless all of it is sound, then each procedure is
//! published as a new version.

use chrono::NaiveDateTime;
use motcua_domain::DomainError;
use motcua_domain::catalog::{Field, ProcedureSpec, ProcedureVersion};
use motcua_domain::org::Actor;
use motcua_store::Store;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::AppError;

/// The catalog file format (`motcua catalog import`): fields and procedures, each procedure
/// naming its agency by code.
#[derive(Debug, Deserialize, Serialize)]
pub struct CatalogFile {
    pub fields: Vec<Field>,
    pub procedures: Vec<AgencyProcedure>,
}

#[derive(Debug, Deserialize, Serialize)]
pub struct AgencyProcedure {
    pub agency: String,
    #[serde(flatten)]
    pub spec: ProcedureSpec,
}

/// Publishes a catalog file at `now`, all or nothing: every procedure is checked first (its
/// agency, its units, its budgets), and if any is wrong nothing is published and every problem
/// is named. Returns the versions published.
pub async fn import_catalog(
    store: &dyn Store,
    catalog: &CatalogFile,
    now: NaiveDateTime,
) -> Result<Vec<ProcedureVersion>, AppError> {
    let mut problems = Vec::new();
    let mut checked = Vec::new();
    for p in &catalog.procedures {
        let Some(agency) = store.agency_by_code(&p.agency).await? else {
            problems.push(format!("thủ tục {}: không có cơ quan {}", p.spec.code, p.agency));
            continue;
        };
        let units: Vec<String> = store.units(agency.id).await?.into_iter().map(|u| u.code).collect();
        match p.spec.validate(&units) {
            Ok(()) => checked.push((agency, p)),
            Err(DomainError::Invalid(fields)) => problems.push(format!(
                "thủ tục {}: {}",
                p.spec.code,
                fields.iter().map(|f| format!("{}: {}", f.field, f.message)).collect::<Vec<_>>().join("; ")
            )),
            Err(other) => problems.push(format!("thủ tục {}: {other}", p.spec.code)),
        }
        if !catalog.fields.iter().any(|f| f.code == p.spec.field) {
            problems.push(format!("thủ tục {}: lĩnh vực \"{}\" không có trong tệp", p.spec.code, p.spec.field));
        }
    }
    if !problems.is_empty() {
        return Err(DomainError::Rule(format!("không nhập gì: {}", problems.join(" | "))).into());
    }
    let mut published = Vec::new();
    for (agency, p) in checked {
        for f in &catalog.fields {
            store.upsert_field(agency.id, f).await?;
        }
        let field_name = catalog.fields.iter().find(|f| f.code == p.spec.field).map_or("", |f| f.name.as_str());
        published.push(store.publish_procedure(agency.id, &p.spec, field_name, now).await?);
    }
    Ok(published)
}

/// Publishes `spec` as the agency's new version of its procedure, named with its field's name,
/// and records who did it (`action`, with `data`) in the audit log. The version takes effect on
/// its own date: one dated later is scheduled, and intake keeps the version in force until then.
pub async fn publish(
    store: &dyn Store,
    actor: &Actor,
    agency_id: Uuid,
    spec: &ProcedureSpec,
    action: &str,
    data: serde_json::Value,
    now: NaiveDateTime,
) -> Result<ProcedureVersion, AppError> {
    let field_name =
        store.fields().await?.into_iter().find(|x| x.code == spec.field).map(|x| x.name).unwrap_or_default();
    let version = store.publish_procedure(agency_id, spec, &field_name, now).await?;
    let mut data = data;
    if let Some(o) = data.as_object_mut() {
        o.insert("version".into(), version.version.into());
    }
    let what = (action, format!("procedure:{}", spec.code));
    crate::audit::record(store, Some(agency_id), Some(actor.user_id), what, data, now).await?;
    Ok(version)
}
