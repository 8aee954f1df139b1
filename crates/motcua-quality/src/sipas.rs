//! The SIPAS-style satisfaction survey: a definition stored as data (`sipas.toml`: five elements,
//! their criteria, a 5-point scale, a question on what to improve first), raw answers, and the
//! indices as `vn-regulatory.md` §4 gives them: an element's index is the share of "satisfied"
//! and "very satisfied" (4 and 5) among its valid answers; the overall index is the mean of the
//! five element indices (elements without answers are left out).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::report06::percent;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Element {
    pub id: String,
    pub name: String,
    pub criteria: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Survey {
    pub version: String,
    pub scale: Vec<String>,
    pub expectations: String,
    pub element: Vec<Element>,
}

impl Survey {
    /// The built-in questionnaire.
    pub fn builtin() -> Survey {
        toml::from_str(include_str!("../sipas.toml")).expect("sipas.toml is valid (tested)")
    }

    /// Each criterion's key (`staff.3`) and wording, in order.
    pub fn criteria(&self) -> Vec<(String, &str, &Element)> {
        self.element
            .iter()
            .flat_map(|e| {
                e.criteria.iter().enumerate().map(move |(i, c)| (format!("{}.{}", e.id, i + 1), c.as_str(), e))
            })
            .collect()
    }
}

/// One respondent's answers: a score 1–5 per criterion key answered, and the elements they want
/// improved first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Response {
    pub answers: BTreeMap<String, u8>,
    pub expectations: Vec<String>,
}

/// Why a response was refused, by field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseError {
    pub field: String,
    pub message: String,
}

impl Survey {
    /// Reads a submitted form: `c.<criterion key>` = 1–5 (blank: not answered), `expect` = an
    /// element id (at most three). At least one answer is needed.
    pub fn parse(&self, form: &[(String, String)]) -> Result<Response, Vec<ResponseError>> {
        let keys: Vec<String> = self.criteria().into_iter().map(|(k, _, _)| k).collect();
        let mut response = Response::default();
        let mut errors = Vec::new();
        for (name, value) in form {
            let value = value.trim();
            if let Some(key) = name.strip_prefix("c.") {
                if value.is_empty() {
                    continue;
                }
                match value.parse::<u8>() {
                    Ok(v @ 1..=5) if keys.iter().any(|k| k == key) => {
                        response.answers.insert(key.to_owned(), v);
                    }
                    _ => errors.push(ResponseError {
                        field: name.clone(), message: "chọn một mức từ 1 đến 5".into()
                    }),
                }
            } else if name == "expect" && !value.is_empty() {
                if self.element.iter().any(|e| e.id == value) {
                    if !response.expectations.iter().any(|x| x == value) {
                        response.expectations.push(value.to_owned());
                    }
                } else {
                    errors.push(ResponseError {
                        field: "expect".into(), message: "lựa chọn không hợp lệ".into()
                    });
                }
            }
        }
        if response.expectations.len() > 3 {
            errors.push(ResponseError { field: "expect".into(), message: "chọn tối đa 3 điều".into() });
        }
        if response.answers.is_empty() && errors.is_empty() {
            errors.push(ResponseError { field: "".into(), message: "hãy trả lời ít nhất một câu".into() });
        }
        if errors.is_empty() { Ok(response) } else { Err(errors) }
    }
}

/// One element's figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ElementIndex {
    pub id: String,
    pub name: String,
    pub answers: u64,
    pub satisfied: u64,
    /// Percent, two decimals; `None` without answers.
    pub index: Option<f64>,
    /// How many respondents want it improved first.
    pub expected: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SipasIndex {
    pub responses: u64,
    pub elements: Vec<ElementIndex>,
    /// The mean of the element indices, two decimals.
    pub overall: Option<f64>,
}

pub fn index(survey: &Survey, responses: &[Response]) -> SipasIndex {
    let elements: Vec<ElementIndex> = survey
        .element
        .iter()
        .map(|e| {
            let prefix = format!("{}.", e.id);
            let scores: Vec<u8> = responses
                .iter()
                .flat_map(|r| r.answers.iter().filter(|(k, _)| k.starts_with(&prefix)).map(|(_, v)| *v))
                .collect();
            let answers = scores.len() as u64;
            let satisfied = scores.iter().filter(|s| **s >= 4).count() as u64;
            ElementIndex {
                id: e.id.clone(),
                name: e.name.clone(),
                answers,
                satisfied,
                index: (answers > 0).then(|| percent(satisfied, answers)),
                expected: responses.iter().filter(|r| r.expectations.contains(&e.id)).count() as u64,
            }
        })
        .collect();
    let with: Vec<f64> = elements.iter().filter_map(|e| e.index).collect();
    let overall = (!with.is_empty()).then(|| (with.iter().sum::<f64>() / with.len() as f64 * 100.0).round() / 100.0);
    SipasIndex { responses: responses.len() as u64, elements, overall }
}
