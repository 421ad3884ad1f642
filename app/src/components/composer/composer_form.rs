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
    // What was typed before the page was hydrated, and whether Enter was
    // pressed then (the early script marks it): kept and sent when ready.
    let (typed, early_enter) = early_input();
    let text = RwSignal::new(typed);
    // Enter was pressed while the app was not ready (not hydrated, or not
    // connected yet): the text goes as soon as it can.
    let pending = RwSignal::new(early_enter);
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
            // Not connected yet: keep the text and send it once connected.
            let waiting = store.connection.get_untracked() != ConnectionState::Connected;
            if waiting && text.with_untracked(|t| !t.trim().is_empty()) {
                pending.set(true);
            }
            return;
        }
        pending.set(false);
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
    // The queued text goes once the app can send it; emptying the box
    // takes the queued send back.
    Effect::new(move |_| {
        if !pending.get() {
            return;
        }
        if text.with(|t| t.trim().is_empty()) {
            pending.set(false);
        } else if can_send() {
            submit();
        }
    });
    // Text typed before hydration may span lines: size the box to it.
    Effect::new(move |_| request_animation_frame(fit));
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
            <p class="composer-hint" data-testid="composer-hint" class:pending=move || pending.get()>
                {move || {
                    if pending.get() {
                        "Connecting… your message will be sent when ready"
                    } else {
                        "Enter to send · Shift+Enter for a new line"
                    }
                }}
            </p>
        </form>
    }
    .into_any()
}

/// The composer's text and Enter mark from before hydration: the browser
/// may have shown the server's page for seconds on a slow link, and what the
/// user typed there must not be lost. Only the first composer of the page
/// reads them (later ones are made after hydration).
fn early_input() -> (String, bool) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let document = document();
        let hydrated = document
            .document_element()
            .is_some_and(|root| root.has_attribute("data-hydrated"));
        if hydrated {
            return (String::new(), false);
        }
        let Some(area) = document
            .query_selector("textarea[data-testid=composer-input]")
            .ok()
            .flatten()
            .and_then(|el| el.dyn_into::<web_sys::HtmlTextAreaElement>().ok())
        else {
            return (String::new(), false);
        };
        let enter = area.has_attribute("data-pending-send");
        let _ = area.remove_attribute("data-pending-send");
        (area.value(), enter)
    }
    #[cfg(not(feature = "hydrate"))]
    (String::new(), false)
}
