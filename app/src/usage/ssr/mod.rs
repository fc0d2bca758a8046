//! Server-only usage: the request recorder, metered reports from other
//! services, and what a user used in a billing period.

pub mod recorder;
pub mod reports;
pub mod service;

use crate::support::time::unix_now;
use recorder::{RequestCounter, Tally, day_of};
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

    /// The period, of a subscription that renews every `months` months on
    /// `renewal`'s day and time, that `now` falls in: the one ending at
    /// `renewal` when it is current, an earlier or later one when the
    /// renewal date is stale or far ahead.
    pub fn renewing(renewal: OffsetDateTime, months: i32, now: OffsetDateTime) -> Self {
        let renewal = renewal.to_offset(time::UtcOffset::UTC);
        let month_index = |moment: OffsetDateTime| moment.year() * 12 + moment.month() as i32;
        // Periods are [back (k + 1) periods, back k periods) from the renewal.
        let mut k = (month_index(renewal) - month_index(now)).div_euclid(months);
        let period = |k: i32| Self {
            start: months_back(renewal, (k + 1) * months),
            end: months_back(renewal, k * months),
        };
        // The estimate is off by at most one period either way.
        for _ in 0..3 {
            let candidate = period(k);
            if candidate.end <= now {
                k -= 1;
            } else if candidate.start > now {
                k += 1;
            } else {
                return candidate;
            }
        }
        period(k)
    }

    /// The `days` days up to and including the day of `today` (unix seconds).
    pub fn last_days(today: i64, days: i64) -> Self {
        let midnight = |day: i64| {
            OffsetDateTime::from_unix_timestamp(day * 86_400).unwrap_or(OffsetDateTime::UNIX_EPOCH)
        };
        let today = day_of(today);
        Self {
            start: midnight(today - days + 1),
            end: midnight(today + 1),
        }
    }

    /// The last day whose requests count in the period (see `days`), at
    /// its midnight.
    pub fn last_day(&self) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp((self.days().end - 1) * 86_400)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }

    /// Days (since 1970-01-01) whose requests count in the period: from the
    /// day it starts to the day before it ends (requests are counted per
    /// UTC day, so a period from 09:30 takes its first day whole, and its
    /// successor takes the last).
    fn days(&self) -> std::ops::Range<i64> {
        day_of(self.start.unix_timestamp())..day_of(self.end.unix_timestamp())
    }
}

/// `moment` moved `months` months back (forward when negative), on its day
/// of the month, or that month's last day when it has none (as Stripe
/// counts a renewal on the 31st).
fn months_back(moment: OffsetDateTime, months: i32) -> OffsetDateTime {
    let index = moment.year() * 12 + (moment.month() as i32 - 1) - months;
    let year = index.div_euclid(12);
    let month = Month::try_from((index.rem_euclid(12) + 1) as u8).unwrap_or(Month::January);
    let day = moment.day().min(time::util::days_in_month(month, year));
    Date::from_calendar_date(year, month, day)
        .map(|date| date.with_time(moment.time()).assume_utc())
        .unwrap_or(moment)
}

/// One key of the user, with its requests in the period.
#[derive(Clone, Debug, PartialEq)]
pub struct KeyRequests {
    pub key_id: String,
    pub name: String,
    pub masked: String,
    pub revoked: bool,
    pub tally: Tally,
}

/// One day of the period: each key's requests (in `PeriodUsage::keys`
/// order) and the day's failures, every key together.
#[derive(Clone, Debug, PartialEq)]
pub struct DayUsage {
    /// Days since 1970-01-01.
    pub day: i64,
    pub per_key: Vec<i64>,
    pub failures: Tally,
}

/// Everything a user used in a period.
#[derive(Clone, Debug, PartialEq)]
pub struct PeriodUsage {
    pub period: Period,
    /// Authenticated `/v1` requests, counted here.
    pub requests: i64,
    /// The requests and what failed, every key together.
    pub tally: Tally,
    pub keys: Vec<KeyRequests>,
    /// The period's days up to today, oldest first.
    pub daily: Vec<DayUsage>,
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
    client_errors: Option<i64>,
    rate_limited: Option<i64>,
    server_errors: Option<i64>,
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

/// What `user_id` used in `period`, with its days up to `today` (unix
/// seconds) one by one. Counts still in this instance's memory are
/// included, so a request shows at once.
pub async fn period_usage(
    db: &AnyPool,
    counter: &RequestCounter,
    user_id: &str,
    period: Period,
    today: i64,
) -> Result<PeriodUsage, sqlx::Error> {
    let in_period = period.days();
    // Until the counts in memory are added below.
    let read_turn = counter.read_turn().await;
    // Three queries on one connection: each query on the pool is two round
    // trips to an SQLite worker thread (the query, then the pool's check
    // when the connection comes back), and pages render this on every view.
    let mut conn = db.acquire().await?;
    // Each key with its counted days, one row per day (or one with no day).
    let rows: Vec<KeyDayRow> = sqlx::query_as(
        "SELECT k.id, k.name, k.masked, k.revoked_at, k.last_used_at, c.day, c.requests, \
         c.client_errors, c.rate_limited, c.server_errors \
         FROM api_keys k LEFT JOIN api_request_counts c \
         ON c.key_id = k.id AND c.day >= $2 AND c.day < $3 \
         WHERE k.user_id = $1 ORDER BY k.created_at, k.id",
    )
    .bind(user_id)
    .bind(in_period.start)
    .bind(in_period.end)
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
    // (index in `keys`, day, tally)
    let mut counts: Vec<(usize, i64, Tally)> = Vec::new();
    for row in rows {
        if keys.last().is_none_or(|key| key.id != row.id) {
            let index = keys.len();
            counts.extend(
                counter
                    .pending_for(&row.id)
                    .into_iter()
                    .filter(|(day, _)| in_period.contains(day))
                    .map(|(day, tally)| (index, day, tally)),
            );
            keys.push(KeyRow {
                id: row.id.clone(),
                name: row.name,
                masked: row.masked,
                revoked_at: row.revoked_at,
                last_used_at: row.last_used_at,
            });
        }
        if let Some(day) = row.day {
            let tally = Tally {
                requests: row.requests.unwrap_or(0),
                client_errors: row.client_errors.unwrap_or(0),
                rate_limited: row.rate_limited.unwrap_or(0),
                server_errors: row.server_errors.unwrap_or(0),
            };
            counts.push((keys.len() - 1, day, tally));
        }
    }

    drop(read_turn);

    let api_called = keys.iter().any(|key| key.last_used_at.is_some())
        || counts.iter().any(|(_, _, tally)| tally.requests > 0);
    let mut tallies = vec![Tally::default(); keys.len()];
    for (index, _, tally) in &counts {
        tallies[*index].add(tally);
    }
    let last_day = day_of(today).min(in_period.end - 1);
    let daily = (in_period.start..=last_day)
        .map(|day| {
            let mut per_key = vec![0; keys.len()];
            let mut failures = Tally::default();
            for (index, _, tally) in counts.iter().filter(|(_, counted, _)| *counted == day) {
                per_key[*index] += tally.requests;
                failures.add(&Tally {
                    requests: 0,
                    ..*tally
                });
            }
            DayUsage {
                day,
                per_key,
                failures,
            }
        })
        .collect();
    let mut tally = Tally::default();
    tallies.iter().for_each(|key| tally.add(key));
    let keys: Vec<KeyRequests> = keys
        .into_iter()
        .zip(tallies)
        .map(|(key, tally)| KeyRequests {
            tally,
            revoked: key.revoked_at.is_some(),
            key_id: key.id,
            name: key.name,
            masked: key.masked,
        })
        .collect();
    Ok(PeriodUsage {
        period,
        requests: tally.requests,
        tally,
        keys,
        daily,
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
    fn a_subscription_period_is_the_one_today_falls_in() {
        let renewal = datetime!(2027-01-07 09:30 UTC);
        let today = datetime!(2026-12-20 12:00 UTC);
        let period = Period::renewing(renewal, 1, today);
        assert_eq!(period.start, datetime!(2026-12-07 09:30 UTC));
        assert_eq!(period.end, renewal);
        // A renewal date far ahead (or stale) still gives today's period.
        for far in [
            datetime!(2100-01-07 09:30 UTC),
            datetime!(2025-03-07 09:30 UTC),
        ] {
            assert_eq!(Period::renewing(far, 1, today), period, "{far}");
        }
        // Yearly, and the first day of a period belongs to it.
        let yearly = Period::renewing(renewal, 12, datetime!(2026-01-07 09:30 UTC));
        assert_eq!(yearly.start, datetime!(2026-01-07 09:30 UTC));
        assert_eq!(yearly.end, renewal);
        assert_eq!(period.days().count(), 31, "7 December to 6 January");
        assert_eq!(period.last_day(), datetime!(2027-01-06 00:00 UTC));
        assert_eq!(
            Period::month_of(datetime!(2026-11-21 12:00 UTC)).last_day(),
            datetime!(2026-11-30 00:00 UTC)
        );
        // 31 March back to 28 February (no 31 February), and on to 31 January.
        let end_of_march = datetime!(2027-03-31 00:00 UTC);
        assert_eq!(
            Period::renewing(end_of_march, 1, datetime!(2027-03-01 00:00 UTC)).start,
            datetime!(2027-02-28 00:00 UTC)
        );
        assert_eq!(
            Period::renewing(end_of_march, 1, datetime!(2027-02-01 00:00 UTC)).start,
            datetime!(2027-01-31 00:00 UTC)
        );
        let week = Period::last_days(datetime!(2026-12-07 15:00 UTC).unix_timestamp(), 7);
        assert_eq!(week.start, datetime!(2026-12-01 00:00 UTC));
        assert_eq!(week.end, datetime!(2026-12-08 00:00 UTC));
        assert_eq!(week.days().count(), 7);
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
            tally: Tally::default(),
            keys: Vec::new(),
            daily: Vec::new(),
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
