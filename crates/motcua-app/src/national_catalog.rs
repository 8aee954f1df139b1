//! The national procedure database (CSDL quốc gia về TTHC) as a source of the catalog: its
//! records ("LayThuTuc": `MATTHC`, `TENTTHC`, `LINHVUCTHUCHIEN`, `TRINHTUTHUCHIEN`,
//! `CACHTHUCTHUCHIEN` with each channel's time and fees, `THANHPHANHOSO` with the blank forms,
//! `KETQUATHUCHIEN`, `CANCUPHAPLY`…) are read leniently, and what they say is laid over the
//! agency's current version of the procedure — the internal process (steps, units, budgets), the
//! notes and the blank forms already uploaded stay the agency's. A record that changes nothing is
//! left; one that changes something becomes a draft for the administrator to review, complete
//! and publish (Quản trị → Bản nháp từ CSDL quốc gia). Nothing is published by an import.

use chrono::{NaiveDate, NaiveDateTime};
use motcua_calendar::TimeLimit;
use motcua_domain::catalog::{
    Channel, ChannelTerms, DocumentRequirement, FeeLine, OnlineService, ProcedureLevel, ProcedureSpec, ProcessStep,
};
use motcua_domain::org::{Actor, Role};
use motcua_domain::text::printable;
use motcua_domain::types::Vnd;
use motcua_store::Store;
use serde_json::Value;
use uuid::Uuid;

use crate::AppError;

/// The longest text kept of any one value of a record.
const TEXT_MAX: usize = 4000;
/// Records per import at most.
pub const RECORDS_MAX: usize = 2000;

/// A value as text (string or number), bounded; `None` when absent or empty.
fn text(v: &Value) -> Option<String> {
    let s = match v {
        Value::String(s) => s.trim().to_owned(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    (!s.is_empty()).then(|| motcua_domain::text::nfc(&printable(&s, TEXT_MAX)))
}

/// The items of a list the service may send as an array, as one object, or not at all.
fn items(v: &Value) -> Vec<&Value> {
    match v {
        Value::Array(a) => a.iter().collect(),
        Value::Null => vec![],
        other => vec![other],
    }
}

/// The first key present, in upper or mixed case (`MATTHC` or `MaTTHC`).
fn get<'a>(v: &'a Value, keys: &[&str]) -> &'a Value {
    let Some(o) = v.as_object() else { return &Value::Null };
    for k in keys {
        if let Some(x) = o.get(*k) {
            return x;
        }
        if let Some((_, x)) = o.iter().find(|(key, _)| key.eq_ignore_ascii_case(k)) {
            return x;
        }
    }
    &Value::Null
}

fn channel_of(kenh: &str) -> Option<Channel> {
    let k = motcua_domain::text::fold(kenh);
    if k == "1" || k.contains("truc tiep") {
        Some(Channel::Counter)
    } else if k == "2" || k.contains("truc tuyen") {
        Some(Channel::Online)
    } else if k == "3" || k.contains("buu chinh") {
        Some(Channel::Postal)
    } else {
        None
    }
}

/// A time limit from the service's number and unit ("24", "Ngày làm việc"); days are taken as
/// working days, as the one-stop regulations count them.
fn time_limit(amount: &str, unit: &str) -> Option<TimeLimit> {
    let n: u32 = amount.trim().split(['.', ',']).next()?.parse().ok().filter(|n| *n > 0 && *n < 10_000)?;
    let u = motcua_domain::text::fold(unit);
    if u.contains("gio") { Some(TimeLimit::WorkingHours(n)) } else { Some(TimeLimit::WorkingDays(n)) }
}

/// What a national record says of a procedure, read.
#[derive(Debug, Clone, PartialEq)]
pub struct NationalRecord {
    pub code: String,
    pub name: String,
    pub field: Option<(String, String)>,
    pub who_may_apply: Option<String>,
    pub level: Option<ProcedureLevel>,
    pub sequence: Vec<String>,
    /// Each channel with its time limit, fee text and fee lines.
    pub methods: Vec<(ChannelTerms, Vec<FeeLine>)>,
    pub documents: Vec<DocumentRequirement>,
    pub results: Vec<String>,
    pub legal_bases: Vec<String>,
    pub decision: Option<String>,
}

impl NationalRecord {
    /// Reads one record; the reason when it is not a procedure.
    pub fn parse(v: &Value) -> Result<NationalRecord, String> {
        let code = text(get(v, &["MATTHC", "MaTTHC", "ma_thu_tuc"])).ok_or("thiếu mã thủ tục (MATTHC)")?;
        if !motcua_domain::catalog::is_national_code(&code) {
            return Err(format!("mã thủ tục \"{code}\" không phải mã của CSDL quốc gia (1.xxxxxx)"));
        }
        let name = text(get(v, &["TENTTHC", "TenTTHC", "ten_thu_tuc"])).ok_or(format!("{code}: thiếu tên thủ tục"))?;
        let field = items(get(v, &["LINHVUCTHUCHIEN"]))
            .first()
            .and_then(|f| Some((text(get(f, &["MALINHVUC"]))?, text(get(f, &["TENLINHVUC"])).unwrap_or_default())));
        let level = text(get(v, &["CAPTHUCHIEN", "cap_thuc_hien"])).and_then(|c| {
            let c = motcua_domain::text::fold(&c);
            if c.contains("tinh") {
                Some(ProcedureLevel::Province)
            } else if c.contains("xa") || c.contains("huyen") {
                Some(ProcedureLevel::Commune)
            } else if c.contains("bo") || c.contains("trung uong") {
                Some(ProcedureLevel::Central)
            } else {
                None
            }
        });
        let sequence = match get(v, &["TRINHTUTHUCHIEN", "trinh_tu_thuc_hien"]) {
            Value::String(s) => {
                s.lines().map(str::trim).filter(|l| !l.is_empty()).map(|l| printable(l, TEXT_MAX)).collect()
            }
            other => items(other)
                .into_iter()
                .filter_map(|s| text(get(s, &["TENTRINHTU", "NOIDUNG"])).or_else(|| text(s)))
                .collect(),
        };
        let mut methods = Vec::new();
        for m in items(get(v, &["CACHTHUCTHUCHIEN"])) {
            let Some(channel) = text(get(m, &["KENH"])).and_then(|k| channel_of(&k)) else { continue };
            for t in items(get(m, &["THOIGIAN"])) {
                let amount = text(get(t, &["THOIGIANGIAIQUYET"])).unwrap_or_default();
                let unit = text(get(t, &["DONVITINH"])).unwrap_or_default();
                let Some(limit) = time_limit(&amount, &unit) else {
                    return Err(format!("{code}: thời hạn \"{amount} {unit}\" không đọc được"));
                };
                let mut fees = Vec::new();
                let mut fee_words = Vec::new();
                for f in items(get(t, &["PHILEPHI"])) {
                    let amount: u64 = text(get(f, &["SOTIEN", "MUCPHI"]))
                        .and_then(|a| a.replace(['.', ','], "").parse().ok())
                        .unwrap_or(0);
                    let desc = text(get(f, &["MOTA", "TENPHILEPHI"])).unwrap_or_else(|| "Phí, lệ phí".into());
                    fee_words.push(format!("{desc}: {}", Vnd(amount)));
                    if amount > 0 {
                        fees.push(FeeLine {
                            name: desc,
                            amount: Vnd(amount),
                            note: None,
                            kind: None,
                            channels: vec![channel],
                            code: text(get(f, &["MAPHILEPHI", "MAPHI"])),
                            legal_basis: None,
                            reductions: Vec::new(),
                        });
                    }
                }
                let terms = ChannelTerms {
                    channel,
                    time_limit: limit,
                    fee: if fee_words.is_empty() { "Không".into() } else { fee_words.join("; ") },
                    description: text(get(t, &["MOTA"])).unwrap_or_default(),
                };
                methods.push((terms, fees));
            }
        }
        let documents = items(get(v, &["THANHPHANHOSO"]))
            .into_iter()
            .flat_map(|t| {
                let papers = items(get(t, &["GIAYTO"]));
                if papers.is_empty() { vec![t] } else { papers }
            })
            .filter_map(|g| {
                let name = text(get(g, &["TENGIAYTO", "TENTHANHPHAN"]))?;
                let count = |k: &str| text(get(g, &[k])).and_then(|n| n.parse::<u8>().ok());
                Some(DocumentRequirement {
                    name,
                    originals: count("SOBANCHINH").unwrap_or(1),
                    copies: count("SOBANSAO").unwrap_or(0),
                    template: None,
                    required: text(get(g, &["BATBUOC"])).is_none_or(|b| b != "0" && b != "false"),
                })
            })
            .collect();
        let results =
            items(get(v, &["KETQUATHUCHIEN"])).into_iter().filter_map(|r| text(get(r, &["TENKETQUA"]))).collect();
        let legal_bases = items(get(v, &["CANCUPHAPLY"]))
            .into_iter()
            .filter_map(|c| {
                let number = text(get(c, &["SOVANBAN"]));
                let title = text(get(c, &["TENVANBAN"]));
                match (number, title) {
                    (Some(n), Some(t)) => Some(format!("{t} số {n}")),
                    (Some(x), None) | (None, Some(x)) => Some(x),
                    (None, None) => None,
                }
            })
            .collect();
        Ok(NationalRecord {
            code,
            name,
            field,
            who_may_apply: text(get(v, &["DOITUONGTHUCHIEN", "doi_tuong_thuc_hien"])),
            level,
            sequence,
            methods,
            documents,
            results,
            legal_bases,
            decision: text(get(v, &["SOQUYETDINH", "so_quyet_dinh"])),
        })
    }

    /// The record laid over the agency's current version (`None`: a procedure new to the
    /// agency, given one step at `unit` for the administrator to replace with the real process).
    pub fn over(&self, current: Option<&ProcedureSpec>, unit: &str, today: NaiveDate) -> ProcedureSpec {
        let channels: Vec<Channel> = {
            let mut c: Vec<Channel> = self.methods.iter().map(|(t, _)| t.channel).collect();
            c.dedup();
            c
        };
        // The time limit the dossier's clock counts: the counter's, else the first channel's.
        let limit = self
            .methods
            .iter()
            .find(|(t, _)| t.channel == Channel::Counter)
            .or_else(|| self.methods.first())
            .map(|(t, _)| t.time_limit);
        let mut spec = current.cloned().unwrap_or_else(|| ProcedureSpec {
            code: self.code.clone(),
            name: self.name.clone(),
            who_may_apply: None,
            field: self.field.as_ref().map(|f| f.0.clone()).unwrap_or_default(),
            level: ProcedureLevel::Province,
            time_limit: limit.unwrap_or(TimeLimit::WorkingDays(1)),
            online: OnlineService::None,
            legacy_level: None,
            channels: vec![],
            fees: vec![],
            documents: vec![],
            result: String::new(),
            legal_bases: vec![],
            publication: None,
            effective_from: today,
            effective_to: None,
            steps: vec![ProcessStep {
                name: "Tiếp nhận, giải quyết và trả kết quả".into(),
                unit: unit.to_owned(),
                role: Role::Reception,
                budget: limit.unwrap_or(TimeLimit::WorkingDays(1)),
                external_agency: None,
            }],
            sequence: vec![],
            conditions: None,
            methods: vec![],
            process_decision: None,
            notes: Some("Nhập từ CSDL quốc gia về TTHC: cần lập quy trình nội bộ trước khi công bố.".into()),
        });
        spec.name = self.name.clone();
        if let Some(w) = &self.who_may_apply {
            spec.who_may_apply = Some(w.clone());
        }
        if let Some(l) = self.level {
            spec.level = l;
        }
        if current.is_none()
            && let Some((code, _)) = &self.field
        {
            spec.field = code.clone();
        }
        if !self.sequence.is_empty() {
            spec.sequence = self.sequence.clone();
        }
        if !self.methods.is_empty() {
            spec.channels = channels;
            spec.methods = self.methods.iter().map(|(t, _)| t.clone()).collect();
            spec.fees = self.methods.iter().flat_map(|(_, f)| f.iter().cloned()).fold(Vec::new(), |mut all, f| {
                match all.iter_mut().find(|x: &&mut FeeLine| x.name == f.name && x.amount == f.amount) {
                    Some(x) => x.channels.extend(f.channels),
                    None => all.push(f),
                }
                all
            });
            if let Some(limit) = limit {
                spec.time_limit = limit;
            }
        }
        if !self.documents.is_empty() {
            // The blank forms already uploaded stay with the documents of the same name.
            let old = std::mem::take(&mut spec.documents);
            spec.documents = self
                .documents
                .iter()
                .map(|d| DocumentRequirement {
                    template: old.iter().find(|o| o.name == d.name).and_then(|o| o.template.clone()),
                    ..d.clone()
                })
                .collect();
        }
        if !self.results.is_empty() {
            spec.result = self.results.join("; ");
        }
        if !self.legal_bases.is_empty() {
            spec.legal_bases = self.legal_bases.clone();
        }
        spec
    }
}

/// What changed between two versions, in the administrator's words.
pub fn changes(old: Option<&ProcedureSpec>, new: &ProcedureSpec) -> Vec<String> {
    let Some(old) = old else { return vec!["thủ tục mới với cơ quan".into()] };
    let mut out = Vec::new();
    let mut note = |differs: bool, what: &str| {
        if differs {
            out.push(what.to_owned());
        }
    };
    note(old.name != new.name, "tên");
    note(old.who_may_apply != new.who_may_apply, "đối tượng thực hiện");
    note(old.level != new.level, "cấp thực hiện");
    note(old.time_limit != new.time_limit, "thời hạn giải quyết");
    note(old.channels != new.channels || old.methods != new.methods, "cách thức thực hiện");
    note(old.fees != new.fees, "phí, lệ phí");
    note(old.documents != new.documents, "thành phần hồ sơ");
    note(old.sequence != new.sequence, "trình tự thực hiện");
    note(old.result != new.result, "kết quả");
    note(old.legal_bases != new.legal_bases, "căn cứ pháp lý");
    out
}

/// What an import did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct NationalImport {
    /// (code, what changed) of each draft written.
    pub drafts: Vec<(String, Vec<String>)>,
    /// Codes whose record says what the agency's version (or pending draft) says already.
    pub unchanged: Vec<String>,
    /// (code or position, why) of records not taken.
    pub refused: Vec<(String, String)>,
}

/// Reads the records (a JSON array, or `{"data": [...]}` as the service answers) and writes a
/// draft for each procedure of the agency the records change; audited.
pub async fn import_national(
    store: &dyn Store,
    actor: &Actor,
    agency_id: Uuid,
    body: &str,
    source: &str,
    now: NaiveDateTime,
) -> Result<NationalImport, AppError> {
    let parsed: Value = serde_json::from_str(body)
        .map_err(|e| motcua_domain::DomainError::field("file", format!("JSON không đọc được: {e}")))?;
    let records = match &parsed {
        Value::Array(a) => a.clone(),
        Value::Object(o) if o.contains_key("data") => items(&parsed["data"]).into_iter().cloned().collect(),
        Value::Object(_) => vec![parsed.clone()],
        _ => vec![],
    };
    if records.is_empty() || records.len() > RECORDS_MAX {
        return Err(
            motcua_domain::DomainError::field("file", format!("cần từ 1 đến {RECORDS_MAX} thủ tục trong tệp")).into()
        );
    }
    let unit = store.units(agency_id).await?.into_iter().next().map(|u| u.code).unwrap_or_default();
    let today = now.date();
    let mut report = NationalImport::default();
    for (i, v) in records.iter().enumerate() {
        let record = match NationalRecord::parse(v) {
            Ok(r) => r,
            Err(why) => {
                report.refused.push((format!("thủ tục thứ {}", i + 1), why));
                continue;
            }
        };
        let current = store.procedure(&record.code).await?;
        if let Some(c) = &current
            && c.agency_id != agency_id
        {
            report.refused.push((record.code.clone(), "mã thủ tục này là của cơ quan khác".into()));
            continue;
        }
        let current_spec = current.as_ref().map(|c| &c.spec);
        let pending = store.procedure_draft_of(agency_id, &record.code).await?;
        let base = pending.as_ref().map(|d| &d.spec).or(current_spec);
        let spec = record.over(current_spec, &unit, today);
        if base == Some(&spec) {
            report.unchanged.push(record.code.clone());
            continue;
        }
        let what = changes(current_spec, &spec);
        let summary = what.join(", ");
        store.put_procedure_draft(agency_id, &spec, source, &summary, now).await?;
        report.drafts.push((record.code.clone(), what));
    }
    let data = serde_json::json!({
        "source": source,
        "drafts": report.drafts.iter().map(|d| &d.0).collect::<Vec<_>>(),
        "unchanged": report.unchanged.len(),
        "refused": report.refused.len(),
    });
    crate::audit::record(
        store,
        Some(agency_id),
        Some(actor.user_id),
        ("catalog_national_imported", "catalog".into()),
        data,
        now,
    )
    .await?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> Value {
        serde_json::json!({
            "MATTHC": "1.004211",
            "TENTTHC": "Gia hạn, điều chỉnh giấy phép khai thác nước dưới đất",
            "LINHVUCTHUCHIEN": [{"MALINHVUC": "TNN", "TENLINHVUC": "Tài nguyên nước"}],
            "CAPTHUCHIEN": "Cấp tỉnh",
            "TRINHTUTHUCHIEN": "Bước 1: Nộp hồ sơ\nBước 2: Tiếp nhận",
            "CACHTHUCTHUCHIEN": [
                {"KENH": "Trực tiếp", "THOIGIAN": [{"THOIGIANGIAIQUYET": "24", "DONVITINH": "Ngày làm việc",
                    "PHILEPHI": [{"SOTIEN": "1.200.000", "MOTA": "Phí thẩm định"}]}]},
                {"KENH": "Trực tuyến", "THOIGIAN": {"THOIGIANGIAIQUYET": 24, "DONVITINH": "Ngày làm việc",
                    "PHILEPHI": [{"SOTIEN": 1200000, "MOTA": "Phí thẩm định"}]}}
            ],
            "THANHPHANHOSO": [{"GIAYTO": [{"TENGIAYTO": "Văn bản đề nghị (Mẫu 04)", "SOBANCHINH": 1}]}],
            "KETQUATHUCHIEN": [{"TENKETQUA": "Giấy phép được gia hạn"}],
            "CANCUPHAPLY": [{"SOVANBAN": "28/2023/QH15", "TENVANBAN": "Luật Tài nguyên nước"}]
        })
    }

    #[test]
    fn a_record_is_read_and_laid_over_the_agencys_process() {
        let r = NationalRecord::parse(&record()).unwrap();
        assert_eq!(r.methods.len(), 2);
        assert_eq!(r.methods[0].0.time_limit, TimeLimit::WorkingDays(24));
        let today = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        let spec = r.over(None, "TNN", today);
        assert_eq!(spec.channels, vec![Channel::Counter, Channel::Online]);
        assert_eq!(spec.fees.len(), 1, "one fee, by both channels");
        assert_eq!(spec.fees[0].channels, vec![Channel::Counter, Channel::Online]);
        assert_eq!(spec.fees[0].amount, Vnd(1_200_000));
        assert_eq!(spec.legal_bases, vec!["Luật Tài nguyên nước số 28/2023/QH15"]);
        assert_eq!(spec.steps.len(), 1);
        assert_eq!(changes(None, &spec), vec!["thủ tục mới với cơ quan"]);
        let mut later = spec.clone();
        later.steps[0].name = "Quy trình của sở".into();
        let again = r.over(Some(&later), "TNN", today);
        assert_eq!(again.steps[0].name, "Quy trình của sở", "the agency's process stays");
        assert!(changes(Some(&later), &again).is_empty());
        assert!(NationalRecord::parse(&serde_json::json!({"MATTHC": "KH.1", "TENTTHC": "x"})).is_err());
        let mut bad = record();
        bad["CACHTHUCTHUCHIEN"][0]["THOIGIAN"][0]["THOIGIANGIAIQUYET"] = "mười".into();
        assert!(NationalRecord::parse(&bad).unwrap_err().contains("thời hạn"));
    }
}
