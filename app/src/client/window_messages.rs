//! Window messages with the page that embeds the app in a frame: what it
//! posts goes to the server (only from the origins the app lists, and only
//! from the parent window), and what the app sends is posted to those
//! origins only, never to `"*"` (the browser delivers it only when the
//! parent page is of one of them).

use std::cell::RefCell;

use leptos::prelude::window;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::protocol::ClientEvent;

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
                .and_then(|text| serde_json::from_str(&text).ok())
            else {
                leptos::logging::warn!("loquat: a window message that is not JSON was dropped");
                return;
            };
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
