use leptos::html::Textarea;
use leptos::prelude::*;

use super::ConversationActions;
use crate::client::{self, ChatStore, ConnectionState};
use crate::protocol::ClientEvent;

/// Tallest the textarea grows before it scrolls (px).
#[cfg(feature = "hydrate")]
const MAX_HEIGHT: i32 = 220;

/// The message box: grows with its text, Enter sends, Shift+Enter breaks the
/// line; Stop shows while a run is active. Sending waits for a connection.
#[component]
pub fn Composer() -> impl IntoView {
    let store = expect_context::<ChatStore>();
    let text = RwSignal::new(String::new());
    let input = NodeRef::<Textarea>::new();
    let connected = move || store.connection.get() == ConnectionState::Connected;
    let can_send = move || connected() && text.with(|t| !t.trim().is_empty());

    let fit = move || {
        #[cfg(feature = "hydrate")]
        if let Some(el) = input.get_untracked() {
            let style = web_sys::HtmlElement::style(&el);
            let _ = style.set_property("height", "auto");
            let height = el.scroll_height().min(MAX_HEIGHT);
            let _ = style.set_property("height", &format!("{height}px"));
        }
    };
    let submit = move || {
        if !can_send() {
            return;
        }
        let content = text.get_untracked();
        if client::send(ClientEvent::Send {
            content,
            files: Vec::new(),
        }) {
            text.set(String::new());
            store.notice.set(None);
            // Wait for the DOM to take the cleared value before measuring.
            request_animation_frame(fit);
        }
    };
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
            ev.prevent_default();
            submit();
        }
    };
    let stop = move |_| {
        client::send(ClientEvent::Stop);
    };

    view! {
        <form
            class="composer"
            on:submit=move |ev| {
                ev.prevent_default();
                submit();
            }
        >
            <ConversationActions/>
            <div class="composer-box">
                <textarea
                    node_ref=input
                    data-testid="composer-input"
                    rows="1"
                    placeholder="Message…"
                    aria-label="Message"
                    prop:value=move || text.get()
                    on:input=move |ev| {
                        text.set(event_target_value(&ev));
                        fit();
                    }
                    on:keydown=on_keydown
                ></textarea>
                <div class="composer-actions">
                    <Show when=move || store.running.get()>
                        <button
                            type="button"
                            class="btn btn-stop"
                            data-testid="composer-stop"
                            title="Stop"
                            on:click=stop
                        >
                            <span class="stop-square" aria-hidden="true"></span>
                            <span class="btn-label">"Stop"</span>
                        </button>
                    </Show>
                    <button
                        type="submit"
                        class="btn btn-primary"
                        data-testid="composer-send"
                        title="Send (Enter)"
                        disabled=move || !can_send()
                    >
                        "Send"
                    </button>
                </div>
            </div>
            <p class="composer-hint">"Enter to send · Shift+Enter for a new line"</p>
        </form>
    }
}
