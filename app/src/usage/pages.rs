//! `/usage` (the plan's allowances, one window's summary, the daily chart,
//! usage per key) and the dashboard's getting-started checklist.

use super::chart::RequestsChart;
use super::server_fns::{load_getting_started, load_usage_overview};
use super::{GettingStarted, PlanMeters, UsageOverview, UsageWindow, counted, grouped};
use crate::accounts::auth::PrivatePage;
use crate::actor::CurrentUser;
use crate::components::Loaded;
use crate::error::AppError;
use leptos::either::Either;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

#[component]
pub fn UsagePage() -> impl IntoView {
    let window =
        use_query_map().with_untracked(|query| UsageWindow::from_slug(query.get_str("period")));
    let overview = Resource::new(
        move || window,
        |window| load_usage_overview(window.slug().to_owned()),
    );
    view! {
        <PrivatePage
            title="Usage — Tracepipe"
            description="Your Tracepipe usage against your plan: recorded sessions, tokens, storage and API requests, per day and per key."
            path="/usage"
            children=move |_user: CurrentUser| view! { <UsageReport overview window /> }
        />
    }
}

#[component]
fn UsageReport(
    overview: Resource<Result<UsageOverview, AppError>>,
    window: UsageWindow,
) -> impl IntoView {
    view! {
        <section class="section" aria-labelledby="usage-title">
            <div class="container">
                <h1 id="usage-title">"Usage"</h1>
                <WindowPicker window />
                <Loaded resource=overview retry_href="/usage" children=|overview| view! { <UsageDetails overview /> } />
            </div>
        </section>
    }
}

/// One choice of window for the whole page: its cards, chart and tables.
#[component]
fn WindowPicker(window: UsageWindow) -> impl IntoView {
    let choices = UsageWindow::ALL
        .map(|choice| {
            view! {
                <li>
                    <a href=choice.href() aria-current=(window == choice).then_some("true")>{choice.label()}</a>
                </li>
            }
        })
        .collect_view();
    view! {
        <nav class="pills" aria-label="Period shown">
            <ul>{choices}</ul>
        </nav>
    }
}

#[component]
fn UsageDetails(overview: UsageOverview) -> impl IntoView {
    let UsageOverview {
        window,
        first_day,
        last_day,
        period_note,
        plan,
        requests,
        failures,
        tokens,
        tokens_by_model,
        storage_gb_hours,
        storage_current_gb,
        sessions_uploaded,
        examples_generated,
        cost,
        chart,
        keys,
    } = overview;
    let span = format!(
        "{}: {} – {} (UTC)",
        window.label(),
        first_day.text,
        last_day.text
    );
    let caption = format!("API requests per day, {}", window.label().to_lowercase());
    let days = chart.days.clone();
    view! {
        <p class="lead" data-testid="usage-window">{span.clone()}</p>
        {period_note.map(|note| view! { <p class="notice">{note}</p> })}
        <PlanAllowances plan />
        <h2 class="visually-hidden">{window.label()}</h2>
        <ul class="stat-cards" aria-label=span>
            <li class="stat-card">
                <span class="stat-card__label">"API requests"</span>
                <span class="stat-card__value" data-testid="usage-requests">{grouped(requests)}</span>
                <span class="stat-card__note">"A call shows here within seconds."</span>
            </li>
            <li class="stat-card">
                <span class="stat-card__label">"Failed calls"</span>
                <span class="stat-card__value" data-testid="usage-failed">{grouped(failures.total())}</span>
                <span class="stat-card__note">
                    {format!(
                        "{} client errors (4xx) · {} rate-limited (429) · {} server errors (5xx)",
                        grouped(failures.client_errors),
                        grouped(failures.rate_limited),
                        grouped(failures.server_errors),
                    )}
                </span>
            </li>
            <li class="stat-card">
                <span class="stat-card__label">"Tokens"</span>
                <span class="stat-card__value">{grouped(tokens)}</span>
                <span class="stat-card__note">
                    {format!(
                        "{} uploaded, {} generated",
                        counted(sessions_uploaded, "session"),
                        counted(examples_generated, "example"),
                    )}
                </span>
            </li>
            <li class="stat-card">
                <span class="stat-card__label">"Storage"</span>
                <span class="stat-card__value">{format!("{storage_current_gb:.2} GB")}</span>
                <span class="stat-card__note">{format!("{storage_gb_hours:.1} GB-hours over the period")}</span>
            </li>
            <li class="stat-card">
                <span class="stat-card__label">"Estimated cost"</span>
                <span class="stat-card__value">{cost.total}</span>
                <span class="stat-card__note">{format!("Tokens {} · storage {}", cost.tokens, cost.storage)}</span>
            </li>
        </ul>
        <p class="field-hint">"Estimated cost: " {cost.meaning}</p>

        <h2>"Requests per day"</h2>
        <RequestsChart chart caption=caption.clone() />
        <details class="chart-table">
            <summary>"Requests per day as a table"</summary>
            <table class="table">
                <caption class="visually-hidden">{caption}</caption>
                <thead><tr><th scope="col">"Day"</th><th scope="col">"Requests"</th><th scope="col">"Failed"</th></tr></thead>
                <tbody>
                    {days
                        .into_iter()
                        .map(|day| view! {
                            <tr>
                                <th scope="row"><time datetime=day.iso.clone()>{day.label.clone()}</time></th>
                                <td>{grouped(day.total())}</td>
                                <td>{grouped(day.failed)}</td>
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
                <table class="table table--stack" data-testid="usage-by-key">
                    <thead>
                        <tr><th scope="col">"Name"</th><th scope="col">"Key"</th><th scope="col">"Requests"</th><th scope="col">"Failed"</th></tr>
                    </thead>
                    <tbody>
                        {keys
                            .into_iter()
                            .map(|key| view! {
                                <tr>
                                    <td data-label="Name">{key.name}{key.revoked.then_some(" (revoked)")}</td>
                                    <td data-label="Key"><code>{key.masked}</code></td>
                                    <td data-label="Requests">{grouped(key.requests)}</td>
                                    <td data-label="Failed">{grouped(key.failed)}</td>
                                </tr>
                            })
                            .collect_view()}
                    </tbody>
                </table>
            })
        }}

        <h2>"Tokens by model"</h2>
        {if tokens_by_model.is_empty() {
            Either::Left(view! { <p>"No tokens used in this period."</p> })
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

/// A meter's classes: amber from 80 % of the allowance, red at 100 %.
fn meter_class(percent: i64) -> &'static str {
    match percent {
        100.. => "meter meter--over",
        80..=99 => "meter meter--near",
        _ => "meter",
    }
}

/// The plan's allowances as meters for the billing period, and when they
/// start again; without a plan, the way to one.
#[component]
fn PlanAllowances(plan: Option<PlanMeters>) -> impl IntoView {
    let Some(plan) = plan else {
        return Either::Left(view! {
            <p class="notice">"Without a plan there are no allowances to measure against. " <a href="/pricing">"Choose a plan"</a></p>
        });
    };
    let meters = plan
        .meters
        .into_iter()
        .map(|meter| {
            let percent = meter.percent();
            let text = format!(
                "{} of {} ({percent}%)",
                meter.used_text, meter.allowance_text
            );
            // Whole 5 % steps: the bar's width is a class, as the content
            // security policy allows no inline styles.
            let step = (percent.clamp(0, 100) / 5) * 5;
            view! {
                <li class=meter_class(percent)>
                    <span class="meter__label">{meter.label.clone()}</span>
                    <span class="meter__value">{text.clone()}</span>
                    <span
                        class="meter__track"
                        role="meter"
                        aria-label=meter.label
                        aria-valuemin="0"
                        aria-valuemax=meter.allowance.to_string()
                        aria-valuenow=meter.used.min(meter.allowance).to_string()
                        aria-valuetext=text
                    >
                        <span class=format!("meter__fill meter__fill--{step}")></span>
                    </span>
                </li>
            }
        })
        .collect_view();
    Either::Right(view! {
        <section class="panel plan-meters" aria-labelledby="allowances-title">
            <h2 id="allowances-title">{format!("{} plan: this billing period", plan.plan_name)}</h2>
            <p class="field-hint">"Allowances start again on " <time datetime=plan.resets.iso>{plan.resets.text}</time> "."</p>
            <ul class="meters">{meters}</ul>
        </section>
    })
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
            <Loaded resource=progress retry_href="/dashboard" children=|progress| view! { <Checklist progress /> } />
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
