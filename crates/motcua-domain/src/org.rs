//! Organisation: agencies in a tree, their units, users and the roles that scope what each may do.
//!
//! Scope is checked here, in the domain, so that no handler can forget it: every dossier action
//! asks the [`Actor`] whether it holds the needed role *in the dossier's agency* (and, for a role
//! bound to a unit, in the unit the current step belongs to).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::types::AgencyCode;

/// The level of an agency in the two-tier local government (since 01/07/2025).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AgencyLevel {
    Province,
    Department,
    /// A public service unit under a department (e.g. the Land Registration Office).
    ServiceUnit,
    Commune,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Agency {
    pub id: Uuid,
    pub parent_id: Option<Uuid>,
    #[schema(value_type = String, example = "000.00.17.H34")]
    pub code: AgencyCode,
    pub name: String,
    pub level: AgencyLevel,
}

/// A unit inside an agency (phòng, chi cục, bộ phận một cửa), named by a short code.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Unit {
    pub id: Uuid,
    pub agency_id: Uuid,
    pub code: String,
    pub name: String,
}

/// What a user may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Tiếp nhận và trả kết quả: the one-stop counter.
    Reception,
    /// Chuyên viên: appraises dossiers.
    Specialist,
    /// Lãnh đạo phòng/đơn vị.
    UnitLead,
    /// Lãnh đạo cơ quan.
    AgencyLead,
    /// Quản trị: catalog, users, calendar.
    Admin,
    /// Thanh tra, giám sát: reads statistics and dossiers, changes nothing.
    Inspector,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Reception => "reception",
            Role::Specialist => "specialist",
            Role::UnitLead => "unit_lead",
            Role::AgencyLead => "agency_lead",
            Role::Admin => "admin",
            Role::Inspector => "inspector",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        [Role::Reception, Role::Specialist, Role::UnitLead, Role::AgencyLead, Role::Admin, Role::Inspector]
            .into_iter()
            .find(|r| r.as_str() == s)
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Role::Reception => "tiếp nhận và trả kết quả",
            Role::Specialist => "chuyên viên",
            Role::UnitLead => "lãnh đạo đơn vị",
            Role::AgencyLead => "lãnh đạo cơ quan",
            Role::Admin => "quản trị",
            Role::Inspector => "thanh tra, giám sát",
        }
    }
}

/// A role held in one agency, optionally limited to one of its units.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RoleGrant {
    pub role: Role,
    pub agency_id: Uuid,
    /// The unit's code, for roles bound to a unit.
    pub unit: Option<String>,
}

/// Who is acting: an officer with role grants, or a citizen account.
#[derive(Debug, Clone, PartialEq)]
pub struct Actor {
    pub user_id: Uuid,
    pub name: String,
    pub grants: Vec<RoleGrant>,
    pub citizen: bool,
}

impl Actor {
    /// Whether the actor holds `role` in `agency_id` for `unit`: a grant without a unit covers
    /// the whole agency, so every unit; a grant bound to a unit covers that unit only, and never
    /// a check that names no unit (that asks for the whole agency).
    pub fn has_role(&self, role: Role, agency_id: Uuid, unit: Option<&str>) -> bool {
        self.grants.iter().any(|g| {
            g.role == role
                && g.agency_id == agency_id
                && match (&g.unit, unit) {
                    (None, _) => true,
                    (Some(mine), Some(wanted)) => mine == wanted,
                    (Some(_), None) => false,
                }
        })
    }

    /// Whether the actor may work a step of the internal process held by `role` in `unit`:
    /// forward it, send it back, ask for a supplement or a payment, attach documents. The step's
    /// own role may, and so may the unit's lead for the steps of the people under them
    /// (reception, specialists); nobody else.
    pub fn may_work_step(&self, role: Role, agency_id: Uuid, unit: &str) -> bool {
        self.has_role(role, agency_id, Some(unit))
            || (matches!(role, Role::Reception | Role::Specialist)
                && self.has_role(Role::UnitLead, agency_id, Some(unit)))
    }

    /// Whether the actor may take the decision of a step held by `role` in `unit`: the step's
    /// own role, or the agency's lead where the step is a unit lead's.
    pub fn may_decide_step(&self, role: Role, agency_id: Uuid, unit: &str) -> bool {
        self.has_role(role, agency_id, Some(unit))
            || (role == Role::UnitLead && self.has_role(Role::AgencyLead, agency_id, None))
    }

    /// Whether the actor holds any of `roles` in the agency (and unit).
    pub fn has_any(&self, roles: &[Role], agency_id: Uuid, unit: Option<&str>) -> bool {
        roles.iter().any(|r| self.has_role(*r, agency_id, unit))
    }

    /// Whether the actor is an officer (any role) of the agency: who may read its dossiers.
    pub fn is_staff_of(&self, agency_id: Uuid) -> bool {
        self.grants.iter().any(|g| g.agency_id == agency_id)
    }

    /// The agencies the actor works in.
    pub fn agencies(&self) -> Vec<Uuid> {
        let mut out: Vec<Uuid> = self.grants.iter().map(|g| g.agency_id).collect();
        out.sort();
        out.dedup();
        out
    }
}

/// What an agency writes on the documents it issues (Decree 30/2020): the place before the
/// date ("Khánh Hòa, ngày … tháng … năm …") and the symbol after each number ("Số: 12/PTN-VPĐK").
/// Each form's series has its own prefix (`PTN` for Mẫu 01…), configurable per agency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormStyle {
    /// The place name; empty: a blank line to fill by hand.
    pub place: String,
    /// The agency's symbol (ký hiệu), e.g. `VPĐK`.
    pub symbol: String,
    /// Prefixes chosen by the agency, by form (its stored name), over the defaults.
    pub prefixes: Vec<(String, String)>,
}

impl FormStyle {
    /// The settings' keys.
    pub const PLACE: &'static str = "forms.place";
    pub const SYMBOL: &'static str = "forms.symbol";
    pub const PREFIX: &'static str = "forms.prefix.";

    /// The style of `agency` from its stored settings; the symbol defaults to the initials of
    /// its name ("Sở Nông nghiệp và Môi trường": `SNNMT`).
    pub fn of(agency: &Agency, settings: &[(String, String)]) -> FormStyle {
        let get = |k: &str| settings.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());
        FormStyle {
            place: get(Self::PLACE).unwrap_or_default(),
            symbol: get(Self::SYMBOL).unwrap_or_else(|| initials(&agency.name)),
            prefixes: settings
                .iter()
                .filter_map(|(k, v)| k.strip_prefix(Self::PREFIX).map(|kind| (kind.to_owned(), v.clone())))
                .collect(),
        }
    }

    /// "12/PTN-SNNMT"; without a number, a blank to fill ("……/PTN-SNNMT").
    pub fn number(&self, kind: crate::dossier::FormKind, number: Option<u32>) -> String {
        let prefix =
            self.prefixes.iter().find(|(k, _)| k == kind.as_str()).map_or(kind.default_prefix(), |(_, p)| p.as_str());
        let n = number.map_or_else(|| "……".to_owned(), |n| format!("{n:02}"));
        format!("{n}/{prefix}-{}", self.symbol)
    }

    /// "Khánh Hòa, ngày 05 tháng 9 năm 2026".
    pub fn place_date(&self, date: chrono::NaiveDate) -> String {
        let place = if self.place.is_empty() { "……………" } else { &self.place };
        format!("{place}, {}", crate::text::official_date(date))
    }
}

/// The capitals of a name's words, "và" and the place ("tỉnh Khánh Hòa") left out: "Sở Nông
/// nghiệp và Môi trường tỉnh Khánh Hòa" → `SNNMT`.
fn initials(name: &str) -> String {
    const PLACES: [&str; 5] = ["tỉnh", "thành", "huyện", "quận", "xã"];
    name.split_whitespace()
        .take_while(|w| !PLACES.contains(&w.to_lowercase().as_str()))
        .filter(|w| !w.eq_ignore_ascii_case("và"))
        .filter_map(|w| w.chars().next())
        .flat_map(char::to_uppercase)
        .collect()
}

#[cfg(test)]
mod form_style_tests {
    use super::*;
    use crate::dossier::FormKind;

    fn agency(name: &str) -> Agency {
        Agency {
            id: Uuid::nil(),
            parent_id: None,
            code: AgencyCode::parse("000.00.17.H34").unwrap(),
            name: name.into(),
            level: AgencyLevel::Province,
        }
    }

    #[test]
    fn numbers_carry_the_agency_symbol_and_the_form_prefix() {
        let a = agency("Sở Nông nghiệp và Môi trường tỉnh Khánh Hòa");
        let style = FormStyle::of(&a, &[]);
        assert_eq!(style.number(FormKind::Receipt, Some(12)), "12/PTN-SNNMT");
        assert_eq!(style.number(FormKind::Completion, Some(3)), "03/PBS-SNNMT");
        let settings = vec![
            (FormStyle::SYMBOL.to_owned(), "VPĐK".to_owned()),
            (format!("{}receipt", FormStyle::PREFIX), "TNHS".to_owned()),
            (FormStyle::PLACE.to_owned(), "Khánh Hòa".to_owned()),
        ];
        let style = FormStyle::of(&a, &settings);
        assert_eq!(style.number(FormKind::Receipt, Some(120)), "120/TNHS-VPĐK");
        assert_eq!(style.number(FormKind::IntakeRefusal, None), "……/PTC-VPĐK");
        let d = chrono::NaiveDate::from_ymd_opt(2026, 3, 5).unwrap();
        assert_eq!(style.place_date(d), "Khánh Hòa, ngày 05 tháng 3 năm 2026");
    }
}
