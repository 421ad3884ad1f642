//! The WebSocket transport: one socket per tab. It parses frames, lets
//! the runtime attach the tab to a session ([`Runtime::attach`]) and handle
//! each event ([`Session::handle`]), brings the client up to date (replay
//! or snapshot), then forwards every new event in order, batching whatever
//! accumulated while it was sending. No rule of the chat lives here.

use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::Extension;
use loquat_app::protocol::{ClientEvent, ErrorCode, ServerEvent, UserEnv};

use super::serve::ConnectionGuard;
use super::CurrentUser;
use crate::auth::Auth;
use crate::ids::{SessionId, ThreadId};
use crate::runtime::audio::AudioInput;
use crate::runtime::live::Live;
use crate::runtime::math::MathRequests;
use crate::runtime::session::serialize_envelope;
use crate::runtime::{Handled, Hello, Refusal, Runtime, Since};

/// Most events sent in one frame…
const MAX_BATCH: usize = 1024;
/// …and most bytes of them (one larger event still goes, alone): frames
/// stay small enough for a slow link to take one within `send_timeout`.
const MAX_BATCH_BYTES: usize = 256 * 1024;
/// How often (at least; on the heartbeat) a signed-in socket checks its
/// sign-in still stands (a user removed by `loquat users remove`, a
/// sign-in ended on another server).
const RECHECK_SIGN_IN: Duration = Duration::from_secs(60);

/// A socket's sign-in: ended here (sign-out) it closes at once; ended
/// elsewhere, at the next recheck. Only the token is kept (a header
/// login has none to end: the proxy vouches for each connection).
struct SignInCheck {
    auth: Arc<Auth>,
    token: Box<str>,
    user: crate::ids::UserId,
    login_key: Option<Box<str>>,
    /// Taken by the socket's loop, which waits on it (see [`sign_in_ended`]).
    ended: Option<tokio::sync::broadcast::Receiver<String>>,
}

impl SignInCheck {
    fn new(auth: Arc<Auth>, user: &CurrentUser, headers: &HeaderMap) -> Option<SignInCheck> {
        let token = auth.request_token(headers)?;
        Some(SignInCheck {
            ended: Some(auth.ended_sign_ins()),
            auth,
            token: token.into(),
            user: user.id.clone(),
            login_key: user.login_key.as_deref().map(Into::into),
        })
    }

    /// What resolves when this socket's sign-in is ended here, boxed: a
    /// socket without a sign-in carries no room for it (taken once).
    fn ended(&mut self) -> Option<Pin<Box<impl Future<Output = ()> + Send + 'static>>> {
        let ended = self.ended.take()?;
        Some(Box::pin(sign_in_ended(ended, self.login_key.clone())))
    }

    async fn still_signed_in(&self) -> bool {
        self.auth
            .token_user(&self.token)
            .await
            .is_some_and(|now| now.id == self.user)
    }
}

/// Resolves when sign-in `key` is ended here (never, once the channel is
/// gone).
async fn sign_in_ended(mut ended: tokio::sync::broadcast::Receiver<String>, key: Option<Box<str>>) {
    loop {
        match ended.recv().await {
            Ok(ended) if key.as_deref() == Some(ended.as_str()) => return,
            Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
            Err(_) => return std::future::pending().await,
        }
    }
}

/// How long a new connection may take to say hello.
const HELLO_TIMEOUT: Duration = Duration::from_secs(30);

pub(crate) async fn ws_handler(
    ws: WebSocketUpgrade,
    user: CurrentUser,
    State(runtime): State<Arc<Runtime>>,
    State(auth): State<Option<Arc<Auth>>>,
    headers: HeaderMap,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    guard: Option<Extension<ConnectionGuard>>,
) -> Response {
    // Boxed, like the connection below: what a socket's task carries
    // across its awaits stays a pointer.
    let check = auth.and_then(|auth| SignInCheck::new(auth, &user, &headers).map(Box::new));
    // Mounted in an app's own server without Loquat's accept loop, every
    // client counts as one address.
    let client = peer.map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |p| p.0 .0.ip());
    // The codec's limit is the runtime's: a larger frame closes the socket
    // (1009) before it is buffered whole. Small buffers: idle sessions
    // must stay cheap.
    let max = runtime.limits.max_frame_bytes;
    // A frame without cookies sends its token as a second subprotocol;
    // the answer names the app's own.
    ws.protocols([crate::auth::WS_PROTOCOL])
        .read_buffer_size(256)
        .write_buffer_size(0)
        .max_message_size(max)
        .max_frame_size(max)
        .on_upgrade(move |socket| {
            let conn = Box::new(Connection {
                socket,
                cursor: 0,
                send_timeout: runtime.limits.websocket.send_timeout,
                audio: AudioSlot::Never,
                math: MathRequests::default(),
                latex: runtime.config.features.latex,
            });
            // The socket counts under the connection caps until it ends.
            connection(
                conn,
                runtime,
                Box::new(Caller { user, client }),
                check,
                guard,
            )
        })
}

struct Connection {
    socket: WebSocket,
    cursor: u64,
    send_timeout: Duration,
    /// The microphone's stream this socket opened (see `runtime::audio`).
    audio: AudioSlot,
    /// Formulas this socket asked the server to render.
    math: MathRequests,
    /// `[features] latex`.
    latex: bool,
}

/// Whether binary frames are audio: only while a stream is open. After
/// one ended (the user's `audio_end`, or refused by the server), chunks
/// the browser had in flight are dropped quietly; a socket that never
/// opened one is told binary frames are not for it.
enum AudioSlot {
    Never,
    Open(Box<AudioInput>),
    Ended,
}

impl Connection {
    /// False when the socket is gone, or too slow to take the frame.
    async fn send_message(&mut self, message: WsMessage) -> bool {
        let send = self.socket.send(message);
        matches!(
            tokio::time::timeout(self.send_timeout, send).await,
            Ok(Ok(()))
        )
    }

    /// Closes with 4401 (`CLOSE_SIGNED_OUT`): the sign-in ended, and the
    /// browser goes to the login page.
    async fn close_signed_out(&mut self) {
        let frame = axum::extract::ws::CloseFrame {
            code: loquat_app::protocol::CLOSE_SIGNED_OUT,
            reason: "signed out".into(),
        };
        let _ = self.send_message(WsMessage::Close(Some(frame))).await;
    }

    /// Closes with 1009 (message too big), as the protocol says to.
    async fn close_too_large(&mut self) {
        let frame = axum::extract::ws::CloseFrame {
            code: 1009,
            reason: "frame over the size limit".into(),
        };
        let _ = self.send_message(WsMessage::Close(Some(frame))).await;
    }

    /// A binary frame: the next chunk of the open stream. A refused chunk
    /// ends the stream and the browser stops recording.
    async fn audio_chunk(&mut self, bytes: bytes::Bytes) -> bool {
        match &mut self.audio {
            AudioSlot::Open(input) => match input.push(bytes) {
                Ok(()) => true,
                Err(Refusal { code, message }) => {
                    self.audio = AudioSlot::Ended;
                    self.send_error(code, message).await
                }
            },
            AudioSlot::Ended => true,
            AudioSlot::Never => {
                self.send_error(
                    ErrorCode::UnsupportedFrame,
                    "binary frames are only the audio of an open recording (audio_start first); send JSON text",
                )
                .await
            }
        }
    }

    async fn send_frame(&mut self, frame: String) -> bool {
        self.send_message(WsMessage::Text(frame.into())).await
    }

    async fn send_unsequenced(&mut self, event: ServerEvent) -> bool {
        let frame = format!("[{}]", serialize_envelope(0, &event));
        self.send_frame(frame).await
    }

    async fn send_error(&mut self, code: ErrorCode, message: impl Into<String>) -> bool {
        self.send_unsequenced(ServerEvent::Error {
            code,
            message: message.into(),
        })
        .await
    }

    /// Sends the snapshot a page a frame; each page is serialized just
    /// before it is sent.
    async fn send_snapshot(&mut self, session: &Live) -> bool {
        let snapshot = session.snapshot();
        self.cursor = snapshot.seq;
        let mut seq = snapshot.seq;
        for event in snapshot.events {
            let frame = format!("[{}]", serialize_envelope(seq, &event));
            drop(event);
            if !self.send_frame(frame).await {
                return false;
            }
            seq = 0;
        }
        true
    }

    /// Sends everything after the cursor; false when the socket is gone.
    async fn flush(&mut self, session: &Live) -> bool {
        loop {
            match session.events_since(self.cursor, MAX_BATCH) {
                Since::Events(events) if events.is_empty() => return true,
                Since::Events(events) => {
                    // As many as fit in MAX_BATCH_BYTES (at least one).
                    let (mut count, mut len) = (0, 0);
                    for event in &events {
                        let size = event.len() + 1;
                        if count > 0 && len + size > MAX_BATCH_BYTES {
                            break;
                        }
                        count += 1;
                        len += size;
                    }
                    let events = &events[..count];
                    let mut frame = String::with_capacity(len + 2);
                    frame.push('[');
                    for (i, e) in events.iter().enumerate() {
                        if i > 0 {
                            frame.push(',');
                        }
                        frame.push_str(e);
                    }
                    frame.push(']');
                    self.cursor += events.len() as u64;
                    if !self.send_frame(frame).await {
                        return false;
                    }
                }
                Since::Gap => {
                    if !self.send_snapshot(session).await {
                        return false;
                    }
                }
            }
        }
    }
}

enum Incoming {
    Event(ClientEvent),
    /// A binary frame: a chunk of the microphone's stream, if one is open.
    Audio(bytes::Bytes),
    Refused(ErrorCode, String),
    Ignore,
    Closed,
    /// Over the size limit: the codec stopped reading it.
    TooLarge,
}

fn is_capacity(err: &axum::Error) -> bool {
    matches!(
        crate::error::find_cause::<tungstenite::Error>(err),
        Some(tungstenite::Error::Capacity(_))
    )
}

/// What a frame says. Frames over the size limit never get here: the
/// codec closes the socket on them (see [`ws_handler`]).
fn parse(frame: Option<Result<WsMessage, axum::Error>>) -> Incoming {
    match frame {
        Some(Err(err)) if is_capacity(&err) => Incoming::TooLarge,
        None | Some(Err(_)) | Some(Ok(WsMessage::Close(_))) => Incoming::Closed,
        Some(Ok(WsMessage::Ping(_) | WsMessage::Pong(_))) => Incoming::Ignore,
        Some(Ok(WsMessage::Binary(bytes))) => Incoming::Audio(bytes),
        Some(Ok(WsMessage::Text(text))) => match serde_json::from_str::<ClientEvent>(&text) {
            Ok(event) => Incoming::Event(event),
            Err(err) => {
                Incoming::Refused(ErrorCode::MalformedFrame, format!("invalid frame: {err}"))
            }
        },
    }
}

/// The runtime's [`Hello`] from the client's: a malformed session id names
/// no session (a new one starts, as for an id that has ended), a malformed
/// thread id is a thread not found.
/// Longest `user_env` value taken, in bytes.
const MAX_USER_ENV_VALUE_BYTES: usize = 8 * 1024;

fn parse_hello(
    session_id: Option<String>,
    last_seq: Option<u64>,
    thread_id: Option<String>,
    user_env: UserEnv,
    wanted: &[String],
) -> Result<Hello, Refusal> {
    let thread_id = match thread_id {
        Some(id) => Some(ThreadId::parse(&id).ok_or_else(Refusal::thread_not_found)?),
        None => None,
    };
    // Only the configured keys; a value over the bound is refused, not cut.
    let mut env = std::collections::HashMap::new();
    for (key, value) in user_env.0 {
        if !wanted.contains(&key) || value.is_empty() {
            continue;
        }
        if value.len() > MAX_USER_ENV_VALUE_BYTES {
            return Err(Refusal::new(
                ErrorCode::MalformedFrame,
                format!("the value of {key} is too long"),
            ));
        }
        env.insert(key, value);
    }
    Ok(Hello {
        named_session: session_id.is_some(),
        session_id: session_id.as_deref().and_then(SessionId::parse),
        last_seq,
        thread_id,
        user_env: env,
        chat_profile: None,
    })
}

/// Longest chat profile name a `hello` may ask for (longer ones are
/// ignored: no profile has such a name).
const MAX_PROFILE_NAME_BYTES: usize = 256;

/// One socket, from its `hello` to its end.
///
/// An idle session's cost is mostly this task: its future is as large as
/// the largest state it can be in, so the handshake and whatever wakes the
/// loop (an event to handle, events to send, a ping) run behind a box, and
/// the loop itself only waits. Measured (heaptrack, 2,000 idle sessions,
/// release build): the task took 11.1 KiB per socket with all of it
/// inline, 4.0 KiB with only the handling and flushing boxed. The socket
/// itself (392 bytes) and the sign-in check are boxed too: an async fn
/// keeps its arguments for its whole life, so each value passed down
/// from one to the next would otherwise be held twice.
async fn connection(
    conn: Box<Connection>,
    runtime: Arc<Runtime>,
    caller: Box<Caller>,
    check: Option<Box<SignInCheck>>,
    guard: Option<Extension<ConnectionGuard>>,
) {
    let Some((conn, session, seen)) = Box::pin(handshake(conn, &runtime, caller)).await else {
        return;
    };
    serve(conn, &session, seen, &runtime, check).await;
    session.detach();
    drop(guard);
}

/// Who opened a socket: needed until its tab is attached, and boxed so the
/// socket's task does not carry it for its whole life (an async fn keeps
/// its arguments until it ends).
struct Caller {
    user: CurrentUser,
    client: IpAddr,
}

/// Waits for `hello`, attaches the tab to its session and brings it up to
/// date; `None` when the socket ended or was refused.
async fn handshake(
    mut conn: Box<Connection>,
    runtime: &Arc<Runtime>,
    caller: Box<Caller>,
) -> Option<(Box<Connection>, Live, u64)> {
    let Caller { user, client } = *caller;
    let user = &user;
    // Handshake: wait for hello; refuse anything else meanwhile.
    let hello = loop {
        let next = tokio::time::timeout(HELLO_TIMEOUT, conn.socket.recv()).await;
        let Ok(frame) = next else { return None };
        match parse(frame) {
            Incoming::Event(ClientEvent::Hello {
                session_id,
                last_seq,
                thread_id,
                user_env,
                chat_profile,
            }) => {
                let wanted = &runtime.config.project.user_env;
                break parse_hello(session_id, last_seq, thread_id, user_env, wanted).map(
                    |hello| {
                        Hello {
                            // Checked against the user's profiles when a chat starts.
                            chat_profile: chat_profile
                                .filter(|name| name.len() <= MAX_PROFILE_NAME_BYTES),
                            ..hello
                        }
                    },
                );
            }
            Incoming::Event(_) => {
                if !conn
                    .send_error(ErrorCode::NotReady, "say hello first")
                    .await
                {
                    return None;
                }
            }
            Incoming::Refused(code, message) => {
                if !conn.send_error(code, message).await {
                    return None;
                }
            }
            Incoming::Audio(_) => {
                if !conn
                    .send_error(ErrorCode::NotReady, "say hello first")
                    .await
                {
                    return None;
                }
            }
            Incoming::Ignore => {}
            Incoming::Closed => return None,
            Incoming::TooLarge => {
                conn.close_too_large().await;
                return None;
            }
        }
    };

    let attached = match hello {
        Ok(hello) => {
            runtime
                .attach(&user.id, user.user.clone(), client, hello)
                .await
        }
        Err(refusal) => Err(refusal),
    };
    let attached = match attached {
        Ok(attached) => attached,
        Err(Refusal { code, message }) => {
            let _ = conn.send_error(code, message).await;
            let _ = conn.socket.send(WsMessage::Close(None)).await;
            return None;
        }
    };
    let (session, expired, last_seq) = (attached.session, attached.expired, attached.last_seq);
    session.attach();
    // Read before anything is sent: an event emitted meanwhile is flushed
    // by the loop.
    let seen = session.changes().version();
    let ready = ServerEvent::Ready {
        session_id: session.id().to_string(),
        thread_id: session.thread_id(),
        last_seq: session.last_seq(),
    };
    let mut alive = conn.send_unsequenced(ready).await;
    if alive && expired {
        alive = conn
            .send_error(
                ErrorCode::SessionExpired,
                "your previous session has ended; a new chat was started",
            )
            .await;
    }
    if alive {
        alive = match last_seq {
            Some(seq) if seq <= session.last_seq() => {
                conn.cursor = seq;
                conn.flush(&session).await
            }
            _ => conn.send_snapshot(&session).await && conn.flush(&session).await,
        };
    }
    if alive {
        Some((conn, session, seen))
    } else {
        session.detach();
        None
    }
}

/// Forwards the session's events and handles the tab's until either ends.
async fn serve(
    mut conn: Box<Connection>,
    session: &Live,
    mut seen: u64,
    runtime: &Runtime,
    mut check: Option<Box<SignInCheck>>,
) {
    // The runtime's one heartbeat, not a timer of its own: it wakes the
    // socket like new events do (see `Runtime::spawn_heartbeat`), so the
    // loop waits on one thing less.
    let mut beat = runtime.heartbeat.load(Ordering::Acquire);
    let mut signed_out = check.as_mut().and_then(|check| check.ended());
    let mut times = Times {
        last_check: tokio::time::Instant::now(),
        last_heard: tokio::time::Instant::now(),
        idle_timeout: runtime.limits.websocket.idle_timeout,
    };
    loop {
        // The loop only waits; what woke it is handled behind one box.
        let wake = tokio::select! {
            () = async {
                match signed_out.as_mut() {
                    Some(ended) => ended.as_mut().await,
                    None => std::future::pending().await,
                }
            } => Wake::SignedOut,
            frame = conn.socket.recv() => Wake::Frame(frame),
            now = session.changes().after(seen) => {
                seen = now;
                Wake::Events
            }
        };
        if !Box::pin(conn.react(wake, session, check.as_deref(), &mut times)).await {
            break;
        }
        let now = runtime.heartbeat.load(Ordering::Acquire);
        if now != beat {
            beat = now;
            if !Box::pin(conn.react(Wake::Heartbeat, session, check.as_deref(), &mut times)).await {
                break;
            }
        }
        if session.is_closed() {
            // Ended elsewhere (another tab, expiry): deliver the rest, then go.
            let _ = Box::pin(conn.flush(session)).await;
            break;
        }
    }
}

/// What woke a socket's loop.
enum Wake {
    SignedOut,
    Frame(Option<Result<WsMessage, axum::Error>>),
    /// The session has new events, or ended.
    Events,
    Heartbeat,
}

/// When a socket last heard from its tab and checked its sign-in.
struct Times {
    last_check: tokio::time::Instant,
    last_heard: tokio::time::Instant,
    idle_timeout: Duration,
}

impl Connection {
    /// Handles what woke the loop; false when the socket is done.
    async fn react(
        &mut self,
        wake: Wake,
        session: &Live,
        check: Option<&SignInCheck>,
        times: &mut Times,
    ) -> bool {
        match wake {
            Wake::SignedOut => {
                self.close_signed_out().await;
                false
            }
            Wake::Frame(frame) => {
                times.last_heard = tokio::time::Instant::now();
                match parse(frame) {
                    Incoming::Event(ClientEvent::AudioStart { sample_rate }) => {
                        match session.start_audio(sample_rate).await {
                            Ok(input) => {
                                self.audio = AudioSlot::Open(Box::new(input));
                                true
                            }
                            // The chunks the browser sent meanwhile are
                            // dropped quietly; it stops on this refusal.
                            Err(Refusal { code, message }) => {
                                self.audio = AudioSlot::Ended;
                                self.send_error(code, message).await
                            }
                        }
                    }
                    Incoming::Event(ClientEvent::AudioEnd) => {
                        if let AudioSlot::Open(_) = self.audio {
                            self.audio = AudioSlot::Ended;
                        }
                        true
                    }
                    Incoming::Event(ClientEvent::RenderMath { formulas }) => {
                        match self.math.render(self.latex, &formulas) {
                            Ok(rendered) => self.send_unsequenced(rendered).await,
                            Err(Refusal { code, message }) => self.send_error(code, message).await,
                        }
                    }
                    Incoming::Audio(bytes) => self.audio_chunk(bytes).await,
                    Incoming::Event(event) => match session.handle(event).await {
                        Ok(Handled::Continue) => true,
                        Ok(Handled::End) => false,
                        Err(Refusal { code, message }) => self.send_error(code, message).await,
                    },
                    Incoming::Refused(code, message) => self.send_error(code, message).await,
                    Incoming::Ignore => true,
                    Incoming::Closed => false,
                    Incoming::TooLarge => {
                        self.close_too_large().await;
                        false
                    }
                }
            }
            Wake::Events => self.flush(session).await,
            Wake::Heartbeat => {
                let recheck = times.last_check.elapsed() >= RECHECK_SIGN_IN;
                if let Some(check) = check.filter(|_| recheck) {
                    times.last_check = tokio::time::Instant::now();
                    if !check.still_signed_in().await {
                        self.close_signed_out().await;
                        return false;
                    }
                }
                if times.last_heard.elapsed() >= times.idle_timeout {
                    tracing::debug!(session = %session.id(), "no answer to pings; closing the socket");
                    return false;
                }
                self.send_message(WsMessage::Ping(Default::default())).await
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SESSION: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn a_hello_names_its_ids_parsed() {
        let hello = parse_hello(
            Some(SESSION.into()),
            Some(3),
            Some("t-1".into()),
            UserEnv::default(),
            &[],
        )
        .unwrap();
        assert_eq!(
            hello.session_id.as_ref().map(SessionId::as_str),
            Some(SESSION)
        );
        assert!(hello.named_session);
        assert_eq!(hello.last_seq, Some(3));
        assert_eq!(hello.thread_id.as_ref().map(ThreadId::as_str), Some("t-1"));
        assert_eq!(
            parse_hello(None, None, None, UserEnv::default(), &[]).unwrap(),
            Hello::default()
        );
    }

    #[test]
    fn a_malformed_session_names_none_of_the_live_ones() {
        let hello =
            parse_hello(Some("../x".into()), Some(3), None, UserEnv::default(), &[]).unwrap();
        assert_eq!(hello.session_id, None);
        assert!(hello.named_session);
    }

    #[test]
    fn only_the_configured_user_env_keys_are_kept_and_values_are_bounded() {
        let wanted = ["OPENAI_API_KEY".to_string()];
        let env = UserEnv::from([
            ("OPENAI_API_KEY".to_string(), "sk-1".to_string()),
            ("PATH".to_string(), "/evil".to_string()),
        ]);
        let hello = parse_hello(None, None, None, env, &wanted).unwrap();
        assert_eq!(hello.user_env.len(), 1);
        assert_eq!(hello.user_env["OPENAI_API_KEY"], "sk-1");
        let long = UserEnv::from([(
            "OPENAI_API_KEY".to_string(),
            "x".repeat(MAX_USER_ENV_VALUE_BYTES + 1),
        )]);
        assert!(parse_hello(None, None, None, long, &wanted).is_err());
    }

    #[test]
    fn a_malformed_thread_is_not_found() {
        let refused = parse_hello(
            Some(SESSION.into()),
            None,
            Some("a/b".into()),
            UserEnv::default(),
            &[],
        )
        .unwrap_err();
        assert_eq!(refused, Refusal::thread_not_found());
    }
}
