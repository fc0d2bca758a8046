//! Billing: the plan catalog, checkout through the Payment microservice,
//! subscription status and the customer portal.

pub mod catalog;
pub mod components;
pub mod pages;
pub mod server_fns;
#[cfg(feature = "ssr")]
pub mod ssr;

use serde::{Deserialize, Serialize};

/// A date as pages show it, formatted on the server so the browser bundle
/// carries no calendar code.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DateLabel {
    /// RFC 3339, for `<time datetime>`.
    pub iso: String,
    /// "21 December 2026".
    pub text: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SubscriptionState {
    Active,
    /// A payment failed: no access until it is paid.
    PaymentDue,
    Ended,
}

/// The user's subscription as the Payment MS reports it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SubscriptionView {
    pub plan_id: String,
    pub plan_name: String,
    pub state: SubscriptionState,
    /// End of the paid period (Active) or when it ended (Ended).
    pub period_end: Option<DateLabel>,
}

impl SubscriptionView {
    pub fn is_active(&self) -> bool {
        self.state == SubscriptionState::Active
    }
}

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
