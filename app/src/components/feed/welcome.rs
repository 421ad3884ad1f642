use leptos::prelude::*;

use crate::protocol::UiConfig;

/// Shown while the thread is empty.
#[component]
pub fn Welcome() -> impl IntoView {
    let ui = expect_context::<UiConfig>();
    let description = if ui.description.is_empty() {
        "Ask anything to start the conversation.".to_string()
    } else {
        ui.description.clone()
    };
    view! {
        <div class="welcome" data-testid="welcome">
            <div class="welcome-mark" aria-hidden="true">{ui.name.chars().next().unwrap_or('L').to_string()}</div>
            <h1>{ui.name.clone()}</h1>
            <p>{description}</p>
        </div>
    }
}
