//! The procedure editor as an officer fills it in: one field per part of the procedure, a row
//! per document, fee, channel and step of the internal process (rows added in the page), the
//! steps' sum checked against the time limit as they are typed (`static/editor.js`) and by the
//! domain on saving. Saving publishes a new version that takes effect on its date. No JSON is
//! typed by hand.

use std::collections::HashMap;

use chrono::NaiveDate;
use motcua_calendar::TimeLimit;
use motcua_domain::FieldError;
use motcua_domain::catalog::{
    Channel, ChannelTerms, DocumentRequirement, FeeKind, FeeLine, OnlineService, ProcedureLevel, ProcedureSpec,
    ProcessStep, Publication,
};
use motcua_domain::org::Role;
use motcua_domain::types::Vnd;

/// How many empty rows each repeated part offers below the filled ones (the page's script adds
/// more; without script, save and the page comes back with two more).
const BLANK_ROWS: usize = 2;

pub const CHANNELS: [(Channel, &str); 3] =
    [(Channel::Counter, "Trực tiếp"), (Channel::Online, "Trực tuyến"), (Channel::Postal, "Bưu chính công ích")];

/// A time limit as two inputs: a number and a unit (`d`, `h` or `same-day`).
#[derive(Debug, Clone, Default)]
pub struct Limit {
    pub value: String,
    pub unit: String,
}

impl Limit {
    /// Whether the unit chosen is `unit` (for the page's selects).
    pub fn is(&self, unit: &str) -> bool {
        self.unit == unit
    }

    fn of(t: &TimeLimit) -> Limit {
        match t {
            TimeLimit::WorkingDays(n) => Limit { value: n.to_string(), unit: "d".into() },
            TimeLimit::WorkingHours(n) => Limit { value: n.to_string(), unit: "h".into() },
            TimeLimit::SameDay { .. } => Limit { value: String::new(), unit: "same-day".into() },
        }
    }

    fn parse(&self, field: &str, errors: &mut Vec<FieldError>) -> Option<TimeLimit> {
        let text =
            if self.unit == "same-day" { "same-day".to_owned() } else { format!("{}{}", self.value.trim(), self.unit) };
        match text.parse::<TimeLimit>() {
            Ok(t) => Some(t),
            Err(_) => {
                errors.push(FieldError::new(field, "Thời gian cần là số ngày hoặc số giờ làm việc lớn hơn 0."));
                None
            }
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct DocRow {
    pub name: String,
    pub originals: String,
    pub copies: String,
    pub required: bool,
    /// The blank form already uploaded (kept as it is).
    pub template: String,
}

#[derive(Debug, Clone, Default)]
pub struct FeeRow {
    pub name: String,
    pub kind: String,
    pub amount: String,
    pub channel: String,
    pub note: String,
    pub code: String,
    pub basis: String,
    /// "Hộ nghèo: 100; Người có công: 50".
    pub reductions: String,
}

impl FeeRow {
    pub fn for_channel(&self, channel: &str) -> bool {
        self.channel == channel
    }
}

#[derive(Debug, Clone, Default)]
pub struct MethodRow {
    pub channel: &'static str,
    pub label: &'static str,
    pub offered: bool,
    pub limit: Limit,
    pub fee: String,
    pub description: String,
}

#[derive(Debug, Clone, Default)]
pub struct StepRow {
    pub name: String,
    pub unit: String,
    pub role: String,
    pub budget: Limit,
    pub external: String,
}

impl StepRow {
    pub fn has_role(&self, role: &str) -> bool {
        self.role == role
    }
}

/// Everything the editor shows, as text to put back in the inputs.
#[derive(Debug, Clone, Default)]
pub struct Editor {
    pub code: String,
    pub name: String,
    pub who_may_apply: String,
    pub field: String,
    pub level: String,
    pub limit: Limit,
    pub online: String,
    pub result: String,
    pub legal_bases: String,
    pub publication: (String, String, String),
    pub effective_from: String,
    pub effective_to: String,
    pub conditions: String,
    pub sequence: String,
    pub notes: String,
    pub documents: Vec<DocRow>,
    pub fees: Vec<FeeRow>,
    pub methods: Vec<MethodRow>,
    pub steps: Vec<StepRow>,
    pub process_decision: (String, String, String),
}

fn day(d: Option<NaiveDate>) -> String {
    d.map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default()
}

fn publication(p: &Option<Publication>) -> (String, String, String) {
    p.as_ref().map(|p| (p.number.clone(), day(Some(p.date)), p.issuer.clone())).unwrap_or_default()
}

fn pad<T: Default>(mut rows: Vec<T>) -> Vec<T> {
    rows.extend((0..BLANK_ROWS).map(|_| T::default()));
    rows
}

impl Editor {
    /// An empty procedure, for a new one.
    pub fn blank(today: NaiveDate) -> Editor {
        Editor {
            level: "province".into(),
            online: "partial".into(),
            limit: Limit { value: String::new(), unit: "d".into() },
            effective_from: day(Some(today)),
            documents: pad(vec![]),
            fees: pad(vec![]),
            methods: CHANNELS
                .iter()
                .map(|(c, label)| MethodRow {
                    channel: c.as_str(),
                    label,
                    offered: *c != Channel::Postal,
                    ..Default::default()
                })
                .collect(),
            steps: pad(vec![]),
            ..Default::default()
        }
    }

    /// The editor filled with a version's content, to amend it.
    pub fn of(spec: &ProcedureSpec) -> Editor {
        let kind = |k: Option<FeeKind>| match k {
            Some(FeeKind::Fee) => "fee",
            Some(FeeKind::Charge) => "charge",
            None => "",
        };
        Editor {
            code: spec.code.clone(),
            name: spec.name.clone(),
            who_may_apply: spec.who_may_apply.clone().unwrap_or_default(),
            field: spec.field.clone(),
            level: serde_json::to_value(spec.level)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
            limit: Limit::of(&spec.time_limit),
            online: serde_json::to_value(spec.online)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
            result: spec.result.clone(),
            legal_bases: spec.legal_bases.join("\n"),
            publication: publication(&spec.publication),
            effective_from: day(Some(spec.effective_from)),
            effective_to: day(spec.effective_to),
            conditions: spec.conditions.clone().unwrap_or_default(),
            sequence: spec.sequence.join("\n"),
            notes: spec.notes.clone().unwrap_or_default(),
            documents: pad(spec
                .documents
                .iter()
                .map(|d| DocRow {
                    name: d.name.clone(),
                    originals: d.originals.to_string(),
                    copies: d.copies.to_string(),
                    required: d.required,
                    template: d.template.clone().unwrap_or_default(),
                })
                .collect()),
            fees: pad(spec
                .fees
                .iter()
                .map(|f| FeeRow {
                    name: f.name.clone(),
                    kind: kind(f.kind).into(),
                    amount: f.amount.0.to_string(),
                    channel: f.channels.first().map(|c| c.as_str().to_owned()).unwrap_or_default(),
                    note: f.note.clone().unwrap_or_default(),
                    code: f.code.clone().unwrap_or_default(),
                    basis: f.legal_basis.clone().unwrap_or_default(),
                    reductions: f
                        .reductions
                        .iter()
                        .map(|r| format!("{}: {}", r.who, r.percent))
                        .collect::<Vec<_>>()
                        .join("; "),
                })
                .collect()),
            methods: CHANNELS
                .iter()
                .map(|(c, label)| {
                    let terms = spec.methods.iter().find(|m| m.channel == *c);
                    MethodRow {
                        channel: c.as_str(),
                        label,
                        offered: spec.channels.contains(c),
                        limit: Limit::of(&terms.map_or(spec.time_limit, |t| t.time_limit)),
                        fee: terms.map(|t| t.fee.clone()).unwrap_or_default(),
                        description: terms.map(|t| t.description.clone()).unwrap_or_default(),
                    }
                })
                .collect(),
            steps: pad(spec
                .steps
                .iter()
                .map(|s| StepRow {
                    name: s.name.clone(),
                    unit: s.unit.clone(),
                    role: s.role.as_str().to_owned(),
                    budget: Limit::of(&s.budget),
                    external: s.external_agency.clone().unwrap_or_default(),
                })
                .collect()),
            process_decision: publication(&spec.process_decision),
        }
    }

    /// The editor as the form sent it (to show again with its errors).
    pub fn from_form(f: &HashMap<String, String>) -> Editor {
        let get = |k: &str| f.get(k).map(|v| v.trim().to_owned()).unwrap_or_default();
        let rows = |prefix: &str| {
            let mut n = 0;
            while f.keys().any(|k| k.starts_with(prefix) && k.ends_with(&format!("_{n}"))) {
                n += 1;
            }
            n
        };
        let limit = |k: &str| Limit { value: get(&format!("{k}_value")), unit: get(&format!("{k}_unit")) };
        let documents = (0..rows("doc_name"))
            .map(|i| DocRow {
                name: get(&format!("doc_name_{i}")),
                originals: get(&format!("doc_originals_{i}")),
                copies: get(&format!("doc_copies_{i}")),
                required: f.contains_key(&format!("doc_required_{i}")),
                template: get(&format!("doc_template_{i}")),
            })
            .filter(|d| !d.name.is_empty())
            .collect();
        let fees = (0..rows("fee_name"))
            .map(|i| FeeRow {
                name: get(&format!("fee_name_{i}")),
                kind: get(&format!("fee_kind_{i}")),
                amount: get(&format!("fee_amount_{i}")),
                channel: get(&format!("fee_channel_{i}")),
                note: get(&format!("fee_note_{i}")),
                code: get(&format!("fee_code_{i}")),
                basis: get(&format!("fee_basis_{i}")),
                reductions: get(&format!("fee_reductions_{i}")),
            })
            .filter(|r| !r.name.is_empty())
            .collect();
        let steps = (0..rows("step_name"))
            .map(|i| StepRow {
                name: get(&format!("step_name_{i}")),
                unit: get(&format!("step_unit_{i}")),
                role: get(&format!("step_role_{i}")),
                budget: limit(&format!("step_budget_{i}")),
                external: get(&format!("step_external_{i}")),
            })
            .filter(|s| !s.name.is_empty())
            .collect();
        Editor {
            code: get("code"),
            name: get("name"),
            who_may_apply: get("who_may_apply"),
            field: get("field"),
            level: get("level"),
            limit: limit("time_limit"),
            online: get("online"),
            result: get("result"),
            legal_bases: get("legal_bases"),
            publication: (get("publication_number"), get("publication_date"), get("publication_issuer")),
            effective_from: get("effective_from"),
            effective_to: get("effective_to"),
            conditions: get("conditions"),
            sequence: get("sequence"),
            notes: get("notes"),
            documents: pad(documents),
            fees: pad(fees),
            methods: CHANNELS
                .iter()
                .map(|(c, label)| {
                    let k = c.as_str();
                    MethodRow {
                        channel: k,
                        label,
                        offered: f.contains_key(&format!("channel_{k}")),
                        limit: limit(&format!("method_{k}")),
                        fee: get(&format!("method_{k}_fee")),
                        description: get(&format!("method_{k}_description")),
                    }
                })
                .collect(),
            steps: pad(steps),
            process_decision: (get("process_number"), get("process_date"), get("process_issuer")),
        }
    }

    /// The procedure the editor describes, or every field that is wrong (the domain's own
    /// checks, such as the steps' sum, come after, on publication).
    pub fn spec(&self) -> Result<ProcedureSpec, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut required = |value: &str, field: &str, what: &str| {
            if value.is_empty() {
                errors.push(FieldError::new(field, format!("Cần nhập {what}.")));
            }
        };
        required(&self.code, "code", "mã thủ tục");
        required(&self.name, "name", "tên thủ tục");
        required(&self.result, "result", "kết quả thực hiện");
        let date = |s: &str, field: &str, errors: &mut Vec<FieldError>| -> Option<NaiveDate> {
            match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
                Ok(d) => Some(d),
                Err(_) => {
                    errors.push(FieldError::new(field, "Cần chọn ngày (dd/mm/yyyy)."));
                    None
                }
            }
        };
        let publication = |p: &(String, String, String), prefix: &str, errors: &mut Vec<FieldError>| {
            if p.0.is_empty() && p.1.is_empty() && p.2.is_empty() {
                return None;
            }
            let date = date(&p.1, &format!("{prefix}_date"), errors)?;
            Some(Publication { number: p.0.clone(), date, issuer: p.2.clone() })
        };
        let time_limit = self.limit.parse("time_limit", &mut errors);
        let effective_from = date(&self.effective_from, "effective_from", &mut errors);
        let effective_to =
            if self.effective_to.is_empty() { None } else { date(&self.effective_to, "effective_to", &mut errors) };
        let level = match self.level.as_str() {
            "central" => ProcedureLevel::Central,
            "commune" => ProcedureLevel::Commune,
            _ => ProcedureLevel::Province,
        };
        let online = match self.online.as_str() {
            "full" => OnlineService::Full,
            "none" => OnlineService::None,
            _ => OnlineService::Partial,
        };
        let channels: Vec<Channel> =
            self.methods.iter().filter(|m| m.offered).filter_map(|m| Channel::parse(m.channel)).collect();
        if channels.is_empty() {
            errors.push(FieldError::new("channel_counter", "Cần ít nhất một cách thức nộp hồ sơ."));
        }
        let count = |s: &str, field: &str, default: u8, errors: &mut Vec<FieldError>| match s {
            "" => default,
            s => s.parse::<u8>().unwrap_or_else(|_| {
                errors.push(FieldError::new(field, "Số bản là số từ 0 đến 255."));
                default
            }),
        };
        let documents = self
            .documents
            .iter()
            .enumerate()
            .filter(|(_, d)| !d.name.is_empty())
            .map(|(i, d)| DocumentRequirement {
                name: d.name.clone(),
                originals: count(&d.originals, &format!("doc_originals_{i}"), 1, &mut errors),
                copies: count(&d.copies, &format!("doc_copies_{i}"), 0, &mut errors),
                template: Some(d.template.clone()).filter(|t| !t.is_empty()),
                required: d.required,
            })
            .collect();
        let fees = self
            .fees
            .iter()
            .enumerate()
            .filter(|(_, f)| !f.name.is_empty())
            .map(|(i, f)| {
                let amount = f.amount.replace(['.', ' '], "").parse::<u64>().unwrap_or_else(|_| {
                    errors.push(FieldError::new(format!("fee_amount_{i}"), "Số tiền là số đồng, ví dụ 50.000."));
                    0
                });
                FeeLine {
                    name: f.name.clone(),
                    amount: Vnd(amount),
                    note: Some(f.note.clone()).filter(|n| !n.is_empty()),
                    kind: match f.kind.as_str() {
                        "fee" => Some(FeeKind::Fee),
                        "charge" => Some(FeeKind::Charge),
                        _ => None,
                    },
                    channels: Channel::parse(&f.channel).into_iter().collect(),
                    code: Some(f.code.trim().to_owned()).filter(|c| !c.is_empty()),
                    legal_basis: Some(f.basis.trim().to_owned()).filter(|b| !b.is_empty()),
                    reductions: motcua_domain::catalog::parse_reductions(&f.reductions).unwrap_or_else(|why| {
                        errors.push(FieldError::new(format!("fee_reductions_{i}"), why));
                        Vec::new()
                    }),
                }
            })
            .collect();
        let methods = self
            .methods
            .iter()
            .filter(|m| m.offered)
            .filter_map(|m| {
                let channel = Channel::parse(m.channel)?;
                let limit = if m.limit.value.is_empty() && m.limit.unit != "same-day" {
                    time_limit
                } else {
                    m.limit.parse(&format!("method_{}_value", m.channel), &mut errors)
                };
                Some(ChannelTerms {
                    channel,
                    time_limit: limit?,
                    fee: m.fee.clone(),
                    description: m.description.clone(),
                })
            })
            .collect();
        let steps = self
            .steps
            .iter()
            .enumerate()
            .filter(|(_, s)| !s.name.is_empty())
            .filter_map(|(i, s)| {
                let role = Role::parse(&s.role).or_else(|| {
                    errors.push(FieldError::new(format!("step_role_{i}"), "Cần chọn vai trò."));
                    None
                });
                let budget = s.budget.parse(&format!("step_budget_{i}_value"), &mut errors);
                Some(ProcessStep {
                    name: s.name.clone(),
                    unit: s.unit.clone(),
                    role: role?,
                    budget: budget?,
                    external_agency: Some(s.external.clone()).filter(|e| !e.is_empty()),
                })
            })
            .collect();
        let lines = |s: &str| s.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect();
        let publication_ = publication(&self.publication, "publication", &mut errors);
        let process_decision = publication(&self.process_decision, "process", &mut errors);
        let (Some(time_limit), Some(effective_from), true) = (time_limit, effective_from, errors.is_empty()) else {
            return Err(errors);
        };
        Ok(ProcedureSpec {
            code: self.code.clone(),
            name: self.name.clone(),
            who_may_apply: Some(self.who_may_apply.clone()).filter(|w| !w.is_empty()),
            field: self.field.clone(),
            level,
            time_limit,
            online,
            legacy_level: None,
            channels,
            fees,
            documents,
            result: self.result.clone(),
            legal_bases: lines(&self.legal_bases),
            publication: publication_,
            effective_from,
            effective_to,
            steps,
            sequence: lines(&self.sequence),
            conditions: Some(self.conditions.clone()).filter(|c| !c.is_empty()),
            methods,
            process_decision,
            notes: Some(self.notes.clone()).filter(|n| !n.is_empty()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_version_comes_back_from_its_own_form_unchanged() {
        let mut spec: ProcedureSpec = serde_json::from_value(serde_json::json!({
            "code": "1.004227", "name": "Đăng ký biến động đất đai", "field": "DD", "level": "province",
            "time_limit": "10d", "online": "partial", "channels": ["counter", "online", "postal"],
            "fees": [{"name": "Lệ phí cấp giấy chứng nhận", "amount": 50000, "kind": "charge"},
                     {"name": "Phí thẩm định hồ sơ", "amount": 500000, "kind": "fee"}],
            "documents": [{"name": "Đơn đăng ký", "originals": 1, "copies": 0, "required": true},
                          {"name": "Văn bản ủy quyền (nếu có)", "originals": 1, "copies": 1, "required": false}],
            "result": "Giấy chứng nhận", "legal_bases": ["Luật Đất đai 2024", "Nghị định 101/2024/NĐ-CP"],
            "publication": {"number": "85/QĐ-UBND", "date": "2022-01-10", "issuer": "UBND tỉnh"},
            "effective_from": "2024-08-01",
            "steps": [{"name": "Tiếp nhận", "unit": "VP", "role": "reception", "budget": "4h"},
                      {"name": "Thẩm định", "unit": "DD", "role": "specialist", "budget": "7d"},
                      {"name": "Xác định nghĩa vụ tài chính", "unit": "DD", "role": "specialist", "budget": "1d"},
                      {"name": "Ký duyệt", "unit": "LD", "role": "agency_lead", "budget": "1d"},
                      {"name": "Trả kết quả", "unit": "VP", "role": "reception", "budget": "4h"}]
        }))
        .unwrap();
        spec.sequence = vec!["Nộp hồ sơ".into(), "Nhận kết quả".into()];
        spec.conditions = Some("Đất không có tranh chấp".into());
        spec.steps[2].external_agency = Some("Chi cục Thuế".into());
        let editor = Editor::of(&spec);
        let mut form = HashMap::new();
        let put = |form: &mut HashMap<String, String>, k: String, v: &str| {
            form.insert(k, v.to_owned());
        };
        put(&mut form, "code".into(), &editor.code);
        put(&mut form, "name".into(), &editor.name);
        put(&mut form, "who_may_apply".into(), &editor.who_may_apply);
        put(&mut form, "field".into(), &editor.field);
        put(&mut form, "level".into(), &editor.level);
        put(&mut form, "time_limit_value".into(), &editor.limit.value);
        put(&mut form, "time_limit_unit".into(), &editor.limit.unit);
        put(&mut form, "online".into(), &editor.online);
        put(&mut form, "result".into(), &editor.result);
        put(&mut form, "legal_bases".into(), &editor.legal_bases);
        put(&mut form, "publication_number".into(), &editor.publication.0);
        put(&mut form, "publication_date".into(), &editor.publication.1);
        put(&mut form, "publication_issuer".into(), &editor.publication.2);
        put(&mut form, "effective_from".into(), &editor.effective_from);
        put(&mut form, "conditions".into(), &editor.conditions);
        put(&mut form, "sequence".into(), &editor.sequence);
        for (i, d) in editor.documents.iter().enumerate() {
            put(&mut form, format!("doc_name_{i}"), &d.name);
            put(&mut form, format!("doc_originals_{i}"), &d.originals);
            put(&mut form, format!("doc_copies_{i}"), &d.copies);
            if d.required {
                put(&mut form, format!("doc_required_{i}"), "on");
            }
        }
        for (i, f) in editor.fees.iter().enumerate() {
            put(&mut form, format!("fee_name_{i}"), &f.name);
            put(&mut form, format!("fee_amount_{i}"), &f.amount);
            put(&mut form, format!("fee_kind_{i}"), &f.kind);
        }
        for m in &editor.methods {
            if m.offered {
                put(&mut form, format!("channel_{}", m.channel), "on");
            }
        }
        for (i, s) in editor.steps.iter().enumerate() {
            put(&mut form, format!("step_name_{i}"), &s.name);
            put(&mut form, format!("step_unit_{i}"), &s.unit);
            put(&mut form, format!("step_role_{i}"), &s.role);
            put(&mut form, format!("step_budget_{i}_value"), &s.budget.value);
            put(&mut form, format!("step_budget_{i}_unit"), &s.budget.unit);
            put(&mut form, format!("step_external_{i}"), &s.external);
        }
        let back = Editor::from_form(&form).spec().expect("the form reads back");
        assert_eq!(back.steps, spec.steps);
        assert_eq!(back.documents, spec.documents);
        assert_eq!(back.fees, spec.fees);
        assert_eq!((back.sequence, back.conditions), (spec.sequence, spec.conditions));
        assert_eq!(back.channels, spec.channels);
        assert_eq!(back.time_limit, spec.time_limit);
        assert_eq!(back.legal_bases, spec.legal_bases);
        assert_eq!(back.methods.len(), 3, "one set of terms per channel offered");
    }

    #[test]
    fn wrong_fields_are_named() {
        let mut form = HashMap::new();
        form.insert("time_limit_value".to_owned(), "0".to_owned());
        form.insert("time_limit_unit".to_owned(), "d".to_owned());
        form.insert("fee_name_0".to_owned(), "Lệ phí".to_owned());
        form.insert("fee_amount_0".to_owned(), "năm mươi".to_owned());
        let errors = Editor::from_form(&form).spec().unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        for f in ["code", "name", "result", "time_limit", "effective_from", "channel_counter", "fee_amount_0"] {
            assert!(fields.contains(&f), "{f} in {fields:?}");
        }
    }
}
