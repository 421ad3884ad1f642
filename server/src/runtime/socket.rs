//! The streaming endpoint: one WebSocket per tab. It attaches to a session,
//! brings the client up to date (replay or snapshot), then forwards every new
//! event in order, batching whatever accumulated while it was sending.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::response::Response;
use axum::Extension;
use loquat_app::protocol::{
    Action, ClientEvent, Element, ElementKind, ErrorCode, ServerEvent, StepType, REACTIONS_KEY,
};

use super::answers;
use super::event_log::Since;
use super::operations;
use super::runner::RunRequest;
use super::session::{serialize_envelope, Session};
use super::{ResumeError, Runtime};
use crate::http::serve::ConnectionGuard;
use crate::http::CurrentUser;
use crate::sdk::with_prop;

/// Most events sent in one frame.
const MAX_BATCH: usize = 1024;
/// How long a new connection may take to say hello.
const HELLO_TIMEOUT: Duration = Duration::from_secs(30);
/// Hard ceiling enforced by the WebSocket codec itself; frames between the
/// runtime's limit and this one get a protocol error and the socket stays.
const CODEC_MAX_MESSAGE: usize = 16 * 1024 * 1024;

pub(crate) async fn ws_handler(
    ws: WebSocketUpgrade,
    user: CurrentUser,
    State(runtime): State<Arc<Runtime>>,
    guard: Option<Extension<ConnectionGuard>>,
) -> Response {
    let user = user.0;
    // Small buffers: idle sessions must stay cheap.
    ws.read_buffer_size(4 * 1024)
        .write_buffer_size(0)
        .max_message_size(CODEC_MAX_MESSAGE.max(runtime.limits.max_frame_bytes * 2))
        .max_frame_size(CODEC_MAX_MESSAGE.max(runtime.limits.max_frame_bytes * 2))
        .on_upgrade(move |socket| async move {
            connection(socket, runtime, user).await;
            // The socket counts under the connection caps until here.
            drop(guard);
        })
}

struct Connection {
    socket: WebSocket,
    cursor: u64,
    send_timeout: Duration,
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

    async fn send_snapshot(&mut self, session: &Session) -> bool {
        let snapshot = session.snapshot();
        self.cursor = snapshot.seq;
        self.send_frame(format!("[{}]", snapshot.json)).await
    }

    /// Sends everything after the cursor; false when the socket is gone.
    async fn flush(&mut self, session: &Session) -> bool {
        loop {
            match session.events_since(self.cursor, MAX_BATCH) {
                Since::Events(events) if events.is_empty() => return true,
                Since::Events(events) => {
                    let len: usize = events.iter().map(|e| e.len() + 1).sum();
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
    Refused(ErrorCode, String),
    Ignore,
    Closed,
}

fn parse(frame: Option<Result<WsMessage, axum::Error>>, max_bytes: usize) -> Incoming {
    match frame {
        None | Some(Err(_)) | Some(Ok(WsMessage::Close(_))) => Incoming::Closed,
        Some(Ok(WsMessage::Ping(_) | WsMessage::Pong(_))) => Incoming::Ignore,
        Some(Ok(WsMessage::Binary(_))) => Incoming::Refused(
            ErrorCode::UnsupportedFrame,
            "binary frames are not part of the protocol; send JSON text".into(),
        ),
        Some(Ok(WsMessage::Text(text))) if text.len() > max_bytes => Incoming::Refused(
            ErrorCode::FrameTooLarge,
            format!(
                "frame of {} bytes exceeds the limit of {max_bytes} bytes",
                text.len()
            ),
        ),
        Some(Ok(WsMessage::Text(text))) => match serde_json::from_str::<ClientEvent>(&text) {
            Ok(event) => Incoming::Event(event),
            Err(err) => {
                Incoming::Refused(ErrorCode::MalformedFrame, format!("invalid frame: {err}"))
            }
        },
    }
}

async fn connection(socket: WebSocket, runtime: Arc<Runtime>, user: String) {
    let mut conn = Connection {
        socket,
        cursor: 0,
        send_timeout: runtime.limits.websocket.send_timeout,
    };
    let max = runtime.limits.max_frame_bytes;

    // Handshake: wait for hello; refuse anything else meanwhile.
    let (session_id, last_seq, thread_id) = loop {
        let next = tokio::time::timeout(HELLO_TIMEOUT, conn.socket.recv()).await;
        let Ok(frame) = next else { return };
        match parse(frame, max) {
            Incoming::Event(ClientEvent::Hello {
                session_id,
                last_seq,
                thread_id,
            }) => break (session_id, last_seq, thread_id),
            Incoming::Event(_) => {
                if !conn
                    .send_error(ErrorCode::NotReady, "say hello first")
                    .await
                {
                    return;
                }
            }
            Incoming::Refused(code, message) => {
                if !conn.send_error(code, message).await {
                    return;
                }
            }
            Incoming::Ignore => {}
            Incoming::Closed => return,
        }
    };

    let existing = session_id
        .as_deref()
        .and_then(|id| runtime.session(id))
        .filter(|s| s.owner() == user)
        .filter(|s| thread_id.as_deref().is_none_or(|t| s.thread_id() == t));
    // Replay only continues the very session the client was attached to.
    let last_seq = if existing.is_some() { last_seq } else { None };
    let (session, expired) = match (existing, thread_id) {
        (Some(session), _) => (session, false),
        (None, Some(thread_id)) => match open_thread(&runtime, &user, &thread_id).await {
            Ok(session) => (session, false),
            Err(err) => {
                let (code, message) = match err {
                    ResumeError::NotFound => (
                        ErrorCode::ThreadNotFound,
                        "this conversation does not exist or is not yours".to_string(),
                    ),
                    ResumeError::Data(err) => {
                        tracing::error!(error = %err, "loading a thread failed");
                        (
                            ErrorCode::Storage,
                            "the conversation could not be loaded; try again later".to_string(),
                        )
                    }
                };
                let _ = conn.send_error(code, message).await;
                let _ = conn.socket.send(WsMessage::Close(None)).await;
                return;
            }
        },
        (None, None) => (runtime.create_session(&user), session_id.is_some()),
    };
    session.attach();
    let mut seq_rx = session.subscribe();
    let ready = ServerEvent::Ready {
        session_id: session.id.clone(),
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
            Some(seq) if !expired && seq <= session.last_seq() => {
                conn.cursor = seq;
                conn.flush(&session).await
            }
            _ => conn.send_snapshot(&session).await && conn.flush(&session).await,
        };
    }

    let limits = runtime.limits.websocket;
    let mut heartbeat = tokio::time::interval_at(
        tokio::time::Instant::now() + limits.ping_interval,
        limits.ping_interval,
    );
    heartbeat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last_heard = tokio::time::Instant::now();
    while alive {
        tokio::select! {
            frame = conn.socket.recv() => {
                last_heard = tokio::time::Instant::now();
                alive = match parse(frame, max) {
                    Incoming::Event(event) => handle(&runtime, &session, &mut conn, event).await,
                    Incoming::Refused(code, message) => conn.send_error(code, message).await,
                    Incoming::Ignore => true,
                    Incoming::Closed => false,
                };
            }
            changed = seq_rx.changed() => {
                alive = changed.is_ok() && conn.flush(&session).await;
            }
            _ = heartbeat.tick() => {
                if last_heard.elapsed() >= limits.idle_timeout {
                    tracing::debug!(session = %session.id, "no answer to pings; closing the socket");
                    break;
                }
                alive = conn.send_message(WsMessage::Ping(Default::default())).await;
            }
        }
        if session.is_closed() {
            // Ended elsewhere (another tab, expiry): deliver the rest, then go.
            let _ = conn.flush(&session).await;
            break;
        }
    }
    session.detach();
}

async fn open_thread(
    runtime: &Arc<Runtime>,
    user: &str,
    thread_id: &str,
) -> Result<Arc<Session>, ResumeError> {
    if !loquat_app::route::is_thread_id(thread_id) {
        return Err(ResumeError::NotFound);
    }
    runtime.open_thread(user, thread_id).await
}

/// Handles one client event; false when the connection should end.
async fn handle(
    runtime: &Arc<Runtime>,
    session: &Arc<Session>,
    conn: &mut Connection,
    event: ClientEvent,
) -> bool {
    match event {
        ClientEvent::Hello { .. } => {
            conn.send_error(ErrorCode::MalformedFrame, "already attached to a session")
                .await
        }
        ClientEvent::Send { content, files } => {
            match answers::send(session, content, files).await {
                Ok(()) => true,
                Err((code, why)) => conn.send_error(code, &why).await,
            }
        }
        ClientEvent::Answer { id, answer } => match answers::answer(session, &id, answer).await {
            Ok(()) => true,
            Err((code, why)) => conn.send_error(code, &why).await,
        },
        ClientEvent::EditMessage { id, content } => {
            if !runtime.config.features.edit_message {
                return conn
                    .send_error(ErrorCode::FeatureDisabled, "editing messages is turned off")
                    .await;
            }
            if content.trim().is_empty() {
                return conn
                    .send_error(ErrorCode::EmptyMessage, "the message is empty")
                    .await;
            }
            if !is_user_message(session, &id) {
                return conn
                    .send_error(ErrorCode::UnknownStep, "there is no such message to edit")
                    .await;
            }
            spawn_operation(session, move |s| async move {
                operations::edit_message(&s, &id, content).await
            });
            true
        }
        ClientEvent::Rerun => {
            spawn_operation(session, |s| async move { operations::rerun(&s).await });
            true
        }
        ClientEvent::Undo => {
            spawn_operation(session, |s| async move { operations::undo_turn(&s).await });
            true
        }
        ClientEvent::Clear => {
            spawn_operation(session, |s| async move { operations::clear_all(&s).await });
            true
        }
        ClientEvent::Stop => {
            session.stop();
            true
        }
        ClientEvent::EndChat => {
            runtime.end_session(&session.id);
            false
        }
        ClientEvent::ActionClicked { step_id, action_id } => {
            // The action is taken from the thread, never from the browser.
            let action = session
                .step(&step_id)
                .and_then(|step| step.actions.into_iter().find(|a| a.id == action_id))
                .filter(|action| runtime.hooks.actions.contains_key(&action.name));
            match action {
                Some(action) => {
                    let _ = session.enqueue(RunRequest::Action(Box::new((step_id, action))));
                    true
                }
                None => {
                    conn.send_error(
                        ErrorCode::UnknownAction,
                        "that action is no longer available",
                    )
                    .await
                }
            }
        }
        ClientEvent::React {
            step_id,
            reaction,
            active,
        } => {
            if !runtime.config.ui.reactions.contains(&reaction) {
                return conn
                    .send_error(ErrorCode::FeatureDisabled, "that reaction is not offered")
                    .await;
            }
            let is_message = session
                .step(&step_id)
                .is_some_and(|s| s.step_type.is_message() && !s.streaming);
            if !is_message {
                return conn
                    .send_error(ErrorCode::UnknownStep, "there is no such message")
                    .await;
            }
            let session = session.clone();
            tokio::spawn(async move {
                session
                    .update_step(&step_id, |step| set_reaction(step, &reaction, active))
                    .await
            });
            true
        }
        ClientEvent::ElementPropsUpdated { id, props } => {
            let Some(mut element) = custom_element(session, &id) else {
                return unknown_element(conn).await;
            };
            element.props = with_prop(std::mem::take(&mut element.props), None, "props", props);
            let session = session.clone();
            tokio::spawn(async move { session.set_element(element).await });
            true
        }
        ClientEvent::ElementRemoveRequested { id } => {
            if custom_element(session, &id).is_none() {
                return unknown_element(conn).await;
            }
            let session = session.clone();
            tokio::spawn(async move { session.remove_element(&id).await });
            true
        }
        ClientEvent::ElementAction { id, name, payload } => {
            let Some(element) = custom_element(session, &id) else {
                return unknown_element(conn).await;
            };
            if !runtime.hooks.actions.contains_key(&name) {
                return conn
                    .send_error(
                        ErrorCode::UnknownAction,
                        "no callback has that action's name",
                    )
                    .await;
            }
            let mut action = Action::new(name).payload(payload);
            action.id = crate::ids::new_id();
            let for_id = element.for_id.unwrap_or_default();
            let _ = session.enqueue(RunRequest::Action(Box::new((for_id, action))));
            true
        }
    }
}

/// Turns `reaction` on or off in a message's metadata (kept sorted).
fn set_reaction(step: &mut loquat_app::protocol::Step, reaction: &str, active: bool) {
    let mut reactions = step.reactions();
    reactions.retain(|r| r != reaction);
    if active {
        reactions.push(reaction.to_string());
    }
    reactions.sort();
    if reactions.is_empty() {
        step.metadata.remove(REACTIONS_KEY);
    } else {
        step.metadata
            .insert(REACTIONS_KEY.into(), serde_json::json!(reactions));
    }
}

/// A custom element of the session's thread: the only kind the browser
/// may change, and only its own.
fn custom_element(session: &Session, id: &str) -> Option<Element> {
    session
        .element(id)
        .filter(|element| element.kind == ElementKind::Custom)
}

async fn unknown_element(conn: &mut Connection) -> bool {
    conn.send_error(
        ErrorCode::UnknownElement,
        "that element is not in this chat",
    )
    .await
}

fn is_user_message(session: &Session, id: &str) -> bool {
    session.with_steps(|steps| {
        steps
            .iter()
            .any(|s| s.id == id && s.parent_id.is_none() && s.step_type == StepType::UserMessage)
    })
}

/// Runs an operation on its own task: it may wait for a run to stop, and
/// the connection must keep forwarding events meanwhile.
fn spawn_operation<F, Fut>(session: &Arc<Session>, operation: F)
where
    F: FnOnce(Arc<Session>) -> Fut,
    Fut: std::future::Future<Output = Result<(), crate::error::ChatError>> + Send + 'static,
{
    let future = operation(session.clone());
    let id = session.id.clone();
    tokio::spawn(async move {
        if let Err(err) = future.await {
            tracing::debug!(session = %id, error = %err, "operation refused");
        }
    });
}
