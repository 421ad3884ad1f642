use leptos::prelude::*;

use super::element_view::render_key;
use super::ElementView;
use crate::client::ChatStore;

/// Elements of the thread itself (a task list, …), shown beside the chat.
#[component]
pub fn ThreadElements() -> impl IntoView {
    let store = expect_context::<ChatStore>();
    view! {
        <Show when=move || store.thread_elements.with(|e| !e.is_empty())>
            <aside class="thread-elements">
                <For
                    each=move || store.thread_elements.get()
                    key=render_key
                    let:element
                >
                    <ElementView element/>
                </For>
            </aside>
        </Show>
    }
}
