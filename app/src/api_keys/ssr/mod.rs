//! Server-only API key logic: generation from the OS CSPRNG, hashing, the
//! keys table, and authentication of a presented key.

use crate::accounts::ActivityKind;
use crate::accounts::ssr::{activity, users};
use crate::mail::ssr::outbox;
use crate::mail::ssr::templates::SecurityNotice;
use crate::support::time::{moment, time_label, unix_now};
use crate::support::tokens::{NoRandomness, random_base62, sha256_hex};
use sqlx::{AnyPool, FromRow};

mod lookup;
pub mod service;

pub use lookup::{KeyLookup, LookupFailed};

pub const KEY_PREFIX: &str = "tp_live_";
/// 40 base62 characters: 238 bits from the OS.
const SECRET_CHARS: usize = 40;
/// Active keys one user may hold.
pub const MAX_ACTIVE_KEYS: i64 = 20;
/// `last_used_at` is written at most this often per key.
pub const LAST_USED_GRANULARITY_SECS: i64 = 60;

/// A key as made: the secret to show once, and what is stored.
pub struct NewKey {
    pub key: String,
    pub hash: String,
    pub masked: String,
}

/// Makes a key from the OS CSPRNG.
pub fn generate() -> Result<NewKey, NoRandomness> {
    let key = format!("{KEY_PREFIX}{}", random_base62(SECRET_CHARS)?);
    Ok(NewKey {
        hash: key_hash(&key),
        masked: mask(&key),
        key,
    })
}

pub fn key_hash(key: &str) -> String {
    sha256_hex(key)
}

/// "tp_live_" + the first 4 secret characters + "…" + the last 4.
pub fn mask(key: &str) -> String {
    let secret = key.strip_prefix(KEY_PREFIX).unwrap_or(key);
    let (head, tail) = (
        &secret[..4.min(secret.len())],
        &secret[secret.len().saturating_sub(4)..],
    );
    format!("{KEY_PREFIX}{head}…{tail}")
}

/// Could this be one of our keys? Anything else is refused before a lookup.
pub fn well_formed(key: &str) -> bool {
    key.strip_prefix(KEY_PREFIX).is_some_and(|secret| {
        (32..=128).contains(&secret.len()) && secret.bytes().all(|b| b.is_ascii_alphanumeric())
    })
}

#[derive(Clone, Debug, PartialEq, FromRow)]
pub struct KeyRecord {
    pub id: String,
    pub name: String,
    pub masked: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

/// Who a valid key belongs to.
#[derive(Clone, Debug, PartialEq, FromRow)]
pub struct KeyOwner {
    pub key_id: String,
    pub user_id: String,
    pub display_name: String,
    pub last_used_at: Option<i64>,
}

#[derive(Debug, thiserror::Error)]
pub enum CreateKeyError {
    #[error("the user already has {MAX_ACTIVE_KEYS} active keys")]
    TooMany,
    #[error("no randomness from the OS: {0}")]
    Randomness(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Creates a key named `name` for `user_id` (at most `MAX_ACTIVE_KEYS`
/// active), asked for from `client`; answers the record and the secret,
/// which is never seen again. The "new API key" notice to the account's
/// address is written in the same transaction, so it exists exactly when
/// the key does; `public_url` makes its links absolute.
pub async fn create(
    db: &AnyPool,
    public_url: &str,
    user_id: &str,
    name: &str,
    client: &str,
) -> Result<(KeyRecord, String), CreateKeyError> {
    let new_key = generate().map_err(|err| CreateKeyError::Randomness(err.to_string()))?;
    let id = uuid::Uuid::new_v4().to_string();
    let now = unix_now();
    let mut tx = db.begin().await?;
    // One statement checks the limit and inserts, and it is the
    // transaction's first: it takes SQLite's write lock before anything is
    // read, so a write landing meanwhile cannot make the transaction fail.
    let inserted = sqlx::query(
        "INSERT INTO api_keys (id, user_id, name, key_hash, masked, created_at) \
         SELECT $1, $2, $3, $4, $5, $6 \
         WHERE (SELECT COUNT(*) FROM api_keys WHERE user_id = $2 AND revoked_at IS NULL) < $7",
    )
    .bind(&id)
    .bind(user_id)
    .bind(name)
    .bind(&new_key.hash)
    .bind(&new_key.masked)
    .bind(now)
    .bind(MAX_ACTIVE_KEYS)
    .execute(&mut *tx)
    .await?;
    if inserted.rows_affected() == 0 {
        return Err(CreateKeyError::TooMany);
    }
    let email = users::find_by_id(&mut *tx, user_id)
        .await?
        .ok_or(sqlx::Error::RowNotFound)?
        .email;
    let notice = SecurityNotice {
        headline: "A new API key was created",
        facts: vec![
            format!("Key: {name} ({})", new_key.masked),
            format!("When: {}", time_label(moment(now)).text),
            format!("From: {client}"),
        ],
        review: ("/keys", "Review your API keys"),
        if_not_you: None,
    };
    outbox::enqueue(&mut tx, &notice.email(public_url, &email)).await?;
    tx.commit().await?;
    activity::record(db, user_id, ActivityKind::KeyCreated, name, client);
    let record = KeyRecord {
        id,
        name: name.to_owned(),
        masked: new_key.masked,
        created_at: now,
        last_used_at: None,
    };
    Ok((record, new_key.key))
}

/// The user's active keys, newest first.
pub async fn list(db: &AnyPool, user_id: &str) -> Result<Vec<KeyRecord>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, name, masked, created_at, last_used_at FROM api_keys \
         WHERE user_id = $1 AND revoked_at IS NULL ORDER BY created_at DESC, id",
    )
    .bind(user_id)
    .fetch_all(db)
    .await
}

/// Revokes the user's active key `key_id`, asked for from `client`; false
/// when there is no such key of theirs (another user's key looks exactly
/// like a missing one).
pub async fn revoke(
    db: &AnyPool,
    user_id: &str,
    key_id: &str,
    client: &str,
) -> Result<bool, sqlx::Error> {
    let revoked: Option<String> = sqlx::query_scalar(
        "UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL \
         RETURNING name",
    )
    .bind(unix_now())
    .bind(key_id)
    .bind(user_id)
    .fetch_optional(db)
    .await?;
    let Some(name) = revoked else {
        return Ok(false);
    };
    activity::record(db, user_id, ActivityKind::KeyRevoked, &name, client);
    Ok(true)
}

fn use_is_recent(owner: &KeyOwner, now: i64) -> bool {
    owner
        .last_used_at
        .is_some_and(|last| now - last < LAST_USED_GRANULARITY_SECS)
}

/// Notes a use of the key: when the stored time is older than the
/// granularity, a background write updates it; otherwise nothing happens
/// (no task, no query), which is what almost every request sees.
pub fn note_use(db: &AnyPool, owner: &KeyOwner) {
    let now = unix_now();
    if use_is_recent(owner, now) {
        return;
    }
    let (db, owner) = (db.clone(), owner.clone());
    tokio::spawn(async move {
        if let Err(err) = record_use(&db, &owner, now).await {
            tracing::warn!("recording a key's last use failed: {err}");
        }
    });
}

/// Records a use of the key, writing only when the stored time is older than
/// the granularity (so at most about once a minute per key, across instances).
pub async fn record_use(db: &AnyPool, owner: &KeyOwner, now: i64) -> Result<(), sqlx::Error> {
    if use_is_recent(owner, now) {
        return Ok(());
    }
    sqlx::query(
        "UPDATE api_keys SET last_used_at = $1 \
         WHERE id = $2 AND (last_used_at IS NULL OR last_used_at <= $3)",
    )
    .bind(now)
    .bind(&owner.key_id)
    .bind(now - LAST_USED_GRANULARITY_SECS)
    .execute(db)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_long_random_base62_and_stored_only_as_hashes() {
        let first = generate().unwrap();
        let second = generate().unwrap();
        assert_ne!(first.key, second.key);
        assert!(first.key.starts_with("tp_live_"));
        assert_eq!(first.key.len(), KEY_PREFIX.len() + SECRET_CHARS);
        assert!(well_formed(&first.key));
        assert_eq!(first.hash, key_hash(&first.key));
        assert_eq!(first.hash.len(), 64);
        assert!(!first.hash.contains(&first.key[8..]));
        let secret = &first.key[KEY_PREFIX.len()..];
        assert_eq!(
            first.masked,
            format!("tp_live_{}…{}", &secret[..4], &secret[36..])
        );
    }

    #[test]
    fn only_well_formed_keys_are_looked_up() {
        for bad in [
            "",
            "tp_live_",
            "tp_test_0123456789abcdefghijklmnopqrstuvwxyzAB",
            "tp_live_short",
            "tp_live_0123456789abcdefghijklmnopqrstuv-wxyz",
            &format!("tp_live_{}", "a".repeat(129)),
        ] {
            assert!(!well_formed(bad), "{bad}");
        }
    }
}
