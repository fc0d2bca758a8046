//! The outbox table: enqueue, claim, and the three ends of an attempt
//! (delivered, retry later, given up).

use super::templates::Email;
use crate::support::db::begin_write;
use crate::support::time::unix_now;
use sqlx::{Any, AnyPool, FromRow};

/// Writes `email` to the outbox on `conn` (a transaction, so the message
/// exists only if what caused it is committed). Due at once.
pub async fn enqueue(conn: &mut sqlx::AnyConnection, email: &Email) -> Result<String, sqlx::Error> {
    let id = uuid::Uuid::now_v7().to_string();
    let now = unix_now();
    sqlx::query(
        "INSERT INTO mail_outbox (id, recipient, subject, text_body, html_body, created_at, \
         attempts, next_attempt_at) VALUES ($1, $2, $3, $4, $5, $6, 0, $6)",
    )
    .bind(&id)
    .bind(&email.to)
    .bind(&email.subject)
    .bind(&email.text)
    .bind(&email.html)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(id)
}

/// A message claimed for one attempt.
#[derive(Clone, Debug, FromRow)]
pub struct Outgoing {
    pub id: String,
    pub recipient: String,
    pub subject: String,
    pub text_body: String,
    pub html_body: String,
    pub created_at: i64,
    /// Attempts before this one.
    pub attempts: i64,
}

/// Claims up to `limit` due messages for `lease_secs`, oldest first. Each is
/// claimed by a conditional UPDATE that only one sender can win (portable:
/// SQLite has no `FOR UPDATE SKIP LOCKED`), so several instances on one
/// database never send the same message at the same time.
pub async fn claim_due(
    db: &AnyPool,
    now: i64,
    lease_secs: i64,
    limit: i64,
) -> Result<Vec<Outgoing>, sqlx::Error> {
    let candidates: Vec<(String,)> = sqlx::query_as(
        "SELECT id FROM mail_outbox WHERE next_attempt_at <= $1 \
         AND (claimed_until IS NULL OR claimed_until <= $1) ORDER BY next_attempt_at, id LIMIT $2",
    )
    .bind(now)
    .bind(limit)
    .fetch_all(db)
    .await?;
    let mut claimed = Vec::with_capacity(candidates.len());
    for (id,) in candidates {
        let won: Option<Outgoing> = sqlx::query_as(
            "UPDATE mail_outbox SET claimed_until = $2 WHERE id = $1 AND next_attempt_at <= $3 \
             AND (claimed_until IS NULL OR claimed_until <= $3) \
             RETURNING id, recipient, subject, text_body, html_body, created_at, attempts",
        )
        .bind(&id)
        .bind(now + lease_secs)
        .bind(now)
        .fetch_optional(db)
        .await?;
        claimed.extend(won);
    }
    Ok(claimed)
}

/// Sent: the row (and the links in its bodies) goes.
pub async fn delivered(db: &AnyPool, id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM mail_outbox WHERE id = $1")
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

/// A temporary failure: tried again at `next_attempt_at`.
pub async fn retry_later(
    db: &AnyPool,
    id: &str,
    next_attempt_at: i64,
    error: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE mail_outbox SET attempts = attempts + 1, next_attempt_at = $2, \
         claimed_until = NULL, last_error = $3 WHERE id = $1",
    )
    .bind(id)
    .bind(next_attempt_at)
    .bind(error)
    .execute(db)
    .await?;
    Ok(())
}

/// Refused for good, or undeliverable too long: kept without its bodies.
pub async fn give_up(db: &AnyPool, message: &Outgoing, error: &str) -> Result<(), sqlx::Error> {
    let mut tx = begin_write(db).await?;
    sqlx::query(
        "INSERT INTO mail_failed (id, recipient, subject, created_at, failed_at, attempts, \
         last_error) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&message.id)
    .bind(&message.recipient)
    .bind(&message.subject)
    .bind(message.created_at)
    .bind(unix_now())
    .bind(message.attempts + 1)
    .bind(error)
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM mail_outbox WHERE id = $1")
        .bind(&message.id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}

/// How many messages are still waiting (sent ones leave the outbox).
pub async fn waiting(db: &AnyPool) -> Result<i64, sqlx::Error> {
    let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM mail_outbox")
        .fetch_one(db)
        .await?;
    Ok(count)
}

/// A message in the sandbox mailbox.
#[derive(Clone, Debug, FromRow)]
pub struct SandboxMessage {
    pub id: String,
    pub sender: String,
    pub recipient: String,
    pub subject: String,
    pub text_body: String,
    pub html_body: String,
    pub delivered_at: i64,
}

/// What the sandbox transport "sends": stored for `/sandbox/mail`.
pub async fn deliver_to_sandbox(
    db: &AnyPool,
    sender: &str,
    message: &Outgoing,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO sandbox_mailbox (id, sender, recipient, subject, text_body, html_body, \
         delivered_at) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING",
    )
    .bind(&message.id)
    .bind(sender)
    .bind(&message.recipient)
    .bind(&message.subject)
    .bind(&message.text_body)
    .bind(&message.html_body)
    .bind(unix_now())
    .execute(db)
    .await?;
    Ok(())
}

/// The sandbox mailbox, newest first (the last `limit` messages).
pub async fn sandbox_messages(
    db: &AnyPool,
    limit: i64,
) -> Result<Vec<SandboxMessage>, sqlx::Error> {
    sqlx::query_as::<Any, SandboxMessage>(
        "SELECT id, sender, recipient, subject, text_body, html_body, delivered_at \
         FROM sandbox_mailbox ORDER BY delivered_at DESC, id DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(db)
    .await
}

/// One message of the sandbox mailbox.
pub async fn sandbox_message(
    db: &AnyPool,
    id: &str,
) -> Result<Option<SandboxMessage>, sqlx::Error> {
    sqlx::query_as::<Any, SandboxMessage>(
        "SELECT id, sender, recipient, subject, text_body, html_body, delivered_at \
         FROM sandbox_mailbox WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(db)
    .await
}
