use leptos::either::EitherOf4;
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
        return EitherOf4::A(());
    };
    let step_type = model.step.with_untracked(|s| s.step_type);
    if step_type.is_message() {
        EitherOf4::B(view! { <MessageView model/> })
    } else if ui.cot.shows(step_type) {
        EitherOf4::C(view! { <StepView model/> })
    } else {
        EitherOf4::D(view! { <StepChildren model/> })
    }
}
