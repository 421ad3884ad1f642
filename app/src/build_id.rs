//! Which build of the UI rendered a page, so the browser bundle only
//! hydrates markup it was built for.
//!
//! Server and bundle must be built from the same sources and with the same
//! view mode (`--cfg erase_components`, which cargo-leptos sets for its
//! debug builds, changes the markup). Both compile this crate, so both know
//! their id; the server writes its id on `<html>` and the bundle checks it.

/// Attribute on `<html>` carrying the id of the server's build (written
/// literally in `shell`, as the view macro needs).
pub const BUILD_ATTR: &str = "data-loquat-build";

#[cfg(erase_components)]
const VIEW_MODE: &str = "erased";
#[cfg(not(erase_components))]
const VIEW_MODE: &str = "typed";

/// `<version>-<fingerprint of the UI's sources>-<view mode>`.
pub fn build_id() -> String {
    format!(
        "{}-{}-{VIEW_MODE}",
        env!("CARGO_PKG_VERSION"),
        env!("LOQUAT_UI_FINGERPRINT")
    )
}

/// Ok when the page was rendered by a server built like this bundle;
/// otherwise what is wrong and how to fix it.
#[cfg(feature = "hydrate")]
pub fn check_page() -> Result<(), String> {
    let page = leptos::prelude::document()
        .document_element()
        .and_then(|root| root.get_attribute(BUILD_ATTR))
        .unwrap_or_default();
    let bundle = build_id();
    if page == bundle {
        return Ok(());
    }
    Err(format!(
        "Loquat: not hydrating. This page was rendered by a server built from other \
         UI sources or another view mode (server build `{page}`, browser bundle \
         `{bundle}`). If LEPTOS_SITE_ROOT points at a site directory, rebuild it with \
         the server (`cargo leptos build`), or unset it to serve the bundle embedded in \
         the server."
    ))
}
