//! The activity log: security events with their time and client address,
//! shown to their user on /account. Recording never fails or delays the
//! action it describes (the action already happened); a failed write is
//! logged.

use crate::accounts::{ActivityEntry, ActivityKind};
use crate::support::db::begin_write;
use crate::support::time::{moment, time_label, unix_now};
use sqlx::{AnyPool, FromRow};

/// Events older than this are deleted when their user's next one is written.
const RETENTION_SECS: i64 = 90 * 24 * 60 * 60;
/// How many events /account shows.
pub const RECENT: i64 = 20;

/// Records `kind` for `user_id`; `detail` names what it concerns (a key's
/// name). The event's time and order are fixed now; the write happens in
/// the background, so the action never waits for its log entry and a failed
/// sign-in takes the same time whether or not the e-mail has an account.
pub fn record(db: &AnyPool, user_id: &str, kind: ActivityKind, detail: &str, client: &str) {
    let event = Event {
        // UUID v7: ordered by creation, so events of one second keep their order.
        id: uuid::Uuid::now_v7().to_string(),
        user_id: user_id.to_owned(),
        kind,
        detail: detail.to_owned(),
        client: client.to_owned(),
        occurred_at: unix_now(),
    };
    let db = db.clone();
    tokio::spawn(async move {
        if let Err(err) = write(&db, &event).await {
            tracing::warn!(event = kind.as_str(), "recording activity failed: {err}");
        }
    });
}

struct Event {
    id: String,
    user_id: String,
    kind: ActivityKind,
    detail: String,
    client: String,
    occurred_at: i64,
}

async fn write(db: &AnyPool, event: &Event) -> Result<(), sqlx::Error> {
    let mut tx = begin_write(db).await?;
    sqlx::query("DELETE FROM activity_events WHERE user_id = $1 AND occurred_at < $2")
        .bind(&event.user_id)
        .bind(event.occurred_at - RETENTION_SECS)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO activity_events (id, user_id, kind, detail, client_address, occurred_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&event.id)
    .bind(&event.user_id)
    .bind(event.kind.as_str())
    .bind(&event.detail)
    .bind(&event.client)
    .bind(event.occurred_at)
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

#[derive(FromRow)]
struct EventRow {
    kind: String,
    detail: String,
    client_address: String,
    occurred_at: i64,
}

/// The user's newest events, newest first.
pub async fn recent(db: &AnyPool, user_id: &str) -> Result<Vec<ActivityEntry>, sqlx::Error> {
    let rows: Vec<EventRow> = sqlx::query_as(
        "SELECT kind, detail, client_address, occurred_at FROM activity_events \
         WHERE user_id = $1 ORDER BY occurred_at DESC, id DESC LIMIT $2",
    )
    .bind(user_id)
    .bind(RECENT)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            Some(ActivityEntry {
                kind: ActivityKind::parse(&row.kind)?,
                detail: row.detail,
                client_address: row.client_address,
                when: time_label(moment(row.occurred_at)),
            })
        })
        .collect())
}
