//! What can go wrong with MCP: in the configuration (the app does not
//! start) and while a chat uses a server (the hook gets the error).

use std::time::Duration;

/// A problem with `[features.mcp]` that stops the app from starting.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum McpConfigError {
    /// More servers than Loquat connects a chat to.
    #[error("{count} servers; at most {max} are allowed")]
    TooManyServers {
        /// How many are configured.
        count: usize,
        /// The most allowed.
        max: usize,
    },
    /// A name that is empty, too long or has other characters.
    #[error("server name {name:?}: use 1 to {max} letters, digits, - and _")]
    BadName {
        /// The name as configured.
        name: String,
        /// The longest name allowed.
        max: usize,
    },
    /// Two servers with one name.
    #[error("two servers are named `{0}`")]
    DuplicateName(String),
    /// `transport = "sse"`.
    #[error(
        "server `{0}`: transport \"sse\" is not supported (MCP replaced it with streamable \
         HTTP, and rmcp, the MCP library Loquat uses, has no SSE client); use \
         transport = \"streamable_http\" with the server's streamable HTTP endpoint"
    )]
    SseUnsupported(String),
    /// An HTTP server without a URL.
    #[error("server `{0}`: transport \"streamable_http\" needs a url")]
    MissingUrl(String),
    /// A URL that does not parse, or is not http(s).
    #[error("server `{server}`: url {url:?} is not an http:// or https:// URL")]
    BadUrl {
        /// The server.
        server: String,
        /// The URL as configured.
        url: String,
    },
    /// A header name or value HTTP cannot carry.
    #[error("server `{server}`: header {header:?} is not a valid HTTP header name and value")]
    BadHeader {
        /// The server.
        server: String,
        /// The header's name as configured.
        header: String,
    },
    /// A stdio server without a command.
    #[error("server `{0}`: transport \"stdio\" needs a command")]
    MissingCommand(String),
    /// A stdio command that `allowed_executables` does not list.
    #[error(
        "server `{server}`: the command {command:?} is not in [features.mcp] \
         allowed_executables (add it there to let it run)"
    )]
    NotAllowed {
        /// The server.
        server: String,
        /// The command as configured.
        command: String,
    },
    /// An environment variable name a process cannot have.
    #[error("server `{server}`: {name:?} is not an environment variable name")]
    BadEnvName {
        /// The server.
        server: String,
        /// The name as configured.
        name: String,
    },
    /// `user_servers = true` without `user_allowed_hosts`.
    #[error(
        "user_servers = true needs user_allowed_hosts: without a list of the hosts users' \
         servers may be on, a user could make this server connect to anything it can reach \
         (cloud metadata, internal services)"
    )]
    UserServersWithoutHosts,
    /// A `user_allowed_hosts` entry that is not `host`, `host:port` or
    /// `*.domain`.
    #[error("user_allowed_hosts: {0:?} is not host, host:port or *.domain")]
    BadHostPattern(String),
    /// A key of the other transport (a url for stdio, a command for HTTP).
    #[error("server `{server}`: `{key}` is not used by transport \"{transport}\"")]
    WrongKey {
        /// The server.
        server: String,
        /// The key that does not belong.
        key: &'static str,
        /// The server's transport.
        transport: &'static str,
    },
}

/// Why an MCP operation of a chat failed. Hooks can `?` it; the chat then
/// shows its message.
#[derive(Debug, thiserror::Error)]
pub enum McpError {
    /// `[features.mcp] enabled` is off.
    #[error("MCP is not enabled (set [features.mcp] enabled = true)")]
    Disabled,
    /// No configured server has this name.
    #[error("no MCP server is named `{0}` in [features.mcp] servers")]
    UnknownServer(String),
    /// The stdio server's program could not be started.
    #[error("cannot start MCP server `{server}`: {source}")]
    Spawn {
        /// The server.
        server: String,
        /// Why the process did not start.
        source: std::io::Error,
    },
    /// The server could not be reached, or refused MCP's handshake.
    #[error("cannot connect to MCP server `{server}`: {message}")]
    Connect {
        /// The server.
        server: String,
        /// What the transport or the server said.
        message: String,
    },
    /// The server did not answer in time (`connect_timeout` or
    /// `call_timeout`).
    #[error("MCP server `{server}` did not answer within {} s ({doing})", after.as_secs_f32())]
    Timeout {
        /// The server.
        server: String,
        /// What was asked: "connecting", "listing tools", "calling tool `x`".
        doing: String,
        /// How long Loquat waited.
        after: Duration,
    },
    /// The server answered with an error (an unknown tool, bad
    /// arguments), or the connection broke.
    #[error("MCP server `{server}`: {message}")]
    Service {
        /// The server.
        server: String,
        /// What went wrong.
        message: String,
    },
    /// The tool ran and reported a failure; `message` is its text, for a
    /// model to read and try again.
    #[error("MCP tool `{tool}` of server `{server}` failed: {message}")]
    ToolFailed {
        /// The server.
        server: String,
        /// The tool.
        tool: String,
        /// The tool's own words.
        message: String,
    },
    /// The tool's answer is larger than `[features.mcp] max_result_kb`.
    #[error(
        "the answer of MCP tool `{tool}` of server `{server}` is larger than {limit} bytes \
         ([features.mcp] max_result_kb)"
    )]
    ResultTooLarge {
        /// The server.
        server: String,
        /// The tool.
        tool: String,
        /// The bound, in bytes.
        limit: usize,
    },
    /// Tool arguments must be a JSON object (or null for none).
    #[error("the arguments of MCP tool `{tool}` must be a JSON object, not {found}")]
    ArgumentsNotObject {
        /// The tool.
        tool: String,
        /// The JSON type given.
        found: &'static str,
    },
    /// The chat ended; its connections are closed.
    #[error("the chat has ended; its MCP connections are closed")]
    Closed,
    /// Showing the call as a step failed.
    #[error(transparent)]
    Chat(#[from] crate::ChatError),
}
