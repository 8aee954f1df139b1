//! Which agency a dossier code belongs to. A code begins with its agency's code
//! (`000.00.17.H34-260212-0001`), so the public lookup, which has nothing but the code, can name
//! the agency with every read, as the sharded store needs (one shard, not all of them).
//!
//! An agency's code never moves to another agency, so what was found is kept for the life of
//! the process without going stale on another server; a code not found is not kept (an agency
//! created later is found at once). The map holds at most one entry per agency.

use std::collections::HashMap;
use std::sync::RwLock;

use motcua_domain::types::DossierCode;
use motcua_store::{Store, StoreError};
use uuid::Uuid;

#[derive(Debug, Default)]
pub struct AgencyCodes {
    known: RwLock<HashMap<String, Uuid>>,
}

impl AgencyCodes {
    /// The agency whose code begins the dossier code; `None` if the code is malformed or names
    /// no agency.
    pub async fn of_dossier_code(&self, store: &dyn Store, code: &str) -> Result<Option<Uuid>, StoreError> {
        let Ok(code) = DossierCode::parse(code) else { return Ok(None) };
        let agency_code = code.agency_code();
        if let Some(id) = self.known.read().unwrap_or_else(|e| e.into_inner()).get(agency_code) {
            return Ok(Some(*id));
        }
        let Some(agency) = store.agency_by_code(agency_code).await? else { return Ok(None) };
        self.known.write().unwrap_or_else(|e| e.into_inner()).insert(agency_code.to_owned(), agency.id);
        Ok(Some(agency.id))
    }
}
