//! What a chat's MCP panel shows: each server (the operator's, then the
//! user's in the order they were added) with its state, and the servers
//! the user added, with their connections.

use std::sync::Arc;

use loquat_app::protocol::{McpServerState, McpSource, McpStatus, ServerEvent};
use tokio::sync::OnceCell;

use super::servers::{McpServerSpec, McpServers};
use super::{McpConnection, McpError};

/// Longest error shown for a server, in characters.
const MAX_ERROR_CHARS: usize = 300;

/// A server's state as shown.
#[derive(Debug, Clone)]
pub(super) struct Shown {
    pub(super) status: McpStatus,
    tools: u32,
    pub(super) error: Option<String>,
}

impl Shown {
    fn idle() -> Shown {
        Shown {
            status: McpStatus::Idle,
            tools: 0,
            error: None,
        }
    }

    pub(super) fn connecting() -> Shown {
        Shown {
            status: McpStatus::Connecting,
            ..Shown::idle()
        }
    }

    pub(super) fn connected(tools: usize) -> Shown {
        Shown {
            status: McpStatus::Connected,
            tools: u32::try_from(tools).unwrap_or(u32::MAX),
            error: None,
        }
    }

    pub(super) fn failed(err: &McpError) -> Shown {
        Shown {
            status: McpStatus::Failed,
            tools: 0,
            error: Some(err.to_string().chars().take(MAX_ERROR_CHARS).collect()),
        }
    }

    fn state(&self, name: &str, source: McpSource) -> McpServerState {
        McpServerState {
            name: name.to_string(),
            source,
            status: self.status,
            tools: self.tools,
            error: self.error.clone(),
        }
    }
}

/// A server the user added to the chat.
#[derive(Clone)]
pub(super) struct UserServer {
    /// Tells this addition from an earlier one of the same name.
    id: u64,
    pub(super) spec: Arc<McpServerSpec>,
    pub(super) shown: Shown,
    /// Set once connected (by whoever connected first).
    pub(super) cell: Arc<OnceCell<McpConnection>>,
}

pub(super) struct Roster {
    /// The operator's servers' states, in their order.
    operator: Vec<Shown>,
    user: Vec<UserServer>,
    next_id: u64,
}

impl Roster {
    pub(super) fn new(operator_servers: usize) -> Roster {
        Roster {
            operator: vec![Shown::idle(); operator_servers],
            user: Vec::new(),
            next_id: 0,
        }
    }

    /// `mcp_servers` with every server's state.
    pub(super) fn event(&self, servers: &McpServers) -> ServerEvent {
        let operator = servers
            .servers
            .iter()
            .zip(&self.operator)
            .map(|(spec, shown)| shown.state(&spec.name, McpSource::Operator));
        let user = self
            .user
            .iter()
            .map(|server| server.shown.state(&server.spec.name, McpSource::User));
        ServerEvent::McpServers {
            servers: operator.chain(user).collect(),
        }
    }

    pub(super) fn set_operator(&mut self, index: usize, shown: Shown) {
        if let Some(slot) = self.operator.get_mut(index) {
            *slot = shown;
        }
    }

    pub(super) fn user_names(&self) -> Vec<String> {
        self.user.iter().map(|s| s.spec.name.clone()).collect()
    }

    pub(super) fn user_count(&self) -> usize {
        self.user.len()
    }

    pub(super) fn user(&self, name: &str) -> Option<&UserServer> {
        self.user.iter().find(|s| s.spec.name == name)
    }

    pub(super) fn user_by_id(&self, id: u64) -> Option<&UserServer> {
        self.user.iter().find(|s| s.id == id)
    }

    /// Adds a server, shown as connecting; its id.
    pub(super) fn push_user(&mut self, spec: McpServerSpec) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        self.user.push(UserServer {
            id,
            spec: Arc::new(spec),
            shown: Shown::connecting(),
            cell: Arc::new(OnceCell::new()),
        });
        id
    }

    pub(super) fn set_user(&mut self, id: u64, shown: Shown) {
        if let Some(server) = self.user.iter_mut().find(|s| s.id == id) {
            server.shown = shown;
        }
    }

    pub(super) fn remove_user(&mut self, name: &str) -> Option<UserServer> {
        let index = self.user.iter().position(|s| s.spec.name == name)?;
        Some(self.user.remove(index))
    }

    pub(super) fn take_users(&mut self) -> Vec<UserServer> {
        std::mem::take(&mut self.user)
    }
}

/// The list a new chat starts with: the operator's servers, none used
/// yet; `None` unless users may add servers.
pub(crate) fn initial_event(servers: &McpServers) -> Option<ServerEvent> {
    servers.users.as_ref()?;
    Some(Roster::new(servers.servers.len()).event(servers))
}
