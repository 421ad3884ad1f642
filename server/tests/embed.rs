//! Loquat inside a developer's own axum service (`Loquat::into_router`):
//! their routes and the chat under its root path share one server, one
//! runtime and one shutdown.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::net::SocketAddr;

use axum::routing::get;
use axum::Router;
use loquat::{Chat, Loquat, Message, RootPath, ServeOptions};
use support::{Client, TempDir, DEADLINE};

/// GET `path` on `addr`: status and body.
async fn get_text(addr: SocketAddr, path: &str) -> (u16, String) {
    let response = reqwest::get(format!("http://{addr}{path}"))
        .await
        .expect("a response");
    let status = response.status().as_u16();
    (status, response.text().await.unwrap_or_default())
}

#[tokio::test]
async fn the_chat_serves_under_its_root_path_inside_the_developers_router() {
    let dir = TempDir::new();
    // The developer's listener first: the chat must know the address.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a listener");
    let addr = listener.local_addr().expect("an address");
    let options = ServeOptions {
        port: addr.port(),
        root_path: Some(RootPath::parse("/chat").expect("a root path")),
        ..ServeOptions::ephemeral(dir.path.clone())
    };
    let chat = Loquat::new()
        .on_message(|chat: Chat, msg: Message| async move {
            chat.send(Message::assistant(format!("Embedded: {}", msg.content)))
                .await?;
            Ok(())
        })
        .into_router(options)
        .await
        .expect("the chat's router");
    let app = Router::new()
        .route("/", get(|| async { "the developer's home" }))
        .route("/api/status", get(|| async { "all good" }))
        .merge(chat.router());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async {
            let _ = stopped.await;
        })
        .await
    });

    // The developer's routes answer as before.
    assert_eq!(
        get_text(addr, "/").await,
        (200, "the developer's home".into())
    );
    assert_eq!(
        get_text(addr, "/api/status").await,
        (200, "all good".into())
    );
    // The chat's page is under /chat/ and loads its bundle from there.
    let (status, page) = get_text(addr, "/chat/").await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("\"/chat/pkg/"),
        "the page loads its bundle from /chat/: {page}"
    );
    assert_eq!(get_text(addr, "/chat/healthz").await, (200, "ok".into()));
    // Outside its root path nothing is the chat's.
    assert_eq!(get_text(addr, "/ws").await.0, 404);
    assert_eq!(get_text(addr, "/healthz").await.0, 404);

    // A conversation over the chat's socket.
    let mut client = Client::connect_url(&format!("ws://{addr}/chat/ws"), None, None).await;
    client.say("hello").await;
    // (wait_for fails the test after the deadline.)
    client
        .wait_for(|c| c.steps.iter().any(|s| s.output == "Embedded: hello"))
        .await;
    client.leave().await;

    let _ = stop.send(());
    tokio::time::timeout(DEADLINE, server)
        .await
        .expect("the server stops")
        .expect("the server task")
        .expect("serving");
    tokio::time::timeout(DEADLINE, chat.shutdown())
        .await
        .expect("the chat shuts down");
}
