//! Asking the signed-in user for their password again before a change that
//! a borrowed or stolen session must not make alone. Forms that change the
//! address, the password or delete the account take the password with the
//! change (`check_password`); creating API keys asks for a recent sign-in
//! instead (`require_recent`), renewed on `/confirm-password`.

use super::sessions::{self, Session};
use super::throttle::{client_subject, reauth_subject};
use super::{activity, passwords, users};
use crate::accounts::{ActivityKind, Field, FieldError};
use crate::error::AppError;
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

/// The password again on `/confirm-password`: renews the session's proof.
pub async fn confirm_password(
    state: &AppState,
    session: &Session,
    password: String,
    client: &str,
) -> Result<(), AppError> {
    let wrong = "That is not your password.";
    check_password(state, &session.user.id, password, wrong, client).await?;
    sessions::mark_authenticated(&state.db, &session.token_hash)
        .await
        .map_err(AppError::dependency_failed("confirming a password failed"))
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
        format!("reauth-{}", client_subject(client)),
    );
    state
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
        return Ok(());
    }
    SecurityEvent::failure(REAUTH, "wrong_password", client)
        .user(user_id)
        .log();
    activity::record(&state.db, user_id, ActivityKind::ReauthFailed, "", client);
    state
        .throttle
        .record_failure(&state.db, &subject, Some(&client_key))
        .await
        .map_err(unavailable)?;
    Err(AppError::Invalid(FieldError::new(
        Field::CurrentPassword,
        wrong,
    )))
}
