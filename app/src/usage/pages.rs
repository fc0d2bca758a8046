//! `/usage` (the period's summary, the daily chart, usage per key) and the
//! dashboard's getting-started checklist.

use super::server_fns::{load_getting_started, load_usage_overview};
use super::{GettingStarted, UsageOverview, chart, counted, grouped};
use crate::accounts::auth::PrivatePage;
use crate::actor::CurrentUser;
use crate::components::Loaded;
use crate::error::AppError;
use leptos::either::Either;
use leptos::prelude::*;

#[component]
pub fn UsagePage() -> impl IntoView {
    // Outside the guard, so that it loads once (see `PrivatePage`).
    let overview = Resource::new(|| (), |_| load_usage_overview());
    view! {
        <PrivatePage
            title="Usage — Tracepipe"
            description="Your Tracepipe API requests, tokens, storage and estimated cost this billing period."
            path="/usage"
            children=move |_user: CurrentUser| view! { <UsageReport overview /> }
        />
    }
}

#[component]
fn UsageReport(overview: Resource<Result<UsageOverview, AppError>>) -> impl IntoView {
    view! {
        <section class="section" aria-labelledby="usage-title">
            <div class="container prose">
                <h1 id="usage-title">"Usage"</h1>
                <Loaded resource=overview loading="Loading your usage…" retry_href="/usage" children=|overview| view! { <UsageDetails overview /> } />
            </div>
        </section>
    }
}

#[component]
fn UsageDetails(overview: UsageOverview) -> impl IntoView {
    let UsageOverview {
        period_start,
        period_last_day,
        requests,
        tokens,
        tokens_by_model,
        storage_gb_hours,
        storage_current_gb,
        sessions_uploaded,
        examples_generated,
        cost,
        daily,
        keys,
    } = overview;
    let chart = chart::svg(&daily);
    view! {
        <p class="lead">
            "Billing period: " <time datetime=period_start.iso>{period_start.text}</time> " – "
            <time datetime=period_last_day.iso>{period_last_day.text}</time>
            " (UTC). A call shows here within seconds."
        </p>
        <ul class="stat-cards" aria-label="This period">
            <li class="stat-card">
                <span class="stat-card__label">"API requests"</span>
                <span class="stat-card__value" data-testid="usage-requests">{grouped(requests)}</span>
            </li>
            <li class="stat-card">
                <span class="stat-card__label">"Tokens"</span>
                <span class="stat-card__value">{grouped(tokens)}</span>
            </li>
            <li class="stat-card">
                <span class="stat-card__label">"Storage, GB-hours"</span>
                <span class="stat-card__value">{format!("{storage_gb_hours:.1}")}</span>
                <span class="stat-card__note">{format!("{storage_current_gb:.2} GB stored now")}</span>
            </li>
            <li class="stat-card">
                <span class="stat-card__label">"Estimated cost"</span>
                <span class="stat-card__value">{cost.total}</span>
                <span class="stat-card__note">
                    {format!("Tokens {} · storage {}", cost.tokens, cost.storage)}
                </span>
            </li>
        </ul>
        <p>
            {format!(
                "{} uploaded and {} generated this period.",
                counted(sessions_uploaded, "session"),
                counted(examples_generated, "example"),
            )}
        </p>

        <h2>"Daily requests"</h2>
        <div class="chart-frame" inner_html=chart></div>
        <details class="chart-table">
            <summary>"Daily requests as a table"</summary>
            <table>
                <caption class="visually-hidden">"API requests per day, last 30 days"</caption>
                <thead><tr><th scope="col">"Day"</th><th scope="col">"Requests"</th></tr></thead>
                <tbody>
                    {daily
                        .into_iter()
                        .map(|day| view! {
                            <tr>
                                <th scope="row"><time datetime=day.iso>{day.label}</time></th>
                                <td>{grouped(day.requests)}</td>
                            </tr>
                        })
                        .collect_view()}
                </tbody>
            </table>
        </details>

        <h2>"Requests by key"</h2>
        {if keys.is_empty() {
            Either::Left(view! { <p>"No keys yet. " <a href="/keys">"Create one"</a> " to call the API."</p> })
        } else {
            Either::Right(view! {
                <table class="table" data-testid="usage-by-key">
                    <thead>
                        <tr><th scope="col">"Name"</th><th scope="col">"Key"</th><th scope="col">"Requests this period"</th></tr>
                    </thead>
                    <tbody>
                        {keys
                            .into_iter()
                            .map(|key| view! {
                                <tr>
                                    <td>{key.name}{key.revoked.then_some(" (revoked)")}</td>
                                    <td><code>{key.masked}</code></td>
                                    <td>{grouped(key.requests)}</td>
                                </tr>
                            })
                            .collect_view()}
                    </tbody>
                </table>
            })
        }}

        <h2>"Tokens by model"</h2>
        {if tokens_by_model.is_empty() {
            Either::Left(view! { <p>"No tokens used this period."</p> })
        } else {
            Either::Right(view! {
                <table class="table">
                    <thead><tr><th scope="col">"Model"</th><th scope="col">"Tokens"</th></tr></thead>
                    <tbody>
                        {tokens_by_model
                            .into_iter()
                            .map(|(model, tokens)| view! { <tr><td>{model}</td><td>{grouped(tokens)}</td></tr> })
                            .collect_view()}
                    </tbody>
                </table>
            })
        }}
    }
}

/// The dashboard's getting-started checklist and usage summary.
pub type ProgressResource = Resource<Result<GettingStarted, AppError>>;

pub fn getting_started_resource() -> ProgressResource {
    Resource::new(|| (), |_| load_getting_started())
}

#[component]
pub fn GettingStartedPanel(progress: ProgressResource) -> impl IntoView {
    view! {
        <section class="panel" aria-labelledby="start-panel-title">
            <Loaded resource=progress loading="Checking your progress…" retry_href="/dashboard" children=|progress| view! { <Checklist progress /> } />
        </section>
    }
}

#[component]
fn Checklist(progress: GettingStarted) -> impl IntoView {
    let steps = [
        ("Create your account", Some(true)),
        ("Subscribe to a plan", progress.subscribed),
        (
            "Confirm your e-mail address",
            Some(progress.email_confirmed),
        ),
        ("Create an API key", Some(progress.has_key)),
        ("Make your first API call", Some(progress.api_called)),
    ];
    let next = match &progress {
        GettingStarted {
            subscribed: Some(false),
            ..
        } => ("Choose a plan", "/pricing"),
        GettingStarted {
            email_confirmed: false,
            ..
        } => ("See how to confirm your address", "/account"),
        GettingStarted { has_key: false, .. } => ("Create an API key", "/keys"),
        GettingStarted {
            api_called: false, ..
        } => ("Make your first call", "/docs/quickstart"),
        _ => ("See your usage", "/usage"),
    };
    // Once every step is done the checklist has nothing left to say: the
    // panel keeps the period's usage only.
    if steps.iter().all(|(_, done)| *done == Some(true)) {
        return Either::Left(view! {
            <h2 id="start-panel-title">"This period"</h2>
            <p data-testid="checklist-done">"You\u{2019}re set up: plan, confirmed address, key and first API call are all done."</p>
            <UsageSummary progress />
        });
    }
    Either::Right(view! {
        <h2 id="start-panel-title">"Getting started"</h2>
        <ol class="checklist" data-testid="checklist">
            {steps
                .into_iter()
                .map(|(step, done)| {
                    let (class, state) = match done {
                        Some(true) => ("checklist__item checklist__item--done", "Done"),
                        Some(false) => ("checklist__item", "To do"),
                        None => ("checklist__item", "Can't check right now"),
                    };
                    view! {
                        <li class=class>
                            <span class="checklist__step">{step}</span>
                            <span class="checklist__state">{state}</span>
                        </li>
                    }
                })
                .collect_view()}
        </ol>
        <a class="button button--primary" href=next.1>{next.0}</a>
        <h3>"This period"</h3>
        <UsageSummary progress />
    })
}

/// The period's requests, tokens and estimated cost, in one line.
#[component]
fn UsageSummary(progress: GettingStarted) -> impl IntoView {
    view! {
        <p data-testid="usage-summary">
            {format!(
                "{} · {} · estimated {}",
                counted(progress.requests, "API request"),
                counted(progress.tokens, "token"),
                progress.estimated_cost,
            )}
            " since " <time datetime=progress.period_start.iso>{progress.period_start.text}</time>
        </p>
        <p class="section-more"><a href="/usage">"Usage details"</a></p>
    }
}
