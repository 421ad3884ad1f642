//! Loquat's page scripts: features that only some apps turn on (audio,
//! MCP servers the users add) keep their browser work in plain JavaScript
//! the server serves (`/audio/client.js`, `/mcp/panel.js`), loaded the
//! first time the page needs it. Every app's WASM then carries only the
//! feature's connection part (its events and settings). Measured on the
//! release bundle (brotli, 2026-12-07): as Leptos components and Rust,
//! audio cost every app's first load 9.7 KB of WASM and the MCP panel
//! 21.7 KB; as page scripts, 3.6 KB and 3.0 KB.
//!
//! The WASM calls a script's entry point (`window.<api>(op)`) with an
//! object; the script answers through a function the caller sets on
//! `window`.

use js_sys::{Function, Object, Reflect};
use leptos::prelude::window;
use wasm_bindgen::{JsCast, JsValue};

/// An op: an object with these fields.
pub(crate) fn op(fields: &[(&str, &JsValue)]) -> Object {
    let op = Object::new();
    for (key, value) in fields {
        let _ = Reflect::set(&op, &JsValue::from_str(key), value);
    }
    op
}

/// Calls `window.<api>(op)` of the script at app path `src`, loading it
/// first if needed. Calls keep their order: each waits on the one load.
pub(crate) fn call(src: &'static str, api: &'static str, op: Object) {
    leptos::task::spawn_local(async move {
        let src = crate::root_path::href(src);
        if let Err(err) = crate::components::dom::load_script(&src, false).await {
            leptos::logging::warn!("loquat: {err}");
            return;
        }
        let entry = Reflect::get(&window(), &JsValue::from_str(api));
        if let Ok(entry) = entry.and_then(|entry| entry.dyn_into::<Function>()) {
            let _ = entry.call1(&JsValue::NULL, &op);
        }
    });
}

/// Sets `window.<name>` to `answer`, for the scripts' answers.
pub(crate) fn set_host(name: &str, answer: &JsValue) {
    let _ = Reflect::set(&window(), &JsValue::from_str(name), answer);
}

/// The element matching `selector` that a click landed in (the click's
/// target or one of its ancestors): how a control written as markup tells
/// its button from the rest of it.
pub(crate) fn clicked_on(
    click: &leptos::ev::MouseEvent,
    selector: &str,
) -> Option<web_sys::Element> {
    click
        .target()
        .and_then(|target| target.dyn_into::<web_sys::Element>().ok())
        .and_then(|target| target.closest(selector).ok().flatten())
}
