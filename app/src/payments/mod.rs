//! The Payment microservice as the app sees it: a user's subscription, how
//! pages show it, and (server-only) the client, the per-user status cache and
//! the catalog as configured. Below billing and accounts, which both ask it.

#[cfg(feature = "ssr")]
pub mod ssr;

use crate::date_label::DateLabel;
use serde::{Deserialize, Serialize};

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
