//! The checkouts the storefront started: which user, which plan, and whether
//! they came back from it. Never proof of payment on its own (the status
//! route is); it ties a return to its user and lists purchases on /billing.

use crate::support::time::unix_now;
use sqlx::{AnyPool, FromRow};

#[derive(Clone, Debug, PartialEq, FromRow)]
pub struct CheckoutRecord {
    pub id: String,
    pub plan_id: String,
    pub created_at: i64,
    pub returned_at: Option<i64>,
}

/// Checkout session ids as the Payment MS and Stripe make them: bounded, no
/// separators. Anything else cannot be ours and is not looked up.
pub fn plausible_session_id(id: &str) -> bool {
    (1..=255).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

pub async fn record(
    db: &AnyPool,
    id: &str,
    user_id: &str,
    plan_id: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO checkouts (id, user_id, plan_id, created_at) VALUES ($1, $2, $3, $4)")
        .bind(id)
        .bind(user_id)
        .bind(plan_id)
        .bind(unix_now())
        .execute(db)
        .await?;
    Ok(())
}

/// Marks the user's checkout `id` as returned from (once) and gives it back;
/// None when it is not theirs.
pub async fn mark_returned(
    db: &AnyPool,
    id: &str,
    user_id: &str,
) -> Result<Option<CheckoutRecord>, sqlx::Error> {
    sqlx::query(
        "UPDATE checkouts SET returned_at = $1 \
         WHERE id = $2 AND user_id = $3 AND returned_at IS NULL",
    )
    .bind(unix_now())
    .bind(id)
    .bind(user_id)
    .execute(db)
    .await?;
    sqlx::query_as(
        "SELECT id, plan_id, created_at, returned_at FROM checkouts \
         WHERE id = $1 AND user_id = $2",
    )
    .bind(id)
    .bind(user_id)
    .fetch_optional(db)
    .await
}

/// Checkouts the user came back from, newest first.
pub async fn returned(db: &AnyPool, user_id: &str) -> Result<Vec<CheckoutRecord>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, plan_id, created_at, returned_at FROM checkouts \
         WHERE user_id = $1 AND returned_at IS NOT NULL \
         ORDER BY returned_at DESC, id LIMIT 50",
    )
    .bind(user_id)
    .fetch_all(db)
    .await
}

#[cfg(test)]
mod tests {
    use super::plausible_session_id;

    #[test]
    fn session_ids_are_bounded_tokens() {
        assert!(plausible_session_id("cs_test_a1B2c3"));
        assert!(!plausible_session_id(""));
        assert!(!plausible_session_id("cs_1/../x"));
        assert!(!plausible_session_id("{CHECKOUT_SESSION_ID}"));
        assert!(!plausible_session_id(&"a".repeat(256)));
    }
}
