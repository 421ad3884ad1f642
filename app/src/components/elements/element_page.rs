use leptos::prelude::*;

use super::ElementView;
use crate::i18n::t;
use crate::protocol::Element;

/// `/element/<id>`: one element on a page of its own.
#[component]
pub fn ElementPage(element: Element) -> impl IntoView {
    let back = crate::root_path::href(&if element.thread_id.is_empty() {
        "/".to_string()
    } else {
        crate::route::thread_path(&element.thread_id)
    });
    view! {
        <main class="element-page" data-testid="element-page">
            <header class="element-page-head">
                <a class="btn btn-ghost btn-small" href=back data-testid="element-page-back">{t("element.back")}</a>
                <h1>{element.name.clone()}</h1>
            </header>
            <ElementView element/>
        </main>
    }
}
