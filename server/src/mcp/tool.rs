//! What hooks get from MCP servers: the tools they offer and the answers
//! of calls, as plain Loquat types (JSON values, strings) rather than
//! rmcp's, so an app does not depend on the MCP library's version.

use serde::{Deserialize, Serialize};

/// A tool an MCP server offers.
///
/// ```
/// let tool = loquat::McpTool {
///     server: "calc".into(),
///     name: "add".into(),
///     title: None,
///     description: Some("Adds two integers".into()),
///     input_schema: loquat::json!({ "type": "object" }),
/// };
/// assert_eq!(tool.qualified_name(), "calc__add");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct McpTool {
    /// The server's name in `[features.mcp] servers`.
    pub server: String,
    /// The tool's name on its server.
    pub name: String,
    /// A human-readable title, if the server gives one.
    pub title: Option<String>,
    /// What it does, for a model (or a person) to decide when to use it.
    pub description: Option<String>,
    /// The JSON Schema of its arguments (an object schema).
    pub input_schema: serde_json::Value,
}

impl McpTool {
    /// `server__tool`: a name unique across servers, for a model's tool
    /// list (letters, digits, - and _ when the tool's name is).
    pub fn qualified_name(&self) -> String {
        format!("{}__{}", self.server, self.name)
    }

    pub(crate) fn from_rmcp(server: &str, tool: rmcp::model::Tool) -> McpTool {
        McpTool {
            server: server.to_string(),
            name: tool.name.into_owned(),
            title: tool.title,
            description: tool.description.map(|d| d.into_owned()),
            input_schema: serde_json::Value::Object((*tool.input_schema).clone()),
        }
    }
}

/// The answer of a successful tool call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct McpToolResult {
    /// The server that answered.
    pub server: String,
    /// The tool that was called.
    pub tool: String,
    /// The text parts of the answer, joined by newlines: what to show, or
    /// give a model.
    pub text: String,
    /// Every part of the answer (text, images, audio, resources) as MCP's
    /// JSON content blocks.
    pub content: Vec<serde_json::Value>,
    /// The structured answer, for tools that declare an output schema.
    pub structured: Option<serde_json::Value>,
}

impl McpToolResult {
    /// The answer of `tool`, and whether the tool said it failed.
    pub(crate) fn from_rmcp(
        server: &str,
        tool: &str,
        result: rmcp::model::CallToolResult,
    ) -> (McpToolResult, bool) {
        let text = result
            .content
            .iter()
            .filter_map(|block| block.as_text().map(|t| t.text.as_str()))
            .collect::<Vec<_>>()
            .join("\n");
        let content = result
            .content
            .iter()
            .filter_map(|block| serde_json::to_value(block).ok())
            .collect();
        let failed = result.is_error == Some(true);
        let answer = McpToolResult {
            server: server.to_string(),
            tool: tool.to_string(),
            text,
            content,
            structured: result.structured_content,
        };
        (answer, failed)
    }
}
