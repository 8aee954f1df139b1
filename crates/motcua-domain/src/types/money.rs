//! Amounts in Vietnamese đồng (no minor unit), shown as `1.500.000 đ`.

use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(transparent)]
pub struct Vnd(pub u64);

impl fmt::Display for Vnd {
    /// ```
    /// use motcua_domain::types::Vnd;
    /// assert_eq!(Vnd(1_500_000).to_string(), "1.500.000 đ");
    /// assert_eq!(Vnd(0).to_string(), "0 đ");
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} đ", thousands(self.0))
    }
}

/// A count with `.` between thousands, as Vietnamese writes numbers.
///
/// ```
/// assert_eq!(motcua_domain::types::thousands(1234567), "1.234.567");
/// ```
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out
}

impl std::ops::Add for Vnd {
    type Output = Vnd;
    fn add(self, rhs: Vnd) -> Vnd {
        Vnd(self.0.saturating_add(rhs.0))
    }
}

impl std::iter::Sum for Vnd {
    fn sum<I: Iterator<Item = Vnd>>(iter: I) -> Vnd {
        iter.fold(Vnd(0), |a, b| a + b)
    }
}
