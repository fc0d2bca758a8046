//! The plan catalog. Plans are configuration, not code: they come from a TOML
//! file read at start. The public part (`PublicCatalog`) travels to the
//! browser; the Stripe ids stay on the server (`ssr::catalog::Catalog`).

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanKind {
    Subscription,
    OneTime,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BillingInterval {
    Month,
    Year,
}

impl BillingInterval {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Month => "month",
            Self::Year => "year",
        }
    }

    /// ISO 8601 unit code used by schema.org's `UnitPriceSpecification`.
    pub fn schema_org_unit(self) -> &'static str {
        match self {
            Self::Month => "MON",
            Self::Year => "ANN",
        }
    }
}

/// The currencies the catalog may be priced in, with their display symbols.
pub(crate) const CURRENCY_SYMBOLS: &[(&str, &str)] = &[("USD", "$"), ("EUR", "€"), ("GBP", "£")];

/// What anyone may know about a plan: everything except its Stripe ids.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlanSummary {
    pub id: String,
    pub kind: PlanKind,
    pub name: String,
    pub tagline: String,
    pub price_cents: i64,
    pub interval: Option<BillingInterval>,
    pub highlighted: bool,
    pub features: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PublicCatalog {
    pub currency: String,
    pub plans: Vec<PlanSummary>,
}

impl PublicCatalog {
    pub fn subscriptions(&self) -> impl Iterator<Item = &PlanSummary> {
        self.plans
            .iter()
            .filter(|plan| plan.kind == PlanKind::Subscription)
    }

    /// "$49" for whole amounts, "$49.50" otherwise.
    pub fn price_label(&self, plan: &PlanSummary) -> String {
        let symbol = CURRENCY_SYMBOLS
            .iter()
            .find(|(code, _)| *code == self.currency)
            .map_or(self.currency.as_str(), |(_, symbol)| symbol);
        let (whole, cents) = (plan.price_cents / 100, plan.price_cents % 100);
        if cents == 0 {
            format!("{symbol}{whole}")
        } else {
            format!("{symbol}{whole}.{cents:02}")
        }
    }
}

impl PlanSummary {
    /// Decimal price as schema.org and Stripe spell it: "49.00".
    pub fn decimal_price(&self) -> String {
        format!("{}.{:02}", self.price_cents / 100, self.price_cents % 100)
    }

    /// "per month", or "one-time" for items.
    pub fn cadence_label(&self) -> String {
        match self.interval {
            Some(interval) => format!("per {}", interval.as_str()),
            None => "one-time".to_owned(),
        }
    }
}
