//! Server functions for accounts: thin wrappers that call `ssr::service`
//! and answer with the session cookie, a redirect or an `AppError`.

use crate::accounts::{
    ActiveSession, EmailLink, PasskeyChallenge, PasskeyView, PendingEmailChange, SecondFactors,
    TotpSetup, WaitingSignIn,
};
#[cfg(feature = "ssr")]
use crate::actor::Actor;
use crate::actor::CurrentUser;
use crate::error::AppError;
use leptos::prelude::*;

/// The signed-in user, if any (for navigation and guarded pages).
#[server(prefix = "/api", endpoint = "signed_in_user")]
pub async fn signed_in_user() -> Result<Option<CurrentUser>, AppError> {
    Ok(Actor::current()
        .signed_in()
        .map(|session| session.user.clone()))
}

#[server(prefix = "/api", endpoint = "register")]
pub async fn register(
    email: String,
    password: String,
    display_name: String,
    next: Option<String>,
) -> Result<(), AppError> {
    use super::ssr::context::{SignInLog, app_state, start_session_and_redirect};
    let (state, actor) = (app_state(), Actor::current());
    let user_id =
        super::ssr::service::register(&state, &actor, &email, password, &display_name).await?;
    let log = SignInLog::AsOther;
    start_session_and_redirect(&state, &actor, &user_id, next.as_deref(), log).await
}

#[server(prefix = "/api", endpoint = "login")]
pub async fn login(email: String, password: String, next: Option<String>) -> Result<(), AppError> {
    use super::ssr::context::{app_state, finish_first_step, known_device};
    use super::ssr::two_step::FirstStep;
    let (state, actor) = (app_state(), Actor::current());
    let device = known_device(&state);
    let user_id = super::ssr::service::sign_in(&state, &actor, &email, password, device).await?;
    finish_first_step(
        &state,
        &actor,
        &user_id,
        next.as_deref(),
        FirstStep::Password,
    )
    .await
}

/// The sign-in waiting here for its second step, if any.
#[server(prefix = "/api", endpoint = "pending_sign_in")]
pub async fn pending_sign_in() -> Result<Option<WaitingSignIn>, AppError> {
    use super::ssr::context::{app_state, pending_sign_in_token};
    let state = app_state();
    let Some(token) = pending_sign_in_token(&state) else {
        return Ok(None);
    };
    super::ssr::service::waiting_sign_in(&state, &token).await
}

/// The second step of signing in: an authenticator or recovery code.
#[server(prefix = "/api", endpoint = "verify_sign_in")]
pub async fn verify_sign_in(code: String) -> Result<(), AppError> {
    use super::ssr::context::{
        SignInLog, app_state, end_pending_sign_in_cookie, pending_sign_in_token,
        start_session_and_redirect,
    };
    let (state, actor) = (app_state(), Actor::current());
    let token = pending_sign_in_token(&state).ok_or(AppError::SecondStepExpired)?;
    let (pending, factor) = super::ssr::two_step::complete(&state, &actor, &token, &code).await?;
    end_pending_sign_in_cookie(&state);
    let log = SignInLog::SignedIn(factor.sign_in_detail());
    let next = Some(pending.next_path.as_str());
    start_session_and_redirect(&state, &actor, &pending.user_id, next, log).await
}

#[server(prefix = "/api", endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    use super::ssr::context::{app_state, end_session_cookie};
    let state = app_state();
    super::ssr::service::sign_out(&state, &Actor::current()).await?;
    end_session_cookie(&state);
    leptos_axum::redirect("/");
    Ok(())
}

#[server(prefix = "/api", endpoint = "update_display_name")]
pub async fn update_display_name(display_name: String) -> Result<(), AppError> {
    use super::ssr::context::app_state;
    let (state, actor) = (app_state(), Actor::current());
    super::ssr::service::rename(&state, &actor, &display_name).await?;
    leptos_axum::redirect(&crate::components::Notice::NameSaved.url());
    Ok(())
}

#[server(prefix = "/api", endpoint = "change_password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
) -> Result<(), AppError> {
    use super::ssr::context::app_state;
    let (state, actor) = (app_state(), Actor::current());
    super::ssr::service::change_password(&state, &actor, current_password, new_password).await?;
    leptos_axum::redirect(&crate::components::Notice::PasswordChanged.url());
    Ok(())
}

#[server(prefix = "/api", endpoint = "sign_out_everywhere")]
pub async fn sign_out_everywhere() -> Result<(), AppError> {
    use super::ssr::context::app_state;
    let (state, actor) = (app_state(), Actor::current());
    super::ssr::service::sign_out_everywhere(&state, &actor).await?;
    leptos_axum::redirect(&crate::components::Notice::OtherSessionsEnded.url());
    Ok(())
}

/// The user's live sessions, for /account.
#[server(prefix = "/api", endpoint = "active_sessions")]
pub async fn active_sessions() -> Result<Vec<ActiveSession>, AppError> {
    use super::ssr::context::app_state;
    let (state, actor) = (app_state(), Actor::current());
    super::ssr::service::active_sessions(&state, &actor).await
}

/// Ends one session (another device's, usually) by its public id.
#[server(prefix = "/api", endpoint = "end_session")]
pub async fn end_session(session_id: String) -> Result<(), AppError> {
    use super::ssr::context::app_state;
    let (state, actor) = (app_state(), Actor::current());
    super::ssr::service::end_session(&state, &actor, &session_id).await?;
    leptos_axum::redirect(&crate::components::Notice::SessionEnded.url());
    Ok(())
}

/// The password again, to renew the session's proof of who is using it;
/// then back to `next` (where the sensitive change waits).
#[server(prefix = "/api", endpoint = "confirm_password")]
pub async fn confirm_password(password: String, next: Option<String>) -> Result<(), AppError> {
    use super::ssr::context::app_state;
    use super::ssr::context::renew_session_cookie;
    use super::ssr::validation::safe_next;
    let (state, actor) = (app_state(), Actor::current());
    let token = super::ssr::reauth::confirm_password(&state, &actor, password).await?;
    renew_session_cookie(&state, &token);
    leptos_axum::redirect(safe_next(next.as_deref()));
    Ok(())
}

/// A code from the authenticator app (or a recovery code) in place of the
/// password on `/confirm-password`; then back to `next`.
#[server(prefix = "/api", endpoint = "confirm_with_code")]
pub async fn confirm_with_code(code: String, next: Option<String>) -> Result<(), AppError> {
    use super::ssr::context::app_state;
    use super::ssr::context::renew_session_cookie;
    use super::ssr::validation::safe_next;
    let (state, actor) = (app_state(), Actor::current());
    let token = super::ssr::second_factor::confirm_with_code(&state, &actor, &code).await?;
    renew_session_cookie(&state, &token);
    leptos_axum::redirect(safe_next(next.as_deref()));
    Ok(())
}

/// Options for confirming who is using the session with one of its user's
/// passkeys, on `/confirm-password` (run by `/passkey.js`).
#[server(prefix = "/api", endpoint = "passkey_confirm_options")]
pub async fn passkey_confirm_options() -> Result<PasskeyChallenge, AppError> {
    use super::ssr::context::app_state;
    let (state, actor) = (app_state(), Actor::current());
    super::ssr::passkeys::start_confirmation(&state, &actor).await
}

/// A passkey's answer on `/confirm-password`; then back to `next`.
#[server(prefix = "/api", endpoint = "confirm_with_passkey")]
pub async fn confirm_with_passkey(
    challenge_id: String,
    credential: String,
    next: Option<String>,
) -> Result<(), AppError> {
    use super::ssr::context::app_state;
    use super::ssr::context::renew_session_cookie;
    use super::ssr::validation::safe_next;
    let (state, actor) = (app_state(), Actor::current());
    let token =
        super::ssr::passkeys::finish_confirmation(&state, &actor, &challenge_id, &credential)
            .await?;
    renew_session_cookie(&state, &token);
    leptos_axum::redirect(safe_next(next.as_deref()));
    Ok(())
}

/// The user's newest security events, newest first.
#[server(prefix = "/api", endpoint = "recent_activity")]
pub async fn recent_activity() -> Result<Vec<crate::accounts::ActivityEntry>, AppError> {
    use super::ssr::context::app_state;
    let (state, actor) = (app_state(), Actor::current());
    super::ssr::service::recent_activity(&state, &actor).await
}

#[server(prefix = "/api", endpoint = "delete_account")]
pub async fn delete_account(password: String) -> Result<(), AppError> {
    use super::ssr::context::{app_state, end_session_cookie};
    let (state, actor) = (app_state(), Actor::current());
    super::ssr::service::delete_account(&state, &actor, password).await?;
    end_session_cookie(&state);
    leptos_axum::redirect("/?account=deleted");
    Ok(())
}

/// Mails a reset link if `email` has an account; the same answer either way.
#[server(prefix = "/api", endpoint = "request_password_reset")]
pub async fn request_password_reset(email: String) -> Result<(), AppError> {
    use super::ssr::context::app_state;
    super::ssr::recovery::request_link(&app_state(), &Actor::current(), &email).await?;
    leptos_axum::redirect("/forgot-password?sent=1");
    Ok(())
}

/// Whether a reset link still works (opening it uses nothing up).
#[server(prefix = "/api", endpoint = "reset_link_status")]
pub async fn reset_link_status(token: String) -> Result<bool, AppError> {
    use super::ssr::context::app_state;
    super::ssr::recovery::link_is_live(&app_state().db, &token).await
}

/// Sets a new password through a reset link, then signs the owner in (after
/// the second step, if the account has one).
#[server(prefix = "/api", endpoint = "reset_password")]
pub async fn reset_password(token: String, new_password: String) -> Result<(), AppError> {
    use super::ssr::context::{app_state, finish_first_step};
    use super::ssr::two_step::FirstStep;
    let (state, actor) = (app_state(), Actor::current());
    let user_id =
        super::ssr::recovery::reset_password(&state, &actor, &token, new_password).await?;
    // The link proves the mailbox, not the second factor: that step remains.
    let next = Some("/dashboard");
    finish_first_step(&state, &actor, &user_id, next, FirstStep::ResetLink).await
}

/// Mails a new link confirming the signed-in account's address, then goes
/// back to the page it was asked from (`next`), which says it was sent.
#[server(prefix = "/api", endpoint = "resend_confirmation")]
pub async fn resend_confirmation(next: String) -> Result<(), AppError> {
    use super::ssr::context::app_state;
    use super::ssr::validation::safe_next;
    let (state, actor) = (app_state(), Actor::current());
    super::ssr::addresses::resend_verification(&state, &actor).await?;
    let back = safe_next(Some(&next))
        .split(['?', '#'])
        .next()
        .unwrap_or("/dashboard");
    leptos_axum::redirect(&format!("{back}?confirmation=sent"));
    Ok(())
}

/// Mails a link to `new_email` that switches the account to it.
#[server(prefix = "/api", endpoint = "request_email_change")]
pub async fn request_email_change(
    new_email: String,
    current_password: String,
) -> Result<(), AppError> {
    use super::ssr::context::app_state;
    let (state, actor) = (app_state(), Actor::current());
    super::ssr::addresses::request_change(&state, &actor, &new_email, current_password).await?;
    leptos_axum::redirect(&crate::components::Notice::EmailChangeRequested.url());
    Ok(())
}

#[server(prefix = "/api", endpoint = "cancel_email_change")]
pub async fn cancel_email_change() -> Result<(), AppError> {
    use super::ssr::context::app_state;
    let (state, actor) = (app_state(), Actor::current());
    super::ssr::service::cancel_email_change(&state, &actor).await?;
    leptos_axum::redirect(&crate::components::Notice::EmailChangeCancelled.url());
    Ok(())
}

/// The e-mail change waiting for confirmation, if any.
#[server(prefix = "/api", endpoint = "waiting_email_change")]
pub async fn waiting_email_change() -> Result<Option<PendingEmailChange>, AppError> {
    use super::ssr::context::app_state;
    let (state, actor) = (app_state(), Actor::current());
    super::ssr::service::waiting_email_change(&state, &actor).await
}

/// What a confirmation link would confirm (opening it uses nothing up).
#[server(prefix = "/api", endpoint = "email_link_status")]
pub async fn email_link_status(token: String) -> Result<Option<EmailLink>, AppError> {
    use super::ssr::context::app_state;
    super::ssr::addresses::link_status(&app_state().db, &token).await
}

/// Uses a confirmation link. Its owner, if signed in here, goes to their
/// account page; anyone else to sign-in.
#[server(prefix = "/api", endpoint = "confirm_email")]
pub async fn confirm_email(token: String) -> Result<(), AppError> {
    use super::ssr::context::app_state;
    use crate::accounts::EmailLinkPurpose;
    let (state, actor) = (app_state(), Actor::current());
    let (user_id, purpose) = super::ssr::addresses::confirm(&state, &actor, &token).await?;
    let owner_signed_in = actor
        .signed_in()
        .is_some_and(|session| session.user.id == user_id);
    leptos_axum::redirect(&match (owner_signed_in, purpose) {
        (true, EmailLinkPurpose::Verify) => crate::components::Notice::EmailConfirmed.url(),
        (true, EmailLinkPurpose::Change) => crate::components::Notice::EmailChanged.url(),
        (false, _) => "/login?confirmed=email".to_owned(),
    });
    Ok(())
}

/// The user's second factors, for /account and /account/two-factor.
#[server(prefix = "/api", endpoint = "load_second_factors")]
pub async fn load_second_factors() -> Result<SecondFactors, AppError> {
    use super::ssr::context::app_state;
    let (state, actor) = (app_state(), Actor::current());
    super::ssr::service::second_factors(&state, &actor).await
}

/// Starts setting up an authenticator app (after a recent sign-in).
#[server(prefix = "/api", endpoint = "start_totp_setup")]
pub async fn start_totp_setup() -> Result<(), AppError> {
    use super::ssr::context::app_state;
    let (state, actor) = (app_state(), Actor::current());
    super::ssr::second_factor::start_setup(&state, &actor).await?;
    leptos_axum::redirect("/account/two-factor");
    Ok(())
}

/// The QR code and key of the set-up in progress, if any.
#[server(prefix = "/api", endpoint = "load_totp_setup")]
pub async fn load_totp_setup() -> Result<Option<TotpSetup>, AppError> {
    use super::ssr::context::app_state;
    let (state, actor) = (app_state(), Actor::current());
    super::ssr::second_factor::setup(&state, &actor).await
}

/// Finishes the set-up with a first code; answers the recovery codes.
/// (Without JavaScript, `POST /account/two-factor` does the same and shows
/// the codes in the page it answers with.)
#[server(prefix = "/api", endpoint = "confirm_totp_setup")]
pub async fn confirm_totp_setup(code: String) -> Result<Vec<String>, AppError> {
    use super::ssr::context::app_state;
    let (state, actor) = (app_state(), Actor::current());
    super::ssr::second_factor::confirm_setup(&state, &actor, &code).await
}

/// New recovery codes in place of the old ones (after a recent sign-in).
#[server(prefix = "/api", endpoint = "regenerate_recovery_codes")]
pub async fn regenerate_recovery_codes() -> Result<Vec<String>, AppError> {
    use super::ssr::context::app_state;
    let (state, actor) = (app_state(), Actor::current());
    super::ssr::second_factor::regenerate_recovery_codes(&state, &actor).await
}

/// Turns two-step verification off (after a recent sign-in).
#[server(prefix = "/api", endpoint = "turn_off_two_factor")]
pub async fn turn_off_two_factor() -> Result<(), AppError> {
    use super::ssr::context::app_state;
    let (state, actor) = (app_state(), Actor::current());
    super::ssr::second_factor::turn_off(&state, &actor).await?;
    leptos_axum::redirect(&crate::components::Notice::TwoFactorOff.url());
    Ok(())
}

/// The user's passkeys, for /account.
#[server(prefix = "/api", endpoint = "load_passkeys")]
pub async fn load_passkeys() -> Result<Vec<PasskeyView>, AppError> {
    use super::ssr::context::app_state;
    let (state, actor) = (app_state(), Actor::current());
    super::ssr::service::passkeys(&state, &actor).await
}

/// Options for registering a passkey (after a recent sign-in); called by
/// `/passkey.js`, as the ceremony itself needs JavaScript.
#[server(prefix = "/api", endpoint = "passkey_registration_options")]
pub async fn passkey_registration_options() -> Result<PasskeyChallenge, AppError> {
    use super::ssr::context::app_state;
    let (state, actor) = (app_state(), Actor::current());
    super::ssr::passkeys::start_registration(&state, &actor).await
}

/// The authenticator's answer to a registration, and the passkey's name.
#[server(prefix = "/api", endpoint = "add_passkey")]
pub async fn add_passkey(
    challenge_id: String,
    credential: String,
    name: String,
) -> Result<(), AppError> {
    use super::ssr::context::app_state;
    let (state, actor) = (app_state(), Actor::current());
    super::ssr::passkeys::finish_registration(&state, &actor, &challenge_id, &credential, &name)
        .await?;
    // `/passkey.js` follows this answer's `Location`.
    leptos_axum::redirect(&crate::components::Notice::PasskeyAdded.url());
    Ok(())
}

#[server(prefix = "/api", endpoint = "remove_passkey")]
pub async fn remove_passkey(passkey_id: String) -> Result<(), AppError> {
    use super::ssr::context::app_state;
    let (state, actor) = (app_state(), Actor::current());
    super::ssr::passkeys::remove(&state, &actor, &passkey_id).await?;
    leptos_axum::redirect(&crate::components::Notice::PasskeyRemoved.url());
    Ok(())
}

/// Options for signing in with a passkey alone.
#[server(prefix = "/api", endpoint = "passkey_sign_in_options")]
pub async fn passkey_sign_in_options() -> Result<PasskeyChallenge, AppError> {
    super::ssr::passkeys::start_sign_in(&super::ssr::context::app_state()).await
}

/// Signs in with a passkey's answer (no password, no second step: the
/// passkey verified its user itself), then on to `next`.
#[server(prefix = "/api", endpoint = "sign_in_with_passkey")]
pub async fn sign_in_with_passkey(
    challenge_id: String,
    credential: String,
    next: Option<String>,
) -> Result<(), AppError> {
    use super::ssr::context::{SignInLog, app_state, start_session_and_redirect};
    let (state, actor) = (app_state(), Actor::current());
    let user_id =
        super::ssr::passkeys::finish_sign_in(&state, &actor, &challenge_id, &credential).await?;
    let log = SignInLog::SignedIn("with a passkey");
    start_session_and_redirect(&state, &actor, &user_id, next.as_deref(), log).await
}

/// Options for the second step with one of the pending user's passkeys.
#[server(prefix = "/api", endpoint = "passkey_second_step_options")]
pub async fn passkey_second_step_options() -> Result<PasskeyChallenge, AppError> {
    use super::ssr::context::{app_state, pending_sign_in};
    let state = app_state();
    let pending = pending_sign_in(&state).await?;
    super::ssr::passkeys::start_second_step(&state, &pending).await
}

/// The second step with a passkey's answer.
#[server(prefix = "/api", endpoint = "verify_with_passkey")]
pub async fn verify_with_passkey(challenge_id: String, credential: String) -> Result<(), AppError> {
    use super::ssr::context::{
        SignInLog, app_state, end_pending_sign_in_cookie, pending_sign_in,
        start_session_and_redirect,
    };
    let (state, actor) = (app_state(), Actor::current());
    let pending = pending_sign_in(&state).await?;
    super::ssr::passkeys::finish_second_step(&state, &actor, &pending, &challenge_id, &credential)
        .await?;
    end_pending_sign_in_cookie(&state);
    let log = SignInLog::SignedIn("with a passkey as the second step");
    let next = Some(pending.next_path.as_str());
    start_session_and_redirect(&state, &actor, &pending.user_id, next, log).await
}
