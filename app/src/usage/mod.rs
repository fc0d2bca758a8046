//! Usage: authenticated `/v1` requests counted per key per day, metered
//! usage reported by other services, the `/usage` page, and the dashboard's
//! getting-started checklist.

pub mod chart;
pub mod pages;
pub mod server_fns;
#[cfg(feature = "ssr")]
pub mod ssr;

use crate::date_label::DateLabel;
use serde::{Deserialize, Serialize};

/// The current billing period as `/usage` shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UsageOverview {
    pub period_start: DateLabel,
    /// The period's last day (it ends at the next midnight, UTC).
    pub period_last_day: DateLabel,
    pub requests: i64,
    pub tokens: i64,
    pub tokens_by_model: Vec<(String, i64)>,
    pub storage_gb_hours: f64,
    pub storage_current_gb: f64,
    pub sessions_uploaded: i64,
    pub examples_generated: i64,
    pub cost: CostView,
    /// The last 30 days, oldest first.
    pub daily: Vec<DayRequests>,
    pub keys: Vec<KeyUsage>,
}

/// Amounts formatted with their currency on the server.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CostView {
    pub tokens: String,
    pub storage: String,
    pub total: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DayRequests {
    /// "2026-11-21".
    pub iso: String,
    /// "21 Nov".
    pub label: String,
    pub requests: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KeyUsage {
    pub name: String,
    pub masked: String,
    pub revoked: bool,
    pub requests: i64,
}

/// The dashboard's checklist, from real state, and a usage summary.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GettingStarted {
    /// None while the Payment MS cannot be asked.
    pub subscribed: Option<bool>,
    /// Keys need a confirmed address.
    pub email_confirmed: bool,
    pub has_key: bool,
    pub api_called: bool,
    pub requests: i64,
    pub tokens: i64,
    pub estimated_cost: String,
    pub period_start: DateLabel,
}

/// 1234567 → "1,234,567".
pub fn grouped(number: i64) -> String {
    let digits = number.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if number < 0 {
        out.push('-');
    }
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// 1, "API request" → "1 API request"; 3 → "3 API requests".
pub fn counted(number: i64, thing: &str) -> String {
    let s = if number == 1 { "" } else { "s" };
    format!("{} {thing}{s}", grouped(number))
}

#[cfg(test)]
mod tests {
    #[test]
    fn numbers_are_grouped_by_thousands() {
        for (number, text) in [
            (0, "0"),
            (999, "999"),
            (1000, "1,000"),
            (1_234_567, "1,234,567"),
            (-45_000, "-45,000"),
        ] {
            assert_eq!(super::grouped(number), text);
        }
    }
}
