use leptos::prelude::*;

use super::StepNode;
use crate::client::StepModel;
use crate::components::erased;

/// The nested items of a step or message. A step's children are steps:
/// the one place where a view holds its own type, so it is erased here
/// (see [`erased`] for why not with `into_any()`).
#[component]
pub fn StepChildren(model: StepModel) -> impl IntoView {
    view! {
        <For each=move || model.children.get() key=|id| id.clone() let:id>
            {erased(view! { <StepNode id/> })}
        </For>
    }
}
