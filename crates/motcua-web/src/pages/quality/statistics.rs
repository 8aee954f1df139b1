//! The public statistics: each agency's on-time rate and index, for anyone.

#[allow(unused_imports)]
use super::*;

/// A field's public figures.
#[derive(Debug)]
pub struct PublicRow {
    field: String,
    received: u64,
    on_time: String,
    online: String,
    satisfaction: String,
}

#[derive(Debug, Template, WebTemplate)]
#[template(path = "statistics.html")]
pub struct StatisticsPage {
    shell: Shell,
    agencies: Vec<(String, String)>,
    agency: String,
    window: String,
    rows: Vec<PublicRow>,
    total: PublicRow,
}

#[derive(Debug, Default, Deserialize)]
pub struct PublicParams {
    #[serde(default)]
    agency: String,
}

fn public_row(
    field: String,
    facts: &[&DossierFacts],
    end: chrono::NaiveDateTime,
    evaluations: &HashMap<Uuid, Overall>,
) -> PublicRow {
    let n = facts.len() as u64;
    let count =
        |id: &str| facts.iter().filter(|f| index766::membership(id, f, end, evaluations) == Some(true)).count() as u64;
    let rated: Vec<&Overall> = facts.iter().filter_map(|f| evaluations.get(&f.dossier_id)).collect();
    let satisfied = rated.iter().filter(|o| o.satisfied()).count() as u64;
    let rate = |num: u64, den: u64| if den == 0 { "—".to_owned() } else { pct(percent(num, den)) };
    PublicRow {
        field,
        received: n,
        on_time: rate(count("2.1"), n),
        online: rate(count("3.3"), n),
        satisfaction: rate(satisfied, rated.len() as u64),
    }
}

/// On-time rate, online share and satisfaction by field over the last twelve months.
pub async fn public_statistics(
    State(state): State<AppState>,
    web: Web,
    Query(p): Query<PublicParams>,
) -> PageResult<StatisticsPage> {
    let all: Vec<Agency> = state.store.agencies().await?;
    let chosen: Vec<Uuid> = match all.iter().find(|a| a.code.as_str() == p.agency) {
        Some(a) => vec![a.id],
        None => all.iter().map(|a| a.id).collect(),
    };
    let now = state.now_default();
    let today = now.date();
    let first = NaiveDate::from_ymd_opt(today.year() - 1, today.month(), 1).unwrap_or(today);
    // Up to now: a dossier due later today is not overdue yet.
    let window = Window::days(first, today).as_of(now);
    let received = state.store.facts(&chosen, window.start(), window.end(), true).await?;
    let evaluations: HashMap<Uuid, Overall> = state
        .store
        .evaluations(&chosen, window.start(), window.end(), true)
        .await?
        .into_iter()
        .map(|e| (e.dossier_id, e.overall))
        .collect();
    let mut fields: Vec<String> = received.iter().map(|f| f.field.clone()).collect();
    fields.sort_by_cached_key(|f| motcua_domain::text::fold(f));
    fields.dedup();
    let rows = fields
        .into_iter()
        .map(|field| {
            let of: Vec<&DossierFacts> = received.iter().filter(|f| f.field == field).collect();
            public_row(field, &of, window.end(), &evaluations)
        })
        .collect();
    let everything: Vec<&DossierFacts> = received.iter().collect();
    Ok(StatisticsPage {
        agencies: all.iter().map(|a| (a.code.to_string(), a.name.clone())).collect(),
        agency: p.agency,
        window: window.label(),
        rows,
        total: public_row("Tất cả lĩnh vực".into(), &everything, window.end(), &evaluations),
        shell: web.shell,
    })
}
