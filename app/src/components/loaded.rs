//! What a page shows while its data loads, and when it cannot be loaded.

use crate::error::AppError;
use leptos::either::Either;
use leptos::prelude::*;
use std::sync::Arc;

/// A failure (the database or the Payment MS not answering) as a plain
/// message with a way to retry.
#[component]
pub fn RetryNotice(error: AppError, #[prop(into)] retry_href: String) -> impl IntoView {
    view! {
        <div class="notice notice--error" role="alert">
            <p>{error.to_string()}</p>
            <a href=retry_href>"Try again"</a>
        </div>
    }
}

/// `children` with `resource`'s value, or a [`RetryNotice`] that reloads
/// `retry_href`. The server renders pages in order, so this waits in place
/// for the value and no fallback is ever sent. The `Transition` is needed
/// all the same: without it, a nested `Loaded` under concurrent requests
/// found its resource disposed before polling it (the route's owner gone,
/// as far as we can tell) and the page was cut off.
#[component]
pub fn Loaded<T, V>(
    resource: Resource<Result<T, AppError>>,
    /// The page to reload after a failure.
    retry_href: &'static str,
    children: impl Fn(T) -> V + Send + Sync + 'static,
) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let children = Arc::new(children);
    view! {
        <Transition fallback=|| ()>
            {move || {
                let children = children.clone();
                Suspend::new(async move {
                    match resource.await {
                        Ok(value) => Either::Left(children(value)),
                        Err(error) => Either::Right(view! { <RetryNotice error retry_href /> }),
                    }
                })
            }}
        </Transition>
    }
}
