//! A dialog that is open where the server rendered it and modal once the
//! browser bundle runs: the storefront's one island so far.

use leptos::prelude::*;

/// Open in place as the server rendered it (without scripts: where the page
/// put it, its `autofocus` element focused on load); once this island
/// hydrates, modal: over whatever the reader was looking at, that element
/// focused again, the page behind it inert. The content is server-rendered
/// `children`, never island props: the bundle carries none of it, and a
/// secret shown in it appears once in the page, not again in its data.
#[island]
pub fn ModalDialog(
    /// The dialog's class, for its look.
    #[prop(into)]
    class: String,
    /// The id of the element that names the dialog.
    #[prop(into)]
    labelled_by: String,
    children: Children,
) -> impl IntoView {
    let dialog = NodeRef::<leptos::html::Dialog>::new();
    Effect::new(move || {
        if let Some(dialog) = dialog.get() {
            // Modal only when it was opened (not closed before hydrating).
            if dialog.open() {
                dialog.close();
                let _ = dialog.show_modal();
            }
        }
    });
    view! {
        <dialog class=class node_ref=dialog open aria-labelledby=labelled_by>
            {children()}
        </dialog>
    }
}
