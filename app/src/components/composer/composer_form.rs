use leptos::html::Textarea;
use leptos::prelude::*;

use super::command_menu::{command_buttons, command_chip, command_menu, menu_matches};
use super::{AttachmentList, ComposerFiles, ConversationActions, Draft, McpControl, VoiceControls};
use crate::client::{self, ChatStore, ConnectionState};
use crate::components::icons::ATTACH;
use crate::components::settings::SettingsControl;
use crate::i18n::t;
use crate::protocol::{AskKind, ClientEvent, SettingsLocation, UiConfig};

/// Tallest the textarea grows before it scrolls (px).
#[cfg(feature = "hydrate")]
const MAX_HEIGHT: i32 = 220;

/// The message box: grows with its text, Enter sends, Shift+Enter breaks the
/// line; Stop shows while a run is active. Sending waits for a connection.
#[component]
pub fn Composer() -> impl IntoView {
    let store = expect_context::<ChatStore>();
    // What was typed (or a starter clicked) before the page was hydrated
    // is in the draft: kept, and sent when ready if Enter was pressed.
    let draft = expect_context::<Draft>();
    let Draft {
        text,
        pending,
        command,
    } = draft;
    let input = NodeRef::<Textarea>::new();
    let picker = NodeRef::<leptos::html::Input>::new();
    let files = expect_context::<ComposerFiles>().0;
    let ui = expect_context::<UiConfig>();
    let uploads = ui.uploads;
    let placeholder = ui.interface.placeholder;
    let answer_placeholder = t("composer.answer_placeholder");
    let can_attach = uploads.is_some();
    let accept = uploads.map(|r| r.accept.join(",")).unwrap_or_default();
    let connected = move || store.connection.get() == ConnectionState::Connected;
    let can_send = move || {
        connected()
            && !files.busy()
            && (text.with(|t| !t.trim().is_empty()) || !files.ready_ids().is_empty())
    };
    // The `/` menu: open while the text is `/word` matching a command,
    // until Escape.
    let matches = Memo::new(move |_| text.with(|t| store.commands.with(|c| menu_matches(c, t))));
    let index = RwSignal::new(0usize);
    let dismissed = RwSignal::new(false);
    let menu_open = move || !dismissed.get() && matches.with(|m| !m.is_empty());
    let pick = move |id: String| {
        command.set(Some(id));
        text.set(String::new());
        index.set(0);
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
        let picked = command.get_untracked();
        if client::send(ClientEvent::Send {
            content,
            files: untrack(|| files.ready_ids()),
            command: picked.clone(),
        }) {
            text.set(String::new());
            files.clear();
            // A persistent command stays picked for the next message.
            let keep = picked.is_some_and(|id| {
                store
                    .commands
                    .with_untracked(|c| c.iter().any(|c| c.id == id && c.persistent))
            });
            if !keep {
                command.set(None);
            }
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
        if !ev.is_composing() && menu_open() {
            let count = matches.with_untracked(Vec::len);
            match ev.key().as_str() {
                "ArrowDown" => {
                    ev.prevent_default();
                    index.update(|i| *i = (*i + 1) % count);
                    return;
                }
                "ArrowUp" => {
                    ev.prevent_default();
                    index.update(|i| *i = (*i + count - 1) % count);
                    return;
                }
                "Enter" | "Tab" if !ev.shift_key() => {
                    ev.prevent_default();
                    let chosen = matches
                        .with_untracked(|m| m.get(index.get_untracked()).map(|c| c.id.clone()));
                    if let Some(id) = chosen {
                        pick(id);
                    }
                    return;
                }
                "Escape" => {
                    ev.prevent_default();
                    dismissed.set(true);
                    return;
                }
                _ => {}
            }
        }
        if ev.key() == "Backspace" && text.with_untracked(String::is_empty) {
            // Backspace in an empty box drops the picked command.
            command.set(None);
        }
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
            <Show when=menu_open>{command_menu(matches, index, pick)}</Show>
            <div class="composer-box">
                <SettingsControl place=SettingsLocation::Composer/>
                <McpControl/>
                <Show when=move || can_attach>
                    <button
                        type="button"
                        class="icon-btn attach"
                        data-testid="attach"
                        title=t("composer.attach")
                        aria-label=t("composer.attach")
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
                {command_chip(command)}
                <textarea
                    node_ref=input
                    data-testid="composer-input"
                    rows="1"
                    placeholder=move || if answering() { answer_placeholder.clone() } else { placeholder.clone() }
                    aria-label=t("composer.message")
                    prop:value=move || text.get()
                    on:input=move |ev| {
                        text.set(event_target_value(&ev));
                        dismissed.set(false);
                        index.set(0);
                        fit();
                    }
                    on:keydown=on_keydown
                    on:paste=on_paste
                ></textarea>
                <div class="composer-actions">
                    <VoiceControls/>
                    <Show when=move || store.running.get()>
                        <button
                            type="button"
                            class="btn btn-stop"
                            data-testid="composer-stop"
                            title=t("composer.stop")
                            on:click=stop
                        >
                            <span class="stop-square" aria-hidden="true"></span>
                            <span class="btn-label">{t("composer.stop")}</span>
                        </button>
                    </Show>
                    <button
                        type="submit"
                        class="btn btn-primary"
                        data-testid="composer-send"
                        title=t("composer.send_hint")
                        disabled=move || !can_send()
                    >
                        {t("composer.send")}
                    </button>
                </div>
            </div>
            {command_buttons(store, command)}
            <p class="composer-hint" data-testid="composer-hint" class:pending=move || pending.get()>
                {move || {
                    if pending.get() {
                        t("composer.pending")
                    } else {
                        t("composer.hint")
                    }
                }}
            </p>
        </form>
    }
}
