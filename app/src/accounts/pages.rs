//! Account pages: register, sign in, recovery, confirming an address, and
//! the account page (name, e-mail, password, sessions, recent activity,
//! deletion).

use crate::accounts::auth::{AuthActions, FormRefusal, PrivatePage};
use crate::accounts::passkey_pages::{PasskeyButton, PasskeySection, passkeys_available};
use crate::accounts::server_fns::{
    CancelEmailChange, ChangePassword, ConfirmPassword, ConfirmWithCode, EndSession, RemovePasskey,
    RequestEmailChange, RequestPasswordReset, SignOutEverywhere, active_sessions,
    email_link_status, load_passkeys, load_second_factors, recent_activity, reset_link_status,
    waiting_email_change,
};
use crate::accounts::two_factor_pages::TwoFactorSummary;
use crate::accounts::{
    ActiveSession, ActivityEntry, EmailLinkPurpose, PasskeyView, PendingEmailChange, SecondFactors,
};
use crate::actor::CurrentUser;
use crate::components::{
    FormField, Loaded, NoticeFromAddress, PageMeta, SubmitButton, field_error, form_error,
    query_value,
};
use crate::error::AppError;
use crate::error::Field;
use leptos::either::Either;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

fn next_param() -> Option<String> {
    use_query_map().with_untracked(|query| query.get("next"))
}

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
                <p class="form-alternative">{question} <a href=href>{link_text}</a></p>
            </div>
        </section>
    }
}

/// Carries `next` through the form post.
#[component]
fn NextField() -> impl IntoView {
    view! { <input type="hidden" name="next" value=next_param().unwrap_or_default() /> }
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
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
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
            <ActionForm action=action attr:class="form">
                <FormField
                    label="E-mail"
                    name="email"
                    input_type="email"
                    autocomplete="email"
                    error=field_error(error, Field::Email)
                />
                <p class="form-error" role="alert">{form_error(error)}</p>
                <SubmitButton pending=action.pending() label="Send the reset link" busy_label="Sending…" primary=true />
            </ActionForm>
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
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    view! {
        <LinkPanel title="Choose a new password — Tracepipe" description=RESET_DESCRIPTION path="/reset-password" heading="Choose a new password">
            <Loaded resource=status loading="Checking your link…" retry_href="/forgot-password" children=move |live| {
                if live {
                    Either::Left(view! {
                        <p class="lead">"Every device signed in to your account will be signed out; this one will be signed in."</p>
                        <ActionForm action=action attr:class="form">
                            <input type="hidden" name="token" value=token() />
                            <FormField
                                label="New password"
                                name="new_password"
                                input_type="password"
                                autocomplete="new-password"
                                hint="At least 10 characters. A few unrelated words work well."
                                error=field_error(error, Field::NewPassword)
                            />
                            <p class="form-error" role="alert">{form_error(error)}</p>
                            <SubmitButton pending=action.pending() label="Set the new password" busy_label="Saving…" primary=true />
                        </ActionForm>
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
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    view! {
        <LinkPanel
            title="Confirm your e-mail address — Tracepipe"
            description="Confirm the e-mail address of your Tracepipe account."
            path="/confirm-email"
            heading="Confirm your e-mail address"
        >
            <Loaded resource=status loading="Checking your link…" retry_href="/account" children=move |link| {
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
                        <ActionForm action=action attr:class="form">
                            <input type="hidden" name="token" value=token() />
                            <p class="form-error" role="alert">{form_error(error)}</p>
                            <SubmitButton pending=action.pending() label="Confirm this address" busy_label="Confirming…" primary=true />
                        </ActionForm>
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

/// `/confirm-password?next=…`: proof of who is using the session before a
/// sensitive change when the sign-in was a while ago (the password, or for
/// an account with two-step verification its code; a passkey either way);
/// then back to `next`.
#[component]
pub fn ConfirmPasswordPage() -> impl IntoView {
    let factors = Resource::new(|| (), |_| load_second_factors());
    view! {
        <PrivatePage
            title="Confirm it's you — Tracepipe"
            description="Confirm who you are before a sensitive change."
            path="/confirm-password"
            children=move |_user: CurrentUser| view! {
                <section class="section auth" aria-labelledby="auth-title">
                    <div class="container container--form">
                        <h1 id="auth-title">"Confirm it’s you"</h1>
                        <Loaded resource=factors loading="" retry_href="/confirm-password" children=move |factors: SecondFactors| {
                            let two_step = factors.authenticator_since.is_some();
                            let with_passkey = factors.passkeys > 0 && passkeys_available();
                            view! {
                                <p class="lead">
                                    "You signed in a while ago. "
                                    {if two_step { "Enter a code from your authenticator app" } else { "Enter your password again" }}
                                    " to make this change (API keys, two-step verification, passkeys, sessions, your address), so that a device left signed in cannot."
                                </p>
                                {if two_step { Either::Left(view! { <ConfirmWithCodeForm /> }) } else { Either::Right(view! { <ConfirmWithPasswordForm /> }) }}
                                {with_passkey.then(|| view! {
                                    <PasskeyButton ceremony="confirm" label="Confirm with a passkey instead" next=next_param().unwrap_or_default() />
                                })}
                            }
                        } />
                    </div>
                </section>
            }
        />
    }
}

/// `/confirm-password`'s form for an account with two-step verification.
#[component]
fn ConfirmWithCodeForm() -> impl IntoView {
    let action = ServerAction::<ConfirmWithCode>::new();
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    view! {
        <ActionForm action attr:class="form">
            <NextField />
            <FormField
                label="Code from your authenticator app"
                name="code"
                autocomplete="one-time-code"
                hint="Or one of your recovery codes."
                error=field_error(error, Field::Code)
            />
            <p class="form-error" role="alert">{form_error(error)}</p>
            <SubmitButton pending=action.pending() label="Confirm" busy_label="Checking…" primary=true />
        </ActionForm>
    }
}

/// `/confirm-password`'s form for an account that signs in with a password alone.
#[component]
fn ConfirmWithPasswordForm() -> impl IntoView {
    let action = ServerAction::<ConfirmPassword>::new();
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    view! {
        <ActionForm action attr:class="form">
            <NextField />
            <FormField
                label="Password"
                name="password"
                input_type="password"
                autocomplete="current-password"
                error=field_error(error, Field::CurrentPassword)
            />
            <p class="form-error" role="alert">{form_error(error)}</p>
            <SubmitButton pending=action.pending() label="Confirm" busy_label="Checking…" primary=true />
        </ActionForm>
    }
}

#[component]
pub fn RegisterPage() -> impl IntoView {
    let action = expect_context::<AuthActions>().register;
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
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
            <ActionForm action=action attr:class="form">
                <NextField />
                <FormField
                    label="Your name"
                    name="display_name"
                    autocomplete="name"
                    error=field_error(error, Field::DisplayName)
                />
                <FormField
                    label="E-mail"
                    name="email"
                    input_type="email"
                    autocomplete="email"
                    error=field_error(error, Field::Email)
                />
                <FormField
                    label="Password"
                    name="password"
                    input_type="password"
                    autocomplete="new-password"
                    hint="At least 10 characters. A few unrelated words work well."
                    error=field_error(error, Field::Password)
                />
                <p class="form-error" role="alert">{form_error(error)}</p>
                <SubmitButton
                    pending=action.pending()
                    label="Create account"
                    busy_label="Creating your account…"
                    primary=true
                />
            </ActionForm>
        </AuthPanel>
    }
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let action = expect_context::<AuthActions>().login;
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    // One message for the whole form: which field was wrong is not revealed.
    let no_field_error = Signal::stored(None::<String>);
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
            <ActionForm action=action attr:class="form">
                <NextField />
                <FormField
                    label="E-mail"
                    name="email"
                    input_type="email"
                    autocomplete="email"
                    error=no_field_error
                />
                <FormField
                    label="Password"
                    name="password"
                    input_type="password"
                    autocomplete="current-password"
                    error=no_field_error
                />
                <p class="form-error" role="alert">{form_error(error)}</p>
                <SubmitButton pending=action.pending() label="Sign in" busy_label="Signing in…" primary=true />
            </ActionForm>
            {passkeys_available().then(|| view! {
                <PasskeyButton ceremony="sign-in" label="Sign in with a passkey" next=next_param().unwrap_or_default() />
            })}
            <p class="form-alternative">
                <a href="/forgot-password">"Forgot your password?"</a>
            </p>
        </AuthPanel>
    }
}

#[component]
pub fn AccountPage() -> impl IntoView {
    // Outside the guard, so that the activity loads once (see
    // `PrivatePage`); refetched after the page's own actions add an event.
    let change_password = ServerAction::<ChangePassword>::new();
    let sign_out_everywhere = ServerAction::<SignOutEverywhere>::new();
    let end_session = ServerAction::<EndSession>::new();
    let sessions = Resource::new(
        move || {
            (
                end_session.version().get(),
                sign_out_everywhere.version().get(),
                change_password.version().get(),
            )
        },
        |_| active_sessions(),
    );
    let email = EmailActions {
        request_change: ServerAction::new(),
        cancel_change: ServerAction::new(),
    };
    let events = Resource::new(
        move || {
            (
                change_password.version().get(),
                sign_out_everywhere.version().get(),
                email.request_change.version().get(),
                end_session.version().get(),
            )
        },
        |_| recent_activity(),
    );
    let pending = Resource::new(
        move || {
            (
                email.request_change.version().get(),
                email.cancel_change.version().get(),
            )
        },
        |_| waiting_email_change(),
    );
    let factors = Resource::new(|| (), |_| load_second_factors());
    let remove_passkey = ServerAction::<RemovePasskey>::new();
    let passkeys = Resource::new(move || remove_passkey.version().get(), |_| load_passkeys());
    view! {
        <PrivatePage
            title="Your account — Tracepipe"
            description="Your name, e-mail address, password and sessions."
            path="/account"
            children=move |user: CurrentUser| {
                view! {
                    <AccountSettings
                        user
                        email
                        pending
                        change_password
                        sign_out_everywhere
                        sessions=SessionsControls { list: sessions, end: end_session }
                        factors
                        passkeys=(passkeys, remove_passkey)
                        events
                    />
                }
            }
        />
    }
}

/// The account page's e-mail forms.
#[derive(Clone, Copy)]
struct EmailActions {
    request_change: ServerAction<RequestEmailChange>,
    cancel_change: ServerAction<CancelEmailChange>,
}

type PendingResource = Resource<Result<Option<PendingEmailChange>, AppError>>;

/// The account page's session list and the form that ends one.
#[derive(Clone, Copy)]
struct SessionsControls {
    list: Resource<Result<Vec<ActiveSession>, AppError>>,
    end: ServerAction<EndSession>,
}

type PasskeysResource = Resource<Result<Vec<PasskeyView>, AppError>>;

type ActivityResource = Resource<Result<Vec<ActivityEntry>, AppError>>;

#[component]
fn AccountSettings(
    user: CurrentUser,
    email: EmailActions,
    pending: PendingResource,
    change_password: ServerAction<ChangePassword>,
    sign_out_everywhere: ServerAction<SignOutEverywhere>,
    sessions: SessionsControls,
    factors: Resource<Result<SecondFactors, AppError>>,
    passkeys: (PasskeysResource, ServerAction<RemovePasskey>),
    events: ActivityResource,
) -> impl IntoView {
    let rename = expect_context::<AuthActions>().rename;
    let rename_error = Signal::derive(move || rename.value().get().and_then(Result::err));
    let password_error =
        Signal::derive(move || change_password.value().get().and_then(Result::err));
    let sessions_error =
        Signal::derive(move || sign_out_everywhere.value().get().and_then(Result::err));
    let display_name = user.display_name.clone();
    view! {
        <section class="section" aria-labelledby="account-title">
            <div class="container container--form">
                <h1 id="account-title">"Your account"</h1>
                <p class="lead">{format!("Signed in as {}", user.email)}</p>
                // Tracked: with JavaScript, saving the name refetches the user (which
                // renders this page again) and navigates to `?saved=name`, in either order.
                <NoticeFromAddress page="/account" />

                <h2>"Name"</h2>
                <ActionForm action=rename attr:class="form">
                    <FormField
                        label="Display name"
                        name="display_name"
                        autocomplete="name"
                        value=display_name
                        error=field_error(rename_error, Field::DisplayName)
                    />
                    <p class="form-error" role="alert">{form_error(rename_error)}</p>
                    <SubmitButton pending=rename.pending() label="Save name" busy_label="Saving…" />
                </ActionForm>

                <EmailSection user=user.clone() email pending />

                <h2>"Password"</h2>
                <ActionForm action=change_password attr:class="form">
                    <FormField
                        label="Current password"
                        name="current_password"
                        input_type="password"
                        autocomplete="current-password"
                        error=field_error(password_error, Field::CurrentPassword)
                    />
                    <FormField
                        label="New password"
                        name="new_password"
                        input_type="password"
                        autocomplete="new-password"
                        hint="At least 10 characters. Other sessions will be signed out."
                        error=field_error(password_error, Field::NewPassword)
                    />
                    <p class="form-error" role="alert">{form_error(password_error)}</p>
                    <SubmitButton
                        pending=change_password.pending()
                        label="Change password"
                        busy_label="Changing password…"
                    />
                </ActionForm>

                <TwoFactorSummary factors address_confirmed=user.email_verified />
                <PasskeySection passkeys=passkeys.0 remove=passkeys.1 address_confirmed=user.email_verified />

                <SessionList sessions />
                <p>"Or end every session but this one:"</p>
                <ActionForm action=sign_out_everywhere attr:class="form">
                    <FormRefusal error=sessions_error next="/account" before="signing out other sessions" />
                    <SubmitButton
                        pending=sign_out_everywhere.pending()
                        label="Sign out everywhere else"
                        busy_label="Signing out other sessions…"
                    />
                </ActionForm>

                <RecentActivity events />
                <DeleteAccountForm />
            </div>
        </section>
    }
}

/// The account's address, whether it is confirmed, and changing it: the
/// password again, then a link to the new address; until it is used the
/// account keeps the old one.
#[component]
fn EmailSection(user: CurrentUser, email: EmailActions, pending: PendingResource) -> impl IntoView {
    let request_error =
        Signal::derive(move || email.request_change.value().get().and_then(Result::err));
    let cancel_error =
        Signal::derive(move || email.cancel_change.value().get().and_then(Result::err));
    let state = if user.email_verified {
        "Confirmed."
    } else {
        "Not confirmed yet: open the link we sent to it (see above)."
    };
    view! {
        <h2>"E-mail address"</h2>
        <p>
            <strong>{user.email.clone()}</strong>
            " — "
            {state}
        </p>
        <Loaded resource=pending loading="Loading your e-mail settings…" retry_href="/account" children=move |pending| {
            pending.map(|pending| view! {
                <div class="notice">
                    <p>
                        {format!("Waiting for you to confirm {}: we sent a link there ", pending.email)}
                        <time datetime=pending.sent.iso>{pending.sent.text}</time>
                        ". Until then, sign in with your current address."
                    </p>
                    <ActionForm action=email.cancel_change attr:class="form">
                        <p class="form-error" role="alert">{form_error(cancel_error)}</p>
                        <SubmitButton pending=email.cancel_change.pending() label="Cancel the change" busy_label="Cancelling…" />
                    </ActionForm>
                </div>
            })
        } />
        <ActionForm action=email.request_change attr:class="form">
            <FormField
                label="New e-mail address"
                name="new_email"
                input_type="email"
                autocomplete="email"
                hint="We send a link there; the change is made when you open it."
                error=field_error(request_error, Field::NewEmail)
            />
            <FormField
                label="Account password"
                name="current_password"
                id="field-email-change-password"
                input_type="password"
                autocomplete="current-password"
                error=field_error(request_error, Field::CurrentPassword)
            />
            <FormRefusal error=request_error next="/account" before="changing your address" />
            <SubmitButton
                pending=email.request_change.pending()
                label="Change e-mail address"
                busy_label="Sending the link…"
            />
        </ActionForm>
    }
}

/// Where the user is signed in: device, address, since when, last active;
/// any session but this one can be ended.
#[component]
fn SessionList(sessions: SessionsControls) -> impl IntoView {
    let error = Signal::derive(move || sessions.end.value().get().and_then(Result::err));
    view! {
        <h2 id="sessions-title">"Sessions"</h2>
        <p>"Where your account is signed in. Don't recognise one? End it, then change your password."</p>
        <FormRefusal error next="/account" before="ending a session" />
        <Loaded resource=sessions.list loading="Loading your sessions…" retry_href="/account" children=move |list| view! {
            <table class="table sessions" aria-labelledby="sessions-title">
                <thead>
                    <tr>
                        <th scope="col">"Device"</th>
                        <th scope="col">"From"</th>
                        <th scope="col">"Signed in"</th>
                        <th scope="col">"Last active"</th>
                        <th scope="col"><span class="visually-hidden">"Action"</span></th>
                    </tr>
                </thead>
                <tbody>
                    {list
                        .into_iter()
                        .map(|session| view! { <SessionRow session end=sessions.end /> })
                        .collect_view()}
                </tbody>
            </table>
        } />
    }
}

#[component]
fn SessionRow(session: ActiveSession, end: ServerAction<EndSession>) -> impl IntoView {
    let action = if session.current {
        Either::Left(view! { <strong>"This device"</strong> })
    } else {
        let label = format!(
            "End the session of {} from {}",
            session.device, session.client_address
        );
        Either::Right(view! {
            <ActionForm action=end attr:class="inline-form">
                <input type="hidden" name="session_id" value=session.id.clone() />
                <button class="button button--secondary button--small" type="submit" aria-label=label>
                    "End"
                </button>
            </ActionForm>
        })
    };
    view! {
        <tr>
            <td>{session.device}</td>
            <td>{session.client_address}</td>
            <td><time datetime=session.signed_in.iso>{session.signed_in.text}</time></td>
            <td><time datetime=session.last_active.iso>{session.last_active.text}</time></td>
            <td>{action}</td>
        </tr>
    }
}

/// The user's security events, newest first.
#[component]
fn RecentActivity(events: ActivityResource) -> impl IntoView {
    view! {
        <h2 id="activity-title">"Recent activity"</h2>
        <p>"Sign-ins, password and e-mail changes and API keys, with where they came from. Something you don't recognise? Change your password."</p>
        <Loaded resource=events loading="Loading your activity…" retry_href="/account" children=|events| view! { <ActivityTable events /> } />
    }
}

#[component]
fn ActivityTable(events: Vec<ActivityEntry>) -> impl IntoView {
    if events.is_empty() {
        return Either::Left(view! { <p>"Nothing yet."</p> });
    }
    Either::Right(view! {
        <table class="table activity" aria-labelledby="activity-title">
            <thead>
                <tr>
                    <th scope="col">"When"</th>
                    <th scope="col">"What"</th>
                    <th scope="col">"From"</th>
                </tr>
            </thead>
            <tbody>
                {events
                    .into_iter()
                    .map(|event| {
                        let what = if event.detail.is_empty() {
                            event.kind.label().to_owned()
                        } else {
                            format!("{}: {}", event.kind.label(), event.detail)
                        };
                        view! {
                            <tr data-event=event.kind.as_str()>
                                <td><time datetime=event.when.iso>{event.when.text}</time></td>
                                <td>{what}</td>
                                <td>{event.client_address}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    })
}

/// Deleting the account: the password again, and a plain statement of what goes.
#[component]
fn DeleteAccountForm() -> impl IntoView {
    let delete = expect_context::<AuthActions>().delete_account;
    let error = Signal::derive(move || delete.value().get().and_then(Result::err));
    view! {
        <h2>"Delete account"</h2>
        <p>
            "This deletes your account, signs out every session and revokes every API key at once. "
            "Usage records go with it. It cannot be undone. An active subscription must be cancelled "
            "first, in " <a href="/billing">"Billing"</a> "."
        </p>
        <ActionForm action=delete attr:class="form">
            <FormField
                label="Your password"
                name="password"
                input_type="password"
                autocomplete="current-password"
                error=field_error(error, Field::CurrentPassword)
            />
            <p class="form-error" role="alert">{form_error(error)}</p>
            <SubmitButton
                pending=delete.pending()
                label="Delete my account"
                busy_label="Deleting your account…"
                danger=true
            />
        </ActionForm>
    }
}
