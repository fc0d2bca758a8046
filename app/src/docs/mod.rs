//! `/docs/quickstart`: calling the API with a key, in curl and Python,
//! against this deployment's real endpoints.

pub mod pages;

use crate::error::AppError;
use leptos::prelude::*;

/// Signed-in users: the masked prefix of their newest active key (or
/// `Some(None)` without one); visitors: `None`.
#[server(prefix = "/api", endpoint = "quickstart_key")]
pub async fn quickstart_key() -> Result<Option<Option<String>>, AppError> {
    use crate::accounts::ssr::context::{app_state, current_session};
    let Some(session) = current_session() else {
        return Ok(None);
    };
    let keys = crate::api_keys::ssr::list(&app_state().db, &session.user.id)
        .await
        .map_err(AppError::dependency_failed(
            "listing keys for the quickstart",
        ))?;
    Ok(Some(keys.into_iter().next().map(|key| key.masked)))
}
