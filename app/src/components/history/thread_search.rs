use leptos::html::Input;
use leptos::prelude::*;

use crate::components::icons::SEARCH;
use crate::history::MAX_SEARCH_CHARS;
use crate::i18n::t;

/// The search box above the list. It only edits `query`; the sidebar runs
/// the search once typing pauses (and focuses `input` when the overlay
/// opens).
#[component]
pub fn ThreadSearch(query: RwSignal<String>, input: NodeRef<Input>) -> impl IntoView {
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        // Escape clears a search (and closes the overlay only when empty).
        if ev.key() == "Escape" && !query.with_untracked(String::is_empty) {
            ev.stop_propagation();
            query.set(String::new());
        }
    };
    view! {
        <div class="thread-search" role="search">
            <span class="thread-search-icon" inner_html=SEARCH></span>
            <input
                node_ref=input
                type="search"
                data-testid="thread-search"
                placeholder=t("history.search")
                aria-label=t("history.search")
                autocomplete="off"
                spellcheck="false"
                maxlength=MAX_SEARCH_CHARS.to_string()
                prop:value=move || query.get()
                on:input=move |ev| query.set(event_target_value(&ev))
                on:keydown=on_keydown
            />
        </div>
    }
}
