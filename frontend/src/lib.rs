//! The browser bundle: hydrates the page's islands (`#[island]` components
//! in `app`), each where the server rendered it. The rest of every page is
//! server-rendered HTML, so the bundle carries no page, router or list code.

// The islands' hydrate functions are exported from `app`: the crate must be
// linked into this bundle for the browser to find them.
use app as _;

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
}
