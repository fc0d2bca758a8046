//! The signed-in account pages: the account page (name,
//! e-mail, password, sessions, recent activity, deletion) and
//! `/confirm-password`. The signed-out pages are in `signed_out_pages`.

use crate::accounts::auth::{AuthActions, FormRefusal, PrivatePage};
use crate::accounts::passkey_pages::{PasskeyButton, PasskeySection, passkeys_available};
use crate::accounts::server_fns::{
    CancelEmailChange, ChangePassword, ConfirmPassword, ConfirmWithCode, EndSession, RemovePasskey,
    RequestEmailChange, SignOutEverywhere, active_sessions, load_passkeys, load_second_factors,
    recent_activity, waiting_email_change,
};
use crate::accounts::two_factor_pages::TwoFactorSummary;
use crate::accounts::{
    ActiveSession, ActivityEntry, PASSWORD_MAX_CHARS, PASSWORD_MIN_CHARS, PasskeyView,
    PendingEmailChange, SecondFactors,
};
use crate::actor::CurrentUser;
use crate::components::{
    FormError, FormField, FormState, Loaded, PageNotice, ServerForm, SubmitButton,
};
use crate::date_label::ShortDate;
use crate::error::AppError;
use crate::error::Field;
use leptos::either::Either;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

pub(super) fn next_param() -> Option<String> {
    use_query_map().with_untracked(|query| query.get("next"))
}

/// Carries `next` through the form post.
#[component]
pub(super) fn NextField() -> impl IntoView {
    view! { <input type="hidden" name="next" value=next_param().unwrap_or_default() /> }
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
                        <Loaded resource=factors retry_href="/confirm-password" children=move |factors: SecondFactors| {
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
    view! {
        <ServerForm action class="form">
            <NextField />
            <FormField
                label="Code from your authenticator app"
                name="code"
                autocomplete="one-time-code"
                hint="Or one of your recovery codes."
                field=Field::Code
            />
            <FormError />
            <SubmitButton label="Confirm" busy_label="Checking…" primary=true />
        </ServerForm>
    }
}

/// `/confirm-password`'s form for an account that signs in with a password alone.
#[component]
fn ConfirmWithPasswordForm() -> impl IntoView {
    let action = ServerAction::<ConfirmPassword>::new();
    view! {
        <ServerForm action class="form">
            <NextField />
            <FormField
                label="Password"
                name="password"
                input_type="password"
                autocomplete="current-password"
                field=Field::CurrentPassword
            />
            <FormError />
            <SubmitButton label="Confirm" busy_label="Checking…" primary=true />
        </ServerForm>
    }
}

#[component]
pub fn AccountPage() -> impl IntoView {
    let change_password = ServerAction::<ChangePassword>::new();
    let sign_out_everywhere = ServerAction::<SignOutEverywhere>::new();
    let end_session = ServerAction::<EndSession>::new();
    let sessions = Resource::new(|| (), |_| active_sessions());
    let email = EmailActions {
        request_change: ServerAction::new(),
        cancel_change: ServerAction::new(),
    };
    let events = Resource::new(|| (), |_| recent_activity());
    let pending = Resource::new(|| (), |_| waiting_email_change());
    let factors = Resource::new(|| (), |_| load_second_factors());
    let remove_passkey = ServerAction::<RemovePasskey>::new();
    let passkeys = Resource::new(|| (), |_| load_passkeys());
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
    let display_name = user.display_name.clone();
    view! {
        <section class="section" aria-labelledby="account-title">
            <div class="container">
                <h1 id="account-title">"Your account"</h1>
                <p class="lead">{format!("Signed in as {}", user.email)}</p>
                // Tracked: with JavaScript, saving the name refetches the user (which
                // renders this page again) and navigates to `?saved=name`, in either order.
                <PageNotice page="/account" />
                <AccountSectionsNav />

                <section class="settings-section" id="profile" aria-label="Profile">
                <h2>"Name"</h2>
                <ServerForm action=rename class="form">
                    <FormField
                        label="Display name"
                        name="display_name"
                        autocomplete="name"
                        value=display_name
                        field=Field::DisplayName
                    />
                    <FormError />
                    <SubmitButton label="Save name" busy_label="Saving…" />
                </ServerForm>

                <EmailSection user=user.clone() email pending />
                </section>

                <section class="settings-section" id="security" aria-label="Security">
                <h2>"Password"</h2>
                <ServerForm action=change_password class="form">
                    <FormField
                        label="Current password"
                        name="current_password"
                        input_type="password"
                        autocomplete="current-password"
                        field=Field::CurrentPassword
                    />
                    <FormField
                        label="New password"
                        name="new_password"
                        input_type="password"
                        autocomplete="new-password"
                        lengths=(PASSWORD_MIN_CHARS, PASSWORD_MAX_CHARS)
                        hint="At least 10 characters. Other sessions will be signed out."
                        field=Field::NewPassword
                    />
                    <FormError />
                    <SubmitButton
                        label="Change password"
                        busy_label="Changing password…"
                    />
                </ServerForm>

                <TwoFactorSummary factors address_confirmed=user.email_verified />
                <PasskeySection passkeys=passkeys.0 remove=passkeys.1 address_confirmed=user.email_verified />
                </section>

                <section class="settings-section" id="sessions" aria-label="Sessions">
                <SessionList sessions />
                <p>"Or end every session but this one:"</p>
                <ServerForm action=sign_out_everywhere class="form">
                    <FormRefusal next="/account" before="signing out other sessions" />
                    <SubmitButton
                        label="Sign out everywhere else"
                        busy_label="Signing out other sessions…"
                    />
                </ServerForm>
                </section>

                <section class="settings-section" id="activity" aria-label="Activity">
                <RecentActivity events />
                </section>
                <section class="settings-section settings-section--danger" id="danger-zone" aria-label="Danger zone">
                <DeleteAccountForm />
                </section>
            </div>
        </section>
    }
}

/// The page's sections, linked from its top: a long page read in parts.
#[component]
fn AccountSectionsNav() -> impl IntoView {
    const SECTIONS: [(&str, &str); 5] = [
        ("#profile", "Profile"),
        ("#security", "Security"),
        ("#sessions", "Sessions"),
        ("#activity", "Activity"),
        ("#danger-zone", "Danger zone"),
    ];
    view! {
        <nav class="pills" aria-label="Account sections">
            <ul>
                {SECTIONS.map(|(href, label)| view! { <li><a href=href>{label}</a></li> }).collect_view()}
            </ul>
        </nav>
    }
}

/// The account's address, whether it is confirmed, and changing it: the
/// password again, then a link to the new address; until it is used the
/// account keeps the old one.
#[component]
fn EmailSection(user: CurrentUser, email: EmailActions, pending: PendingResource) -> impl IntoView {
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
        <Loaded resource=pending retry_href="/account" children=move |pending| {
            pending.map(|pending| view! {
                <div class="notice">
                    <p>
                        {format!("Waiting for you to confirm {}: we sent a link there ", pending.email)}
                        <time datetime=pending.sent.iso>{pending.sent.text}</time>
                        ". Until then, sign in with your current address."
                    </p>
                    <ServerForm action=email.cancel_change class="form">
                        <FormError />
                        <SubmitButton label="Cancel the change" busy_label="Cancelling…" />
                    </ServerForm>
                </div>
            })
        } />
        <ServerForm action=email.request_change class="form">
            <FormField
                label="New e-mail address"
                name="new_email"
                input_type="email"
                autocomplete="email"
                hint="We send a link there; the change is made when you open it."
                field=Field::NewEmail
            />
            <FormField
                label="Account password"
                name="current_password"
                id="field-email-change-password"
                input_type="password"
                autocomplete="current-password"
                field=Field::CurrentPassword
            />
            <FormRefusal next="/account" before="changing your address" />
            <SubmitButton
                label="Change e-mail address"
                busy_label="Sending the link…"
            />
        </ServerForm>
    }
}

/// Where the user is signed in: device, address, since when, last active;
/// any session but this one can be ended.
#[component]
fn SessionList(sessions: SessionsControls) -> impl IntoView {
    FormState::of(sessions.end).provide();
    view! {
        <h2 id="sessions-title">"Sessions"</h2>
        <p>"Where your account is signed in. Don't recognise one? End it, then change your password."</p>
        <FormRefusal next="/account" before="ending a session" />
        <Loaded resource=sessions.list retry_href="/account" children=move |list| view! {
            <table class="table table--stack" aria-labelledby="sessions-title">
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
            <ServerForm action=end class="inline-form">
                <input type="hidden" name="session_id" value=session.id.clone() />
                <button class="button button--secondary button--small" type="submit" aria-label=label>
                    "End"
                </button>
            </ServerForm>
        })
    };
    view! {
        <tr>
            <td data-label="Device">{session.device}</td>
            <td data-label="From">{session.client_address}</td>
            <td data-label="Signed in"><ShortDate date=session.signed_in /></td>
            <td data-label="Last active"><ShortDate date=session.last_active /></td>
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
        <Loaded resource=events retry_href="/account" children=|events| view! { <ActivityTable events /> } />
    }
}

#[component]
fn ActivityTable(events: Vec<ActivityEntry>) -> impl IntoView {
    if events.is_empty() {
        return Either::Left(view! { <p>"Nothing yet."</p> });
    }
    Either::Right(view! {
        <table class="table table--stack" aria-labelledby="activity-title">
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
                                <td data-label="When"><ShortDate date=event.when /></td>
                                <td data-label="What">{what}</td>
                                <td data-label="From">{event.client_address}</td>
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
    view! {
        <h2>"Delete account"</h2>
        <p>
            "This deletes your account, signs out every session and revokes every API key at once. "
            "Usage records go with it. It cannot be undone. An active subscription must be cancelled "
            "first, in " <a href="/billing">"Billing"</a> "."
        </p>
        <ServerForm action=delete class="form">
            <FormField
                label="Your password"
                name="password"
                input_type="password"
                autocomplete="current-password"
                field=Field::CurrentPassword
            />
            <FormError />
            <SubmitButton
                label="Delete my account"
                busy_label="Deleting your account…"
                danger=true
            />
        </ServerForm>
    }
}
