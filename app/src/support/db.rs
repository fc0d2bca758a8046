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

/// Makes the transactions that name any of `keys` take turns until each
/// ends, so that one can read, decide and write as if alone. SQLite needs
/// nothing more than `begin_write`'s lock, which every writer takes;
/// PostgreSQL takes a transaction-scoped advisory lock per key, in sorted
/// order, so two transactions never wait on each other.
pub async fn take_turns(
    tx: &mut Transaction<'static, Any>,
    keys: &[&str],
) -> Result<(), sqlx::Error> {
    if tx.backend_name() == "SQLite" {
        return Ok(());
    }
    let mut keys = keys.to_vec();
    keys.sort_unstable();
    keys.dedup();
    for key in keys {
        sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))::text")
            .bind(key)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}
