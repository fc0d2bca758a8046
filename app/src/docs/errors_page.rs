//! `/docs/errors`: every `code` the API answers with, what it means and
//! what to do, from the same table the API's error type uses.

use super::{DocsPage, inline_code};
use crate::api_errors::API_ERROR_CODES;
use crate::components::PageMeta;
use leptos::prelude::*;

const ENVELOPE_EXAMPLE: &str = r#"HTTP/1.1 403 Forbidden
Content-Type: application/json

{
  "error": {
    "code": "forbidden",
    "message": "This key does not have the api_keys:write permission this request needs.",
    "details": { "reason": "missing_permission", "permission": "api_keys:write" },
    "request_id": "019a7c3e-5b2f-7d40-9c1e-2f6a8b0d4e13"
  }
}"#;

#[component]
pub fn ErrorsPage() -> impl IntoView {
    let index = API_ERROR_CODES
        .iter()
        .map(|code| {
            view! {
                <li>
                    <a href=format!("#code-{}", code.code)><code>{code.code}</code></a>
                    " " {code.status}
                </li>
            }
        })
        .collect_view();
    let sections = API_ERROR_CODES
        .iter()
        .map(|code| {
            let reasons = (!code.reasons.is_empty()).then(|| {
                let items = code
                    .reasons
                    .iter()
                    .map(|(reason, meaning)| {
                        view! { <li><code>{*reason}</code> ": " {inline_code(meaning)}</li> }
                    })
                    .collect_view();
                view! {
                    <p>"Its " <code>"details.reason"</code> ":"</p>
                    <ul>{items}</ul>
                }
            });
            view! {
                <section aria-labelledby=format!("code-{}", code.code)>
                    <h2 id=format!("code-{}", code.code)>
                        <code>{code.code}</code> " (" {code.status} ")"
                    </h2>
                    <p>{inline_code(code.meaning)}</p>
                    <p><strong>"What to do: "</strong> {inline_code(code.what_to_do)}</p>
                    {reasons}
                </section>
            }
        })
        .collect_view();
    view! {
        <PageMeta
            title="API errors: every code and what to do — Tracepipe"
            description="Every error code the Tracepipe API answers with, what it means, the reasons it gives, and what your code should do."
            path="/docs/errors"
        />
        <DocsPage path="/docs/errors" title_id="errors-title" title="Errors">
                <p class="lead">
                    "Every error is JSON with one envelope: a stable " <code>"code"</code>
                    " for programs, a " <code>"message"</code> " for people, and " <code>"details"</code>
                    " naming the field or the reason, and the " <code>"request_id"</code>
                    " (also in the " <code>"X-Request-Id"</code>
                    " header) to quote if you ask us about a call. A refused request changed nothing."
                </p>
                <div class="snippet"><pre tabindex="0"><code>{ENVELOPE_EXAMPLE}</code></pre></div>
                <p>
                    "Answers with a wait (429, 503) carry " <code>"Retry-After"</code>
                    " in seconds. Each operation's possible statuses are in the "
                    <a href="/docs/api">"API reference"</a> "."
                </p>
                <nav aria-label="Error codes">
                    <ul class="code-index">{index}</ul>
                </nav>
                {sections}
        </DocsPage>
    }
}
