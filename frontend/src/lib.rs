//! Browser entry point. The generic Loquat UI lives in `loquat-app`; this
//! crate only hydrates it, so every app built on Loquat ships the same bundle.
// Leptos views nest deep types.
#![recursion_limit = "256"]

/// Called by the module script of every page (`loquat_app::site_assets`).
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    // Readable panics while developing; release builds abort without the formatting code.
    #[cfg(debug_assertions)]
    console_error_panic_hook::set_once();
    // Markup from a server built otherwise cannot hydrate: say why, and
    // leave the server-rendered page as it is.
    if let Err(problem) = loquat_app::check_page() {
        leptos::logging::error!("{problem}");
        return;
    }
    // Server functions and every other address start at the app's root path.
    loquat_app::root_path::current();
    // A frame signed in by its sign-in form: the address becomes the page's
    // own before anything reads it.
    loquat_app::access::keep();
    leptos::mount::hydrate_body(loquat_app::App);
}
