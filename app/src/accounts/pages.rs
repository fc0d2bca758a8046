//! Account pages: register, sign in, dashboard, and the signed-in guard.

use crate::accounts::api::{
    ChangePassword, DeleteAccount, Login, Logout, Register, SignOutEverywhere, UpdateDisplayName,
    recent_activity,
};
use crate::accounts::{ActivityEntry, CurrentUser, Field};
use crate::billing::pages::{RetryNotice, SubscriptionPanel, subscription_resource};
use crate::components::{FormField, PageMeta, SubmitButton};
use crate::error::AppError;
use crate::usage::pages::{GettingStartedPanel, getting_started_resource};
use leptos::either::Either;
use leptos::prelude::*;
use leptos_router::components::Redirect;
use leptos_router::hooks::{use_location, use_query_map};

/// The actions that change who is signed in or how they are shown, shared
/// app-wide so that the signed-in user (the header's name, the account page's
/// form) is refetched whenever one of them completes.
#[derive(Clone, Copy)]
pub struct AuthActions {
    pub login: ServerAction<Login>,
    pub register: ServerAction<Register>,
    pub logout: ServerAction<Logout>,
    pub delete_account: ServerAction<DeleteAccount>,
    pub rename: ServerAction<UpdateDisplayName>,
}

pub type UserResource = Resource<Result<Option<CurrentUser>, AppError>>;

pub fn provide_auth() {
    let actions = AuthActions {
        login: ServerAction::new(),
        register: ServerAction::new(),
        logout: ServerAction::new(),
        delete_account: ServerAction::new(),
        rename: ServerAction::new(),
    };
    // Blocking: the navigation must be right in the first HTML, with no flash.
    let user: UserResource = Resource::new_blocking(
        move || {
            (
                actions.login.version().get(),
                actions.register.version().get(),
                actions.logout.version().get(),
                actions.delete_account.version().get(),
                actions.rename.version().get(),
            )
        },
        |_| super::api::signed_in_user(),
    );
    show_error_from_form_post(&actions);
    provide_context(actions);
    provide_context(user);
}

/// After a form post without JavaScript, the server redirects back with the
/// error in the address (`__path`, `__err`). The router hands it only to
/// actions created below `<Routes>`; these are app-wide, so they read it here.
fn show_error_from_form_post(actions: &AuthActions) {
    use leptos::server_fn::ServerFn;
    use leptos::server_fn::error::ServerFnUrlError;

    let (path, encoded) =
        use_query_map().with_untracked(|query| (query.get("__path"), query.get("__err")));
    let (Some(path), Some(encoded)) = (path, encoded) else {
        return;
    };
    let error = Some(Err(ServerFnUrlError::<AppError>::decode_err(&encoded)));
    if path == Login::PATH {
        actions.login.value().set(error);
    } else if path == Register::PATH {
        actions.register.value().set(error);
    } else if path == DeleteAccount::PATH {
        actions.delete_account.value().set(error);
    } else if path == UpdateDisplayName::PATH {
        actions.rename.value().set(error);
    }
}

/// The message for `field` from the last failed submission, if any.
pub(crate) fn field_error(error: Signal<Option<AppError>>, field: Field) -> Signal<Option<String>> {
    Signal::derive(move || match error.get() {
        Some(AppError::Invalid(invalid)) if invalid.field == field => Some(invalid.message),
        _ => None,
    })
}

/// A failure that belongs to the whole form rather than one field.
pub(crate) fn form_error(error: Signal<Option<AppError>>) -> impl Fn() -> Option<String> {
    move || match error.get() {
        None | Some(AppError::Invalid(_)) => None,
        Some(other) => Some(other.to_string()),
    }
}

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
        Some(next) => format!("{path}?next={}", urlencode(&next)),
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
    view! {
        <PageMeta
            title="Sign in — Tracepipe"
            description="Sign in to manage your Tracepipe plan, API keys and usage."
            path="/login"
        />
        <AuthPanel heading="Sign in" alternative=("New to Tracepipe?", "Create an account", "/register")>
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
        </AuthPanel>
    }
}

/// A page for signed-in users only: its head (never indexed), then
/// `children` with the user, or a redirect to sign-in with a `next` back here.
///
/// Pages create their resources before this, never in `children`: on the
/// server, Leptos walks a Suspense's children more than once (leptos#4688),
/// so a resource created there would load its data once per walk.
#[component]
pub fn PrivatePage<V: IntoView + 'static>(
    title: &'static str,
    description: &'static str,
    /// The page's path, e.g. `/keys`.
    path: &'static str,
    children: impl Fn(CurrentUser) -> V + Send + Sync + 'static,
) -> impl IntoView {
    let user = expect_context::<UserResource>();
    let location = use_location();
    let children = std::sync::Arc::new(children);
    view! {
        <PageMeta title description path noindex=true />
        <Transition>
            {move || {
                let children = children.clone();
                Suspend::new(async move {
                    match user.await {
                        Ok(Some(user)) => Either::Left(children(user)),
                        _ => {
                            let here = location.pathname.get_untracked();
                            Either::Right(view! { <Redirect path=format!("/login?next={}", urlencode(&here)) /> })
                        }
                    }
                })
            }}
        </Transition>
    }
}

/// Signed-out only: a signed-in visitor goes to the dashboard instead.
#[component]
pub fn SignedOut(children: ChildrenFn) -> impl IntoView {
    let user = expect_context::<UserResource>();
    view! {
        <Transition>
            {move || {
                let children = children.clone();
                Suspend::new(async move {
                    match user.await {
                        Ok(Some(_)) => Either::Left(view! { <Redirect path="/dashboard" /> }),
                        _ => Either::Right(children()),
                    }
                })
            }}
        </Transition>
    }
}

#[component]
pub fn DashboardPage() -> impl IntoView {
    // Outside the guard's Suspense, so that they load once (see `PrivatePage`).
    let progress = getting_started_resource();
    let subscription = subscription_resource();
    view! {
        <PrivatePage
            title="Dashboard — Tracepipe"
            description="Your Tracepipe plan, keys and usage."
            path="/dashboard"
            children=move |user: CurrentUser| {
                view! {
                    <section class="section" aria-labelledby="dashboard-title">
                        <div class="container">
                            <h1 id="dashboard-title">{format!("Welcome, {}", user.display_name)}</h1>
                            <div class="dashboard-panels">
                                <GettingStartedPanel progress />
                                <SubscriptionPanel subscription />
                            </div>
                            <DashboardShortcuts />
                        </div>
                    </section>
                }
            }
        />
    }
}

/// The app's places, always linked from the dashboard (the checklist above
/// points only at the next step).
#[component]
fn DashboardShortcuts() -> impl IntoView {
    const SHORTCUTS: &[(&str, &str, &str)] = &[
        (
            "/keys",
            "API keys",
            "Create, list and revoke the keys your code uses.",
        ),
        (
            "/usage",
            "Usage",
            "Requests per day and per key, tokens, estimated cost.",
        ),
        (
            "/billing",
            "Billing",
            "Your plan and its renewal; invoices and cards in Stripe.",
        ),
        (
            "/docs/quickstart",
            "Quickstart",
            "From a key to your first API call.",
        ),
    ];
    view! {
        <nav class="shortcuts" aria-labelledby="shortcuts-title">
            <h2 id="shortcuts-title">"Your workspace"</h2>
            <ul class="shortcut-list">
                {SHORTCUTS
                    .iter()
                    .map(|(href, label, what)| {
                        view! {
                            <li class="shortcut">
                                <a href=*href>{*label}</a>
                                <p>{*what}</p>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </nav>
    }
}

#[component]
pub fn AccountPage() -> impl IntoView {
    // Outside the guard's Suspense, so that the activity loads once (see
    // `PrivatePage`); refetched after the page's own actions add an event.
    let change_password = ServerAction::<ChangePassword>::new();
    let sign_out_everywhere = ServerAction::<SignOutEverywhere>::new();
    let events = Resource::new(
        move || {
            (
                change_password.version().get(),
                sign_out_everywhere.version().get(),
            )
        },
        |_| recent_activity(),
    );
    view! {
        <PrivatePage
            title="Your account — Tracepipe"
            description="Your name, password and sessions."
            path="/account"
            children=move |user: CurrentUser| {
                view! { <AccountSettings user change_password sign_out_everywhere events /> }
            }
        />
    }
}

type ActivityResource = Resource<Result<Vec<ActivityEntry>, AppError>>;

#[component]
fn AccountSettings(
    user: CurrentUser,
    change_password: ServerAction<ChangePassword>,
    sign_out_everywhere: ServerAction<SignOutEverywhere>,
    events: ActivityResource,
) -> impl IntoView {
    let rename = expect_context::<AuthActions>().rename;
    let rename_error = Signal::derive(move || rename.value().get().and_then(Result::err));
    let password_error =
        Signal::derive(move || change_password.value().get().and_then(Result::err));
    let sessions_error =
        Signal::derive(move || sign_out_everywhere.value().get().and_then(Result::err));
    // Tracked: with JavaScript, saving the name refetches the user (which
    // renders this page again) and navigates to `?saved=name`, in either order.
    let query = use_query_map();
    let confirmation = move || match query.with(|query| query.get("saved")).as_deref() {
        Some("name") => Some("Your name is saved."),
        Some("password") => Some("Your password is changed. Every other session was signed out."),
        Some("sessions") => Some("Every other session was signed out."),
        _ => None,
    };
    view! {
        <section class="section" aria-labelledby="account-title">
            <div class="container container--form">
                <h1 id="account-title">"Your account"</h1>
                <p class="lead">{format!("Signed in as {}", user.email)}</p>
                {move || confirmation().map(|text| view! { <p class="notice" role="status">{text}</p> })}

                <h2>"Name"</h2>
                <ActionForm action=rename attr:class="form">
                    <FormField
                        label="Display name"
                        name="display_name"
                        autocomplete="name"
                        value=user.display_name
                        error=field_error(rename_error, Field::DisplayName)
                    />
                    <p class="form-error" role="alert">{form_error(rename_error)}</p>
                    <SubmitButton pending=rename.pending() label="Save name" busy_label="Saving…" />
                </ActionForm>

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

                <h2>"Sessions"</h2>
                <p>"Signed in on a computer you no longer use? End every session but this one."</p>
                <ActionForm action=sign_out_everywhere attr:class="form">
                    <p class="form-error" role="alert">{form_error(sessions_error)}</p>
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

/// The user's security events, newest first.
#[component]
fn RecentActivity(events: ActivityResource) -> impl IntoView {
    view! {
        <h2 id="activity-title">"Recent activity"</h2>
        <p>"Sign-ins, password changes and API keys, with where they came from. Something you don't recognise? Change your password."</p>
        <Transition fallback=|| view! { <p>"Loading your activity…"</p> }>
            {move || Suspend::new(async move {
                match events.await {
                    Ok(events) => Either::Left(view! { <ActivityTable events /> }),
                    Err(error) => Either::Right(view! {
                        <RetryNotice error retry_href="/account".to_owned() />
                    }),
                }
            })}
        </Transition>
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

/// Percent-encodes a path for use as a query value.
pub fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (byte as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}
