//! `/pricing`: the plans, each with what a visitor, a subscriber or a
//! customer of another plan can do with it. Server-only: the page does not
//! hydrate, and its buttons are forms.

use super::SubscriptionView;
use super::components::PlanCard;
use super::pages::{SandboxNotice, action_error, subscription_resource};
use super::server_fns::Checkout;
use crate::accounts::auth::UserResource;
use crate::catalog::{PlanKind, PlanSummary};
use crate::components::{PageMeta, ServerForm, SubmitButton};
use crate::site::SiteInfo;
use leptos::either::EitherOf4;
use leptos::prelude::*;

#[component]
pub fn PricingPage() -> impl IntoView {
    let site = expect_context::<SiteInfo>();
    let user = expect_context::<UserResource>();
    let subscription = subscription_resource();
    // A post: the server answers with a redirect to the checkout.
    let checkout = ServerAction::<Checkout>::new();
    let catalog = site.catalog.clone();
    view! {
        <PageMeta
            title="Pricing — Tracepipe"
            description="Tracepipe plans: Starter, Pro and Scale, billed monthly through Stripe, plus credit packs. Cancel any time."
            path="/pricing"
        />
        <section class="section" aria-labelledby="pricing-title">
            <div class="container">
                <h1 id="pricing-title">"Pricing"</h1>
                <p class="lead">
                    "Every plan includes the full API, JSONL export and per-key usage. "
                    "Billed monthly through Stripe; change or cancel any time from Manage billing."
                </p>
                <SandboxNotice />
                <p class="form-error" role="alert">{action_error(move || checkout.value().get())}</p>
                <Transition fallback=|| view! { <p>"Loading plans…"</p> }>
                    {move || {
                        let catalog = catalog.clone();
                        Suspend::new(async move {
                            let signed_in = matches!(user.await, Ok(Some(_)));
                            let current = if signed_in { subscription.await } else { Ok(None) };
                            let status_unknown = current.is_err();
                            let active = current.ok().flatten().filter(SubscriptionView::is_active);
                            let cards = |kind: PlanKind| {
                                catalog
                                    .plans
                                    .iter()
                                    .filter(|plan| plan.kind == kind)
                                    .map(|plan| {
                                        let action = plan_action(plan, signed_in, active.as_ref(), checkout);
                                        view! {
                                            <PlanCard plan=plan.clone() price=catalog.price_label(plan)>
                                                {action}
                                            </PlanCard>
                                        }
                                    })
                                    .collect_view()
                            };
                            view! {
                                {status_unknown.then(|| view! {
                                    <p class="notice" role="status">
                                        "We couldn't check your current plan just now. You can still choose one: "
                                        "we check again before anything is charged."
                                    </p>
                                })}
                                <h2 id="plans-title">"Monthly plans"</h2>
                                <div class="plan-grid">{cards(PlanKind::Subscription)}</div>
                                <h2 id="add-ons-title">"Add-ons"</h2>
                                <div class="plan-grid plan-grid--add-ons">{cards(PlanKind::OneTime)}</div>
                            }
                        })
                    }}
                </Transition>
            </div>
        </section>
    }
}

/// What a plan card offers this visitor.
fn plan_action(
    plan: &PlanSummary,
    signed_in: bool,
    active: Option<&SubscriptionView>,
    checkout: ServerAction<Checkout>,
) -> impl IntoView + use<> {
    let one_time = plan.kind == PlanKind::OneTime;
    let (plan_id, primary) = (plan.id.clone(), plan.highlighted);
    if !signed_in {
        let label = if one_time {
            "Create an account to buy"
        } else {
            "Create an account to subscribe"
        };
        return EitherOf4::A(view! {
            <a class="button button--secondary plan-action" href="/register?next=/pricing">{label}</a>
        });
    }
    match active {
        Some(active) if !one_time && active.plan_id == plan.id => EitherOf4::B(view! {
            <p class="plan-current">"Current plan"</p>
            <a class="plan-action" href="/billing">"Manage billing"</a>
        }),
        Some(_) if !one_time => EitherOf4::C(view! {
            <a class="button button--secondary plan-action" href="/billing">"Switch in Manage billing"</a>
        }),
        _ => EitherOf4::D(view! {
            <ServerForm action=checkout class="plan-action">
                <input type="hidden" name="plan_id" value=plan_id />
                <SubmitButton
                    label=if one_time { "Buy" } else { "Subscribe" }
                    busy_label="Opening checkout…"
                    primary=primary
                />
            </ServerForm>
        }),
    }
}
