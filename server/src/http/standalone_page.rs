//! The frame of the pages the server renders whole, without the app's
//! script: the login page and shared threads. Neither is for search
//! engines.

use leptos::prelude::*;

/// A complete HTML document: the head (title, the app's stylesheet, the
/// favicon) and `body`.
pub(crate) fn standalone_page(title: String, css_href: &str, body: impl RenderHtml) -> String {
    let head = view! {
        <meta charset="utf-8"/>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <meta name="robots" content="noindex"/>
        <title>{title}</title>
        <link rel="stylesheet" href=css_href.to_string()/>
        <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
    };
    Owner::new().with(|| {
        format!(
            "<!DOCTYPE html><html lang=\"en\"><head>{}</head><body>{}</body></html>",
            head.to_html(),
            body.to_html()
        )
    })
}
