//! The catalog as CSV, one procedure a row, for spreadsheets (save as CSV UTF-8 from Excel or
//! LibreOffice). Lists inside a cell are separated by ` | `; the parts of a fee, a document or a
//! step by ` ; `. Export then import gives back the same procedures.
//!
//! | column | example |
//! |---|---|
//! | fees | `Phí thẩm định ; 500000 ; ghi chú | Lệ phí ; 50000` |
//! | documents | `Đơn đăng ký ; 1 ; 0 ; bắt buộc | Văn bản ủy quyền ; 1 ; 0 ; không bắt buộc` |
//! | steps | `Tiếp nhận ; VP ; reception ; 4h | Thuế ; DD ; specialist ; 2d ; Thuế tỉnh` (the last part: the other agency of an inter-agency step) |
//! | fee_kinds, fee_channels | one item per fee, in order: `charge \| fee \| -`; `- \| online \| -` (`-`: unset) |
//! | sequence | `Nộp hồ sơ | Nhận kết quả` |
//! | methods | `counter ; 10d ; Lệ phí 50.000 đồng ; Nộp tại quầy | online ; 8d ; ; Nộp trên Cổng` |
//!
//! The columns after `notes` (fee kinds and channels, sequence, conditions, methods, the decision
//! approving the internal process) may be left out: a spreadsheet of the older layout reads.

use anyhow::Context as _;
use std::io::{Read, Write};

use motcua_domain::catalog::{DocumentRequirement, FeeLine, Field, ProcedureSpec, ProcessStep, Publication};
use motcua_domain::org::Role;
use motcua_domain::types::Vnd;
use serde::{Deserialize, Serialize};

use motcua_app::catalog::{AgencyProcedure, CatalogFile};

const LIST: &str = " | ";
const PART: &str = " ; ";

#[derive(Debug, Serialize, Deserialize)]
struct Row {
    agency: String,
    code: String,
    name: String,
    who_may_apply: String,
    field: String,
    field_name: String,
    level: String,
    time_limit: String,
    online: String,
    legacy_level: String,
    channels: String,
    fees: String,
    documents: String,
    result: String,
    legal_bases: String,
    publication_number: String,
    publication_date: String,
    publication_issuer: String,
    effective_from: String,
    effective_to: String,
    steps: String,
    notes: String,
    #[serde(default)]
    fee_kinds: String,
    #[serde(default)]
    fee_channels: String,
    #[serde(default)]
    sequence: String,
    #[serde(default)]
    conditions: String,
    #[serde(default)]
    methods: String,
    #[serde(default)]
    process_decision_number: String,
    #[serde(default)]
    process_decision_date: String,
    #[serde(default)]
    process_decision_issuer: String,
}

/// An unset item of an aligned list.
const UNSET: &str = "-";

fn json_str<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

fn from_str<T: for<'de> Deserialize<'de>>(s: &str, what: &str) -> Result<T, String> {
    serde_json::from_value(serde_json::Value::String(s.trim().to_owned()))
        .map_err(|_| format!("{what} \"{s}\" không hợp lệ"))
}

fn split(cell: &str) -> Vec<&str> {
    cell.split(LIST).map(str::trim).filter(|s| !s.is_empty()).collect()
}

/// The first `n - 1` parts of an item, and the rest as the last (a note may hold " ; ").
fn parts(item: &str, n: usize) -> Vec<&str> {
    item.splitn(n, PART).map(str::trim).collect()
}

pub fn write(catalog: &CatalogFile, out: impl Write) -> anyhow::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    for p in &catalog.procedures {
        let s = &p.spec;
        let row = Row {
            agency: p.agency.clone(),
            code: s.code.clone(),
            name: s.name.clone(),
            who_may_apply: s.who_may_apply.clone().unwrap_or_default(),
            field: s.field.clone(),
            field_name: catalog.fields.iter().find(|f| f.code == s.field).map(|f| f.name.clone()).unwrap_or_default(),
            level: json_str(&s.level),
            time_limit: s.time_limit.to_string(),
            online: json_str(&s.online),
            legacy_level: s.legacy_level.map(|l| l.to_string()).unwrap_or_default(),
            channels: s.channels.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(LIST),
            fees: s
                .fees
                .iter()
                .map(|f| match &f.note {
                    Some(note) => format!("{}{PART}{}{PART}{note}", f.name, f.amount.0),
                    None => format!("{}{PART}{}", f.name, f.amount.0),
                })
                .collect::<Vec<_>>()
                .join(LIST),
            documents: s
                .documents
                .iter()
                .map(|d| {
                    let required = if d.required { "bắt buộc" } else { "không bắt buộc" };
                    let template = d.template.as_deref().map(|t| format!("{PART}{t}")).unwrap_or_default();
                    format!("{}{PART}{}{PART}{}{PART}{required}{template}", d.name, d.originals, d.copies)
                })
                .collect::<Vec<_>>()
                .join(LIST),
            result: s.result.clone(),
            legal_bases: s.legal_bases.join(LIST),
            publication_number: s.publication.as_ref().map(|p| p.number.clone()).unwrap_or_default(),
            publication_date: s.publication.as_ref().map(|p| p.date.to_string()).unwrap_or_default(),
            publication_issuer: s.publication.as_ref().map(|p| p.issuer.clone()).unwrap_or_default(),
            effective_from: s.effective_from.to_string(),
            effective_to: s.effective_to.map(|d| d.to_string()).unwrap_or_default(),
            steps: s
                .steps
                .iter()
                .map(|st| {
                    let external = st.external_agency.as_deref().map(|e| format!("{PART}{e}")).unwrap_or_default();
                    format!("{}{PART}{}{PART}{}{PART}{}{external}", st.name, st.unit, st.role.as_str(), st.budget)
                })
                .collect::<Vec<_>>()
                .join(LIST),
            notes: s.notes.clone().unwrap_or_default(),
            fee_kinds: s
                .fees
                .iter()
                .map(|f| f.kind.map_or(UNSET.to_owned(), |k| json_str(&k)))
                .collect::<Vec<_>>()
                .join(LIST),
            fee_channels: s
                .fees
                .iter()
                .map(|f| f.channels.first().map_or(UNSET, |c| c.as_str()))
                .collect::<Vec<_>>()
                .join(LIST),
            sequence: s.sequence.join(LIST),
            conditions: s.conditions.clone().unwrap_or_default(),
            methods: s
                .methods
                .iter()
                .map(|m| format!("{}{PART}{}{PART}{}{PART}{}", m.channel.as_str(), m.time_limit, m.fee, m.description))
                .collect::<Vec<_>>()
                .join(LIST),
            process_decision_number: s.process_decision.as_ref().map(|p| p.number.clone()).unwrap_or_default(),
            process_decision_date: s.process_decision.as_ref().map(|p| p.date.to_string()).unwrap_or_default(),
            process_decision_issuer: s.process_decision.as_ref().map(|p| p.issuer.clone()).unwrap_or_default(),
        };
        w.serialize(row)?;
    }
    w.flush().map_err(anyhow::Error::from)
}

/// Reads a CSV catalog; an error names the row (as a spreadsheet numbers it) and the column.
pub fn read(input: impl Read) -> anyhow::Result<CatalogFile> {
    let mut r = csv::Reader::from_reader(input);
    let mut catalog = CatalogFile { fields: Vec::new(), procedures: Vec::new() };
    for (i, row) in r.deserialize::<Row>().enumerate() {
        let line = i + 2;
        let row = row.with_context(|| format!("dòng {line}"))?;
        let spec = parse_row(&row).with_context(|| format!("dòng {line}"))?;
        if !catalog.fields.iter().any(|f: &Field| f.code == row.field) {
            catalog.fields.push(Field { code: row.field.clone(), name: row.field_name.clone() });
        }
        catalog.procedures.push(AgencyProcedure { agency: row.agency, spec });
    }
    Ok(catalog)
}

fn parse_row(row: &Row) -> anyhow::Result<ProcedureSpec> {
    let date = |s: &str, what: &str| {
        chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
            .map_err(|_| anyhow::anyhow!("{what}: ngày \"{s}\" cần dạng YYYY-MM-DD"))
    };
    let kinds = split(&row.fee_kinds);
    let fee_channels = split(&row.fee_channels);
    let fees = split(&row.fees)
        .into_iter()
        .enumerate()
        .map(|(i, item)| {
            let p = parts(item, 3);
            let amount = p
                .get(1)
                .and_then(|a| a.replace('.', "").parse::<u64>().ok())
                .ok_or(format!("fees: \"{item}\" cần dạng tên ; số tiền"))?;
            Ok(FeeLine {
                name: p[0].to_owned(),
                amount: Vnd(amount),
                note: p.get(2).map(|n| (*n).to_owned()).filter(|n| !n.is_empty()),
                kind: match kinds.get(i).copied().filter(|k| *k != UNSET) {
                    Some(k) => Some(from_str(k, "fee_kinds")?),
                    None => None,
                },
                channels: match fee_channels.get(i).copied().filter(|c| *c != UNSET) {
                    Some(c) => vec![from_str(c, "fee_channels")?],
                    None => vec![],
                },
                code: None,
                legal_basis: None,
                reductions: Vec::new(),
            })
        })
        .collect::<Result<Vec<_>, String>>()
        .map_err(anyhow::Error::msg)?;
    let documents = split(&row.documents)
        .into_iter()
        .map(|item| {
            let p = parts(item, 5);
            let number = |i: usize| {
                p.get(i)
                    .and_then(|n| n.parse::<u8>().ok())
                    .ok_or(format!("documents: \"{item}\" cần dạng tên ; bản chính ; bản sao ; bắt buộc"))
            };
            Ok(DocumentRequirement {
                name: p[0].to_owned(),
                originals: number(1)?,
                copies: number(2)?,
                required: p.get(3).is_none_or(|r| *r != "không bắt buộc"),
                template: p.get(4).map(|t| (*t).to_owned()),
            })
        })
        .collect::<Result<Vec<_>, String>>()
        .map_err(anyhow::Error::msg)?;
    let steps = split(&row.steps)
        .into_iter()
        .map(|item| {
            let p = parts(item, 5);
            let bad = || format!("steps: \"{item}\" cần dạng tên ; đơn vị ; vai trò ; thời gian");
            if p.len() < 4 {
                return Err(bad());
            }
            Ok(ProcessStep {
                name: p[0].to_owned(),
                unit: p[1].to_owned(),
                role: Role::parse(p[2]).ok_or_else(bad)?,
                budget: p[3].parse().map_err(|e: String| format!("steps: {e}"))?,
                external_agency: p.get(4).map(|e| (*e).to_owned()),
            })
        })
        .collect::<Result<Vec<_>, String>>()
        .map_err(anyhow::Error::msg)?;
    let publication = if row.publication_number.trim().is_empty() {
        None
    } else {
        Some(Publication {
            number: row.publication_number.clone(),
            date: date(&row.publication_date, "publication_date")?,
            issuer: row.publication_issuer.clone(),
        })
    };
    let methods = split(&row.methods)
        .into_iter()
        .map(|item| {
            let p = parts(item, 4);
            let bad = || format!("methods: \"{item}\" cần dạng cách thức ; thời hạn ; phí ; mô tả");
            Ok(motcua_domain::catalog::ChannelTerms {
                channel: from_str(p.first().copied().unwrap_or(""), "methods").map_err(|_| bad())?,
                time_limit: p.get(1).ok_or_else(bad)?.parse().map_err(|e: String| format!("methods: {e}"))?,
                fee: p.get(2).map(|f| (*f).to_owned()).unwrap_or_default(),
                description: p.get(3).map(|d| (*d).to_owned()).unwrap_or_default(),
            })
        })
        .collect::<Result<Vec<_>, String>>()
        .map_err(anyhow::Error::msg)?;
    let process_decision = if row.process_decision_number.trim().is_empty() {
        None
    } else {
        Some(Publication {
            number: row.process_decision_number.clone(),
            date: date(&row.process_decision_date, "process_decision_date")?,
            issuer: row.process_decision_issuer.clone(),
        })
    };
    Ok(ProcedureSpec {
        code: row.code.trim().to_owned(),
        name: motcua_domain::text::nfc(&row.name),
        who_may_apply: Some(motcua_domain::text::nfc(&row.who_may_apply)).filter(|w| !w.is_empty()),
        field: row.field.trim().to_owned(),
        level: from_str(&row.level, "level").map_err(anyhow::Error::msg)?,
        time_limit: row.time_limit.trim().parse().map_err(anyhow::Error::msg)?,
        online: from_str(&row.online, "online").map_err(anyhow::Error::msg)?,
        legacy_level: match row.legacy_level.trim() {
            "" => None,
            l => Some(l.parse().map_err(|_| anyhow::anyhow!("legacy_level \"{l}\" không hợp lệ"))?),
        },
        channels: split(&row.channels)
            .into_iter()
            .map(|c| from_str(c, "channels"))
            .collect::<Result<_, _>>()
            .map_err(anyhow::Error::msg)?,
        fees,
        documents,
        result: row.result.clone(),
        legal_bases: split(&row.legal_bases).into_iter().map(str::to_owned).collect(),
        publication,
        effective_from: date(&row.effective_from, "effective_from")?,
        effective_to: match row.effective_to.trim() {
            "" => None,
            d => Some(date(d, "effective_to")?),
        },
        steps,
        sequence: split(&row.sequence).into_iter().map(str::to_owned).collect(),
        conditions: Some(row.conditions.clone()).filter(|c| !c.is_empty()),
        methods,
        process_decision,
        notes: Some(row.notes.clone()).filter(|n| !n.is_empty()),
    })
}
