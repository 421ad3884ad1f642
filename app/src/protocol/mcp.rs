//! MCP servers on the wire: what the browser asks for when the user adds
//! or removes one of their own servers, and the list the server sends back
//! (the operator's servers and the user's, each with its state).

use serde::{Deserialize, Serialize};

/// Where the server serves the MCP panel's script, which apps that let
/// users add servers load (see `client::user_mcp`).
pub const MCP_PANEL_PATH: &str = "/mcp/panel.js";

/// Headers a user's MCP server gets with every request (an API key, say).
/// `Debug` shows the names only, never the values: they are secrets.
///
/// ```
/// use loquat_app::protocol::McpHeaders;
///
/// let headers = McpHeaders::from([("Authorization".to_string(), "Bearer sk-1".to_string())]);
/// assert_eq!(format!("{headers:?}"), r#"McpHeaders(["Authorization"])"#);
/// ```
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct McpHeaders(pub std::collections::BTreeMap<String, String>);

impl McpHeaders {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<const N: usize> From<[(String, String); N]> for McpHeaders {
    fn from(pairs: [(String, String); N]) -> Self {
        McpHeaders(pairs.into_iter().collect())
    }
}

impl std::fmt::Debug for McpHeaders {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("McpHeaders")
            .field(&self.0.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// Whose server it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum McpSource {
    /// `[features.mcp] servers`: the same for every user; not removable.
    Operator,
    /// Added by the user in this chat (from their browser's list).
    User,
}

/// Where a chat's connection to a server stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum McpStatus {
    /// An operator's server the chat has not used yet (chats connect to
    /// those on first use).
    Idle,
    Connecting,
    Connected,
    Failed,
}

/// One server of the chat, as the MCP panel shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct McpServerState {
    pub name: String,
    pub source: McpSource,
    pub status: McpStatus,
    /// How many tools it offers (0 until connected).
    #[serde(default)]
    pub tools: u32,
    /// Why connecting failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// What the browser needs to offer the MCP button (sent only when the
/// operator lets users add servers).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct McpUi {
    /// The most servers a user may add to a chat.
    pub max_user_servers: u32,
}
