use crate::components::PageMeta;
use leptos::prelude::*;
use leptos_router::hooks::use_location;

/// Shown for any path no route matches, with HTTP status 404.
#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(axum::http::StatusCode::NOT_FOUND);
    }
    let path = use_location().pathname;
    view! {
        <PageMeta
            title="Page not found — Tracepipe"
            description="This page does not exist. Find your way back to Tracepipe."
            path="/404"
            noindex=true
        />
        <section class="section not-found" aria-labelledby="not-found-title">
            <div class="container container--narrow">
                <p class="eyebrow">"404"</p>
                <h1 id="not-found-title">"We couldn't find that page"</h1>
                <p class="lead">
                    "Nothing lives at " <code>{move || path.get()}</code>
                    ". The link may be old, or the address mistyped."
                </p>
                <ul class="not-found-links">
                    <li>
                        <a href="/">"Go to the home page"</a>
                    </li>
                    <li>
                        <a href="/pricing">"Compare plans"</a>
                    </li>
                    <li>
                        <a href="/#faq">"Read the FAQ"</a>
                    </li>
                </ul>
            </div>
        </section>
    }
}
