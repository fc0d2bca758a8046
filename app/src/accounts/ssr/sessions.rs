//! Sign-in sessions kept in the database, so every instance shares them.
//!
//! tower-sessions was the first choice, but its store keys sessions by the
//! raw 128-bit id (this design stores only a hash of a 256-bit token) and has
//! no per-user index for "sign out everywhere"; the little that remains is here.

use super::users::UserRecord;
use crate::actor::{CurrentUser, Session};
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
    /// Sensitive changes (creating API keys) ask for the password again when
    /// the session's user last proved who they are longer ago than this.
    pub reauth_window_secs: i64,
}

/// How long a sign-in waits for its second step (`two_step`).
pub const PENDING_SIGN_IN_SECS: i64 = 5 * 60;

/// A browser stays known to an account for a year after signing in.
const DEVICE_COOKIE_SECS: i64 = 365 * 24 * 3600;

/// A browser that signed in to `user_id` before, by its signed device
/// cookie (`user_id:device_id:address_confirmed_at`, HMAC-signed with the
/// server's key), renewed at every sign-in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KnownDevice {
    pub user_id: String,
    pub device_id: String,
    /// When the account's address was confirmed, as the browser last signed
    /// in (unix seconds; 0 while unconfirmed). The value itself rather than
    /// the time of signing in: a registration and the owner's reset can
    /// fall in the same second.
    pub address_confirmed_at: i64,
}

impl KnownDevice {
    /// The cookie's message, once its signature is checked.
    pub fn from_verified(message: &str) -> Option<Self> {
        let mut parts = message.splitn(3, ':');
        Some(Self {
            user_id: parts.next()?.to_owned(),
            device_id: parts.next()?.to_owned(),
            address_confirmed_at: parts.next()?.parse().ok()?,
        })
    }

    pub fn message(&self) -> String {
        format!(
            "{}:{}:{}",
            self.user_id, self.device_id, self.address_confirmed_at
        )
    }

    /// Whether this browser is `user`'s own: it signed in to the account
    /// since its address was confirmed. A browser that signed in before
    /// (someone who registered another person's address, say) proved
    /// nothing the owner's reset did not take back.
    pub fn vouches_for(&self, user: &UserRecord) -> bool {
        self.user_id == user.id
            && user
                .email_verified_at
                .is_none_or(|confirmed| self.address_confirmed_at == confirmed)
    }
}

/// Activity is written at most this often, not on every request.
const TOUCH_INTERVAL_SECS: i64 = 60;
const TOKEN_BYTES: usize = 32;

impl SessionPolicy {
    pub fn cookie_name(&self) -> &'static str {
        if self.secure {
            "__Host-tp_session"
        } else {
            "tp_session"
        }
    }

    /// The cookie of a sign-in waiting for its second step.
    pub fn pending_cookie_name(&self) -> &'static str {
        if self.secure {
            "__Host-tp_pending_sign_in"
        } else {
            "tp_pending_sign_in"
        }
    }

    /// `Set-Cookie` value carrying a new session's token.
    pub fn session_cookie(&self, token: &str) -> String {
        self.cookie(
            self.cookie_name(),
            token.to_owned(),
            self.absolute_timeout_secs,
        )
    }

    /// `Set-Cookie` value that removes the session cookie.
    pub fn removal_cookie(&self) -> String {
        self.cookie(self.cookie_name(), String::new(), 0)
    }

    /// `Set-Cookie` value carrying a pending sign-in's token, or (None)
    /// removing it.
    pub fn pending_cookie(&self, token: Option<&str>) -> String {
        let name = self.pending_cookie_name();
        match token {
            Some(token) => self.cookie(name, token.to_owned(), PENDING_SIGN_IN_SECS),
            None => self.cookie(name, String::new(), 0),
        }
    }

    fn cookie(&self, name: &'static str, value: String, max_age_secs: i64) -> String {
        Cookie::build((name, value))
            .path("/")
            .http_only(true)
            .same_site(SameSite::Lax)
            .secure(self.secure)
            .max_age(cookie::time::Duration::seconds(max_age_secs))
            .build()
            .to_string()
    }

    /// The cookie marking a browser that signed in to an account before.
    pub fn device_cookie_name(&self) -> &'static str {
        if self.secure {
            "__Host-tp_device"
        } else {
            "tp_device"
        }
    }

    /// `Set-Cookie` value of a device cookie (signed by the caller).
    pub fn device_cookie(&self, signed: &str) -> String {
        self.cookie(
            self.device_cookie_name(),
            signed.to_owned(),
            DEVICE_COOKIE_SECS,
        )
    }

    /// The device cookie's (signed) value in a request's `Cookie` header.
    pub fn device_from_cookies<'a>(&self, cookie_header: &'a str) -> Option<&'a str> {
        Cookie::split_parse(cookie_header)
            .filter_map(Result::ok)
            .find(|cookie| cookie.name() == self.device_cookie_name())
            .and_then(|cookie| cookie.value_raw())
    }

    /// The session token in a request's `Cookie` header, if well-formed.
    pub fn token_from_cookies<'a>(&self, cookie_header: &'a str) -> Option<&'a str> {
        token_named(cookie_header, self.cookie_name())
    }

    /// The pending sign-in's token in a request's `Cookie` header.
    pub fn pending_token_from_cookies<'a>(&self, cookie_header: &'a str) -> Option<&'a str> {
        token_named(cookie_header, self.pending_cookie_name())
    }
}

fn token_named<'a>(cookie_header: &'a str, name: &str) -> Option<&'a str> {
    Cookie::split_parse(cookie_header)
        .filter_map(Result::ok)
        .find(|cookie| cookie.name() == name)
        .map(|cookie| cookie.value_raw().unwrap_or_default())
        .filter(|token| {
            token.len() == TOKEN_BYTES * 2 && token.bytes().all(|b| b.is_ascii_hexdigit())
        })
}

pub fn token_hash(token: &str) -> String {
    sha256_hex(token)
}

/// The browser a session is started from, as the session list shows it.
pub struct Device<'a> {
    /// The `User-Agent` header, cut to `USER_AGENT_MAX_CHARS`.
    pub user_agent: &'a str,
    pub client_address: &'a str,
}

const USER_AGENT_MAX_CHARS: usize = 512;

/// Starts a session for `user_id` on `device`; returns the token for the cookie.
pub async fn start(
    db: &AnyPool,
    user_id: &str,
    device: &Device<'_>,
) -> Result<String, sqlx::Error> {
    let token = random_hex(TOKEN_BYTES)?;
    let now = unix_now();
    let user_agent: String = device
        .user_agent
        .chars()
        .take(USER_AGENT_MAX_CHARS)
        .collect();
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, public_id, \
         user_agent, client_address, authenticated_at) VALUES ($1, $2, $3, $3, $4, $5, $6, $3)",
    )
    .bind(token_hash(&token))
    .bind(user_id)
    .bind(now)
    .bind(uuid::Uuid::new_v4().simple().to_string())
    .bind(user_agent)
    .bind(device.client_address)
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
         (SELECT COUNT(*) + COUNT(c.returned_at) FROM checkouts c WHERE c.user_id = u.id), \
         s.public_id, s.authenticated_at \
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
        public_id: row.try_get(7)?,
        authenticated_at: row.try_get(8)?,
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

/// Ends every session of `user_id` (a password set through a reset link).
pub async fn end_all<'c>(
    db: impl sqlx::Executor<'c, Database = sqlx::Any>,
    user_id: &str,
) -> Result<u64, sqlx::Error> {
    sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user_id)
        .execute(db)
        .await
        .map(|done| done.rows_affected())
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

/// One of a user's live sessions, as /account lists it.
#[derive(Debug, sqlx::FromRow)]
pub struct SessionRecord {
    pub public_id: String,
    pub user_agent: Option<String>,
    pub client_address: Option<String>,
    pub created_at: i64,
    pub last_seen_at: i64,
}

/// The user's sessions that have not expired, the most recently used first.
pub async fn list(
    db: &AnyPool,
    user_id: &str,
    policy: &SessionPolicy,
) -> Result<Vec<SessionRecord>, sqlx::Error> {
    let now = unix_now();
    sqlx::query_as(
        "SELECT public_id, user_agent, client_address, created_at, last_seen_at FROM sessions \
         WHERE user_id = $1 AND created_at > $2 AND last_seen_at > $3 \
         ORDER BY last_seen_at DESC, created_at DESC",
    )
    .bind(user_id)
    .bind(now - policy.absolute_timeout_secs)
    .bind(now - policy.idle_timeout_secs)
    .fetch_all(db)
    .await
}

/// Ends the session `public_id` if it is one of `user_id`'s; whether it was.
pub async fn end_by_public_id(
    db: &AnyPool,
    user_id: &str,
    public_id: &str,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND public_id = $2")
        .bind(user_id)
        .bind(public_id)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// The user of the session `token_hash` proved who they are just now: the
/// session goes on under a new token, answered for the cookie, and the old
/// one stops working at once, on every instance (each request looks its
/// token up). None when the session ended meanwhile.
pub async fn reissue(db: &AnyPool, token_hash: &str) -> Result<Option<String>, sqlx::Error> {
    let token = random_hex(TOKEN_BYTES)?;
    let renewed = sqlx::query(
        "UPDATE sessions SET token_hash = $1, authenticated_at = $2 WHERE token_hash = $3",
    )
    .bind(self::token_hash(&token))
    .bind(unix_now())
    .bind(token_hash)
    .execute(db)
    .await?;
    Ok((renewed.rows_affected() == 1).then_some(token))
}

/// "Firefox on Linux" for a session list, from the User-Agent it signed in with.
pub fn device_label(user_agent: Option<&str>) -> String {
    // Every browser's starts "Mozilla/"; a program's names the program
    // (where the parser would say only "HTTP Library").
    if let Some(program) = user_agent
        .filter(|agent| !agent.starts_with("Mozilla/"))
        .and_then(program_label)
    {
        return program;
    }
    let parsed = user_agent.and_then(|agent| woothee::parser::Parser::new().parse(agent));
    let known = |value: &str| !value.is_empty() && value != woothee::woothee::VALUE_UNKNOWN;
    match parsed {
        Some(found) if known(found.name) && known(found.os) => {
            format!("{} on {}", found.name, found.os)
        }
        Some(found) if known(found.name) => found.name.to_owned(),
        _ => "An unrecognised browser or program".to_owned(),
    }
}

/// "python-requests 2.32.3" for a program's User-Agent (its first product,
/// `name/version`), which browsers' parsers do not know: API clients and
/// scripts name themselves this way.
fn program_label(user_agent: &str) -> Option<String> {
    let product = user_agent.split_whitespace().next()?;
    let (name, version) = product.split_once('/').unwrap_or((product, ""));
    let plain = |text: &str| {
        text.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    };
    if name.is_empty() || name.len() > 40 || version.len() > 20 || !plain(name) || !plain(version) {
        return None;
    }
    Some(format!("{name} {version}").trim_end().to_owned())
}

#[cfg(test)]
mod tests {
    use super::device_label;

    #[test]
    fn programs_are_named_by_their_user_agent() {
        assert_eq!(
            device_label(Some("python-requests/2.32.3")),
            "python-requests 2.32.3"
        );
        assert_eq!(device_label(Some("curl/8.5.0")), "curl 8.5.0");
        assert_eq!(
            device_label(Some(
                "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
            )),
            "Firefox on Linux"
        );
        assert_eq!(
            device_label(Some("<script>/1")),
            "An unrecognised browser or program"
        );
        assert_eq!(device_label(None), "An unrecognised browser or program");
    }
}
