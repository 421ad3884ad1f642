use leptos::either::Either;
use leptos::prelude::*;

use super::sidebar_open::SidebarOpen;
use super::state::HistoryState;
use super::thread_name_editor::ThreadNameEditor;
use super::thread_snippet::ThreadSnippet;
use crate::client::{self, ChatStore};
use crate::components::icons::{DELETE, RENAME};
use crate::i18n::{t, t_with};
use crate::protocol::ThreadSummary;
use crate::route::thread_path;

/// One thread of the list: a link that opens it (with the passage that
/// matched, in search results), and (on hover, focus, or always for the
/// current one) rename and delete buttons.
#[component]
pub fn ThreadItem(thread: ThreadSummary, state: HistoryState) -> impl IntoView {
    let store = expect_context::<ChatStore>();
    let overlay = use_context::<SidebarOpen>();
    let editing = RwSignal::new(false);
    let ThreadSummary {
        id, name, snippet, ..
    } = thread.clone();

    let current = Memo::new({
        let id = id.clone();
        move |_| store.thread_id.with(|t| t.as_deref() == Some(id.as_str()))
    });
    let open = {
        let id = id.clone();
        move |ev: leptos::ev::MouseEvent| {
            // Modified clicks keep the link's own meaning (a new tab…).
            if ev.button() != 0 || ev.ctrl_key() || ev.meta_key() || ev.shift_key() || ev.alt_key()
            {
                return;
            }
            ev.prevent_default();
            client::open_thread(store, id.clone());
            if let Some(overlay) = overlay {
                overlay.close();
            }
        }
    };
    let row = {
        let (id, name) = (id.clone(), name.clone());
        move || {
            if editing.get() {
                let (id, name) = (id.clone(), name.clone());
                return Either::Left(view! { <ThreadNameEditor id name editing state/> });
            }
            let thread = thread.clone();
            let snippet = snippet
                .clone()
                .map(|snippet| view! { <ThreadSnippet snippet/> });
            Either::Right(view! {
                <a class="thread-link" href=crate::root_path::href(&thread_path(&id)) title=name.clone() on:click=open.clone()>
                    <span class="thread-name" data-testid="thread-name">{name.clone()}</span>
                    {snippet}
                </a>
                <div class="thread-actions">
                    <button
                        type="button"
                        class="icon-btn"
                        data-testid="thread-rename"
                        title=t("history.rename")
                        aria-label=t_with("history.rename_named", &[("name", &name)])
                        on:click=move |_| editing.set(true)
                        inner_html=RENAME
                    ></button>
                    <button
                        type="button"
                        class="icon-btn thread-delete"
                        data-testid="thread-delete"
                        title=t("history.delete")
                        aria-label=t_with("history.delete_named", &[("name", &name)])
                        aria-haspopup="dialog"
                        on:click=move |_| state.pending_delete.set(Some(thread.clone()))
                        inner_html=DELETE
                    ></button>
                </div>
            })
        }
    };
    view! {
        <li
            class="thread-item"
            class:current=move || current.get()
            class:editing=move || editing.get()
            data-testid="thread-item"
            data-thread-id=id
            aria-current=move || current.get().then_some("page")
        >
            {row}
        </li>
    }
}
