//! An agency's working calendar: its own file (stored with the agency) if it has one, else the
//! national default. [`load`] is the one place a stored file becomes a calendar; [`Calendars`]
//! keeps the built calendars keyed by their text, so that a change made through any server is
//! seen by every server at once (the text is read each time, one indexed row) and a calendar is
//! built once per change, not per request.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use motcua_calendar::{CalendarConfig, WorkCalendar};
use motcua_store::{Store, StoreError};
use uuid::Uuid;

/// The calendar of `agency_id` built from its stored file (`None`: the national default).
pub fn build(agency_id: Uuid, toml: Option<&str>) -> Result<WorkCalendar, StoreError> {
    let config = match toml {
        Some(toml) => CalendarConfig::from_toml(&format!("agency {agency_id}"), toml)
            .map_err(|e| StoreError::Config(e.to_string()))?,
        None => CalendarConfig::default(),
    };
    WorkCalendar::new(config).map_err(|e| StoreError::Config(e.to_string()))
}

/// The agency's working calendar, read and built now.
pub async fn load(store: &dyn Store, agency_id: Uuid) -> Result<WorkCalendar, StoreError> {
    build(agency_id, store.agency_calendar(agency_id).await?.as_deref())
}

/// Built calendars by agency, with the stored text each was built from.
type Built = HashMap<Uuid, (String, Arc<WorkCalendar>)>;

/// Built calendars, shared by the requests of one server.
#[derive(Debug, Clone)]
pub struct Calendars {
    default: Arc<WorkCalendar>,
    built: Arc<RwLock<Built>>,
}

impl Calendars {
    pub fn new() -> Result<Calendars, StoreError> {
        Ok(Calendars { default: Arc::new(build(Uuid::nil(), None)?), built: Arc::default() })
    }

    /// The national calendar (Asia/Ho_Chi_Minh), for what is not tied to one agency.
    pub fn national(&self) -> Arc<WorkCalendar> {
        self.default.clone()
    }

    /// The agency's calendar as it is stored now.
    pub async fn of(&self, store: &dyn Store, agency_id: Uuid) -> Result<Arc<WorkCalendar>, StoreError> {
        self.stored(agency_id, store.agency_calendar(agency_id).await?)
    }

    /// The agency's calendar built from the file just read with it (`None`: the national default).
    pub fn stored(&self, agency_id: Uuid, toml: Option<String>) -> Result<Arc<WorkCalendar>, StoreError> {
        let Some(toml) = toml else {
            return Ok(self.default.clone());
        };
        if let Some((text, cal)) = self.built.read().unwrap_or_else(|e| e.into_inner()).get(&agency_id)
            && *text == toml
        {
            return Ok(cal.clone());
        }
        let cal = Arc::new(build(agency_id, Some(&toml))?);
        self.built.write().unwrap_or_else(|e| e.into_inner()).insert(agency_id, (toml, cal.clone()));
        Ok(cal)
    }
}
