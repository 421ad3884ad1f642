//! Test harness: a real Loquat server on an ephemeral port and a real
//! WebSocket client that checks sequencing as it applies events.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod auth;
pub mod nginx;
pub mod process;
pub mod stores;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use loquat::config::Config;
use loquat::protocol::{
    ChatSettings, ClientEvent, Command, Element, Envelope, ServerEvent, SidePanel, Step,
};
use loquat::{Loquat, ServeOptions};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// How long any expectation may take before the test fails.
pub const DEADLINE: Duration = Duration::from_secs(20);

/// Checks `done` every 20 ms until it holds; fails the test, saying
/// `what` was expected, once [`DEADLINE`] has passed. For state the test
/// cannot be told about (what the database holds, a session's end).
pub async fn eventually<F, Fut>(what: &str, mut done: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + DEADLINE;
    while !done().await {
        assert!(tokio::time::Instant::now() < deadline, "{what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

pub struct TestApp {
    pub addr: SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<Result<(), loquat::ServeError>>>,
    /// The data directory (kept when the app was started in a given one).
    pub data_dir: std::path::PathBuf,
    _dir: Option<TempDir>,
}

impl TestApp {
    pub async fn start(app: Loquat) -> TestApp {
        Self::start_with(app, Config::default()).await
    }

    pub async fn start_with(app: Loquat, config: Config) -> TestApp {
        let dir = TempDir::new();
        let mut test_app = Self::start_in(app, config, &dir.path).await;
        test_app._dir = Some(dir);
        test_app
    }

    /// Starts in `data_dir`, which outlives the app (for restarts).
    pub async fn start_in(app: Loquat, config: Config, data_dir: &std::path::Path) -> TestApp {
        let server = app
            .config(config)
            .bind(ServeOptions::ephemeral(data_dir.to_path_buf()))
            .await
            .expect("bind");
        let addr = server.local_addr();
        let (tx, rx) = tokio::sync::oneshot::channel();
        let task = tokio::spawn(server.run_until(async {
            let _ = rx.await;
        }));
        TestApp {
            addr,
            shutdown: Some(tx),
            task: Some(task),
            data_dir: data_dir.to_path_buf(),
            _dir: None,
        }
    }

    /// Shuts down cleanly and waits until everything is written.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = tokio::time::timeout(DEADLINE, task).await;
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Calls a server function (form-encoded arguments); returns the status
    /// and the body.
    pub async fn server_fn(&self, name: &str, form: &[(&str, &str)]) -> (u16, String) {
        let body = form
            .iter()
            .map(|(k, v)| format!("{k}={}", urlencode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let response = reqwest::Client::new()
            .post(self.url(&format!("/api/{name}")))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "application/json")
            .body(body)
            .send()
            .await
            .expect("server fn request");
        let status = response.status().as_u16();
        (status, response.text().await.unwrap_or_default())
    }

    pub async fn get(&self, path: &str) -> (u16, String) {
        let response = reqwest::get(self.url(path)).await.expect("get");
        let status = response.status().as_u16();
        (status, response.text().await.unwrap_or_default())
    }

    pub async fn post(&self, path: &str, body: Vec<u8>) -> (u16, String) {
        let response = reqwest::Client::new()
            .post(self.url(path))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect("post");
        let status = response.status().as_u16();
        (status, response.text().await.unwrap_or_default())
    }

    /// Opens a thread from history in a new connection.
    pub async fn open_thread(&self, thread_id: &str) -> Client {
        let mut client = Client::connect_raw(self.addr).await;
        client.hello_thread(thread_id).await;
        client
    }

    pub async fn client(&self) -> Client {
        Client::connect(self.addr, None, None).await
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

pub struct TempDir {
    pub path: std::path::PathBuf,
}

impl TempDir {
    pub fn new() -> TempDir {
        let path = std::env::temp_dir().join(format!("loquat-test-{}", uuid_like()));
        std::fs::create_dir_all(&path).unwrap();
        TempDir { path }
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

fn uuid_like() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    format!(
        "{}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    )
}

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A browser stand-in speaking the real protocol. It applies events to its
/// own copy of the thread and fails the test on any sequence gap or repeat.
pub struct Client {
    ws: Ws,
    pub session_id: String,
    pub thread_id: String,
    pub applied: u64,
    pub steps: Vec<Step>,
    index: HashMap<String, usize>,
    /// The thread's elements, as the events left them.
    pub elements: Vec<Element>,
    pub side_panel: Option<SidePanel>,
    /// The chat settings, as the events left them.
    pub settings: Option<ChatSettings>,
    /// The commands, as the events left them.
    pub commands: Vec<Command>,
    /// The chat's MCP servers, as the events left them.
    pub mcp_servers: Vec<loquat::protocol::McpServerState>,
    /// Every sequenced event applied, in order.
    pub events: Vec<ServerEvent>,
    /// Unsequenced errors received.
    pub errors: Vec<ServerEvent>,
    /// Formulas rendered for this connection (`math_rendered`, unsequenced).
    pub math: Vec<loquat::protocol::RenderedMath>,
    pub snapshots: usize,
    /// Pages of the last snapshot (the snapshot and its `snapshot_more`s).
    pub snapshot_pages: usize,
    /// The largest frame received, in bytes.
    pub largest_frame: usize,
}

impl Client {
    pub async fn connect(
        addr: SocketAddr,
        session_id: Option<String>,
        last_seq: Option<u64>,
    ) -> Client {
        Self::connect_url(&format!("ws://{addr}/ws"), session_id, last_seq).await
    }

    /// As [`Client::connect`], to the socket at `url` (an app under a
    /// root path has it at `ws://…/<root>/ws`).
    pub async fn connect_url(
        url: &str,
        session_id: Option<String>,
        last_seq: Option<u64>,
    ) -> Client {
        let (ws, _) = tokio_tungstenite::connect_async(url)
            .await
            .expect("connect");
        let mut client = Client {
            ws,
            session_id: String::new(),
            thread_id: String::new(),
            applied: 0,
            steps: Vec::new(),
            index: HashMap::new(),
            elements: Vec::new(),
            side_panel: None,
            settings: None,
            commands: Vec::new(),
            mcp_servers: Vec::new(),
            events: Vec::new(),
            errors: Vec::new(),
            math: Vec::new(),
            snapshots: 0,
            snapshot_pages: 0,
            largest_frame: 0,
        };
        client.send(&hello(session_id, last_seq, None)).await;
        client.wait_for(|c| !c.session_id.is_empty()).await;
        client
    }

    /// Reconnects to the same session, resuming after the last applied event.
    pub async fn reconnect(self) -> Client {
        let addr = self.addr();
        self.reconnect_to(addr, false).await
    }

    /// Reconnects to the same session through `addr` (another node of a
    /// cluster), naming its thread too when `with_thread` (as a browser
    /// showing a saved thread does).
    pub async fn reconnect_to(self, addr: SocketAddr, with_thread: bool) -> Client {
        let thread = with_thread.then(|| self.thread_id.clone());
        let Client {
            mut ws,
            session_id,
            thread_id,
            applied,
            steps,
            index,
            events,
            errors,
            snapshots,
            snapshot_pages: _,
            largest_frame: _,
            elements,
            side_panel,
            settings,
            commands,
            mcp_servers,
            math: _,
        } = self;
        let _ = ws.close(None).await;
        // As a browser does: a refused handshake (a load balancer with no
        // node up for a moment) is retried with a growing pause.
        let started = tokio::time::Instant::now();
        let mut pause = Duration::from_millis(100);
        let mut fresh = loop {
            match Client::connect_raw_with(addr, &[]).await {
                Ok(client) => break client,
                Err(status) => {
                    assert!(
                        started.elapsed() < DEADLINE,
                        "reconnecting failed with {status} for {DEADLINE:?}"
                    );
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_secs(1));
                }
            }
        };
        fresh.applied = applied;
        fresh.steps = steps;
        fresh.index = index;
        fresh.events = events;
        fresh.errors = errors;
        fresh.snapshots = snapshots;
        fresh.elements = elements;
        fresh.side_panel = side_panel;
        fresh.settings = settings;
        fresh.commands = commands;
        fresh.mcp_servers = mcp_servers;
        fresh.thread_id = thread_id;
        fresh
            .send(&hello(Some(session_id.clone()), Some(applied), thread))
            .await;
        fresh.wait_for(|c| !c.session_id.is_empty()).await;
        // A new session (the old one ended, or its thread was taken over
        // by another node) numbers its events afresh.
        if fresh.session_id != session_id {
            fresh.applied = 0;
        }
        fresh
    }

    /// Connects without saying hello.
    pub async fn connect_raw_pub(addr: SocketAddr) -> Client {
        Self::connect_raw(addr).await
    }

    /// Says hello asking for a thread from history.
    pub async fn hello_thread(&mut self, thread_id: &str) {
        self.send(&hello(None, None, Some(thread_id.to_string())))
            .await;
        self.wait_for(|c| !c.session_id.is_empty() || !c.errors.is_empty())
            .await;
    }

    async fn connect_raw(addr: SocketAddr) -> Client {
        Self::connect_raw_with(addr, &[]).await.expect("connect")
    }

    /// Connects with extra handshake headers (a cookie, a bearer token)
    /// and says hello for a new session; `Err` with the status when the
    /// handshake is refused.
    pub async fn connect_with(addr: SocketAddr, headers: &[(&str, &str)]) -> Result<Client, u16> {
        let mut client = Self::connect_raw_with(addr, headers).await?;
        client.send(&hello(None, None, None)).await;
        client.wait_for(|c| !c.session_id.is_empty()).await;
        Ok(client)
    }

    /// Like [`Client::connect_with`], asking for the chat profile `name`.
    pub async fn connect_with_profile(
        addr: SocketAddr,
        headers: &[(&str, &str)],
        name: &str,
    ) -> Result<Client, u16> {
        let mut client = Self::connect_raw_with(addr, headers).await?;
        let ClientEvent::Hello {
            session_id,
            last_seq,
            thread_id,
            user_env,
            ..
        } = hello(None, None, None)
        else {
            unreachable!()
        };
        client
            .send(&ClientEvent::Hello {
                session_id,
                last_seq,
                thread_id,
                user_env,
                chat_profile: Some(name.to_string()),
            })
            .await;
        client.wait_for(|c| !c.session_id.is_empty()).await;
        Ok(client)
    }

    /// Connects with extra headers and asks for a thread from history.
    pub async fn open_thread_with(
        addr: SocketAddr,
        headers: &[(&str, &str)],
        thread_id: &str,
    ) -> Result<Client, u16> {
        let mut client = Self::connect_raw_with(addr, headers).await?;
        client.hello_thread(thread_id).await;
        Ok(client)
    }

    /// Connects with extra handshake headers, without saying hello.
    pub async fn connect_raw_with(
        addr: SocketAddr,
        headers: &[(&str, &str)],
    ) -> Result<Client, u16> {
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        let mut request = format!("ws://{addr}/ws").into_client_request().unwrap();
        for (name, value) in headers {
            let name: tokio_tungstenite::tungstenite::http::HeaderName = name.parse().unwrap();
            request.headers_mut().insert(name, value.parse().unwrap());
        }
        let ws = match tokio_tungstenite::connect_async(request).await {
            Ok((ws, _)) => ws,
            Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
                return Err(response.status().as_u16())
            }
            Err(err) => panic!("connect: {err}"),
        };
        Ok(Client {
            ws,
            session_id: String::new(),
            thread_id: String::new(),
            applied: 0,
            steps: Vec::new(),
            index: HashMap::new(),
            elements: Vec::new(),
            side_panel: None,
            settings: None,
            commands: Vec::new(),
            mcp_servers: Vec::new(),
            events: Vec::new(),
            errors: Vec::new(),
            math: Vec::new(),
            snapshots: 0,
            snapshot_pages: 0,
            largest_frame: 0,
        })
    }

    fn addr(&self) -> SocketAddr {
        match self.ws.get_ref() {
            MaybeTlsStream::Plain(s) => s.peer_addr().unwrap(),
            _ => unreachable!(),
        }
    }

    pub async fn send(&mut self, event: &ClientEvent) {
        self.send_raw(serde_json::to_string(event).unwrap()).await;
    }

    pub async fn send_raw(&mut self, text: String) {
        self.ws
            .send(WsMessage::Text(text.into()))
            .await
            .expect("send");
    }

    pub async fn send_binary(&mut self, bytes: Vec<u8>) {
        self.ws
            .send(WsMessage::Binary(bytes.into()))
            .await
            .expect("send");
    }

    pub async fn say(&mut self, content: &str) {
        self.send(&ClientEvent::Send {
            files: vec![],
            content: content.into(),
            command: None,
        })
        .await;
    }

    /// Closes the socket and keeps what was received, as a browser tab
    /// that lost its connection does; [`Client::reconnect_to`] comes back.
    pub async fn leave(&mut self) {
        let _ = self.ws.close(None).await;
    }

    /// Closes the socket abruptly.
    pub async fn drop_connection(mut self) {
        let _ = self.ws.close(None).await;
    }

    /// Receives and applies one frame; false when the socket closed.
    pub async fn recv_frame(&mut self) -> bool {
        loop {
            match self.ws.next().await {
                Some(Ok(WsMessage::Text(text))) => {
                    self.largest_frame = self.largest_frame.max(text.len());
                    if std::env::var_os("LOQUAT_TEST_FRAMES").is_some() {
                        eprintln!("frame: {}", &text[..text.len().min(300)]);
                    }
                    let envelopes: Vec<Envelope> = serde_json::from_str(&text)
                        .unwrap_or_else(|e| panic!("bad frame {text}: {e}"));
                    for envelope in envelopes {
                        self.apply(envelope);
                    }
                    return true;
                }
                Some(Ok(WsMessage::Close(_))) | None | Some(Err(_)) => return false,
                Some(Ok(_)) => continue,
            }
        }
    }

    /// Reads until the server closes the socket; its close code (`None`
    /// when it went without a close frame). Panics after the deadline.
    pub async fn close_code(&mut self) -> Option<u16> {
        let read = async {
            loop {
                match self.ws.next().await {
                    Some(Ok(WsMessage::Close(frame))) => return frame.map(|f| u16::from(f.code)),
                    None | Some(Err(_)) => return None,
                    Some(Ok(_)) => continue,
                }
            }
        };
        tokio::time::timeout(DEADLINE, read)
            .await
            .expect("the server did not close the socket")
    }

    /// Receives frames until `done` holds; panics after the deadline.
    pub async fn wait_for(&mut self, mut done: impl FnMut(&Client) -> bool) {
        let deadline = tokio::time::Instant::now() + DEADLINE;
        while !done(self) {
            match tokio::time::timeout_at(deadline, self.recv_frame()).await {
                Ok(true) => {}
                Ok(false) => panic!("socket closed while waiting; steps: {:#?}", self.steps),
                Err(_) => panic!(
                    "timed out; steps: {:#?}; errors: {:?}",
                    self.steps, self.errors
                ),
            }
        }
    }

    fn apply(&mut self, Envelope { seq, event }: Envelope) {
        match event {
            ServerEvent::Ready {
                session_id,
                thread_id,
                ..
            } => {
                assert_eq!(seq, 0);
                // Another session (a new chat, or a thread taken over by
                // another node) numbers its events afresh.
                if !self.session_id.is_empty() && self.session_id != session_id {
                    self.applied = 0;
                }
                self.session_id = session_id;
                self.thread_id = thread_id;
            }
            ServerEvent::Error { .. } => {
                assert_eq!(seq, 0);
                self.errors.push(event);
            }
            ServerEvent::MathRendered { formulas } => {
                assert_eq!(seq, 0, "math_rendered is not part of the session");
                self.math.extend(formulas);
            }
            ServerEvent::Snapshot {
                steps,
                elements,
                side_panel,
                settings,
                commands,
                mcp_servers,
                ..
            } => {
                self.mcp_servers = mcp_servers;
                self.elements = elements;
                self.side_panel = side_panel;
                self.settings = settings;
                self.commands = commands;
                assert!(seq >= self.applied, "snapshot older than applied state");
                self.snapshots += 1;
                self.applied = seq;
                self.index = steps
                    .iter()
                    .enumerate()
                    .map(|(i, s)| (s.id.clone(), i))
                    .collect();
                self.steps = steps;
                self.snapshot_pages = 1;
            }
            ServerEvent::SnapshotMore { steps } => {
                assert_eq!(seq, 0);
                assert!(self.snapshots > 0, "snapshot_more without a snapshot");
                self.snapshot_pages += 1;
                for step in steps {
                    self.index.insert(step.id.clone(), self.steps.len());
                    self.steps.push(step);
                }
            }
            event => {
                assert_eq!(seq, self.applied + 1, "sequence gap or repeat at {event:?}");
                self.applied = seq;
                self.apply_step_event(&event);
                self.events.push(event);
            }
        }
    }

    fn apply_step_event(&mut self, event: &ServerEvent) {
        match event {
            ServerEvent::StepCreated { step } => {
                self.index.insert(step.id.clone(), self.steps.len());
                self.steps.push(step.clone());
            }
            ServerEvent::StepDelta { id, delta, input } => {
                let i = self.index[id];
                if *input {
                    self.steps[i].input.push_str(delta);
                } else {
                    self.steps[i].output.push_str(delta);
                }
            }
            ServerEvent::StepUpdated { step } => {
                let i = self.index[&step.id];
                self.steps[i] = step.clone();
            }
            ServerEvent::ElementSet { element } => {
                match self.elements.iter_mut().find(|e| e.id == element.id) {
                    Some(existing) => *existing = element.clone(),
                    None => self.elements.push(element.clone()),
                }
            }
            ServerEvent::ElementRemoved { id } => self.elements.retain(|e| &e.id != id),
            ServerEvent::SidePanelSet { panel } => self.side_panel = panel.clone(),
            ServerEvent::SettingsSet { settings } => self.settings = settings.clone(),
            ServerEvent::CommandsSet { commands } => self.commands = commands.clone(),
            ServerEvent::McpServers { servers } => self.mcp_servers = servers.clone(),
            ServerEvent::StepRemoved { id } => {
                let gone: Vec<String> = self
                    .steps
                    .iter()
                    .filter(|s| &s.id == id || s.parent_id.as_ref() == Some(id))
                    .map(|s| s.id.clone())
                    .collect();
                self.elements
                    .retain(|e| e.for_id.as_ref().is_none_or(|f| !gone.contains(f)));
                self.steps
                    .retain(|s| &s.id != id && s.parent_id.as_ref() != Some(id));
                self.index = self
                    .steps
                    .iter()
                    .enumerate()
                    .map(|(i, s)| (s.id.clone(), i))
                    .collect();
            }
            _ => {}
        }
    }

    pub fn element_named(&self, name: &str) -> Option<&Element> {
        self.elements.iter().find(|e| e.name == name)
    }

    pub fn step_named(&self, name: &str) -> Option<&Step> {
        self.steps.iter().find(|s| s.name == name)
    }

    pub fn messages_of(&self, kind: loquat::StepType) -> Vec<&Step> {
        self.steps.iter().filter(|s| s.step_type == kind).collect()
    }

    /// Completed assistant messages (not streaming, ended).
    pub fn finished_replies(&self) -> Vec<&Step> {
        self.steps
            .iter()
            .filter(|s| {
                s.step_type == loquat::StepType::AssistantMessage && !s.streaming && s.end.is_some()
            })
            .collect()
    }

    pub fn run_ends(&self) -> Vec<loquat::protocol::RunOutcome> {
        self.events
            .iter()
            .filter_map(|e| match e {
                ServerEvent::RunEnded { outcome, .. } => Some(*outcome),
                _ => None,
            })
            .collect()
    }

    pub fn error_codes(&self) -> Vec<loquat::protocol::ErrorCode> {
        self.errors
            .iter()
            .filter_map(|e| match e {
                ServerEvent::Error { code, .. } => Some(*code),
                _ => None,
            })
            .collect()
    }
}

/// Percent-encodes a form value.
pub fn urlencode(value: &str) -> String {
    let mut out = String::new();
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// `n` numbered tokens: "t0 t1 t2 …".
pub fn numbered_tokens(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("t{i} ")).collect()
}

/// The first frame of a connection, with no `user_env`: a new chat (all
/// `None`), a session resumed after `last_seq`, or a thread from history.
pub fn hello(
    session_id: Option<String>,
    last_seq: Option<u64>,
    thread_id: Option<String>,
) -> ClientEvent {
    ClientEvent::Hello {
        session_id,
        last_seq,
        thread_id,
        user_env: Default::default(),
        chat_profile: None,
    }
}

/// Serves `router` on a free loopback port (a stand-in for a service the
/// machine cannot reach, speaking its real protocol); its address.
#[allow(dead_code)]
pub async fn serve_on_loopback(router: axum::Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a loopback port");
    let addr = listener.local_addr().expect("its address");
    tokio::spawn(async move { axum::serve(listener, router).await });
    addr
}
