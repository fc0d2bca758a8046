//! Counts authenticated `/v1` requests per key per UTC day in memory, with
//! the ones that failed (`Tally`), and writes them in batches: no database
//! write per request. A count stays in
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

/// A key's requests on one day, and what went wrong with some of them.
/// `requests` counts what the key was let through to do; a refusal before
/// that (its rate limit, a permission, a disabled key) is only a failure.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub requests: i64,
    /// Answered 4xx (429 apart), or refused before the API was reached.
    pub client_errors: i64,
    /// Refused by the key's rate limit (429).
    pub rate_limited: i64,
    /// Failed on our side (5xx).
    pub server_errors: i64,
}

impl Tally {
    pub fn failed(&self) -> i64 {
        self.client_errors + self.rate_limited + self.server_errors
    }

    pub fn add(&mut self, other: &Tally) {
        self.requests += other.requests;
        self.client_errors += other.client_errors;
        self.rate_limited += other.rate_limited;
        self.server_errors += other.server_errors;
    }

    fn subtract(&mut self, other: &Tally) {
        self.requests -= other.requests;
        self.client_errors -= other.client_errors;
        self.rate_limited -= other.rate_limited;
        self.server_errors -= other.server_errors;
    }

    fn is_zero(&self) -> bool {
        *self == Tally::default()
    }
}

/// What became of a request made with a key, as counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Let through to the API.
    Allowed,
    ClientError,
    RateLimited,
    ServerError,
}

impl Outcome {
    fn tally(self) -> Tally {
        let mut tally = Tally::default();
        match self {
            Self::Allowed => tally.requests = 1,
            Self::ClientError => tally.client_errors = 1,
            Self::RateLimited => tally.rate_limited = 1,
            Self::ServerError => tally.server_errors = 1,
        }
        tally
    }
}

/// Tallies by key id, then by day. Keyed by id first so that counting a
/// request already seen today allocates nothing.
type Counts = HashMap<String, HashMap<i64, Tally>>;

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

    /// Counts one request made with `key_id` at `unix_secs`, as `outcome`
    /// (a request let through and then answered 5xx is counted twice:
    /// `Allowed`, then `ServerError`).
    pub fn count(&self, key_id: &str, unix_secs: i64, outcome: Outcome) {
        if !self.recording {
            return;
        }
        let (day, one) = (day_of(unix_secs), outcome.tally());
        let mut pending = self.lock_pending();
        match pending.get_mut(key_id) {
            Some(days) => days.entry(day).or_default().add(&one),
            None => {
                pending.insert(key_id.to_owned(), HashMap::from([(day, one)]));
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
                for (day, written) in days {
                    if let Some(tally) = kept.get_mut(&day) {
                        tally.subtract(&written);
                        if tally.is_zero() {
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
    pub fn pending_for(&self, key_id: &str) -> Vec<(i64, Tally)> {
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
    let rows: Vec<(&str, i64, Tally)> = counts
        .iter()
        .flat_map(|(key_id, days)| days.iter().map(move |(day, n)| (key_id.as_str(), *day, *n)))
        .collect();
    let mut tx = begin_write(db).await?;
    for &(key_id, day, tally) in &rows {
        sqlx::query(
            // A key deleted since (its user closed the account) is skipped:
            // its counts went with it, and must not block everyone else's.
            "INSERT INTO api_request_counts \
             (key_id, day, requests, client_errors, rate_limited, server_errors) \
             SELECT $1, $2, $3, $4, $5, $6 WHERE EXISTS (SELECT 1 FROM api_keys WHERE id = $1) \
             ON CONFLICT (key_id, day) DO UPDATE \
             SET requests = api_request_counts.requests + excluded.requests, \
             client_errors = api_request_counts.client_errors + excluded.client_errors, \
             rate_limited = api_request_counts.rate_limited + excluded.rate_limited, \
             server_errors = api_request_counts.server_errors + excluded.server_errors",
        )
        .bind(key_id)
        .bind(day)
        .bind(tally.requests)
        .bind(tally.client_errors)
        .bind(tally.rate_limited)
        .bind(tally.server_errors)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(rows.len())
}
