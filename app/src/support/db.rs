//! Transactions that write, begun the same safe way on both databases.

use sqlx::{Any, AnyPool, Transaction};

/// Begins a transaction that will write. On SQLite it takes the write lock
/// up front (`BEGIN IMMEDIATE`, waiting out the busy timeout): a deferred
/// `BEGIN` that reads first pins a snapshot, and if another connection
/// commits before its first write, SQLite refuses that write at once with
/// `SQLITE_BUSY` (no busy timeout helps), which a user would see as a 503.
/// PostgreSQL's row locks need no such care.
pub async fn begin_write(db: &AnyPool) -> Result<Transaction<'static, Any>, sqlx::Error> {
    if db.connect_options().database_url.scheme() == "sqlite" {
        db.begin_with("BEGIN IMMEDIATE").await
    } else {
        db.begin().await
    }
}
