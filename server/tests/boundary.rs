//! The boundary through the real server: only the app's own hosts are
//! answered (DNS rebinding), only its own pages may open the WebSocket or
//! change anything (cross-site requests), and an import is JSON.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use loquat::{Chat, Loquat, Message};
use support::TestApp;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Error as WsError;

fn echo() -> Loquat {
    Loquat::new().on_message(|chat: Chat, msg: Message| async move {
        chat.send(Message::assistant(msg.content)).await?;
        Ok(())
    })
}

/// The status of a WebSocket handshake with these extra headers (101 when
/// it was accepted).
async fn ws_status(app: &TestApp, headers: &[(&str, &str)]) -> u16 {
    let mut request = format!("ws://{}/ws", app.addr)
        .into_client_request()
        .unwrap();
    for (name, value) in headers {
        let name: tokio_tungstenite::tungstenite::http::HeaderName = name.parse().unwrap();
        request.headers_mut().insert(name, value.parse().unwrap());
    }
    let connect = tokio_tungstenite::connect_async(request);
    match tokio::time::timeout(Duration::from_secs(10), connect).await {
        Ok(Ok((_, response))) => response.status().as_u16(),
        Ok(Err(WsError::Http(response))) => response.status().as_u16(),
        other => panic!("handshake neither accepted nor refused: {other:?}"),
    }
}

async fn request(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, String) {
    let mut builder = reqwest::Client::new()
        .request(method, app.url(path))
        .body(body.to_string());
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    let response = builder.send().await.expect("request");
    let status = response.status().as_u16();
    (status, response.text().await.unwrap_or_default())
}

const FORM: (&str, &str) = ("content-type", "application/x-www-form-urlencoded");

#[tokio::test]
async fn a_rebound_host_name_gets_no_answer_on_any_route() {
    let app = TestApp::start(echo()).await;
    let evil = format!("evil.example:{}", app.addr.port());
    let (status, body) = request(&app, reqwest::Method::GET, "/", &[("host", &evil)], "").await;
    assert_eq!(status, 421, "{body}");
    assert!(body.contains("allowed_hosts"), "{body}");
    let (status, _) = request(
        &app,
        reqwest::Method::POST,
        "/api/threads/list",
        &[("host", &evil), FORM],
        "",
    )
    .await;
    assert_eq!(status, 421);
    let (status, _) = request(
        &app,
        reqwest::Method::GET,
        "/healthz",
        &[("host", &evil)],
        "",
    )
    .await;
    assert_eq!(status, 421);
    assert_eq!(ws_status(&app, &[("host", &evil)]).await, 421);

    // The app's own names still work.
    for host in [
        format!("127.0.0.1:{}", app.addr.port()),
        format!("localhost:{}", app.addr.port()),
    ] {
        let (status, _) = request(&app, reqwest::Method::GET, "/", &[("host", &host)], "").await;
        assert_eq!(status, 200, "{host}");
        assert_eq!(ws_status(&app, &[("host", &host)]).await, 101, "{host}");
    }
}

#[tokio::test]
async fn only_the_apps_own_pages_may_open_the_websocket() {
    let app = TestApp::start(echo()).await;
    let port = app.addr.port();
    let own = format!("http://127.0.0.1:{port}");
    let localhost = format!("http://localhost:{port}");
    assert_eq!(ws_status(&app, &[("origin", &own)]).await, 101);
    assert_eq!(ws_status(&app, &[("origin", &localhost)]).await, 101);
    // Programs send no Origin.
    assert_eq!(ws_status(&app, &[]).await, 101);
    for origin in [
        "null".to_string(),
        "https://evil.example".to_string(),
        format!("https://127.0.0.1:{port}"),
        format!("http://127.0.0.1:{}", port.wrapping_add(1)),
        format!("http://127.0.0.1:{port}.evil.example"),
    ] {
        assert_eq!(
            ws_status(&app, &[("origin", &origin)]).await,
            403,
            "{origin}"
        );
    }
}

#[tokio::test]
async fn cross_site_requests_change_nothing() {
    let app = TestApp::start(echo()).await;
    let mut client = app.client().await;
    client.say("keep me").await;
    client.wait_for(|c| c.finished_replies().len() == 1).await;
    let thread = client.thread_id.clone();

    let cross_site: [&[(&str, &str)]; 3] = [
        &[("origin", "https://evil.example"), FORM],
        &[("origin", "null"), FORM],
        &[("sec-fetch-site", "cross-site"), FORM],
    ];
    for headers in cross_site {
        let rename = format!("id={thread}&name=pwned");
        let (status, body) = request(
            &app,
            reqwest::Method::POST,
            "/api/threads/rename",
            headers,
            &rename,
        )
        .await;
        assert_eq!(status, 403, "{headers:?}: {body}");
        let (status, _) = request(
            &app,
            reqwest::Method::POST,
            "/api/threads/delete",
            headers,
            &format!("id={thread}"),
        )
        .await;
        assert_eq!(status, 403, "{headers:?}");
        let (status, _) = request(
            &app,
            reqwest::Method::POST,
            "/api/threads/import",
            headers,
            "{}",
        )
        .await;
        assert_eq!(status, 403, "{headers:?}");
        let upload = format!("/api/sessions/{}/files?name=a.txt", client.session_id);
        let (status, _) = request(&app, reqwest::Method::POST, &upload, headers, "hello").await;
        assert_eq!(status, 403, "{headers:?}");
    }

    // The thread is as it was, and its own page may rename it.
    let (status, body) = app.server_fn("threads/list", &[]).await;
    assert_eq!(status, 200);
    assert!(!body.contains("pwned"), "{body}");
    let own = format!("http://127.0.0.1:{}", app.addr.port());
    let (status, body) = request(
        &app,
        reqwest::Method::POST,
        "/api/threads/rename",
        &[("origin", &own), ("sec-fetch-site", "same-origin"), FORM],
        &format!("id={thread}&name=renamed"),
    )
    .await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn an_import_must_be_sent_as_json() {
    let app = TestApp::start(echo()).await;
    for content_type in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ] {
        let (status, body) = request(
            &app,
            reqwest::Method::POST,
            "/api/threads/import",
            &[("content-type", content_type)],
            "{}",
        )
        .await;
        assert_eq!(status, 415, "{content_type}: {body}");
    }
    let (status, _) = request(
        &app,
        reqwest::Method::POST,
        "/api/threads/import",
        &[("content-type", "application/json; charset=utf-8")],
        "{}",
    )
    .await;
    assert_eq!(status, 400, "JSON gets through to the parser");
}

#[tokio::test]
async fn listed_origins_and_hosts_are_let_in() {
    let mut config = loquat::config::Config::default();
    config.project.allow_origins = vec!["https://www.example.com".into()];
    config.project.allowed_hosts = vec!["chat.internal".into()];
    let app = TestApp::start_with(echo(), config).await;
    assert_eq!(
        ws_status(&app, &[("origin", "https://www.example.com")]).await,
        101
    );
    let host = format!("chat.internal:{}", app.addr.port());
    let (status, _) = request(&app, reqwest::Method::GET, "/", &[("host", &host)], "").await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn session_ids_are_random_tokens_not_time_ordered_ids() {
    let app = TestApp::start(echo().without_persistence()).await;
    let first = app.client().await.session_id;
    let second = app.client().await.session_id;
    for id in [&first, &second] {
        assert_eq!(id.len(), 32, "{id}");
        assert!(id.bytes().all(|b| b.is_ascii_hexdigit()), "{id}");
    }
    // Time-ordered ids made a moment apart share their leading digits.
    assert_ne!(first[..8], second[..8]);
    // An upload to a made-up session finds nothing.
    let upload = format!("/api/sessions/{}/files?name=a.txt", "0".repeat(32));
    let (status, _) = request(&app, reqwest::Method::POST, &upload, &[], "hello").await;
    assert_eq!(status, 404);
}

fn limits(connections: loquat::ConnectionLimits) -> loquat::RuntimeLimits {
    loquat::RuntimeLimits {
        connections,
        ..Default::default()
    }
}

/// True once the server has closed `tcp` (end of stream or reset), reading
/// away whatever it sent first; false if it is still open at `deadline`.
async fn closed_by_server(tcp: &mut tokio::net::TcpStream, deadline: Duration) -> bool {
    use tokio::io::AsyncReadExt;
    let mut buf = [0u8; 1024];
    let read_until_closed = async {
        loop {
            match tcp.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    };
    tokio::time::timeout(deadline, read_until_closed)
        .await
        .is_ok()
}

#[tokio::test]
async fn a_client_that_never_finishes_its_headers_is_dropped() {
    use tokio::io::AsyncWriteExt;
    let app = TestApp::start(echo().limits(limits(loquat::ConnectionLimits {
        header_read_timeout: Duration::from_millis(300),
        ..Default::default()
    })))
    .await;
    // Silent after the request line.
    let mut silent = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    silent.write_all(b"GET / HTTP/1.1\r\n").await.unwrap();
    // Trickling one header line at a time, never the blank line.
    let mut trickle = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    trickle.write_all(b"GET / HTTP/1.1\r\n").await.unwrap();
    let writer = tokio::spawn(async move {
        for i in 0..40 {
            let line = format!("x-slow-{i}: 1\r\n");
            if trickle.write_all(line.as_bytes()).await.is_err() {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        false
    });
    assert!(closed_by_server(&mut silent, Duration::from_secs(5)).await);
    assert!(
        writer.await.unwrap(),
        "the trickling client was still being read after 4 s"
    );
    // A normal request still works.
    let (status, _) = app.get("/healthz").await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn one_client_cannot_hold_more_connections_than_its_share() {
    use tokio::io::AsyncReadExt;
    let app = TestApp::start(echo().limits(limits(loquat::ConnectionLimits {
        max_per_client: 3,
        ..Default::default()
    })))
    .await;
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(app.client().await);
    }
    let mut over = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    let mut answer = String::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), over.read_to_string(&mut answer)).await;
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.contains("too many open connections"), "{answer}");

    // Closing one frees its place.
    held.pop().unwrap().drop_connection().await;
    let deadline = tokio::time::Instant::now() + support::DEADLINE;
    loop {
        let response = reqwest::get(app.url("/healthz")).await;
        if response.is_ok_and(|r| r.status() == 200) {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the freed place was not given back"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_websocket_that_stops_answering_pings_is_closed_and_a_live_one_is_not() {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message as WsMessage;
    let app = TestApp::start(echo().limits(loquat::RuntimeLimits {
        websocket: loquat::WebSocketLimits {
            ping_interval: Duration::from_millis(100),
            idle_timeout: Duration::from_millis(400),
            ..Default::default()
        },
        ..Default::default()
    }))
    .await;
    let hello = r#"{"type":"hello"}"#;
    let url = format!("ws://{}/ws", app.addr);
    let (mut silent, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
    silent.send(WsMessage::Text(hello.into())).await.unwrap();
    let (mut live, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
    live.send(WsMessage::Text(hello.into())).await.unwrap();

    // The live client keeps reading (and so answers pings) for a while;
    // the silent one reads nothing meanwhile, so it answers none.
    let keep_reading = tokio::time::Instant::now() + Duration::from_millis(1500);
    while let Ok(Some(frame)) = tokio::time::timeout_at(keep_reading, live.next()).await {
        assert!(frame.is_ok(), "the live socket failed: {frame:?}");
    }
    live.send(WsMessage::Text(
        r#"{"type":"send","content":"still here"}"#.into(),
    ))
    .await
    .unwrap();
    let answered = tokio::time::timeout(support::DEADLINE, async {
        while let Some(Ok(frame)) = live.next().await {
            if let WsMessage::Text(text) = frame {
                if text.contains("assistant_message") && text.contains("still here") {
                    return true;
                }
            }
        }
        false
    })
    .await;
    assert_eq!(answered, Ok(true), "the live socket got no answer");

    // The silent one was closed by the server: reading it now ends.
    let closed = tokio::time::timeout(support::DEADLINE, async {
        while let Some(frame) = silent.next().await {
            if matches!(frame, Ok(WsMessage::Close(_)) | Err(_)) {
                break;
            }
        }
    })
    .await;
    assert!(closed.is_ok(), "the silent socket is still open");
}
