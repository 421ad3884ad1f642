use leptos::prelude::*;

use super::element_view::render_key;
use super::ElementView;
use crate::client::StepModel;
use crate::protocol::Display;

/// The inline elements of a message, under its content. Side and page
/// elements are reached through the links on their names in the text.
#[component]
pub fn MessageElements(model: StepModel) -> impl IntoView {
    let inline = move || {
        model.elements.with(|elements| {
            elements
                .iter()
                .filter(|e| e.display == Display::Inline)
                .cloned()
                .collect::<Vec<_>>()
        })
    };
    view! {
        <Show when=move || model.elements.with(|e| e.iter().any(|e| e.display == Display::Inline))>
            <div class="message-elements">
                <For each=inline key=render_key let:element>
                    <ElementView element/>
                </For>
            </div>
        </Show>
    }
}
