//! Billing as the server functions need it: starting Stripe Checkout,
//! opening the Customer Portal, the subscription and purchases a page shows,
//! and confirming a return from checkout. Every Payment MS failure is logged
//! and answered as the retryable `PaymentUnavailable`.

use super::checkouts;
use crate::actor::Actor;
use crate::billing::{BillingOverview, CheckoutOutcome, Purchase, SubscriptionView};
use crate::catalog::PlanKind;
use crate::error::AppError;
use crate::error::{Field, FieldError};
use crate::payments::ssr::payment_client::{CheckoutRequest, PaymentError};
use crate::payments::ssr::{Freshness, payment_failed};
use crate::state::AppState;
use crate::support::time::date_label;
use std::time::Duration;

/// Only pages on an allowed origin may be sent to the browser as a place
/// to go (the log names the origin, never the whole URL with its session).
fn checked_page_url(url: &str, allowed_origins: &[String]) -> Result<String, PaymentError> {
    let origin = reqwest::Url::parse(url)
        .ok()
        .filter(|parsed| matches!(parsed.scheme(), "http" | "https"))
        .map(|parsed| parsed.origin().ascii_serialization());
    match origin {
        Some(origin) if allowed_origins.contains(&origin) => Ok(url.to_owned()),
        Some(origin) => Err(PaymentError::Malformed {
            status: 200,
            detail: format!("a page on {origin}, which PAYMENT_REDIRECT_ORIGINS does not allow"),
        }),
        None => Err(PaymentError::Malformed {
            status: 200,
            detail: "not an http(s) URL".to_owned(),
        }),
    }
}

/// Starts Stripe Checkout for `plan_id`; the checkout page to send the browser to.
pub async fn checkout(state: &AppState, actor: &Actor, plan_id: &str) -> Result<String, AppError> {
    let user = &actor.session()?.user;
    let Some(plan) = state.catalog.find(plan_id.trim()) else {
        return Err(AppError::Invalid(FieldError::new(
            Field::Plan,
            "That plan doesn't exist. Pick one on the pricing page.",
        )));
    };
    if plan.kind == PlanKind::Subscription {
        // Fresh, not cached: a second subscription would bill twice.
        let current = match state
            .payments
            .subscription(&state.catalog, &user.id, Freshness::Refresh)
            .await
        {
            Ok(current) => current,
            Err(err) => return payment_failed("checkout (status check)", err),
        };
        if let Some(current) = current.filter(|current| current.is_active()) {
            return Err(AppError::AlreadySubscribed {
                plan_name: current.plan.name,
            });
        }
    }
    let request = CheckoutRequest {
        user_id: user.id.clone(),
        email: user.email.clone(),
        product_id: plan.stripe_product_id.clone(),
        price_id: plan.stripe_price_id.clone(),
        // Stripe replaces the placeholder with the session id.
        success_url: state
            .site
            .absolute_url("/billing/success?session_id={CHECKOUT_SESSION_ID}"),
        cancel_url: state.site.absolute_url("/billing/cancel"),
        quantity: (plan.kind == PlanKind::OneTime).then_some(1),
    };
    let client = &state.payments.client;
    let started = match plan.kind {
        PlanKind::Subscription => client.subscription_checkout(&request).await,
        PlanKind::OneTime => client.item_checkout(&request).await,
    };
    let allowed = &state.payments.redirect_origins;
    let session = match started
        .and_then(|session| checked_page_url(&session.checkout_url, allowed).map(|_| session))
    {
        Ok(session) => session,
        Err(err) => return payment_failed("checkout", err),
    };
    // Recorded only once the Payment MS made the session: a failure above leaves nothing.
    checkouts::record(&state.db, &session.checkout_session_id, &user.id, &plan.id)
        .await
        .map_err(AppError::dependency_failed("recording a checkout failed"))?;
    Ok(session.checkout_url)
}

/// A Stripe Customer Portal session, which returns to /billing: its URL.
pub async fn portal(state: &AppState, actor: &Actor) -> Result<String, AppError> {
    let user_id = &actor.session()?.user.id;
    let return_url = state.site.absolute_url("/billing?from=portal");
    let portal = state
        .payments
        .client
        .portal(user_id, &return_url)
        .await
        .and_then(|portal| checked_page_url(&portal.portal_url, &state.payments.redirect_origins));
    match portal {
        Ok(url) => Ok(url),
        Err(err)
            if matches!(
                err.code(),
                Some("CUSTOMER_NOT_FOUND" | "NO_STRIPE_CUSTOMER")
            ) =>
        {
            Err(AppError::NoBillingAccount)
        }
        Err(err) => payment_failed("opening the portal", err),
    }
}

/// The signed-in user's subscription (None: signed out or never subscribed).
pub async fn subscription(
    state: &AppState,
    actor: &Actor,
) -> Result<Option<SubscriptionView>, AppError> {
    let Some(session) = actor.signed_in() else {
        return Ok(None);
    };
    match state
        .payments
        .subscription(
            &state.catalog,
            &session.user.id,
            Freshness::for_page(session.checkout_activity),
        )
        .await
    {
        Ok(current) => Ok(current.map(|current| current.view())),
        Err(err) => payment_failed("reading the subscription", err),
    }
}

/// Everything /billing shows. `refresh`: just back from the portal.
pub async fn overview(
    state: &AppState,
    actor: &Actor,
    refresh: bool,
) -> Result<BillingOverview, AppError> {
    let session = actor.session()?;
    let freshness = if refresh {
        Freshness::Refresh
    } else {
        Freshness::for_page(session.checkout_activity)
    };
    let subscription = match state
        .payments
        .subscription(&state.catalog, &session.user.id, freshness)
        .await
    {
        Ok(current) => current.map(|current| current.view()),
        Err(err) => return payment_failed("reading billing", err),
    };
    let returned = checkouts::returned(&state.db, &session.user.id)
        .await
        .map_err(AppError::dependency_failed("listing purchases failed"))?;
    let purchases = returned
        .into_iter()
        .filter_map(|checkout| {
            let plan = state.catalog.find(&checkout.plan_id)?;
            let completed =
                time::OffsetDateTime::from_unix_timestamp(checkout.returned_at?).ok()?;
            Some(Purchase {
                plan_name: plan.name.clone(),
                one_time: plan.kind == PlanKind::OneTime,
                completed: date_label(completed),
            })
        })
        .collect();
    Ok(BillingOverview {
        subscription,
        purchases,
    })
}

/// The return from checkout: confirmed with the Payment MS (its webhooks
/// can lag a little, so it asks a few times), never from the address alone.
pub async fn confirm_checkout(
    state: &AppState,
    actor: &Actor,
    session_id: Option<&str>,
) -> Result<CheckoutOutcome, AppError> {
    let user_id = &actor.session()?.user.id;
    const ATTEMPTS: u32 = 5;
    const PAUSE: Duration = Duration::from_millis(600);

    let checkout = match session_id.map(str::trim) {
        Some(id) if checkouts::plausible_session_id(id) => {
            checkouts::mark_returned(&state.db, id, user_id)
                .await
                .map_err(AppError::dependency_failed(
                    "recording a return from checkout failed",
                ))?
        }
        _ => None,
    };
    let plan = checkout.and_then(|checkout| state.catalog.find(&checkout.plan_id));
    if let Some(plan) = plan.filter(|plan| plan.kind == PlanKind::OneTime) {
        return Ok(CheckoutOutcome::ItemPurchased {
            plan_name: plan.name.clone(),
        });
    }
    for attempt in 1..=ATTEMPTS {
        match state
            .payments
            .subscription(&state.catalog, user_id, Freshness::Refresh)
            .await
        {
            Ok(Some(current)) if current.is_active() => {
                return Ok(CheckoutOutcome::Subscribed(current.view()));
            }
            Ok(_) if attempt < ATTEMPTS => tokio::time::sleep(PAUSE).await,
            Ok(_) => {}
            Err(err) => return payment_failed("confirming a checkout", err),
        }
    }
    Ok(match plan {
        Some(plan) => CheckoutOutcome::AwaitingConfirmation {
            plan_name: plan.name.clone(),
        },
        None => CheckoutOutcome::Unknown,
    })
}
