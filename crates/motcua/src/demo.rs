//! Demo data: the Khánh Hòa Department of Agriculture and Environment with its units and the Land
//! Registration Office, the catalog in `demo/catalog.json` (46 procedures across land,
//! environment, water, minerals, hydro-meteorology, surveying, sea and islands), one user per
//! role, and about 300 dossiers spread over the last 120 days in every state.
//!
//! The dossiers are not written as rows: each one is driven through the domain's state machine
//! at simulated times, so every due date, step, pause and event is what the real system would
//! have produced. The random choices come from a fixed seed: the same day gives the same data.

use anyhow::Context as _;
use std::sync::Arc;

use chrono::{Datelike, Duration, NaiveDateTime};
use motcua_app::catalog::{CatalogFile, import_catalog};
use motcua_app::files::FileStore;
use motcua_calendar::WorkCalendar;
use motcua_domain::catalog::{Channel, ProcedureVersion};
use motcua_domain::dossier::{Action, ApplicantInput, Context, Dossier, FileRef, FormKind, State, Submission};
use motcua_domain::evaluation::EvaluationInput;
use motcua_domain::org::{Actor, Agency, AgencyLevel, FormStyle, Role, RoleGrant, Unit};
use motcua_domain::rules::rules_for;
use motcua_domain::types::{AgencyCode, DossierCode};
use motcua_store::{Store, UserRecord};
use uuid::Uuid;

pub const CATALOG: &str = include_str!("../demo/catalog.json");

/// How many procedures the demo catalog publishes.
pub fn procedure_count() -> anyhow::Result<usize> {
    let catalog: serde_json::Value = serde_json::from_str(CATALOG).context("demo/catalog.json")?;
    Ok(catalog["procedures"].as_array().map_or(0, Vec::len))
}

/// A demo account, shown once.
#[derive(Debug)]
pub struct Credential {
    pub username: String,
    pub role: String,
    pub password: String,
}

/// The small PDF attached to demo dossiers.
const DEMO_PDF: &[u8] = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Count 0/Kids[]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n";

/// Reproducible demo data: the same seed gives the same dossiers (rand's `StdRng`, its version
/// pinned by `Cargo.lock`).
struct Rng(rand::rngs::StdRng);

impl Rng {
    fn seeded(seed: u64) -> Rng {
        Rng(rand::SeedableRng::seed_from_u64(seed))
    }
    fn below(&mut self, n: u64) -> u64 {
        rand::RngExt::random_range(&mut self.0, 0..n.max(1))
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

fn random_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    (0..14).map(|_| ALPHABET[rand::random_range(0..ALPHABET.len())] as char).collect()
}

fn agency(code: &str, name: &str, level: AgencyLevel, parent: Option<Uuid>) -> anyhow::Result<Agency> {
    Ok(Agency {
        id: Uuid::now_v7(),
        parent_id: parent,
        code: AgencyCode::parse(code).map_err(anyhow::Error::msg)?,
        name: name.into(),
        level,
    })
}

/// The seed the demo uses when none is given: the day, so that the same day gives the same data.
pub fn default_seed(now: NaiveDateTime) -> u64 {
    0x6d6f_7463_7561 ^ u64::from(now.date().num_days_from_ce().unsigned_abs())
}

/// Loads the demo into an empty store; `now` is local time in Asia/Ho_Chi_Minh and `seed` drives
/// every random choice, so the same `now` and `seed` give the same dossiers on any day.
pub async fn load(
    store: Arc<dyn Store>,
    files: &FileStore,
    now: NaiveDateTime,
    seed: u64,
    password: Option<String>,
    dossiers: usize,
) -> anyhow::Result<Vec<Credential>> {
    let province = agency("000.00.00.H34", "Ủy ban nhân dân tỉnh Khánh Hòa", AgencyLevel::Province, None)?;
    let department = agency(
        "000.00.17.H34",
        "Sở Nông nghiệp và Môi trường tỉnh Khánh Hòa",
        AgencyLevel::Department,
        Some(province.id),
    )?;
    let office = agency(
        "000.30.17.H34",
        "Văn phòng Đăng ký đất đai tỉnh Khánh Hòa",
        AgencyLevel::ServiceUnit,
        Some(department.id),
    )?;
    for a in [&province, &department, &office] {
        store.insert_agency(a, None).await?;
    }
    // What the documents carry: the place before the date and each agency's symbol.
    for (a, symbol) in [(&department, "SNNMT"), (&office, "VPĐK")] {
        store.set_agency_setting(a.id, FormStyle::PLACE, Some("Khánh Hòa")).await?;
        store.set_agency_setting(a.id, FormStyle::SYMBOL, Some(symbol)).await?;
    }
    let units = [
        (&department, "VP", "Văn phòng Sở (Bộ phận Một cửa)"),
        (&department, "DD", "Phòng Quản lý đất đai"),
        (&department, "MT", "Chi cục Bảo vệ môi trường"),
        (&department, "TNN", "Phòng Tài nguyên nước"),
        (&department, "KS", "Phòng Địa chất và Khoáng sản"),
        (&department, "BHD", "Phòng Biển, Hải đảo và Khí tượng thủy văn"),
        (&office, "VPDK", "Bộ phận tiếp nhận và xử lý hồ sơ đất đai"),
    ];
    for (a, code, name) in units {
        store.insert_unit(&Unit { id: Uuid::now_v7(), agency_id: a.id, code: code.into(), name: name.into() }).await?;
    }
    let catalog: CatalogFile = serde_json::from_str(CATALOG).context("demo catalog")?;
    let procedures = import_catalog(store.as_ref(), &catalog, now).await?;

    // One account per role, working in both agencies (a real installation binds them to units).
    let mut credentials = Vec::new();
    let mut actors = std::collections::HashMap::new();
    for (username, full_name, role) in [
        ("tiepnhan", "Lê Thị Tiếp Nhận", Some(Role::Reception)),
        ("chuyenvien", "Phạm Văn Chuyên", Some(Role::Specialist)),
        ("truongphong", "Nguyễn Thị Trưởng Phòng", Some(Role::UnitLead)),
        ("giamdoc", "Trần Văn Giám Đốc", Some(Role::AgencyLead)),
        ("quantri", "Hoàng Quản Trị", Some(Role::Admin)),
        ("thanhtra", "Võ Thanh Tra", Some(Role::Inspector)),
        ("congdan", "Nguyễn Văn An", None),
    ] {
        let password = password.clone().unwrap_or_else(random_password);
        let user = UserRecord {
            id: Uuid::now_v7(),
            agency_id: role.map(|_| department.id),
            username: username.into(),
            full_name: full_name.into(),
            password_hash: motcua_app::accounts::hash_password_now(&password)?,
            citizen: role.is_none(),
            phone: role.is_none().then(|| "0905123456".to_owned()),
            email: None,
            active: true,
        };
        store.insert_user(&user).await?;
        let mut grants = Vec::new();
        if let Some(role) = role {
            for a in [&department, &office] {
                let grant = RoleGrant { role, agency_id: a.id, unit: None };
                store.insert_grant(user.id, &grant).await?;
                grants.push(grant);
            }
        }
        credentials.push(Credential {
            username: username.into(),
            role: role.map_or("citizen", |r| r.as_str()).into(),
            password,
        });
        actors.insert(username, Actor { user_id: user.id, name: user.full_name, grants, citizen: role.is_none() });
    }

    let sha256 = files.put(DEMO_PDF).await?;
    let file = FileRef {
        sha256,
        name: "ho-so.pdf".into(),
        content_type: "application/pdf".into(),
        size: DEMO_PDF.len() as u64,
    };
    let cal = WorkCalendar::vietnam()?;
    let sim = Simulation { store: store.as_ref(), cal: &cal, now, actors: &actors, file };
    let mut rng = Rng::seeded(seed);
    let pick = |rng: &mut Rng| {
        let procedure = &procedures[rng.below(procedures.len() as u64) as usize];
        let code = if procedure.agency_id == office.id { &office.code } else { &department.code };
        (procedure, code)
    };
    for i in 0..dossiers {
        let (procedure, code) = pick(&mut rng);
        sim.dossier(i, procedure, code, USUAL, &mut rng).await?;
    }
    // Every state on show: a few recent dossiers steered towards the states chance left out.
    let mut i = dossiers;
    for state in State::ALL {
        let mut tries: u64 = 0;
        while tries < 60 && dossiers > 0 {
            let filter = motcua_store::DossierFilter {
                agencies: vec![department.id, office.id],
                state: Some(state),
                page: 1,
                page_size: 1,
                ..Default::default()
            };
            if store.list_dossiers(&filter).await?.total > 0 {
                break;
            }
            let (procedure, code) = pick(&mut rng);
            let mut scenario = scenario_for(state);
            // Over Tết or a long holiday the last days have no working hours in which anything
            // could happen: each further try starts a little further back.
            if scenario.days_ago > 0 {
                scenario.days_ago += 3 * tries;
            }
            scenario.online |= !procedure.spec.channels.contains(&Channel::Counter);
            if scenario.online && !procedure.spec.channels.contains(&Channel::Online) {
                tries += 1;
                continue;
            }
            sim.dossier(i, procedure, code, scenario, &mut rng).await?;
            i += 1;
            tries += 1;
        }
    }
    // Answers to the satisfaction survey over the last three months, mostly content.
    let survey = motcua_quality::sipas::Survey::builtin();
    let criteria = survey.criteria();
    for k in 0..40 {
        let mut answers = serde_json::Map::new();
        for (key, _, _) in &criteria {
            if rng.chance(70) {
                answers.insert(key.clone(), serde_json::json!(2 + rng.below(4)));
            }
        }
        let mut expect: Vec<&str> = Vec::new();
        for element in &survey.element {
            if expect.len() < 3 && rng.chance(25) {
                expect.push(&element.id);
            }
        }
        let response = motcua_store::SurveyResponse {
            id: Uuid::now_v7(),
            agency_id: department.id,
            survey: survey.version.clone(),
            channel: if k % 3 == 0 { "web" } else { "counter" }.into(),
            answers: serde_json::Value::Object(answers),
            expectations: serde_json::json!(expect),
            created_at: now - chrono::Duration::hours(2 + rng.below(90 * 24) as i64),
        };
        store.insert_survey_response(&response).await?;
    }
    // The demo's history has been; its applicants are made up: no message goes out for it.
    for agency in store.agencies().await? {
        loop {
            let pending = store.claim_outbox(agency.id, now, now + chrono::Duration::minutes(10), 500).await?;
            if pending.is_empty() {
                break;
            }
            for m in pending {
                store.insert_deliveries(agency.id, m.id, &[], now).await?;
            }
        }
    }
    Ok(credentials)
}

/// The odds (percent) of each turn a dossier can take, and how long the applicant takes.
#[derive(Debug, Clone, Copy)]
struct Scenario {
    days_ago: u64,
    online: bool,
    refuse_intake: u64,
    ask_to_complete: u64,
    supplement: u64,
    payment: u64,
    refuse: u64,
    withdraw: u64,
    /// Percent of dossiers decided on their due day.
    on_due_day: u64,
    late_pickup: u64,
    /// Extra working hours the applicant takes to answer (0: the usual).
    applicant_delay: u64,
}

const USUAL: Scenario = Scenario {
    days_ago: 120,
    online: false,
    refuse_intake: 5,
    ask_to_complete: 8,
    supplement: 12,
    payment: 10,
    refuse: 4,
    withdraw: 3,
    on_due_day: 25,
    late_pickup: 5,
    applicant_delay: 0,
};

/// A recent dossier forced towards `state`, to make sure the demo shows every state.
fn scenario_for(state: State) -> Scenario {
    let recent = Scenario {
        days_ago: 3,
        refuse_intake: 0,
        ask_to_complete: 0,
        supplement: 0,
        payment: 0,
        refuse: 0,
        withdraw: 0,
        on_due_day: 0,
        late_pickup: 0,
        ..USUAL
    };
    match state {
        State::Submitted => Scenario { days_ago: 0, online: true, ..recent },
        State::NeedsCompletion => Scenario { online: true, ask_to_complete: 100, applicant_delay: 400, ..recent },
        State::RefusedAtIntake => Scenario { online: true, refuse_intake: 100, ..recent },
        State::Accepted => Scenario { days_ago: 0, ..recent },
        State::AwaitingSupplement => Scenario { supplement: 100, applicant_delay: 400, ..recent },
        State::AwaitingPayment => Scenario { payment: 100, applicant_delay: 400, ..recent },
        State::Stopped => Scenario { refuse: 100, ..recent },
        State::ResultReady => Scenario { days_ago: 40, late_pickup: 100, applicant_delay: 2000, ..recent },
        State::Processing => Scenario { days_ago: 2, ..recent },
        State::Returned => Scenario { days_ago: 60, ..recent },
    }
}

struct Simulation<'a> {
    store: &'a dyn Store,
    cal: &'a WorkCalendar,
    now: NaiveDateTime,
    actors: &'a std::collections::HashMap<&'static str, Actor>,
    file: FileRef,
}

const FAMILY: [&str; 8] = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Võ", "Đặng", "Bùi"];
const GIVEN: [&str; 8] =
    ["Văn Hùng", "Thị Lan", "Minh Tuấn", "Thị Hoa", "Quốc Bảo", "Ngọc Ánh", "Đức Thắng", "Thị Mai"];
const STREETS: [&str; 6] = ["Trần Phú", "Lê Thánh Tôn", "Thống Nhất", "Hùng Vương", "Nguyễn Thị Minh Khai", "Yersin"];

impl Simulation<'_> {
    fn actor(&self, name: &str) -> &Actor {
        &self.actors[name]
    }

    /// Applies `action` at `at` and stores it; `None` when `at` is still in the future (the
    /// dossier stays where it is) or the action is not allowed.
    async fn step(&self, d: &Dossier, action: Action, who: &str, at: NaiveDateTime) -> anyhow::Result<Option<Dossier>> {
        if at > self.now {
            return Ok(None);
        }
        let new_code = if matches!(action, Action::Accept) {
            let seq = self.store.next_sequence(d.agency_id, at.date()).await?;
            Some(DossierCode::new(&d.agency_code, at.date(), seq, rules_for(at.date()).code_sequence_width))
        } else {
            None
        };
        let issues = action.issues();
        let ctx = Context {
            actor: self.actor(who),
            now: at,
            calendar: self.cal,
            new_code,
            max_reappoint_days: motcua_domain::dossier::DEFAULT_MAX_REAPPOINT_DAYS,
        };
        let Ok(t) = d.apply(action, &ctx) else { return Ok(None) };
        let t = match issues {
            Some(kind) => t.numbered(self.store.next_number(d.agency_id, at.year(), kind.as_str()).await?),
            None => t,
        };
        self.store.update_dossier(d.version, &t).await?;
        Ok(Some(t.dossier))
    }

    /// The latest moment at or before `t` when the counter is open (a working day, in session).
    fn open_at_or_before(&self, t: NaiveDateTime) -> NaiveDateTime {
        let mut at = t;
        // Back a quarter of an hour at a time, at most past a Tết holiday.
        for _ in 0..4 * 24 * 20 {
            if self.cal.in_session(at).unwrap_or(false) {
                return at;
            }
            at -= Duration::minutes(15);
        }
        t
    }

    fn later(&self, t: NaiveDateTime, hours: u64) -> NaiveDateTime {
        self.cal.add_working_hours(t, hours.max(1) as u32).unwrap_or(t + Duration::hours(hours as i64))
    }

    async fn dossier(
        &self,
        i: usize,
        procedure: &ProcedureVersion,
        agency_code: &AgencyCode,
        sc: Scenario,
        rng: &mut Rng,
    ) -> anyhow::Result<()> {
        let spec = &procedure.spec;
        let days_ago = rng.below(sc.days_ago.max(1)) as i64;
        let minute = 7 * 60 + rng.below(9 * 60) as u32;
        let channel = match rng.below(100) {
            _ if sc.online => Channel::Online,
            0..=49 => Channel::Counter,
            50..=84 if spec.channels.contains(&Channel::Online) => Channel::Online,
            _ if spec.channels.contains(&Channel::Postal) => Channel::Postal,
            _ => Channel::Counter,
        };
        let raw = (self.now.date() - Duration::days(days_ago))
            .and_hms_opt(minute / 60, minute % 60, 0)
            .context("time")?
            .min(self.now - Duration::minutes(30));
        // Citizens submit online at any hour; the counter and the post hand papers over only
        // while the counter is open.
        let raw = if channel == Channel::Online { raw } else { self.open_at_or_before(raw) };
        let name = format!("{} {}", FAMILY[i % 8], GIVEN[(i / 8) % 8]);
        let applicant = ApplicantInput {
            kind: None,
            name: Some(name),
            citizen_id: Some(format!("056{:09}", 90_000_000 + i)),
            tax_code: None,
            phone: Some(format!("09{:08}", 5_000_000 + i * 7919 % 4_999_999)),
            email: None,
            address: Some(format!("{} {}, Nha Trang, Khánh Hòa", 1 + i % 200, STREETS[i % 6])),
            consent: None,
        }
        .parse()
        .context("demo applicant")?;
        let online = channel == Channel::Online;
        let postal = (channel == Channel::Postal).then(|| motcua_domain::dossier::Postal {
            handover_at: raw,
            tracking_number: format!("EB{:09}VN", 100_000_000 + i),
        });
        let documents = spec
            .documents
            .iter()
            .map(|_| motcua_domain::dossier::DocumentIn {
                received: true,
                form: Some(if online {
                    motcua_domain::dossier::PaperForm::Electronic
                } else {
                    motcua_domain::dossier::PaperForm::Original
                }),
                files: vec![self.file.clone()],
            })
            .collect();
        let sub = Submission {
            id: Uuid::now_v7(),
            channel,
            applicant,
            postal,
            citizen_user_id: online.then(|| self.actor("congdan").user_id),
            documents,
            result_delivery: Some(if online {
                motcua_domain::dossier::ResultDelivery::Online
            } else {
                motcua_domain::dossier::ResultDelivery::Counter
            }),
            fees_paid: !online,
            fee_reduction: None,
        };
        let submitter = if online { "congdan" } else { "tiepnhan" };
        // Online dossiers are submitted; counter and postal ones are taken in and accepted at
        // once, as the counter does it (one event, one message).
        let new_code = if online {
            None
        } else {
            let seq = self.store.next_sequence(procedure.agency_id, raw.date()).await?;
            Some(DossierCode::new(agency_code, raw.date(), seq, rules_for(raw.date()).code_sequence_width))
        };
        let ctx = Context {
            actor: self.actor(submitter),
            now: raw,
            calendar: self.cal,
            new_code,
            max_reappoint_days: motcua_domain::dossier::DEFAULT_MAX_REAPPOINT_DAYS,
        };
        let t = if online {
            Dossier::submit(procedure, agency_code.clone(), sub, &ctx).context("demo intake")?
        } else {
            let t = Dossier::take_in(procedure, agency_code.clone(), sub, &ctx).context("demo intake")?;
            t.numbered(self.store.next_number(procedure.agency_id, raw.year(), FormKind::Receipt.as_str()).await?)
        };
        self.store.insert_dossier(&t).await?;
        let mut d = t.dossier;
        let mut t = raw;

        // Online dossiers are checked later; a few are refused or must be completed first.
        if online {
            t = self.later(t, 2 + rng.below(8));
            if rng.chance(sc.refuse_intake) {
                let refuse = Action::RefuseIntake {
                    reason: "Hồ sơ không thuộc thẩm quyền giải quyết của Sở".into()
                };
                self.step(&d, refuse, "tiepnhan", t).await?;
                return Ok(());
            }
            if rng.chance(sc.ask_to_complete) {
                let ask = Action::AskToComplete {
                    reason: "Thiếu bản sao giấy tờ tùy thân của người được ủy quyền".into(),
                };
                let Some(next) = self.step(&d, ask, "tiepnhan", t).await? else { return Ok(()) };
                t = self.later(t, 8 + rng.below(120) + sc.applicant_delay);
                let Some(next) = self.step(&next, Action::Resubmit, "congdan", t).await? else { return Ok(()) };
                d = next;
                t = self.later(t, 2);
            }
        }
        if online {
            let Some(next) = self.step(&d, Action::Accept, "tiepnhan", t).await? else { return Ok(()) };
            d = next;
        }
        let slow = rng.chance(18); // some dossiers run late
        let mut reappointed = false;
        let steps = d.steps.clone();
        for (index, step) in steps.iter().enumerate() {
            let budget = match step.budget {
                motcua_calendar::TimeLimit::WorkingDays(n) => u64::from(n) * 8,
                motcua_calendar::TimeLimit::WorkingHours(h) => u64::from(h),
                motcua_calendar::TimeLimit::SameDay { .. } => 4,
            };
            let share = if slow && step.role == Role::Specialist { 130 + rng.below(80) } else { 30 + rng.below(70) };
            t = self.later(t, budget * share / 100);
            if step.role == Role::Specialist {
                if rng.chance(sc.supplement) {
                    let ask = Action::RequestSupplement {
                        reason: "Đề nghị bổ sung bản vẽ, sơ đồ vị trí".into()
                    };
                    let Some(next) = self.step(&d, ask, "chuyenvien", self.later(t, 1)).await? else { return Ok(()) };
                    t = self.later(t, 16 + rng.below(100) + sc.applicant_delay);
                    let back = Action::SupplementReceived { note: Some("Đã nhận hồ sơ bổ sung".into()) };
                    let Some(next) = self.step(&next, back, "tiepnhan", t).await? else { return Ok(()) };
                    d = next;
                    t = self.later(t, 4 + rng.below(16));
                }
                if rng.chance(sc.payment) {
                    let pay = Action::RequestPayment {
                        reason: "Nộp tiền sử dụng đất, lệ phí trước bạ theo thông báo của cơ quan thuế".into(),
                        assessed: None,
                    };
                    let Some(next) = self.step(&d, pay, "chuyenvien", self.later(t, 1)).await? else { return Ok(()) };
                    t = self.later(t, 8 + rng.below(80) + sc.applicant_delay);
                    let paid = Action::PaymentReceived { note: Some("Đã nộp, có chứng từ".into()) };
                    let Some(next) = self.step(&next, paid, "tiepnhan", t).await? else { return Ok(()) };
                    d = next;
                    t = self.later(t, 2 + rng.below(8));
                }
                if rng.chance(sc.refuse) {
                    let refuse = Action::Refuse {
                        reason: "Không đủ điều kiện theo quy định".into(),
                        legal_basis: Some("Điều 22 Nghị định số 101/2024/NĐ-CP".into()),
                    };
                    self.step(&d, refuse, "truongphong", t).await?;
                    return Ok(());
                }
                if slow && !reappointed && rng.chance(50) {
                    // Apologise one working day before the due date, moving it five working days.
                    if let Some(due) = d.due_date {
                        let letter_day = self.cal.latest_apology_date(due)?;
                        let at = letter_day.and_hms_opt(9, 0, 0).context("time")?;
                        let new_due = self.cal.add_working_days(due, 5)?;
                        let apology =
                            Action::Reappoint { new_due_date: new_due, reason: "Cần xác minh thực địa".into() };
                        if at > d.accepted_at.unwrap_or(t)
                            && at <= t
                            && let Some(next) = self.step(&d, apology, "truongphong", at).await?
                        {
                            d = next;
                            reappointed = true;
                        }
                    }
                }
            }
            if index == 0 && rng.chance(sc.withdraw) {
                let withdraw =
                    Action::Withdraw { reason: "Người nộp hồ sơ đề nghị dừng giải quyết".into() };
                self.step(&d, withdraw, "tiepnhan", t).await?;
                return Ok(());
            }
            let last = index + 1 == steps.len();
            let only_return_left = steps[index + 1..].iter().all(|s| s.role == Role::Reception);
            let lead = matches!(step.role, Role::AgencyLead | Role::UnitLead);
            let approve = |t: NaiveDateTime| Action::Approve {
                result_number: format!("{}/QĐ-SNNMT", 100 + i),
                result_date: t.date(),
            };
            let give =
                Action::ReturnResult { channel: if online { Channel::Online } else { Channel::Counter }, postal: None };
            let deciding = (lead && !last && only_return_left) || (last && d.state == State::Processing);
            // A share of dossiers is decided on the due day itself (Biểu 06's "đúng hạn").
            if deciding
                && rng.chance(sc.on_due_day)
                && let Some(due) = d.due_date
                && let Some(on_due) = due.and_hms_opt(14, 0, 0)
                && on_due > t
                && on_due <= self.now
            {
                t = on_due;
            }
            if d.state == State::ResultReady || (last && d.state == State::Processing) {
                if d.state == State::Processing {
                    let Some(next) = self.step(&d, approve(t), "giamdoc", t).await? else { return Ok(()) };
                    d = next;
                    t = self.later(t, 2 + rng.below(6));
                }
                if rng.chance(sc.late_pickup) {
                    t = self.later(t, 8 + rng.below(80) + sc.applicant_delay);
                }
                let returned = self.step(&d, give, "tiepnhan", t).await?;
                // Most applicants answer the one-click evaluation at the counter's screen.
                if let Some(done) = returned.filter(|_| rng.chance(60)) {
                    let overall = match rng.below(100) {
                        0..55 => "very_satisfied",
                        55..90 => "satisfied",
                        _ => "not_satisfied",
                    };
                    let attitude =
                        rng.chance(40).then(|| if overall == "not_satisfied" { "1" } else { "2" }.to_owned());
                    let input = EvaluationInput { overall: Some(overall.into()), attitude, ..Default::default() };
                    let at = self.later(t, 1);
                    let evaluation = input.evaluate(&done, None, "counter", at, 7)?;
                    self.store.save_evaluation(&evaluation).await?;
                }
                return Ok(());
            }
            let (action, who) = if lead && !last && only_return_left {
                (approve(t), "giamdoc")
            } else {
                let who = match step.role {
                    Role::Reception => "tiepnhan",
                    Role::Specialist => "chuyenvien",
                    Role::UnitLead => "truongphong",
                    _ => "giamdoc",
                };
                (Action::Forward { note: None, assignee: None }, who)
            };
            let Some(next) = self.step(&d, action, who, t).await? else { return Ok(()) };
            d = next;
        }
        Ok(())
    }
}
