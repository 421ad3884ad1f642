use leptos::either::Either;
use leptos::html::Input;
use leptos::prelude::*;

use super::delete_dialog::DeleteDialog;
use super::sidebar_open::SidebarOpen;
use super::state::HistoryState;
use super::thread_list::ThreadList;
use super::thread_search::ThreadSearch;
use crate::client::ChatStore;
use crate::components::icons::CLOSE;
use crate::i18n::t;
use crate::protocol::UiConfig;

/// How long typing must pause before a search runs.
#[cfg(feature = "hydrate")]
const SEARCH_DEBOUNCE: std::time::Duration = std::time::Duration::from_millis(250);

/// Id of the sidebar, for the header's toggle (`aria-controls`).
pub(super) const SIDEBAR_ID: &str = "history-sidebar";

/// Id of the header's toggle, which gets focus back when the overlay closes.
pub(super) const TOGGLE_ID: &str = "history-toggle";

/// The user's conversations, left of the chat (an overlay on narrow
/// screens, opened from the header). Nothing at all without history.
#[component]
pub fn HistorySidebar() -> impl IntoView {
    let ui = expect_context::<UiConfig>();
    if !ui.history {
        return Either::Left(());
    }
    let store = expect_context::<ChatStore>();
    let open = use_context::<SidebarOpen>().unwrap_or_default();
    let state = HistoryState::new(store);
    let query = RwSignal::new(String::new());
    let search_input = NodeRef::<Input>::new();

    // Effects run in the browser only: the first run fetches the list, later
    // ones search once typing pauses (a keystroke cancels the pending one).
    Effect::new(move |previous: Option<()>| {
        let text = query.get();
        if previous.is_none() {
            state.reload(&text);
        } else if !state.answers(&text) {
            search_after_pause(state, text);
        }
    });
    Effect::new(move |_| {
        if let Some(update) = store.thread_update.get() {
            state.apply_update(update);
        }
    });
    // The overlay takes focus when it opens and gives it back when it closes.
    #[cfg(feature = "hydrate")]
    Effect::new(move |was_open: Option<bool>| {
        let is_open = open.0.get();
        if is_open {
            if let Some(input) = search_input.get_untracked() {
                let _ = input.focus();
            }
        } else if was_open == Some(true) {
            return_focus_to_toggle();
        }
        is_open
    });

    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Escape" {
            open.close();
        }
    };
    Either::Right(view! {
        <aside
            id=SIDEBAR_ID
            class="sidebar"
            class:open=move || open.0.get()
            aria-label=t("history.title")
            data-testid="history-sidebar"
            on:keydown=on_keydown
        >
            <div class="sidebar-top">
                <ThreadSearch query input=search_input/>
                <button
                    type="button"
                    class="icon-btn sidebar-close"
                    title=t("history.close")
                    aria-label=t("history.close")
                    on:click=move |_| open.close()
                    inner_html=CLOSE
                ></button>
            </div>
            <ThreadList state/>
        </aside>
        <Show when=move || open.0.get()>
            <div class="sidebar-backdrop" aria-hidden="true" on:click=move |_| open.close()></div>
        </Show>
        {move || state.pending_delete.get().map(|thread| view! { <DeleteDialog thread state/> })}
    })
}

/// Searches once typing pauses. Called from an effect: its next run (the
/// next keystroke) cancels the pending search.
fn search_after_pause(state: HistoryState, text: String) {
    #[cfg(feature = "hydrate")]
    if let Ok(handle) = set_timeout_with_handle(move || state.reload(&text), SEARCH_DEBOUNCE) {
        on_cleanup(move || handle.clear());
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (state, text);
}

/// Focuses the header's toggle if focus was left in the closed overlay.
#[cfg(feature = "hydrate")]
fn return_focus_to_toggle() {
    use wasm_bindgen::JsCast;

    let document = document();
    let inside = document.active_element().is_some_and(|el| {
        el.closest(&format!("#{SIDEBAR_ID}"))
            .ok()
            .flatten()
            .is_some()
    });
    let toggle = document
        .get_element_by_id(TOGGLE_ID)
        .and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok());
    if let (true, Some(toggle)) = (inside, toggle) {
        let _ = toggle.focus();
    }
}
