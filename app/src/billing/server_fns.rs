//! Server functions for billing: thin wrappers over `ssr::service`, which
//! asks the Payment MS; its failures reach the page as `PaymentUnavailable`.

use super::{BillingOverview, CheckoutOutcome, SubscriptionView};
#[cfg(feature = "ssr")]
use crate::actor::Actor;
use crate::error::AppError;
use leptos::prelude::*;

/// Starts Stripe Checkout for `plan_id` and sends the browser there.
#[server(prefix = "/api/payment", endpoint = "checkout")]
pub async fn checkout(plan_id: String) -> Result<String, AppError> {
    use crate::accounts::ssr::context::{app_state, leave_site_for};
    let (state, actor) = (app_state(), Actor::current());
    leave_site_for(super::ssr::service::checkout(&state, &actor, &plan_id).await?)
}

/// Opens the Stripe Customer Portal, which returns to /billing.
#[server(prefix = "/api/payment", endpoint = "portal")]
pub async fn portal() -> Result<String, AppError> {
    use crate::accounts::ssr::context::{app_state, leave_site_for};
    let (state, actor) = (app_state(), Actor::current());
    leave_site_for(super::ssr::service::portal(&state, &actor).await?)
}

/// The signed-in user's subscription (None: signed out or never subscribed).
#[server(prefix = "/api", endpoint = "current_subscription")]
pub async fn current_subscription() -> Result<Option<SubscriptionView>, AppError> {
    use crate::accounts::ssr::context::app_state;
    super::ssr::service::subscription(&app_state(), &Actor::current()).await
}

/// Everything /billing shows. `refresh`: just back from the portal.
#[server(prefix = "/api", endpoint = "load_billing")]
pub async fn load_billing(refresh: bool) -> Result<BillingOverview, AppError> {
    use crate::accounts::ssr::context::app_state;
    let (state, actor) = (app_state(), Actor::current());
    super::ssr::service::overview(&state, &actor, refresh).await
}

/// The return from checkout, confirmed with the Payment MS.
#[server(prefix = "/api", endpoint = "confirm_checkout")]
pub async fn confirm_checkout(session_id: Option<String>) -> Result<CheckoutOutcome, AppError> {
    use crate::accounts::ssr::context::app_state;
    let (state, actor) = (app_state(), Actor::current());
    super::ssr::service::confirm_checkout(&state, &actor, session_id.as_deref()).await
}
