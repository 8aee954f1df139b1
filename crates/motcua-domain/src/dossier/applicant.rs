//! The applicant (người nộp hồ sơ): a person or an organisation, parsed from raw input into
//! fields that cannot hold a bad value, with one error per bad field.

use serde::{Deserialize, Serialize};

use crate::error::{DomainError, FieldError};
use crate::text::{ADDRESS_MAX, NAME_MAX, clean};
use crate::types::{CitizenId, Email, PhoneNumber, TaxCode};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ApplicantKind {
    Person,
    Organisation,
}

/// A parsed applicant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Applicant {
    pub kind: ApplicantKind,
    pub name: String,
    #[schema(value_type = Option<String>)]
    pub citizen_id: Option<CitizenId>,
    #[schema(value_type = Option<String>)]
    pub tax_code: Option<TaxCode>,
    #[schema(value_type = String)]
    pub phone: PhoneNumber,
    #[schema(value_type = Option<String>)]
    pub email: Option<Email>,
    pub address: String,
    /// What the applicant agreed to be told by.
    #[serde(default)]
    pub consent: NotifyConsent,
}

/// The applicant's consent to be told about the dossier by SMS and by e-mail (the personal
/// data law): asked at the counter and when submitting online, kept with the dossier, and obeyed
/// by the worker. A dossier that does not say (older dossiers, the national portal's, an API
/// client that leaves it out) counts as consenting: the phone and e-mail are asked for that.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct NotifyConsent {
    pub sms: bool,
    pub email: bool,
}

impl Default for NotifyConsent {
    fn default() -> Self {
        NotifyConsent { sms: true, email: true }
    }
}

/// What a form or an API client sends.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ApplicantInput {
    pub kind: Option<ApplicantKind>,
    pub name: Option<String>,
    pub citizen_id: Option<String>,
    pub tax_code: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub address: Option<String>,
    /// Absent: consenting to both (see [`NotifyConsent`]).
    #[serde(default)]
    pub consent: Option<NotifyConsent>,
}

impl ApplicantInput {
    /// Parses every field, collecting all errors (`applicant.phone`, …) rather than the first.
    pub fn parse(&self) -> Result<Applicant, DomainError> {
        let mut errors = Vec::new();
        let field = |name: &str| format!("applicant.{name}");
        let present = |v: &Option<String>| v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
        let kind = self.kind.unwrap_or(ApplicantKind::Person);
        let name = present(&self.name)
            .and_then(|n| clean(&n, NAME_MAX, false).map_err(|e| errors.push(FieldError::new(field("name"), e))).ok());
        if present(&self.name).is_none() {
            errors.push(FieldError::new(field("name"), "cần nhập họ tên hoặc tên tổ chức"));
        }
        let citizen_id = parse_optional(present(&self.citizen_id), CitizenId::parse, &field("citizen_id"), &mut errors);
        let tax_code = parse_optional(present(&self.tax_code), TaxCode::parse, &field("tax_code"), &mut errors);
        match kind {
            ApplicantKind::Person if citizen_id.is_none() && present(&self.citizen_id).is_none() => {
                errors.push(FieldError::new(field("citizen_id"), "cần nhập số định danh cá nhân (12 chữ số)"))
            }
            ApplicantKind::Organisation if tax_code.is_none() && present(&self.tax_code).is_none() => {
                errors.push(FieldError::new(field("tax_code"), "cần nhập mã số thuế của tổ chức"))
            }
            _ => {}
        }
        let phone = parse_optional(present(&self.phone), PhoneNumber::parse, &field("phone"), &mut errors);
        if present(&self.phone).is_none() {
            errors.push(FieldError::new(field("phone"), "cần nhập số điện thoại để nhận thông báo"));
        }
        let email = parse_optional(present(&self.email), Email::parse, &field("email"), &mut errors);
        let address = present(&self.address).and_then(|a| {
            clean(&a, ADDRESS_MAX, false).map_err(|e| errors.push(FieldError::new(field("address"), e))).ok()
        });
        if present(&self.address).is_none() {
            errors.push(FieldError::new(field("address"), "cần nhập địa chỉ"));
        }
        match (name, phone, address) {
            (Some(name), Some(phone), Some(address)) if errors.is_empty() => {
                let consent = self.consent.unwrap_or_default();
                Ok(Applicant { kind, name, citizen_id, tax_code, phone, email, address, consent })
            }
            _ => Err(DomainError::Invalid(errors)),
        }
    }
}

/// Parses a value that may be absent, recording its error under `field`.
fn parse_optional<T>(
    value: Option<String>,
    parse: fn(&str) -> Result<T, String>,
    field: &str,
    errors: &mut Vec<FieldError>,
) -> Option<T> {
    match parse(&value?) {
        Ok(v) => Some(v),
        Err(e) => {
            errors.push(FieldError::new(field, e));
            None
        }
    }
}
