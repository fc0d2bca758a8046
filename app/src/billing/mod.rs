//! Billing: the plan catalog, checkout through the Payment microservice,
//! subscription status and the customer portal.

#[cfg(feature = "ssr")]
pub mod components;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod pricing_page;
pub mod server_fns;
#[cfg(feature = "ssr")]
pub mod ssr;

use crate::date_label::DateLabel;
pub use crate::payments::{SubscriptionState, SubscriptionView};
use serde::{Deserialize, Serialize};

/// A checkout the user completed (returned from), newest first on /billing.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Purchase {
    pub plan_name: String,
    pub one_time: bool,
    pub completed: DateLabel,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BillingOverview {
    pub subscription: Option<SubscriptionView>,
    pub purchases: Vec<Purchase>,
}

impl BillingOverview {
    /// Someone who has been through checkout has a customer record to manage.
    pub fn has_billing_account(&self) -> bool {
        self.subscription.is_some() || !self.purchases.is_empty()
    }
}

/// What the return page from checkout can say, after asking the Payment MS.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum CheckoutOutcome {
    /// The subscription is confirmed active.
    Subscribed(SubscriptionView),
    /// The Payment MS does not show the subscription yet (its webhooks lag).
    AwaitingConfirmation { plan_name: String },
    /// A one-time item: Stripe confirms it by e-mail receipt.
    ItemPurchased { plan_name: String },
    /// No checkout of this user by that id, and no active subscription.
    Unknown,
}
