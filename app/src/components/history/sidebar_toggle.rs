use leptos::either::Either;
use leptos::prelude::*;

use super::history_sidebar::{SIDEBAR_ID, TOGGLE_ID};
use super::sidebar_open::SidebarOpen;
use crate::components::icons::SIDEBAR;
use crate::i18n::t;
use crate::protocol::UiConfig;

/// The header button that opens the history overlay (shown on narrow
/// screens only). Nothing without history.
#[component]
pub fn SidebarToggle() -> impl IntoView {
    let ui = expect_context::<UiConfig>();
    let Some(SidebarOpen(open)) = use_context::<SidebarOpen>().filter(|_| ui.history) else {
        return Either::Left(());
    };
    Either::Right(view! {
        <button
            type="button"
            id=TOGGLE_ID
            class="btn btn-ghost btn-icon sidebar-toggle"
            data-testid="sidebar-toggle"
            title=t("history.title")
            aria-label=t("history.title")
            aria-controls=SIDEBAR_ID
            aria-expanded=move || open.get().to_string()
            on:click=move |_| open.update(|o| *o = !*o)
            inner_html=SIDEBAR
        ></button>
    })
}
