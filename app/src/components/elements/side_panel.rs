use leptos::prelude::*;

use super::element_view::render_key;
use super::ElementView;
use crate::client::ChatStore;
use crate::components::icons::CLOSE;
use crate::i18n::t;

/// The side panel: elements the app put there, or the side element whose
/// link the user clicked.
#[component]
pub fn SidePanelView() -> impl IntoView {
    let store = expect_context::<ChatStore>();
    let title = move || {
        store
            .side_panel
            .with(|p| p.as_ref().map(|p| p.title.clone()).unwrap_or_default())
    };
    let elements = move || {
        store
            .side_panel
            .with(|p| p.as_ref().map(|p| p.elements.clone()).unwrap_or_default())
    };
    view! {
        <Show when=move || store.side_panel.with(|p| p.is_some())>
            <aside class="side-panel" data-testid="side-panel" aria-label=t("element.panel")>
                <header class="side-panel-head">
                    <h2 class="side-panel-title">{title}</h2>
                    <button
                        type="button"
                        class="icon-btn"
                        data-testid="side-panel-close"
                        title=t("common.close")
                        aria-label=t("common.close")
                        on:click=move |_| store.side_panel.set(None)
                        inner_html=CLOSE
                    ></button>
                </header>
                <div class="side-panel-body">
                    <For
                        each=elements
                        key=render_key
                        let:element
                    >
                        <ElementView element/>
                    </For>
                </div>
            </aside>
        </Show>
    }
}
