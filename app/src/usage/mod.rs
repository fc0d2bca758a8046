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

/// The stretch of time `/usage` shows (`?period=7d|30d|billing`): its
/// cards, chart and tables all cover it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum UsageWindow {
    LastWeek,
    LastMonth,
    #[default]
    BillingPeriod,
}

impl UsageWindow {
    pub const ALL: [UsageWindow; 3] = [Self::LastWeek, Self::LastMonth, Self::BillingPeriod];

    pub fn slug(self) -> &'static str {
        match self {
            Self::LastWeek => "7d",
            Self::LastMonth => "30d",
            Self::BillingPeriod => "billing",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::LastWeek => "Last 7 days",
            Self::LastMonth => "Last 30 days",
            Self::BillingPeriod => "Billing period",
        }
    }

    /// The window an address names; the billing period otherwise.
    pub fn from_slug(slug: Option<&str>) -> Self {
        Self::ALL
            .into_iter()
            .find(|window| Some(window.slug()) == slug)
            .unwrap_or_default()
    }

    pub fn href(self) -> String {
        match self {
            Self::BillingPeriod => "/usage".to_owned(),
            other => format!("/usage?period={}", other.slug()),
        }
    }
}

/// `/usage` for one window, with the plan's meters for the billing period.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UsageOverview {
    pub window: UsageWindow,
    pub first_day: DateLabel,
    pub last_day: DateLabel,
    /// Why the billing period shown is the calendar month, when it is.
    pub period_note: Option<String>,
    /// None without an active plan (or one without allowances).
    pub plan: Option<PlanMeters>,
    pub requests: i64,
    pub failures: Failures,
    pub tokens: i64,
    pub tokens_by_model: Vec<(String, i64)>,
    pub storage_gb_hours: f64,
    pub storage_current_gb: f64,
    pub sessions_uploaded: i64,
    pub examples_generated: i64,
    pub cost: CostView,
    pub chart: UsageChart,
    pub keys: Vec<KeyUsage>,
}

/// Requests that failed, by what went wrong.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failures {
    /// 4xx other than 429, refusals included.
    pub client_errors: i64,
    /// 429: the key's rate limit.
    pub rate_limited: i64,
    /// 5xx.
    pub server_errors: i64,
}

impl Failures {
    pub fn total(&self) -> i64 {
        self.client_errors + self.rate_limited + self.server_errors
    }
}

/// The plan's allowances, and how much of each the billing period used.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlanMeters {
    pub plan_name: String,
    /// When the allowances start again: the period's end.
    pub resets: DateLabel,
    pub meters: Vec<Meter>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Meter {
    /// "Recorded sessions".
    pub label: String,
    pub used: f64,
    pub allowance: f64,
    /// "1,234" / "2,000"; "2.5 GB" / "50 GB".
    pub used_text: String,
    pub allowance_text: String,
}

impl Meter {
    /// Whole percent used, 0 and up (over 100 past the allowance).
    pub fn percent(&self) -> i64 {
        if self.allowance <= 0.0 {
            return 0;
        }
        (self.used / self.allowance * 100.0).floor() as i64
    }
}

/// Amounts formatted with their currency on the server.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CostView {
    pub tokens: String,
    pub storage: String,
    pub total: String,
    /// What the estimate is, with the prices it uses, in one sentence.
    pub meaning: String,
}

/// The chart: requests per day stacked by key, and failures beside them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UsageChart {
    /// The stacked series, in order: a key's name, or "Other keys".
    pub series: Vec<String>,
    pub days: Vec<ChartDay>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChartDay {
    /// "2026-11-21".
    pub iso: String,
    /// "21 Nov".
    pub label: String,
    /// Requests of each series, in `UsageChart::series` order.
    pub requests: Vec<i64>,
    pub failed: i64,
}

impl ChartDay {
    pub fn total(&self) -> i64 {
        self.requests.iter().sum()
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KeyUsage {
    pub name: String,
    pub masked: String,
    pub revoked: bool,
    pub requests: i64,
    pub failed: i64,
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
