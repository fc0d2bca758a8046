//! Key lookups, coalesced. Every presented key is checked against the
//! database by a query that starts after the request arrived, so a
//! revocation holds on the very next request, on every instance; but
//! requests that arrive together share one query (`key_hash IN (…)`), which
//! is what lets one SQLite file answer tens of thousands of checks a second.
//! A key found is judged at the moment its query answers: revoked,
//! disabled, expired (to the second), or a rolled secret past its grace
//! period are each refused with their own reason.

use super::{could_be_key, key_hash};
use crate::actor::ActingKey;
use crate::api_keys::Permissions;
use crate::support::networks::Networks;
use crate::support::time::unix_now;
use sqlx::AnyPool;
use std::sync::Arc;
use tokio::sync::{Semaphore, mpsc, oneshot};

/// Keys looked up by one query at most.
const MAX_BATCH: usize = 64;
/// Queries in flight at once. One: requests arriving meanwhile wait for the
/// next query, which is how batches form under load (measured on 2 cores with
/// 64 connections: about 10 keys a query, twice the throughput of two
/// queries in flight, which made batches of 4).
const MAX_QUERIES_IN_FLIGHT: usize = 1;

/// The key store could not be read; the request should fail, not pass.
#[derive(Clone, Debug, thiserror::Error)]
#[error("looking up API keys failed: {0}")]
pub struct LookupFailed(Arc<str>);

/// Why a presented key is refused (`details.reason` in the API's 401).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Not of our format, or its checksum fails: mistyped or cut short.
    Malformed,
    /// Of our format, but no key has that secret (or it was rolled away).
    Unknown,
    Revoked,
    Disabled,
    Expired,
}

impl Refusal {
    pub fn reason(self) -> &'static str {
        match self {
            Self::Malformed => "malformed",
            Self::Unknown => "invalid",
            Self::Revoked => "revoked",
            Self::Disabled => "disabled",
            Self::Expired => "expired",
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            Self::Malformed => {
                "That is not a Tracepipe API key: it may be mistyped or cut short (its checksum does not match)."
            }
            Self::Unknown => {
                "That API key is not valid: it may be mistyped, or replaced by a roll."
            }
            Self::Revoked => "That API key was revoked.",
            Self::Disabled => "That API key is disabled. Enable it again on the API keys page.",
            Self::Expired => {
                "That API key has expired. Create a new key, or roll one before it expires."
            }
        }
    }
}

/// A key stops at its expiry's very second.
pub fn is_expired(expires_at: Option<i64>, now: i64) -> bool {
    expires_at.is_some_and(|expiry| now >= expiry)
}

/// The verdict on a presented key.
#[derive(Clone, Debug, PartialEq)]
pub enum KeyCheck {
    Valid(ActingKey),
    /// With the key's id when the key was found (revoked, disabled,
    /// expired, a rolled secret past its grace), for the security log.
    Refused(Refusal, Option<String>),
}

type Answer = Result<KeyCheck, LookupFailed>;

struct Pending {
    hash: String,
    reply: oneshot::Sender<Answer>,
}

/// Finds the owner of a presented key. Cheap to clone; the batching task
/// ends when the last clone is dropped.
#[derive(Clone)]
pub struct KeyLookup {
    queue: mpsc::UnboundedSender<Pending>,
}

impl KeyLookup {
    /// Starts the batching task on the current Tokio runtime.
    pub fn start(db: AnyPool) -> Self {
        let (queue, pending) = mpsc::unbounded_channel();
        tokio::spawn(batch_lookups(db, pending));
        Self { queue }
    }

    /// The verdict on `presented`; malformed keys are refused without a
    /// query.
    pub async fn check(&self, presented: &str) -> Answer {
        if !could_be_key(presented) {
            return Ok(KeyCheck::Refused(Refusal::Malformed, None));
        }
        let (reply, answer) = oneshot::channel();
        let pending = Pending {
            hash: key_hash(presented),
            reply,
        };
        let gone = || LookupFailed("the lookup task has stopped".into());
        self.queue.send(pending).map_err(|_| gone())?;
        answer.await.map_err(|_| gone())?
    }
}

async fn batch_lookups(db: AnyPool, mut pending: mpsc::UnboundedReceiver<Pending>) {
    let in_flight = Arc::new(Semaphore::new(MAX_QUERIES_IN_FLIGHT));
    loop {
        // Wait for a free slot first: whatever queues up meanwhile joins the batch.
        let Ok(slot) = in_flight.clone().acquire_owned().await else {
            return;
        };
        let mut batch = Vec::with_capacity(MAX_BATCH);
        if pending.recv_many(&mut batch, MAX_BATCH).await == 0 {
            return;
        }
        let db = db.clone();
        tokio::spawn(async move {
            answer_batch(&db, batch).await;
            drop(slot);
        });
    }
}

async fn answer_batch(db: &AnyPool, batch: Vec<Pending>) {
    let mut hashes: Vec<&str> = batch.iter().map(|p| p.hash.as_str()).collect();
    hashes.sort_unstable();
    hashes.dedup();
    match keys_by_hash(db, &hashes).await {
        Ok(rows) => {
            let now = unix_now();
            for Pending { hash, reply } in batch {
                let check = rows
                    .iter()
                    .find_map(|row| row.verdict(&hash, now))
                    .unwrap_or(KeyCheck::Refused(Refusal::Unknown, None));
                // A receiver that gave up (client went away) needs no answer.
                let _ = reply.send(Ok(check));
            }
        }
        Err(err) => {
            let failed = LookupFailed(err.to_string().into());
            for Pending { reply, .. } in batch {
                let _ = reply.send(Err(failed.clone()));
            }
        }
    }
}

/// The keys whose current or previous secret is among `hashes`, in any
/// state: `verdict` judges them.
async fn keys_by_hash(db: &AnyPool, hashes: &[&str]) -> Result<Vec<FoundKey>, sqlx::Error> {
    let placeholders = (1..=hashes.len())
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "SELECT k.key_hash, k.previous_key_hash, k.previous_expires_at, k.revoked_at, \
         k.disabled_at, k.expires_at, k.permissions, k.allowed_networks, \
         k.id AS key_id, k.user_id, u.display_name, k.last_used_at \
         FROM api_keys k JOIN users u ON u.id = k.user_id \
         WHERE k.key_hash IN ({placeholders}) OR k.previous_key_hash IN ({placeholders})"
    );
    let mut query = sqlx::query_as::<_, FoundKey>(&sql);
    for hash in hashes {
        query = query.bind(*hash);
    }
    query.fetch_all(db).await
}

#[derive(sqlx::FromRow)]
struct FoundKey {
    key_hash: String,
    previous_key_hash: Option<String>,
    previous_expires_at: Option<i64>,
    revoked_at: Option<i64>,
    disabled_at: Option<i64>,
    expires_at: Option<i64>,
    permissions: String,
    allowed_networks: String,
    key_id: String,
    user_id: String,
    display_name: String,
    last_used_at: Option<i64>,
}

impl FoundKey {
    /// The verdict on `hash` at `now`, if it is this key's secret.
    fn verdict(&self, hash: &str, now: i64) -> Option<KeyCheck> {
        let current = self.key_hash == hash;
        let previous = self.previous_key_hash.as_deref() == Some(hash);
        if !current && !previous {
            return None;
        }
        let refusal = if self.revoked_at.is_some() {
            Some(Refusal::Revoked)
        } else if self.disabled_at.is_some() {
            Some(Refusal::Disabled)
        } else if is_expired(self.expires_at, now) {
            Some(Refusal::Expired)
        } else if !current && self.previous_expires_at.is_none_or(|until| now >= until) {
            Some(Refusal::Unknown)
        } else {
            None
        };
        Some(match refusal {
            Some(refusal) => KeyCheck::Refused(refusal, Some(self.key_id.clone())),
            None => KeyCheck::Valid(ActingKey {
                key_id: self.key_id.clone(),
                user_id: self.user_id.clone(),
                display_name: self.display_name.clone(),
                last_used_at: self.last_used_at,
                // Unreadable permissions grant nothing.
                permissions: Permissions::from_stored(&self.permissions)
                    .unwrap_or(Permissions::NONE),
                expires_at: self.expires_at,
                networks: Networks::from_stored(&self.allowed_networks),
                in_grace: !current,
            }),
        })
    }
}
