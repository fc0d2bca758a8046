use leptos::prelude::*;

#[derive(Clone, Copy, PartialEq)]
enum CopyState {
    Idle,
    Copied,
    Failed,
}

/// A "Copy" button for a snippet shown next to it. It only appears once the
/// page has hydrated: without JavaScript the snippet stays selectable text.
#[component]
pub fn CopyButton(
    /// The exact text placed on the clipboard.
    #[prop(into)]
    text: String,
    /// What is being copied, read after "Copy" by screen readers ("the
    /// first API call"): the visible word stays part of the button's name.
    #[prop(into)]
    what: String,
) -> impl IntoView {
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let state = RwSignal::new(CopyState::Idle);
    let text = StoredValue::new(text);

    let on_click = move |_| {
        leptos::task::spawn_local(async move {
            let copied = write_clipboard(&text.get_value()).await;
            state.set(if copied {
                CopyState::Copied
            } else {
                CopyState::Failed
            });
        });
    };
    view! {
        <Show when=move || hydrated.get()>
            <button type="button" class="copy-button" on:click=on_click>
                {move || match state.get() {
                    CopyState::Copied => "Copied",
                    _ => "Copy",
                }}
                <span class="visually-hidden">{format!(" {what}")}</span>
            </button>
            <span class="copy-status" role="status">
                {move || match state.get() {
                    CopyState::Failed => "Copying was blocked: select the text and copy it.",
                    _ => "",
                }}
            </span>
        </Show>
    }
}

/// Only ever called from a click, which only happens in the browser.
#[cfg(not(feature = "hydrate"))]
async fn write_clipboard(_text: &str) -> bool {
    false
}

#[cfg(feature = "hydrate")]
async fn write_clipboard(text: &str) -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    let promise = window.navigator().clipboard().write_text(text);
    wasm_bindgen_futures::JsFuture::from(promise).await.is_ok()
}
