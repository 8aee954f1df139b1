//! The agency's feedback settings: the workflow's deadlines in working days, each set in force
//! from its date (a case keeps the rules in force when it was received), and the specialist team
//! (a unit) that answers the questions and feedback of each field of the catalog.

#[allow(unused_imports)]
use super::*;
use motcua_domain::feedback::FeedbackRules;
use std::collections::BTreeMap;

#[derive(Debug, Template, WebTemplate)]
#[template(path = "admin_feedback.html")]
pub struct FeedbackSettingsPage {
    shell: Shell,
    agency_name: String,
    /// The rules set, oldest first; the defaults when none.
    rules: Vec<FeedbackRules>,
    /// (field code, field name, its team's unit code).
    fields: Vec<(String, String, String)>,
    units: Vec<(String, String)>,
    /// The new rules' form as typed (the defaults at first).
    draft: RulesForm,
    errors: Vec<FieldError>,
    notice: Option<String>,
}

async fn settings_page(
    state: &AppState,
    web: Web,
    agency: &Agency,
    (draft, errors): (Option<RulesForm>, Vec<FieldError>),
    notice: Option<String>,
) -> PageResult<FeedbackSettingsPage> {
    let draft = draft.unwrap_or_else(|| {
        let d = FeedbackRules::default();
        RulesForm {
            effective_from: String::new(),
            refuse_days: d.refuse_days.to_string(),
            forward_days: d.forward_days.to_string(),
            info_days: d.info_days.to_string(),
            answer_days: d.answer_days.to_string(),
            publish_days: d.publish_days.to_string(),
        }
    });
    let mut rules = motcua_app::feedback::rules(&*state.store, agency.id).await?;
    if rules.is_empty() {
        rules.push(FeedbackRules::default());
    }
    let teams = motcua_app::feedback::teams(&*state.store, agency.id).await?;
    let fields = state
        .store
        .fields()
        .await?
        .into_iter()
        .map(|f| {
            let team = teams.get(&f.code).cloned().unwrap_or_default();
            (f.code, f.name, team)
        })
        .collect();
    Ok(FeedbackSettingsPage {
        shell: web.shell,
        agency_name: agency.name.clone(),
        rules,
        fields,
        units: state.store.units(agency.id).await?.into_iter().map(|u| (u.code, u.name)).collect(),
        draft,
        errors,
        notice,
    })
}

pub async fn feedback_settings(
    State(state): State<AppState>,
    web: Web,
    AgencyAdmin { agency, .. }: AgencyAdmin,
) -> PageResult<FeedbackSettingsPage> {
    settings_page(&state, web, &agency, (None, vec![]), None).await
}

#[derive(Debug, Default, Deserialize)]
pub struct RulesForm {
    #[serde(default)]
    effective_from: String,
    #[serde(default)]
    refuse_days: String,
    #[serde(default)]
    forward_days: String,
    #[serde(default)]
    info_days: String,
    #[serde(default)]
    answer_days: String,
    #[serde(default)]
    publish_days: String,
}

/// `POST /admin/feedback/rules`: a set of deadlines in force from its date (not in the past:
/// cases already received keep theirs).
pub async fn save_feedback_rules(
    State(state): State<AppState>,
    web: Web,
    AgencyAdmin { actor, agency }: AgencyAdmin,
    CsrfForm(f): CsrfForm<RulesForm>,
) -> PageResult<Response> {
    let mut errors = Vec::new();
    let today = state.now_default().date();
    let effective_from = chrono::NaiveDate::parse_from_str(f.effective_from.trim(), "%Y-%m-%d")
        .map_err(|_| errors.push(FieldError::new("effective_from", "chọn ngày có hiệu lực")))
        .ok()
        .filter(|d| {
            let ok = *d >= today;
            if !ok {
                errors.push(FieldError::new("effective_from", "ngày có hiệu lực không được ở quá khứ"));
            }
            ok
        });
    let mut days = |v: &str, field: &str| -> u32 {
        match v.trim().parse::<u32>() {
            Ok(n) if (1..=60).contains(&n) => n,
            _ => {
                errors.push(FieldError::new(field, "số ngày làm việc từ 1 đến 60"));
                0
            }
        }
    };
    let refuse_days = days(&f.refuse_days, "refuse_days");
    let forward_days = days(&f.forward_days, "forward_days");
    let info_days = days(&f.info_days, "info_days");
    let answer_days = days(&f.answer_days, "answer_days");
    let publish_days = days(&f.publish_days, "publish_days");
    match effective_from {
        Some(effective_from) if errors.is_empty() => {
            let rules =
                FeedbackRules { effective_from, refuse_days, forward_days, info_days, answer_days, publish_days };
            let now = state.now_default();
            motcua_app::feedback::set_rules(&*state.store, &actor, agency.id, rules, now).await?;
            let notice = format!("Đã lưu thời hạn áp dụng từ {}.", effective_from.format("%d/%m/%Y"));
            Ok(settings_page(&state, web, &agency, (None, vec![]), Some(notice)).await?.into_response())
        }
        _ => {
            let page = settings_page(&state, web, &agency, (Some(f), errors), None).await?;
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

/// `POST /admin/feedback/teams`: `team_<field code>=<unit code>` for each field (empty: none).
pub async fn save_feedback_teams(
    State(state): State<AppState>,
    web: Web,
    AgencyAdmin { actor, agency }: AgencyAdmin,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult<Response> {
    let fields: Vec<String> = state.store.fields().await?.into_iter().map(|f| f.code).collect();
    let units: Vec<String> = state.store.units(agency.id).await?.into_iter().map(|u| u.code).collect();
    let mut teams = BTreeMap::new();
    let mut errors = Vec::new();
    for (key, unit) in pairs {
        let Some(field) = key.strip_prefix("team_") else { continue };
        if !fields.iter().any(|f| f == field) {
            errors.push(FieldError::new("teams-form", "lĩnh vực không có trong danh mục"));
            continue;
        }
        match unit.trim() {
            "" => {}
            u if units.iter().any(|x| x == u) => {
                teams.insert(field.to_owned(), u.to_owned());
            }
            _ => errors.push(FieldError::new(&key, "chọn một đơn vị của cơ quan")),
        }
    }
    if !errors.is_empty() {
        let page = settings_page(&state, web, &agency, (None, errors), None).await?;
        return Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    motcua_app::feedback::set_teams(&*state.store, &actor, agency.id, &teams, state.now_default()).await?;
    Ok(settings_page(&state, web, &agency, (None, vec![]), Some("Đã lưu tổ chuyên gia theo lĩnh vực.".into()))
        .await?
        .into_response())
}
