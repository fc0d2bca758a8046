//! The catalog file as the server reads it: every plan with its Stripe ids,
//! validated at start-up, and the public part pages may see.

use crate::catalog::*;
use serde::Deserialize;
use std::collections::HashSet;
use std::path::Path;

/// One plan as written in the catalog file, Stripe ids included.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogPlan {
    pub id: String,
    pub kind: PlanKind,
    pub name: String,
    pub tagline: String,
    pub price_cents: i64,
    pub interval: Option<BillingInterval>,
    #[serde(default)]
    pub highlighted: bool,
    pub features: Vec<String>,
    pub stripe_product_id: String,
    pub stripe_price_id: String,
    /// What a subscription includes each period, as `/usage` measures it
    /// against; a plan without them shows no meters.
    pub allowances: Option<Allowances>,
}

/// A subscription's allowances per billing period.
#[derive(Clone, Copy, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Allowances {
    /// Recorded sessions uploaded.
    pub sessions: i64,
    /// Tokens of generated examples.
    pub tokens: i64,
    /// Recordings and datasets stored, in GB.
    pub storage_gb: f64,
    /// Authenticated API requests.
    pub requests: i64,
}

/// The validated catalog. Server-only: it holds the Stripe ids.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalog {
    pub currency: String,
    pub plans: Vec<CatalogPlan>,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum CatalogError {
    #[error("cannot read {path}: {reason}")]
    Read { path: String, reason: String },
    #[error("{path} is not valid TOML: {reason}")]
    Syntax { path: String, reason: String },
    #[error("{path}: {reason}")]
    Invalid { path: String, reason: String },
}

impl Catalog {
    pub fn load(path: &Path) -> Result<Self, CatalogError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|err| CatalogError::Read {
            path: shown.clone(),
            reason: err.to_string(),
        })?;
        Self::parse(&text).map_err(|err| match err {
            CatalogError::Syntax { reason, .. } => CatalogError::Syntax {
                path: shown,
                reason,
            },
            CatalogError::Invalid { reason, .. } => CatalogError::Invalid {
                path: shown,
                reason,
            },
            other => other,
        })
    }

    pub fn parse(text: &str) -> Result<Self, CatalogError> {
        let catalog: Self = toml::from_str(text).map_err(|err| CatalogError::Syntax {
            path: "catalog".to_owned(),
            reason: one_line_toml_error(text, &err),
        })?;
        catalog.validate().map_err(|reason| CatalogError::Invalid {
            path: "catalog".to_owned(),
            reason,
        })?;
        Ok(catalog)
    }

    fn validate(&self) -> Result<(), String> {
        if !CURRENCY_SYMBOLS
            .iter()
            .any(|(code, _)| *code == self.currency)
        {
            let known: Vec<_> = CURRENCY_SYMBOLS.iter().map(|(code, _)| *code).collect();
            return Err(format!(
                "currency \"{}\" is not one of {}",
                self.currency,
                known.join(", ")
            ));
        }
        if !self.plans.iter().any(|p| p.kind == PlanKind::Subscription) {
            return Err("the catalog needs at least one subscription plan".to_owned());
        }
        let (mut ids, mut subscription_products) = (HashSet::new(), HashSet::new());
        for plan in &self.plans {
            plan.validate()
                .map_err(|reason| format!("plan \"{}\": {reason}", plan.id))?;
            if !ids.insert(plan.id.as_str()) {
                return Err(format!("plan id \"{}\" appears twice", plan.id));
            }
            // The Payment MS reports status per product: two subscription
            // plans on one product could not be told apart.
            if plan.kind == PlanKind::Subscription
                && !subscription_products.insert(plan.stripe_product_id.as_str())
            {
                return Err(format!(
                    "plan \"{}\": stripe_product_id {} is used by another subscription plan",
                    plan.id, plan.stripe_product_id
                ));
            }
        }
        Ok(())
    }

    pub fn find(&self, plan_id: &str) -> Option<&CatalogPlan> {
        self.plans.iter().find(|plan| plan.id == plan_id)
    }

    pub fn public(&self) -> PublicCatalog {
        PublicCatalog {
            currency: self.currency.clone(),
            plans: self.plans.iter().map(CatalogPlan::summary).collect(),
        }
    }
}

impl CatalogPlan {
    fn validate(&self) -> Result<(), String> {
        let id_ok = !self.id.is_empty()
            && self.id.len() <= 32
            && self
                .id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !id_ok {
            return Err("id must be 1-32 characters of a-z, 0-9 and -".to_owned());
        }
        if self.name.trim().is_empty() || self.tagline.trim().is_empty() {
            return Err("name and tagline must not be empty".to_owned());
        }
        if self.price_cents <= 0 {
            return Err("price_cents must be a positive whole number of cents".to_owned());
        }
        match (self.kind, self.interval) {
            (PlanKind::Subscription, None) => {
                return Err("a subscription needs interval = \"month\" or \"year\"".to_owned());
            }
            (PlanKind::OneTime, Some(_)) => {
                return Err("a one_time item has no interval".to_owned());
            }
            _ => {}
        }
        if self.features.is_empty() || self.features.iter().any(|f| f.trim().is_empty()) {
            return Err("features must list at least one non-empty line".to_owned());
        }
        if let Some(allowances) = self.allowances {
            if self.kind != PlanKind::Subscription {
                return Err("only a subscription has allowances".to_owned());
            }
            let positive = allowances.sessions > 0
                && allowances.tokens > 0
                && allowances.requests > 0
                && allowances.storage_gb > 0.0
                && allowances.storage_gb.is_finite();
            if !positive {
                return Err("allowances must all be positive".to_owned());
            }
        }
        // The Payment MS puts these in URL path segments: no '/' or spaces.
        for (field, value, prefix) in [
            ("stripe_product_id", &self.stripe_product_id, "prod_"),
            ("stripe_price_id", &self.stripe_price_id, "price_"),
        ] {
            let well_formed = value.len() > prefix.len()
                && value.starts_with(prefix)
                && value
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_');
            if !well_formed {
                return Err(format!(
                    "{field} must look like {prefix}… (letters, digits, _)"
                ));
            }
        }
        Ok(())
    }

    pub fn summary(&self) -> PlanSummary {
        PlanSummary {
            id: self.id.clone(),
            kind: self.kind,
            name: self.name.clone(),
            tagline: self.tagline.clone(),
            price_cents: self.price_cents,
            interval: self.interval,
            highlighted: self.highlighted,
            features: self.features.clone(),
        }
    }
}

/// TOML errors span several lines with a caret drawing; configuration
/// errors must fit one line, so keep the message and the line number.
fn one_line_toml_error(text: &str, err: &toml::de::Error) -> String {
    let message = err.message().trim().replace('\n', " ");
    match err.span() {
        Some(span) => {
            let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
            format!("line {line}: {message}")
        }
        None => message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHIPPED: &str = include_str!("../../../../catalog.toml");

    #[test]
    fn shipped_catalog_is_valid_and_has_three_subscription_plans() {
        let catalog = Catalog::parse(SHIPPED).expect("shipped catalog parses");
        let public = catalog.public();
        assert_eq!(public.subscriptions().count(), 3);
        assert!(public.plans.iter().any(|p| p.kind == PlanKind::OneTime));
        assert!(catalog.find("pro").is_some());
        assert!(catalog.find("nope").is_none());
    }

    #[test]
    fn public_catalog_never_carries_stripe_ids() {
        let catalog = Catalog::parse(SHIPPED).unwrap();
        let json = serde_json::to_string(&catalog.public()).unwrap();
        assert!(!json.contains("prod_"), "{json}");
        assert!(!json.contains("price_Tp"), "{json}");
    }

    #[test]
    fn prices_are_labelled_for_people_and_for_machines() {
        let public = Catalog::parse(SHIPPED).unwrap().public();
        let pro = public.plans.iter().find(|p| p.id == "pro").unwrap();
        assert_eq!(public.price_label(pro), "$199");
        assert_eq!(pro.decimal_price(), "199.00");
        assert_eq!(pro.cadence_label(), "per month");
        let mut odd = pro.clone();
        odd.price_cents = 4950;
        assert_eq!(public.price_label(&odd), "$49.50");
    }

    fn invalid(text: &str) -> String {
        match Catalog::parse(text) {
            Err(CatalogError::Invalid { reason, .. })
            | Err(CatalogError::Syntax { reason, .. }) => reason,
            other => panic!("expected a catalog error, got {other:?}"),
        }
    }

    fn with_plan(plan_body: &str) -> String {
        format!("currency = \"USD\"\n[[plans]]\n{plan_body}")
    }

    const GOOD_PLAN: &str = "id = \"a\"\nkind = \"subscription\"\nname = \"A\"\ntagline = \"t\"\n\
        price_cents = 100\ninterval = \"month\"\nfeatures = [\"f\"]\n\
        stripe_product_id = \"prod_1\"\nstripe_price_id = \"price_1\"\n";

    #[test]
    fn a_minimal_catalog_parses() {
        Catalog::parse(&with_plan(GOOD_PLAN)).unwrap();
    }

    #[test]
    fn bad_catalogs_are_refused_with_a_specific_reason() {
        let cases = [
            (
                GOOD_PLAN.replace("price_cents = 100", "price_cents = 0"),
                "price_cents",
            ),
            (
                GOOD_PLAN.replace("id = \"a\"", "id = \"A/B\""),
                "id must be",
            ),
            (
                GOOD_PLAN.replace("interval = \"month\"\n", ""),
                "needs interval",
            ),
            (
                GOOD_PLAN.replace("prod_1", "product-1"),
                "stripe_product_id",
            ),
            (GOOD_PLAN.replace("price_1", "price_1/2"), "stripe_price_id"),
            (GOOD_PLAN.replace("[\"f\"]", "[]"), "features"),
            (format!("{GOOD_PLAN}colour = \"red\"\n"), "unknown field"),
            (GOOD_PLAN.replace("100", "\"cheap\""), "line 7"),
        ];
        for (plan, expected) in cases {
            let reason = invalid(&with_plan(&plan));
            assert!(reason.contains(expected), "{expected:?} not in {reason:?}");
            assert!(!reason.contains('\n'), "one line: {reason:?}");
        }
        let twice = format!("{}[[plans]]\n{GOOD_PLAN}", with_plan(GOOD_PLAN));
        assert!(invalid(&twice).contains("appears twice"));
        let same_product = format!(
            "{}[[plans]]\n{}",
            with_plan(GOOD_PLAN),
            GOOD_PLAN
                .replace("id = \"a\"", "id = \"b\"")
                .replace("price_1", "price_2")
        );
        assert!(invalid(&same_product).contains("used by another subscription plan"));
        assert!(invalid(&with_plan(GOOD_PLAN).replace("USD", "XYZ")).contains("currency"));
        let item_only = GOOD_PLAN
            .replace("subscription", "one_time")
            .replace("interval = \"month\"\n", "");
        assert!(invalid(&with_plan(&item_only)).contains("at least one subscription"));
    }
}
