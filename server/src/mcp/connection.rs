//! One chat's connection to one MCP server: made (a child started, or an
//! HTTP session opened, then MCP's handshake) with `connect_timeout`,
//! every request bounded by `call_timeout`, answers by `max_result_kb`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use rmcp::model::{CallToolRequestParams, ClientCapabilities, ClientConfig, Implementation};
use rmcp::service::{Peer, RunningService};
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::transport::{StreamableHttpClientTransport, TokioChildProcess};
use rmcp::{RoleClient, ServiceExt};

use super::servers::{McpLimits, McpServerSpec, Target};
use super::{McpError, McpTool, McpToolResult};

/// How long closing may take: a stdio server gets 3 s to exit after its
/// stdin closes, then SIGTERM and 3 s more, then it is killed.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(10);

/// Room for the JSON-RPC envelope around an answer of `max_result_kb`.
const ENVELOPE_BYTES: usize = 64 * 1024;

type Service = RunningService<RoleClient, ClientConfig>;

/// A chat's live connection to one MCP server, as [`Loquat::on_mcp_connect`]
/// gets it. Cheap to clone; it closes when the chat ends.
///
/// [`Loquat::on_mcp_connect`]: crate::Loquat::on_mcp_connect
///
/// ```no_run
/// # async fn demo(connection: loquat::McpConnection) -> Result<(), loquat::McpError> {
/// for tool in connection.tools().await? {
///     println!("{}: {}", tool.name, tool.description.unwrap_or_default());
/// }
/// let sum = connection.call_tool("add", loquat::json!({ "a": 2, "b": 3 })).await?;
/// assert_eq!(sum.text, "5");
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct McpConnection {
    inner: Arc<Inner>,
}

struct Inner {
    name: String,
    peer: Peer<RoleClient>,
    limits: McpLimits,
    closed: AtomicBool,
    /// Taken when the connection closes.
    service: tokio::sync::Mutex<Option<Service>>,
}

impl std::fmt::Debug for McpConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("McpConnection")
            .field("server", &self.inner.name)
            .finish()
    }
}

impl McpConnection {
    /// Reaches the server of `spec` and completes MCP's handshake.
    pub(crate) async fn open(spec: &McpServerSpec, limits: McpLimits) -> Result<Self, McpError> {
        let server = spec.name.clone();
        let info = ClientConfig::new(
            ClientCapabilities::default(),
            Implementation::new("loquat", env!("CARGO_PKG_VERSION")),
        );
        let handshake = async {
            let connected = match &spec.target {
                Target::Http { url, headers } => {
                    let bound = limits.max_result_bytes.saturating_add(ENVELOPE_BYTES);
                    let config = StreamableHttpClientTransportConfig::with_uri(url.as_str())
                        .custom_headers(headers.clone())
                        .max_json_response_size(bound)
                        .max_sse_event_size(bound);
                    info.serve(StreamableHttpClientTransport::from_config(config))
                        .await
                }
                Target::Stdio { program, args, env } => {
                    let mut command = tokio::process::Command::new(program);
                    command
                        .args(args)
                        .env_clear()
                        .envs(env.iter().map(|(k, v)| (k, v)))
                        // Killed if Loquat drops it without closing (its
                        // own exit included).
                        .kill_on_drop(true);
                    let child =
                        TokioChildProcess::new(command).map_err(|source| McpError::Spawn {
                            server: server.clone(),
                            source,
                        })?;
                    info.serve(child).await
                }
            };
            connected.map_err(|err| McpError::Connect {
                server: server.clone(),
                message: err.to_string(),
            })
        };
        let service = tokio::time::timeout(limits.connect_timeout, handshake)
            .await
            .map_err(|_| McpError::Timeout {
                server: server.clone(),
                doing: "connecting".into(),
                after: limits.connect_timeout,
            })??;
        Ok(McpConnection {
            inner: Arc::new(Inner {
                name: server,
                peer: service.peer().clone(),
                limits,
                closed: AtomicBool::new(false),
                service: tokio::sync::Mutex::new(Some(service)),
            }),
        })
    }

    /// The server's name in `[features.mcp] servers`.
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// The tools the server offers now (every page of its list).
    ///
    /// # Errors
    ///
    /// [`McpError::Timeout`] after `[features.mcp] call_timeout`,
    /// [`McpError::Service`] when the server answers with an error or the
    /// connection broke, [`McpError::Closed`] once the chat has ended.
    pub async fn tools(&self) -> Result<Vec<McpTool>, McpError> {
        let tools = self
            .bounded("listing tools".into(), self.inner.peer.list_all_tools())
            .await?;
        Ok(tools
            .into_iter()
            .map(|tool| McpTool::from_rmcp(&self.inner.name, tool))
            .collect())
    }

    /// Calls `tool` with `arguments` (a JSON object, or null for none).
    ///
    /// # Errors
    ///
    /// [`McpError::ToolFailed`] when the tool reports a failure (with its
    /// text), [`McpError::ResultTooLarge`] past `max_result_kb`,
    /// [`McpError::ArgumentsNotObject`], and as [`McpConnection::tools`].
    pub async fn call_tool(
        &self,
        tool: &str,
        arguments: serde_json::Value,
    ) -> Result<McpToolResult, McpError> {
        let mut params = CallToolRequestParams::new(tool.to_string());
        match arguments {
            serde_json::Value::Object(map) => params = params.with_arguments(map),
            serde_json::Value::Null => {}
            other => {
                return Err(McpError::ArgumentsNotObject {
                    tool: tool.to_string(),
                    found: json_type(&other),
                })
            }
        }
        let result = self
            .bounded(
                format!("calling tool `{tool}`"),
                self.inner.peer.call_tool(params),
            )
            .await?;
        let server = &self.inner.name;
        // Streamable HTTP bounds the bytes as they arrive; stdio's lines
        // are bounded by rmcp (16 MiB), and the answer is checked here.
        let size = serde_json::to_vec(&result).map_or(usize::MAX, |bytes| bytes.len());
        if size > self.inner.limits.max_result_bytes {
            return Err(McpError::ResultTooLarge {
                server: server.clone(),
                tool: tool.to_string(),
                limit: self.inner.limits.max_result_bytes,
            });
        }
        let (answer, failed) = McpToolResult::from_rmcp(server, tool, result);
        if failed {
            return Err(McpError::ToolFailed {
                server: server.clone(),
                tool: tool.to_string(),
                message: answer.text,
            });
        }
        Ok(answer)
    }

    /// Runs a request with `call_timeout`, mapping its errors.
    async fn bounded<T>(
        &self,
        doing: String,
        request: impl std::future::Future<Output = Result<T, rmcp::ServiceError>>,
    ) -> Result<T, McpError> {
        if self.inner.closed.load(Ordering::SeqCst) {
            return Err(McpError::Closed);
        }
        let after = self.inner.limits.call_timeout;
        match tokio::time::timeout(after, request).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(err)) => Err(McpError::Service {
                server: self.inner.name.clone(),
                message: err.to_string(),
            }),
            Err(_) => Err(McpError::Timeout {
                server: self.inner.name.clone(),
                doing,
                after,
            }),
        }
    }

    /// Ends the connection: an HTTP session is deleted, a stdio server's
    /// stdin closed and the process waited for (then terminated, then
    /// killed). Closing twice does nothing.
    pub(crate) async fn close(&self) {
        self.inner.closed.store(true, Ordering::SeqCst);
        let service = self.inner.service.lock().await.take();
        if let Some(mut service) = service {
            match service.close_with_timeout(CLOSE_TIMEOUT).await {
                Ok(Some(_)) => {}
                // Dropped: the child is killed all the same.
                Ok(None) => tracing::warn!(server = %self.inner.name, "MCP server slow to close"),
                Err(err) => tracing::warn!(server = %self.inner.name, error = %err, "MCP close"),
            }
        }
    }
}

fn json_type(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}
