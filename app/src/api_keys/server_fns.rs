//! Server functions for the /keys page: thin wrappers over `ssr::service`.
//! Those that change a key answer with a redirect to /keys, so that the
//! same forms work posted without JavaScript.

use super::{ApiKeyView, CreatedKey, KeyList, NewKeyForm};
#[cfg(feature = "ssr")]
use crate::actor::Actor;
use crate::error::AppError;
use leptos::prelude::*;

/// One page of the keys table: `view` is `TableView::list_query` (the
/// filter, the order and the page).
#[server(prefix = "/api", endpoint = "list_api_keys")]
pub async fn list_api_keys(view: String) -> Result<KeyList, AppError> {
    use crate::accounts::ssr::context::app_state;
    let (state, actor) = (app_state(), Actor::current());
    let view = super::table::TableView::from_list_query(&view);
    super::ssr::service::list(&state, &actor, &view).await
}

/// Keys that expire within 7 days, for the dashboard.
#[server(prefix = "/api", endpoint = "expiring_api_keys")]
pub async fn expiring_api_keys() -> Result<Vec<ApiKeyView>, AppError> {
    use crate::accounts::ssr::context::app_state;
    let (state, actor) = (app_state(), Actor::current());
    super::ssr::service::expiring_soon(&state, &actor).await
}

/// The new secret, this once: never stored by a cache.
#[cfg(feature = "ssr")]
fn shown_once(record: super::ssr::KeyRecord, key: String, rolled: bool) -> CreatedKey {
    use axum::http::{HeaderValue, header};
    expect_context::<leptos_axum::ResponseOptions>()
        .insert_header(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    CreatedKey {
        key,
        view: super::ssr::service::view(record, crate::support::time::unix_now()),
        rolled,
    }
}

/// Creates a key and answers it, once.
#[server(prefix = "/api", endpoint = "create_api_key")]
pub async fn create_api_key(#[server(flatten)] form: NewKeyForm) -> Result<CreatedKey, AppError> {
    use crate::accounts::ssr::context::app_state;
    let (state, actor) = (app_state(), Actor::current());
    let (record, key) = super::ssr::service::create_from_page(&state, &actor, &form).await?;
    Ok(shown_once(record, key, false))
}

/// A new secret for a key, answered once; the old one works for
/// `grace_seconds`.
#[server(prefix = "/api", endpoint = "roll_api_key")]
pub async fn roll_api_key(
    key_id: String,
    grace_seconds: i64,
    /// A checkbox: present ("true") to end a running grace period.
    end_previous_grace: Option<bool>,
) -> Result<CreatedKey, AppError> {
    use super::ssr::service::roll;
    use crate::accounts::ssr::context::app_state;
    let (state, actor) = (app_state(), Actor::current());
    let end_previous = end_previous_grace.unwrap_or(false);
    let (record, key) = roll(&state, &actor, &key_id, grace_seconds, end_previous).await?;
    Ok(shown_once(record, key, true))
}

/// Stops a rolled key's old secret now.
#[server(prefix = "/api", endpoint = "end_api_key_grace")]
pub async fn end_api_key_grace(key_id: String) -> Result<(), AppError> {
    use super::ssr::service::end_grace;
    use crate::accounts::ssr::context::app_state;
    let (state, actor) = (app_state(), Actor::current());
    let name = end_grace(&state, &actor, &key_id).await?;
    leptos_axum::redirect(&crate::components::Notice::KeyGraceEnded.url_about(&name));
    Ok(())
}

/// Disables a key (`disabled` true) or enables it again.
#[server(prefix = "/api", endpoint = "set_api_key_disabled")]
pub async fn set_api_key_disabled(key_id: String, disabled: bool) -> Result<(), AppError> {
    let disable = super::ssr::KeyChange {
        disabled: Some(disabled),
        ..Default::default()
    };
    use crate::components::Notice;
    let notice = if disabled {
        Notice::KeyDisabled
    } else {
        Notice::KeyEnabled
    };
    change_own_key(&key_id, disable, notice).await
}

/// Replaces a key's allowed networks (empty: any address).
#[server(prefix = "/api", endpoint = "set_api_key_networks")]
pub async fn set_api_key_networks(
    key_id: String,
    allowed_networks: String,
) -> Result<(), AppError> {
    let networks = super::ssr::service::check_networks(&allowed_networks)?;
    let replace = super::ssr::KeyChange {
        networks: Some(&networks),
        ..Default::default()
    };
    change_own_key(
        &key_id,
        replace,
        crate::components::Notice::KeyNetworksSaved,
    )
    .await
}

/// Applies a change to one of the signed-in user's keys, then sends the
/// browser back to /keys with `notice`.
#[cfg(feature = "ssr")]
async fn change_own_key(
    key_id: &str,
    change: super::ssr::KeyChange<'_>,
    notice: crate::components::Notice,
) -> Result<(), AppError> {
    use super::ssr::service;
    use crate::accounts::ssr::context::app_state;
    let (state, actor) = (app_state(), Actor::current());
    let name = service::change(&state, &actor, key_id, change).await?;
    leptos_axum::redirect(&notice.url_about(&name));
    Ok(())
}

#[server(prefix = "/api", endpoint = "revoke_api_key")]
pub async fn revoke_api_key(key_id: String) -> Result<(), AppError> {
    use super::ssr::service::revoke;
    use crate::accounts::ssr::context::app_state;
    let (state, actor) = (app_state(), Actor::current());
    let name = revoke(&state, &actor, &key_id).await?;
    leptos_axum::redirect(&crate::components::Notice::KeyRevoked.url_about(&name));
    Ok(())
}
