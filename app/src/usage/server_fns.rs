//! Server functions for `/usage` and the dashboard: thin wrappers over
//! `ssr::service`.

use super::{GettingStarted, UsageOverview};
#[cfg(feature = "ssr")]
use crate::actor::Actor;
use crate::error::AppError;
use leptos::prelude::*;

#[server(prefix = "/api", endpoint = "load_usage_overview")]
pub async fn load_usage_overview() -> Result<UsageOverview, AppError> {
    use crate::accounts::ssr::context::app_state;
    let (state, actor) = (app_state(), Actor::current());
    super::ssr::service::overview(&state, &actor).await
}

#[server(prefix = "/api", endpoint = "load_getting_started")]
pub async fn load_getting_started() -> Result<GettingStarted, AppError> {
    use crate::accounts::ssr::context::app_state;
    let (state, actor) = (app_state(), Actor::current());
    super::ssr::service::getting_started(&state, &actor).await
}
