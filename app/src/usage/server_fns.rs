//! Server functions for `/usage` and the dashboard: thin wrappers over
//! `ssr::service`.

use super::{GettingStarted, UsageOverview};
use crate::error::AppError;
use leptos::prelude::*;

#[server(prefix = "/api", endpoint = "load_usage_overview")]
pub async fn load_usage_overview() -> Result<UsageOverview, AppError> {
    use crate::accounts::ssr::context::{app_state, signed_in};
    let (state, session) = (app_state(), signed_in()?);
    super::ssr::service::overview(&state, &session.user.id).await
}

#[server(prefix = "/api", endpoint = "load_getting_started")]
pub async fn load_getting_started() -> Result<GettingStarted, AppError> {
    use crate::accounts::ssr::context::{app_state, signed_in};
    let (state, session) = (app_state(), signed_in()?);
    super::ssr::service::getting_started(&state, &session).await
}
