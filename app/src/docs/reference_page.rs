//! `/docs/api`: every public operation of the API, grouped by resource, with
//! its parameters, bodies, responses and copyable calls, and every schema,
//! each under a stable anchor. Rendered on the server only (the page does
//! not hydrate) from the `ApiReference` made at start-up.

use super::reference::{
    ApiReference, FieldDoc, OperationDoc, ResourceGroup, SchemaDoc, TypeLabel, TypePart,
    schema_anchor,
};
use super::{CodeTabs, DocsNav, DocsTable, inline_code, quickstart_key};
use crate::components::PageMeta;
use crate::state::AppState;
use leptos::prelude::*;
use std::sync::Arc;

#[component]
pub fn ApiReferencePage() -> impl IntoView {
    let reference = expect_context::<AppState>().api_reference.clone();
    let key_hint = Resource::new(|| (), |_| quickstart_key());
    view! {
        <PageMeta
            title="API reference — Tracepipe"
            description="Every operation of the Tracepipe API: authentication, parameters, request and response schemas, errors, rate limits, and examples in curl, Python and JavaScript."
            path="/docs/api"
        />
        <Transition fallback=|| view! { <p class="container">"Loading the API reference…"</p> }>
            {move || {
                let reference = reference.clone();
                Suspend::new(async move {
                    let key_prefix = key_hint.await.ok().flatten().flatten();
                    view! { <Reference reference key_prefix /> }
                })
            }}
        </Transition>
    }
}

#[component]
fn Reference(reference: Arc<ApiReference>, key_prefix: Option<String>) -> impl IntoView {
    let limits = reference.rate_limits;
    let nav = reference.groups.iter().map(group_nav).collect_view();
    let schema_nav = reference
        .schemas
        .iter()
        .map(|schema| {
            view! { <li><a href=format!("#{}", schema.anchor)>{schema.name.clone()}</a></li> }
        })
        .collect_view();
    let groups = reference
        .groups
        .iter()
        .map(|group| view! { <Group group=group.clone() key_prefix=key_prefix.clone() /> })
        .collect_view();
    let schemas = reference
        .schemas
        .iter()
        .map(|schema| view! { <Schema schema=schema.clone() /> })
        .collect_view();
    view! {
        <div class="container docs-sections-bar">
            <DocsNav current="/docs/api" />
        </div>
        <div class="container docs-layout">
            <nav class="docs-nav" aria-label="API reference">
                <ul>
                    <li><a href="#authentication">"Authentication"</a></li>
                    <li><a href="#rate-limits">"Rate limits"</a></li>
                    <li><a href="#errors">"Errors"</a></li>
                    {nav}
                    <li>
                        <a href="#schemas">"Schemas"</a>
                        <ul>{schema_nav}</ul>
                    </li>
                </ul>
            </nav>
            <div class="docs-content prose">
                <h1>"API reference"</h1>
                <p class="lead">{inline_code(&reference.description)}</p>
                <p>
                    "Base URL: " <code data-testid="base-url">{reference.base_url.clone()}</code>
                    ". Bodies and answers are JSON. New here? Start with the "
                    <a href="/docs/quickstart">"quickstart"</a> ". The same description as an OpenAPI document: "
                    <a href="/v1/openapi.json">"/v1/openapi.json"</a> "."
                </p>

                <h2 id="authentication">"Authentication"</h2>
                <p>
                    "Send your API key in the " <code>{reference.key_header.clone()}</code>
                    " header of every request. The examples read it from the "
                    <code>"TRACEPIPE_API_KEY"</code> " environment variable, so no key is ever pasted into code. "
                    "Each runs as written (curl, Python with " <code>"requests"</code> ", or Node.js 20 or later); "
                    "one that works on a single key makes a key of its own first and revokes it after, so your own "
                    "keys stay as they are."
                </p>
                <p>
                    "Generating a client from " <a href="/v1/openapi.json">"the OpenAPI document"</a>
                    "? Generators that read its " <code>"apiKey"</code> " security scheme send the header by themselves; "
                    "with " <code>"openapi-python-client"</code> ", which does not yet, pass "
                    <code>"AuthenticatedClient(base_url=…, token=key, auth_header_name=\"X-API-Key\", prefix=\"\")"</code>
                    "; with " <code>"openapi-fetch"</code> ", " <code>"createClient({ baseUrl, headers: { \"X-API-Key\": key } })"</code> "."
                </p>
                {key_prefix
                    .clone()
                    .map(|prefix| {
                        view! {
                            <p data-testid="key-prefix">
                                "Your newest key starts " <code>{prefix}</code>
                                ". The whole key was shown once, when you created it."
                            </p>
                        }
                    })}

                <h2 id="rate-limits">"Rate limits"</h2>
                <p>
                    "Each key may make " {limits.reads_per_minute} " reads (" <code>"GET"</code> ") and "
                    {limits.changes_per_minute} " changes (every other method) a minute on this deployment (by default "
                    "100 and 10; each key's " <code>"rate_limit"</code> " says the same). Every answer carries "
                    <code>"X-RateLimit-Limit"</code> ", " <code>"X-RateLimit-Remaining"</code> " and "
                    <code>"X-RateLimit-Reset"</code> "; over the limit the answer is 429 "
                    <code>"rate_limited"</code> " with " <code>"Retry-After"</code> " in seconds."
                </p>

                <h2 id="errors">"Errors"</h2>
                <p>
                    "Every error answers " <code>"{\"error\": {\"code\", \"message\", \"details\", \"request_id\"}}"</code>
                    ": " <code>"code"</code> " for programs, " <code>"message"</code> " for people, "
                    <code>"details"</code> " naming the field or the reason, "
                    <code>"request_id"</code> " to quote when asking for help. "
                    <a href="/docs/errors">"Every code and what to do about it"</a> "."
                </p>

                {groups}

                <h2 id="schemas">"Schemas"</h2>
                {schemas}
            </div>
        </div>
    }
}

fn group_nav(group: &ResourceGroup) -> impl IntoView + use<> {
    let operations = group
        .operations
        .iter()
        .map(|operation| {
            view! {
                <li>
                    <a href=format!("#{}", operation.anchor)>{operation_title(operation)}</a>
                </li>
            }
        })
        .collect_view();
    view! {
        <li>
            <a href=format!("#{}", group.anchor)>{group.title.clone()}</a>
            <ul>{operations}</ul>
        </li>
    }
}

#[component]
fn Group(group: ResourceGroup, key_prefix: Option<String>) -> impl IntoView {
    let operations = group
        .operations
        .into_iter()
        .map(|operation| view! { <Operation operation key_prefix=key_prefix.clone() /> })
        .collect_view();
    view! {
        <section class="docs-group" aria-labelledby=group.anchor.clone()>
            <h2 id=group.anchor.clone()>{group.title}</h2>
            {operations}
        </section>
    }
}

#[component]
fn Operation(operation: OperationDoc, key_prefix: Option<String>) -> impl IntoView {
    let heading = format!("{}-title", operation.anchor);
    let parameters = (!operation.parameters.is_empty()).then(|| {
        view! {
            <h4>"Parameters"</h4>
            <FieldTable fields=operation.parameters.clone() caption="Parameters" />
        }
    });
    let body = operation.request_body.clone().map(|body| {
        view! {
            <h4>"Request body"</h4>
            <p>
                <code>{body.content_type}</code> ": " <TypeView label=body.type_label />
                {if body.required { " (required)" } else { " (optional)" }}
            </p>
        }
    });
    let responses = operation
        .responses
        .iter()
        .map(|response| {
            view! {
                <tr>
                    <th scope="row"><code>{response.status.clone()}</code></th>
                    <td data-label="Error code">{response.error_code.clone().map(|code| view! { <code>{code}</code> })}</td>
                    <td data-label="Body">{response.type_label.clone().map(|label| view! { <TypeView label /> })}</td>
                    <td data-label="When">{inline_code(&response.description)}</td>
                </tr>
            }
        })
        .collect_view();
    let note = |comment: &str| {
        key_prefix
            .as_ref()
            .map(|prefix| format!("{comment} TRACEPIPE_API_KEY holds your key {prefix}\n"))
            .unwrap_or_default()
    };
    let examples = [
        (
            "curl",
            "curl",
            format!("{}{}", note("#"), operation.examples.curl),
        ),
        (
            "python",
            "Python",
            format!("{}{}", note("#"), operation.examples.python),
        ),
        (
            "javascript",
            "JavaScript",
            format!("{}{}", note("//"), operation.examples.javascript),
        ),
    ];
    let examples = view! {
        <CodeTabs
            group=format!("example-{}", operation.anchor)
            subject=format!("{} {}", operation.method, operation.path)
            examples=examples.to_vec()
        />
    };
    let labelled_by = heading.clone();
    let title = operation_title(&operation);
    view! {
        <article class="docs-operation" id=operation.anchor.clone() aria-labelledby=labelled_by>
            <h3 id=heading>{title}</h3>
            <p class="endpoint">
                <span class=format!("method method--{}", operation.method.to_ascii_lowercase())>
                    {operation.method.clone()}
                </span>
                " "
                <code>{operation.path.clone()}</code>
            </p>
            {(!operation.description.is_empty()).then(|| view! { <p>{inline_code(&operation.description)}</p> })}
            <p>
                "Authentication: " <code>"X-API-Key"</code>
                {operation
                    .permission
                    .clone()
                    .map(|permission| view! { ", with the " <code>{permission}</code> " permission" })}
                "."
            </p>
            {parameters}
            {body}
            <h4>"Responses"</h4>
            <DocsTable caption="Responses" columns=vec!["Status", "Error code", "Body", "When"]>
                {responses}
            </DocsTable>
            <h4>"Examples"</h4>
            {examples}
        </article>
    }
}

/// The operation's summary, or its method and path when it has none.
fn operation_title(operation: &OperationDoc) -> String {
    if operation.summary.is_empty() {
        format!("{} {}", operation.method, operation.path)
    } else {
        operation.summary.clone()
    }
}

#[component]
fn Schema(schema: SchemaDoc) -> impl IntoView {
    let alternatives = schema.alternatives.clone().map(|label| {
        view! { <p>"One of: " <TypeView label /></p> }
    });
    let fields = (!schema.fields.is_empty()).then(|| {
        let caption = format!("Fields of {}", schema.name);
        view! { <FieldTable fields=schema.fields.clone() caption /> }
    });
    view! {
        <section class="docs-schema" aria-labelledby=schema.anchor.clone()>
            <h3 id=schema.anchor.clone()><code>{schema.name.clone()}</code></h3>
            {(!schema.description.is_empty()).then(|| view! { <p>{inline_code(&schema.description)}</p> })}
            {alternatives}
            {fields}
        </section>
    }
}

#[component]
fn FieldTable(fields: Vec<FieldDoc>, #[prop(into)] caption: String) -> impl IntoView {
    let with_location = fields.iter().any(|field| !field.location.is_empty());
    let rows = fields
        .into_iter()
        .map(|field| {
            view! {
                <tr>
                    <th scope="row"><code>{field.name}</code></th>
                    {with_location.then(|| view! { <td data-label="In">{field.location.clone()}</td> })}
                    <td data-label="Type"><TypeView label=field.type_label /></td>
                    <td data-label="Required">{if field.required { "required" } else { "optional" }}</td>
                    <td data-label="Description">{inline_code(&field.description)}</td>
                </tr>
            }
        })
        .collect_view();
    let columns = if with_location {
        vec!["Name", "In", "Type", "Required", "Description"]
    } else {
        vec!["Name", "Type", "Required", "Description"]
    };
    view! { <DocsTable caption columns>{rows}</DocsTable> }
}

/// A type, with the schemas it names linked to their sections.
#[component]
fn TypeView(label: TypeLabel) -> impl IntoView {
    label
        .parts
        .into_iter()
        .map(|part| match part {
            TypePart::Text(text) => text.into_any(),
            TypePart::Schema(name) => {
                let href = format!("#{}", schema_anchor(&name));
                view! { <a href=href><code>{name}</code></a> }.into_any()
            }
        })
        .collect_view()
}
