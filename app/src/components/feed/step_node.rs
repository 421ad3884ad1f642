use leptos::prelude::*;

use super::{MessageView, StepChildren, StepView};
use crate::client::ChatStore;
use crate::protocol::UiConfig;

/// One item of the thread: a message, a step, or (for a step the `cot`
/// setting hides) just its children.
#[component]
pub fn StepNode(id: String) -> impl IntoView {
    let store = expect_context::<ChatStore>();
    let ui = expect_context::<UiConfig>();
    let Some(model) = store.get(&id) else {
        return ().into_any();
    };
    let step_type = model.step.with_untracked(|s| s.step_type);
    if step_type.is_message() {
        view! { <MessageView model/> }.into_any()
    } else if ui.cot.shows(step_type) {
        view! { <StepView model/> }.into_any()
    } else {
        view! { <StepChildren model/> }.into_any()
    }
}
