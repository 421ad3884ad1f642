use leptos::prelude::*;

use super::StepNode;
use crate::client::StepModel;

/// The nested items of a step or message.
#[component]
pub fn StepChildren(model: StepModel) -> impl IntoView {
    view! {
        <For each=move || model.children.get() key=|id| id.clone() let:id>
            {view! { <StepNode id/> }.into_any()}
        </For>
    }
}
