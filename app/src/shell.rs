use leptos::context::Provider;
use leptos::either::EitherOf3;
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Title};

use crate::branding::PageHead;
use crate::build_id::build_id;
use crate::client::{self, ChatStore};
use crate::components::elements::{ElementPage, SidePanelView};
use crate::components::history::{HistorySidebar, SidebarOpen};
use crate::components::layout::{Header, NotFound};
use crate::components::ChatPage;
use crate::i18n::I18n;
use crate::route::{
    current_page, page_element, ElementPageData, Page, ThreadMissing, ELEMENT_DATA_ID,
};
use crate::site_assets::BundleTags;
use crate::ui_config::{self, CONFIG_ELEMENT_ID};

/// Runs before the app is ready: applies the saved theme before first
/// paint, so a dark page never flashes light; and until the page is
/// hydrated, Enter in the composer does not add a line but marks the text
/// to be sent once the app is ready, and a click on a starter puts its
/// message (and command) in the composer, marked likewise unless the
/// starter only fills it (the composer's draft reads the marks and the text
/// when it hydrates; see `Draft`).
const EARLY_SCRIPT: &str = "var r=document.documentElement,t=null;try{t=localStorage.getItem('loquat.theme')}catch(e){}t=t||r.dataset.defaultTheme;if(t)r.dataset.theme=t;\
document.addEventListener('keydown',function(e){var x=e.target;\
if(e.key!=='Enter'||e.shiftKey||e.isComposing||!x||!x.getAttribute||x.getAttribute('data-testid')!=='composer-input'||document.documentElement.dataset.hydrated)return;\
e.preventDefault();if(x.value.trim())x.setAttribute('data-pending-send','')},true);\
document.addEventListener('click',function(e){var b=e.target&&e.target.closest&&e.target.closest('[data-testid=starter]'),\
x=document.querySelector('[data-testid=composer-input]');if(!b||!x||document.documentElement.dataset.hydrated)return;\
x.value=b.getAttribute('data-message')||'';var c=b.getAttribute('data-command');if(c)x.setAttribute('data-pending-command',c);\
if(b.hasAttribute('data-fill'))x.focus();else x.setAttribute('data-pending-send','')},true);";

/// The HTML document around the app (server side).
pub fn shell(options: LeptosOptions) -> impl IntoView {
    // The nonce Leptos made for this response: the inline scripts carry it
    // and the page's Content-Security-Policy names it.
    let nonce = leptos::nonce::use_nonce();
    #[cfg(feature = "ssr")]
    crate::page_policy::set_headers(nonce.as_deref());
    let ui = ui_config::current();
    let config_json = ui_config::embedded_json(&ui);
    // Tells the browser (which cannot ask the database) to hydrate the
    // not-found page the server rendered.
    let missing = use_context::<ThreadMissing>().map(|_| "");
    // An element page carries its element for the browser to hydrate with.
    let element_json = use_context::<ElementPageData>().map(|data| {
        let json = ui_config::embed_json(&data.0);
        view! { <script type="application/json" id=ELEMENT_DATA_ID inner_html=json></script> }
    });
    let head = use_context::<PageHead>().unwrap_or_else(|| PageHead {
        favicon: "/favicon.svg".into(),
        ..Default::default()
    });
    let default_theme = ui.theme.clone().or_else(|| head.default_theme.clone());
    view! {
        <!DOCTYPE html>
        <html lang=ui.translations.lang.clone() dir=ui.translations.dir() data-not-found=missing data-loquat-build=build_id() data-default-theme=default_theme>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light dark"/>
                <meta name="description" content=ui.description.clone()/>
                <link rel="icon" href=crate::root_path::href(&head.favicon)/>
                <script nonce=nonce.clone() inner_html=EARLY_SCRIPT></script>
                <script type="application/json" id=CONFIG_ELEMENT_ID inner_html=config_json></script>
                {element_json}
                <AutoReload options/>
                <BundleTags/>
                {head_tags(&head, nonce)}
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The app's own look in `<head>`, after Loquat's stylesheet so that it
/// wins: the theme's variables, its fonts and the app's stylesheet, and
/// the app's script.
fn head_tags(head: &PageHead, nonce: Option<leptos::nonce::Nonce>) -> impl IntoView {
    let theme = head
        .theme_css
        .clone()
        .map(|css| crate::root_path::current().css_urls(&css))
        .map(|css| view! { <style nonce=nonce.clone() inner_html=css></style> });
    let sheets = head
        .stylesheets
        .iter()
        .map(|href| view! { <link rel="stylesheet" href=crate::root_path::href(href)/> })
        .collect_view();
    let script = head.script.clone().map(|script| {
        let element = leptos::html::script().attr("src", crate::root_path::href(&script.src));
        script
            .attributes
            .into_iter()
            .fold(element.into_any(), |el, (name, value)| {
                el.attr(name, value.unwrap_or_default()).into_any()
            })
    });
    (theme, sheets, script)
}

/// The app: header, feed and composer, connected to the server.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let ui = ui_config::current();
    let title = ui.name.clone();
    let wide = ui.branding.wide;
    let copilot = ui.copilot;
    let interface = ui.interface.clone();
    let markdown = crate::markdown::Markdown {
        allow_html: ui.unsafe_allow_html,
        latex: ui.latex,
        ..Default::default()
    }
    .translated(&ui.translations);
    provide_context(I18n(std::sync::Arc::new(ui.translations.clone())));
    provide_context(std::sync::Arc::new(markdown));
    provide_context(ui);
    let store = ChatStore::new();
    provide_context(store);

    let page = current_page();
    let initial_thread = match &page {
        Page::Chat { thread_id } => thread_id.clone(),
        Page::Element { .. } | Page::NotFound => None,
    };
    // An element page shows one element and needs no connection.
    let element = match &page {
        Page::Element { .. } => page_element(),
        _ => None,
    };
    let page_missing =
        page == Page::NotFound || (matches!(page, Page::Element { .. }) && element.is_none());
    let standalone = element.is_some();
    // Cleared when the user opens a thread or a new chat from this page.
    store.not_found.set(page_missing);

    // Effects only run in the browser, once the page is hydrated.
    Effect::new(move |_| {
        if !page_missing && !standalone {
            let thread = initial_thread.clone();
            untrack(|| client::start(store, thread));
        }
        if let Some(root) = document().document_element() {
            let _ = root.set_attribute("data-hydrated", "true");
        }
    });

    view! {
        <Title text=title/>
        <Provider value=SidebarOpen::new()>
            <div class="app" class:layout-wide=wide class:no-avatars=!interface.avatars
                class:no-authors=!interface.authors class:no-timestamps=!interface.timestamps
                class:copilot=copilot>
                {(!copilot).then(|| view! { <HistorySidebar/> })}
                <div class="app-main">
                    <Header/>
                    {move || {
                        if store.not_found.get() {
                            EitherOf3::A(view! { <NotFound/> })
                        } else if let Some(element) = element.clone() {
                            EitherOf3::B(view! { <ElementPage element/> })
                        } else {
                            EitherOf3::C(view! { <ChatPage/> })
                        }
                    }}
                </div>
                <SidePanelView/>
            </div>
        </Provider>
    }
}
