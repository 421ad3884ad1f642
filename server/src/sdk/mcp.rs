//! MCP tools from hooks: list the tools of the `[features.mcp]` servers
//! and call them, as the chat's own connections (see `crate::mcp`).

use loquat_app::protocol::StepType;

use super::Chat;
use crate::mcp::{McpConnection, McpError, McpTool, McpToolResult};

impl Chat {
    /// The tools of every `[features.mcp]` server, connecting this chat to
    /// those it is not connected to yet (concurrently), and of every
    /// server the user added in the chat that is connected (one that
    /// failed to connect is left out: the user sees why in the MCP panel).
    ///
    /// ```no_run
    /// # async fn demo(chat: loquat::Chat) -> Result<(), loquat::BoxError> {
    /// for tool in chat.mcp_tools().await? {
    ///     let about = tool.description.as_deref().unwrap_or("");
    ///     chat.send(loquat::Message::assistant(format!("{}/{}: {about}", tool.server, tool.name)))
    ///         .await?;
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// [`McpError::Disabled`] without `[features.mcp] enabled`; else the
    /// first server's error ([`McpError::Connect`], [`McpError::Timeout`],
    /// …), naming the server.
    pub async fn mcp_tools(&self) -> Result<Vec<McpTool>, McpError> {
        let connections = self.session().mcp.all(self).await?;
        let listed =
            futures_util::future::join_all(connections.iter().map(McpConnection::tools)).await;
        let mut tools = Vec::new();
        for server_tools in listed {
            tools.extend(server_tools?);
        }
        Ok(tools)
    }

    /// Calls `tool` of the MCP server named `server` (a `[features.mcp]`
    /// server, or one the user added in the chat) with `arguments` (a JSON
    /// object), connecting first if needed.
    ///
    /// ```no_run
    /// # async fn demo(chat: loquat::Chat) -> Result<(), loquat::BoxError> {
    /// let sum = chat.call_mcp_tool("calc", "add", loquat::json!({ "a": 2, "b": 3 })).await?;
    /// chat.send(loquat::Message::assistant(format!("2 + 3 = {}", sum.text))).await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// [`McpError::ToolFailed`] when the tool reports a failure (its text
    /// is in the error, for a model to read), [`McpError::Timeout`] after
    /// `[features.mcp] call_timeout`, [`McpError::UnknownServer`], and the
    /// errors of connecting.
    pub async fn call_mcp_tool(
        &self,
        server: &str,
        tool: &str,
        arguments: serde_json::Value,
    ) -> Result<McpToolResult, McpError> {
        self.mcp_connection(server)
            .await?
            .call_tool(tool, arguments)
            .await
    }

    /// [`Chat::call_mcp_tool`] shown in the chat as a `tool` step named
    /// after the tool, with the arguments as its input and the answer as
    /// its output, or the error (the step then shows as failed).
    ///
    /// ```no_run
    /// # async fn demo(chat: loquat::Chat) -> Result<(), loquat::BoxError> {
    /// let weather = chat
    ///     .run_mcp_tool("weather", "forecast", loquat::json!({ "city": "Lisbon" }))
    ///     .await?;
    /// # let _ = weather; Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Chat::call_mcp_tool`]; [`McpError::Chat`] when the step
    /// cannot be shown (the chat ended).
    pub async fn run_mcp_tool(
        &self,
        server: &str,
        tool: &str,
        arguments: serde_json::Value,
    ) -> Result<McpToolResult, McpError> {
        let input = serde_json::to_string_pretty(&arguments).unwrap_or_default();
        let step = self
            .step(tool)
            .kind(StepType::Tool)
            .input(input)
            .language("json")
            .metadata("mcp_server", serde_json::Value::String(server.to_string()))
            .start()
            .await?;
        match self.call_mcp_tool(server, tool, arguments).await {
            Ok(result) => {
                step.finish_with(result.text.clone()).await?;
                Ok(result)
            }
            Err(err) => {
                step.fail(&err).await?;
                Err(err)
            }
        }
    }

    /// This chat's connection to the `[features.mcp]` server named
    /// `server`, made now if it is the first use (then
    /// [`Loquat::on_mcp_connect`](crate::Loquat::on_mcp_connect) runs
    /// first).
    ///
    /// ```no_run
    /// # async fn demo(chat: loquat::Chat) -> Result<(), loquat::BoxError> {
    /// let files = chat.mcp_connection("files").await?;
    /// let tools = files.tools().await?;
    /// # let _ = tools; Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// [`McpError::Disabled`], [`McpError::UnknownServer`], and the errors
    /// of connecting ([`McpError::Spawn`], [`McpError::Connect`],
    /// [`McpError::Timeout`]); [`McpError::Closed`] after the chat ended.
    pub async fn mcp_connection(&self, server: &str) -> Result<McpConnection, McpError> {
        self.session().mcp.connection(self, server).await
    }

    /// The names of the chat's MCP servers, without connecting: the
    /// `[features.mcp]` servers, then those the user added in the chat
    /// (with `user_servers` on). None when MCP is off.
    ///
    /// ```no_run
    /// # fn demo(chat: loquat::Chat) {
    /// if chat.mcp_servers().is_empty() {
    ///     tracing::info!("no MCP tools in this chat");
    /// }
    /// # }
    /// ```
    pub fn mcp_servers(&self) -> Vec<String> {
        self.session().mcp.names(self)
    }
}
