//! Server functions for the /keys page: thin wrappers over `ssr::service`.

use super::{CreatedKey, KeyList};
use crate::error::AppError;
use leptos::prelude::*;

#[server(prefix = "/api", endpoint = "list_api_keys")]
pub async fn list_api_keys() -> Result<KeyList, AppError> {
    use crate::accounts::ssr::context::{app_state, signed_in};
    let (state, session) = (app_state(), signed_in()?);
    super::ssr::service::list(&state, &session).await
}

/// Creates a key and answers it, once (the response is never stored).
#[server(prefix = "/api", endpoint = "create_api_key")]
pub async fn create_api_key(name: String) -> Result<CreatedKey, AppError> {
    use crate::accounts::ssr::context::{app_state, client_address, signed_in};
    use axum::http::{HeaderValue, header};
    let (state, session) = (app_state(), signed_in()?);
    expect_context::<leptos_axum::ResponseOptions>()
        .insert_header(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    let (record, key) =
        super::ssr::service::create_from_page(&state, &session, &name, &client_address()).await?;
    Ok(CreatedKey {
        key,
        view: super::ssr::service::view(record),
    })
}

#[server(prefix = "/api", endpoint = "revoke_api_key")]
pub async fn revoke_api_key(key_id: String) -> Result<(), AppError> {
    use crate::accounts::ssr::context::{app_state, client_address, signed_in};
    let (state, session) = (app_state(), signed_in()?);
    super::ssr::service::revoke(&state, &session.user.id, &key_id, &client_address()).await?;
    leptos_axum::redirect("/keys?revoked=1");
    Ok(())
}
