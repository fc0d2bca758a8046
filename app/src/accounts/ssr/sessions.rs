//! Sign-in sessions kept in the database, so every instance shares them.
//!
//! tower-sessions was the first choice, but its store keys sessions by the
//! raw 128-bit id (this design stores only a hash of a 256-bit token) and has
//! no per-user index for "sign out everywhere"; the little that remains is here.

use crate::accounts::CurrentUser;
use crate::support::time::unix_now;
use crate::support::tokens::{random_hex, sha256_hex};
use cookie::{Cookie, SameSite};
use sqlx::{AnyPool, Row};

/// How long sessions live and how their cookie is marked.
#[derive(Clone, Debug)]
pub struct SessionPolicy {
    /// Signed out after this long without a request.
    pub idle_timeout_secs: i64,
    /// Signed out this long after signing in, active or not.
    pub absolute_timeout_secs: i64,
    /// `PUBLIC_URL` is https: `Secure` and the `__Host-` prefix.
    pub secure: bool,
}

/// Activity is written at most this often, not on every request.
const TOUCH_INTERVAL_SECS: i64 = 60;
const TOKEN_BYTES: usize = 32;

/// A resolved session: who is signed in, and which session it is.
#[derive(Clone, Debug)]
pub struct Session {
    pub user: CurrentUser,
    pub token_hash: String,
    /// Checkouts the user started plus those they returned from, on any
    /// instance: when it changes, the user may have just gained a plan.
    pub checkout_activity: i64,
}

impl SessionPolicy {
    pub fn cookie_name(&self) -> &'static str {
        if self.secure {
            "__Host-tp_session"
        } else {
            "tp_session"
        }
    }

    /// `Set-Cookie` value carrying a new session's token.
    pub fn session_cookie(&self, token: &str) -> String {
        self.cookie(token.to_owned(), self.absolute_timeout_secs)
    }

    /// `Set-Cookie` value that removes the session cookie.
    pub fn removal_cookie(&self) -> String {
        self.cookie(String::new(), 0)
    }

    fn cookie(&self, value: String, max_age_secs: i64) -> String {
        Cookie::build((self.cookie_name(), value))
            .path("/")
            .http_only(true)
            .same_site(SameSite::Lax)
            .secure(self.secure)
            .max_age(cookie::time::Duration::seconds(max_age_secs))
            .build()
            .to_string()
    }

    /// The session token in a request's `Cookie` header, if well-formed.
    pub fn token_from_cookies<'a>(&self, cookie_header: &'a str) -> Option<&'a str> {
        Cookie::split_parse(cookie_header)
            .filter_map(Result::ok)
            .find(|cookie| cookie.name() == self.cookie_name())
            .map(|cookie| cookie.value_raw().unwrap_or_default())
            .filter(|token| {
                token.len() == TOKEN_BYTES * 2 && token.bytes().all(|b| b.is_ascii_hexdigit())
            })
    }
}

pub fn token_hash(token: &str) -> String {
    sha256_hex(token)
}

/// Starts a session for `user_id`; returns the token for the cookie.
pub async fn start(db: &AnyPool, user_id: &str) -> Result<String, sqlx::Error> {
    let token = random_hex(TOKEN_BYTES)?;
    let now = unix_now();
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at) VALUES ($1, $2, $3, $3)",
    )
    .bind(token_hash(&token))
    .bind(user_id)
    .bind(now)
    .execute(db)
    .await?;
    Ok(token)
}

/// The session behind `token`, if it exists and has not expired. Expired
/// sessions are deleted on sight; activity is recorded at most once a minute.
pub async fn resolve(
    db: &AnyPool,
    token: &str,
    policy: &SessionPolicy,
) -> Result<Option<Session>, sqlx::Error> {
    let hash = token_hash(token);
    let row = sqlx::query(
        "SELECT s.created_at, s.last_seen_at, u.id, u.email, u.display_name, u.email_verified_at, \
         (SELECT COUNT(*) + COUNT(c.returned_at) FROM checkouts c WHERE c.user_id = u.id) \
         FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1",
    )
    .bind(&hash)
    .fetch_optional(db)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let (created_at, last_seen_at): (i64, i64) = (row.try_get(0)?, row.try_get(1)?);
    let now = unix_now();
    if now - created_at >= policy.absolute_timeout_secs
        || now - last_seen_at >= policy.idle_timeout_secs
    {
        end(db, &hash).await?;
        return Ok(None);
    }
    if now - last_seen_at >= TOUCH_INTERVAL_SECS {
        sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2")
            .bind(now)
            .bind(&hash)
            .execute(db)
            .await?;
    }
    Ok(Some(Session {
        user: CurrentUser {
            id: row.try_get(2)?,
            email: row.try_get(3)?,
            display_name: row.try_get(4)?,
            email_verified: row.try_get::<Option<i64>, _>(5)?.is_some(),
        },
        token_hash: hash,
        checkout_activity: row.try_get(6)?,
    }))
}

pub async fn end(db: &AnyPool, token_hash: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(token_hash)
        .execute(db)
        .await
        .map(|_| ())
}

/// Ends every session of `user_id` except the one being used.
pub async fn end_others<'c>(
    db: impl sqlx::Executor<'c, Database = sqlx::Any>,
    user_id: &str,
    keep_token_hash: &str,
) -> Result<u64, sqlx::Error> {
    sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
        .bind(user_id)
        .bind(keep_token_hash)
        .execute(db)
        .await
        .map(|done| done.rows_affected())
}
