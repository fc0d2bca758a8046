//! Server functions for accounts: thin wrappers that call `ssr::service`
//! and answer with the session cookie, a redirect or an `AppError`.

use crate::accounts::CurrentUser;
use crate::error::AppError;
use leptos::prelude::*;

/// The signed-in user, if any (for navigation and guarded pages).
#[server(prefix = "/api", endpoint = "signed_in_user")]
pub async fn signed_in_user() -> Result<Option<CurrentUser>, AppError> {
    Ok(super::ssr::context::current_session().map(|session| session.user))
}

#[server(prefix = "/api", endpoint = "register")]
pub async fn register(
    email: String,
    password: String,
    display_name: String,
    next: Option<String>,
) -> Result<(), AppError> {
    use super::ssr::context::{app_state, client_address, start_session_and_redirect};
    let state = app_state();
    let user_id =
        super::ssr::service::register(&state, &email, password, &display_name, &client_address())
            .await?;
    start_session_and_redirect(&state, &user_id, next.as_deref()).await
}

#[server(prefix = "/api", endpoint = "login")]
pub async fn login(email: String, password: String, next: Option<String>) -> Result<(), AppError> {
    use super::ssr::context::{app_state, client_address, start_session_and_redirect};
    let state = app_state();
    let user_id = super::ssr::service::sign_in(&state, &email, password, &client_address()).await?;
    start_session_and_redirect(&state, &user_id, next.as_deref()).await
}

#[server(prefix = "/api", endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    use super::ssr::context::{app_state, current_session, end_session_cookie};
    let state = app_state();
    if let Some(session) = current_session() {
        super::ssr::service::sign_out(&state, &session).await?;
    }
    end_session_cookie(&state);
    leptos_axum::redirect("/");
    Ok(())
}

#[server(prefix = "/api", endpoint = "update_display_name")]
pub async fn update_display_name(display_name: String) -> Result<(), AppError> {
    use super::ssr::context::{app_state, signed_in};
    let (state, session) = (app_state(), signed_in()?);
    super::ssr::service::rename(&state, &session.user.id, &display_name).await?;
    leptos_axum::redirect("/account?saved=name");
    Ok(())
}

#[server(prefix = "/api", endpoint = "change_password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
) -> Result<(), AppError> {
    use super::ssr::context::{app_state, client_address, signed_in};
    let (state, session) = (app_state(), signed_in()?);
    let client = client_address();
    super::ssr::service::change_password(&state, &session, current_password, new_password, &client)
        .await?;
    leptos_axum::redirect("/account?saved=password");
    Ok(())
}

#[server(prefix = "/api", endpoint = "sign_out_everywhere")]
pub async fn sign_out_everywhere() -> Result<(), AppError> {
    use super::ssr::context::{app_state, client_address, signed_in};
    let (state, session) = (app_state(), signed_in()?);
    super::ssr::service::sign_out_everywhere(&state, &session, &client_address()).await?;
    leptos_axum::redirect("/account?saved=sessions");
    Ok(())
}

/// The user's newest security events, newest first.
#[server(prefix = "/api", endpoint = "recent_activity")]
pub async fn recent_activity() -> Result<Vec<crate::accounts::ActivityEntry>, AppError> {
    use super::ssr::context::{app_state, signed_in};
    let (state, session) = (app_state(), signed_in()?);
    super::ssr::activity::recent(&state.db, &session.user.id)
        .await
        .map_err(AppError::dependency_failed(
            "reading the activity log failed",
        ))
}

#[server(prefix = "/api", endpoint = "delete_account")]
pub async fn delete_account(password: String) -> Result<(), AppError> {
    use super::ssr::context::{app_state, end_session_cookie, signed_in};
    let (state, session) = (app_state(), signed_in()?);
    super::ssr::service::delete_account(&state, &session.user.id, password).await?;
    end_session_cookie(&state);
    leptos_axum::redirect("/?account=deleted");
    Ok(())
}

/// Mails a reset link if `email` has an account; the same answer either way.
#[server(prefix = "/api", endpoint = "request_password_reset")]
pub async fn request_password_reset(email: String) -> Result<(), AppError> {
    use super::ssr::context::{app_state, client_address};
    super::ssr::recovery::request_link(&app_state(), &email, &client_address()).await?;
    leptos_axum::redirect("/forgot-password?sent=1");
    Ok(())
}

/// Whether a reset link still works (opening it uses nothing up).
#[server(prefix = "/api", endpoint = "reset_link_status")]
pub async fn reset_link_status(token: String) -> Result<bool, AppError> {
    use super::ssr::context::app_state;
    super::ssr::recovery::link_is_live(&app_state().db, &token).await
}

/// Sets a new password through a reset link, then signs the owner in.
#[server(prefix = "/api", endpoint = "reset_password")]
pub async fn reset_password(token: String, new_password: String) -> Result<(), AppError> {
    use super::ssr::context::{app_state, client_address, start_session_and_redirect};
    let state = app_state();
    let user_id =
        super::ssr::recovery::reset_password(&state, &token, new_password, &client_address())
            .await?;
    start_session_and_redirect(&state, &user_id, Some("/dashboard")).await
}
