//! Test support: a fresh database on either backend, removed when dropped, and a seeded
//! organisation with one officer per role.
//!
//! PostgreSQL: `MOTCUA_TEST_POSTGRES_URL` names a server to use; otherwise a throwaway cluster is
//! started once per test process with the machine's `initdb` and `pg_ctl` (run as the `postgres`
//! user when the tests run as root, since `initdb` refuses root) on a free loopback port, and a
//! watchdog stops and removes it when the process ends. If neither works the test fails: a
//! PostgreSQL suite is never silently skipped.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, OnceLock};

use chrono::NaiveDate;
use motcua_domain::catalog::{Field, ProcedureSpec, ProcedureVersion};
use motcua_domain::org::{Actor, Agency, AgencyLevel, Role, RoleGrant, Unit};
use motcua_domain::types::AgencyCode;
use uuid::Uuid;

use crate::{Store, UserRecord};

/// A fresh database; dropped, it is removed.
#[derive(Debug)]
pub struct TestDb {
    pub store: Arc<dyn Store>,
    pub url: String,
    cleanup: Cleanup,
}

#[derive(Debug)]
enum Cleanup {
    Dir(PathBuf),
    PgDatabase { admin_url: String, name: String },
}

impl TestDb {
    /// A new SQLite file in a temporary directory, migrated.
    pub async fn sqlite() -> TestDb {
        let dir = std::env::temp_dir().join(format!("motcua-test-{}", Uuid::new_v4()));
        let url = format!("sqlite://{}", dir.join("motcua.db").display());
        let store = crate::connect(&url).await.expect("open SQLite");
        store.migrate().await.expect("migrate SQLite");
        TestDb { store, url, cleanup: Cleanup::Dir(dir) }
    }

    /// A new SQLite file in a temporary directory, not migrated (see `postgres_unmigrated`).
    pub async fn sqlite_unmigrated() -> TestDb {
        let dir = std::env::temp_dir().join(format!("motcua-test-{}", Uuid::new_v4()));
        let url = format!("sqlite://{}", dir.join("motcua.db").display());
        let store = crate::connect(&url).await.expect("open SQLite");
        TestDb { store, url, cleanup: Cleanup::Dir(dir) }
    }

    /// A new database on the test PostgreSQL server, migrated.
    pub async fn postgres() -> TestDb {
        TestDb::postgres_on(postgres_server()).await
    }

    /// A new database on a server with production durability, for the benchmarks.
    pub async fn postgres_durable() -> TestDb {
        TestDb::postgres_on(durable_postgres_server()).await
    }

    /// A new, empty database on the test PostgreSQL server, not migrated: for what starts on
    /// a database of its own (several servers at once, an older release's schema).
    pub async fn postgres_unmigrated() -> TestDb {
        TestDb::postgres_created(postgres_server()).await
    }

    async fn postgres_on(server: Result<String, String>) -> TestDb {
        let db = TestDb::postgres_created(server).await;
        db.store.migrate().await.expect("migrate PostgreSQL");
        db
    }

    async fn postgres_created(server: Result<String, String>) -> TestDb {
        let admin_url = server.unwrap_or_else(|e| panic!("PostgreSQL for tests: {e}"));
        let name = format!("motcua_test_{}", Uuid::new_v4().simple());
        let admin = crate::PgStore::connect(&admin_url).await.expect("connect to the test server");
        sqlx::query(sqlx::AssertSqlSafe(format!("create database {name}")))
            .execute(&admin.pool)
            .await
            .expect("create database");
        admin.pool.close().await;
        let url = with_database(&admin_url, &name);
        let store = crate::connect(&url).await.expect("open PostgreSQL");
        TestDb { store, url, cleanup: Cleanup::PgDatabase { admin_url, name } }
    }

    pub async fn by_name(backend: &str) -> TestDb {
        match backend {
            "sqlite" => TestDb::sqlite().await,
            "postgres" => TestDb::postgres().await,
            other => panic!("unknown backend {other}"),
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::Dir(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Cleanup::PgDatabase { admin_url, name } => {
                let (admin_url, name) = (admin_url.clone(), name.clone());
                // Drop runs inside the test's runtime: do the async work on a thread of its own.
                let _ = std::thread::spawn(move || {
                    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().ok()?;
                    rt.block_on(async {
                        let admin = crate::PgStore::connect(&admin_url).await.ok()?;
                        let sql = format!("drop database if exists {name} with (force)");
                        sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&admin.pool).await.ok()
                    })
                })
                .join();
            }
        }
    }
}

/// `url` with its database name replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let host_start = base.find("://").map_or(0, |i| i + 3);
    let base = match base[host_start..].find('/') {
        Some(i) => &base[..host_start + i],
        None => base,
    };
    format!("{base}/{name}{query}")
}

static SERVER: OnceLock<Result<String, String>> = OnceLock::new();
static DURABLE_SERVER: OnceLock<Result<String, String>> = OnceLock::new();

/// The tests' server: fsync and synchronous commit off, for speed.
fn postgres_server() -> Result<String, String> {
    server_once(&SERVER, false)
}

/// The benchmarks' server: production durability (fsync, synchronous commit, full-page writes)
/// and the memory settings of a small dedicated server.
fn durable_postgres_server() -> Result<String, String> {
    server_once(&DURABLE_SERVER, true)
}

/// `MOTCUA_TEST_POSTGRES_URL` if set, else a cluster started once per process.
fn server_once(cell: &OnceLock<Result<String, String>>, durable: bool) -> Result<String, String> {
    cell.get_or_init(|| match std::env::var("MOTCUA_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => Ok(url),
        _ => start_cluster(durable),
    })
    .clone()
}

fn find_bin(name: &str) -> Option<PathBuf> {
    if let Ok(out) = Command::new("sh").arg("-c").arg(format!("command -v {name}")).output()
        && out.status.success()
    {
        let path = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        if !path.is_empty() {
            return Some(PathBuf::from(path));
        }
    }
    let mut candidates: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok())
        .map(|e| e.path().join("bin").join(name))
        .filter(|p| p.exists())
        .collect();
    candidates.sort();
    candidates.pop()
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0").unwrap_or(false)
}

/// Runs `program args` as the `postgres` user when we are root.
fn as_pg_user(program: &Path, args: &[&str]) -> Command {
    if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program).args(args);
        c
    } else {
        let mut c = Command::new(program);
        c.args(args);
        c
    }
}

fn start_cluster(durable: bool) -> Result<String, String> {
    let initdb = find_bin("initdb")
        .ok_or("initdb not found: install PostgreSQL (apt-get install postgresql) or set MOTCUA_TEST_POSTGRES_URL")?;
    let pg_ctl = find_bin("pg_ctl").ok_or("pg_ctl not found")?;
    let dir = std::env::temp_dir().join(format!("motcua-pg-{}-{}", std::process::id(), Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    if is_root() {
        let ok =
            Command::new("chown").arg("postgres:postgres").arg(&dir).status().map(|s| s.success()).unwrap_or(false);
        if !ok {
            return Err(format!("cannot chown {} to postgres", dir.display()));
        }
    }
    let data = dir.join("data");
    let data_s = data.to_string_lossy().to_string();
    let out = as_pg_user(
        &initdb,
        &["-D", &data_s, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"],
    )
    .output()
    .map_err(|e| format!("initdb: {e}"))?;
    if !out.status.success() {
        return Err(format!("initdb failed: {}", String::from_utf8_lossy(&out.stderr)));
    }
    let port =
        std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map_err(|e| e.to_string())?.port();
    let settings = if durable {
        "-c shared_buffers=1GB -c work_mem=32MB -c maintenance_work_mem=256MB -c max_wal_size=4GB \
         -c effective_cache_size=8GB"
    } else {
        "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    };
    let opts =
        format!("-p {port} -k {} -c listen_addresses=127.0.0.1 {settings} -c max_connections=200", dir.display());
    let log = dir.join("log").to_string_lossy().to_string();
    let out = as_pg_user(&pg_ctl, &["-D", &data_s, "-w", "-t", "60", "-o", &opts, "-l", &log, "start"])
        .output()
        .map_err(|e| format!("pg_ctl: {e}"))?;
    if !out.status.success() {
        let log_text = std::fs::read_to_string(&log).unwrap_or_default();
        return Err(format!("pg_ctl start failed: {}{log_text}", String::from_utf8_lossy(&out.stderr)));
    }
    // The watchdog: when this process ends, stop the server and remove its files.
    let stop = if is_root() {
        format!("runuser -u postgres -- {} -D {data_s} -m immediate stop", pg_ctl.display())
    } else {
        format!("{} -D {data_s} -m immediate stop", pg_ctl.display())
    };
    let script = format!(
        "while kill -0 {pid} 2>/dev/null; do sleep 1; done; {stop} >/dev/null 2>&1; rm -rf {dir}",
        pid = std::process::id(),
        dir = dir.display()
    );
    Command::new("sh")
        .arg("-c")
        .arg(script)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(|e| format!("watchdog: {e}"))?;
    Ok(format!("postgres://postgres@127.0.0.1:{port}/postgres"))
}

/// A seeded organisation: a department with units, one officer per role, and a second agency
/// whose officer must not see the first one's dossiers.
#[derive(Debug, Clone)]
pub struct Fixture {
    pub agency: Agency,
    pub other_agency: Agency,
    pub reception: Actor,
    pub specialist: Actor,
    pub unit_lead: Actor,
    pub agency_lead: Actor,
    pub admin: Actor,
    pub inspector: Actor,
    pub other_reception: Actor,
    pub citizen: Actor,
    pub procedure: ProcedureVersion,
}

/// The procedure the stories use: 10 working days over five steps.
pub fn land_procedure_spec() -> ProcedureSpec {
    serde_json::from_value(serde_json::json!({
        "code": "1.004227",
        "name": "Đăng ký biến động quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất",
        "who_may_apply": "Cá nhân, hộ gia đình, tổ chức sử dụng đất",
        "field": "DD",
        "level": "province",
        "time_limit": "10d",
        "online": "partial",
        "legacy_level": 3,
        "channels": ["counter", "online", "postal"],
        "fees": [
            {"name": "Lệ phí cấp giấy chứng nhận", "amount": 50000, "code": "LPGCN",
             "legal_basis": "Nghị quyết 15/2024/NQ-HĐND tỉnh Khánh Hòa",
             "reductions": [{"who": "Hộ nghèo", "percent": 100}, {"who": "Người có công", "percent": 50}]},
            {"name": "Phí thẩm định hồ sơ", "amount": 500000, "reductions": [{"who": "Người có công", "percent": 50}]}
        ],
        "documents": [
            {"name": "Đơn đăng ký biến động đất đai (Mẫu 11/ĐK)", "originals": 1, "copies": 0, "required": true},
            {"name": "Giấy chứng nhận đã cấp", "originals": 1, "copies": 0, "required": true},
            {"name": "Văn bản ủy quyền (nếu có)", "originals": 1, "copies": 0, "required": false}
        ],
        "result": "Giấy chứng nhận quyền sử dụng đất đã xác nhận biến động",
        "legal_bases": ["Luật Đất đai số 31/2024/QH15", "Nghị định 101/2024/NĐ-CP"],
        "publication": {"number": "85/QĐ-UBND", "date": "2022-01-10", "issuer": "Chủ tịch UBND tỉnh Khánh Hòa"},
        "effective_from": "2024-08-01",
        "steps": [
            {"name": "Tiếp nhận và chuyển hồ sơ", "unit": "VP", "role": "reception", "budget": "4h"},
            {"name": "Thẩm định hồ sơ", "unit": "DD", "role": "specialist", "budget": "7d"},
            {"name": "Trình ký", "unit": "DD", "role": "unit_lead", "budget": "1d"},
            {"name": "Ký duyệt", "unit": "LD", "role": "agency_lead", "budget": "1d"},
            {"name": "Trả kết quả", "unit": "VP", "role": "reception", "budget": "4h"}
        ]
    }))
    .expect("valid spec")
}

impl Fixture {
    pub async fn seed(store: &dyn Store) -> Fixture {
        Fixture::seed_with_password_hash(store, "not-a-hash").await
    }

    /// The same organisation, every account with this password hash (argon2id PHC string).
    pub async fn seed_with_password_hash(store: &dyn Store, password_hash: &str) -> Fixture {
        let agency = Agency {
            id: Uuid::now_v7(),
            parent_id: None,
            code: AgencyCode::parse("000.00.17.H34").expect("code"),
            name: "Sở Nông nghiệp và Môi trường tỉnh Khánh Hòa".into(),
            level: AgencyLevel::Department,
        };
        let other_agency = Agency {
            id: Uuid::now_v7(),
            parent_id: None,
            code: AgencyCode::parse("000.00.18.H34").expect("code"),
            name: "Sở Xây dựng tỉnh Khánh Hòa".into(),
            level: AgencyLevel::Department,
        };
        store.insert_agency(&agency, None).await.expect("agency");
        store.insert_agency(&other_agency, None).await.expect("agency");
        for (code, name) in [("VP", "Văn phòng Sở"), ("DD", "Phòng Đất đai"), ("LD", "Lãnh đạo Sở")] {
            let unit = Unit { id: Uuid::now_v7(), agency_id: agency.id, code: code.into(), name: name.into() };
            store.insert_unit(&unit).await.expect("unit");
        }
        store.upsert_field(agency.id, &Field { code: "DD".into(), name: "Đất đai".into() }).await.expect("field");
        let officer = |name: &str, role: Role, agency: &Agency, unit: Option<&str>| {
            let user = UserRecord {
                id: Uuid::now_v7(),
                agency_id: Some(agency.id),
                username: format!("{name}-{}", Uuid::new_v4().simple()),
                full_name: name.to_owned(),
                password_hash: password_hash.into(),
                citizen: false,
                phone: None,
                email: None,
                active: true,
            };
            let grant = RoleGrant { role, agency_id: agency.id, unit: unit.map(str::to_owned) };
            (user, grant)
        };
        let mut actors = Vec::new();
        for (name, role, agency, unit) in [
            ("tiepnhan", Role::Reception, &agency, Some("VP")),
            ("chuyenvien", Role::Specialist, &agency, Some("DD")),
            ("truongphong", Role::UnitLead, &agency, Some("DD")),
            ("giamdoc", Role::AgencyLead, &agency, None),
            ("quantri", Role::Admin, &agency, None),
            ("thanhtra", Role::Inspector, &agency, None),
            ("tiepnhan-xd", Role::Reception, &other_agency, None),
        ] {
            let (user, grant) = officer(name, role, agency, unit);
            store.insert_user(&user).await.expect("user");
            store.insert_grant(user.id, &grant).await.expect("grant");
            actors.push(Actor { user_id: user.id, name: user.full_name, grants: vec![grant], citizen: false });
        }
        let citizen_user = UserRecord {
            id: Uuid::now_v7(),
            agency_id: None,
            username: format!("0905123456-{}", Uuid::new_v4().simple()),
            full_name: "Nguyễn Văn An".into(),
            password_hash: password_hash.into(),
            citizen: true,
            phone: Some("0905123456".into()),
            email: None,
            active: true,
        };
        store.insert_user(&citizen_user).await.expect("citizen");
        let citizen = Actor { user_id: citizen_user.id, name: citizen_user.full_name, grants: vec![], citizen: true };
        // Published two working days after its decision of 10/01/2022.
        let procedure = store
            .publish_procedure(agency.id, &land_procedure_spec(), "Đất đai", at(2022, 1, 12, 8, 0))
            .await
            .expect("procedure");
        let mut it = actors.into_iter();
        let mut next = || it.next().expect("actor");
        Fixture {
            agency,
            other_agency,
            reception: next(),
            specialist: next(),
            unit_lead: next(),
            agency_lead: next(),
            admin: next(),
            inspector: next(),
            other_reception: next(),
            citizen,
            procedure,
        }
    }
}

impl Fixture {
    /// A dossier of the fixture's procedure, taken at the counter at `now` and accepted in one
    /// change (`Dossier::take_in`): one event, `accept`, with its outbox message.
    pub async fn accepted_dossier(
        &self,
        store: &dyn Store,
        now: chrono::NaiveDateTime,
        phone: &str,
        citizen_user_id: Option<Uuid>,
    ) -> motcua_domain::dossier::Dossier {
        use motcua_domain::dossier::{ApplicantInput, Context, Dossier, Submission};
        let cal = motcua_calendar::WorkCalendar::vietnam().expect("calendar");
        let applicant = ApplicantInput {
            name: Some("Nguyễn Văn An".into()),
            citizen_id: Some("056090001234".into()),
            phone: Some(phone.into()),
            email: Some("an@example.vn".into()),
            address: Some("Nha Trang".into()),
            ..Default::default()
        }
        .parse()
        .expect("applicant");
        let sub = Submission {
            id: Uuid::now_v7(),
            channel: motcua_domain::catalog::Channel::Counter,
            applicant,
            postal: None,
            citizen_user_id,
            documents: self
                .procedure
                .spec
                .documents
                .iter()
                .map(|_| motcua_domain::dossier::DocumentIn {
                    received: true,
                    form: Some(motcua_domain::dossier::PaperForm::Original),
                    files: vec![],
                })
                .collect(),
            result_delivery: None,
            fees_paid: false,
            fee_reduction: None,
        };
        let seq = store.next_sequence(self.agency.id, now.date()).await.expect("sequence");
        let width = motcua_domain::rules::rules_for(now.date()).code_sequence_width;
        let code = motcua_domain::types::DossierCode::new(&self.agency.code, now.date(), seq, width);
        let ctx = Context {
            actor: &self.reception,
            now,
            calendar: &cal,
            new_code: Some(code),
            max_reappoint_days: motcua_domain::dossier::DEFAULT_MAX_REAPPOINT_DAYS,
        };
        let t = Dossier::take_in(&self.procedure, self.agency.code.clone(), sub, &ctx).expect("take in");
        store.insert_dossier(&t).await.expect("insert");
        t.dossier
    }
}

impl Fixture {
    /// Applies `action` by `actor` at `now` to the stored dossier and stores the result.
    pub async fn act(
        &self,
        store: &dyn Store,
        d: &motcua_domain::dossier::Dossier,
        action: motcua_domain::dossier::Action,
        actor: &Actor,
        now: chrono::NaiveDateTime,
    ) -> motcua_domain::dossier::Dossier {
        let cal = motcua_calendar::WorkCalendar::vietnam().expect("calendar");
        let ctx = motcua_domain::dossier::Context {
            actor,
            now,
            calendar: &cal,
            new_code: None,
            max_reappoint_days: motcua_domain::dossier::DEFAULT_MAX_REAPPOINT_DAYS,
        };
        let t = d.apply(action, &ctx).expect("action");
        store.update_dossier(d.version, &t).await.expect("update");
        t.dossier
    }
}

impl Fixture {
    /// The reports' story: three dossiers accepted on 12/02/2026 (due 05/03/2026); the first goes
    /// through every step and is returned early (approved 17/02); the second is asked twice for a
    /// supplement (13/02, answered 16/02; again 17/02); the third is left untouched.
    pub async fn three_dossiers(&self, store: &dyn Store) -> [motcua_domain::dossier::Dossier; 3] {
        use motcua_domain::dossier::Action;
        let received = at(2026, 2, 12, 9, 0);
        let mut ds = Vec::new();
        for _ in 0..3 {
            ds.push(self.accepted_dossier(store, received, "0905123456", None).await);
        }
        let forward = || Action::Forward { note: None, assignee: None };
        let d = self.act(store, &ds[0], forward(), &self.reception, at(2026, 2, 12, 10, 0)).await;
        let d = self.act(store, &d, forward(), &self.specialist, at(2026, 2, 16, 9, 0)).await;
        let d = self.act(store, &d, forward(), &self.unit_lead, at(2026, 2, 16, 15, 0)).await;
        let approve = Action::Approve { result_number: "12/GCN".into(), result_date: at(2026, 2, 17, 0, 0).date() };
        let d = self.act(store, &d, approve, &self.agency_lead, at(2026, 2, 17, 9, 0)).await;
        let returned = Action::ReturnResult { channel: motcua_domain::catalog::Channel::Counter, postal: None };
        let done = self.act(store, &d, returned, &self.reception, at(2026, 2, 18, 9, 0)).await;
        let d = self.act(store, &ds[1], forward(), &self.reception, at(2026, 2, 12, 10, 0)).await;
        let ask = || Action::RequestSupplement { reason: "Thiếu bản vẽ".into() };
        let d = self.act(store, &d, ask(), &self.specialist, at(2026, 2, 13, 9, 0)).await;
        let answered = Action::SupplementReceived { note: None };
        let d = self.act(store, &d, answered, &self.reception, at(2026, 2, 16, 9, 0)).await;
        let twice = self.act(store, &d, ask(), &self.specialist, at(2026, 2, 17, 9, 0)).await;
        [done, twice, ds[2].clone()]
    }
}

/// A date helper for stories.
pub fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> chrono::NaiveDateTime {
    NaiveDate::from_ymd_opt(y, m, d).and_then(|d| d.and_hms_opt(h, min, 0)).expect("valid time")
}
