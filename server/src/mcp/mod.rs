//! MCP (Model Context Protocol): the tools of the MCP servers the
//! operator configures in `[features.mcp]`, and (with `user_servers`) of
//! those each user adds in the chat, for the app's hooks
//! (`chat.mcp_tools()`, `chat.call_mcp_tool(…)`, `on_mcp_connect`).
//!
//! Loquat is an MCP client (the `rmcp` crate) over streamable HTTP and
//! stdio. The servers are checked when the app starts ([`McpConfigError`]);
//! each chat connects to a server the first time it uses it and closes
//! its connections when it ends (see `session.rs`).

mod connection;
mod error;
mod host_pattern;
mod roster;
pub(crate) mod servers;
mod session;
mod tool;
mod user_servers;

pub use connection::McpConnection;
pub use error::{McpConfigError, McpError};
pub(crate) use roster::initial_event;
pub(crate) use servers::McpServers;
pub(crate) use session::SessionMcp;
pub use tool::{McpTool, McpToolResult};
pub use user_servers::McpAddError;
