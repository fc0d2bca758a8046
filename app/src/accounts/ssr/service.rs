//! The account rules the server functions apply: registering, signing in
//! (throttled, with the same answer for an unknown e-mail and a wrong
//! password), renaming, changing the password, signing out elsewhere and
//! deleting the account. Each takes what the request carries and answers
//! with an `AppError` a page can show; sessions, cookies and redirects stay
//! with the server functions.

use super::sessions;
use super::sessions::KnownDevice;
use super::throttle::{account_subject, device_subject};
use super::users::{self, CreateUserError};
use super::{
    activity, addresses, passkeys, passwords, reauth, recovery, second_factor, two_step, validation,
};
use crate::accounts::{
    ActiveSession, ActivityEntry, ActivityKind, EmailLinkPurpose, PasskeyView, PendingEmailChange,
    SecondFactors, WaitingSignIn,
};
use crate::actor::Actor;
use crate::error::AppError;
use crate::error::{Field, FieldError};
use crate::mail::ssr::outbox;
use crate::mail::ssr::templates::SecurityNotice;
use crate::payments::ssr::payment_client::Standing;
use crate::payments::ssr::{Freshness, payment_failed};
use crate::state::AppState;
use crate::support::db::begin_write;
use crate::support::security_events::SecurityEvent;
use crate::support::time::{moment, time_label, unix_now};

/// A new account for a valid, unused e-mail; its id. The link confirming
/// the address is written and mailed in the same transaction.
pub async fn register(
    state: &AppState,
    actor: &Actor,
    email: &str,
    password: String,
    display_name: &str,
) -> Result<String, AppError> {
    let client = actor.client.as_str();
    let email = validation::normalize_email(email).map_err(AppError::Invalid)?;
    let display_name = validation::clean_display_name(display_name).map_err(AppError::Invalid)?;
    validation::check_new_password(&password, Field::Password, &[&email, &display_name])
        .map_err(AppError::Invalid)?;
    let hash = passwords::hash_password(password)
        .await
        .map_err(AppError::dependency_failed("hashing a new password"))?;
    let unavailable = AppError::dependency_failed("registration failed");
    let mut tx = begin_write(&state.db).await.map_err(unavailable)?;
    let user = match users::create(&mut *tx, &email, &display_name, &hash).await {
        Ok(user) => user,
        Err(CreateUserError::DuplicateEmail) => {
            return Err(AppError::Invalid(FieldError::new(
                Field::Email,
                "An account with this e-mail already exists. Sign in instead.",
            )));
        }
        Err(CreateUserError::Database(err)) => return Err(unavailable(err)),
    };
    let public_url = &state.site.public_url;
    addresses::write_link(
        &mut tx,
        public_url,
        &user.id,
        EmailLinkPurpose::Verify,
        &email,
    )
    .await
    .map_err(unavailable)?;
    state.mailer.commit(tx).await.map_err(unavailable)?;
    let kind = ActivityKind::AccountCreated;
    activity::record(&state.db, &user.id, kind, "", client);
    Ok(user.id)
}

/// The security log's name for the password step of a sign-in.
const SIGN_IN: &str = "sign_in.password";

/// The id of the account `email` and `password` open, unless this account
/// or this client must wait first. Only the first step: the caller decides
/// whether a second one follows (`context::finish_first_step`).
pub async fn sign_in(
    state: &AppState,
    actor: &Actor,
    email: &str,
    password: String,
    device: Option<KnownDevice>,
) -> Result<String, AppError> {
    let client = actor.client.as_str();
    // An unparseable address cannot belong to an account: same answer as a wrong password.
    let email = validation::normalize_email(email).unwrap_or_default();
    let unavailable = AppError::dependency_failed("sign-in failed");
    let user = if email.is_empty() {
        None
    } else {
        users::find_by_email(&state.db, &email)
            .await
            .map_err(unavailable)?
    };
    // A browser this account signed in from before counts its own failures
    // only: a stranger's guessing never makes its owner wait.
    let trusted = device
        .filter(|device| user.as_ref().is_some_and(|user| device.vouches_for(user)))
        .map(|device| device_subject(&device.device_id));
    let client_key = state.clients.subject(client);
    let (subject, client_key) = match trusted {
        Some(device) => (device, None),
        None => (account_subject(&email), Some(client_key.as_str())),
    };
    // For the security log; empty for an unknown account.
    let user_id = user
        .as_ref()
        .map(|user| user.id.clone())
        .unwrap_or_default();
    let attempt = state
        .throttle
        .admit(
            &state.db,
            &subject,
            client_key,
            SecurityEvent::failure(SIGN_IN, "throttled", client).user(&user_id),
        )
        .await?;
    // Unknown e-mail or wrong password: the same work, time and answer.
    let stored_hash = user.as_ref().map(|user| user.password_hash.clone());
    let matched = passwords::verify_password(password, stored_hash).await;
    let user = match user {
        Some(user) if matched => user,
        unmatched => {
            let reason = if unmatched.is_some() {
                "wrong_password"
            } else {
                "unknown_account"
            };
            SecurityEvent::failure(SIGN_IN, reason, client)
                .user(&user_id)
                .log();
            if let Some(user) = unmatched {
                let kind = ActivityKind::SignInFailed;
                activity::record(&state.db, &user.id, kind, "", client);
            }
            return Err(AppError::BadCredentials);
        }
    };
    // One write for the success: the attempt forgiven, reset links that a
    // remembered password makes pointless forgotten.
    let mut tx = begin_write(&state.db).await.map_err(unavailable)?;
    state.throttle.forgive(&mut *tx, attempt).await?;
    super::recovery::forget_links(&mut *tx, &user.id)
        .await
        .map_err(unavailable)?;
    tx.commit().await.map_err(unavailable)?;
    SecurityEvent::success(SIGN_IN, client).user(&user.id).log();
    Ok(user.id)
}

pub async fn sign_out(state: &AppState, actor: &Actor) -> Result<(), AppError> {
    let Some(session) = actor.signed_in() else {
        return Ok(());
    };
    sessions::end(&state.db, &session.token_hash)
        .await
        .map_err(AppError::dependency_failed("sign-out failed"))
}

pub async fn rename(state: &AppState, actor: &Actor, display_name: &str) -> Result<(), AppError> {
    let user_id = &actor.session()?.user.id;
    let display_name = validation::clean_display_name(display_name).map_err(AppError::Invalid)?;
    users::set_display_name(&state.db, user_id, &display_name)
        .await
        .map_err(AppError::dependency_failed(
            "changing a display name failed",
        ))
}

/// Changing the password signs out every other session (a thief's included)
/// and tells the account's address.
pub async fn change_password(
    state: &AppState,
    actor: &Actor,
    current_password: String,
    new_password: String,
) -> Result<(), AppError> {
    let (session, client) = (actor.session()?, actor.client.as_str());
    let unavailable = AppError::dependency_failed("changing a password failed");
    let user_id = &session.user.id;
    reauth::check_password(
        state,
        user_id,
        current_password,
        "That is not your current password.",
        client,
    )
    .await?;
    let personal = [session.user.email.as_str(), &session.user.display_name];
    validation::check_new_password(&new_password, Field::NewPassword, &personal)
        .map_err(AppError::Invalid)?;
    let hash = passwords::hash_password(new_password)
        .await
        .map_err(AppError::dependency_failed("hashing a new password"))?;
    let mut tx = begin_write(&state.db).await.map_err(unavailable)?;
    let email = users::set_password_hash(&mut *tx, user_id, &hash)
        .await
        .map_err(unavailable)?;
    sessions::end_others(&mut *tx, user_id, &session.token_hash)
        .await
        .map_err(unavailable)?;
    let notice = recovery::password_changed_notice(
        "on your account page, with the current password",
        "Every other device was signed out.",
        client,
    );
    outbox::enqueue(&mut tx, &notice.email(&state.site.public_url, &email))
        .await
        .map_err(unavailable)?;
    state.mailer.commit(tx).await.map_err(unavailable)?;
    activity::record(
        &state.db,
        user_id,
        ActivityKind::PasswordChanged,
        "",
        client,
    );
    Ok(())
}

/// The user's live sessions, the one in use marked, the most recent first.
pub async fn active_sessions(
    state: &AppState,
    actor: &Actor,
) -> Result<Vec<ActiveSession>, AppError> {
    let session = actor.session()?;
    let records = sessions::list(&state.db, &session.user.id, &state.sessions)
        .await
        .map_err(AppError::dependency_failed("listing sessions failed"))?;
    Ok(records
        .into_iter()
        .map(|record| ActiveSession {
            current: record.public_id == session.public_id,
            id: record.public_id,
            device: sessions::device_label(record.user_agent.as_deref()),
            client_address: record
                .client_address
                .unwrap_or_else(|| "unknown".to_owned()),
            signed_in: time_label(moment(record.created_at)),
            last_active: time_label(moment(record.last_seen_at)),
        })
        .collect())
}

/// Ends one of the user's sessions: its next request, on any instance, is
/// signed out.
pub async fn end_session(state: &AppState, actor: &Actor, public_id: &str) -> Result<(), AppError> {
    let (session, client) = (actor.session()?, actor.client.as_str());
    reauth::require_recent(state, session)?;
    let user_id = &session.user.id;
    let ended = sessions::end_by_public_id(&state.db, user_id, public_id)
        .await
        .map_err(AppError::dependency_failed("ending a session failed"))?;
    if !ended {
        return Err(AppError::NoSuchSession);
    }
    activity::record(&state.db, user_id, ActivityKind::SessionEnded, "", client);
    Ok(())
}

pub async fn sign_out_everywhere(state: &AppState, actor: &Actor) -> Result<(), AppError> {
    let (session, client) = (actor.session()?, actor.client.as_str());
    reauth::require_recent(state, session)?;
    let user_id = &session.user.id;
    sessions::end_others(&state.db, user_id, &session.token_hash)
        .await
        .map_err(AppError::dependency_failed("signing out everywhere failed"))?;
    let kind = ActivityKind::SignedOutEverywhere;
    activity::record(&state.db, user_id, kind, "", client);
    Ok(())
}

/// Deletes the account after the password is entered again. A subscription
/// lives on with the Payment MS, so one that still bills must be cancelled
/// first; its status is asked fresh, and if it cannot be asked nothing happens.
/// The address gets a last notice, written with the deletion.
pub async fn delete_account(
    state: &AppState,
    actor: &Actor,
    password: String,
) -> Result<(), AppError> {
    let (user_id, client) = (actor.session()?.user.id.as_str(), actor.client.as_str());
    let wrong = "That is not your password, so the account was kept.";
    reauth::check_password(state, user_id, password, wrong, client).await?;
    let subscription = state
        .payments
        .subscription(&state.catalog, user_id, Freshness::Refresh)
        .await
        .or_else(|err| payment_failed("deleting an account", err))?;
    if let Some(current) = subscription
        .filter(|current| matches!(current.standing, Standing::Active | Standing::PaymentDue))
    {
        return Err(AppError::SubscriptionStillActive {
            plan_name: current.plan.name.clone(),
        });
    }
    let unavailable = AppError::dependency_failed("deleting an account failed");
    let mut tx = begin_write(&state.db).await.map_err(unavailable)?;
    if let Some(email) = users::delete(&mut *tx, user_id)
        .await
        .map_err(unavailable)?
    {
        let notice = SecurityNotice {
            headline: "Your Tracepipe account was deleted",
            facts: vec![
                format!("When: {}", time_label(moment(unix_now())).text),
                format!("From: {client}"),
                "Every API key stopped working and every session was signed out.".to_owned(),
                "Your usage records and activity log were deleted with it.".to_owned(),
            ],
            review: ("/register", "Create a new account"),
            if_not_you: Some(
                "someone knew your password. Write to hello@tracepipe.ai from this address at once.",
            ),
        };
        outbox::enqueue(&mut tx, &notice.email(&state.site.public_url, &email))
            .await
            .map_err(unavailable)?;
    }
    state.mailer.commit(tx).await.map_err(unavailable)?;
    tracing::info!("an account was deleted");
    Ok(())
}

/// The account's recent security events, for /account.
pub async fn recent_activity(
    state: &AppState,
    actor: &Actor,
) -> Result<Vec<ActivityEntry>, AppError> {
    activity::recent(&state.db, &actor.session()?.user.id)
        .await
        .map_err(AppError::dependency_failed(
            "reading the activity log failed",
        ))
}

/// The address change waiting for its link, if any.
pub async fn waiting_email_change(
    state: &AppState,
    actor: &Actor,
) -> Result<Option<PendingEmailChange>, AppError> {
    addresses::pending_change(&state.db, &actor.session()?.user.id)
        .await
        .map_err(AppError::dependency_failed(
            "reading an e-mail change failed",
        ))
}

/// Withdraws the waiting address change: its link stops working.
pub async fn cancel_email_change(state: &AppState, actor: &Actor) -> Result<(), AppError> {
    addresses::cancel_change(&state.db, &actor.session()?.user.id)
        .await
        .map_err(AppError::dependency_failed(
            "cancelling an e-mail change failed",
        ))
}

/// What /account shows about the second factors.
pub async fn second_factors(state: &AppState, actor: &Actor) -> Result<SecondFactors, AppError> {
    second_factor::status(&state.db, &actor.session()?.user.id)
        .await
        .map_err(AppError::dependency_failed("reading second factors failed"))
}

/// The account's passkeys, for /account.
pub async fn passkeys(state: &AppState, actor: &Actor) -> Result<Vec<PasskeyView>, AppError> {
    passkeys::list(&state.db, &actor.session()?.user.id)
        .await
        .map_err(AppError::dependency_failed("listing passkeys failed"))
}

/// The sign-in waiting for its second step behind `token`, if any.
pub async fn waiting_sign_in(
    state: &AppState,
    token: &str,
) -> Result<Option<WaitingSignIn>, AppError> {
    let unavailable = AppError::dependency_failed("reading a pending sign-in failed");
    let Some(pending) = two_step::find(&state.db, token)
        .await
        .map_err(unavailable)?
    else {
        return Ok(None);
    };
    let passkeys = passkeys::list(&state.db, &pending.user_id)
        .await
        .map_err(unavailable)?;
    Ok(Some(WaitingSignIn {
        email: pending.email,
        has_passkeys: !passkeys.is_empty(),
    }))
}
