use leptos::prelude::*;

use crate::client::{self, ChatStore, ConnectionState};
use crate::components::icons::{CLEAR, RERUN, UNDO};
use crate::i18n::t;
use crate::protocol::{ClientEvent, ConversationButton, UiConfig};

/// Rerun, undo and clear (as in Panel's ChatInterface; `[UI]
/// conversation_buttons` picks which), shown once the conversation has
/// messages. Each stops an active run first.
#[component]
pub fn ConversationActions() -> impl IntoView {
    let store = expect_context::<ChatStore>();
    let visible = move || !store.roots.with(Vec::is_empty);
    let offline = move || store.connection.get() != ConnectionState::Connected;
    let button =
        move |test_id: &'static str, label: String, icon: &'static str, event: ClientEvent| {
            let title = label.clone();
            view! {
                <button
                    type="button"
                    class="btn btn-ghost btn-small"
                    data-testid=test_id
                    title=title
                    disabled=offline
                    on:click=move |_| {
                        client::send(event.clone());
                    }
                >
                    <span class="btn-icon-svg" inner_html=icon></span>
                    <span>{label}</span>
                </button>
            }
        };
    let shown = StoredValue::new(expect_context::<UiConfig>().interface.buttons);
    let buttons = move || {
        shown
            .get_value()
            .into_iter()
            .map(|b| match b {
                ConversationButton::Rerun => {
                    button("rerun", t("composer.rerun"), RERUN, ClientEvent::Rerun)
                }
                ConversationButton::Undo => {
                    button("undo", t("composer.undo"), UNDO, ClientEvent::Undo)
                }
                ConversationButton::Clear => {
                    button("clear", t("composer.clear"), CLEAR, ClientEvent::Clear)
                }
            })
            .collect_view()
    };
    view! {
        <Show when=visible>
            <div class="conversation-actions">{buttons()}</div>
        </Show>
    }
}
