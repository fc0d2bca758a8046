//! The /keys page: create a key (shown once, with a copy button), list keys
//! masked, revoke with a confirmation step. Without JavaScript the create
//! form posts to `/keys` itself, whose answer is this page with the new key.

use super::server_fns::{CreateApiKey, RevokeApiKey, list_api_keys};
use super::{ApiKeyView, CreatedKey, KeyFormOutcome, KeyList};
use crate::accounts::{CurrentUser, Field};
use crate::auth::{ConfirmPasswordFirst, PrivatePage};
use crate::components::{CopyButton, FormField, Loaded, SubmitButton, field_error, form_error};
use crate::error::AppError;
use leptos::either::{Either, EitherOf4};
use leptos::form::FromFormData;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

#[component]
pub fn KeysPage() -> impl IntoView {
    // Created here, outside the sign-in guard, so that they live as long as
    // the page (see `PrivatePage`).
    let create = ServerAction::<CreateApiKey>::new();
    let revoke = ServerAction::<RevokeApiKey>::new();
    let keys = Resource::new(
        move || (create.version().get(), revoke.version().get()),
        |_| list_api_keys(),
    );
    view! {
        <PrivatePage
            title="API keys — Tracepipe"
            description="Create, list and revoke your Tracepipe API keys."
            path="/keys"
            children=move |user: CurrentUser| {
                view! { <KeysManager create revoke keys email_verified=user.email_verified /> }
            }
        />
    }
}

#[component]
fn KeysManager(
    create: ServerAction<CreateApiKey>,
    revoke: ServerAction<RevokeApiKey>,
    keys: Resource<Result<KeyList, AppError>>,
    /// Keys are only made for a confirmed address.
    email_verified: bool,
) -> impl IntoView {
    // The answer to a post without JavaScript, rendered on the server.
    let posted =
        SharedValue::new(|| use_context::<KeyFormOutcome>().map(|outcome| outcome.0)).into_inner();
    let outcome = Signal::derive(move || create.value().get().or_else(|| posted.clone()));
    let created = Signal::derive(move || outcome.get().and_then(Result::ok));
    let error = Signal::derive(move || outcome.get().and_then(Result::err));
    let query = use_query_map();
    view! {
        <section class="section" aria-labelledby="keys-title">
            <div class="container container--form">
                <h1 id="keys-title">"API keys"</h1>
                <p class="lead">"Send a key in the X-API-Key header of every request to the Tracepipe API."</p>
                {move || {
                    query
                        .get()
                        .get("revoked")
                        .map(|_| view! { <p class="notice" role="status">"The key is revoked: it stops working at once."</p> })
                }}
                {move || created.get().map(|created| view! { <NewKeyPanel created /> })}
                <Loaded
                    resource=keys
                    loading="Loading your keys…"
                    retry_href="/keys"
                    children=move |list: KeyList| view! {
                        <CreateKeyForm list=list.clone() create error email_verified />
                        <KeyTable list revoke />
                    }
                />
            </div>
        </section>
    }
}

/// The new key, this once: selectable text, and a copy button once hydrated.
#[component]
fn NewKeyPanel(created: CreatedKey) -> impl IntoView {
    view! {
        <div class="key-reveal" role="status">
            <h2>{format!("Your new key \u{201c}{}\u{201d}", created.view.name)}</h2>
            <p><strong>"Copy it now: it will not be shown again."</strong>" We keep only a fingerprint of it."</p>
            <p class="key-value"><code>{created.key.clone()}</code></p>
            <CopyButton text=created.key what="the new API key" />
        </div>
    }
}

#[component]
fn CreateKeyForm(
    list: KeyList,
    create: ServerAction<CreateApiKey>,
    error: Signal<Option<AppError>>,
    email_verified: bool,
) -> impl IntoView {
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if let Ok(args) = CreateApiKey::from_event(&ev) {
            create.dispatch(args);
        }
    };
    let needs_plan = list.subscribed == Some(false);
    if !email_verified || needs_plan {
        return EitherOf4::A(view! {
            {(!email_verified).then(|| view! {
                <p class="notice">
                    "Creating API keys needs a confirmed e-mail address, so that notices about your keys reach you. "
                    "Open the link we sent you, or send a new one from the banner above."
                </p>
            })}
            {needs_plan.then(|| view! {
                <div class="notice">
                    <p>"Creating API keys needs an active plan."</p>
                    <a class="button button--primary" href="/pricing">"Choose a plan"</a>
                </div>
            })}
        });
    }
    match list.keys.len() {
        active if active >= list.max_active => EitherOf4::B(view! {
            <p class="notice">{format!("You have {active} active keys, the most allowed. Revoke one to create another.")}</p>
        }),
        _ if list.reauth_needed => {
            EitherOf4::C(view! { <ConfirmPasswordFirst next="/keys" before="creating a key" /> })
        }
        _ => EitherOf4::D(view! {
            <h2>"Create a key"</h2>
            <form method="post" action="/keys" class="form" on:submit=on_submit>
                <FormField
                    label="Key name"
                    name="name"
                    autocomplete="off"
                    hint="Where it will be used, such as \"laptop\" or \"ci\". 1 to 64 characters."
                    error=field_error(error, Field::KeyName)
                />
                <p class="form-error" role="alert">{form_error(error)}</p>
                // The page stayed open past the re-authentication window.
                <Show when=move || error.get() == Some(AppError::ReauthRequired)>
                    <ConfirmPasswordFirst next="/keys" before="creating a key" />
                </Show>
                <SubmitButton pending=create.pending() label="Create key" busy_label="Creating…" primary=true />
            </form>
        }),
    }
}

/// Creating a key long after signing in: the password again, then back here.
#[component]
fn KeyTable(list: KeyList, revoke: ServerAction<RevokeApiKey>) -> impl IntoView {
    if list.keys.is_empty() {
        return Either::Left(view! { <p>"No keys yet."</p> });
    }
    let rows = list
        .keys
        .into_iter()
        .map(|key| view! { <KeyRow key revoke /> })
        .collect_view();
    Either::Right(view! {
        <h2>"Your keys"</h2>
        <table class="table">
            <thead>
                <tr>
                    <th scope="col">"Name"</th>
                    <th scope="col">"Key"</th>
                    <th scope="col">"Created"</th>
                    <th scope="col">"Last used"</th>
                    <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    })
}

/// One key; "Revoke" first asks (`?revoke=<id>`), then posts.
#[component]
fn KeyRow(key: ApiKeyView, revoke: ServerAction<RevokeApiKey>) -> impl IntoView {
    let last_used = match key.last_used.clone() {
        Some(date) => Either::Left(view! { <time datetime=date.iso>{date.text}</time> }),
        None => Either::Right("never"),
    };
    let query = use_query_map();
    let (id, name) = (key.id.clone(), key.name.clone());
    let action = move || {
        let (id, name) = (id.clone(), name.clone());
        if query.get().get("revoke").as_deref() == Some(id.as_str()) {
            Either::Left(view! {
                <ActionForm action=revoke attr:class="inline-form">
                    <input type="hidden" name="key_id" value=id.clone() />
                    <button type="submit" class="button button--danger button--small">
                        {format!("Revoke \u{201c}{name}\u{201d} now")}
                    </button>
                    " "
                    <a href="/keys">"Keep it"</a>
                </ActionForm>
            })
        } else {
            Either::Right(view! {
                <a href=format!("/keys?revoke={id}") aria-label=format!("Revoke {name}")>"Revoke"</a>
            })
        }
    };
    view! {
        <tr>
            <td>{key.name.clone()}</td>
            <td><code>{key.masked.clone()}</code></td>
            <td><time datetime=key.created.iso.clone()>{key.created.text.clone()}</time></td>
            <td>{last_used}</td>
            <td>{action}</td>
        </tr>
    }
}
