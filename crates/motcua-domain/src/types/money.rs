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

/// An amount in Vietnamese words, as a receipt writes it (Decree 254/2026 Art. 23(2)(đ)):
/// "Một trăm năm mươi nghìn đồng".
///
/// ```
/// use motcua_domain::types::amount_in_words;
/// assert_eq!(amount_in_words(150_000), "Một trăm năm mươi nghìn đồng");
/// assert_eq!(amount_in_words(1_005_000), "Một triệu không trăm linh năm nghìn đồng");
/// assert_eq!(amount_in_words(0), "Không đồng");
/// ```
pub fn amount_in_words(n: u64) -> String {
    const DIGITS: [&str; 10] = ["không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín"];
    const UNITS: [&str; 7] = ["", "nghìn", "triệu", "tỷ", "nghìn tỷ", "triệu tỷ", "tỷ tỷ"];
    if n == 0 {
        return "Không đồng".into();
    }
    let mut groups = Vec::new();
    let mut rest = n;
    while rest > 0 {
        groups.push((rest % 1000) as usize);
        rest /= 1000;
    }
    let mut words: Vec<String> = Vec::new();
    let top = groups.len() - 1;
    for (i, &g) in groups.iter().enumerate().rev() {
        if g == 0 {
            continue;
        }
        let (h, t, u) = (g / 100, g / 10 % 10, g % 10);
        let mut part: Vec<&str> = Vec::new();
        if i != top || h > 0 {
            part.extend([DIGITS[h], "trăm"]);
        }
        match t {
            0 if u > 0 && !part.is_empty() => part.push("linh"),
            0 => {}
            1 => part.push("mười"),
            t => part.extend([DIGITS[t], "mươi"]),
        }
        match u {
            0 => {}
            1 if t >= 2 => part.push("mốt"),
            4 if t >= 2 => part.push("tư"),
            5 if t >= 1 => part.push("lăm"),
            u => part.push(DIGITS[u]),
        }
        words.push(part.join(" "));
        if !UNITS[i].is_empty() {
            words.push(UNITS[i].to_owned());
        }
    }
    let text = words.join(" ");
    let mut chars = text.chars();
    let first = chars.next().map(|c| c.to_uppercase().collect::<String>()).unwrap_or_default();
    format!("{first}{} đồng", chars.as_str())
}
