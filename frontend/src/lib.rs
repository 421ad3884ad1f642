//! Browser entry point. The generic Loquat UI lives in `loquat-app`; this
//! crate only hydrates it, so every app built on Loquat ships the same bundle.
// Leptos views nest deep types.
#![recursion_limit = "256"]

/// Called by the script cargo-leptos injects into the page.
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    // Readable panics while developing; release builds abort without the formatting code.
    #[cfg(debug_assertions)]
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(loquat_app::App);
}
