use crate::error::AppError;
use crate::error::Field;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos::server_fn::client::Client;
use leptos::server_fn::codec::PostUrl;
use leptos::server_fn::request::ClientReq;
use leptos::server_fn::{Http, ServerFn};
use leptos::web_sys::FormData;
use serde::de::DeserializeOwned;

/// What the fields of a form show of its last submission: its refusal, as
/// the server answered the post (see `refused_forms` on the server).
/// `ServerForm` provides it from its action (and `FormState::provide` for a
/// form that posts otherwise); `FormField`, `FormError` and `FieldMessage`
/// inside read it, so a form states its action once.
#[derive(Clone, Copy)]
pub struct FormState {
    pub error: Signal<Option<AppError>>,
}

impl FormState {
    /// The state of `action`'s last submission.
    pub fn of<ServFn>(action: ServerAction<ServFn>) -> Self
    where
        ServFn: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
        ServFn::Output: Clone + Send + Sync + 'static,
    {
        Self {
            error: Signal::derive(move || action.value().get().and_then(Result::err)),
        }
    }

    /// Gives this state to the fields of the calling component's form, for
    /// a form that is no `ServerForm` (one that posts to its page without
    /// JavaScript). A context, not a wrapping component, so that a form's
    /// fields stay its direct children.
    pub fn provide(self) {
        provide_context(self);
    }

    /// The state of the form around the caller, if it is in one.
    pub fn current() -> Option<Self> {
        use_context::<Self>()
    }
}

/// A form that calls a server function: a post (`ActionForm` outside an
/// island) whose refusal comes back to the page, shown by its fields.
#[component]
pub fn ServerForm<ServFn, OutputProtocol>(
    action: ServerAction<ServFn>,
    #[prop(default = "form")] class: &'static str,
    /// In place of the action's own refusal (a page that also shows what a
    /// post without JavaScript answered).
    #[prop(optional, into)]
    error: Option<Signal<Option<AppError>>>,
    children: Children,
) -> impl IntoView
where
    ServFn: DeserializeOwned
        + ServerFn<Protocol = Http<PostUrl, OutputProtocol>, Error = AppError>
        + Clone
        + Send
        + Sync
        + 'static,
    <ServFn as ServerFn>::Client: Client<AppError>,
    <<ServFn::Client as Client<AppError>>::Request as ClientReq<AppError>>::FormData:
        From<FormData>,
    ServFn::Output: Clone + Send + Sync + 'static,
    OutputProtocol: 'static,
{
    let mut state = FormState::of(action);
    if let Some(error) = error {
        state.error = error;
    }
    state.provide();
    view! { <ActionForm action attr:class=class>{children()}</ActionForm> }
}

/// A labelled input with its hint and its error, wired for screen readers.
/// The error text comes from the last submission (with or without JavaScript).
#[component]
pub fn FormField(
    label: &'static str,
    name: &'static str,
    #[prop(default = "text")] input_type: &'static str,
    autocomplete: &'static str,
    #[prop(optional)] hint: Option<&'static str>,
    /// The field a refusal names to show it here (none: the form's errors
    /// are about the whole form, as sign-in's are).
    #[prop(optional)]
    field: Option<Field>,
    /// What is stored now, for forms that edit it.
    #[prop(optional, into)]
    value: Option<String>,
    /// The input's id when another form on the page has a field `name`.
    #[prop(optional)]
    id: Option<&'static str>,
    /// The fewest and most characters the server accepts, for the browser
    /// to check first.
    #[prop(optional)]
    lengths: Option<(usize, usize)>,
) -> impl IntoView {
    let state = FormState::current();
    let error = Signal::derive(move || match (field, state?.error.get()) {
        (Some(field), Some(AppError::Invalid(invalid))) if invalid.field == field => {
            Some(invalid.message)
        }
        _ => None,
    });
    // After a refusal, what the reader typed (never a password), as the
    // server renders such a page.
    #[cfg(feature = "ssr")]
    let value = value.or_else(|| {
        crate::support::request::refused_form()
            .filter(|_| input_type != "password")
            .and_then(|refused| refused.value(name).map(str::to_owned))
    });
    let id = id.map_or_else(|| format!("field-{name}"), str::to_owned);
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let described_by = {
        let (hint_id, error_id) = (hint_id.clone(), error_id.clone());
        move || {
            let mut ids = Vec::new();
            if hint.is_some() {
                ids.push(hint_id.clone());
            }
            if error.get().is_some() {
                ids.push(error_id.clone());
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    view! {
        <div class="field" class:field--invalid=move || error.get().is_some()>
            <label for=id.clone()>{label}</label>
            {hint.map(|hint| view! { <p class="field-hint" id=hint_id.clone()>{hint}</p> })}
            <input
                id=id
                name=name
                type=input_type
                autocomplete=autocomplete
                value=value
                minlength=lengths.map(|(fewest, _)| fewest)
                maxlength=lengths.map(|(_, most)| most)
                required
                aria-invalid=move || error.get().is_some().then_some("true")
                aria-describedby=described_by
            />
            <p class="field-error" id=error_id role="alert">
                {move || error.get()}
            </p>
        </div>
    }
}

/// A form's submit button. While the form's post runs it says
/// `busy_label` and the form takes no second submission (`/forms.js`).
#[component]
pub fn SubmitButton(
    label: &'static str,
    busy_label: &'static str,
    #[prop(default = false)] primary: bool,
    /// Irreversible actions (deleting the account).
    #[prop(default = false)]
    danger: bool,
) -> impl IntoView {
    view! {
        <button
            class="button"
            class:button--primary=primary
            class:button--secondary=!primary && !danger
            class:button--danger=danger
            type="submit"
            data-busy=busy_label
        >
            {label}
        </button>
    }
}

/// The form's refusal that belongs to no one field.
#[component]
pub fn FormError() -> impl IntoView {
    let state = FormState::current();
    let message = move || match state?.error.get() {
        None | Some(AppError::Invalid(_)) => None,
        Some(other) => Some(other.to_string()),
    };
    view! { <p class="form-error" role="alert">{message}</p> }
}

/// The refusal naming `field`, for an input `FormField` does not draw (a
/// group of choices).
#[component]
pub fn FieldMessage(field: Field) -> impl IntoView {
    let state = FormState::current();
    let message = move || match state?.error.get() {
        Some(AppError::Invalid(invalid)) if invalid.field == field => Some(invalid.message),
        _ => None,
    };
    view! { <p class="field-error" role="alert">{message}</p> }
}
