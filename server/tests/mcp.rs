//! MCP tools from hooks, against a real MCP server (built with rmcp's
//! server side: `examples/mcp_test_server`): over stdio (the built example,
//! spawned by Loquat) and over streamable HTTP (its tools mounted on an
//! axum router here). A hook lists the tools and calls them, and the
//! answers appear in the chat; a failing tool and a slow one are clear
//! errors; a command not in `allowed_executables` stops the start; the
//! stdio server's process is gone once the chat ends. With
//! `user_servers`, a user adds a server of their own over the socket and
//! the chat uses it; what a user may not add is refused, and one user's
//! servers are never another's.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

#[path = "../examples/mcp_test_server/tools.rs"]
mod tools;

use std::net::SocketAddr;

use axum::response::IntoResponse;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use loquat::config::{Config, ConfigError, McpSection, McpServerEntry, McpTransport};
use loquat::protocol::{ClientEvent, ErrorCode, McpServerState, McpSource, McpStatus, ServerEvent};
use loquat::{
    Chat, Loquat, McpConfigError, McpConnection, McpError, Message, ServeError, ServeOptions,
    StepType,
};
use support::{TempDir, TestApp, DEADLINE};

/// The example server, built by `cargo test` next to this test's binary
/// (`target/<profile>/examples/`).
fn stdio_server() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().and_then(|deps| deps.parent()).unwrap();
    let path = profile_dir
        .join("examples")
        .join(format!("mcp_test_server{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.exists(),
        "{} is missing: `cargo test -p loquat` builds it (or `cargo build -p loquat --example \
         mcp_test_server`)",
        path.display()
    );
    path
}

fn stdio_entry(name: &str, command: &str, pid_file: &std::path::Path) -> McpServerEntry {
    McpServerEntry {
        name: name.into(),
        transport: McpTransport::Stdio,
        url: None,
        headers: Default::default(),
        command: Some(command.into()),
        args: Vec::new(),
        env: [(
            "MCP_TEST_PID_FILE".to_string(),
            pid_file.display().to_string(),
        )]
        .into(),
    }
}

fn http_entry(name: &str, url: &str, api_key: &str) -> McpServerEntry {
    McpServerEntry {
        name: name.into(),
        transport: McpTransport::StreamableHttp,
        url: Some(url.into()),
        headers: [("X-Api-Key".to_string(), api_key.to_string())].into(),
        command: None,
        args: Vec::new(),
        env: Default::default(),
    }
}

fn config_with(servers: Vec<McpServerEntry>, allowed: Vec<String>) -> Config {
    let mut config = Config::default();
    config.features.mcp = McpSection {
        enabled: true,
        servers,
        allowed_executables: allowed,
        connect_timeout: Duration::from_secs(10),
        call_timeout: Duration::from_secs(1),
        ..McpSection::default()
    };
    config
}

/// The test tools over streamable HTTP on a loopback port, behind a
/// check of the `X-Api-Key` header the config sends.
async fn http_server() -> SocketAddr {
    use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
    use rmcp::transport::streamable_http_server::{
        StreamableHttpServerConfig, StreamableHttpService,
    };
    let service = StreamableHttpService::new(
        || Ok(tools::TestTools),
        LocalSessionManager::default().into(),
        StreamableHttpServerConfig::default(),
    );
    let router =
        axum::Router::new()
            .nest_service("/mcp", service)
            .layer(axum::middleware::from_fn(
                |request: axum::extract::Request, next: axum::middleware::Next| async move {
                    let key = request.headers().get("x-api-key");
                    if key.is_none_or(|k| k.as_bytes() != b"sesame") {
                        return axum::http::StatusCode::UNAUTHORIZED.into_response();
                    }
                    next.run(request).await
                },
            ));
    support::serve_on_loopback(router).await
}

/// An app whose hook lists the tools on "tools" and calls the one a
/// message names, as `server tool {json}`; connections are announced in
/// the chat and disconnections recorded in `gone`.
fn tool_app(gone: Arc<Mutex<Vec<String>>>) -> Loquat {
    Loquat::new()
        .on_mcp_connect(|chat: Chat, connection: McpConnection| async move {
            let count = connection.tools().await?.len();
            chat.send(Message::system(format!(
                "connected to {} ({count} tools)",
                connection.name()
            )))
            .await?;
            Ok(())
        })
        .on_mcp_disconnect(move |_chat: Chat, server: String| {
            let gone = gone.clone();
            async move {
                gone.lock().unwrap().push(server);
                Ok(())
            }
        })
        .on_message(|chat: Chat, msg: Message| async move {
            if msg.content == "tools" {
                let mut names: Vec<String> = chat
                    .mcp_tools()
                    .await?
                    .iter()
                    .map(|t| format!("{}/{}", t.server, t.name))
                    .collect();
                names.sort();
                chat.send(Message::assistant(names.join(" "))).await?;
                return Ok(());
            }
            let mut parts = msg.content.splitn(3, ' ');
            let (server, tool) = (parts.next().unwrap(), parts.next().unwrap_or(""));
            let args = serde_json::from_str(parts.next().unwrap_or("null"))?;
            match chat.run_mcp_tool(server, tool, args).await {
                Ok(result) => chat.send(Message::assistant(format!("= {}", result.text))),
                Err(err @ (McpError::ToolFailed { .. } | McpError::Timeout { .. })) => {
                    chat.send(Message::assistant(format!("error: {err}")))
                }
                Err(err) => return Err(err.into()),
            }
            .await?;
            Ok(())
        })
}

/// Says `text` and waits for the assistant's reply that starts with
/// `reply_starts`, among the steps that came after.
async fn ask(client: &mut support::Client, text: &str, reply_starts: &str) -> String {
    let before = client.steps.len();
    let reply = |c: &support::Client| {
        c.steps[before.min(c.steps.len())..]
            .iter()
            .find(|s| {
                s.step_type == StepType::AssistantMessage && s.output.starts_with(reply_starts)
            })
            .map(|s| s.output.clone())
    };
    client.say(text).await;
    client.wait_for(|c| reply(c).is_some()).await;
    reply(client).unwrap()
}

/// Says `text` and waits for the error the hook fails with.
async fn hook_error(client: &mut support::Client, text: &str) -> String {
    client.say(text).await;
    client
        .wait_for(|c| c.steps.iter().any(|s| s.is_error))
        .await;
    let error = client.steps.iter().find(|s| s.is_error).unwrap();
    error.output.clone()
}

/// Polls `done` until it holds; panics after the deadline.
async fn eventually(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + DEADLINE;
    while !done() {
        assert!(tokio::time::Instant::now() < deadline, "timed out: {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// [`tool_app`] with the example as stdio server `calc`, allowed; it
/// writes its process id to `pid_file`.
struct StdioApp {
    app: TestApp,
    gone: Arc<Mutex<Vec<String>>>,
    pid_file: PathBuf,
    _dir: TempDir,
}

impl StdioApp {
    async fn start() -> StdioApp {
        let dir = TempDir::new();
        let pid_file = dir.path.join("server.pid");
        let server = stdio_server().display().to_string();
        let config = config_with(
            vec![stdio_entry("calc", &server, &pid_file)],
            vec![server.clone()],
        );
        let gone = Arc::new(Mutex::new(Vec::new()));
        let app = TestApp::start_with(tool_app(gone.clone()), config).await;
        StdioApp {
            app,
            gone,
            pid_file,
            _dir: dir,
        }
    }

    /// The server's `/proc` entry (there while it runs, or is a zombie).
    fn proc_dir(&self) -> PathBuf {
        let pid = std::fs::read_to_string(&self.pid_file).unwrap();
        PathBuf::from(format!("/proc/{}", pid.trim()))
    }
}

#[tokio::test]
async fn a_hook_lists_and_calls_the_tools_of_a_stdio_server_whose_process_ends_with_the_chat() {
    let stdio = StdioApp::start().await;
    let (app, gone) = (&stdio.app, &stdio.gone);
    let mut client = app.client().await;

    let tools = ask(&mut client, "tools", "calc/").await;
    assert_eq!(tools, "calc/add calc/echo calc/fail calc/large calc/sleep");
    assert!(
        client
            .steps
            .iter()
            .any(|s| s.output == "connected to calc (5 tools)"),
        "on_mcp_connect did not run: {:#?}",
        client.steps
    );
    assert_eq!(
        ask(&mut client, r#"calc add {"a": 2, "b": 40}"#, "= ").await,
        "= 42"
    );
    // Shown as a tool step with its input and output.
    let step = client.step_named("add").expect("a step for the call");
    assert_eq!(step.step_type, StepType::Tool);
    assert!(step.input.contains("40") && step.output == "42", "{step:?}");
    // One connection for the chat: the second call did not connect again.
    let connected = client
        .steps
        .iter()
        .filter(|s| s.output.starts_with("connected to"))
        .count();
    assert_eq!(connected, 1);

    let proc_dir = stdio.proc_dir();
    assert!(
        proc_dir.exists(),
        "the server should run while the chat does"
    );

    client.send(&ClientEvent::EndChat).await;
    eventually("on_mcp_disconnect", || {
        gone.lock().unwrap().as_slice() == ["calc"]
    })
    .await;
    // Exited and reaped (a zombie would keep its /proc entry).
    eventually("the stdio server's process to go", || !proc_dir.exists()).await;
    stdio.app.stop().await;
}

#[tokio::test]
async fn stopping_the_server_ends_the_stdio_servers_of_live_chats() {
    let stdio = StdioApp::start().await;
    let (app, gone) = (&stdio.app, &stdio.gone);
    let mut client = app.client().await;
    assert_eq!(
        ask(&mut client, r#"calc echo {"text": "still here"}"#, "= ").await,
        "= still here"
    );
    let proc_dir = stdio.proc_dir();
    assert!(proc_dir.exists());

    // The chat is still live (its tab is open) when the server stops.
    stdio.app.stop().await;
    assert_eq!(gone.lock().unwrap().as_slice(), ["calc"]);
    eventually("the stdio server's process to go", || !proc_dir.exists()).await;
}

#[tokio::test]
async fn a_hook_calls_a_streamable_http_server_with_the_configured_headers() {
    let addr = http_server().await;
    let url = format!("http://{addr}/mcp");
    let config = config_with(vec![http_entry("web", &url, "sesame")], Vec::new());
    let app = TestApp::start_with(tool_app(Arc::default()), config).await;
    let mut client = app.client().await;

    let tools = ask(&mut client, "tools", "web/").await;
    assert_eq!(tools, "web/add web/echo web/fail web/large web/sleep");
    let echoed = ask(&mut client, r#"web echo {"text": "olá, MCP"}"#, "= ").await;
    assert_eq!(echoed, "= olá, MCP");
    app.stop().await;

    // Without the key the server refuses, and the hook's error says so.
    let config = config_with(vec![http_entry("web", &url, "wrong")], Vec::new());
    let app = TestApp::start_with(tool_app(Arc::default()), config).await;
    let error = hook_error(&mut app.client().await, "tools").await;
    assert!(
        error.contains("cannot connect to MCP server `web`"),
        "{error}"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_failing_tool_and_a_slow_one_are_clear_errors_in_the_hook() {
    let addr = http_server().await;
    let config = config_with(
        vec![http_entry("web", &format!("http://{addr}/mcp"), "sesame")],
        Vec::new(),
    );
    let app = TestApp::start_with(tool_app(Arc::default()), config).await;
    let mut client = app.client().await;

    let failed = ask(&mut client, "web fail {}", "error: ").await;
    assert_eq!(
        failed,
        "error: MCP tool `fail` of server `web` failed: the disk is on fire"
    );
    // The call's step shows the failure.
    let step = client.step_named("fail").unwrap();
    assert!(step.is_error, "{step:?}");
    assert!(step.output.contains("the disk is on fire"), "{step:?}");

    // call_timeout is 1 s.
    let slow = ask(&mut client, r#"web sleep {"ms": 5000}"#, "error: ").await;
    assert_eq!(
        slow,
        "error: MCP server `web` did not answer within 1 s (calling tool `sleep`)"
    );
    // The connection is still good after both.
    assert_eq!(
        ask(&mut client, r#"web add {"a": 1, "b": 1}"#, "= ").await,
        "= 2"
    );

    // An answer over max_result_kb (1024) is refused, whatever its transport.
    client.say(r#"web large {"bytes": 1060000}"#).await;
    client
        .wait_for(|c| {
            c.steps
                .iter()
                .any(|s| s.is_error && s.output.contains("larger than"))
        })
        .await;
    app.stop().await;
}

#[tokio::test]
async fn a_stdio_server_not_in_allowed_executables_stops_the_start() {
    let dir = TempDir::new();
    let server = stdio_server().display().to_string();
    let config = config_with(
        vec![stdio_entry("calc", &server, &dir.path.join("pid"))],
        vec!["npx".into()],
    );
    let refused = Loquat::new()
        .config(config)
        .bind(ServeOptions::ephemeral(dir.path.clone()))
        .await;
    let Err(err) = refused else {
        panic!("the app started with a command that is not allowed");
    };
    assert!(
        matches!(
            &err,
            ServeError::Config(ConfigError::Mcp(McpConfigError::NotAllowed { server: s, .. }))
                if s == "calc"
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("allowed_executables"), "{err}");
    // Nothing was started: the example never wrote its pid.
    assert!(!dir.path.join("pid").exists());

    // The same from config.toml.
    std::fs::write(
        dir.path.join("config.toml"),
        "[features.mcp]\nenabled = true\nallowed_executables = [\"uvx\"]\n\n\
         [[features.mcp.servers]]\nname = \"calc\"\ntransport = \"stdio\"\ncommand = \"bash\"\n",
    )
    .unwrap();
    let err = Config::load(&dir.path, Vec::new()).unwrap_err();
    assert!(
        matches!(err, ConfigError::Mcp(McpConfigError::NotAllowed { .. })),
        "{err:?}"
    );
}

#[tokio::test]
async fn without_mcp_the_hook_gets_a_clear_error() {
    let app = TestApp::start(tool_app(Arc::default())).await;
    let error = hook_error(&mut app.client().await, "tools").await;
    assert_eq!(
        error,
        "MCP is not enabled (set [features.mcp] enabled = true)"
    );
    app.stop().await;
}

/// A model endpoint speaking OpenAI's streamed chat completions: offered
/// tools and not yet given a result, it calls `calc__add` with 20 and 22
/// (the arguments in two pieces); given a result, it says it. Every
/// request it got is kept.
async fn fake_model(seen: Arc<Mutex<Vec<serde_json::Value>>>) -> String {
    async fn completions(
        axum::extract::State(seen): axum::extract::State<Arc<Mutex<Vec<serde_json::Value>>>>,
        body: String,
    ) -> axum::response::Response {
        let request: serde_json::Value = serde_json::from_str(&body).unwrap();
        seen.lock().unwrap().push(request.clone());
        let chunk = |delta: serde_json::Value| {
            format!(
                "data: {}\n\n",
                serde_json::json!({ "choices": [{ "index": 0, "delta": delta }] })
            )
        };
        let messages = request["messages"].as_array().cloned().unwrap_or_default();
        let last = messages.last().cloned().unwrap_or_default();
        let body = if last["role"] == "tool" {
            let result = last["content"].as_str().unwrap_or_default().to_string();
            chunk(serde_json::json!({ "content": "The sum is " }))
                + &chunk(serde_json::json!({ "content": result }))
        } else if request["tools"].is_array() {
            chunk(serde_json::json!({ "content": "Let me add that. " }))
                + &chunk(
                    serde_json::json!({ "tool_calls": [{ "index": 0, "id": "call_7", "type": "function",
                    "function": { "name": "calc__add", "arguments": "{\"a\": 20," } }] }),
                )
                + &chunk(
                    serde_json::json!({ "tool_calls": [{ "index": 0, "function": { "arguments": " \"b\": 22}" } }] }),
                )
        } else {
            chunk(serde_json::json!({ "content": "no tools" }))
        } + "data: [DONE]\n\n";
        (
            [(axum::http::header::CONTENT_TYPE, "text/event-stream")],
            body,
        )
            .into_response()
    }
    let router = axum::Router::new()
        .route("/v1/chat/completions", axum::routing::post(completions))
        .with_state(seen);
    let addr = support::serve_on_loopback(router).await;
    format!("http://{addr}/v1")
}

#[tokio::test]
async fn the_default_assistant_offers_mcp_tools_to_the_model_and_shows_each_call() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let base_url = fake_model(seen.clone()).await;
    let mcp = http_server().await;
    let client = loquat::llm::LlmClient::new(loquat::llm::LlmConfig {
        base_url,
        api_key: None,
        model: "tool-model".into(),
        temperature: None,
    });
    let config = config_with(
        vec![http_entry("calc", &format!("http://{mcp}/mcp"), "sesame")],
        Vec::new(),
    );
    let app = TestApp::start_with(loquat::demo::llm_app(client), config).await;
    let mut client = support::Client::connect(app.addr, None, None).await;
    client.say("What is 20 + 22?").await;
    client
        .wait_for(|c| {
            c.steps
                .iter()
                .any(|s| s.output == "Let me add that. The sum is 42")
        })
        .await;

    // The call is a tool step, with the model's arguments and the result.
    let tool = client
        .steps
        .iter()
        .find(|s| s.step_type == StepType::Tool)
        .expect("a tool step");
    assert_eq!(tool.name, "add");
    assert!(
        tool.input.contains("20") && tool.input.contains("22"),
        "{}",
        tool.input
    );
    assert_eq!(tool.output, "42");

    // The model was offered the server's tools, then given the call and its
    // result under the call's id.
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2, "{seen:#?}");
    let offered = &seen[0]["tools"];
    assert_eq!(offered[0]["function"]["name"], "calc__add", "{offered}");
    assert!(
        offered[0]["function"]["parameters"]["properties"]["a"].is_object(),
        "{offered}"
    );
    let messages = seen[1]["messages"].as_array().unwrap();
    let call = &messages[messages.len() - 2];
    assert_eq!(call["role"], "assistant");
    assert_eq!(call["tool_calls"][0]["id"], "call_7");
    assert_eq!(
        call["tool_calls"][0]["function"]["arguments"],
        "{\"a\": 20, \"b\": 22}"
    );
    let result = &messages[messages.len() - 1];
    assert_eq!(
        (result["role"].as_str(), result["tool_call_id"].as_str()),
        (Some("tool"), Some("call_7"))
    );
    assert_eq!(result["content"], "42");
}

// ---- Servers users add in the chat ([features.mcp] user_servers) ----

/// MCP with the operator's `operator` servers, and users allowed to add
/// servers on `hosts` (at most `max`).
fn user_servers_config(operator: Vec<McpServerEntry>, hosts: &[&str], max: u32) -> Config {
    let mut config = config_with(operator, Vec::new());
    config.features.mcp.call_timeout = Duration::from_secs(10);
    config.features.mcp.user_servers = true;
    config.features.mcp.user_allowed_hosts = hosts.iter().map(|h| h.to_string()).collect();
    config.features.mcp.max_user_servers = max;
    config
}

fn mcp_add(name: &str, url: &str, api_key: &str) -> ClientEvent {
    ClientEvent::McpAdd {
        name: name.into(),
        url: url.into(),
        headers: [("X-Api-Key".to_string(), api_key.to_string())].into(),
    }
}

/// The chat's servers as last announced.
fn listed(client: &support::Client) -> Vec<McpServerState> {
    client.mcp_servers.clone()
}

fn server(client: &support::Client, name: &str) -> Option<McpServerState> {
    listed(client).into_iter().find(|s| s.name == name)
}

/// Sends `event`, waits for its refusal and returns the message; the
/// chat's servers are as they were.
async fn refused(client: &mut support::Client, event: ClientEvent) -> String {
    let before = listed(client);
    let errors = client.errors.len();
    client.send(&event).await;
    client.wait_for(|c| c.errors.len() > errors).await;
    let ServerEvent::Error { code, message } = client.errors[errors].clone() else {
        panic!("an error expected");
    };
    assert_eq!(code, ErrorCode::McpRefused, "{message}");
    assert_eq!(
        listed(client),
        before,
        "a refused {event:?} changed the list"
    );
    message
}

#[tokio::test]
async fn a_user_adds_an_http_server_sees_it_connected_and_the_chat_uses_its_tools() {
    let addr = http_server().await;
    let url = format!("http://{addr}/mcp");
    let gone = Arc::new(Mutex::new(Vec::new()));
    let config = user_servers_config(vec![http_entry("web", &url, "sesame")], &["127.0.0.1"], 2);
    let app = TestApp::start_with(tool_app(gone.clone()), config).await;
    let mut client = app.client().await;

    // The operator's server is listed from the start, not yet used.
    client.wait_for(|c| server(c, "web").is_some()).await;
    let web = server(&client, "web").unwrap();
    assert_eq!(
        (web.source, web.status),
        (McpSource::Operator, McpStatus::Idle)
    );

    client.send(&mcp_add("mine", &url, "sesame")).await;
    client
        .wait_for(|c| server(c, "mine").is_some_and(|s| s.status == McpStatus::Connected))
        .await;
    let mine = server(&client, "mine").unwrap();
    assert_eq!(
        (mine.source, mine.tools, mine.error),
        (McpSource::User, 5, None)
    );
    // It was announced as connecting first, and on_mcp_connect ran.
    assert!(client.events.iter().any(|e| matches!(e,
        ServerEvent::McpServers { servers }
            if servers.iter().any(|s| s.name == "mine" && s.status == McpStatus::Connecting))));
    client
        .wait_for(|c| {
            c.steps
                .iter()
                .any(|s| s.output == "connected to mine (5 tools)")
        })
        .await;

    // The hooks' tools include it, and a call works.
    let tools = ask(&mut client, "tools", "mine/").await;
    assert_eq!(
        tools,
        "mine/add mine/echo mine/fail mine/large mine/sleep web/add web/echo web/fail web/large web/sleep"
    );
    assert_eq!(
        ask(&mut client, r#"mine add {"a": 2, "b": 3}"#, "= ").await,
        "= 5"
    );
    // Using the operator's server showed it connected.
    client
        .wait_for(|c| server(c, "web").is_some_and(|s| s.status == McpStatus::Connected))
        .await;

    // The same server again (as a browser re-sends its list) changes nothing.
    let errors = client.errors.len();
    client.send(&mcp_add("mine", &url, "sesame")).await;

    // What a user may not add is refused, and nothing changes.
    for (event, says) in [
        (
            mcp_add("meta", "http://169.254.169.254/latest", "k"),
            "does not allow",
        ),
        (
            mcp_add(
                "local",
                &format!("http://localhost:{}/mcp", addr.port()),
                "k",
            ),
            "does not allow",
        ),
        (mcp_add("shell", "stdio://bash", "k"), "http:// or https://"),
        (
            mcp_add("file", "file:///bin/sh", "k"),
            "http:// or https://",
        ),
        (
            mcp_add("npx", "npx -y some-mcp-server", "k"),
            "http:// or https://",
        ),
        (
            mcp_add("web", &url, "sesame"),
            "already a server named `web`",
        ),
        (
            mcp_add("mine", &format!("{url}/other"), "sesame"),
            "already a server named `mine`",
        ),
        (mcp_add("bad name", &url, "sesame"), "letters, digits"),
        (
            ClientEvent::McpRemove { name: "web".into() },
            "no server named `web`",
        ),
    ] {
        let message = refused(&mut client, event).await;
        assert!(message.contains(says), "{message}");
    }
    assert_eq!(
        client.errors.len(),
        errors + 9,
        "the same server again was refused"
    );

    // A server that cannot connect is listed as failed, with why.
    client.send(&mcp_add("locked", &url, "wrong")).await;
    client
        .wait_for(|c| server(c, "locked").is_some_and(|s| s.status == McpStatus::Failed))
        .await;
    let locked = server(&client, "locked").unwrap();
    assert!(
        locked
            .error
            .as_deref()
            .unwrap_or("")
            .contains("cannot connect"),
        "{locked:?}"
    );
    // Two of the user's: a third is over the limit.
    let message = refused(&mut client, mcp_add("third", &url, "sesame")).await;
    assert!(message.contains("at most 2"), "{message}");

    // Removed: gone from the list and from the tools; on_mcp_disconnect ran.
    client
        .send(&ClientEvent::McpRemove {
            name: "mine".into(),
        })
        .await;
    client.wait_for(|c| server(c, "mine").is_none()).await;
    eventually("on_mcp_disconnect for mine", || {
        gone.lock().unwrap().contains(&"mine".to_string())
    })
    .await;
    let tools = ask(&mut client, "tools", "web/").await;
    assert!(!tools.contains("mine/"), "{tools}");
    app.stop().await;
}

#[tokio::test]
async fn one_users_servers_are_never_anothers() {
    let addr = http_server().await;
    let url = format!("http://{addr}/mcp");
    let config = user_servers_config(Vec::new(), &[&format!("127.0.0.1:{}", addr.port())], 5);
    let app = TestApp::start_with(
        tool_app(Arc::default())
            .auth_secret(loquat::auth::AuthSecret::new(support::auth::secret()).unwrap())
            .password_auth(|username, password| async move {
                (matches!(username.as_str(), "alice" | "bob") && password == "wonderland")
                    .then(|| loquat::User::new(username))
            }),
        config,
    )
    .await;
    let connect_as = |user: &'static str| {
        let app = &app;
        async move {
            let (_, cookie) = support::auth::sign_in(app, user, "wonderland").await;
            let cookie = cookie.expect("a session cookie");
            support::Client::connect_with(app.addr, &[("cookie", &cookie)])
                .await
                .expect("signed in")
        }
    };
    let mut alice = connect_as("alice").await;
    let mut bob = connect_as("bob").await;

    alice.send(&mcp_add("alices", &url, "sesame")).await;
    alice
        .wait_for(|c| server(c, "alices").is_some_and(|s| s.status == McpStatus::Connected))
        .await;
    // Bob's chat has none of it: not listed, not in his tools, not his to remove.
    let message = refused(
        &mut bob,
        ClientEvent::McpRemove {
            name: "alices".into(),
        },
    )
    .await;
    assert!(message.contains("no server named"), "{message}");
    assert!(server(&bob, "alices").is_none());
    let error = hook_error(&mut bob, "alices echo {\"text\": \"hi\"}").await;
    assert!(error.contains("no MCP server is named `alices`"), "{error}");
    // Bob may add a server of the same name: his own.
    bob.send(&mcp_add("alices", &url, "wrong")).await;
    bob.wait_for(|c| server(c, "alices").is_some_and(|s| s.status == McpStatus::Failed))
        .await;
    assert_eq!(
        server(&alice, "alices").unwrap().status,
        McpStatus::Connected
    );
    app.stop().await;
}

#[tokio::test]
async fn without_user_servers_an_add_is_refused_and_nothing_is_listed() {
    let addr = http_server().await;
    let url = format!("http://{addr}/mcp");
    let mut config = user_servers_config(Vec::new(), &["127.0.0.1"], 5);
    config.features.mcp.user_servers = false;
    let app = TestApp::start_with(tool_app(Arc::default()), config).await;
    let mut client = app.client().await;
    let message = refused(&mut client, mcp_add("mine", &url, "sesame")).await;
    assert!(message.contains("turned off"), "{message}");
    assert_eq!(listed(&client), []);
    let (_, page) = app.get("/").await;
    assert!(
        !page.contains("\"mcp\":{"),
        "the page offers the MCP button"
    );
    app.stop().await;

    // Turned on, the page offers it.
    let app = TestApp::start_with(
        tool_app(Arc::default()),
        user_servers_config(Vec::new(), &["127.0.0.1"], 5),
    )
    .await;
    let (_, page) = app.get("/").await;
    assert!(
        page.contains("\"mcp\":{\"max_user_servers\":5}"),
        "no MCP button offered"
    );
    app.stop().await;
}

#[tokio::test]
async fn user_servers_without_allowed_hosts_stop_the_start() {
    let dir = TempDir::new();
    let refused = Loquat::new()
        .config(user_servers_config(Vec::new(), &[], 5))
        .bind(ServeOptions::ephemeral(dir.path.clone()))
        .await;
    let Err(err) = refused else {
        panic!("the app started letting users reach any host");
    };
    assert!(
        matches!(
            err,
            ServeError::Config(ConfigError::Mcp(McpConfigError::UserServersWithoutHosts))
        ),
        "{err:?}"
    );
    // The same from config.toml and from the environment.
    std::fs::write(
        dir.path.join("config.toml"),
        "[features.mcp]\nenabled = true\nuser_servers = true\n",
    )
    .unwrap();
    let err = Config::load(&dir.path, Vec::new()).unwrap_err();
    assert!(err.to_string().contains("user_allowed_hosts"), "{err}");
    let env = vec![(
        "LOQUAT_FEATURES_MCP_USER_ALLOWED_HOSTS".to_string(),
        "mcp.example.com".to_string(),
    )];
    let (config, _) = Config::load(&dir.path, env).unwrap();
    assert_eq!(config.features.mcp.user_allowed_hosts, ["mcp.example.com"]);
}
