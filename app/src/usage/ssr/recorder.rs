//! Counts authenticated `/v1` requests per key per UTC day in memory and
//! writes them in batches: no database write per request. A count stays in
//! memory until the transaction that writes it has committed, and only then
//! is subtracted, so a failed write loses nothing and nothing is written
//! twice. A page adds memory to the database: it reads both in its
//! `read_turn`, which no flush can interleave, so it sees each request once
//! (a flush committing between its two reads would show the flushed counts
//! twice or not at all). `flush` at graceful shutdown writes what is left;
//! flushes take turns, so that last one also waits for a timer flush still
//! writing.

use crate::support::db::begin_write;
use sqlx::AnyPool;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How often the background task writes the counts: also the most a crash
/// (SIGKILL, out of memory) can lose, the counts of the last second.
pub const FLUSH_INTERVAL: Duration = Duration::from_secs(1);

/// Days since 1970-01-01, UTC.
pub fn day_of(unix_secs: i64) -> i64 {
    unix_secs.div_euclid(86_400)
}

/// Requests by key id, then by day. Keyed by id first so that counting a
/// request already seen today allocates nothing.
type Counts = HashMap<String, HashMap<i64, i64>>;

#[derive(Clone)]
pub struct RequestCounter {
    /// Off (`USAGE_RECORDING=false`) for deployments whose gateway meters
    /// requests; `count` then does nothing.
    recording: bool,
    pending: Arc<Mutex<Counts>>,
    /// Written by a flush from its snapshot to its subtraction; read by a
    /// page from its database read to its read of `pending`.
    turns: Arc<tokio::sync::RwLock<()>>,
}

impl RequestCounter {
    pub fn new(recording: bool) -> Self {
        Self {
            recording,
            pending: Arc::default(),
            turns: Arc::default(),
        }
    }

    /// Counts one request made with `key_id` now.
    pub fn count(&self, key_id: &str, unix_secs: i64) {
        if !self.recording {
            return;
        }
        let day = day_of(unix_secs);
        let mut pending = self.lock_pending();
        match pending.get_mut(key_id) {
            Some(days) => *days.entry(day).or_insert(0) += 1,
            None => {
                pending.insert(key_id.to_owned(), HashMap::from([(day, 1)]));
            }
        }
    }

    /// Writes every pending count (one upsert per key and day, in one
    /// transaction) and answers how many rows it wrote. On failure the counts
    /// are still in memory for the next try.
    pub async fn flush(&self, db: &AnyPool) -> Result<usize, sqlx::Error> {
        let _turn = self.turns.write().await;
        let snapshot = self.lock_pending().clone();
        if snapshot.is_empty() {
            return Ok(0);
        }
        let written = write(db, &snapshot).await?;
        // Only `count` adds meanwhile, and only a flush subtracts (one at a
        // time), so every count here is at least what was written.
        let mut pending = self.lock_pending();
        for (key_id, days) in snapshot {
            if let Some(kept) = pending.get_mut(&key_id) {
                for (day, requests) in days {
                    if let Some(count) = kept.get_mut(&day) {
                        *count -= requests;
                        if *count == 0 {
                            kept.remove(&day);
                        }
                    }
                }
                if kept.is_empty() {
                    pending.remove(&key_id);
                }
            }
        }
        Ok(written)
    }

    /// The last flush, at shutdown: a database that is briefly unavailable
    /// gets three tries, a second apart, before the counts are given up.
    pub async fn flush_before_exit(&self, db: &AnyPool) {
        for attempt in 1..=3 {
            match self.flush(db).await {
                Ok(_) => return,
                Err(err) if attempt < 3 => {
                    tracing::warn!("writing request counts at shutdown failed, retrying: {err}");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
                Err(err) => {
                    tracing::error!("request counts since the last flush are lost: {err}");
                }
            }
        }
    }

    fn lock_pending(&self) -> std::sync::MutexGuard<'_, Counts> {
        // A panic elsewhere while holding the lock leaves whole counts behind.
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Held by a page while it reads the written counts and then
    /// `pending_for`: no flush moves counts from memory to the database in
    /// between. Many pages read at once; a flush waits for them (reads take
    /// milliseconds) and they for it.
    pub async fn read_turn(&self) -> tokio::sync::RwLockReadGuard<'_, ()> {
        self.turns.read().await
    }

    /// Requests counted here for `key_id` and not yet written, by day: pages
    /// add them, in a `read_turn`, so a call shows at once, not after the
    /// next flush.
    pub fn pending_for(&self, key_id: &str) -> Vec<(i64, i64)> {
        self.lock_pending()
            .get(key_id)
            .map(|days| days.iter().map(|(day, n)| (*day, *n)).collect())
            .unwrap_or_default()
    }

    /// Flushes every `FLUSH_INTERVAL` until the process ends.
    pub fn spawn_flusher(&self, db: AnyPool) {
        let counter = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(FLUSH_INTERVAL);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                let started = std::time::Instant::now();
                match counter.flush(&db).await {
                    // The lag an operator watches: now minus this.
                    Ok(_) => metrics::gauge!("usage_last_flush_timestamp_seconds")
                        .set(crate::support::time::unix_now() as f64),
                    Err(err) => {
                        metrics::counter!("usage_flush_failures_total").increment(1);
                        tracing::warn!(
                            "writing request counts failed (kept for the next try): {err}"
                        );
                    }
                }
                metrics::histogram!("usage_flush_duration_seconds").record(started.elapsed());
                metrics::gauge!("usage_unflushed_keys").set(counter.lock_pending().len() as f64);
            }
        });
    }
}

/// Answers how many (key, day) rows were written.
async fn write(db: &AnyPool, counts: &Counts) -> Result<usize, sqlx::Error> {
    // Flattened before the first await: a borrowing iterator held across
    // awaits makes the flush future not `Send`.
    let rows: Vec<(&str, i64, i64)> = counts
        .iter()
        .flat_map(|(key_id, days)| days.iter().map(move |(day, n)| (key_id.as_str(), *day, *n)))
        .collect();
    let mut tx = begin_write(db).await?;
    for &(key_id, day, requests) in &rows {
        sqlx::query(
            // A key deleted since (its user closed the account) is skipped:
            // its counts went with it, and must not block everyone else's.
            "INSERT INTO api_request_counts (key_id, day, requests) \
             SELECT $1, $2, $3 WHERE EXISTS (SELECT 1 FROM api_keys WHERE id = $1) \
             ON CONFLICT (key_id, day) DO UPDATE \
             SET requests = api_request_counts.requests + excluded.requests",
        )
        .bind(key_id)
        .bind(day)
        .bind(requests)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(rows.len())
}
