//! Who is signed in, shared by every page: the app-wide user resource, the
//! actions that change it, and the guards for signed-in and signed-out pages.

use crate::accounts::server_fns::{
    ConfirmEmail, DeleteAccount, Login, Logout, Register, ResendConfirmation, ResetPassword,
    UpdateDisplayName, VerifySignIn, signed_in_user,
};
use crate::actor::CurrentUser;
use crate::components::{FormError, FormState, PageMeta, ServerForm, SubmitButton, query_value};
use crate::error::AppError;
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
    /// A password set through a reset link signs its owner in.
    pub reset_password: ServerAction<ResetPassword>,
    /// Confirming an address changes it, or marks it confirmed.
    pub confirm_email: ServerAction<ConfirmEmail>,
    /// The second step of a sign-in signs in.
    pub verify_sign_in: ServerAction<VerifySignIn>,
}

pub type UserResource = Resource<Result<Option<CurrentUser>, AppError>>;

pub fn provide_auth() {
    let actions = AuthActions {
        login: ServerAction::new(),
        register: ServerAction::new(),
        logout: ServerAction::new(),
        delete_account: ServerAction::new(),
        rename: ServerAction::new(),
        reset_password: ServerAction::new(),
        confirm_email: ServerAction::new(),
        verify_sign_in: ServerAction::new(),
    };
    // Blocking: the navigation must be right in the first HTML, with no flash.
    let user: UserResource = Resource::new_blocking(|| (), |_| signed_in_user());
    show_error_from_form_post(&actions);
    provide_context(actions);
    provide_context(user);
}

/// After a form post without JavaScript that its server function refused,
/// the page shows the refusal: carried by the server across the redirect
/// (`support::request::RefusedForm`), or in the address (`__path`,
/// `__err`) as Leptos writes it. Actions created below `<Routes>` read it
/// from the context provided here; these are app-wide, so they read it here.
fn show_error_from_form_post(actions: &AuthActions) {
    use leptos::server_fn::ServerFn;
    use leptos::server_fn::error::ServerFnUrlError;

    let (path, encoded) = match carried_refusal() {
        Some((path, encoded)) => (Some(path), Some(encoded)),
        None => use_query_map().with_untracked(|query| (query.get("__path"), query.get("__err"))),
    };
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
    } else if path == ResetPassword::PATH {
        actions.reset_password.value().set(error);
    } else if path == ConfirmEmail::PATH {
        actions.confirm_email.value().set(error);
    } else if path == VerifySignIn::PATH {
        actions.verify_sign_in.value().set(error);
    }
}

/// The refusal the server carried across to the page it renders (action
/// path, encoded error), also for the actions below `<Routes>`; none in the
/// browser, which never renders such a page first.
fn carried_refusal() -> Option<(String, String)> {
    #[cfg(feature = "ssr")]
    {
        crate::support::request::refused_form().map(|refused| {
            provide_context(leptos::server::ServerActionError::new(
                &refused.action,
                &refused.error,
            ));
            (refused.action, refused.error)
        })
    }
    #[cfg(not(feature = "ssr"))]
    {
        None
    }
}

/// Renders `view` with who is signed in, without a `Suspense` boundary.
///
/// On the server the user is known before rendering starts (the session
/// layer loaded it), so the view renders once, in place. A `Suspense` would
/// walk its children three times there (once to find resources, once to
/// check for more, once to render: leptos#4688), and the guarded page and
/// header are most of each signed-in page.
pub fn with_signed_in_user<V: IntoView + 'static>(
    user: UserResource,
    view: impl Fn(Option<CurrentUser>) -> V + Send + Sync + 'static,
) -> impl IntoView {
    let view = std::sync::Arc::new(view);
    move || {
        let view = view.clone();
        Suspend::new(async move { view(user.await.ok().flatten()) })
    }
}

/// A page for signed-in users only: its head (never indexed), a banner while
/// the account's address is unconfirmed, then `children` with the user, or a
/// redirect to sign-in with a `next` back here.

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
    let resend = ServerAction::<ResendConfirmation>::new();
    view! {
        <PageMeta title description path noindex=true />
        {with_signed_in_user(user, move |signed_in| match signed_in {
            Some(user) => Either::Left(view! {
                {(!user.email_verified)
                    .then(|| view! { <ConfirmEmailBanner email=user.email.clone() resend /> })}
                {children(user)}
            }),
            None => {
                let here = location.pathname.get_untracked();
                Either::Right(view! { <Redirect path=format!("/login?next={}", query_value(&here)) /> })
            }
        })}
    }
}

/// Signed-out only: a signed-in visitor goes to the dashboard instead.
#[component]
pub fn SignedOut(children: ChildrenFn) -> impl IntoView {
    let user = expect_context::<UserResource>();
    with_signed_in_user(user, move |signed_in| match signed_in {
        Some(_) => Either::Left(view! { <Redirect path="/dashboard" /> }),
        None => Either::Right(children()),
    })
}

/// Shown above every signed-in page until the account's address is
/// confirmed: why it matters, and a way to have the link sent again.
#[component]
fn ConfirmEmailBanner(email: String, resend: ServerAction<ResendConfirmation>) -> impl IntoView {
    let query = use_query_map();
    let sent = move || query.with(|query| query.get("confirmation").as_deref() == Some("sent"));
    let here = use_location().pathname.get_untracked();
    // Also for the refusal shown below the form.
    FormState::of(resend).provide();
    view! {
        <section class="confirm-banner" aria-labelledby="confirm-banner-title">
            <div class="container confirm-banner__inner">
                <p>
                    <strong id="confirm-banner-title">"Confirm your e-mail address."</strong>
                    {format!(" We sent a link to {email}: open it to confirm. Creating API keys needs it.")}
                </p>
                <ServerForm action=resend class="confirm-banner__form">
                    <input type="hidden" name="next" value=here />
                    <SubmitButton label="Send a new link" busy_label="Sending…" />
                </ServerForm>
                <Show when=sent>
                    <p role="status">"A new link is on its way. It works once, for 24 hours."</p>
                </Show>
                <FormError />
            </div>
        </section>
    }
}

/// In place of a form that needs a recent sign-in: why, and the way to
/// `/confirm-password`, which comes back to `next`.
#[component]
pub fn ConfirmPasswordFirst(next: &'static str, before: &'static str) -> impl IntoView {
    view! {
        <div class="notice">
            <p>{format!("For your security, confirm it\u{2019}s you before {before}: you signed in a while ago.")}</p>
            <a class="button button--primary" href=format!("/confirm-password?next={next}")>"Confirm it\u{2019}s you"</a>
        </div>
    }
}

/// The form's refusal in words; when the form needs a recent sign-in, the
/// way to `/confirm-password` (back to `next`) in its place.
#[component]
pub fn FormRefusal(next: &'static str, before: &'static str) -> impl IntoView {
    let error = FormState::current().map(|state| state.error);
    let reauth = move || error.is_some_and(|error| error.get() == Some(AppError::ReauthRequired));
    view! {
        <Show when=reauth>
            <ConfirmPasswordFirst next before />
        </Show>
        <Show when=move || !reauth()>
            <FormError />
        </Show>
    }
}
