//! The MCP servers the user adds (`[features.mcp] user_servers`): the
//! panel and the user's list live in `/mcp/panel.js` (see its header and
//! `page_script`), loaded by apps that offer them; this side hands it the
//! connection's part. The script keeps the list in this browser under the
//! signed-in user's identifier and sends it again on every connection, so
//! each new chat has it.

use std::cell::Cell;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::page_script::{call, clicked_on, op, set_host};
use crate::protocol::{McpServerState, MCP_PANEL_PATH};

thread_local! {
    static HOST_SET: Cell<bool> = const { Cell::new(false) };
}

/// The script's entry point, when the app offers user servers.
fn to_panel(fields: &[(&str, &JsValue)]) {
    if crate::ui_config::current().mcp.is_none() {
        return;
    }
    if !HOST_SET.replace(true) {
        // `loquatMcpHost(json)`: a client event the script sends.
        let host = Closure::<dyn Fn(String) -> bool>::new(super::socket::send_text);
        set_host("loquatMcpHost", host.as_ref());
        host.forget();
    }
    call(MCP_PANEL_PATH, "loquatMcp", op(fields));
}

/// A new connection said hello: the user's saved servers go again.
pub(crate) fn connected() {
    to_panel(&[("op", &"connected".into())]);
}

/// The chat's servers, as the server listed them.
pub(crate) fn listed(servers: &[McpServerState]) {
    if let Ok(text) = serde_json::to_string(servers) {
        to_panel(&[("op", &"servers".into()), ("servers", &text.into())]);
    }
}

/// The last add or remove was refused: nothing is saved; the panel says
/// why.
pub(crate) fn refused(message: &str) {
    to_panel(&[("op", &"refused".into()), ("message", &message.into())]);
}

/// A click in the MCP control: on its button, the panel opens in the
/// control's panel root.
pub(crate) fn clicked(click: &leptos::ev::MouseEvent, close_icon: &str) {
    let root = click
        .current_target()
        .and_then(|control| control.dyn_into::<web_sys::Element>().ok())
        .and_then(|control| control.query_selector(".mcp-root").ok().flatten());
    if let (Some(_), Some(root)) = (clicked_on(click, ".mcp-open"), root) {
        open(root, close_icon);
    }
}

/// The panel opens inside `root`.
fn open(root: web_sys::Element, close_icon: &str) {
    to_panel(&[
        ("op", &"open".into()),
        ("root", &root.into()),
        ("closeIcon", &close_icon.into()),
    ]);
}
