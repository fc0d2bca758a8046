//! Proving e-mail addresses. Registration mails a link that confirms the
//! account's address; changing the address mails a link to the new one, and
//! the account keeps its old address until that link is used. Links carry a
//! single-use token of 256 random bits, stored only as its SHA-256, valid
//! 24 hours and replaced by a newer one of the same purpose. Opening a link
//! never uses it: its page asks to confirm, and only that POST does.

use super::throttle::{OverLimit, ThrottlePolicy};
use super::users::{self, CreateUserError};
use super::{activity, validation};
use crate::accounts::PendingEmailChange;
use crate::accounts::{ActivityKind, EmailLink, EmailLinkPurpose};
use crate::actor::Actor;
use crate::error::AppError;
use crate::error::{Field, FieldError};
use crate::mail::ssr::outbox;
use crate::mail::ssr::templates::{self, SecurityNotice};
use crate::state::AppState;
use crate::support::db::begin_write;
use crate::support::time::{moment, time_label, unix_now};
use crate::support::tokens::{random_base62, sha256_hex};
use sqlx::{AnyConnection, AnyPool};

/// How long a confirmation link works.
pub const LINK_VALID_SECS: i64 = 24 * 60 * 60;

/// At most 5 confirmation e-mails per account and 20 per client address in
/// an hour (sending again, or to new addresses): no flooding a mailbox, and
/// no sending mail to strangers at scale. Counted in the sign-in throttle's
/// table under their own subjects.
pub const SEND_LIMITS: ThrottlePolicy = ThrottlePolicy {
    window_secs: 60 * 60,
    max_failures_per_account: 5,
    max_failures_per_client: 20,
    over_limit: OverLimit::WaitForWindow,
};

fn stored(purpose: EmailLinkPurpose) -> &'static str {
    match purpose {
        EmailLinkPurpose::Verify => "verify",
        EmailLinkPurpose::Change => "change",
    }
}

fn parse(stored: &str) -> EmailLinkPurpose {
    match stored {
        "change" => EmailLinkPurpose::Change,
        _ => EmailLinkPurpose::Verify,
    }
}

/// Writes a link proving `email` for `user_id`, and its e-mail, into the
/// caller's transaction, replacing the account's previous link of `purpose`.
pub async fn write_link(
    conn: &mut AnyConnection,
    public_url: &str,
    user_id: &str,
    purpose: EmailLinkPurpose,
    email: &str,
) -> Result<(), sqlx::Error> {
    let token = random_base62(43)?;
    let now = unix_now();
    sqlx::query("DELETE FROM email_confirmations WHERE user_id = $1 AND purpose = $2")
        .bind(user_id)
        .bind(stored(purpose))
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO email_confirmations (token_hash, user_id, purpose, email, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(sha256_hex(&token))
    .bind(user_id)
    .bind(stored(purpose))
    .bind(email)
    .bind(now)
    .bind(now + LINK_VALID_SECS)
    .execute(&mut *conn)
    .await?;
    let link = format!("{public_url}/confirm-email?token={token}");
    let new_account = purpose == EmailLinkPurpose::Verify;
    outbox::enqueue(conn, &templates::confirm_address(email, &link, new_account)).await?;
    Ok(())
}

/// Counts one confirmation e-mail for `user_id` from `client`, or refuses it.
async fn count_send(state: &AppState, user_id: &str, client: &str) -> Result<(), AppError> {
    let (account, client_key) = (
        format!("confirm:{user_id}"),
        format!("confirm-{}", state.clients.subject(client)),
    );
    let unavailable = AppError::dependency_failed("counting confirmation e-mails failed");
    if let Some(retry_after_secs) = SEND_LIMITS
        .take(&state.db, &account, Some(&client_key))
        .await
        .map_err(unavailable)?
    {
        return Err(AppError::MailThrottled { retry_after_secs });
    }
    Ok(())
}

/// A new link for the signed-in account's own address (the first one may
/// have gone astray). Nothing is sent once the address is confirmed.
pub async fn resend_verification(state: &AppState, actor: &Actor) -> Result<(), AppError> {
    let (session, client) = (actor.session()?, actor.client.as_str());
    let unavailable = AppError::dependency_failed("sending a confirmation link failed");
    let user = users::find_by_id(&state.db, &session.user.id)
        .await
        .map_err(unavailable)?
        .ok_or(AppError::SignedOut)?;
    if user.email_verified_at.is_some() {
        return Ok(());
    }
    count_send(state, &user.id, client).await?;
    let mut tx = begin_write(&state.db).await.map_err(unavailable)?;
    let public_url = &state.site.public_url;
    write_link(
        &mut tx,
        public_url,
        &user.id,
        EmailLinkPurpose::Verify,
        &user.email,
    )
    .await
    .map_err(unavailable)?;
    state.mailer.commit(tx).await.map_err(unavailable)?;
    Ok(())
}

/// Asks to switch the signed-in account to `new_email`, after its password
/// is entered again: mails a link to the new address. The account keeps its
/// address until the link is used.
pub async fn request_change(
    state: &AppState,
    actor: &Actor,
    new_email: &str,
    password: String,
) -> Result<(), AppError> {
    let (session, client) = (actor.session()?, actor.client.as_str());
    let on_new_email = |message: &str| AppError::Invalid(FieldError::new(Field::NewEmail, message));
    let new_email =
        validation::normalize_email(new_email).map_err(|refused| on_new_email(&refused.message))?;
    if new_email == session.user.email {
        return Err(on_new_email("That is already your account's address."));
    }
    super::reauth::require_recent(state, session)?;
    let wrong = "That is not your password, so nothing was changed.";
    super::reauth::check_password(state, &session.user.id, password, wrong, client).await?;
    let unavailable = AppError::dependency_failed("asking for an e-mail change failed");
    if users::find_by_email(&state.db, &new_email)
        .await
        .map_err(unavailable)?
        .is_some()
    {
        return Err(on_new_email("Another account uses this address."));
    }
    count_send(state, &session.user.id, client).await?;
    let mut tx = begin_write(&state.db).await.map_err(unavailable)?;
    let (public_url, user_id) = (&state.site.public_url, &session.user.id);
    write_link(
        &mut tx,
        public_url,
        user_id,
        EmailLinkPurpose::Change,
        &new_email,
    )
    .await
    .map_err(unavailable)?;
    state.mailer.commit(tx).await.map_err(unavailable)?;
    let kind = ActivityKind::EmailChangeRequested;
    activity::record(&state.db, user_id, kind, &new_email, client);
    Ok(())
}

/// The change waiting for its link, if any (for the account page).
pub async fn pending_change(
    db: &AnyPool,
    user_id: &str,
) -> Result<Option<PendingEmailChange>, sqlx::Error> {
    let found: Option<(String, i64)> = sqlx::query_as(
        "SELECT email, created_at FROM email_confirmations \
         WHERE user_id = $1 AND purpose = $2 AND expires_at > $3",
    )
    .bind(user_id)
    .bind(stored(EmailLinkPurpose::Change))
    .bind(unix_now())
    .fetch_optional(db)
    .await?;
    Ok(found.map(|(email, sent)| PendingEmailChange {
        email,
        sent: time_label(moment(sent)),
    }))
}

/// Withdraws the account's waiting e-mail change: its link stops working.
pub async fn cancel_change(db: &AnyPool, user_id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM email_confirmations WHERE user_id = $1 AND purpose = $2")
        .bind(user_id)
        .bind(stored(EmailLinkPurpose::Change))
        .execute(db)
        .await
        .map(|_| ())
}

/// What the live link `token` confirms (None: expired, used or replaced).
pub async fn link_status(db: &AnyPool, token: &str) -> Result<Option<EmailLink>, AppError> {
    let found: Option<(String, String)> = sqlx::query_as(
        "SELECT purpose, email FROM email_confirmations WHERE token_hash = $1 AND expires_at > $2",
    )
    .bind(sha256_hex(token))
    .bind(unix_now())
    .fetch_optional(db)
    .await
    .map_err(AppError::dependency_failed(
        "checking a confirmation link failed",
    ))?;
    Ok(found.map(|(purpose, email)| EmailLink {
        purpose: parse(&purpose),
        email,
    }))
}

/// Uses the link `token`: confirms the account's address, or switches the
/// account to the new one (telling the old address). Answers the account's
/// id and what the link did.
pub async fn confirm(
    state: &AppState,
    actor: &Actor,
    token: &str,
) -> Result<(String, EmailLinkPurpose), AppError> {
    let client = actor.client.as_str();
    let unavailable = AppError::dependency_failed("confirming an e-mail address failed");
    let now = unix_now();
    let mut tx = begin_write(&state.db).await.map_err(unavailable)?;
    // Claimed and deleted in one statement: two uses at once, one wins.
    let claimed: Option<(String, String, String)> = sqlx::query_as(
        "DELETE FROM email_confirmations WHERE token_hash = $1 AND expires_at > $2 \
         RETURNING user_id, purpose, email",
    )
    .bind(sha256_hex(token))
    .bind(now)
    .fetch_optional(&mut *tx)
    .await
    .map_err(unavailable)?;
    let Some((user_id, purpose, email)) = claimed else {
        return Err(AppError::EmailLinkUnusable);
    };
    let purpose = parse(&purpose);
    let (kind, detail) = match purpose {
        EmailLinkPurpose::Verify => {
            // A link for an address the account has since left proves nothing.
            if !users::mark_verified(&mut *tx, &user_id, &email)
                .await
                .map_err(unavailable)?
            {
                return Err(AppError::EmailLinkUnusable);
            }
            (ActivityKind::EmailVerified, email)
        }
        EmailLinkPurpose::Change => {
            let old = match users::change_email(&mut tx, &user_id, &email).await {
                Ok(Some(old)) => old,
                Ok(None) => return Err(AppError::EmailLinkUnusable),
                Err(CreateUserError::DuplicateEmail) => return Err(AppError::EmailTaken),
                Err(CreateUserError::Database(err)) => return Err(unavailable(err)),
            };
            // Links mailed to the old address stop working with it.
            for table in ["email_confirmations", "password_resets"] {
                sqlx::query(&format!("DELETE FROM {table} WHERE user_id = $1"))
                    .bind(&user_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(unavailable)?;
            }
            let notice = SecurityNotice {
                headline: "Your e-mail address was changed",
                facts: vec![
                    format!("New address: {email}"),
                    format!("When: {}", time_label(moment(now)).text),
                    format!("From: {client}"),
                    "This address no longer signs in to the account.".to_owned(),
                ],
                review: ("/account", "Review your account"),
                if_not_you: Some(
                    "sign in with the new address and your password, change the address back \
                     and change your password. If you cannot, write to hello@tracepipe.ai from \
                     this address at once.",
                ),
            };
            outbox::enqueue(&mut tx, &notice.email(&state.site.public_url, &old))
                .await
                .map_err(unavailable)?;
            (ActivityKind::EmailChanged, format!("{old} → {email}"))
        }
    };
    state.mailer.commit(tx).await.map_err(unavailable)?;
    activity::record(&state.db, &user_id, kind, &detail, client);
    Ok((user_id, purpose))
}
