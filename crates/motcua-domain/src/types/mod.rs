//! Values parsed at the boundary into types that cannot hold a bad value.

mod agency_code;
mod citizen_id;
mod dossier_code;
mod email;
mod money;
mod phone;
mod tax_code;

pub use agency_code::AgencyCode;
pub use citizen_id::CitizenId;
pub use dossier_code::DossierCode;
pub use email::Email;
pub use money::{Vnd, amount_in_words, thousands};
pub use phone::PhoneNumber;
pub use tax_code::TaxCode;

/// Implements `Display`, `Serialize`, `Deserialize` (through `parse`) and `as_str` for a string
/// newtype, so each type file holds only its rules.
macro_rules! string_newtype {
    ($name:ident) => {
        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                $name::parse(&s).map_err(serde::de::Error::custom)
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                $name::parse(s)
            }
        }
    };
}
pub(crate) use string_newtype;
