//! Loquat inside an axum service of your own: your routes at `/`, the chat
//! under `/chat/`, one server, one runtime, one graceful shutdown.
//!
//! Run: `cargo run -p loquat --example axum_embed` and open
//! http://127.0.0.1:3000/ (your page) and http://127.0.0.1:3000/chat/ (the
//! chat). It takes the usual options (`-- run --port 8080 --root-path
//! /assistant`). See docs/deploy.md, "Inside your own axum app".
use std::net::SocketAddr;

use axum::response::Html;
use axum::routing::get;
use axum::Router;
use loquat::cli::{Cli, Command};
use loquat::{Chat, Loquat, Message, RootPath};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let Command::Run(mut options) = Cli::command() else {
        return Err("this example only serves: run it without a command, or with `run`".into());
    };
    // The chat lives under /chat unless told otherwise.
    let root = options
        .root_path
        .get_or_insert(RootPath::parse("/chat")?)
        .clone();
    // Your server's address: the chat answers to this host.
    let addr: SocketAddr = format!("{}:{}", options.host, options.port).parse()?;
    let listener = tokio::net::TcpListener::bind(addr).await?;
    options.port = listener.local_addr()?.port();

    let chat = Loquat::new()
        .on_message(|chat: Chat, msg: Message| async move {
            chat.send(Message::assistant(format!("Received: {}", msg.content)))
                .await?;
            Ok(())
        })
        .into_router(options)
        .await?;

    let home = format!(
        r#"<!DOCTYPE html><title>My product</title><link rel="icon" href="data:,"><h1>My product</h1><p><a href="{}">Ask the assistant</a></p>"#,
        root.home()
    );
    let app = Router::new()
        .route("/", get(move || async move { Html(home) }))
        .route("/api/status", get(|| async { "all good" }))
        .merge(chat.router());

    println!(
        "listening on http://{} (the chat at {})",
        listener.local_addr()?,
        root.home()
    );
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    // Running replies finish and everything is written.
    chat.shutdown().await;
    Ok(())
}
