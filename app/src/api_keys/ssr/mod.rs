//! Server-only API key logic: the key format, the keys table and each
//! step of a key's life (create, roll, end a grace period, disable, change
//! networks, revoke), the expiry reminders, and authentication of a
//! presented key.

use crate::accounts::ActivityKind;
use crate::accounts::ssr::{activity, users};
use crate::actor::ActingKey;
use crate::api_keys::Permissions;
use crate::mail::ssr::outbox;
use crate::mail::ssr::templates::SecurityNotice;
use crate::support::db::begin_write;
use crate::support::networks::Networks;
use crate::support::time::{moment, time_label, unix_now};
use sqlx::{AnyPool, FromRow};

mod format;
mod lookup;
pub mod reminders;
pub mod service;

pub use format::{CHECKED_PREFIX, KEY_PREFIX, could_be_key, generate, key_hash, mask};
pub use lookup::{KeyCheck, KeyLookup, LookupFailed, Refusal, is_expired};

/// Active keys one user may hold.
pub const MAX_ACTIVE_KEYS: i64 = 20;
/// `last_used_at` is written at most this often per key.
pub const LAST_USED_GRANULARITY_SECS: i64 = 60;
/// The longest grace period of a roll: a week.
pub const MAX_GRACE_SECS: i64 = 7 * 86_400;

/// A key as stored (never its secret).
#[derive(Clone, Debug, PartialEq, FromRow)]
pub struct KeyRecord {
    pub id: String,
    pub name: String,
    pub masked: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub last_used_address: Option<String>,
    /// `Permissions::to_stored`.
    pub permissions: String,
    pub expires_at: Option<i64>,
    pub disabled_at: Option<i64>,
    /// `Networks::to_stored`.
    pub allowed_networks: String,
    pub previous_masked: Option<String>,
    pub previous_expires_at: Option<i64>,
    /// When the current secret was made by a roll (None: at creation).
    pub rolled_at: Option<i64>,
}

const RECORD_COLUMNS: &str = "id, name, masked, created_at, last_used_at, last_used_address, \
     permissions, expires_at, disabled_at, allowed_networks, previous_masked, previous_expires_at, \
     rolled_at";

impl KeyRecord {
    /// Unreadable stored permissions read as none at all.
    pub fn permissions(&self) -> Permissions {
        Permissions::from_stored(&self.permissions).unwrap_or(Permissions::NONE)
    }

    pub fn networks(&self) -> Networks {
        Networks::from_stored(&self.allowed_networks)
    }

    /// What the key is, as a new key's settings would say it.
    pub fn settings(&self) -> KeySettings {
        KeySettings {
            name: self.name.clone(),
            permissions: self.permissions(),
            expires_at: self.expires_at,
            networks: self.networks(),
        }
    }

    /// The expiry a roll at `now` gives the key: the same lifetime, from now.
    pub fn expiry_if_rolled(&self, now: i64) -> Option<i64> {
        let since = self.rolled_at.unwrap_or(self.created_at);
        self.expires_at.map(|at| now + (at - since))
    }

    /// The secret before the last roll, while it still works.
    pub fn previous_until(&self, now: i64) -> Option<(&str, i64)> {
        match (&self.previous_masked, self.previous_expires_at) {
            (Some(masked), Some(until)) if until > now => Some((masked, until)),
            _ => None,
        }
    }
}

/// What a new key is to be: checked by `service` before it gets here.
#[derive(Clone, Debug, PartialEq)]
pub struct KeySettings {
    pub name: String,
    pub permissions: Permissions,
    /// Unix seconds; None: never.
    pub expires_at: Option<i64>,
    pub networks: Networks,
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

impl From<crate::support::tokens::NoRandomness> for CreateKeyError {
    fn from(err: crate::support::tokens::NoRandomness) -> Self {
        Self::Randomness(err.to_string())
    }
}

/// A notice about `key` to its owner's address, written in `tx` so that it
/// exists exactly when the change does; `public_url` makes its links
/// absolute.
async fn queue_key_notice(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    public_url: &str,
    user_id: &str,
    headline: &'static str,
    facts: Vec<String>,
) -> Result<(), sqlx::Error> {
    let email = users::find_by_id(&mut **tx, user_id)
        .await?
        .ok_or(sqlx::Error::RowNotFound)?
        .email;
    let notice = SecurityNotice {
        headline,
        facts,
        review: ("/keys", "Review your API keys"),
        if_not_you: None,
    };
    outbox::enqueue(tx, &notice.email(public_url, &email)).await?;
    Ok(())
}

fn when_and_where(now: i64, client: &str) -> [String; 2] {
    [
        format!("When: {}", time_label(moment(now)).text),
        format!("From: {client}"),
    ]
}

/// Creates a key for `user_id` (at most `MAX_ACTIVE_KEYS` active), asked
/// for from `client`; answers the record and the secret, which is never
/// seen again. The "new API key" notice is written in the same transaction.
pub async fn create(
    db: &AnyPool,
    public_url: &str,
    user_id: &str,
    settings: &KeySettings,
    client: &str,
) -> Result<(KeyRecord, String), CreateKeyError> {
    let new_key = generate()?;
    let id = uuid::Uuid::new_v4().to_string();
    let now = unix_now();
    let mut tx = begin_write(db).await?;
    // One statement checks the limit and inserts, and it is the
    // transaction's first: it takes SQLite's write lock before anything is
    // read, so a write landing meanwhile cannot make the transaction fail.
    let inserted = sqlx::query(
        "INSERT INTO api_keys \
         (id, user_id, name, key_hash, masked, created_at, permissions, expires_at, allowed_networks) \
         SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9 \
         WHERE (SELECT COUNT(*) FROM api_keys WHERE user_id = $2 AND revoked_at IS NULL) < $10",
    )
    .bind(&id)
    .bind(user_id)
    .bind(&settings.name)
    .bind(&new_key.hash)
    .bind(&new_key.masked)
    .bind(now)
    .bind(settings.permissions.to_stored())
    .bind(settings.expires_at)
    .bind(settings.networks.to_stored())
    .bind(MAX_ACTIVE_KEYS)
    .execute(&mut *tx)
    .await?;
    if inserted.rows_affected() == 0 {
        return Err(CreateKeyError::TooMany);
    }
    let [when, from] = when_and_where(now, client);
    let facts = vec![
        format!("Key: {} ({})", settings.name, new_key.masked),
        format!("Access: {}", settings.permissions.label()),
        when,
        from,
    ];
    queue_key_notice(
        &mut tx,
        public_url,
        user_id,
        "A new API key was created",
        facts,
    )
    .await?;
    tx.commit().await?;
    activity::record(
        db,
        user_id,
        ActivityKind::KeyCreated,
        &settings.name,
        client,
    );
    let record = find(db, user_id, &id)
        .await?
        .ok_or(sqlx::Error::RowNotFound)?;
    Ok((record, new_key.key))
}

/// The user's active key `key_id`; None for a revoked key, a missing one,
/// or another user's (which look alike).
pub async fn find(
    db: &AnyPool,
    user_id: &str,
    key_id: &str,
) -> Result<Option<KeyRecord>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {RECORD_COLUMNS} FROM api_keys \
         WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL"
    ))
    .bind(key_id)
    .bind(user_id)
    .fetch_optional(db)
    .await
}

/// The user's active keys, newest first.
pub async fn list(db: &AnyPool, user_id: &str) -> Result<Vec<KeyRecord>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {RECORD_COLUMNS} FROM api_keys \
         WHERE user_id = $1 AND revoked_at IS NULL ORDER BY created_at DESC, id"
    ))
    .bind(user_id)
    .fetch_all(db)
    .await
}

/// Revokes the user's active key `key_id`, asked for from `client`; false
/// when there is no such key of theirs.
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

/// How a roll treats the secrets before it.
#[derive(Clone, Copy, Debug)]
pub struct RollOptions {
    /// How long the secret being replaced keeps working.
    pub grace_secs: i64,
    /// Whether an older secret still in its grace period may be cut off
    /// (a key keeps one previous secret).
    pub end_previous_grace: bool,
    /// The latest the new lifetime may end (the acting key's own expiry,
    /// when a key rolls a key); None: no cap.
    pub expires_no_later_than: Option<i64>,
}

/// What a roll did.
pub enum Rolled {
    /// The key as it is now, and its new secret.
    Done(Box<KeyRecord>, String),
    /// Nothing: an older secret works until then, and ending that early was not asked for.
    GraceRunning(i64),
    NoSuchKey,
}

/// Gives `key_id` a new secret; the one before keeps working for the grace
/// period. The check on a running grace period is part of the update, so
/// two rolls at once cannot cut off a secret between them.
pub async fn roll(
    db: &AnyPool,
    public_url: &str,
    user_id: &str,
    key_id: &str,
    options: RollOptions,
    client: &str,
) -> Result<Rolled, CreateKeyError> {
    let RollOptions {
        grace_secs,
        end_previous_grace,
        expires_no_later_than,
    } = options;
    let new_key = generate()?;
    let now = unix_now();
    let mut tx = begin_write(db).await?;
    // The first statement writes (SQLite's lock, as in `create`). The
    // secret before moves to `previous_*` only with a grace period ($1, its
    // end, is after $4, now); SET reads the row as it was. The same
    // lifetime from now, capped at $8.
    let rolled: Option<String> = sqlx::query_scalar(
        "UPDATE api_keys SET \
         previous_key_hash = CASE WHEN $1 > $4 THEN key_hash ELSE NULL END, \
         previous_masked = CASE WHEN $1 > $4 THEN masked ELSE NULL END, \
         previous_expires_at = CASE WHEN $1 > $4 THEN $1 ELSE NULL END, \
         expires_at = CASE WHEN $4 + (expires_at - COALESCE(rolled_at, created_at)) > $8 THEN $8 \
         ELSE $4 + (expires_at - COALESCE(rolled_at, created_at)) END, \
         expiry_reminded_at = NULL, key_hash = $2, masked = $3, rolled_at = $4 \
         WHERE id = $5 AND user_id = $6 AND revoked_at IS NULL \
         AND ($7 = 1 OR previous_expires_at IS NULL OR previous_expires_at <= $4) RETURNING name",
    )
    .bind(now + grace_secs)
    .bind(&new_key.hash)
    .bind(&new_key.masked)
    .bind(now)
    .bind(key_id)
    .bind(user_id)
    .bind(i64::from(end_previous_grace))
    .bind(expires_no_later_than.unwrap_or(i64::MAX))
    .fetch_optional(&mut *tx)
    .await?;
    let Some(name) = rolled else {
        drop(tx);
        let record = find(db, user_id, key_id).await?;
        return Ok(
            match record
                .as_ref()
                .and_then(|record| record.previous_until(now))
            {
                Some((_, until)) => Rolled::GraceRunning(until),
                None => Rolled::NoSuchKey,
            },
        );
    };
    let [when, from] = when_and_where(now, client);
    let old_secret = if grace_secs > 0 {
        format!(
            "The secret before works until {}, then stops.",
            time_label(moment(now + grace_secs)).text
        )
    } else {
        "The secret before stopped working at once.".to_owned()
    };
    let facts = vec![
        format!("Key: {name} (new secret {})", new_key.masked),
        old_secret,
        when,
        from,
    ];
    queue_key_notice(&mut tx, public_url, user_id, "An API key was rolled", facts).await?;
    tx.commit().await?;
    activity::record(db, user_id, ActivityKind::KeyRolled, &name, client);
    let record = find(db, user_id, key_id)
        .await?
        .ok_or(sqlx::Error::RowNotFound)?;
    Ok(Rolled::Done(Box::new(record), new_key.key))
}

/// Stops the secret before the last roll now; false when none was working.
pub async fn end_grace(
    db: &AnyPool,
    user_id: &str,
    key_id: &str,
    client: &str,
) -> Result<bool, sqlx::Error> {
    let ended: Option<String> = sqlx::query_scalar(
        "UPDATE api_keys SET previous_key_hash = NULL, previous_masked = NULL, previous_expires_at = NULL \
         WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL \
         AND previous_key_hash IS NOT NULL AND previous_expires_at > $3 RETURNING name",
    )
    .bind(key_id)
    .bind(user_id)
    .bind(unix_now())
    .fetch_optional(db)
    .await?;
    let Some(name) = ended else {
        return Ok(false);
    };
    activity::record(db, user_id, ActivityKind::KeyGraceEnded, &name, client);
    Ok(true)
}

/// What a change of a key's settings sets; `None` leaves a setting as it is.
#[derive(Clone, Copy, Debug, Default)]
pub struct KeyChange<'a> {
    /// `true` disables the key, `false` enables it again.
    pub disabled: Option<bool>,
    /// Replaces the key's allowed networks.
    pub networks: Option<&'a Networks>,
}

/// Applies a change to the user's key in one transaction (every setting it
/// names changes, or none does); false when there is no such key. The
/// activity log names each setting that changed; disabling a disabled key
/// (or enabling an enabled one) changes nothing and logs nothing.
pub async fn change(
    db: &AnyPool,
    user_id: &str,
    key_id: &str,
    change: KeyChange<'_>,
    client: &str,
) -> Result<bool, sqlx::Error> {
    let mut tx = begin_write(db).await?;
    let current: Option<(String, Option<i64>)> = sqlx::query_as(
        "SELECT name, disabled_at FROM api_keys \
         WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL",
    )
    .bind(key_id)
    .bind(user_id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((name, disabled_at)) = current else {
        return Ok(false);
    };
    let mut changed = Vec::new();
    if let Some(networks) = change.networks {
        sqlx::query("UPDATE api_keys SET allowed_networks = $1 WHERE id = $2 AND user_id = $3")
            .bind(networks.to_stored())
            .bind(key_id)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        let detail = if networks.is_any() {
            format!("{name}: any network")
        } else {
            format!("{name}: {}", networks.texts().join(", "))
        };
        changed.push((ActivityKind::KeyNetworksChanged, detail));
    }
    if let Some(disabled) = change.disabled
        && disabled_at.is_some() != disabled
    {
        sqlx::query("UPDATE api_keys SET disabled_at = $1 WHERE id = $2 AND user_id = $3")
            .bind(disabled.then(unix_now))
            .bind(key_id)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        let kind = if disabled {
            ActivityKind::KeyDisabled
        } else {
            ActivityKind::KeyEnabled
        };
        changed.push((kind, name.clone()));
    }
    tx.commit().await?;
    for (kind, detail) in changed {
        activity::record(db, user_id, kind, &detail, client);
    }
    Ok(true)
}

fn use_is_recent(owner: &ActingKey, now: i64) -> bool {
    owner
        .last_used_at
        .is_some_and(|last| now - last < LAST_USED_GRANULARITY_SECS)
}

/// Notes a use of the key from `client`: when the stored time is older
/// than the granularity, a background write updates it (and the address);
/// otherwise nothing happens (no task, no query), which is what almost
/// every request sees.
pub fn note_use(db: &AnyPool, owner: &ActingKey, client: &str) {
    let now = unix_now();
    if use_is_recent(owner, now) {
        return;
    }
    let (db, owner, client) = (db.clone(), owner.clone(), client.to_owned());
    tokio::spawn(async move {
        if let Err(err) = record_use(&db, &owner, &client, now).await {
            tracing::warn!("recording a key's last use failed: {err}");
        }
    });
}

/// Records a use of the key, writing only when the stored time is older than
/// the granularity (so at most about once a minute per key, across instances).
pub async fn record_use(
    db: &AnyPool,
    owner: &ActingKey,
    client: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    if use_is_recent(owner, now) {
        return Ok(());
    }
    sqlx::query(
        "UPDATE api_keys SET last_used_at = $1, last_used_address = $2 \
         WHERE id = $3 AND (last_used_at IS NULL OR last_used_at <= $4)",
    )
    .bind(now)
    .bind(client)
    .bind(&owner.key_id)
    .bind(now - LAST_USED_GRANULARITY_SECS)
    .execute(db)
    .await?;
    Ok(())
}
