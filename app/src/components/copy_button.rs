use leptos::prelude::*;

/// A "Copy" button for a snippet shown next to it, run by `/copy.js` on
/// every page, hydrated or not. The page shows it only where that script
/// runs: without JavaScript the snippet stays selectable text.
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
    view! {
        <button type="button" class="copy-button" data-copy=text>
            "Copy"
            <span class="visually-hidden">{format!(" {what}")}</span>
        </button>
        <span class="copy-status" role="status"></span>
    }
}
