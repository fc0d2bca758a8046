//! Passkey views: the account page's list (named, created, last used,
//! removable) and the buttons that start a WebAuthn ceremony. Ceremonies
//! need JavaScript: `/passkey.js` runs them, and marks the page so that the
//! buttons show only where the browser supports passkeys. Without it they
//! stay hidden and every other form works as before.

use crate::accounts::PasskeyView;
use crate::accounts::auth::FormRefusal;
use crate::accounts::server_fns::RemovePasskey;
use crate::components::{FormState, Loaded, ServerForm};
use crate::error::AppError;
use crate::site::SiteInfo;
use leptos::either::Either;
use leptos::prelude::*;

/// Whether this site can use passkeys at all (a domain-name `PUBLIC_URL`).
///
/// Inlined on purpose: called out of line from the lazily loaded sign-in
/// page's wasm file (`--split`), it answered the opposite of the server, and
/// the page failed to hydrate (`/login` in `hydration.spec.ts`).
#[inline(always)]
pub fn passkeys_available() -> bool {
    use_context::<SiteInfo>().is_some_and(|site| site.passkeys)
}

/// A button `/passkey.js` runs a ceremony for (`ceremony`: "sign-in",
/// "second-step" or "register"), hidden until the script has found passkey
/// support, with the line it reports failures on.
#[component]
pub fn PasskeyButton(
    ceremony: &'static str,
    label: &'static str,
    /// Where to go after signing in (the sign-in page's `next`).
    #[prop(optional, into)]
    next: Option<String>,
    #[prop(default = false)] primary: bool,
) -> impl IntoView {
    let status_id = format!("passkey-{ceremony}-status");
    view! {
        <div class="passkey-only">
            <button
                type="button"
                class="button"
                class:button--primary=primary
                class:button--secondary=!primary
                data-passkey=ceremony
                data-next=next
                aria-describedby=status_id.clone()
            >
                {label}
            </button>
            <p class="form-error" role="alert" id=status_id data-passkey-status></p>
        </div>
    }
}

/// In place of adding a second factor while the account's address is not
/// confirmed (the server refuses it too): someone who registered with
/// another person's address must not keep a way in once its owner takes it
/// back.
#[component]
pub fn ConfirmAddressFirst(what: &'static str) -> impl IntoView {
    view! {
        <p class="notice">
            {format!("Confirm your e-mail address first: {what} needs it. ")}
            "Open the link we sent you when you registered, or send a new one from "
            <a href="/account">"your account page"</a>
            "."
        </p>
    }
}

/// The account page's passkeys; adding one needs a confirmed address.
#[component]
pub fn PasskeySection(
    passkeys: Resource<Result<Vec<PasskeyView>, AppError>>,
    remove: ServerAction<RemovePasskey>,
    address_confirmed: bool,
) -> impl IntoView {
    if !passkeys_available() {
        return Either::Left(view! {
            <h2>"Passkeys"</h2>
            <p>"Passkeys work when this site is opened by its domain name, not an IP address."</p>
        });
    }
    FormState::of(remove).provide();
    Either::Right(view! {
        <h2 id="passkeys-title">"Passkeys"</h2>
        <p>
            "Sign in with your fingerprint, face or device PIN instead of a password: the passkey stays on your "
            "device or in your password manager, and works only on this site."
        </p>
        <FormRefusal next="/account" before="changing your passkeys" />
        <Loaded resource=passkeys retry_href="/account" children=move |list| view! { <PasskeyTable list remove /> } />
        {if address_confirmed {
            Either::Left(view! {
                <div class="passkey-only form">
                    <div class="field">
                        <label for="field-passkey-name">"Passkey name"</label>
                        <p class="field-hint" id="field-passkey-name-hint">"Where it lives, such as \"work computer\" or \"phone\"."</p>
                        <input id="field-passkey-name" name="passkey_name" type="text" autocomplete="off" value="Passkey" aria-describedby="field-passkey-name-hint" />
                    </div>
                    <PasskeyButton ceremony="register" label="Add a passkey" />
                </div>
                <p class="passkey-fallback">"Adding a passkey needs a browser that supports them, with JavaScript on."</p>
            })
        } else {
            Either::Right(view! { <ConfirmAddressFirst what="adding a passkey" /> })
        }}
    })
}

#[component]
fn PasskeyTable(list: Vec<PasskeyView>, remove: ServerAction<RemovePasskey>) -> impl IntoView {
    if list.is_empty() {
        return Either::Left(view! { <p>"No passkeys yet."</p> });
    }
    let rows = list
        .into_iter()
        .map(|passkey| {
            let label = format!("Remove the passkey {}", passkey.name);
            view! {
                <tr>
                    <td>{passkey.name}</td>
                    <td><time datetime=passkey.created.iso>{passkey.created.text}</time></td>
                    <td>
                        {match passkey.last_used {
                            Some(used) => Either::Left(view! { <time datetime=used.iso>{used.text}</time> }),
                            None => Either::Right("Never"),
                        }}
                    </td>
                    <td>
                        <ServerForm action=remove class="inline-form">
                            <input type="hidden" name="passkey_id" value=passkey.id />
                            <button class="button button--secondary button--small" type="submit" aria-label=label>"Remove"</button>
                        </ServerForm>
                    </td>
                </tr>
            }
        })
        .collect_view();
    Either::Right(view! {
        <table class="table" aria-labelledby="passkeys-title">
            <thead>
                <tr>
                    <th scope="col">"Name"</th>
                    <th scope="col">"Added"</th>
                    <th scope="col">"Last used"</th>
                    <th scope="col"><span class="visually-hidden">"Action"</span></th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    })
}
