//! Server functions for `/usage` and the dashboard: thin wrappers over
//! `ssr::service`.

use super::{GettingStarted, UsageOverview};
#[cfg(feature = "ssr")]
use crate::actor::Actor;
use crate::error::AppError;
use leptos::prelude::*;

/// `/usage` for the window `period` names (`UsageWindow::slug`).
#[server(prefix = "/api", endpoint = "load_usage_overview")]
pub async fn load_usage_overview(period: String) -> Result<UsageOverview, AppError> {
    use crate::accounts::ssr::context::app_state;
    let (state, actor) = (app_state(), Actor::current());
    let window = super::UsageWindow::from_slug(Some(&period));
    super::ssr::service::overview(&state, &actor, window).await
}

#[server(prefix = "/api", endpoint = "load_getting_started")]
pub async fn load_getting_started() -> Result<GettingStarted, AppError> {
    use crate::accounts::ssr::context::app_state;
    let (state, actor) = (app_state(), Actor::current());
    super::ssr::service::getting_started(&state, &actor).await
}
