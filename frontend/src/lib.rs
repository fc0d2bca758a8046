//! The browser bundle: hydrates the server-rendered page, fetching the code
//! of lazily loaded routes (split into their own wasm files) as needed.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_lazy(app::App);
}
