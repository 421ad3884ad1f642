//! Where the page loads the browser bundle from, and the tags that load it.
//!
//! Loquat writes these tags itself instead of using Leptos's
//! `HydrationScripts`, whose file names depend on environment variables at
//! the time `leptos` is compiled (`LEPTOS_OUTPUT_NAME` adds or drops a
//! `_bg` suffix): an app built with plain cargo must load the same files as
//! one built by cargo-leptos.

use leptos::prelude::*;

/// URLs of the bundle's files, provided by the server in context. An
/// embedded bundle has versioned URLs (`?v=<content hash>`), cached for good.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SiteAssets {
    pub js: String,
    pub wasm: String,
    pub css: String,
}

impl Default for SiteAssets {
    fn default() -> Self {
        SiteAssets {
            js: "/pkg/loquat.js".into(),
            wasm: "/pkg/loquat.wasm".into(),
            css: "/pkg/loquat.css".into(),
        }
    }
}

/// The stylesheet, the preloads and the module script that hydrates the
/// page (server render only: they live in `<head>`, outside the app).
#[component]
pub fn BundleTags() -> impl IntoView {
    let assets = use_context::<SiteAssets>().unwrap_or_default();
    let root = crate::root_path::current();
    let (js, wasm, css) = (
        root.href(&assets.js),
        root.href(&assets.wasm),
        root.href(&assets.css),
    );
    let nonce = leptos::nonce::use_nonce();
    // `{:?}` quotes and escapes the URLs as JavaScript string literals.
    let script = format!(
        "import init,{{hydrate}} from {js:?};init({{module_or_path:{wasm:?}}}).then(hydrate);"
    );
    view! {
        // `id="leptos"`: cargo-leptos's watch mode swaps this stylesheet live.
        <link rel="stylesheet" id="leptos" href=css/>
        <link rel="modulepreload" href=js/>
        <link rel="preload" href=wasm r#as="fetch" r#type="application/wasm" crossorigin="anonymous"/>
        <script type="module" nonce=nonce inner_html=script></script>
    }
}
