//! Loquat's page scripts for features only some apps turn on, loaded the
//! first time a page needs them (see `client::page_script` in the app
//! crate): `GET /audio/client.js`, the recorder and player the app's WASM
//! hands the Web Audio work to, `GET /audio/worklet.js`, the microphone's
//! AudioWorklet (docs/audio.md), and `GET /mcp/panel.js`, the panel where
//! users add MCP servers (docs/mcp.md). Scripts of the site, so the page's
//! `script-src 'self'` allows them.

use axum::response::Response;

const AUDIO_CLIENT: &str = include_str!("audio_client.js");
const AUDIO_WORKLET: &str = include_str!("audio_worklet.js");
const MCP_PANEL: &str = include_str!("mcp_panel.js");

pub(crate) async fn audio_client() -> Response {
    super::builtin_script::serve(AUDIO_CLIENT)
}

pub(crate) async fn audio_worklet() -> Response {
    super::builtin_script::serve(AUDIO_WORKLET)
}

pub(crate) async fn mcp_panel() -> Response {
    super::builtin_script::serve(MCP_PANEL)
}
