use crate::i18n::t;
use leptos::prelude::*;

/// The "thinking" indicator: a run is active but has shown nothing lately.
#[component]
pub fn Thinking() -> impl IntoView {
    view! {
        <div class="thinking" data-testid="thinking" role="status" aria-label=t("feed.thinking")>
            <span class="dot"></span>
            <span class="dot"></span>
            <span class="dot"></span>
        </div>
    }
}
