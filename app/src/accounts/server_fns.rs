//! Server functions for accounts: thin wrappers that validate, call the
//! `ssr` services and answer with a redirect or an `AppError`.

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
    use super::ssr::users::{self, CreateUserError};
    use super::ssr::{activity, passwords, validation};
    use crate::accounts::{ActivityKind, Field, FieldError};

    let state = app_state();
    let email = validation::normalize_email(&email).map_err(AppError::Invalid)?;
    let display_name = validation::clean_display_name(&display_name).map_err(AppError::Invalid)?;
    validation::check_new_password(&password, Field::Password).map_err(AppError::Invalid)?;
    let hash = passwords::hash_password(password)
        .await
        .map_err(AppError::dependency_failed("hashing a new password"))?;
    let user = match users::create(&state.db, &email, &display_name, &hash).await {
        Ok(user) => user,
        Err(CreateUserError::DuplicateEmail) => {
            return Err(AppError::Invalid(FieldError::new(
                Field::Email,
                "An account with this e-mail already exists. Sign in instead.",
            )));
        }
        Err(CreateUserError::Database(err)) => {
            return Err(AppError::dependency_failed("registration failed")(err));
        }
    };
    let client = client_address();
    activity::record(
        &state.db,
        &user.id,
        ActivityKind::AccountCreated,
        "",
        &client,
    );
    start_session_and_redirect(&state, &user.id, next.as_deref()).await
}

#[server(prefix = "/api", endpoint = "login")]
pub async fn login(email: String, password: String, next: Option<String>) -> Result<(), AppError> {
    use super::ssr::context::{app_state, client_address, start_session_and_redirect};
    use super::ssr::throttle::{account_subject, client_subject};
    use super::ssr::{activity, passwords, users, validation};
    use crate::accounts::ActivityKind;

    let state = app_state();
    let address = client_address();
    // An unparseable address cannot belong to an account: same answer as a wrong password.
    let email = validation::normalize_email(&email).unwrap_or_default();
    let account = account_subject(&email);
    let client = client_subject(&address);
    let unavailable = AppError::dependency_failed("sign-in failed");
    if let Some(retry_after_secs) = state
        .throttle
        .retry_after(&state.db, &account, &client)
        .await
        .map_err(unavailable)?
    {
        return Err(AppError::Throttled { retry_after_secs });
    }
    let user = if email.is_empty() {
        None
    } else {
        users::find_by_email(&state.db, &email)
            .await
            .map_err(unavailable)?
    };
    // Unknown e-mail or wrong password: the same work, time and answer.
    let stored_hash = user.as_ref().map(|user| user.password_hash.clone());
    let matched = passwords::verify_password(password, stored_hash).await;
    let user = match user {
        Some(user) if matched => user,
        unmatched => {
            if let Some(user) = unmatched {
                let kind = ActivityKind::SignInFailed;
                activity::record(&state.db, &user.id, kind, "", &address);
            }
            state
                .throttle
                .record_failure(&state.db, &account, &client)
                .await
                .map_err(unavailable)?;
            return Err(AppError::BadCredentials);
        }
    };
    state
        .throttle
        .clear(&state.db, &account)
        .await
        .map_err(unavailable)?;
    activity::record(&state.db, &user.id, ActivityKind::SignedIn, "", &address);
    start_session_and_redirect(&state, &user.id, next.as_deref()).await
}

#[server(prefix = "/api", endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    use super::ssr::context::{app_state, current_session, end_session_cookie};
    use super::ssr::sessions;

    let state = app_state();
    if let Some(session) = current_session() {
        sessions::end(&state.db, &session.token_hash)
            .await
            .map_err(AppError::dependency_failed("sign-out failed"))?;
    }
    end_session_cookie(&state);
    leptos_axum::redirect("/");
    Ok(())
}

#[server(prefix = "/api", endpoint = "update_display_name")]
pub async fn update_display_name(display_name: String) -> Result<(), AppError> {
    use super::ssr::context::{app_state, signed_in};
    use super::ssr::{users, validation};

    let (state, session) = (app_state(), signed_in()?);
    let display_name = validation::clean_display_name(&display_name).map_err(AppError::Invalid)?;
    users::set_display_name(&state.db, &session.user.id, &display_name)
        .await
        .map_err(AppError::dependency_failed(
            "changing a display name failed",
        ))?;
    leptos_axum::redirect("/account?saved=name");
    Ok(())
}

/// Changing the password signs out every other session (a thief's included).
#[server(prefix = "/api", endpoint = "change_password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
) -> Result<(), AppError> {
    use super::ssr::context::{app_state, client_address, signed_in};
    use super::ssr::{activity, passwords, sessions, users, validation};
    use crate::accounts::{ActivityKind, Field, FieldError};

    let (state, session) = (app_state(), signed_in()?);
    let unavailable = AppError::dependency_failed("changing a password failed");
    let user = users::find_by_id(&state.db, &session.user.id)
        .await
        .map_err(|err| unavailable(err.to_string()))?
        .ok_or(AppError::SignedOut)?;
    if !passwords::verify_password(current_password, Some(user.password_hash)).await {
        return Err(AppError::Invalid(FieldError::new(
            Field::CurrentPassword,
            "That is not your current password.",
        )));
    }
    validation::check_new_password(&new_password, Field::NewPassword).map_err(AppError::Invalid)?;
    let hash = passwords::hash_password(new_password)
        .await
        .map_err(|err| unavailable(err.to_string()))?;
    users::set_password_hash(&state.db, &user.id, &hash)
        .await
        .map_err(|err| unavailable(err.to_string()))?;
    sessions::end_others(&state.db, &user.id, &session.token_hash)
        .await
        .map_err(|err| unavailable(err.to_string()))?;
    let kind = ActivityKind::PasswordChanged;
    activity::record(&state.db, &user.id, kind, "", &client_address());
    leptos_axum::redirect("/account?saved=password");
    Ok(())
}

#[server(prefix = "/api", endpoint = "sign_out_everywhere")]
pub async fn sign_out_everywhere() -> Result<(), AppError> {
    use super::ssr::context::{app_state, client_address, signed_in};
    use super::ssr::{activity, sessions};
    use crate::accounts::ActivityKind;

    let (state, session) = (app_state(), signed_in()?);
    sessions::end_others(&state.db, &session.user.id, &session.token_hash)
        .await
        .map_err(AppError::dependency_failed("signing out everywhere failed"))?;
    let (user_id, kind) = (&session.user.id, ActivityKind::SignedOutEverywhere);
    activity::record(&state.db, user_id, kind, "", &client_address());
    leptos_axum::redirect("/account?saved=sessions");
    Ok(())
}

/// The user's newest security events, newest first.
#[server(prefix = "/api", endpoint = "recent_activity")]
pub async fn recent_activity() -> Result<Vec<crate::accounts::ActivityEntry>, AppError> {
    use super::ssr::activity;
    use super::ssr::context::{app_state, signed_in};

    let (state, session) = (app_state(), signed_in()?);
    activity::recent(&state.db, &session.user.id)
        .await
        .map_err(AppError::dependency_failed(
            "reading the activity log failed",
        ))
}

/// Deletes the account after the password is entered again. A subscription
/// lives on with the Payment MS, so one that still bills must be cancelled
/// first; its status is asked fresh, and if it cannot be asked nothing happens.
#[server(prefix = "/api", endpoint = "delete_account")]
pub async fn delete_account(password: String) -> Result<(), AppError> {
    use super::ssr::context::{app_state, end_session_cookie, signed_in};
    use super::ssr::{passwords, users};
    use crate::accounts::{Field, FieldError};
    use crate::billing::server_fns::payment_failed;
    use crate::billing::ssr::Freshness;
    use crate::billing::ssr::payment_client::Standing;

    let (state, session) = (app_state(), signed_in()?);
    let unavailable = AppError::dependency_failed("deleting an account failed");
    let user = users::find_by_id(&state.db, &session.user.id)
        .await
        .map_err(unavailable)?
        .ok_or(AppError::SignedOut)?;
    if !passwords::verify_password(password, Some(user.password_hash)).await {
        return Err(AppError::Invalid(FieldError::new(
            Field::CurrentPassword,
            "That is not your password, so the account was kept.",
        )));
    }
    let subscription = state
        .payments
        .subscription(&state.catalog, &user.id, Freshness::Refresh)
        .await
        .or_else(|err| payment_failed("deleting an account", err))?;
    if let Some(current) = subscription
        .filter(|current| matches!(current.standing, Standing::Active | Standing::PaymentDue))
    {
        return Err(AppError::SubscriptionStillActive {
            plan_name: current.plan.name.clone(),
        });
    }
    users::delete(&state.db, &user.id)
        .await
        .map_err(unavailable)?;
    tracing::info!("an account was deleted");
    end_session_cookie(&state);
    leptos_axum::redirect("/?account=deleted");
    Ok(())
}
