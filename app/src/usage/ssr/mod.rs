//! Server-only usage: the request recorder, metered reports from other
//! services, and what a user used in a billing period.

pub mod recorder;
pub mod reports;
pub mod service;

use crate::support::time::unix_now;
use recorder::{RequestCounter, day_of};
use sqlx::{AnyPool, FromRow};
use std::collections::BTreeMap;
use time::{Date, Month, OffsetDateTime, Time};

/// Per-unit prices for the estimated cost (`USAGE_PRICE_*`).
#[derive(Clone, Debug, PartialEq)]
pub struct Rates {
    pub per_million_tokens: f64,
    pub per_gb_hour: f64,
    /// ISO 4217, such as "USD".
    pub currency: String,
}

/// A billing period: the calendar month (UTC), `end` exclusive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Period {
    pub start: OffsetDateTime,
    pub end: OffsetDateTime,
}

impl Period {
    /// The calendar month `moment` falls in.
    pub fn month_of(moment: OffsetDateTime) -> Self {
        let moment = moment.to_offset(time::UtcOffset::UTC);
        let first_of = |year: i32, month: Month| {
            Date::from_calendar_date(year, month, 1)
                .expect("the first of a month exists")
                .with_time(Time::MIDNIGHT)
                .assume_utc()
        };
        let (next_year, next_month) = match moment.month() {
            Month::December => (moment.year() + 1, Month::January),
            month => (moment.year(), month.next()),
        };
        Self {
            start: first_of(moment.year(), moment.month()),
            end: first_of(next_year, next_month),
        }
    }

    pub fn current() -> Self {
        Self::month_of(
            OffsetDateTime::from_unix_timestamp(unix_now()).unwrap_or(OffsetDateTime::UNIX_EPOCH),
        )
    }

    /// Days (since 1970-01-01) in the period: the month starts at midnight.
    fn days(&self) -> std::ops::Range<i64> {
        day_of(self.start.unix_timestamp())..day_of(self.end.unix_timestamp())
    }
}

/// One key of the user, with its requests in the period.
#[derive(Clone, Debug, PartialEq)]
pub struct KeyRequests {
    pub key_id: String,
    pub name: String,
    pub masked: String,
    pub revoked: bool,
    pub requests: i64,
}

/// Everything a user used in a period.
#[derive(Clone, Debug, PartialEq)]
pub struct PeriodUsage {
    pub period: Period,
    /// Authenticated `/v1` requests, counted here.
    pub requests: i64,
    pub keys: Vec<KeyRequests>,
    /// Requests by day over `history_days` days ending today, oldest first.
    pub daily_requests: Vec<(i64, i64)>,
    pub tokens_by_model: BTreeMap<String, i64>,
    pub storage_gb_hours: f64,
    /// The latest reported size, whatever its period; 0 before any report.
    pub storage_current_gb: f64,
    pub sessions_uploaded: i64,
    pub examples_generated: i64,
    /// A request has been made with one of the user's keys, ever.
    pub api_called: bool,
}

impl PeriodUsage {
    pub fn tokens(&self) -> i64 {
        self.tokens_by_model.values().sum()
    }

    pub fn cost(&self, rates: &Rates) -> Cost {
        // Rounded to cents part by part, so the parts add up to the total shown.
        let cents = |amount: f64| (amount * 100.0).round() / 100.0;
        let tokens = cents(self.tokens() as f64 / 1_000_000.0 * rates.per_million_tokens);
        let storage = cents(self.storage_gb_hours * rates.per_gb_hour);
        Cost {
            tokens,
            storage,
            total: cents(tokens + storage),
            currency: rates.currency.clone(),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Cost {
    pub tokens: f64,
    pub storage: f64,
    pub total: f64,
    pub currency: String,
}

#[derive(FromRow)]
struct KeyDayRow {
    id: String,
    name: String,
    masked: String,
    revoked_at: Option<i64>,
    last_used_at: Option<i64>,
    day: Option<i64>,
    requests: Option<i64>,
}

struct KeyRow {
    id: String,
    name: String,
    masked: String,
    revoked_at: Option<i64>,
    last_used_at: Option<i64>,
}

#[derive(FromRow)]
struct ReportTotals {
    storage_gb_hours: f64,
    sessions_uploaded: i64,
    examples_generated: i64,
    /// The latest reported size, whatever its period.
    storage_current_gb: Option<f64>,
}

/// What `user_id` used in `period`, with the daily requests of the
/// `history_days` days up to `today` (unix seconds). Counts still in this
/// instance's memory are included, so a request shows at once.
pub async fn period_usage(
    db: &AnyPool,
    counter: &RequestCounter,
    user_id: &str,
    period: Period,
    today: i64,
    history_days: i64,
) -> Result<PeriodUsage, sqlx::Error> {
    let today = day_of(today);
    let first_day = (today - history_days + 1).min(period.days().start);
    // Until the counts in memory are added below.
    let read_turn = counter.read_turn().await;
    // Three queries on one connection: each query on the pool is two round
    // trips to an SQLite worker thread (the query, then the pool's check
    // when the connection comes back), and pages render this on every view.
    let mut conn = db.acquire().await?;
    // Each key with its counted days, one row per day (or one with no day).
    let rows: Vec<KeyDayRow> = sqlx::query_as(
        "SELECT k.id, k.name, k.masked, k.revoked_at, k.last_used_at, c.day, c.requests \
         FROM api_keys k LEFT JOIN api_request_counts c ON c.key_id = k.id AND c.day >= $2 \
         WHERE k.user_id = $1 ORDER BY k.created_at, k.id",
    )
    .bind(user_id)
    .bind(first_day)
    .fetch_all(&mut *conn)
    .await?;
    let (start, end) = (period.start.unix_timestamp(), period.end.unix_timestamp());
    let totals: ReportTotals = sqlx::query_as(
        "SELECT CAST(COALESCE(SUM(storage_gb_hours), 0) AS DOUBLE PRECISION) AS storage_gb_hours, \
         COALESCE(CAST(SUM(sessions_uploaded) AS BIGINT), 0) AS sessions_uploaded, \
         COALESCE(CAST(SUM(examples_generated) AS BIGINT), 0) AS examples_generated, \
         CAST((SELECT latest.storage_current_gb FROM usage_reports latest \
               WHERE latest.user_id = $1 AND latest.storage_current_gb IS NOT NULL \
               ORDER BY latest.occurred_at DESC, latest.received_at DESC LIMIT 1) \
              AS DOUBLE PRECISION) AS storage_current_gb \
         FROM usage_reports WHERE user_id = $1 AND occurred_at >= $2 AND occurred_at < $3",
    )
    .bind(user_id)
    .bind(start)
    .bind(end)
    .fetch_one(&mut *conn)
    .await?;
    let tokens_by_model: Vec<(String, i64)> = sqlx::query_as(
        "SELECT t.model, COALESCE(CAST(SUM(t.tokens) AS BIGINT), 0) FROM usage_report_tokens t \
         JOIN usage_reports r ON r.idempotency_key = t.idempotency_key \
         WHERE r.user_id = $1 AND r.occurred_at >= $2 AND r.occurred_at < $3 GROUP BY t.model",
    )
    .bind(user_id)
    .bind(start)
    .bind(end)
    .fetch_all(&mut *conn)
    .await?;
    drop(conn);

    let mut keys: Vec<KeyRow> = Vec::new();
    let mut counts: Vec<(String, i64, i64)> = Vec::new();
    for row in rows {
        if keys.last().is_none_or(|key| key.id != row.id) {
            counts.extend(
                counter
                    .pending_for(&row.id)
                    .into_iter()
                    .map(|(day, requests)| (row.id.clone(), day, requests)),
            );
            keys.push(KeyRow {
                id: row.id.clone(),
                name: row.name,
                masked: row.masked,
                revoked_at: row.revoked_at,
                last_used_at: row.last_used_at,
            });
        }
        if let (Some(day), Some(requests)) = (row.day, row.requests) {
            counts.push((row.id, day, requests));
        }
    }

    drop(read_turn);

    let in_period = period.days();
    let requests_of = |key_id: &str| -> i64 {
        counts
            .iter()
            .filter(|(id, day, _)| id == key_id && in_period.contains(day))
            .map(|(_, _, requests)| requests)
            .sum()
    };
    let api_called = keys.iter().any(|key| key.last_used_at.is_some())
        || counts.iter().any(|(_, _, requests)| *requests > 0);
    let keys: Vec<KeyRequests> = keys
        .into_iter()
        .map(|key| KeyRequests {
            requests: requests_of(&key.id),
            revoked: key.revoked_at.is_some(),
            key_id: key.id,
            name: key.name,
            masked: key.masked,
        })
        // Revoked keys stay in the breakdown for the period they were used in.
        .filter(|key| !key.revoked || key.requests > 0)
        .collect();
    let daily_requests = (today - history_days + 1..=today)
        .map(|day| {
            let requests = counts
                .iter()
                .filter(|(_, counted_day, _)| *counted_day == day)
                .map(|(_, _, requests)| requests)
                .sum();
            (day, requests)
        })
        .collect();
    Ok(PeriodUsage {
        period,
        requests: keys.iter().map(|key| key.requests).sum(),
        keys,
        daily_requests,
        tokens_by_model: tokens_by_model.into_iter().collect(),
        storage_gb_hours: totals.storage_gb_hours,
        storage_current_gb: totals.storage_current_gb.unwrap_or(0.0),
        sessions_uploaded: totals.sessions_uploaded,
        examples_generated: totals.examples_generated,
        api_called,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn a_period_is_the_calendar_month_in_utc() {
        let november = Period::month_of(datetime!(2026-11-21 12:00 UTC));
        assert_eq!(november.start, datetime!(2026-11-01 00:00 UTC));
        assert_eq!(november.end, datetime!(2026-12-01 00:00 UTC));
        // The last second of a month belongs to it; the next one does not.
        assert_eq!(
            Period::month_of(datetime!(2026-11-30 23:59:59 UTC)),
            november
        );
        assert_ne!(Period::month_of(datetime!(2026-12-01 00:00 UTC)), november);
        // Local midnight on 1 December in Tokyo is still November in UTC.
        assert_eq!(
            Period::month_of(datetime!(2026-12-01 08:59:59 +9)),
            november
        );
        let december = Period::month_of(datetime!(2026-12-31 23:59:59 UTC));
        assert_eq!(december.end, datetime!(2027-01-01 00:00 UTC));
        let february = Period::month_of(datetime!(2028-02-29 10:00 UTC));
        assert_eq!(february.end, datetime!(2028-03-01 00:00 UTC));
        assert_eq!(november.days().count(), 30);
        assert_eq!(february.days().count(), 29);
    }

    #[test]
    fn costs_are_rounded_to_cents_and_add_up() {
        let rates = Rates {
            per_million_tokens: 2.0,
            per_gb_hour: 0.0005,
            currency: "USD".to_owned(),
        };
        let usage = PeriodUsage {
            period: Period::month_of(datetime!(2026-11-21 12:00 UTC)),
            requests: 0,
            keys: Vec::new(),
            daily_requests: Vec::new(),
            tokens_by_model: BTreeMap::from([("a".to_owned(), 1_234_567), ("b".to_owned(), 5)]),
            storage_gb_hours: 7_300.0,
            storage_current_gb: 10.0,
            sessions_uploaded: 0,
            examples_generated: 0,
            api_called: false,
        };
        let cost = usage.cost(&rates);
        assert_eq!(usage.tokens(), 1_234_572);
        assert_eq!((cost.tokens, cost.storage, cost.total), (2.47, 3.65, 6.12));
    }
}
