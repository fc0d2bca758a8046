//! Asking the signed-in user for their password again before a change that
//! a borrowed or stolen session must not make alone. Forms that change the
//! address, the password or delete the account take the password with the
//! change (`check_password`); creating API keys asks for a recent sign-in
//! instead (`require_recent`), renewed on `/confirm-password`.

use super::sessions;
use super::throttle::reauth_subject;
use super::{activity, passwords, users};
use crate::accounts::ActivityKind;
use crate::actor::{Actor, Session};
use crate::error::AppError;
use crate::error::{Field, FieldError};
use crate::state::AppState;
use crate::support::security_events::SecurityEvent;
use crate::support::time::unix_now;

/// Whether the session's user proved who they are within the window.
pub fn is_recent(state: &AppState, session: &Session) -> bool {
    unix_now() - session.authenticated_at <= state.sessions.reauth_window_secs
}

/// `ReauthRequired` unless the session's user proved who they are recently.
pub fn require_recent(state: &AppState, session: &Session) -> Result<(), AppError> {
    if is_recent(state, session) {
        Ok(())
    } else {
        Err(AppError::ReauthRequired)
    }
}

/// The password again on `/confirm-password`: renews the session's proof
/// under a new token (answered for the cookie). An account with two-step
/// verification confirms with its second factor instead (`confirm_with_code`):
/// a password alone is what a thief is most likely to have.
pub async fn confirm_password(
    state: &AppState,
    actor: &Actor,
    password: String,
) -> Result<String, AppError> {
    let (session, client) = (actor.session()?, actor.client.as_str());
    let unavailable = AppError::dependency_failed("confirming a password failed");
    if users::uses_two_step(&state.db, &session.user.id)
        .await
        .map_err(unavailable)?
    {
        SecurityEvent::failure(REAUTH, "second_factor_required", client)
            .user(&session.user.id)
            .log();
        return Err(AppError::Invalid(FieldError::new(
            Field::CurrentPassword,
            "Your account uses two-step verification: confirm with a code from your authenticator app, or a recovery code.",
        )));
    }
    let wrong = "That is not your password.";
    check_password(state, &session.user.id, password, wrong, client).await?;
    confirmed(state, session).await
}

/// The session's user proved who they are: a new token, or `SignedOut`
/// when the session ended meanwhile.
pub async fn confirmed(state: &AppState, session: &Session) -> Result<String, AppError> {
    sessions::reissue(&state.db, &session.token_hash)
        .await
        .map_err(AppError::dependency_failed("renewing a session failed"))?
        .ok_or(AppError::SignedOut)
}

/// The security log's name for confirming the password when signed in.
const REAUTH: &str = "reauth.password";

/// `password` is the signed-in user's, or `wrong` (on the current-password
/// field). Wrong passwords are throttled per account, apart from sign-in's
/// (a stranger's guessing at sign-in never blocks the owner's changes), and
/// logged.
pub async fn check_password(
    state: &AppState,
    user_id: &str,
    password: String,
    wrong: &'static str,
    client: &str,
) -> Result<(), AppError> {
    let unavailable = AppError::dependency_failed("checking a password failed");
    let (subject, client_key) = (
        reauth_subject(user_id),
        format!("reauth-{}", state.clients.subject(client)),
    );
    let attempt = state
        .throttle
        .admit(
            &state.db,
            &subject,
            Some(&client_key),
            SecurityEvent::failure(REAUTH, "throttled", client).user(user_id),
        )
        .await?;
    let user = users::find_by_id(&state.db, user_id)
        .await
        .map_err(unavailable)?
        .ok_or(AppError::SignedOut)?;
    if passwords::verify_password(password, Some(user.password_hash)).await {
        SecurityEvent::success(REAUTH, client).user(user_id).log();
        return state.throttle.forgive(&state.db, attempt).await;
    }
    SecurityEvent::failure(REAUTH, "wrong_password", client)
        .user(user_id)
        .log();
    activity::record(&state.db, user_id, ActivityKind::ReauthFailed, "", client);
    Err(AppError::Invalid(FieldError::new(
        Field::CurrentPassword,
        wrong,
    )))
}
