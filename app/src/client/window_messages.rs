//! Window messages with the page that embeds the app in a frame: what it
//! posts goes to the server (only from the origins the app lists, and only
//! from the parent window), and what the app sends is posted to those
//! origins only, never to `"*"` (the browser delivers it only when the
//! parent page is of one of them).

use std::cell::RefCell;

use leptos::prelude::window;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::protocol::{CallFnResult, ClientEvent};

thread_local! {
    static ORIGINS: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

/// The parent window when the page is in a frame.
fn parent() -> Option<web_sys::Window> {
    let me = window();
    let parent = me.parent().ok()??;
    (!js_sys::Object::is(&parent, &me)).then_some(parent)
}

/// Listens for the parent page's messages (when framed, and the app lists
/// origins).
pub(super) fn listen(origins: Vec<String>) {
    if origins.is_empty() || parent().is_none() {
        return;
    }
    ORIGINS.with_borrow_mut(|o| *o = origins);
    let on_message =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(|event: web_sys::MessageEvent| {
            let allowed = ORIGINS.with_borrow(|o| o.iter().any(|origin| *origin == event.origin()));
            let from_parent = match (event.source(), parent()) {
                (Some(source), Some(parent)) => js_sys::Object::is(&source, &parent),
                _ => false,
            };
            if !allowed || !from_parent {
                return;
            }
            let Some(value) = js_sys::JSON::stringify(&event.data())
                .ok()
                .and_then(|text| text.as_string())
                .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
            else {
                leptos::logging::warn!("loquat: a window message that is not JSON was dropped");
                return;
            };
            // Loquat's own messages (the copilot widget's, a frame's
            // sign-in) are not the app's.
            if let Some(kind) = value
                .get("type")
                .and_then(|t| t.as_str())
                .and_then(|t| t.strip_prefix("loquat:"))
            {
                own_message(kind, &value);
                return;
            }
            if !super::socket::send(&ClientEvent::WindowMessage { value }) {
                leptos::logging::warn!("loquat: not connected; a window message was dropped");
            }
        });
    let _ =
        window().add_event_listener_with_callback("message", on_message.as_ref().unchecked_ref());
    on_message.forget();
}

/// Posts `value` to the parent page, for each listed origin (the browser
/// delivers it to the one the parent is of).
pub(crate) fn post(value: &serde_json::Value) {
    let Some(parent) = parent() else { return };
    let Some(data) = serde_json::to_string(value)
        .ok()
        .and_then(|text| js_sys::JSON::parse(&text).ok())
    else {
        return;
    };
    ORIGINS.with_borrow(|origins| {
        for origin in origins {
            let _ = parent.post_message(&data, origin);
        }
    });
}

/// A message of Loquat's own from the embedding page: the answer to a
/// function call, or a message to send (`sendLoquatMessage`).
fn own_message(kind: &str, value: &serde_json::Value) {
    let text = |key: &str| value.get(key).and_then(|v| v.as_str()).map(str::to_string);
    let event = match kind {
        "call-fn-result" => {
            let Some(id) = text("id") else { return };
            let result = match (value.get("ok"), text("error")) {
                (_, Some(error)) => CallFnResult::Error(error),
                (Some(ok), None) => CallFnResult::Ok(ok.clone()),
                (None, None) => CallFnResult::Ok(serde_json::Value::Null),
            };
            ClientEvent::CallFnResult { id, result }
        }
        "send" => match text("content").filter(|c| !c.trim().is_empty()) {
            Some(content) => ClientEvent::Send {
                content,
                files: Vec::new(),
                command: None,
            },
            None => return,
        },
        // The frame's sign-in is over once the app runs.
        _ => return,
    };
    if !super::socket::send(&event) {
        leptos::logging::warn!("loquat: not connected; a message from the page was dropped");
    }
}

/// The app calls function `name` of the embedding page: posted to the
/// parent at the listed origins as `{type: "loquat:call-fn", id, name,
/// args}`, answered with `{type: "loquat:call-fn-result", id, ok | error}`.
/// A page that is not framed by one answers at once that it cannot.
pub(crate) fn call_fn(id: String, name: String, args: serde_json::Value) {
    let framed = parent().is_some() && ORIGINS.with_borrow(|o| !o.is_empty());
    if !framed {
        let result = CallFnResult::Error(
            "the chat is not in a page that answers function calls (a copilot, or a frame at one of window_message_origins)".into(),
        );
        super::socket::send(&ClientEvent::CallFnResult { id, result });
        return;
    }
    post(&serde_json::json!({ "type": "loquat:call-fn", "id": id, "name": name, "args": args }));
}

/// Tells the embedding page which thread the chat is (the copilot widget
/// keeps it across page loads).
pub(crate) fn thread_changed(id: &str) {
    post(&serde_json::json!({ "type": "loquat:thread", "id": id }));
}

/// Tells the embedding page that the chat is connected: what it sends now
/// reaches the session.
pub(crate) fn ready() {
    post(&serde_json::json!({ "type": "loquat:ready" }));
}
