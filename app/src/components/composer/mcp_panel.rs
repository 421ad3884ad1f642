//! The composer's MCP control, when the app lets users add MCP servers
//! (`[features.mcp] user_servers`): a button, and the root the MCP panel
//! opens in. The panel (the chat's servers with their state and tool
//! count, the user's own removable, a form to add one) is
//! `/mcp/panel.js`, loaded by the apps that offer it (see
//! `client::page_script` for why and what it saved); this is markup
//! written once, with one delegated click into the WASM.

use leptos::prelude::*;

use crate::components::icons::{CLOSE, MCP};
use crate::i18n::t;
use crate::markdown::escape;
use crate::protocol::UiConfig;

/// The MCP button (`composer-mcp`) and the panel's root.
#[component]
pub fn McpControl() -> impl IntoView {
    expect_context::<UiConfig>().mcp.map(|_| {
        let title = escape(&t("mcp.title"));
        let html = format!(
            "<button type=\"button\" class=\"icon-btn mcp-open\" data-testid=\"composer-mcp\" \
             title=\"{title}\" aria-label=\"{title}\" aria-haspopup=\"dialog\">{MCP}</button>\
             <div class=\"mcp-root\"></div>"
        );
        view! {
            <span
                class="mcp-control"
                inner_html=html
                on:click=move |event| crate::client::mcp_clicked(&event, CLOSE)
            ></span>
        }
    })
}
