//! A chat's MCP connections. A chat connects to an operator's server the
//! first time it uses it, not when it starts: most chats never call a
//! tool, a tab that is only opened should not start processes, and a slow
//! server then delays the call that needs it rather than every chat's
//! first paint. A server the user adds is connected at once, so they see
//! it connected (or why not). The connections close when the chat ends.
//!
//! With `[features.mcp] user_servers` on, every change of a server's
//! state is announced to the chat's tabs (`mcp_servers`, see `roster.rs`).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use loquat_app::protocol::{McpHeaders, McpStatus};
use tokio::sync::OnceCell;

use super::roster::{Roster, Shown, UserServer};
use super::servers::McpServers;
use super::{McpAddError, McpConnection, McpError};
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
    /// What the MCP panel shows, and the servers the user added.
    roster: Mutex<Roster>,
    closed: AtomicBool,
}

impl SessionMcp {
    fn connections(&self, servers: &Arc<McpServers>) -> &Arc<Connections> {
        self.connections.get_or_init(|| {
            Arc::new(Connections {
                servers: servers.clone(),
                slots: servers.servers.iter().map(|_| OnceCell::new()).collect(),
                roster: Mutex::new(Roster::new(servers.servers.len())),
                closed: AtomicBool::new(false),
            })
        })
    }

    /// The chat's connection to the server named `name` (the operator's
    /// or the user's), made now if it is the first use of an operator's
    /// server; a new connection is first given to the app's
    /// `on_mcp_connect`.
    pub(crate) async fn connection(
        &self,
        chat: &Chat,
        name: &str,
    ) -> Result<McpConnection, McpError> {
        let servers = configured(chat)?;
        let connections = self.connections(servers).clone();
        match servers.position(name) {
            Some(index) => connections.get(chat, index).await,
            None => connections.user_connection(name).await,
        }
    }

    /// Connections to every operator's server, made concurrently, and to
    /// every server of the user's that connects (one that fails is left
    /// out: the panel shows the user why).
    pub(crate) async fn all(&self, chat: &Chat) -> Result<Vec<McpConnection>, McpError> {
        let servers = configured(chat)?;
        let connections = self.connections(servers).clone();
        let each = (0..servers.servers.len()).map(|index| connections.get(chat, index));
        let mut all = futures_util::future::join_all(each)
            .await
            .into_iter()
            .collect::<Result<Vec<_>, _>>()?;
        let names = connections.lock().user_names();
        for name in names {
            match connections.user_connection(&name).await {
                Ok(connection) => all.push(connection),
                Err(err) => {
                    tracing::debug!(error = %err, server = %name, "user's MCP server left out")
                }
            }
        }
        Ok(all)
    }

    /// The names of the operator's servers, then of the user's.
    pub(crate) fn names(&self, chat: &Chat) -> Vec<String> {
        let Ok(servers) = configured(chat) else {
            return Vec::new();
        };
        let mut names: Vec<String> = servers.servers.iter().map(|s| s.name.clone()).collect();
        if let Some(connections) = self.connections.get() {
            names.extend(connections.lock().user_names());
        }
        names
    }

    /// Adds a server of the user's to the chat and starts connecting it
    /// (the tabs see it as connecting, then connected or failed). The same
    /// server again (name, URL and headers) changes nothing, unless it had
    /// failed: then it is tried again.
    pub(crate) fn add(
        &self,
        chat: &Chat,
        name: &str,
        url: &str,
        headers: &McpHeaders,
    ) -> Result<(), McpAddError> {
        let servers = configured(chat).map_err(|_| McpAddError::Disabled)?;
        let rules = servers.users.as_ref().ok_or(McpAddError::Disabled)?;
        let spec = rules.check(name, url, headers)?;
        if servers.position(name).is_some() {
            return Err(McpAddError::NameTaken(name.to_string()));
        }
        let connections = self.connections(servers).clone();
        let id = {
            let mut roster = connections.lock();
            if connections.closed.load(Ordering::SeqCst) {
                return Err(McpAddError::Ended);
            }
            let known = roster
                .user(name)
                .map(|known| (known.spec.target == spec.target, known.shown.status));
            match known {
                // Already there: nothing to do, unless it failed (tried again).
                Some((true, status)) if status != McpStatus::Failed => return Ok(()),
                Some((true, _)) => {
                    roster.remove_user(name);
                }
                Some((false, _)) => return Err(McpAddError::NameTaken(name.to_string())),
                None if roster.user_count() >= rules.max => {
                    return Err(McpAddError::TooMany(rules.max))
                }
                None => {}
            }
            let id = roster.push_user(spec);
            connections.announce(chat, &roster);
            id
        };
        let chat = chat.clone();
        tokio::spawn(async move { connections.connect_user(&chat, id).await });
        Ok(())
    }

    /// Removes a server of the user's from the chat: its connection
    /// closes, then `on_mcp_disconnect` runs (if it was connected), on a
    /// task of their own (closing may take a while). A connection still
    /// being made is closed once made (see `connect_user`).
    pub(crate) fn remove(&self, chat: &Chat, name: &str) -> Result<(), McpAddError> {
        let not_yours = || McpAddError::NotYours(name.to_string());
        let connections = self.connections.get().ok_or_else(not_yours)?.clone();
        let removed = {
            let mut roster = connections.lock();
            let removed = roster.remove_user(name).ok_or_else(not_yours)?;
            connections.announce(chat, &roster);
            removed
        };
        if let Some(connection) = removed.cell.get().cloned() {
            let chat = chat.clone();
            tokio::spawn(async move {
                connection.close().await;
                disconnected(&chat, connection.name()).await;
            });
        }
        Ok(())
    }

    /// Closes every connection (the chat ended), then tells the app's
    /// `on_mcp_disconnect` which servers it was connected to. Later uses
    /// fail with [`McpError::Closed`].
    pub(crate) async fn close(&self, chat: &Chat) {
        let Some(connections) = self.connections.get() else {
            return;
        };
        let users = {
            let mut roster = connections.lock();
            connections.closed.store(true, Ordering::SeqCst);
            roster.take_users()
        };
        let operator = connections.slots.iter().filter_map(OnceCell::get);
        let user = users.iter().filter_map(|server| server.cell.get());
        for connection in operator.chain(user) {
            connection.close().await;
            disconnected(chat, connection.name()).await;
        }
    }

    /// Whether the chat ever used MCP (so there is something to close).
    pub(crate) fn is_used(&self) -> bool {
        self.connections.get().is_some()
    }
}

impl Connections {
    fn lock(&self) -> MutexGuard<'_, Roster> {
        self.roster.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Tells the chat's tabs where its servers stand, under the roster's
    /// lock so two changes are announced in the order they happened.
    fn announce(&self, chat: &Chat, roster: &Roster) {
        if self.servers.users.is_none() {
            return;
        }
        let event = roster.event(&self.servers);
        if let Err(err) = chat.session().emit(event) {
            tracing::debug!(error = %err, "MCP servers not announced");
        }
    }

    fn set_operator(&self, chat: &Chat, index: usize, shown: Shown) {
        if self.servers.users.is_none() {
            return;
        }
        let mut roster = self.lock();
        roster.set_operator(index, shown);
        self.announce(chat, &roster);
    }

    async fn get(&self, chat: &Chat, index: usize) -> Result<McpConnection, McpError> {
        if self.closed.load(Ordering::SeqCst) {
            return Err(McpError::Closed);
        }
        let (Some(slot), Some(spec)) = (self.slots.get(index), self.servers.servers.get(index))
        else {
            return Err(McpError::Closed);
        };
        let mut fresh = false;
        let opened = slot
            .get_or_try_init(|| {
                fresh = true;
                self.set_operator(chat, index, Shown::connecting());
                McpConnection::open(spec, self.servers.limits)
            })
            .await
            .cloned();
        let connection = match opened {
            Ok(connection) => connection,
            Err(err) => {
                if fresh {
                    self.set_operator(chat, index, Shown::failed(&err));
                }
                return Err(err);
            }
        };
        // The chat may have ended while this one connected: `close` did not
        // see it, so it is closed here.
        if self.closed.load(Ordering::SeqCst) {
            connection.close().await;
            return Err(McpError::Closed);
        }
        if fresh {
            tracing::debug!(server = %spec.name, session = %chat.session_id(), "MCP connected");
            if self.servers.users.is_some() {
                let shown = match connection.tools().await {
                    Ok(tools) => Shown::connected(tools.len()),
                    Err(err) => Shown::failed(&err),
                };
                self.set_operator(chat, index, shown);
            }
            connected(chat, &connection).await;
        }
        Ok(connection)
    }

    /// The connection to the user's server `name`: waits while it
    /// connects; an error once it failed.
    async fn user_connection(&self, name: &str) -> Result<McpConnection, McpError> {
        if self.closed.load(Ordering::SeqCst) {
            return Err(McpError::Closed);
        }
        let (cell, spec, failed) = {
            let roster = self.lock();
            let server = roster
                .user(name)
                .ok_or_else(|| McpError::UnknownServer(name.to_string()))?;
            let failed =
                (server.shown.status == McpStatus::Failed).then(|| server.shown.error.clone());
            (server.cell.clone(), server.spec.clone(), failed)
        };
        if let Some(message) = failed {
            return Err(McpError::Connect {
                server: name.to_string(),
                message: message.unwrap_or_default(),
            });
        }
        // Whoever comes first connects; the other waits for it.
        cell.get_or_try_init(|| McpConnection::open(&spec, self.servers.limits))
            .await
            .cloned()
    }

    /// Connects the user's server `id` was given, lists its tools, and
    /// announces the outcome; `on_mcp_connect` then runs. A server removed
    /// (or a chat ended) meanwhile has its new connection closed.
    async fn connect_user(&self, chat: &Chat, id: u64) {
        let Some(UserServer { spec, cell, .. }) = self.lock().user_by_id(id).cloned() else {
            return;
        };
        let outcome = async {
            let connection = cell
                .get_or_try_init(|| McpConnection::open(&spec, self.servers.limits))
                .await?
                .clone();
            let tools = connection.tools().await?;
            Ok::<_, McpError>((connection, tools.len()))
        }
        .await;
        let still_there = {
            let mut roster = self.lock();
            let still_there =
                !self.closed.load(Ordering::SeqCst) && roster.user_by_id(id).is_some();
            if still_there {
                roster.set_user(
                    id,
                    match &outcome {
                        Ok((_, tools)) => Shown::connected(*tools),
                        Err(err) => Shown::failed(err),
                    },
                );
                self.announce(chat, &roster);
            }
            still_there
        };
        match outcome {
            Ok((connection, _)) if still_there => {
                tracing::debug!(server = %spec.name, session = %chat.session_id(), "user's MCP server connected");
                connected(chat, &connection).await;
            }
            Ok((connection, _)) => connection.close().await,
            Err(err) => {
                tracing::debug!(server = %spec.name, error = %err, "user's MCP server failed");
                if let Some(connection) = cell.get() {
                    if !still_there {
                        connection.close().await;
                    }
                }
            }
        }
    }
}

/// Gives a new connection to the app's `on_mcp_connect` (outside any
/// cell's initialisation: the hook may use MCP itself).
async fn connected(chat: &Chat, connection: &McpConnection) {
    if let Some(hook) = chat.session().runtime.hooks.on_mcp_connect.clone() {
        if let Err(err) = hook(chat.clone(), connection.clone()).await {
            tracing::warn!(error = %err, server = connection.name(), "on_mcp_connect failed");
        }
    }
}

/// Tells the app's `on_mcp_disconnect` a connection has closed.
async fn disconnected(chat: &Chat, name: &str) {
    if let Some(hook) = chat.session().runtime.hooks.on_mcp_disconnect.clone() {
        if let Err(err) = hook(chat.clone(), name.to_string()).await {
            tracing::warn!(error = %err, server = name, "on_mcp_disconnect failed");
        }
    }
}

fn configured(chat: &Chat) -> Result<&Arc<McpServers>, McpError> {
    chat.session()
        .runtime
        .mcp
        .as_ref()
        .ok_or(McpError::Disabled)
}
