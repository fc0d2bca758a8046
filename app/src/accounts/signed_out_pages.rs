//! The pages of a visitor who is not signed in: register, sign in and its
//! second step, the password reset and the address confirmation links.
//! Server-only: they do not hydrate, every form on them posts without
//! JavaScript, so none of their code is in the browser's bundle.

use crate::accounts::auth::AuthActions;
use crate::accounts::pages::{NextField, next_param};
use crate::accounts::passkey_pages::{PasskeyButton, passkeys_available};
use crate::accounts::server_fns::{
    RequestPasswordReset, email_link_status, pending_sign_in, reset_link_status,
};
use crate::accounts::{EmailLinkPurpose, PASSWORD_MAX_CHARS, PASSWORD_MIN_CHARS};
use crate::components::{
    FormError, FormField, Loaded, PageMeta, ServerForm, SubmitButton, query_value,
};
use crate::error::Field;
use leptos::either::Either;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// The frame the sign-up and sign-in pages share: heading, their form, and a
/// link to the other page that keeps `next`.
#[component]
fn AuthPanel(
    heading: &'static str,
    #[prop(optional)] lead: Option<&'static str>,
    /// The question before the link to the other page, the link's text, its path.
    alternative: (&'static str, &'static str, &'static str),
    children: Children,
) -> impl IntoView {
    let (question, link_text, path) = alternative;
    let href = match next_param() {
        Some(next) => format!("{path}?next={}", query_value(&next)),
        None => path.to_owned(),
    };
    view! {
        <section class="section auth" aria-labelledby="auth-title">
            <div class="container container--form">
                <h1 id="auth-title">{heading}</h1>
                {lead.map(|lead| view! { <p class="lead">{lead}</p> })}
                {children()}
                <p class="form-alternative">{question}" "<a href=href>{link_text}</a></p>
            </div>
        </section>
    }
}

/// A page opened from an e-mail (recovery, confirming an address): its head
/// (never indexed) and a narrow panel with `heading`.
#[component]
fn LinkPanel(
    title: &'static str,
    description: &'static str,
    path: &'static str,
    heading: &'static str,
    children: Children,
) -> impl IntoView {
    view! {
        <PageMeta title description path noindex=true />
        <section class="section auth" aria-labelledby="auth-title">
            <div class="container container--form">
                <h1 id="auth-title">{heading}</h1>
                {children()}
            </div>
        </section>
    }
}

const RESET_DESCRIPTION: &str = "Reset the password of your Tracepipe account.";

/// `/forgot-password`: an address in, the same answer whether or not it has
/// an account.
#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let action = ServerAction::<RequestPasswordReset>::new();
    let query = use_query_map();
    // `?sent=1` is where the form lands, with or without JavaScript.
    let sent = move || query.with(|query| query.get("sent").is_some());
    view! {
        <LinkPanel title="Reset your password — Tracepipe" description=RESET_DESCRIPTION path="/forgot-password" heading="Reset your password">
            <Show when=sent>
                <p class="notice" role="status">
                    "If an account uses that address, a reset link is on its way. "
                    "It works once, for 30 minutes. Nothing arrived? Check the spam folder, or ask again."
                </p>
            </Show>
            <p class="lead">"Enter your account's e-mail address and we'll send you a link to choose a new password."</p>
            <ServerForm action=action class="form">
                <FormField
                    label="E-mail"
                    name="email"
                    input_type="email"
                    autocomplete="email"
                    field=Field::Email
                />
                <FormError />
                <SubmitButton label="Send the reset link" busy_label="Sending…" primary=true />
            </ServerForm>
            <p class="form-alternative">"Remembered it? " <a href="/login">"Sign in"</a></p>
        </LinkPanel>
    }
}

/// `/reset-password?token=…`, the link from the e-mail: a new-password form
/// while the link is live. Opening it uses nothing up.
#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let query = use_query_map();
    let token = move || query.with_untracked(|query| query.get("token").unwrap_or_default());
    let status = Resource::new(token, reset_link_status);
    let action = expect_context::<AuthActions>().reset_password;
    view! {
        <LinkPanel title="Choose a new password — Tracepipe" description=RESET_DESCRIPTION path="/reset-password" heading="Choose a new password">
            <Loaded resource=status retry_href="/forgot-password" children=move |live| {
                if live {
                    Either::Left(view! {
                        <p class="lead">"Every device signed in to your account will be signed out; this one will be signed in."</p>
                        <ServerForm action=action class="form">
                            <input type="hidden" name="token" value=token() />
                            <FormField
                                label="New password"
                                name="new_password"
                                input_type="password"
                                autocomplete="new-password"
                                lengths=(PASSWORD_MIN_CHARS, PASSWORD_MAX_CHARS)
                                hint="At least 10 characters. A few unrelated words work well."
                                field=Field::NewPassword
                            />
                            <FormError />
                            <SubmitButton label="Set the new password" busy_label="Saving…" primary=true />
                        </ServerForm>
                        <p class="form-alternative">"Link not working? " <a href="/forgot-password">"Ask for a new one"</a></p>
                    })
                } else {
                    Either::Right(view! {
                        <p class="notice notice--error" role="alert">
                            "This reset link has expired or was already used. Links work once, for 30 minutes, and a newer one replaces it."
                        </p>
                        <a class="button button--primary" href="/forgot-password">"Ask for a new link"</a>
                    })
                }
            } />
        </LinkPanel>
    }
}

/// `/confirm-email?token=…`, the link from a confirmation e-mail: what it
/// confirms and a button that does it. Opening it uses nothing up (mail
/// scanners open links too); signed in or not, the link alone is the proof.
#[component]
pub fn ConfirmEmailPage() -> impl IntoView {
    let query = use_query_map();
    let token = move || query.with_untracked(|query| query.get("token").unwrap_or_default());
    let status = Resource::new(token, email_link_status);
    let action = expect_context::<AuthActions>().confirm_email;
    view! {
        <LinkPanel
            title="Confirm your e-mail address — Tracepipe"
            description="Confirm the e-mail address of your Tracepipe account."
            path="/confirm-email"
            heading="Confirm your e-mail address"
        >
            <Loaded resource=status retry_href="/account" children=move |link| {
                match link {
                    Some(link) => Either::Left(view! {
                        <p class="lead">
                            {match link.purpose {
                                EmailLinkPurpose::Verify => format!("Confirm that {} is your account's address.", link.email),
                                EmailLinkPurpose::Change => format!(
                                    "Confirm {} as your account's new address. You will sign in with it from now on, and the old address gets a notice.",
                                    link.email,
                                ),
                            }}
                        </p>
                        <ServerForm action=action class="form">
                            <input type="hidden" name="token" value=token() />
                            <FormError />
                            <SubmitButton label="Confirm this address" busy_label="Confirming…" primary=true />
                        </ServerForm>
                    }),
                    None => Either::Right(view! {
                        <p class="notice notice--error" role="alert">
                            "This confirmation link has expired or was already used. Links work once, for 24 hours, and a newer one replaces it."
                        </p>
                        <a class="button button--primary" href="/account">"Go to your account"</a>
                    }),
                }
            } />
        </LinkPanel>
    }
}

#[component]
pub fn RegisterPage() -> impl IntoView {
    let action = expect_context::<AuthActions>().register;
    view! {
        <PageMeta
            title="Create your account — Tracepipe"
            description="Create a Tracepipe account to subscribe and get your API key."
            path="/register"
        />
        <AuthPanel
            heading="Create your account"
            lead="Then pick a plan and create your first API key."
            alternative=("Already have an account?", "Sign in", "/login")
        >
            <ServerForm action=action class="form">
                <NextField />
                <FormField
                    label="Your name"
                    name="display_name"
                    autocomplete="name"
                    field=Field::DisplayName
                />
                <FormField
                    label="E-mail"
                    name="email"
                    input_type="email"
                    autocomplete="email"
                    field=Field::Email
                />
                <FormField
                    label="Password"
                    name="password"
                    input_type="password"
                    autocomplete="new-password"
                    lengths=(PASSWORD_MIN_CHARS, PASSWORD_MAX_CHARS)
                    hint="At least 10 characters. A few unrelated words work well."
                    field=Field::Password
                />
                <FormError />
                <SubmitButton
                    label="Create account"
                    busy_label="Creating your account…"
                    primary=true
                />
            </ServerForm>
        </AuthPanel>
    }
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let action = expect_context::<AuthActions>().login;
    // One message for the whole form: which field was wrong is not revealed.
    // `?confirmed=email`: an address was confirmed by a link opened signed out.
    let confirmed = use_query_map();
    view! {
        <PageMeta
            title="Sign in — Tracepipe"
            description="Sign in to manage your Tracepipe plan, API keys and usage."
            path="/login"
        />
        <AuthPanel heading="Sign in" alternative=("New to Tracepipe?", "Create an account", "/register")>
            <Show when=move || confirmed.with(|query| query.get("confirmed").is_some())>
                <p class="notice" role="status">"Your e-mail address is confirmed. Sign in to continue."</p>
            </Show>
            <ServerForm action=action class="form">
                <NextField />
                <FormField
                    label="E-mail"
                    name="email"
                    input_type="email"
                    autocomplete="email"
                />
                <FormField
                    label="Password"
                    name="password"
                    input_type="password"
                    autocomplete="current-password"
                />
                <FormError />
                <SubmitButton label="Sign in" busy_label="Signing in…" primary=true />
            </ServerForm>
            {passkeys_available().then(|| view! {
                <PasskeyButton ceremony="sign-in" label="Sign in with a passkey" next=next_param().unwrap_or_default() />
            })}
            <p class="form-alternative">
                <a href="/forgot-password">"Forgot your password?"</a>
            </p>
        </AuthPanel>
    }
}

const CODE_HINT: &str =
    "The six-digit code your authenticator app shows for Tracepipe, or one of your recovery codes.";

/// `/login/verify`: the code after a right password.
#[component]
pub fn SecondStepPage() -> impl IntoView {
    let pending = Resource::new(|| (), |_| pending_sign_in());
    let verify = expect_context::<AuthActions>().verify_sign_in;
    view! {
        <PageMeta
            title="Two-step verification — Tracepipe"
            description="Enter the code from your authenticator app to finish signing in."
            path="/login/verify"
            noindex=true
        />
        <section class="section auth" aria-labelledby="auth-title">
            <div class="container container--form">
                <h1 id="auth-title">"Two-step verification"</h1>
                <Loaded resource=pending retry_href="/login/verify" children=move |pending| {
                    match pending {
                        None => Either::Left(view! {
                            <p class="notice">
                                "No sign-in is waiting for a code in this browser: it lasts five minutes. "
                                <a href="/login">"Sign in again"</a>
                            </p>
                        }),
                        Some(waiting) => Either::Right(view! {
                            <p class="lead">{format!("Signing in as {}. Your password was right; now prove it is you with your second factor.", waiting.email)}</p>
                            {(waiting.has_passkeys && passkeys_available()).then(|| view! {
                                <PasskeyButton ceremony="second-step" label="Use a passkey" primary=true />
                            })}
                            <ServerForm action=verify class="form">
                                <FormField
                                    label="Code"
                                    name="code"
                                    autocomplete="one-time-code"
                                    hint=CODE_HINT
                                    field=Field::Code
                                />
                                <FormError />
                                <SubmitButton label="Verify and sign in" busy_label="Checking…" primary=true />
                            </ServerForm>
                            <p class="form-alternative">
                                "Lost your phone and your recovery codes? Write to hello@tracepipe.ai from your account's address."
                            </p>
                        }),
                    }
                } />
            </div>
        </section>
    }
}
