//! A chat's MCP connections. A chat connects to a server the first time
//! it uses it, not when it starts: most chats never call a tool, a tab
//! that is only opened should not start processes, and a slow server then
//! delays the call that needs it rather than every chat's first paint.
//! The connections close when the chat ends.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use tokio::sync::OnceCell;

use super::servers::McpServers;
use super::{McpConnection, McpError};
use crate::sdk::Chat;

/// The MCP part of a session: empty (one pointer) until the chat first
/// uses MCP.
#[derive(Default)]
pub(crate) struct SessionMcp {
    connections: OnceLock<Arc<Connections>>,
}

struct Connections {
    servers: Arc<McpServers>,
    /// One per configured server, in their order.
    slots: Vec<OnceCell<McpConnection>>,
    closed: AtomicBool,
}

impl SessionMcp {
    fn connections(&self, servers: &Arc<McpServers>) -> &Arc<Connections> {
        self.connections.get_or_init(|| {
            Arc::new(Connections {
                servers: servers.clone(),
                slots: servers.servers.iter().map(|_| OnceCell::new()).collect(),
                closed: AtomicBool::new(false),
            })
        })
    }

    /// The chat's connection to the server named `name`, made now if it
    /// is the first use; a new connection is first given to the app's
    /// `on_mcp_connect`.
    pub(crate) async fn connection(
        &self,
        chat: &Chat,
        name: &str,
    ) -> Result<McpConnection, McpError> {
        let servers = configured(chat)?;
        let index = servers
            .position(name)
            .ok_or_else(|| McpError::UnknownServer(name.to_string()))?;
        let connections = self.connections(servers).clone();
        connections.get(chat, index).await
    }

    /// Connections to every configured server, made concurrently.
    pub(crate) async fn all(&self, chat: &Chat) -> Result<Vec<McpConnection>, McpError> {
        let servers = configured(chat)?;
        let connections = self.connections(servers).clone();
        let each = (0..servers.servers.len()).map(|index| connections.get(chat, index));
        futures_util::future::join_all(each)
            .await
            .into_iter()
            .collect()
    }

    /// Closes every connection (the chat ended), then tells the app's
    /// `on_mcp_disconnect` which servers it was connected to. Later uses
    /// fail with [`McpError::Closed`].
    pub(crate) async fn close(&self, chat: &Chat) {
        let Some(connections) = self.connections.get() else {
            return;
        };
        connections.closed.store(true, Ordering::SeqCst);
        for slot in &connections.slots {
            let Some(connection) = slot.get() else {
                continue;
            };
            connection.close().await;
            if let Some(hook) = chat.session().runtime.hooks.on_mcp_disconnect.clone() {
                if let Err(err) = hook(chat.clone(), connection.name().to_string()).await {
                    tracing::warn!(error = %err, server = connection.name(), "on_mcp_disconnect failed");
                }
            }
        }
    }

    /// Whether the chat ever used MCP (so there is something to close).
    pub(crate) fn is_used(&self) -> bool {
        self.connections.get().is_some()
    }
}

impl Connections {
    async fn get(&self, chat: &Chat, index: usize) -> Result<McpConnection, McpError> {
        if self.closed.load(Ordering::SeqCst) {
            return Err(McpError::Closed);
        }
        let (Some(slot), Some(spec)) = (self.slots.get(index), self.servers.servers.get(index))
        else {
            return Err(McpError::Closed);
        };
        let mut fresh = false;
        let connection = slot
            .get_or_try_init(|| {
                fresh = true;
                McpConnection::open(spec, self.servers.limits)
            })
            .await?
            .clone();
        // The chat may have ended while this one connected: `close` did not
        // see it, so it is closed here.
        if self.closed.load(Ordering::SeqCst) {
            connection.close().await;
            return Err(McpError::Closed);
        }
        if fresh {
            tracing::debug!(server = %spec.name, session = %chat.session_id(), "MCP connected");
            // Outside the cell's initialisation: the hook may use MCP itself.
            if let Some(hook) = chat.session().runtime.hooks.on_mcp_connect.clone() {
                if let Err(err) = hook(chat.clone(), connection.clone()).await {
                    tracing::warn!(error = %err, server = %spec.name, "on_mcp_connect failed");
                }
            }
        }
        Ok(connection)
    }
}

fn configured(chat: &Chat) -> Result<&Arc<McpServers>, McpError> {
    chat.session()
        .runtime
        .mcp
        .as_ref()
        .ok_or(McpError::Disabled)
}
