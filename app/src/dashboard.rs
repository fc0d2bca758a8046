//! The dashboard: where a signed-in user lands, with the next step, their
//! plan, and a way to every page of the app.

use crate::accounts::auth::PrivatePage;
use crate::actor::CurrentUser;
use crate::api_keys::pages::{ExpiringKeysNotice, expiring_keys_resource};
use crate::billing::pages::{SubscriptionPanel, subscription_resource};
use crate::usage::pages::{GettingStartedPanel, getting_started_resource};
use leptos::prelude::*;

#[component]
pub fn DashboardPage() -> impl IntoView {
    let progress = getting_started_resource();
    let subscription = subscription_resource();
    let expiring = expiring_keys_resource();
    view! {
        <PrivatePage
            title="Dashboard — Tracepipe"
            description="Your Tracepipe plan, keys and usage."
            path="/dashboard"
            children=move |user: CurrentUser| {
                view! {
                    <section class="section" aria-labelledby="dashboard-title">
                        <div class="container">
                            <h1 id="dashboard-title">{format!("Welcome, {}", user.display_name)}</h1>
                            <ExpiringKeysNotice expiring />
                            <div class="dashboard-panels">
                                <GettingStartedPanel progress />
                                <SubscriptionPanel subscription />
                            </div>
                            <DashboardShortcuts />
                        </div>
                    </section>
                }
            }
        />
    }
}

/// The app's places, always linked from the dashboard (the checklist above
/// points only at the next step).
#[component]
fn DashboardShortcuts() -> impl IntoView {
    const SHORTCUTS: &[(&str, &str, &str)] = &[
        (
            "/keys",
            "API keys",
            "Create, list and revoke the keys your code uses.",
        ),
        (
            "/usage",
            "Usage",
            "Requests per day and per key, tokens, estimated cost.",
        ),
        (
            "/billing",
            "Billing",
            "Your plan and its renewal; invoices and cards in Stripe.",
        ),
        (
            "/docs/quickstart",
            "Quickstart",
            "From a key to your first API call.",
        ),
    ];
    view! {
        <nav class="shortcuts" aria-labelledby="shortcuts-title">
            <h2 id="shortcuts-title">"Your workspace"</h2>
            <ul class="shortcut-list">
                {SHORTCUTS
                    .iter()
                    .map(|(href, label, what)| {
                        view! {
                            <li class="shortcut">
                                <a href=*href>{*label}</a>
                                <p>{*what}</p>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </nav>
    }
}
