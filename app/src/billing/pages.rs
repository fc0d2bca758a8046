//! Billing pages: pricing, the return pages from checkout, /billing, and the
//! subscription panel the dashboard shows.

use super::server_fns::{Portal, confirm_checkout, current_subscription, load_billing};
use super::{BillingOverview, CheckoutOutcome, SubscriptionState, SubscriptionView};
use crate::accounts::auth::PrivatePage;
use crate::actor::CurrentUser;
use crate::components::{Loaded, PageMeta, RetryNotice, ServerForm, SubmitButton, query_value};
use crate::error::AppError;
use crate::site::SiteInfo;
use leptos::either::{Either, EitherOf4};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// Shown wherever a person deals with payments while the sandbox stands in
/// for the Payment MS.
#[component]
pub(super) fn SandboxNotice() -> impl IntoView {
    expect_context::<SiteInfo>().payments_sandbox.then(|| {
        view! {
            <p class="notice notice--sandbox">
                <strong>"Sandbox — no real payment."</strong>
                " Checkout takes test cards such as 4242 4242 4242 4242; nothing is charged."
            </p>
        }
    })
}

pub(super) fn action_error<T: Clone + Send + Sync + 'static>(
    value: impl Fn() -> Option<Result<T, AppError>> + Send + Sync + 'static,
) -> impl Fn() -> Option<String> + Send + Sync + 'static {
    move || value().and_then(Result::err).map(|err| err.to_string())
}

/// The subscription in a sentence or two, with the next thing to do.
#[component]
pub(super) fn SubscriptionSummary(subscription: Option<SubscriptionView>) -> impl IntoView {
    let Some(subscription) = subscription else {
        return EitherOf4::A(view! {
            <p>"You don't have a plan yet."</p>
            <a class="button button--primary" href="/pricing">"See plans"</a>
        });
    };
    let date = subscription.period_end.clone().map(|date| {
        view! { <time datetime=date.iso>{date.text}</time> }
    });
    let name = subscription.plan_name.clone();
    match subscription.state {
        SubscriptionState::Active => EitherOf4::B(view! {
            <p class="subscription-line">
                <strong>{format!("{name} plan")}</strong>
                " "
                <span class="badge badge--ok">"Active"</span>
            </p>
            <p>"Paid through " {date} ". It renews automatically unless you cancel in Manage billing."</p>
        }),
        SubscriptionState::PaymentDue => EitherOf4::C(view! {
            <p class="subscription-line">
                <strong>{format!("{name} plan")}</strong>
                " "
                <span class="badge badge--warn">"Payment due"</span>
            </p>
            <p>"Your last payment didn't go through. Update your card in Manage billing to keep access."</p>
        }),
        SubscriptionState::Ended => EitherOf4::D(view! {
            <p class="subscription-line">
                <strong>{format!("{name} plan")}</strong>
                " "
                <span class="badge">"Ended"</span>
            </p>
            <p>"It ended on " {date} ". Choose a plan to pick up where you left off."</p>
            <a class="button button--primary" href="/pricing">"See plans"</a>
        }),
    }
}

pub type SubscriptionResource = Resource<Result<Option<SubscriptionView>, AppError>>;

pub fn subscription_resource() -> SubscriptionResource {
    Resource::new(|| (), |_| current_subscription())
}

/// The dashboard's plan panel.
#[component]
pub fn SubscriptionPanel(subscription: SubscriptionResource) -> impl IntoView {
    let summary = |subscription: Option<SubscriptionView>| {
        let details = subscription.is_some().then(|| {
            view! { <p class="section-more"><a href="/billing">"Billing details"</a></p> }
        });
        view! { <SubscriptionSummary subscription />{details} }
    };
    view! {
        <section class="panel" aria-labelledby="plan-panel-title">
            <h2 id="plan-panel-title">"Your plan"</h2>
            <Loaded
                resource=subscription
                retry_href="/dashboard"
                children=summary
            />
        </section>
    }
}

#[component]
pub fn BillingPage() -> impl IntoView {
    // Back from the portal: whatever changed there must show now.
    let refresh = use_query_map().with_untracked(|query| query.get("from").is_some());
    let overview = Resource::new(|| (), move |_| load_billing(refresh));
    // A post: the server answers with a redirect to the portal.
    let portal = ServerAction::<Portal>::new();
    view! {
        <PrivatePage
            title="Billing — Tracepipe"
            description="Your Tracepipe plan, renewal date and purchases."
            path="/billing"
            children=move |_user: CurrentUser| view! { <BillingDetails overview portal /> }
        />
    }
}

#[component]
fn BillingDetails(
    overview: Resource<Result<BillingOverview, AppError>>,
    portal: ServerAction<Portal>,
) -> impl IntoView {
    view! {
        <section class="section" aria-labelledby="billing-title">
            <div class="container container--form">
                <h1 id="billing-title">"Billing"</h1>
                <SandboxNotice />
                <Loaded resource=overview retry_href="/billing" children=move |overview| view! { <BillingOverviewView overview portal /> } />
            </div>
        </section>
    }
}

#[component]
fn BillingOverviewView(overview: BillingOverview, portal: ServerAction<Portal>) -> impl IntoView {
    let manage = if overview.has_billing_account() {
        Either::Left(view! {
            <p>"Update your card, download invoices, change plan or cancel: Manage billing opens Stripe's billing portal."</p>
            <ServerForm action=portal class="form">
                <p class="form-error" role="alert">{action_error(move || portal.value().get())}</p>
                <SubmitButton
                    label="Manage billing"
                    busy_label="Opening the billing portal…"
                    primary=true
                />
            </ServerForm>
        })
    } else {
        Either::Right(view! {
            <p>"Once you subscribe, you can update your card, download invoices and cancel here."</p>
        })
    };
    let purchases = (!overview.purchases.is_empty()).then(|| {
        let rows = overview
            .purchases
            .iter()
            .map(|purchase| {
                let kind = if purchase.one_time { "One-time purchase" } else { "Subscription" };
                view! {
                    <tr>
                        <td>{purchase.plan_name.clone()}</td>
                        <td>{kind}</td>
                        <td><time datetime=purchase.completed.iso.clone()>{purchase.completed.text.clone()}</time></td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <h2>"Payments"</h2>
            <table class="table">
                <thead>
                    <tr><th scope="col">"Plan"</th><th scope="col">"Kind"</th><th scope="col">"Paid on"</th></tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
            <p class="field-hint">"Stripe e-mails a receipt for every payment; invoices are in Manage billing."</p>
        }
    });
    view! {
        <h2>"Plan"</h2>
        <SubscriptionSummary subscription=overview.subscription />
        <h2>"Payment details"</h2>
        {manage}
        {purchases}
    }
}

#[component]
pub fn CheckoutSuccessPage() -> impl IntoView {
    let session_id = use_query_map().with_untracked(|query| query.get("session_id"));
    let retry_href = match &session_id {
        Some(id) => format!("/billing/success?session_id={}", query_value(id)),
        None => "/billing/success".to_owned(),
    };
    let outcome = Resource::new(|| (), move |_| confirm_checkout(session_id.clone()));
    view! {
        <PrivatePage
            title="Checkout complete — Tracepipe"
            description="Confirming your Tracepipe purchase."
            path="/billing/success"
            children=move |_user: CurrentUser| {
                view! { <CheckoutConfirmation outcome retry_href=retry_href.clone() /> }
            }
        />
    }
}

#[component]
fn CheckoutConfirmation(
    outcome: Resource<Result<CheckoutOutcome, AppError>>,
    retry_href: String,
) -> impl IntoView {
    view! {
        <section class="section" aria-labelledby="checkout-title">
            <div class="container container--form">
                <SandboxNotice />
                <Transition fallback=|| ()>
                    {move || {
                        let retry_href = retry_href.clone();
                        Suspend::new(async move { checkout_outcome(outcome.await, retry_href) })
                    }}
                </Transition>
            </div>
        </section>
    }
}

fn checkout_outcome(
    outcome: Result<CheckoutOutcome, AppError>,
    retry_href: String,
) -> impl IntoView + use<> {
    match outcome {
        Ok(CheckoutOutcome::Subscribed(subscription)) => EitherOf4::A(view! {
            <h1 id="checkout-title">"You're subscribed"</h1>
            <SubscriptionSummary subscription=Some(subscription) />
            <h2>"Next step"</h2>
            <p>"Create an API key and make your first call."</p>
            <a class="button button--primary" href="/keys">"Create your API key"</a>
        }),
        Ok(CheckoutOutcome::ItemPurchased { plan_name }) => EitherOf4::B(view! {
            <h1 id="checkout-title">"Thank you"</h1>
            <p>{format!("Your {plan_name} purchase is complete. Stripe e-mails your receipt.")}</p>
            <a class="button button--primary" href="/billing">"Go to billing"</a>
        }),
        Ok(CheckoutOutcome::AwaitingConfirmation { plan_name }) => EitherOf4::C(view! {
            <h1 id="checkout-title">"Almost there"</h1>
            <p>
                {format!("Stripe hasn't confirmed your {plan_name} subscription to us yet. ")}
                "That usually takes a few seconds."
            </p>
            <a class="button button--primary" href=retry_href>"Check again"</a>
        }),
        Ok(CheckoutOutcome::Unknown) => EitherOf4::D(Either::Left(view! {
            <h1 id="checkout-title">"We couldn't find that checkout"</h1>
            <p>"If you just paid, your plan shows on the billing page within a minute."</p>
            <a class="button button--primary" href="/billing">"Go to billing"</a>
        })),
        Err(error) => EitherOf4::D(Either::Right(view! {
            <h1 id="checkout-title">"We couldn't confirm your payment yet"</h1>
            <RetryNotice error retry_href />
        })),
    }
}

#[component]
pub fn CheckoutCancelPage() -> impl IntoView {
    view! {
        <PageMeta
            title="Checkout canceled — Tracepipe"
            description="Your checkout was canceled; nothing was charged."
            path="/billing/cancel"
            noindex=true
        />
        <section class="section" aria-labelledby="cancel-title">
            <div class="container container--form">
                <h1 id="cancel-title">"Checkout canceled"</h1>
                <p class="lead">"No payment was taken and your plan is unchanged."</p>
                <p>"Questions about plans? Write to hello@tracepipe.ai and a person answers."</p>
                <a class="button button--primary" href="/pricing">"Back to pricing"</a>
            </div>
        </section>
    }
}
