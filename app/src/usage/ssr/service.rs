//! What the pages show, computed from the period's usage.

use super::{Cost, Period, PeriodUsage, period_usage};
use crate::actor::Actor;
use crate::catalog::BillingInterval;
use crate::error::AppError;
use crate::payments::ssr::Freshness;
use crate::payments::ssr::catalog::{Allowances, CatalogPlan};
use crate::permissions::{Access, Needed, Resource};
use crate::state::AppState;
use crate::support::time::date_label;
use crate::support::time::unix_now;
use crate::usage::{
    ChartDay, CostView, Failures, GettingStarted, KeyUsage, Meter, PlanMeters, UsageChart,
    UsageOverview, UsageWindow, grouped,
};
use time::OffsetDateTime;

/// The current period's usage of the acting account (a key needs
/// `usage:read`): the calendar month, as `/v1/usage` documents it.
pub async fn current(state: &AppState, actor: &Actor) -> Result<PeriodUsage, AppError> {
    let user_id = actor.may(Needed(Resource::Usage, Access::Read))?;
    period_usage(
        &state.db,
        &state.request_counter,
        user_id,
        Period::current(),
        unix_now(),
    )
    .await
    .map_err(AppError::dependency_failed("reading usage"))
}

/// The billing period a page measures against: the active subscription's
/// (with its plan), else the calendar month with the reason why.
struct BillingPeriod {
    period: Period,
    plan: Option<CatalogPlan>,
    note: Option<String>,
}

async fn billing_period(state: &AppState, actor: &Actor) -> Result<BillingPeriod, AppError> {
    let session = actor.session()?;
    let subscription = state
        .payments
        .subscription(
            &state.catalog,
            &session.user.id,
            Freshness::for_page(session.checkout_activity),
        )
        .await;
    let calendar_month = |note: &str| BillingPeriod {
        period: Period::current(),
        plan: None,
        note: Some(note.to_owned()),
    };
    Ok(match subscription {
        Ok(Some(current)) if current.is_active() => match current.period_end {
            Some(end) => BillingPeriod {
                period: Period::renewing(
                    end,
                    match current.plan.interval {
                        Some(BillingInterval::Year) => 12,
                        _ => 1,
                    },
                    OffsetDateTime::now_utc(),
                ),
                plan: Some(current.plan),
                note: None,
            },
            None => calendar_month(
                "The payment service gave no renewal date: this is the calendar month (UTC).",
            ),
        },
        Ok(_) => {
            calendar_month("Without an active plan, usage is counted by calendar month (UTC).")
        }
        Err(err) => {
            tracing::warn!(error = %err, "usage without the billing period");
            calendar_month(
                "The payment service did not answer: this is the calendar month (UTC), which may differ from your plan's period. Reload to try again.",
            )
        }
    })
}

/// `/usage` for `window` (a person's page: a key cannot read it).
pub async fn overview(
    state: &AppState,
    actor: &Actor,
    window: UsageWindow,
) -> Result<UsageOverview, AppError> {
    let user_id = actor.session()?.user.id.clone();
    let now = unix_now();
    let billing = billing_period(state, actor).await?;
    let shown = match window {
        UsageWindow::LastWeek => Period::last_days(now, 7),
        UsageWindow::LastMonth => Period::last_days(now, 30),
        UsageWindow::BillingPeriod => billing.period,
    };
    let read = |period: Period| {
        let user_id = user_id.clone();
        async move {
            period_usage(&state.db, &state.request_counter, &user_id, period, now)
                .await
                .map_err(AppError::dependency_failed("reading usage"))
        }
    };
    let usage = read(shown).await?;
    let plan = match (
        &billing.plan,
        billing.plan.as_ref().and_then(|plan| plan.allowances),
    ) {
        (Some(plan), Some(allowances)) => {
            let in_period = if shown == billing.period {
                usage.clone()
            } else {
                read(billing.period).await?
            };
            Some(PlanMeters {
                plan_name: plan.name.clone(),
                resets: date_label(billing.period.end),
                meters: meters(&in_period, &allowances),
            })
        }
        _ => None,
    };
    let cost = usage.cost(&state.usage_rates);
    let rates = &state.usage_rates;
    Ok(UsageOverview {
        window,
        first_day: date_label(shown.start),
        last_day: date_label(shown.last_day()),
        period_note: (window == UsageWindow::BillingPeriod)
            .then_some(billing.note)
            .flatten(),
        plan,
        requests: usage.requests,
        failures: Failures {
            client_errors: usage.tally.client_errors,
            rate_limited: usage.tally.rate_limited,
            server_errors: usage.tally.server_errors,
        },
        tokens: usage.tokens(),
        tokens_by_model: usage.tokens_by_model.clone().into_iter().collect(),
        storage_gb_hours: usage.storage_gb_hours,
        storage_current_gb: usage.storage_current_gb,
        sessions_uploaded: usage.sessions_uploaded,
        examples_generated: usage.examples_generated,
        cost: CostView {
            tokens: money(cost.tokens, &cost.currency),
            storage: money(cost.storage, &cost.currency),
            total: money(cost.total, &cost.currency),
            meaning: format!(
                "The tokens and storage above at list prices ({} per million tokens, {} per GB-hour stored); your plan's price already includes what is within its allowances.",
                rate(rates.per_million_tokens, &rates.currency),
                rate(rates.per_gb_hour, &rates.currency),
            ),
        },
        chart: chart(&usage),
        keys: usage
            .keys
            .into_iter()
            .filter(|key| !key.revoked || key.tally.requests + key.tally.failed() > 0)
            .map(|key| KeyUsage {
                name: key.name,
                masked: key.masked,
                revoked: key.revoked,
                requests: key.tally.requests,
                failed: key.tally.failed(),
            })
            .collect(),
    })
}

/// The plan's four allowances against what the billing period used.
fn meters(usage: &PeriodUsage, allowances: &Allowances) -> Vec<Meter> {
    let count = |label: &str, used: i64, allowance: i64| Meter {
        label: label.to_owned(),
        used: used as f64,
        allowance: allowance as f64,
        used_text: grouped(used),
        allowance_text: grouped(allowance),
    };
    vec![
        count(
            "Recorded sessions",
            usage.sessions_uploaded,
            allowances.sessions,
        ),
        count("Tokens", usage.tokens(), allowances.tokens),
        Meter {
            label: "Storage".to_owned(),
            used: usage.storage_current_gb,
            allowance: allowances.storage_gb,
            used_text: format!("{:.2} GB", usage.storage_current_gb),
            allowance_text: format!("{} GB", allowances.storage_gb),
        },
        count("API requests", usage.requests, allowances.requests),
    ]
}

/// Keys that each get their own colour in the chart; the rest share one.
const CHART_SERIES: usize = 5;

/// Requests per day stacked by key (the busiest keys first, the others
/// together), and each day's failures.
fn chart(usage: &PeriodUsage) -> UsageChart {
    let mut ranked: Vec<usize> = (0..usage.keys.len())
        .filter(|&index| usage.keys[index].tally.requests > 0)
        .collect();
    ranked.sort_by_key(|&index| std::cmp::Reverse(usage.keys[index].tally.requests));
    let own = ranked.len().min(if ranked.len() > CHART_SERIES {
        CHART_SERIES - 1
    } else {
        CHART_SERIES
    });
    let mut series: Vec<String> = ranked[..own]
        .iter()
        .map(|&index| usage.keys[index].name.clone())
        .collect();
    let others = &ranked[own..];
    if !others.is_empty() {
        series.push("Other keys".to_owned());
    }
    let days = usage
        .daily
        .iter()
        .map(|day| {
            let date = OffsetDateTime::UNIX_EPOCH.date() + time::Duration::days(day.day);
            let mut requests: Vec<i64> = ranked[..own]
                .iter()
                .map(|&index| day.per_key[index])
                .collect();
            if !others.is_empty() {
                requests.push(others.iter().map(|&index| day.per_key[index]).sum());
            }
            ChartDay {
                iso: date.to_string(),
                label: format!("{} {}", date.day(), &date.month().to_string()[..3]),
                requests,
                failed: day.failures.failed(),
            }
        })
        .collect();
    UsageChart { series, days }
}

/// A unit price as written: "$2", "$0.0005".
fn rate(amount: f64, currency: &str) -> String {
    let number = format!("{amount}");
    match currency {
        "USD" => format!("${number}"),
        "EUR" => format!("€{number}"),
        "GBP" => format!("£{number}"),
        other => format!("{number} {other}"),
    }
}

pub async fn getting_started(state: &AppState, actor: &Actor) -> Result<GettingStarted, AppError> {
    let session = actor.session()?;
    let usage = current(state, actor).await?;
    let subscribed = state
        .payments
        .active_plan_for_page(&state.catalog, &session.user.id, session.checkout_activity)
        .await;
    let Cost {
        total, currency, ..
    } = usage.cost(&state.usage_rates);
    Ok(GettingStarted {
        subscribed,
        email_confirmed: session.user.email_verified,
        has_key: usage.keys.iter().any(|key| !key.revoked),
        api_called: usage.api_called,
        requests: usage.requests,
        tokens: usage.tokens(),
        estimated_cost: money(total, &currency),
        period_start: date_label(usage.period.start),
    })
}

/// 1234.5, "USD" → "$1,234.50"; currencies without a sign here get the code.
pub fn money(amount: f64, currency: &str) -> String {
    let cents = (amount * 100.0).round() as i64;
    let number = format!("{}.{:02}", grouped(cents / 100), (cents % 100).abs());
    match currency {
        "USD" => format!("${number}"),
        "EUR" => format!("€{number}"),
        "GBP" => format!("£{number}"),
        other => format!("{number} {other}"),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn money_has_its_sign_and_cents() {
        assert_eq!(super::money(1234.5, "USD"), "$1,234.50");
        assert_eq!(super::money(0.004, "EUR"), "€0.00");
        assert_eq!(super::money(7.0, "CHF"), "7.00 CHF");
    }
}
