use leptos::html::Button;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::state::{describe, HistoryState};
use crate::client::{self, ChatStore};
use crate::history::delete_thread;
use crate::i18n::{i18n, t};
use crate::protocol::ThreadSummary;

/// Asks before deleting a thread. Focus starts on the confirm button and
/// stays in the dialog; Escape, Cancel or a click outside close it.
/// Deleting the thread shown starts a new chat.
#[component]
pub fn DeleteDialog(thread: ThreadSummary, state: HistoryState) -> impl IntoView {
    let store = expect_context::<ChatStore>();
    let pending = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let confirm = NodeRef::<Button>::new();
    let cancel = NodeRef::<Button>::new();

    // The element to give focus back to (the delete button).
    #[cfg(feature = "hydrate")]
    let opener = StoredValue::new_local(document().active_element());
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        if let Some(button) = confirm.get() {
            let _ = button.focus();
        }
    });

    let close = move || {
        if pending.get_untracked() {
            return;
        }
        #[cfg(feature = "hydrate")]
        restore_focus(opener);
        state.pending_delete.set(None);
    };
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| match ev.key().as_str() {
        "Escape" => {
            ev.stop_propagation();
            close();
        }
        // Two buttons: Tab (either way) goes to the other one.
        "Tab" => {
            ev.prevent_default();
            let other = if ev.target() == confirm.get_untracked().map(Into::into) {
                cancel.get_untracked()
            } else {
                confirm.get_untracked()
            };
            if let Some(button) = other {
                let _ = button.focus();
            }
        }
        _ => {}
    };
    let id = thread.id.clone();
    let i18n = StoredValue::new(i18n());
    let delete = move |_| {
        if pending.get_untracked() {
            return;
        }
        pending.set(true);
        error.set(None);
        let id = id.clone();
        spawn_local(async move {
            match delete_thread(id.clone()).await {
                Ok(()) => {
                    state.remove(&id);
                    let shown = store
                        .thread_id
                        .with_untracked(|t| t.as_deref() == Some(id.as_str()));
                    if shown {
                        client::new_chat(store);
                    }
                    state.pending_delete.set(None);
                }
                Err(reason) => {
                    let _ = pending.try_set(false);
                    let _ = error.try_set(Some(
                        i18n.get_value()
                            .t_with("history.delete_failed", &[("reason", &describe(&reason))]),
                    ));
                }
            }
        });
    };

    // The name is shown in bold inside the translated sentence.
    let text = t("history.delete_text");
    let (before, after) = text.split_once("{name}").unwrap_or((text.as_str(), ""));
    let (before, after) = (before.to_string(), after.to_string());
    view! {
        <div class="dialog-backdrop" on:click=move |_| close()>
            <div
                class="dialog"
                role="dialog"
                aria-modal="true"
                aria-labelledby="delete-thread-title"
                aria-describedby="delete-thread-text"
                data-testid="delete-dialog"
                on:click=|ev| ev.stop_propagation()
                on:keydown=on_keydown
            >
                <h2 id="delete-thread-title" class="dialog-title">{t("history.delete_title")}</h2>
                <p id="delete-thread-text" class="dialog-text">
                    {before} <strong>{thread.name.clone()}</strong> {after}
                </p>
                {move || {
                    error.get().map(|reason| view! { <p class="dialog-error" role="alert">{reason}</p> })
                }}
                <div class="dialog-actions">
                    <button
                        type="button"
                        class="btn btn-ghost"
                        data-testid="cancel"
                        node_ref=cancel
                        on:click=move |_| close()
                    >
                        {t("common.cancel")}
                    </button>
                    <button
                        type="button"
                        class="btn btn-danger"
                        data-testid="confirm"
                        node_ref=confirm
                        aria-busy=move || pending.get().to_string()
                        on:click=delete
                    >
                        {move || if pending.get() { t("history.deleting") } else { t("history.delete") }}
                    </button>
                </div>
            </div>
        </div>
    }
}

/// Focuses the element focused before the dialog, if it is still there.
#[cfg(feature = "hydrate")]
fn restore_focus(opener: StoredValue<Option<web_sys::Element>, LocalStorage>) {
    use wasm_bindgen::JsCast;

    opener.with_value(|el| {
        if let Some(el) = el
            .as_ref()
            .filter(|el| el.is_connected())
            .and_then(|el| el.dyn_ref::<web_sys::HtmlElement>())
        {
            let _ = el.focus();
        }
    });
}
