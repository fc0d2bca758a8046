use crate::error::AppError;
use crate::error::Field;
use leptos::prelude::*;

/// A labelled input with its hint and its error, wired for screen readers.
/// The error text comes from the last submission (with or without JavaScript).
#[component]
pub fn FormField(
    label: &'static str,
    name: &'static str,
    #[prop(default = "text")] input_type: &'static str,
    autocomplete: &'static str,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(into)] error: Signal<Option<String>>,
    /// What is stored now, for forms that edit it.
    #[prop(optional, into)]
    value: Option<String>,
    /// The input's id when another form on the page has a field `name`.
    #[prop(optional)]
    id: Option<&'static str>,
) -> impl IntoView {
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

/// A form's submit button: disabled, with a "working" label, while pending.
#[component]
pub fn SubmitButton(
    #[prop(into)] pending: Signal<bool>,
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
            disabled=move || pending.get()
        >
            {move || if pending.get() { busy_label } else { label }}
        </button>
    }
}

/// The message for `field` from the last failed submission, if any.
pub fn field_error(error: Signal<Option<AppError>>, field: Field) -> Signal<Option<String>> {
    Signal::derive(move || match error.get() {
        Some(AppError::Invalid(invalid)) if invalid.field == field => Some(invalid.message),
        _ => None,
    })
}

/// A failure that belongs to the whole form rather than one field.
pub fn form_error(error: Signal<Option<AppError>>) -> impl Fn() -> Option<String> {
    move || match error.get() {
        None | Some(AppError::Invalid(_)) => None,
        Some(other) => Some(other.to_string()),
    }
}
