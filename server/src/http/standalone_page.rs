//! The frame of the pages the server renders whole, without the app's
//! script: the login page and shared threads. Neither is for search
//! engines.

use leptos::prelude::*;
use loquat_app::branding::PageHead;
use loquat_app::i18n::Translations;

/// The stylesheet and the app's look the page's head carries, and the
/// language it is written in.
pub(crate) struct Frame<'a> {
    pub(crate) css_href: &'a str,
    /// Where the app is served from: every address on the page starts there.
    pub(crate) root: &'a loquat_app::root_path::RootPath,
    pub(crate) look: &'a PageHead,
    pub(crate) translations: &'a Translations,
}

/// A complete HTML document: the head (title, Loquat's stylesheet, the
/// app's theme, stylesheets and favicon) and `body`.
pub(crate) fn standalone_page(title: String, frame: &Frame<'_>, body: impl RenderHtml) -> String {
    let look = frame.look;
    let theme = look
        .theme_css
        .clone()
        .map(|css| view! { <style inner_html=frame.root.css_urls(&css)></style> });
    let sheets = look
        .stylesheets
        .iter()
        .map(|href| view! { <link rel="stylesheet" href=frame.root.href(href)/> })
        .collect::<Vec<_>>();
    let head = view! {
        <meta charset="utf-8"/>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <meta name="robots" content="noindex"/>
        <title>{title}</title>
        <link rel="stylesheet" href=frame.root.href(frame.css_href)/>
        {theme}
        {sheets}
        <link rel="icon" href=frame.root.href(&look.favicon)/>
    };
    let lang = frame.translations.lang.clone();
    let dir = frame.translations.dir();
    Owner::new().with(|| {
        format!(
            "<!DOCTYPE html><html lang=\"{}\" dir=\"{dir}\"><head>{}</head><body>{}</body></html>",
            loquat_app::markdown::escape(&lang),
            head.to_html(),
            body.to_html()
        )
    })
}
