//! What the pages show, computed from the period's usage.

use super::{Cost, Period, PeriodUsage, period_usage};
use crate::actor::Actor;
use crate::error::AppError;
use crate::permissions::{Access, Needed, Resource};
use crate::state::AppState;
use crate::support::time::date_label;
use crate::support::time::unix_now;
use crate::usage::{CostView, DayRequests, GettingStarted, KeyUsage, UsageOverview, grouped};
use time::OffsetDateTime;

/// The chart on `/usage` covers this many days, today included.
pub const CHART_DAYS: i64 = 30;

/// The current period's usage of the acting account, with the chart's days
/// (a key needs `usage:read`).
pub async fn current(state: &AppState, actor: &Actor) -> Result<PeriodUsage, AppError> {
    let user_id = actor.may(Needed(Resource::Usage, Access::Read))?;
    period_usage(
        &state.db,
        &state.request_counter,
        user_id,
        Period::current(),
        unix_now(),
        CHART_DAYS,
    )
    .await
    .map_err(AppError::dependency_failed("reading usage"))
}

pub async fn overview(state: &AppState, actor: &Actor) -> Result<UsageOverview, AppError> {
    let usage = current(state, actor).await?;
    let cost = usage.cost(&state.usage_rates);
    Ok(UsageOverview {
        period_start: date_label(usage.period.start),
        period_last_day: date_label(usage.period.end - time::Duration::DAY),
        requests: usage.requests,
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
        },
        daily: usage
            .daily_requests
            .iter()
            .map(|&(day, requests)| {
                let date = OffsetDateTime::UNIX_EPOCH.date() + time::Duration::days(day);
                DayRequests {
                    iso: date.to_string(),
                    label: format!("{} {}", date.day(), &date.month().to_string()[..3]),
                    requests,
                }
            })
            .collect(),
        keys: usage
            .keys
            .into_iter()
            .map(|key| KeyUsage {
                name: key.name,
                masked: key.masked,
                revoked: key.revoked,
                requests: key.requests,
            })
            .collect(),
    })
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
