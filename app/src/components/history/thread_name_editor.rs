use leptos::html::Input;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::state::{describe, HistoryState};
use crate::history::{rename_thread, MAX_NAME_CHARS};
use crate::i18n::{i18n, t};

/// The name of a thread being renamed: Enter or leaving the field saves,
/// Escape cancels; a refused name stays in the field with the reason.
#[component]
pub fn ThreadNameEditor(
    id: String,
    name: String,
    editing: RwSignal<bool>,
    state: HistoryState,
) -> impl IntoView {
    let text = RwSignal::new(name.clone());
    let error = RwSignal::new(None::<String>);
    let saving = RwSignal::new(false);
    let input = NodeRef::<Input>::new();

    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        if let Some(el) = input.get() {
            let _ = el.focus();
            el.select();
        }
    });

    // Handlers may run while the field is being removed (blur), so every
    // access tolerates disposed signals.
    let save = move || {
        if saving.try_get_untracked() != Some(false) || editing.try_get_untracked() != Some(true) {
            return;
        }
        let Some(new_name) = text.try_with_untracked(|t| t.trim().to_string()) else {
            return;
        };
        if new_name.is_empty() || new_name == name {
            editing.set(false);
            return;
        }
        saving.set(true);
        error.set(None);
        let id = id.clone();
        let i18n = i18n();
        spawn_local(async move {
            match rename_thread(id.clone(), new_name.clone()).await {
                Ok(()) => {
                    let _ = editing.try_set(false);
                    state.rename(&id, new_name);
                }
                Err(reason) => {
                    let _ = saving.try_set(false);
                    let _ = error.try_set(Some(
                        i18n.t_with("history.rename_failed", &[("reason", &describe(&reason))]),
                    ));
                }
            }
        });
    };
    let save_on_blur = save.clone();
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| match ev.key().as_str() {
        "Enter" if !ev.is_composing() => {
            ev.prevent_default();
            save();
        }
        "Escape" => {
            ev.prevent_default();
            ev.stop_propagation();
            editing.set(false);
        }
        _ => {}
    };
    let on_blur = move |_| {
        // Leaving a field that was refused gives up, rather than asking again.
        if error.try_with_untracked(Option::is_some) == Some(true) {
            let _ = editing.try_set(false);
        } else {
            save_on_blur();
        }
    };

    view! {
        <div class="thread-edit">
            <input
                node_ref=input
                class="thread-rename-input"
                data-testid="thread-rename-input"
                aria-label=t("history.name")
                aria-invalid=move || error.with(Option::is_some).to_string()
                maxlength=MAX_NAME_CHARS.to_string()
                readonly=move || saving.get()
                prop:value=move || text.get()
                on:input=move |ev| {
                    text.set(event_target_value(&ev));
                    error.set(None);
                }
                on:keydown=on_keydown
                on:blur=on_blur
            />
            {move || {
                error
                    .get()
                    .map(|reason| {
                        view! {
                            <p class="thread-rename-error" role="alert" data-testid="thread-rename-error">
                                {reason}
                            </p>
                        }
                    })
            }}
        </div>
    }
}
