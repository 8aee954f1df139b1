//! The agency's working calendar: its own days off and working days, each with its legal basis.

#[allow(unused_imports)]
use super::*;

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
    let affected = crate::pages::calendar_moves::affected(state, agency.id, &cal).await?.len();
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
