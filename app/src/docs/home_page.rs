//! `/docs`: where the docs start.

use super::{DOCS, DocsPage};
use crate::components::PageMeta;
use leptos::prelude::*;

/// `/docs`: where the docs start, one card per doc.
#[component]
pub fn DocsHomePage() -> impl IntoView {
    let cards = DOCS
        .iter()
        .map(|(href, title, summary)| {
            view! {
                <li class="docs-card">
                    <h2><a href=*href>{*title}</a></h2>
                    <p>{*summary}</p>
                </li>
            }
        })
        .collect_view();
    view! {
        <PageMeta
            title="Docs — Tracepipe"
            description="Tracepipe's documentation: the quickstart, the API reference, error codes, and recording a browser session."
            path="/docs"
        />
        <DocsPage path="/docs" title_id="docs-title" title="Docs">
            <p class="lead">
                "Tracepipe turns recordings of people using web apps into training data. "
                "Its API takes your key in the X-API-Key header and answers JSON."
            </p>
            <ul class="docs-cards">{cards}</ul>
        </DocsPage>
    }
}
