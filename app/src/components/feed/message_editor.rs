use leptos::html::Textarea;
use leptos::prelude::*;

use crate::client::{self, StepModel};
use crate::i18n::t;
use crate::protocol::ClientEvent;

/// Edits a user message in place. Saving sends the new text: the server
/// removes what followed the message and answers it again.
#[component]
pub fn MessageEditor(model: StepModel, editing: RwSignal<bool>) -> impl IntoView {
    let text = RwSignal::new(model.output.get_untracked());
    let input = NodeRef::<Textarea>::new();
    let id = model.step.with_untracked(|s| s.id.clone());
    let save = move || {
        let content = text.get_untracked();
        if content.trim().is_empty() {
            return;
        }
        let unchanged = model.output.with_untracked(|o| *o == content);
        if unchanged
            || client::send(ClientEvent::EditMessage {
                id: id.clone(),
                content,
            })
        {
            editing.set(false);
        }
    };
    let save_on_click = save.clone();
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| match ev.key().as_str() {
        "Enter" if !ev.shift_key() && !ev.is_composing() => {
            ev.prevent_default();
            save();
        }
        "Escape" => editing.set(false),
        _ => {}
    };
    Effect::new(move |_| {
        if let Some(el) = input.get() {
            let _ = el.focus();
        }
    });
    view! {
        <div class="message-editor">
            <textarea
                node_ref=input
                data-testid="message-edit-input"
                aria-label=t("message.edit")
                rows="3"
                prop:value=move || text.get()
                on:input=move |ev| text.set(event_target_value(&ev))
                on:keydown=on_keydown
            ></textarea>
            <div class="message-editor-actions">
                <button type="button" class="btn btn-ghost btn-small" on:click=move |_| editing.set(false)>
                    {t("common.cancel")}
                </button>
                <button
                    type="button"
                    class="btn btn-primary btn-small"
                    data-testid="message-edit-save"
                    disabled=move || text.with(|t| t.trim().is_empty())
                    on:click=move |_| save_on_click()
                >
                    {t("message.save_rerun")}
                </button>
            </div>
        </div>
    }
}
