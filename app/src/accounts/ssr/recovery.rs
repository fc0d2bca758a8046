//! Password reset by e-mail. Asking gives the same answer, status and time
//! whether or not the address has an account (the work happens after the
//! answer); the link carries a single-use token of 256 random bits, stored
//! only as its SHA-256, valid 30 minutes, replaced by a newer one and
//! deleted when the user signs in with the old password. Opening the link
//! never uses it up: only setting the new password does, and that ends every
//! session of the account, logs the event, and sends a notice.

use super::throttle::{OverLimit, ThrottlePolicy};
use super::{activity, passwords, sessions, users, validation};
use crate::accounts::ActivityKind;
use crate::actor::Actor;
use crate::error::AppError;
use crate::error::Field;
use crate::mail::ssr::outbox;
use crate::mail::ssr::templates::{self, SecurityNotice};
use crate::state::AppState;
use crate::support::db::begin_write;
use crate::support::time::{moment, time_label, unix_now};
use crate::support::tokens::{random_base62, sha256_hex};
use sqlx::AnyPool;

/// How long a reset link works.
pub const LINK_VALID_SECS: i64 = 30 * 60;

/// At most 3 links per address and 20 per client address in 15 minutes, so
/// nobody can flood a mailbox. Counted in the sign-in throttle's table under
/// their own subjects.
pub const REQUEST_LIMITS: ThrottlePolicy = ThrottlePolicy {
    window_secs: 15 * 60,
    max_failures_per_account: 3,
    max_failures_per_client: 20,
    over_limit: OverLimit::WaitForWindow,
};

fn address_subject(email: &str) -> String {
    format!("reset:{email}")
}

/// Asks for a reset link for `email`. Answers before anything about the
/// account is looked up; the link is written and mailed in the background.
pub async fn request_link(state: &AppState, actor: &Actor, email: &str) -> Result<(), AppError> {
    let client = actor.client.as_str();
    let email = validation::normalize_email(email).map_err(AppError::Invalid)?;
    let (address, client_key) = (
        address_subject(&email),
        format!("reset-{}", state.clients.subject(client)),
    );
    let unavailable = AppError::dependency_failed("asking for a reset link failed");
    if let Some(retry_after_secs) = REQUEST_LIMITS
        .take(&state.db, &address, Some(&client_key))
        .await
        .map_err(unavailable)?
    {
        return Err(AppError::MailThrottled { retry_after_secs });
    }
    let (state, client) = (state.clone(), client.to_owned());
    tokio::spawn(async move {
        if let Err(err) = write_link(&state, &email, &client).await {
            tracing::error!("writing a reset link failed: {err}");
        }
    });
    Ok(())
}

/// For an existing account: a new link (replacing any older one) and its
/// e-mail, in one transaction.
async fn write_link(state: &AppState, email: &str, client: &str) -> Result<(), sqlx::Error> {
    let Some(user) = users::find_by_email(&state.db, email).await? else {
        return Ok(());
    };
    let kind = ActivityKind::PasswordResetRequested;
    activity::record(&state.db, &user.id, kind, "", client);
    let token = random_base62(43)?;
    let now = unix_now();
    let mut tx = begin_write(&state.db).await?;
    sqlx::query("DELETE FROM password_resets WHERE user_id = $1")
        .bind(&user.id)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO password_resets (token_hash, user_id, created_at, expires_at) \
         VALUES ($1, $2, $3, $4)",
    )
    .bind(sha256_hex(&token))
    .bind(&user.id)
    .bind(now)
    .bind(now + LINK_VALID_SECS)
    .execute(&mut *tx)
    .await?;
    let link = format!("{}/reset-password?token={token}", state.site.public_url);
    outbox::enqueue(&mut tx, &templates::reset_link(email, &link, client, now)).await?;
    state.mailer.commit(tx).await?;
    Ok(())
}

/// Whether `token` is a live link (for showing its form; nothing changes).
pub async fn link_is_live(db: &AnyPool, token: &str) -> Result<bool, AppError> {
    Ok(link_owner(db, token).await?.is_some())
}

/// The account a live link `token` belongs to.
async fn link_owner(db: &AnyPool, token: &str) -> Result<Option<users::UserRecord>, AppError> {
    let found: Option<(String,)> = sqlx::query_as(
        "SELECT user_id FROM password_resets WHERE token_hash = $1 AND expires_at > $2",
    )
    .bind(sha256_hex(token))
    .bind(unix_now())
    .fetch_optional(db)
    .await
    .map_err(AppError::dependency_failed("checking a reset link failed"))?;
    let Some((user_id,)) = found else {
        return Ok(None);
    };
    users::find_by_id(db, &user_id)
        .await
        .map_err(AppError::dependency_failed("checking a reset link failed"))
}

/// Sets `new_password` through the link `token`, using it up; every session
/// of the account ends and the owner is told. Answers the account's id.
pub async fn reset_password(
    state: &AppState,
    actor: &Actor,
    token: &str,
    new_password: String,
) -> Result<String, AppError> {
    let client = actor.client.as_str();
    let unavailable = AppError::dependency_failed("resetting a password failed");
    // Refused links are refused before the (slow) hashing.
    let Some(owner) = link_owner(&state.db, token).await? else {
        return Err(AppError::ResetLinkUnusable);
    };
    let personal = [owner.email.as_str(), &owner.display_name];
    validation::check_new_password(&new_password, Field::NewPassword, &personal)
        .map_err(AppError::Invalid)?;
    let hash = passwords::hash_password(new_password)
        .await
        .map_err(AppError::dependency_failed("hashing a new password"))?;
    let now = unix_now();
    let mut tx = begin_write(&state.db).await.map_err(unavailable)?;
    // Claimed and deleted in one statement: two uses at once, one wins.
    let claimed: Option<(String,)> = sqlx::query_as(
        "DELETE FROM password_resets WHERE token_hash = $1 AND expires_at > $2 RETURNING user_id",
    )
    .bind(sha256_hex(token))
    .bind(now)
    .fetch_optional(&mut *tx)
    .await
    .map_err(unavailable)?;
    let Some((user_id,)) = claimed else {
        return Err(AppError::ResetLinkUnusable);
    };
    let email = users::set_password_hash(&mut *tx, &user_id, &hash)
        .await
        .map_err(unavailable)?;
    let removed = remove_unproven_factors(&mut tx, &user_id)
        .await
        .map_err(unavailable)?;
    // The link came to this address, which proves it is the owner's.
    users::mark_verified(&mut *tx, &user_id, &email)
        .await
        .map_err(unavailable)?;
    sessions::end_all(&mut *tx, &user_id)
        .await
        .map_err(unavailable)?;
    let signed_out = match removed.describe() {
        None => "Every device was signed out.".to_owned(),
        Some(factors) => format!(
            "Every device was signed out, and {factors} added before this address was confirmed {} removed: whoever added {} did not prove they own this address. Add your own again from your account page.",
            if removed.count() == 1 { "was" } else { "were" },
            if removed.count() == 1 { "it" } else { "them" },
        ),
    };
    let notice = password_changed_notice(
        "with a reset link sent to this address",
        &signed_out,
        client,
    );
    outbox::enqueue(&mut tx, &notice.email(&state.site.public_url, &email))
        .await
        .map_err(unavailable)?;
    state.mailer.commit(tx).await.map_err(unavailable)?;
    activity::record(&state.db, &user_id, ActivityKind::PasswordReset, "", client);
    Ok(user_id)
}

/// Sign-in methods a reset removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RemovedFactors {
    pub passkeys: u64,
    pub authenticators: u64,
}

impl RemovedFactors {
    fn count(&self) -> u64 {
        self.passkeys + self.authenticators
    }

    /// "2 passkeys and an authenticator app", or None when nothing was removed.
    fn describe(&self) -> Option<String> {
        let passkeys = match self.passkeys {
            0 => None,
            1 => Some("a passkey".to_owned()),
            n => Some(format!("{n} passkeys")),
        };
        let authenticator = (self.authenticators > 0).then(|| "an authenticator app".to_owned());
        match (passkeys, authenticator) {
            (Some(passkeys), Some(app)) => Some(format!("{passkeys} and {app}")),
            (one, other) => one.or(other),
        }
    }
}

/// A reset proves control of the address; a passkey or an authenticator
/// added before the address was ever confirmed proves nothing (someone may
/// have registered another's address and waited: a pre-account hijack), so
/// the reset removes them, with their recovery codes.
async fn remove_unproven_factors(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    user_id: &str,
) -> Result<RemovedFactors, sqlx::Error> {
    let confirmed_at: Option<i64> =
        sqlx::query_scalar("SELECT email_verified_at FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_one(&mut **tx)
            .await?;
    let before = confirmed_at.unwrap_or(i64::MAX);
    let mut removed = RemovedFactors::default();
    for (table, count) in [
        ("passkeys", &mut removed.passkeys),
        ("totp_factors", &mut removed.authenticators),
    ] {
        *count = sqlx::query(&format!(
            "DELETE FROM {table} WHERE user_id = $1 AND created_at < $2"
        ))
        .bind(user_id)
        .bind(before)
        .execute(&mut **tx)
        .await?
        .rows_affected();
    }
    if removed.authenticators > 0 {
        sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut **tx)
            .await?;
    }
    Ok(removed)
}

/// Signing in with the password shows the user still knows it: any link
/// they (or someone else) asked for stops working.
pub async fn forget_links<'c>(
    db: impl sqlx::Executor<'c, Database = sqlx::Any>,
    user_id: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM password_resets WHERE user_id = $1")
        .bind(user_id)
        .execute(db)
        .await
        .map(|_| ())
}

/// The notice a password change sends: `how` it was changed, and what
/// happened to the sessions.
pub fn password_changed_notice(how: &str, sessions: &str, client: &str) -> SecurityNotice<'static> {
    SecurityNotice {
        headline: "Your password was changed",
        facts: vec![
            format!("How: {how}"),
            format!("When: {}", time_label(moment(unix_now())).text),
            format!("From: {client}"),
            sessions.to_owned(),
        ],
        review: ("/account", "Review your account"),
        if_not_you: None,
    }
}
