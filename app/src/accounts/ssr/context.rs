//! What server functions of accounts answer with besides their result: the
//! session and device cookies, redirects, the pending sign-in.

use super::sessions::{self, KnownDevice};
use super::two_step::{self, FirstStep};
use super::users;
use super::validation::safe_next;
use crate::accounts::ActivityKind;
use crate::actor::Actor;
use crate::error::AppError;
use crate::state::AppState;
use crate::support::request::PlainFormPost;
use crate::support::tokens::random_hex;
use axum::http::request::Parts;
use axum::http::{HeaderValue, header};
use leptos::prelude::*;
use leptos_axum::ResponseOptions;

pub fn app_state() -> AppState {
    expect_context::<AppState>()
}

fn request_parts() -> Option<Parts> {
    use_context::<Parts>()
}

/// Sends the browser on to `url` (checkout, portal). A form posted without
/// JavaScript gets a redirect; scripted callers get the URL as the result and
/// navigate themselves (a same-origin redirect would be routed in the page).
pub fn leave_site_for(url: String) -> Result<String, AppError> {
    let plain_form =
        request_parts().is_some_and(|parts| parts.extensions.get::<PlainFormPost>().is_some());
    if plain_form {
        leptos_axum::redirect(&url);
    }
    Ok(url)
}

/// Signs `user_id` in with a brand-new token (ending any session the
/// browser had) and sends them on to `next` if it is a path on this site.
pub async fn start_session_and_redirect(
    state: &AppState,
    actor: &Actor,
    user_id: &str,
    next: Option<&str>,
    log: SignInLog,
) -> Result<(), AppError> {
    let unavailable = AppError::dependency_failed("starting a session failed");
    if let Some(previous) = actor.signed_in() {
        sessions::end(&state.db, &previous.token_hash)
            .await
            .map_err(unavailable)?;
    }
    let user_agent = request_parts()
        .and_then(|parts| parts.headers.get(header::USER_AGENT).cloned())
        .and_then(|value| value.to_str().map(str::to_owned).ok())
        .unwrap_or_default();
    let device = sessions::Device {
        user_agent: &user_agent,
        client_address: &actor.client,
    };
    let token = sessions::start(&state.db, user_id, &device)
        .await
        .map_err(unavailable)?;
    set_cookie(&state.sessions.session_cookie(&token));
    // Renewed at every sign-in: the confirmation it saw is what tells the
    // owner's browsers from those that signed in before the address was
    // confirmed.
    let device_id = match known_device(state).filter(|known| known.user_id == user_id) {
        Some(known) => known.device_id,
        None => random_hex(16).map_err(|err| unavailable(err.into()))?,
    };
    let address_confirmed_at = users::find_by_id(&state.db, user_id)
        .await
        .map_err(unavailable)?
        .and_then(|user| user.email_verified_at)
        .unwrap_or(0);
    let device = KnownDevice {
        user_id: user_id.to_owned(),
        device_id,
        address_confirmed_at,
    };
    set_cookie(
        &state
            .sessions
            .device_cookie(&state.secrets.sign(&device.message())),
    );
    if let SignInLog::SignedIn(detail) = log {
        let kind = ActivityKind::SignedIn;
        super::activity::record(&state.db, user_id, kind, detail, &actor.client);
    }
    leptos_axum::redirect(safe_next(next));
    Ok(())
}

/// What the activity log keeps of a new session. It is written after the
/// session, so that its background write never holds the database's write
/// lock while the session's own waits for it (SQLite has one writer).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignInLog {
    /// The caller logs it as something else (an account created).
    AsOther,
    /// "Signed in", with how (empty for a password alone).
    SignedIn(&'static str),
}

/// After a right password (or reset link): signed in, or, when the account
/// has two-step verification on, sent to the second step with a pending
/// sign-in that remembers `next`.
pub async fn finish_first_step(
    state: &AppState,
    actor: &Actor,
    user_id: &str,
    next: Option<&str>,
    first_step: FirstStep,
) -> Result<(), AppError> {
    let unavailable = AppError::dependency_failed("starting a sign-in failed");
    if !users::uses_two_step(&state.db, user_id)
        .await
        .map_err(unavailable)?
    {
        let log = match first_step {
            FirstStep::Password => SignInLog::SignedIn(""),
            FirstStep::ResetLink => SignInLog::AsOther,
        };
        return start_session_and_redirect(state, actor, user_id, next, log).await;
    }
    let token = two_step::begin(&state.db, user_id, safe_next(next), first_step)
        .await
        .map_err(unavailable)?;
    set_cookie(&state.sessions.pending_cookie(Some(&token)));
    leptos_axum::redirect("/login/verify");
    Ok(())
}

/// The account this browser signed in to before, if its device cookie is
/// one this server signed.
pub fn known_device(state: &AppState) -> Option<KnownDevice> {
    let parts = request_parts()?;
    let cookies = parts.headers.get(header::COOKIE)?.to_str().ok()?;
    let signed = state.sessions.device_from_cookies(cookies)?;
    KnownDevice::from_verified(state.secrets.verified(signed)?)
}

/// The token of the sign-in this browser has waiting for its second step.
pub fn pending_sign_in_token(state: &AppState) -> Option<String> {
    let parts = request_parts()?;
    let cookies = parts.headers.get(header::COOKIE)?.to_str().ok()?;
    state
        .sessions
        .pending_token_from_cookies(cookies)
        .map(str::to_owned)
}

/// The sign-in this browser has waiting for its second step, or
/// `SecondStepExpired`.
pub async fn pending_sign_in(state: &AppState) -> Result<two_step::PendingSignIn, AppError> {
    let token = pending_sign_in_token(state).ok_or(AppError::SecondStepExpired)?;
    two_step::find(&state.db, &token)
        .await
        .map_err(AppError::dependency_failed(
            "reading a pending sign-in failed",
        ))?
        .ok_or(AppError::SecondStepExpired)
}

/// Tells the browser to forget its pending sign-in.
pub fn end_pending_sign_in_cookie(state: &AppState) {
    set_cookie(&state.sessions.pending_cookie(None));
}

/// Gives the browser its session's new token (after `reauth::confirmed`).
pub fn renew_session_cookie(state: &AppState, token: &str) {
    set_cookie(&state.sessions.session_cookie(token));
}

/// Tells the browser to forget its session cookie.
pub fn end_session_cookie(state: &AppState) {
    set_cookie(&state.sessions.removal_cookie());
}

fn set_cookie(cookie: &str) {
    if let Ok(value) = HeaderValue::from_str(cookie) {
        expect_context::<ResponseOptions>().append_header(header::SET_COOKIE, value);
    }
}
