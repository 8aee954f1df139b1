//! The synthetic province the benchmarks run on: N dossiers received over the two years up to
//! last midnight across eight departments, written with the bulk loader.
//!
//! The mix, deterministic (a fixed linear congruential generator):
//! - one department (the fixture's Sở Nông nghiệp và Môi trường) takes 30 %, seven others 10 % each;
//! - channels 55 % counter, 40 % online, 5 % post;
//! - twenty procedures with time limits from 3 to 30 working days, due dates from the real
//!   working-day calendar (weekends, Tết and the other holidays);
//! - 8 % asked once for a supplement and 1 % twice (2–10 days each, off the clock);
//! - 7 % finished late, 1 % of those re-appointed; 3 % of the finished refused;
//! - a dossier whose finish falls after today is still open: what an inbox shows.
//!
//! Every dossier has a full JSON document (the same shape as one accepted at the counter, with its
//! own code, dates, state and phone), its facts row and one or two events, so the lookup, the inbox
//! and the reports read what they read in production.

use std::collections::HashMap;

use chrono::{Duration as D, NaiveDateTime};
use indicatif::ProgressBar;
use motcua_calendar::WorkCalendar;
use motcua_domain::catalog::Channel;
use motcua_domain::dossier::{DossierFacts, State, Timeliness};
use motcua_domain::org::{Agency, AgencyLevel};
use motcua_domain::types::{AgencyCode, DossierCode, PhoneNumber};
use motcua_store::Store;
use motcua_store::bulk::{self, BulkDossier};
use motcua_store::testing::Fixture;
use uuid::Uuid;

/// What the scenarios need to know about the province they run on.
pub struct Province {
    pub fixture: Fixture,
    /// Every department, the fixture's first.
    pub agencies: Vec<Uuid>,
    /// Codes and phone digits of dossiers spread over the whole load, for the lookup.
    pub lookups: Vec<(String, String)>,
    pub now: NaiveDateTime,
}

const FIELDS: [&str; 10] = [
    "Đất đai",
    "Môi trường",
    "Tài nguyên nước",
    "Khoáng sản",
    "Đo đạc bản đồ",
    "Biển và hải đảo",
    "Khí tượng thủy văn",
    "Nông nghiệp",
    "Thủy lợi",
    "Lâm nghiệp",
];
/// Units of each department; the inbox scenario reads "DD" of the first.
pub const UNITS: [&str; 4] = ["DD", "DD", "MT", "VP"];
const LIMITS: [u32; 20] = [3, 5, 5, 7, 7, 10, 10, 10, 10, 15, 15, 15, 20, 20, 20, 25, 30, 30, 10, 5];

/// A fixed-seed generator: the same province every run (rand's `StdRng`, pinned by `Cargo.lock`).
struct Rng(rand::rngs::StdRng);

impl Rng {
    fn seeded(seed: u64) -> Rng {
        Rng(rand::SeedableRng::seed_from_u64(seed))
    }
    fn below(&mut self, n: u64) -> u64 {
        rand::RngExt::random_range(&mut self.0, 0..n.max(1))
    }
    fn percent(&mut self) -> u64 {
        self.below(100)
    }
}

/// Seeds the organisation, then generates and loads `count` dossiers in chunks, advancing `bar`.
pub async fn build(
    store: &dyn Store,
    url: &str,
    count: usize,
    now: NaiveDateTime,
    lean: bool,
    bar: &ProgressBar,
) -> anyhow::Result<Province> {
    let fixture = Fixture::seed(store).await;
    let mut agencies = vec![(fixture.agency.id, fixture.agency.code.clone())];
    agencies.push((fixture.other_agency.id, fixture.other_agency.code.clone()));
    for i in 0..6 {
        let agency = Agency {
            id: Uuid::now_v7(),
            parent_id: None,
            code: AgencyCode::parse(&format!("000.00.{}.H34", 20 + i)).map_err(anyhow::Error::msg)?,
            name: format!("Sở thứ {} tỉnh Khánh Hòa", i + 3),
            level: AgencyLevel::Department,
        };
        store.insert_agency(&agency, None).await?;
        agencies.push((agency.id, agency.code));
    }
    // Accepted today through the real code allocator; the synthetic dossiers end at midnight, so
    // their codes never meet the ones intake allocates today.
    let mut template = fixture.accepted_dossier(store, now, "0905123456", None).await;
    if lean {
        template.documents.clear();
        template.fees.clear();
        template.steps.clear();
    }
    let cal = WorkCalendar::vietnam()?;
    let phones: Vec<PhoneNumber> = (0..10_000)
        .map(|i| PhoneNumber::parse(&format!("09{:08}", (i as u64 * 7_919_993) % 100_000_000)))
        .collect::<Result<_, _>>()
        .map_err(anyhow::Error::msg)?;
    let mut rng = Rng::seeded(0x2545_f491_4f6c_dd1d);
    let start = now.date().and_time(chrono::NaiveTime::MIN) - D::days(730);
    let step = D::days(730).num_seconds() as f64 / count.max(1) as f64;
    let mut sequences: HashMap<usize, (chrono::NaiveDate, u32)> = HashMap::new();
    let mut lookups = Vec::new();
    let lookup_every = (count / 2000).max(1);
    let chunk = 50_000;
    bar.set_length(count as u64);
    for first in (0..count).step_by(chunk) {
        let mut rows = Vec::with_capacity(chunk);
        for i in first..(first + chunk).min(count) {
            let received = start + D::seconds((i as f64 * step) as i64);
            let a = match rng.percent() {
                0..30 => 0,
                p => 1 + ((p - 30) / 10) as usize,
            };
            let (agency_id, agency_code) = &agencies[a];
            let seq = sequences.entry(a).or_insert((received.date(), 0));
            if seq.0 != received.date() {
                *seq = (received.date(), 0);
            }
            seq.1 += 1;
            let code = DossierCode::new(agency_code, received.date(), seq.1, 4);
            let procedure = rng.below(LIMITS.len() as u64) as usize;
            let limit = LIMITS[procedure];
            let due_day = cal.add_working_days(received.date(), limit)?;
            let mut due = cal.end_of(due_day);
            let channel = match rng.percent() {
                0..55 => Channel::Counter,
                55..95 => Channel::Online,
                _ => Channel::Postal,
            };
            let asks = match rng.percent() {
                0 => 2,
                1..9 => 1,
                _ => 0,
            };
            let mut supplements = Vec::new();
            let mut paused = D::zero();
            for k in 0..asks {
                let asked = received + D::days(1 + 3 * k as i64);
                let days = D::days(2 + rng.below(9) as i64);
                supplements.push((asked, Some(asked + days)));
                paused += days;
            }
            let late = rng.percent() < 7;
            let span = due - received;
            let mut finished = if late {
                due + paused + D::hours(4 + rng.below(24 * 12) as i64)
            } else {
                received
                    + paused
                    + D::seconds((span.num_seconds() as f64 * (0.3 + 0.69 * rng.below(1000) as f64 / 1000.0)) as i64)
            };
            let reappointed = late && rng.percent() < 15;
            let first_due = due;
            if reappointed {
                due = cal.end_of(cal.add_working_days(due.date(), 5)?);
            }
            let refused = rng.percent() < 3;
            let open = finished > now;
            // Still open: an unanswered supplement request if one is outstanding today.
            if open
                && let Some(last) = supplements.last_mut()
                && last.1.is_some_and(|back| back > now)
            {
                last.1 = None;
            }
            let state = match (open, refused) {
                (true, _) if supplements.last().is_some_and(|s| s.1.is_none()) => State::AwaitingSupplement,
                (true, _) => State::Processing,
                (false, true) => State::Stopped,
                (false, false) => State::Returned,
            };
            if open {
                finished = NaiveDateTime::MAX;
            }
            let finished_at = (!open).then_some(finished);
            let unit = UNITS[rng.below(UNITS.len() as u64) as usize];
            let mut d = template.clone();
            d.id = Uuid::now_v7();
            d.agency_id = *agency_id;
            d.agency_code = agency_code.clone();
            d.code = Some(code.clone());
            d.channel = channel;
            d.state = state;
            d.applicant.phone = phones[rng.below(phones.len() as u64) as usize].clone();
            d.submitted_at = received - D::minutes(5);
            d.received_at = Some(received);
            d.accepted_at = Some(received);
            d.due_date = Some(due.date());
            d.due_at = Some(due);
            d.finished_at = finished_at;
            d.returned_at = finished_at.filter(|_| state == State::Returned);
            d.timeliness = finished_at.map(|f| if f > first_due { Timeliness::Late } else { Timeliness::Early });
            d.current_step = open.then_some(1).filter(|_| !lean);
            d.version = 1;
            let facts = DossierFacts {
                dossier_id: d.id,
                agency_id: *agency_id,
                code: Some(code.to_string()),
                procedure_code: format!("1.{:06}", 4200 + procedure),
                field: FIELDS[procedure % FIELDS.len()].to_owned(),
                unit: Some(unit.to_owned()),
                channel,
                state,
                received_at: Some(received),
                due_at: Some(first_due),
                finished_at,
                supplements,
                reappointed,
                fees: if procedure.is_multiple_of(3) { 550_000 } else { 0 },
                result_electronic: channel == Channel::Online || rng.percent() < 30,
                documents_digitised: channel == Channel::Online || rng.percent() < 60,
                returned_online: channel == Channel::Online && rng.percent() < 50,
                steps: vec![],
            };
            if i % lookup_every == 0 {
                lookups.push((code.to_string(), d.phone_last4().to_owned()));
            }
            rows.push(BulkDossier { dossier: d, facts });
        }
        bulk::load(url, fixture.procedure.procedure_id, &rows).await?;
        bar.inc(rows.len() as u64);
    }
    bar.finish();
    Ok(Province { fixture, agencies: agencies.into_iter().map(|(id, _)| id).collect(), lookups, now })
}
