//! The documentation: `/docs/quickstart` (the first calls, against this
//! deployment's real endpoints), `/docs/api` (the reference, derived from the
//! OpenAPI document), `/docs/errors` (every error code) and
//! `/docs/trace-capture` (recording a browser session to upload).

pub mod errors_page;
#[cfg(feature = "ssr")]
pub mod examples;
#[cfg(feature = "ssr")]
pub mod home_page;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod reference;
#[cfg(feature = "ssr")]
pub mod reference_page;
#[cfg(feature = "ssr")]
pub mod ssr;
pub mod trace_capture_page;

use crate::components::CopyButton;
use crate::error::AppError;
use leptos::prelude::*;

/// The docs, in reading order: where each is, its title and what it is for.
pub const DOCS: &[(&str, &str, &str)] = &[
    (
        "/docs/quickstart",
        "Quickstart",
        "Your first calls in two minutes, in curl, Python or JavaScript, with your own key.",
    ),
    (
        "/docs/api",
        "API reference",
        "Every operation: parameters, answers, errors, rate limits, and examples that run as written.",
    ),
    (
        "/docs/errors",
        "Errors",
        "Every error code the API answers with, what it means and what to do about it.",
    ),
    (
        "/docs/trace-capture",
        "Record a browser session",
        "Capture a session in a web app for Tracepipe to turn into training data.",
    ),
];

/// The docs' own navigation, on every docs page: the home, then each doc,
/// the one open marked as the current page.
#[component]
pub fn DocsNav(
    /// The path of the page it is on.
    current: &'static str,
) -> impl IntoView {
    let link = move |href: &'static str, title: &'static str| {
        let here = (href == current).then_some("page");
        view! { <li><a href=href aria-current=here>{title}</a></li> }
    };
    view! {
        <nav class="docs-sections" aria-label="Docs">
            <ul>
                {link("/docs", "Overview")}
                {DOCS.iter().map(|&(href, title, _)| link(href, title)).collect_view()}
            </ul>
        </nav>
    }
}

/// A docs page of prose: the docs' navigation, its title as the `h1`, then
/// `children`.
#[component]
pub fn DocsPage(
    /// The page's path, marked in the docs' navigation.
    path: &'static str,
    /// The `h1`'s id, which labels the page's section.
    title_id: &'static str,
    title: &'static str,
    children: Children,
) -> impl IntoView {
    view! {
        <section class="section" aria-labelledby=title_id>
            <div class="container container--narrow prose">
                <DocsNav current=path />
                <h1 id=title_id>{title}</h1>
                {children()}
            </div>
        </section>
    }
}

/// A table of the docs: a box that scrolls sideways on narrow screens, a
/// caption for screen readers and the column headings; `children` are rows.
#[component]
pub fn DocsTable(
    #[prop(into)] caption: String,
    columns: Vec<&'static str>,
    children: Children,
) -> impl IntoView {
    let headings = columns
        .into_iter()
        .map(|column| view! { <th scope="col">{column}</th> })
        .collect_view();
    view! {
        <div class="table-scroll">
            <table class="docs-table">
                <caption class="visually-hidden">{caption}</caption>
                <thead>
                    <tr>{headings}</tr>
                </thead>
                <tbody>{children()}</tbody>
            </table>
        </div>
    }
}

/// One example in several languages, as tabs: radio buttons that CSS shows
/// as tabs (no script needed; arrow keys move between them), and
/// `/code-tabs.js` keeps one language across examples and pages.
/// `examples` are (value, label, code); each panel's `code[data-example]`
/// is what CI's example runner (api-examples) picks up and runs.
#[component]
pub fn CodeTabs(
    /// Unique on the page: the radio buttons' name.
    group: String,
    /// What the examples do, e.g. "GET /v1/users/me".
    subject: String,
    examples: Vec<(&'static str, &'static str, String)>,
) -> impl IntoView {
    let tabs = examples
        .iter()
        .enumerate()
        .map(|(index, (value, label, _))| {
            let id = format!("{group}-{value}");
            view! {
                <input type="radio" id=id.clone() name=group.clone() value=*value checked=index == 0 />
                <label for=id>{*label}</label>
            }
        })
        .collect_view();
    let panels = examples
        .into_iter()
        .map(|(value, label, code)| {
            let what = format!("the {label} example for {subject}");
            view! {
                <div class="code-panel snippet" data-language=value>
                    <pre tabindex="0"><code data-example=value>{code.clone()}</code></pre>
                    <CopyButton text=code what />
                </div>
            }
        })
        .collect_view();
    view! {
        <div class="code-tabs" role="group" aria-label=format!("Examples of {subject}")>
            <fieldset class="code-tab-list">
                <legend class="visually-hidden">"Language"</legend>
                {tabs}
            </fieldset>
            {panels}
        </div>
    }
}

/// Signed-in users: the masked prefix of their newest active key (or
/// `Some(None)` without one); visitors: `None`.
#[server(prefix = "/api", endpoint = "quickstart_key")]
pub async fn quickstart_key() -> Result<Option<Option<String>>, AppError> {
    use crate::accounts::ssr::context::app_state;
    let actor = crate::actor::Actor::current();
    if actor.signed_in().is_none() {
        return Ok(None);
    }
    let keys = crate::api_keys::ssr::service::records(&app_state(), &actor).await?;
    Ok(Some(keys.into_iter().next().map(|key| key.masked)))
}

/// Text whose `backticked` parts are code, as the OpenAPI document and the
/// error table write them.
pub fn inline_code(text: &str) -> impl IntoView + use<> {
    text.split('`')
        .enumerate()
        .map(|(index, part)| {
            if index % 2 == 1 {
                view! { <code>{part.to_owned()}</code> }.into_any()
            } else {
                part.to_owned().into_any()
            }
        })
        .collect_view()
}
