//! A small MCP server for Loquat's MCP tests: tools `add`, `echo`,
//! `fail`, `sleep` and `large`. Over stdio (`tests/mcp.rs` spawns the
//! built example), or over streamable HTTP at `/mcp` with
//! `--http 127.0.0.1:PORT` (the browser tests add it as a user's server).
//!
//! With `MCP_TEST_PID_FILE` set, it writes its process id there first, so
//! that a test can check the process is gone after the chat ends.
//!
//! ```sh
//! cargo run -p loquat --example mcp_test_server
//! cargo run -p loquat --example mcp_test_server -- --http 127.0.0.1:8931
//! ```

mod tools;

use rmcp::ServiceExt;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    if let Some(path) = std::env::var_os("MCP_TEST_PID_FILE") {
        std::fs::write(path, std::process::id().to_string())?;
    }
    let mut args = std::env::args().skip(1);
    if args.next().as_deref() == Some("--http") {
        let addr = args.next().ok_or("--http needs an address")?;
        return serve_http(&addr).await;
    }
    let service = tools::TestTools.serve(rmcp::transport::stdio()).await?;
    service.waiting().await?;
    Ok(())
}

/// The tools over streamable HTTP at `http://ADDR/mcp`, until killed.
async fn serve_http(addr: &str) -> Result<(), Box<dyn std::error::Error>> {
    use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
    use rmcp::transport::streamable_http_server::{
        StreamableHttpServerConfig, StreamableHttpService,
    };
    let service = StreamableHttpService::new(
        || Ok(tools::TestTools),
        LocalSessionManager::default().into(),
        StreamableHttpServerConfig::default(),
    );
    let router = axum::Router::new().nest_service("/mcp", service);
    let listener = tokio::net::TcpListener::bind(addr).await?;
    axum::serve(listener, router).await?;
    Ok(())
}
