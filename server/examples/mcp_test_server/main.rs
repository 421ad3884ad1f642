//! A small MCP server over stdio, for Loquat's MCP tests (`tests/mcp.rs`
//! spawns the built example): tools `add`, `echo`, `fail`, `sleep` and
//! `large`.
//!
//! With `MCP_TEST_PID_FILE` set, it writes its process id there first, so
//! that a test can check the process is gone after the chat ends.
//!
//! ```sh
//! cargo run -p loquat --example mcp_test_server
//! ```

mod tools;

use rmcp::ServiceExt;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    if let Some(path) = std::env::var_os("MCP_TEST_PID_FILE") {
        std::fs::write(path, std::process::id().to_string())?;
    }
    let service = tools::TestTools.serve(rmcp::transport::stdio()).await?;
    service.waiting().await?;
    Ok(())
}
