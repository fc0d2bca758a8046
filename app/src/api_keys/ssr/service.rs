//! What the /keys page, its forms and `POST /v1/api-keys` need, over the
//! keys table in `super`: views, the plan rule, activity entries.

use super::{CreateKeyError, KeyRecord, MAX_ACTIVE_KEYS};
use crate::accounts::ssr::{reauth, sessions::Session, users};
use crate::accounts::{Field, FieldError};
use crate::api_keys::{ApiKeyView, KeyList};
use crate::billing::ssr::{Freshness, payment_failed};
use crate::error::AppError;
use crate::state::AppState;
use crate::support::time::{date_label, moment};

fn label(unix: i64) -> crate::billing::DateLabel {
    date_label(moment(unix))
}

pub fn view(record: KeyRecord) -> ApiKeyView {
    ApiKeyView {
        id: record.id,
        name: record.name,
        masked: record.masked,
        created: label(record.created_at),
        last_used: record.last_used_at.map(label),
    }
}

/// The name rules of the form and of `POST /v1/api-keys`: 1–64 characters.
pub fn clean_name(name: &str) -> Result<String, AppError> {
    let name = name.trim();
    if (1..=64).contains(&name.chars().count()) {
        Ok(name.to_owned())
    } else {
        Err(AppError::Invalid(FieldError::new(
            Field::KeyName,
            "Give the key a name of 1 to 64 characters, such as \"laptop\" or \"ci\".",
        )))
    }
}

pub async fn list(state: &AppState, session: &Session) -> Result<KeyList, AppError> {
    let user_id = &session.user.id;
    let records = super::list(&state.db, user_id)
        .await
        .map_err(AppError::dependency_failed("listing keys"))?;
    let subscribed = state
        .payments
        .active_plan_for_page(&state.catalog, session)
        .await;
    Ok(KeyList {
        keys: records.into_iter().map(view).collect(),
        subscribed,
        reauth_needed: !reauth::is_recent(state, session),
        max_active: MAX_ACTIVE_KEYS as usize,
    })
}

/// Creates a key for a subscriber, through either door (the /keys page
/// and `POST /v1/api-keys`): one rule, a confirmed e-mail address (so that
/// the key's notices reach its owner) and an active plan. The key is in the
/// answer and nowhere else.
pub async fn create(
    state: &AppState,
    user_id: &str,
    name: &str,
    client: &str,
) -> Result<(KeyRecord, String), AppError> {
    let name = clean_name(name)?;
    let verified = users::find_by_id(&state.db, user_id)
        .await
        .map_err(AppError::dependency_failed(
            "creating a key (address check)",
        ))?
        .is_some_and(|user| user.email_verified_at.is_some());
    if !verified {
        return Err(AppError::EmailUnverified);
    }
    let subscribed = state
        .payments
        .subscription(&state.catalog, user_id, Freshness::Cached)
        .await
        .or_else(|err| payment_failed("creating a key (status check)", err))?
        .is_some_and(|current| current.is_active());
    if !subscribed {
        return Err(AppError::SubscriptionRequired);
    }
    match super::create(&state.db, &state.site.public_url, user_id, &name, client).await {
        Ok(created) => {
            state.mailer.wake();
            Ok(created)
        }
        Err(CreateKeyError::TooMany) => Err(AppError::TooManyKeys),
        Err(err) => Err(AppError::dependency_failed("creating a key")(err)),
    }
}

/// `create`, asked from the /keys page (with or without JavaScript): a
/// session must have signed in (or confirmed its password) recently, so a
/// borrowed or stolen session cannot mint keys. `/v1` callers hold a key.
pub async fn create_from_page(
    state: &AppState,
    session: &Session,
    name: &str,
    client: &str,
) -> Result<(KeyRecord, String), AppError> {
    reauth::require_recent(state, session)?;
    create(state, &session.user.id, name, client).await
}

pub async fn revoke(
    state: &AppState,
    user_id: &str,
    key_id: &str,
    client: &str,
) -> Result<(), AppError> {
    match super::revoke(&state.db, user_id, key_id, client).await {
        Ok(true) => Ok(()),
        Ok(false) => Err(AppError::NoSuchKey),
        Err(err) => Err(AppError::dependency_failed("revoking a key")(err)),
    }
}
