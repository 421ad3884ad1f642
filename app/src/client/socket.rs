//! The browser's WebSocket: connects, says hello with the last applied
//! sequence, feeds frames to the store, and reconnects with backoff.
//!
//! The socket is `gloo-net`'s: one task per connection sends what
//! [`send`] queues and applies what arrives; replacing the connection
//! drops its queue, which ends the task and closes the socket. (Measured:
//! `gloo-net` here and for the fetch calls, instead of `web-sys`
//! callbacks, costs 4.6 KB of the first load, brotli; its limit is 5 KB.)

use std::cell::{Cell, RefCell};

use futures::future::{select, Either};
use futures::{SinkExt, StreamExt};
use gloo_net::websocket::{futures::WebSocket, Message, WebSocketError};
use leptos::prelude::*;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

use super::store::Applied;
use super::{ChatStore, ConnectionState, ThreadChange};
use crate::i18n::I18n;
use crate::protocol::{ClientEvent, Envelope, CLOSE_SIGNED_OUT, WS_PATH};
use crate::route::{current_path, page_for, thread_path, Page};

/// The open connection's queue of frames to send: JSON events, and the
/// microphone's chunks as binary frames (see `protocol::audio`).
type Outbox = futures::channel::mpsc::UnboundedSender<Message>;

const SESSION_KEY: &str = "loquat.session";
const MAX_BACKOFF_MS: i32 = 5_000;

thread_local! {
    static SOCKET: RefCell<Option<Outbox>> = const { RefCell::new(None) };
    static ATTEMPT: Cell<u32> = const { Cell::new(0) };
    /// Incremented whenever a socket is replaced, so stale callbacks know.
    static GENERATION: Cell<u32> = const { Cell::new(0) };
    /// The server's frame limit, and the store that shows a refusal.
    static LIMIT: Cell<(usize, Option<ChatStore>)> = const { Cell::new((usize::MAX, None)) };
    /// The page's strings, for the refusal (socket code runs outside the
    /// component tree).
    static I18N: RefCell<I18n> = RefCell::new(I18n::default());
    /// Set once the page sends its sign-out form: it is going away.
    static SIGNING_OUT: Cell<bool> = const { Cell::new(false) };
    /// The page is the copilot widget's: its addresses keep their options.
    static COPILOT: Cell<bool> = const { Cell::new(false) };
}

fn now() -> f64 {
    js_sys::Date::now()
}

fn session_storage() -> Option<web_sys::Storage> {
    window().session_storage().ok().flatten()
}

fn stored_session() -> Option<String> {
    session_storage().and_then(|s| s.get_item(SESSION_KEY).ok().flatten())
}

fn store_session(id: Option<&str>) {
    if let Some(storage) = session_storage() {
        let _ = match id {
            Some(id) => storage.set_item(SESSION_KEY, id),
            None => storage.remove_item(SESSION_KEY),
        };
    }
}

pub(super) fn send(event: &ClientEvent) -> bool {
    let Ok(text) = serde_json::to_string(event) else {
        return false;
    };
    send_text(text)
}

/// Sends a client event already written as JSON (by one of Loquat's page
/// scripts; the server checks it like any frame).
pub(super) fn send_text(text: String) -> bool {
    // The server closes the socket on a frame over its limit; refuse it
    // here instead, so the composer keeps the text and says why.
    let (limit, store) = LIMIT.get();
    if text.len() > limit {
        if let Some(store) = store {
            let message = I18N.with_borrow(|i18n| {
                i18n.t_with(
                    "composer.too_long",
                    &[
                        ("size", &crate::units::human_size(text.len() as u64)),
                        ("limit", &crate::units::human_size(limit as u64)),
                    ],
                )
            });
            store.notice.set(Some(message));
        }
        return false;
    }
    SOCKET.with_borrow(|socket| match socket {
        Some(ws) => ws.unbounded_send(Message::Text(text)).is_ok(),
        _ => false,
    })
}

/// Sends a binary frame (a chunk of the open recording); false when not
/// connected.
pub(super) fn send_bytes(bytes: Vec<u8>) -> bool {
    SOCKET.with_borrow(|socket| match socket {
        Some(ws) => ws.unbounded_send(Message::Bytes(bytes)).is_ok(),
        _ => false,
    })
}

/// Changes whenever the connection is replaced: a recording belongs to
/// the socket that opened it.
pub(super) fn generation() -> u32 {
    GENERATION.with(Cell::get)
}

pub(super) fn start(store: ChatStore, thread_id: Option<String>) {
    // Read once: the settings are parsed from the page each time.
    let ui = crate::ui_config::current();
    LIMIT.set((ui.max_frame_bytes, Some(store)));
    COPILOT.set(ui.copilot);
    I18N.set(crate::i18n::i18n());
    store.thread_id.set(thread_id);
    // Follow the server-assigned session id into sessionStorage so a reload
    // of this tab reattaches to the same session.
    Effect::new(move |_| {
        if let Some(id) = store.session_id.get() {
            store_session(Some(&id));
            // The embedding page may send now (the copilot's queue).
            super::window_messages::ready();
        }
    });
    // Once the thread is in history, its address is the thread's, so a
    // reload or a shared link opens it.
    Effect::new(move |_| {
        let Some(ThreadChange { thread, .. }) = store.thread_update.get() else {
            return;
        };
        if store.thread_id.get_untracked().as_deref() == Some(thread.id.as_str()) {
            set_address(&thread_path(&thread.id), false);
            super::window_messages::thread_changed(&thread.id);
        }
    });
    watch_history_navigation(store);
    super::window_messages::listen(ui.window_origins);
    connect(store);
    watch_thinking(store);
}

/// Leaves the current chat: ends its session unless a run is still going
/// (then it finishes on the server and stays in history).
fn leave(store: ChatStore) {
    if !store.running.get_untracked() {
        send(&ClientEvent::EndChat);
    }
    store_session(None);
    store.session_id.set(None);
    store.reset();
    store.not_found.set(false);
    replace_socket(None);
}

pub(super) fn new_chat(store: ChatStore) {
    leave(store);
    store.thread_id.set(None);
    set_address("/", true);
    connect(store);
}

pub(super) fn switch_profile(store: ChatStore, name: &str) {
    leave(store);
    let encoded: String = js_sys::encode_uri_component(name).into();
    let cookie = format!(
        "loquat_profile={encoded}; Path={}; Max-Age=31536000; SameSite=Lax",
        crate::root_path::current().home()
    );
    if let Some(document) = document().dyn_ref::<web_sys::HtmlDocument>() {
        let _ = document.set_cookie(&cookie);
    }
    let _ = window()
        .location()
        .assign(&crate::root_path::current().home());
}

pub(super) fn open_thread(store: ChatStore, thread_id: String) {
    if store.thread_id.get_untracked().as_deref() == Some(thread_id.as_str())
        && !store.not_found.get_untracked()
    {
        return;
    }
    leave(store);
    set_address(&thread_path(&thread_id), true);
    store.thread_id.set(Some(thread_id));
    connect(store);
}

/// Shows `path` in the address bar, as a new history entry or in place.
fn set_address(path: &str, push: bool) {
    if current_path() == path {
        return;
    }
    let Ok(history) = window().history() else {
        return;
    };
    let mut href = crate::root_path::href(path);
    // The copilot's page keeps its options (`?copilot=1&theme=…`), so it
    // stays one on a reload.
    if COPILOT.get() {
        href.push_str(&window().location().search().unwrap_or_default());
    }
    let path = href.as_str();
    let _ = if push {
        history.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(path))
    } else {
        history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(path))
    };
}

/// Back and forward between threads switch the chat shown.
fn watch_history_navigation(store: ChatStore) {
    let on_pop = Closure::<dyn FnMut()>::new(move || {
        let path = current_path();
        let Page::Chat { thread_id } = page_for(&path) else {
            return;
        };
        if thread_id == store.thread_id.get_untracked() {
            return;
        }
        leave(store);
        store.thread_id.set(thread_id);
        connect(store);
    });
    let _ = window().add_event_listener_with_callback("popstate", on_pop.as_ref().unchecked_ref());
    on_pop.forget();
}

pub(super) fn signing_out() {
    SIGNING_OUT.with(|s| s.set(true));
}

/// Makes `socket` the connection; the one before, if any, is closed (its
/// task sees its queue end).
fn replace_socket(socket: Option<Outbox>) {
    GENERATION.with(|g| g.set(g.get().wrapping_add(1)));
    SOCKET.with_borrow_mut(|s| *s = socket);
}

fn url() -> Option<String> {
    let location = window().location();
    let protocol = if location.protocol().ok()? == "https:" {
        "wss"
    } else {
        "ws"
    };
    Some(format!(
        "{protocol}://{}{}",
        location.host().ok()?,
        crate::root_path::href(WS_PATH)
    ))
}

fn connect(store: ChatStore) {
    let Some(url) = url() else { return };
    let opened = match crate::access::socket_protocols() {
        Some(protocols) => WebSocket::open_with_protocols(&url, &protocols),
        None => WebSocket::open(&url),
    };
    let Ok(ws) = opened else {
        schedule_reconnect(store);
        return;
    };
    let (outbox, queue) = futures::channel::mpsc::unbounded::<Message>();
    replace_socket(Some(outbox));
    let generation = GENERATION.with(Cell::get);
    leptos::task::spawn_local(run(store, ws, queue, generation));
}

/// What this page says when it connects.
fn hello(store: ChatStore) -> ClientEvent {
    ClientEvent::Hello {
        session_id: store.session_id.get_untracked().or_else(stored_session),
        last_seq: store.synced.get_value().then(|| store.applied.get_value()),
        // Only a saved thread has its own address; a chat not yet in
        // history cannot be resumed by id (e.g. after a restart).
        thread_id: match page_for(&current_path()) {
            Page::Chat { thread_id } => thread_id,
            Page::Element { .. } | Page::NotFound => None,
        },
        user_env: super::user_env::load(),
        // The profile this page was rendered with.
        chat_profile: crate::ui_config::current().profile,
    }
}

/// One connection, until it closes or is replaced.
async fn run(
    store: ChatStore,
    ws: WebSocket,
    mut queue: futures::channel::mpsc::UnboundedReceiver<Message>,
    generation: u32,
) {
    let current = move || GENERATION.with(Cell::get) == generation;
    let (mut write, mut read) = ws.split();
    let mut close_code = None;
    // The hello goes first, said as things are once the socket is open
    // (and off the page's first task: it reads the page's settings).
    if futures::future::poll_fn(|cx| write.poll_ready_unpin(cx))
        .await
        .is_ok()
        && current()
    {
        if let Ok(text) = serde_json::to_string(&hello(store)) {
            let _ = write.send(Message::Text(text)).await;
        }
        // The user's own MCP servers, for this session (one that has them
        // already takes them as no change), queued after the hello.
        super::user_mcp::connected();
    }
    loop {
        match select(queue.next(), read.next()).await {
            // A send waits for the socket to open; one that fails is
            // followed by the close, read below.
            Either::Left((Some(frame), _)) => {
                let _ = write.send(frame).await;
            }
            // Replaced: dropping both halves closes the socket.
            Either::Left((None, _)) => return,
            Either::Right((Some(Ok(Message::Text(text))), _)) => {
                if current() {
                    receive(store, &text);
                }
            }
            Either::Right((Some(Ok(Message::Bytes(_))), _)) => {}
            Either::Right((Some(Err(WebSocketError::ConnectionClose(event))), _)) => {
                close_code = Some(event.code);
            }
            // An error event comes before the close.
            Either::Right((Some(Err(_)), _)) => {}
            Either::Right((None, _)) => break,
        }
    }
    // A thread that does not exist will not appear by retrying; a page
    // signing out is leaving.
    if current() && !store.not_found.get_untracked() && !SIGNING_OUT.with(Cell::get) {
        store.connection.set(ConnectionState::Reconnecting);
        // The sign-in ended: the login page, unless this browser has
        // signed in again meanwhile (then the reconnect carries it).
        if close_code == Some(CLOSE_SIGNED_OUT) {
            leptos::task::spawn_local(go_to_login_if_signed_out());
        }
        schedule_reconnect(store);
    }
}

/// Applies one frame from the server.
fn receive(store: ChatStore, text: &str) {
    let Ok(envelopes) = serde_json::from_str::<Vec<Envelope>>(text) else {
        leptos::logging::warn!("loquat: unreadable frame");
        return;
    };
    if store.connection.get_untracked() != ConnectionState::Connected {
        store.connection.set(ConnectionState::Connected);
        ATTEMPT.with(|a| a.set(0));
    }
    if store.apply_frame(envelopes, now()) == Applied::Gap {
        // Reconnecting resumes from the last applied event.
        reconnect_now(store);
    }
}

/// Reconnects at once, so the session gets what `hello` carries now.
pub(super) fn resend_hello(store: ChatStore) {
    reconnect_now(store);
}

fn reconnect_now(store: ChatStore) {
    replace_socket(None);
    connect(store);
}

fn schedule_reconnect(store: ChatStore) {
    let attempt = ATTEMPT.with(|a| {
        let n = a.get();
        a.set(n.saturating_add(1));
        n
    });
    // A signed-in user whose socket keeps failing may have been signed out
    // (expired, or ended elsewhere): the login page, not endless retries.
    // Asked again every fourth attempt, in case one answer was lost.
    if attempt % 4 == 2 && crate::ui_config::current().user.is_some() {
        leptos::task::spawn_local(go_to_login_if_signed_out());
    }
    // 250 ms, 500 ms, 1 s, 2 s, … capped, with jitter so tabs spread out.
    let base = (250i32 << attempt.min(5)).min(MAX_BACKOFF_MS);
    let jitter = (js_sys::Math::random() * f64::from(base) * 0.3) as i32;
    let generation = GENERATION.with(Cell::get);
    set_timeout(
        move || {
            if GENERATION.with(Cell::get) == generation {
                connect(store);
            }
        },
        std::time::Duration::from_millis((base + jitter) as u64),
    );
}

/// Asks who is signed in; when nobody is, goes to the login page (which
/// returns here).
async fn go_to_login_if_signed_out() {
    let mut request = gloo_net::http::Request::get(&crate::root_path::href("/auth/user"));
    if let Some(authorization) = crate::access::authorization() {
        request = request.header("Authorization", &authorization);
    }
    let Ok(response) = request.send().await else {
        return;
    };
    if response.status() == 401 {
        let here = current_path();
        // A frame signed in without a cookie signs in again in the frame.
        if crate::access::current().is_some() {
            crate::access::sign_in_again(&here, false);
            return;
        }
        let next = js_sys::encode_uri_component(&here);
        let _ = window()
            .location()
            .set_href(&crate::root_path::href(&format!(
                "/login?next={}",
                String::from(next)
            )));
    }
}

/// Shows "thinking" when a run has produced nothing for 200 ms. One timer
/// while a run is active, not one per token.
fn watch_thinking(store: ChatStore) {
    let handle: StoredValue<Option<IntervalHandle>, LocalStorage> = StoredValue::new_local(None);
    Effect::new(move |_| {
        let running = store.running.get();
        if let Some(h) = handle.get_value() {
            h.clear();
            handle.set_value(None);
        }
        if !running {
            store.thinking.set(false);
            return;
        }
        let interval = set_interval_with_handle(
            move || {
                let idle = now() - store.last_progress.get_value() >= 200.0;
                if store.thinking.get_untracked() != idle {
                    store.thinking.set(idle);
                }
            },
            std::time::Duration::from_millis(100),
        );
        handle.set_value(interval.ok());
    });
}
