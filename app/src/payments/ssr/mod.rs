//! Server-only payments: the catalog as configured, the Payment MS client and
//! the per-user status cache. Everything reaches the Payment MS through
//! `Payments`.

pub mod catalog;
pub mod payment_client;
pub mod status_cache;

use super::{SubscriptionState, SubscriptionView};
use crate::catalog::PlanKind;
use crate::error::AppError;
use crate::support::time::date_label;
use catalog::{Catalog, CatalogPlan};
use payment_client::{PaymentClient, PaymentError, Standing, SubscriptionStatus};
use status_cache::{CachedStatuses, StatusCache};
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;

/// Everything billing needs at run time, shared by every request.
#[derive(Clone, Debug)]
pub struct Payments {
    pub client: PaymentClient,
    pub status_cache: Arc<StatusCache>,
    /// True when `client` talks to the built-in sandbox: pages say so.
    pub sandbox: bool,
    /// The origins (`https://checkout.stripe.com`) a checkout or portal URL
    /// the Payment MS answers with may have; any other is refused, so a
    /// compromised or misconfigured service cannot send customers elsewhere.
    pub redirect_origins: Arc<[String]>,
}

/// How long "no plan" (or one that is not active) is remembered for pages.
/// Short: a plan bought through the real Payment MS may reach it by webhook
/// a little after the customer returned from checkout.
pub const NO_PLAN_MAX_AGE: Duration = Duration::from_secs(30);

/// Whether a cached status will do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Freshness {
    /// An active plan up to the cache's age limit (60 s); no plan, or one
    /// that is not active, is asked again. For decisions that would refuse
    /// the user (creating a key, verifying one).
    Cached,
    /// For pages showing the plan: like `Cached`, and "no plan" is also kept,
    /// for up to `NO_PLAN_MAX_AGE`, while the user's checkout activity (the
    /// session carries it: checkouts started plus returned from, on any
    /// instance) is what it was at the fetch. A user without a plan then costs
    /// no Payment MS call per page, and one who just subscribed, through any
    /// instance, is seen at once.
    ForPage { checkout_activity: i64 },
    /// Just back from checkout or the portal: ask the Payment MS.
    Refresh,
}

impl Freshness {
    /// Whether `cached`, judged to be `current`, will do.
    fn accepts(self, cached: &CachedStatuses, current: Option<&CurrentSubscription>) -> bool {
        let active = current.is_some_and(CurrentSubscription::is_active);
        match self {
            Self::Refresh => false,
            Self::Cached => active,
            Self::ForPage { checkout_activity } => {
                active
                    || (cached.checkout_activity == Some(checkout_activity)
                        && cached.fetched_at.elapsed() < NO_PLAN_MAX_AGE)
            }
        }
    }

    /// For a page shown to a user whose session has seen `checkout_activity`.
    pub fn for_page(checkout_activity: i64) -> Self {
        Self::ForPage { checkout_activity }
    }

    fn checkout_activity(self) -> Option<i64> {
        match self {
            Self::ForPage { checkout_activity } => Some(checkout_activity),
            Self::Cached | Self::Refresh => None,
        }
    }
}

/// One subscription plan's status as last fetched.
#[derive(Clone, Debug, PartialEq)]
pub struct PlanStatus {
    pub plan_id: String,
    pub status: SubscriptionStatus,
}

/// The user's subscription, judged at `now`.
#[derive(Clone, Debug, PartialEq)]
pub struct CurrentSubscription {
    pub plan: CatalogPlan,
    pub standing: Standing,
    pub period_end: Option<OffsetDateTime>,
}

impl Payments {
    /// The user's subscription across every subscription plan of the catalog:
    /// the active one if any (paid up the longest, should there be several),
    /// else the one that ended last. `None` when they never subscribed.
    pub async fn subscription(
        &self,
        catalog: &Catalog,
        user_id: &str,
        freshness: Freshness,
    ) -> Result<Option<CurrentSubscription>, PaymentError> {
        let now = OffsetDateTime::now_utc();
        if let Some(cached) = self.status_cache.get(user_id) {
            let current = pick_current(catalog, &cached.statuses, now);
            if freshness.accepts(&cached, current.as_ref()) {
                return Ok(current);
            }
        }
        let fetched = Arc::new(self.fetch_statuses(catalog, user_id).await?);
        self.status_cache
            .put(user_id, fetched.clone(), freshness.checkout_activity());
        Ok(pick_current(catalog, &fetched, now))
    }

    /// One status call per subscription product, all at once.
    async fn fetch_statuses(
        &self,
        catalog: &Catalog,
        user_id: &str,
    ) -> Result<Vec<PlanStatus>, PaymentError> {
        let plans: Vec<&CatalogPlan> = catalog
            .plans
            .iter()
            .filter(|plan| plan.kind == PlanKind::Subscription)
            .collect();
        let answers = futures::future::join_all(plans.iter().map(|plan| {
            self.client
                .subscription_status(user_id, &plan.stripe_product_id)
        }))
        .await;
        plans
            .into_iter()
            .zip(answers)
            .map(|(plan, answer)| {
                answer.map(|status| PlanStatus {
                    plan_id: plan.id.clone(),
                    status,
                })
            })
            .collect()
    }

    /// Whether the page's user has an active plan, for what a page shows
    /// next to it (the checklist, the keys form); `None` when the Payment MS
    /// cannot say, logged, so the page still renders the rest.
    pub async fn active_plan_for_page(
        &self,
        catalog: &Catalog,
        user_id: &str,
        checkout_activity: i64,
    ) -> Option<bool> {
        self.subscription(catalog, user_id, Freshness::for_page(checkout_activity))
            .await
            .map(|current| current.is_some_and(|current| current.is_active()))
            .inspect_err(|err| tracing::warn!(error = %err, "a page without subscription status"))
            .ok()
    }
}

fn pick_current(
    catalog: &Catalog,
    statuses: &[PlanStatus],
    now: OffsetDateTime,
) -> Option<CurrentSubscription> {
    let mut known: Vec<CurrentSubscription> = statuses
        .iter()
        .filter_map(|entry| {
            let plan = catalog.find(&entry.plan_id)?.clone();
            let standing = entry.status.standing(now);
            (standing != Standing::None).then_some(CurrentSubscription {
                plan,
                standing,
                period_end: entry.status.period_end,
            })
        })
        .collect();
    known.sort_by_key(|current| {
        (
            current.standing == Standing::Active,
            current.standing == Standing::PaymentDue,
            current.period_end,
            current.plan.price_cents,
        )
    });
    known.pop()
}

impl CurrentSubscription {
    pub fn is_active(&self) -> bool {
        self.standing == Standing::Active
    }

    pub fn view(&self) -> SubscriptionView {
        SubscriptionView {
            plan_id: self.plan.id.clone(),
            plan_name: self.plan.name.clone(),
            state: match self.standing {
                Standing::Active => SubscriptionState::Active,
                Standing::PaymentDue => SubscriptionState::PaymentDue,
                Standing::Ended | Standing::None => SubscriptionState::Ended,
            },
            period_end: self.period_end.map(date_label),
        }
    }
}

/// Logs the service's detail (never our key) and answers with the
/// retryable message.
pub fn payment_failed<T>(during: &str, err: PaymentError) -> Result<T, AppError> {
    tracing::error!(error = %err, "payment service call failed during {during}");
    Err(AppError::payment_unavailable())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-11-21 12:00 UTC);

    fn catalog() -> Catalog {
        let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../catalog.toml"))
            .unwrap();
        Catalog::parse(&text).unwrap()
    }

    fn entry(plan_id: &str, exists: bool, period_end: Option<OffsetDateTime>) -> PlanStatus {
        PlanStatus {
            plan_id: plan_id.to_owned(),
            status: SubscriptionStatus {
                exists,
                status: None,
                subscription_id: exists.then(|| format!("sub_{plan_id}")),
                period_end,
            },
        }
    }

    #[test]
    fn an_active_plan_wins_over_one_that_ended_later() {
        let catalog = catalog();
        let statuses = [
            entry("starter", true, Some(datetime!(2026-11-20 00:00 UTC))),
            entry("pro", true, Some(datetime!(2026-12-01 00:00 UTC))),
            entry("scale", false, None),
        ];
        let current = pick_current(&catalog, &statuses, NOW).unwrap();
        assert_eq!(current.plan.id, "pro");
        assert!(current.is_active());
    }

    #[test]
    fn with_nothing_active_the_latest_ended_plan_is_shown() {
        let catalog = catalog();
        let statuses = [
            entry("starter", true, Some(datetime!(2026-10-01 00:00 UTC))),
            entry("pro", true, Some(datetime!(2026-11-01 00:00 UTC))),
        ];
        let current = pick_current(&catalog, &statuses, NOW).unwrap();
        assert_eq!(current.plan.id, "pro");
        assert_eq!(current.view().state, SubscriptionState::Ended);
        assert_eq!(current.view().period_end.unwrap().text, "1 November 2026");
    }

    #[test]
    fn never_subscribed_is_none() {
        let catalog = catalog();
        let statuses = [entry("starter", false, None), entry("pro", false, None)];
        assert_eq!(pick_current(&catalog, &statuses, NOW), None);
    }
}
