//! The sandbox's tables: what Stripe and the Payment MS would remember.

use app::support::time::unix_now;
use app::support::tokens::random_base62;
use serde::{Deserialize, Serialize};
use sqlx::{AnyPool, FromRow};
use time::OffsetDateTime;

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct LineItem {
    pub price_id: String,
    pub product_id: String,
    pub quantity: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Subscription,
    Payment,
}

impl Mode {
    fn as_str(self) -> &'static str {
        match self {
            Self::Subscription => "subscription",
            Self::Payment => "payment",
        }
    }
}

#[derive(Clone, Debug, FromRow)]
pub struct CheckoutSessionRow {
    pub id: String,
    pub user_id: String,
    pub email: String,
    pub mode: String,
    pub line_items: String,
    pub success_url: String,
    pub cancel_url: String,
    pub status: String,
    pub created_at: i64,
}

impl CheckoutSessionRow {
    pub fn items(&self) -> Vec<LineItem> {
        serde_json::from_str(&self.line_items).unwrap_or_default()
    }

    pub fn is_subscription(&self) -> bool {
        self.mode == Mode::Subscription.as_str()
    }

    /// Where Stripe sends the customer after paying: `{CHECKOUT_SESSION_ID}`
    /// in the success URL becomes this session's id.
    pub fn success_redirect(&self) -> String {
        self.success_url.replace("{CHECKOUT_SESSION_ID}", &self.id)
    }
}

#[derive(Clone, Debug, FromRow)]
pub struct SubscriptionRow {
    pub id: String,
    pub user_id: String,
    pub customer_id: String,
    pub product_id: String,
    pub price_id: String,
    pub status: String,
    pub current_period_end: i64,
    pub cancel_at_period_end: i64,
}

impl SubscriptionRow {
    /// What Stripe would report by now: a period that ran out renews (the
    /// sandbox's card always pays) unless cancellation was asked for.
    pub fn as_of(mut self, now: i64) -> Self {
        if self.status == "active" && self.current_period_end <= now {
            if self.cancel_at_period_end != 0 {
                self.status = "canceled".to_owned();
            } else {
                while self.current_period_end <= now {
                    self.current_period_end = add_one_month(self.current_period_end);
                }
            }
        }
        self
    }

    pub fn is_active(&self) -> bool {
        self.status == "active"
    }
}

#[derive(Clone, Debug, FromRow)]
pub struct PortalSessionRow {
    pub id: String,
    pub user_id: String,
    pub return_url: String,
    pub created_at: i64,
}

/// The same day next month (the last day when it has fewer days), as Stripe bills.
pub fn add_one_month(unix: i64) -> i64 {
    let Ok(moment) = OffsetDateTime::from_unix_timestamp(unix) else {
        return unix + 30 * 86_400;
    };
    let (year, month) = match moment.month() {
        time::Month::December => (moment.year() + 1, time::Month::January),
        other => (moment.year(), other.next()),
    };
    let day = moment.day().min(time::util::days_in_month(month, year));
    time::Date::from_calendar_date(year, month, day)
        .map(|date| moment.replace_date(date).unix_timestamp())
        .unwrap_or(unix + 30 * 86_400)
}

/// A checkout session as the API creates it.
pub struct NewCheckoutSession<'a> {
    pub user_id: &'a str,
    pub email: &'a str,
    pub mode: Mode,
    pub items: Vec<LineItem>,
    pub success_url: &'a str,
    pub cancel_url: &'a str,
}

pub async fn create_checkout_session(
    db: &AnyPool,
    session: &NewCheckoutSession<'_>,
) -> Result<String, sqlx::Error> {
    let id = format!("cs_test_{}", random_base62(40)?);
    let line_items = serde_json::to_string(&session.items).unwrap_or_else(|_| "[]".to_owned());
    sqlx::query(
        "INSERT INTO sandbox_checkout_sessions \
         (id, user_id, email, mode, line_items, success_url, cancel_url, status, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'open', $8)",
    )
    .bind(&id)
    .bind(session.user_id)
    .bind(session.email)
    .bind(session.mode.as_str())
    .bind(line_items)
    .bind(session.success_url)
    .bind(session.cancel_url)
    .bind(unix_now())
    .execute(db)
    .await?;
    Ok(id)
}

pub async fn checkout_session(
    db: &AnyPool,
    id: &str,
) -> Result<Option<CheckoutSessionRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, user_id, email, mode, line_items, success_url, cancel_url, status, created_at \
         FROM sandbox_checkout_sessions WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(db)
    .await
}

/// Pays an open session: marks it complete, makes the customer if new, and
/// records the subscription or the purchase, all in one transaction. False
/// when the session was already complete (a second submit changes nothing).
pub async fn complete_checkout(
    db: &AnyPool,
    session: &CheckoutSessionRow,
) -> Result<bool, sqlx::Error> {
    let now = unix_now();
    let mut tx = app::support::db::begin_write(db).await?;
    let claimed = sqlx::query(
        "UPDATE sandbox_checkout_sessions SET status = 'complete', completed_at = $1 \
         WHERE id = $2 AND status = 'open'",
    )
    .bind(now)
    .bind(&session.id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if claimed == 0 {
        return Ok(false);
    }
    let customer_id = match sqlx::query_as::<_, (String,)>(
        "SELECT customer_id FROM sandbox_customers WHERE user_id = $1",
    )
    .bind(&session.user_id)
    .fetch_optional(&mut *tx)
    .await?
    {
        Some((customer_id,)) => customer_id,
        None => {
            let customer_id = uuid::Uuid::new_v4().to_string();
            sqlx::query(
                "INSERT INTO sandbox_customers (user_id, customer_id, email, created_at) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(&session.user_id)
            .bind(&customer_id)
            .bind(&session.email)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            customer_id
        }
    };
    for item in session.items() {
        if session.is_subscription() {
            sqlx::query(
                "INSERT INTO sandbox_subscriptions (id, user_id, customer_id, product_id, price_id, \
                 status, current_period_end, cancel_at_period_end, created_at) \
                 VALUES ($1, $2, $3, $4, $5, 'active', $6, 0, $7)",
            )
            .bind(format!("sub_{}", random_base62(24)?))
            .bind(&session.user_id)
            .bind(&customer_id)
            .bind(&item.product_id)
            .bind(&item.price_id)
            .bind(add_one_month(now))
            .bind(now)
            .execute(&mut *tx)
            .await?;
        } else {
            sqlx::query(
                "INSERT INTO sandbox_purchases (id, checkout_session_id, user_id, product_id, \
                 price_id, quantity, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(format!("pi_{}", random_base62(24)?))
            .bind(&session.id)
            .bind(&session.user_id)
            .bind(&item.product_id)
            .bind(&item.price_id)
            .bind(item.quantity)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
    }
    tx.commit().await?;
    Ok(true)
}

const SUBSCRIPTION_COLUMNS: &str = "id, user_id, customer_id, product_id, price_id, status, \
     current_period_end, cancel_at_period_end";

/// The user's latest subscription to `product_id`, as of now.
pub async fn latest_subscription(
    db: &AnyPool,
    user_id: &str,
    product_id: &str,
) -> Result<Option<SubscriptionRow>, sqlx::Error> {
    let row: Option<SubscriptionRow> = sqlx::query_as(&format!(
        "SELECT {SUBSCRIPTION_COLUMNS} FROM sandbox_subscriptions \
         WHERE user_id = $1 AND product_id = $2 ORDER BY created_at DESC, id DESC LIMIT 1"
    ))
    .bind(user_id)
    .bind(product_id)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|row| row.as_of(unix_now())))
}

/// Every subscription of the user, newest first, as of now.
pub async fn subscriptions_of(
    db: &AnyPool,
    user_id: &str,
) -> Result<Vec<SubscriptionRow>, sqlx::Error> {
    let rows: Vec<SubscriptionRow> = sqlx::query_as(&format!(
        "SELECT {SUBSCRIPTION_COLUMNS} FROM sandbox_subscriptions \
         WHERE user_id = $1 ORDER BY created_at DESC, id DESC"
    ))
    .bind(user_id)
    .fetch_all(db)
    .await?;
    let now = unix_now();
    Ok(rows.into_iter().map(|row| row.as_of(now)).collect())
}

pub async fn customer_id(db: &AnyPool, user_id: &str) -> Result<Option<String>, sqlx::Error> {
    let row: Option<(String,)> =
        sqlx::query_as("SELECT customer_id FROM sandbox_customers WHERE user_id = $1")
            .bind(user_id)
            .fetch_optional(db)
            .await?;
    Ok(row.map(|(id,)| id))
}

pub async fn create_portal_session(
    db: &AnyPool,
    user_id: &str,
    return_url: &str,
) -> Result<String, sqlx::Error> {
    let id = format!("bps_{}", random_base62(24)?);
    sqlx::query(
        "INSERT INTO sandbox_portal_sessions (id, user_id, return_url, created_at) \
         VALUES ($1, $2, $3, $4)",
    )
    .bind(&id)
    .bind(user_id)
    .bind(return_url)
    .bind(unix_now())
    .execute(db)
    .await?;
    Ok(id)
}

pub async fn portal_session(
    db: &AnyPool,
    id: &str,
) -> Result<Option<PortalSessionRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, user_id, return_url, created_at FROM sandbox_portal_sessions WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(db)
    .await
}

/// What the portal's buttons do to a subscription.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PortalChange {
    /// Stays active until the period ends, then ends.
    CancelAtPeriodEnd,
    /// Ends now; the status route then reports now as its last period end.
    CancelNow,
    /// Undoes a cancellation at period end.
    Resume,
}

/// Applies `change` to the user's subscription `subscription_id`; false when
/// it is not theirs or not active.
pub async fn change_subscription(
    db: &AnyPool,
    user_id: &str,
    subscription_id: &str,
    change: PortalChange,
) -> Result<bool, sqlx::Error> {
    let now = unix_now();
    let current = subscriptions_of(db, user_id)
        .await?
        .into_iter()
        .find(|row| row.id == subscription_id && row.is_active());
    let Some(current) = current else {
        return Ok(false);
    };
    let (status, period_end, cancel_at_period_end) = match change {
        PortalChange::CancelAtPeriodEnd => ("active", current.current_period_end, 1),
        PortalChange::Resume => ("active", current.current_period_end, 0),
        PortalChange::CancelNow => ("canceled", now, 0),
    };
    sqlx::query(
        "UPDATE sandbox_subscriptions SET status = $1, current_period_end = $2, \
         cancel_at_period_end = $3 WHERE id = $4 AND user_id = $5",
    )
    .bind(status)
    .bind(period_end)
    .bind(cancel_at_period_end)
    .bind(subscription_id)
    .bind(user_id)
    .execute(db)
    .await?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn a_month_later_keeps_the_day_or_takes_the_month_s_last() {
        let at = |moment: OffsetDateTime| moment.unix_timestamp();
        assert_eq!(
            add_one_month(at(datetime!(2026-11-21 09:30 UTC))),
            at(datetime!(2026-12-21 09:30 UTC))
        );
        assert_eq!(
            add_one_month(at(datetime!(2026-12-31 00:00 UTC))),
            at(datetime!(2027-01-31 00:00 UTC))
        );
        assert_eq!(
            add_one_month(at(datetime!(2027-01-31 12:00 UTC))),
            at(datetime!(2027-02-28 12:00 UTC))
        );
    }

    #[test]
    fn a_lapsed_period_renews_unless_canceled() {
        let row = |cancel| SubscriptionRow {
            id: "sub_1".into(),
            user_id: "u".into(),
            customer_id: "c".into(),
            product_id: "prod_1".into(),
            price_id: "price_1".into(),
            status: "active".into(),
            current_period_end: 1_000,
            cancel_at_period_end: cancel,
        };
        let renewed = row(0).as_of(1_000 + 40 * 86_400);
        assert!(renewed.is_active());
        assert!(renewed.current_period_end > 1_000 + 40 * 86_400);
        let ended = row(1).as_of(2_000);
        assert!(!ended.is_active());
        assert_eq!(ended.current_period_end, 1_000);
    }
}
