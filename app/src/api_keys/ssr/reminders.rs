//! "Your key expires in 7 days": one e-mail per expiring key, sent by a
//! sweep every instance runs; a conditional `UPDATE` claims each key, so
//! instances sharing a database send it once. Keys made to live 7 days or
//! less get none (their owner chose the date a moment ago); the dashboard
//! and the keys page show every key expiring soon either way.

use super::queue_key_notice;
use crate::support::db::begin_write;
use crate::support::time::{moment, time_label};
use sqlx::AnyPool;

/// How long before its expiry a key's reminder goes out.
pub const REMIND_BEFORE_SECS: i64 = 7 * 86_400;
/// How often the sweep runs.
pub const SWEEP_EVERY_SECS: u64 = 600;

/// Queues the reminders due at `now`; answers how many.
pub async fn remind_expiring(
    db: &AnyPool,
    public_url: &str,
    now: i64,
) -> Result<usize, sqlx::Error> {
    let mut tx = begin_write(db).await?;
    let due: Vec<(String, String, String, i64)> = sqlx::query_as(
        "UPDATE api_keys SET expiry_reminded_at = $1 \
         WHERE expiry_reminded_at IS NULL AND revoked_at IS NULL AND expires_at IS NOT NULL \
         AND expires_at > $1 AND expires_at <= $2 AND created_at < expires_at - $3 \
         RETURNING user_id, name, masked, expires_at",
    )
    .bind(now)
    .bind(now + REMIND_BEFORE_SECS)
    .bind(REMIND_BEFORE_SECS)
    .fetch_all(&mut *tx)
    .await?;
    for (user_id, name, masked, expires_at) in &due {
        let facts = vec![
            format!("Key: {name} ({masked})"),
            format!("Expires: {}", time_label(moment(*expires_at)).text),
            "Roll it on the API keys page before then: the new secret keeps the key's name, access and usage, and the old one can keep working for a grace period while you deploy.".to_owned(),
        ];
        queue_key_notice(
            &mut tx,
            public_url,
            user_id,
            "An API key expires in 7 days",
            facts,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(due.len())
}
