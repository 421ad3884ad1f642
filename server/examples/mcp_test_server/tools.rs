//! The tools of the MCP server Loquat's tests talk to, over stdio (this
//! example) and over streamable HTTP (mounted by `tests/mcp.rs`).

use std::time::Duration;

use rmcp::handler::server::wrapper::Parameters;
use rmcp::{schemars, tool, tool_router};

#[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
pub struct AddParams {
    /// The left-hand number.
    pub a: i64,
    /// The right-hand number.
    pub b: i64,
}

#[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
pub struct EchoParams {
    /// What to say back.
    pub text: String,
}

#[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
pub struct SleepParams {
    /// How long to wait before answering, in milliseconds.
    pub ms: u64,
}

#[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
pub struct SizeParams {
    /// How many bytes of text to answer with.
    pub bytes: usize,
}

/// A tools-only MCP server: arithmetic, echo, a failing tool, a slow one
/// and one with a large answer.
#[derive(Debug, Clone, Default)]
pub struct TestTools;

#[tool_router(server_handler)]
impl TestTools {
    #[tool(description = "Adds two integers")]
    fn add(&self, Parameters(AddParams { a, b }): Parameters<AddParams>) -> String {
        a.saturating_add(b).to_string()
    }

    #[tool(description = "Says the text back")]
    fn echo(&self, Parameters(EchoParams { text }): Parameters<EchoParams>) -> String {
        text
    }

    #[tool(description = "Always fails, with a message")]
    fn fail(&self) -> Result<String, String> {
        Err("the disk is on fire".to_string())
    }

    #[tool(description = "Answers after a while")]
    async fn sleep(&self, Parameters(SleepParams { ms }): Parameters<SleepParams>) -> String {
        tokio::time::sleep(Duration::from_millis(ms)).await;
        "awake".to_string()
    }

    #[tool(description = "Answers with this many bytes of text")]
    fn large(&self, Parameters(SizeParams { bytes }): Parameters<SizeParams>) -> String {
        "x".repeat(bytes.min(64 * 1024 * 1024))
    }
}
