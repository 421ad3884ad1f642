use leptos::html::Textarea;
use leptos::prelude::*;

use super::{AttachmentList, ComposerFiles, ConversationActions};
use crate::client::{self, ChatStore, ConnectionState};
use crate::components::icons::ATTACH;
use crate::protocol::{AskKind, ClientEvent, UiConfig};

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
    let picker = NodeRef::<leptos::html::Input>::new();
    let files = expect_context::<ComposerFiles>().0;
    let uploads = expect_context::<UiConfig>().uploads;
    let can_attach = uploads.is_some();
    let accept = uploads.map(|r| r.accept.join(",")).unwrap_or_default();
    let connected = move || store.connection.get() == ConnectionState::Connected;
    let can_send = move || {
        connected()
            && !files.busy()
            && (text.with(|t| !t.trim().is_empty()) || !files.ready_ids().is_empty())
    };
    let answering = move || {
        store
            .ask
            .with(|a| a.as_ref().is_some_and(|a| matches!(a.kind, AskKind::Text)))
    };

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
            files: untrack(|| files.ready_ids()),
        }) {
            text.set(String::new());
            files.clear();
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
    let on_paste = move |ev: leptos::ev::ClipboardEvent| {
        #[cfg(feature = "hydrate")]
        {
            let pasted = super::file_drop::file_list(ev.clipboard_data().and_then(|d| d.files()));
            if !pasted.is_empty() {
                ev.prevent_default();
                super::file_drop::take_files(pasted);
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = ev;
    };
    let on_pick = move |_| super::file_drop::take_picked(picker);

    view! {
        <form
            class="composer"
            on:submit=move |ev| {
                ev.prevent_default();
                submit();
            }
        >
            <ConversationActions/>
            <AttachmentList attachments=files/>
            <div class="composer-box">
                <Show when=move || can_attach>
                    <button
                        type="button"
                        class="icon-btn attach"
                        data-testid="attach"
                        title="Attach files"
                        aria-label="Attach files"
                        on:click=move |_| {
                            if let Some(el) = picker.get_untracked() {
                                el.click();
                            }
                        }
                        inner_html=ATTACH
                    ></button>
                </Show>
                <input
                    node_ref=picker
                    type="file"
                    multiple=true
                    hidden=true
                    accept=accept.clone()
                    data-testid="attach-input"
                    on:change=on_pick
                />
                <textarea
                    node_ref=input
                    data-testid="composer-input"
                    rows="1"
                    placeholder=move || if answering() { "Your answer…" } else { "Message…" }
                    aria-label="Message"
                    prop:value=move || text.get()
                    on:input=move |ev| {
                        text.set(event_target_value(&ev));
                        fit();
                    }
                    on:keydown=on_keydown
                    on:paste=on_paste
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
    .into_any()
}
