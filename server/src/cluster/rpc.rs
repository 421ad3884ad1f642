//! Requests between nodes, over NATS request/reply: a node answers on
//! `loquat.node.<name>.<verb>` for the sessions it runs.
//!
//! - `cmd`: a tab's event, from the node the tab is attached to;
//! - `snapshot`: the session as it is now, in parts (a long thread is
//!   larger than one NATS message);
//! - `touch`: a tab elsewhere still shows the session (it does not expire);
//! - `ping`: the node is alive;
//! - `upload_plan`, `upload_add`: a file uploaded through another node
//!   (see [`super::uploads`]);
//! - `end`: the session's thread was deleted through another node.
//!
//! A node that died has no subscription left, so NATS answers its
//! requests with "no responders" at once: that is how nodes notice.

use std::sync::{Arc, Weak};
use std::time::Duration;

use async_nats::{Client, HeaderMap, RequestErrorKind, Subscriber};
use bytes::Bytes;
use futures_util::StreamExt;
use loquat_app::protocol::Envelope;

use super::names::{self, PART_HEADER};
use super::wire::{Command, CommandReply, SessionRef, TouchReply};
use super::Cluster;
use crate::ids::SessionId;
use crate::runtime::session::{serialize_envelope, Session};
use crate::runtime::{Handled, Refusal, Runtime};

/// Longest a forwarded event may take (a message waits for its write).
const COMMAND_TIMEOUT: Duration = Duration::from_secs(30);
/// Longest a snapshot may take to arrive, all parts.
const SNAPSHOT_TIMEOUT: Duration = Duration::from_secs(15);
/// Longest a `touch` or `ping` may take before the node counts as busy
/// (never as dead: only "no responders" says that).
const PING_TIMEOUT: Duration = Duration::from_secs(3);
/// Room left in a reply part for its headers.
const HEADER_ROOM: usize = 1024;

/// Why a request to another node got no answer.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum Unreachable {
    /// Nothing listens there: the node is gone.
    #[error("the node is gone")]
    Gone,
    #[error("the node did not answer in time")]
    TimedOut,
    #[error("{0}")]
    Failed(String),
}

fn unreachable(err: async_nats::RequestError) -> Unreachable {
    match err.kind() {
        RequestErrorKind::NoResponders => Unreachable::Gone,
        RequestErrorKind::TimedOut => Unreachable::TimedOut,
        _ => Unreachable::Failed(err.to_string()),
    }
}

pub(super) fn decode<T: serde::de::DeserializeOwned>(payload: &[u8]) -> Result<T, Unreachable> {
    serde_json::from_slice(payload).map_err(|err| Unreachable::Failed(err.to_string()))
}

pub(super) fn encode<T: serde::Serialize>(value: &T) -> Bytes {
    // These are plain data types; serializing them cannot fail.
    serde_json::to_vec(value)
        .map(Bytes::from)
        .unwrap_or_default()
}

impl Cluster {
    pub(super) async fn ask(
        &self,
        node: &str,
        verb: &str,
        body: Bytes,
        timeout: Duration,
    ) -> Result<async_nats::Message, Unreachable> {
        let request = async_nats::Request::new()
            .payload(body)
            .timeout(Some(timeout));
        self.client
            .send_request(names::node(node, verb), request)
            .await
            .map_err(unreachable)
    }

    /// Forwards a tab's event to the node running its session.
    pub(super) async fn command(
        &self,
        node: &str,
        command: &Command,
    ) -> Result<CommandReply, Unreachable> {
        let reply = self
            .ask(node, "cmd", encode(command), COMMAND_TIMEOUT)
            .await?;
        decode(&reply.payload)
    }

    /// Tells the node running a session that a tab here still shows it.
    pub(super) async fn touch(
        &self,
        node: &str,
        session: &SessionRef,
    ) -> Result<TouchReply, Unreachable> {
        let reply = self
            .ask(node, "touch", encode(session), PING_TIMEOUT)
            .await?;
        decode(&reply.payload)
    }

    /// True unless `node` is certainly gone (a busy node is alive).
    pub(crate) async fn node_alive(&self, node: &str) -> bool {
        if node == self.node {
            return true;
        }
        !matches!(
            self.ask(node, "ping", Bytes::new(), PING_TIMEOUT).await,
            Err(Unreachable::Gone)
        )
    }

    /// The session as its node has it now: the sequence number it is
    /// current to and its `snapshot` (and `snapshot_more`) events; `None`
    /// when the node does not run it (for that user).
    pub(super) async fn snapshot(
        &self,
        node: &str,
        session: &SessionRef,
    ) -> Result<Option<Vec<Envelope>>, Unreachable> {
        let inbox = self.client.new_inbox();
        let mut parts = self
            .client
            .subscribe(inbox.clone())
            .await
            .map_err(|err| Unreachable::Failed(err.to_string()))?;
        self.client
            .publish_with_reply(names::node(node, "snapshot"), inbox, encode(session))
            .await
            .map_err(|err| Unreachable::Failed(err.to_string()))?;
        let mut body = Vec::new();
        let collect = async {
            while let Some(part) = parts.next().await {
                // "No responders" arrives as an empty status message.
                if part
                    .status
                    .is_some_and(|s| s == async_nats::StatusCode::NO_RESPONDERS)
                {
                    return Err(Unreachable::Gone);
                }
                let (index, count) = part
                    .headers
                    .as_ref()
                    .and_then(|h| h.get(PART_HEADER))
                    .and_then(|v| {
                        let (i, n) = v.as_str().split_once('/')?;
                        Some((i.parse::<usize>().ok()?, n.parse::<usize>().ok()?))
                    })
                    .ok_or_else(|| {
                        Unreachable::Failed("a snapshot part without its number".into())
                    })?;
                if count == 0 {
                    return Ok(None);
                }
                body.extend_from_slice(&part.payload);
                if index + 1 >= count {
                    return Ok(Some(()));
                }
            }
            Err(Unreachable::Failed("the snapshot stopped short".into()))
        };
        let done = tokio::time::timeout(SNAPSHOT_TIMEOUT, collect)
            .await
            .map_err(|_| Unreachable::TimedOut)??;
        match done {
            None => Ok(None),
            Some(()) => decode(&body).map(Some),
        }
    }
}

/// Answers the requests of the other nodes for this node's sessions
/// until the runtime is gone.
pub(super) async fn serve(cluster: Arc<Cluster>, runtime: Weak<Runtime>, mut requests: Subscriber) {
    while let Some(request) = requests.next().await {
        let Some(runtime) = runtime.upgrade() else {
            break;
        };
        let Some(reply_to) = request.reply.clone() else {
            continue;
        };
        let verb = request.subject.rsplit('.').next().unwrap_or_default();
        match verb {
            "ping" => {
                let _ = cluster.client.publish(reply_to, Bytes::new()).await;
            }
            "touch" => {
                let answer = match session_for(&runtime, &request.payload) {
                    Some(session) => {
                        session.touched_elsewhere();
                        TouchReply::Live
                    }
                    None => TouchReply::Gone,
                };
                let _ = cluster.client.publish(reply_to, encode(&answer)).await;
            }
            "snapshot" => {
                let session = session_for(&runtime, &request.payload);
                let client = cluster.client.clone();
                tokio::spawn(async move { send_snapshot(&client, reply_to, session).await });
            }
            "end" => {
                if let Some(session) = session_for(&runtime, &request.payload) {
                    runtime.end_session(&session.id);
                }
                let _ = cluster.client.publish(reply_to, Bytes::new()).await;
            }
            "upload_plan" => {
                let answer = super::uploads::answer_plan(&runtime, &request.payload);
                let _ = cluster.client.publish(reply_to, answer).await;
            }
            "upload_add" => {
                let answer = super::uploads::answer_add(&runtime, &request.payload);
                let _ = cluster.client.publish(reply_to, answer).await;
            }
            "cmd" => {
                let client = cluster.client.clone();
                tokio::spawn(async move {
                    let answer = run_command(&runtime, &request.payload).await;
                    let _ = client.publish(reply_to, encode(&answer)).await;
                });
            }
            _ => {}
        }
    }
}

/// The session a request names, if it runs here for the user it names.
fn session_for(runtime: &Runtime, payload: &[u8]) -> Option<Arc<Session>> {
    let named: SessionRef = serde_json::from_slice(payload).ok()?;
    session_of(runtime, &named.session, &named.user)
}

/// Session `session` if it runs here, for `user`: every request from
/// another node is checked against the session's owner this way.
pub(super) fn session_of(runtime: &Runtime, session: &str, user: &str) -> Option<Arc<Session>> {
    let id = SessionId::parse(session)?;
    runtime
        .session(&id)
        .filter(|s| s.owner().as_str() == user && !s.is_closed())
}

async fn run_command(runtime: &Runtime, payload: &[u8]) -> CommandReply {
    let Ok(command) = serde_json::from_slice::<Command>(payload) else {
        return CommandReply::Gone;
    };
    let Some(session) = session_of(runtime, &command.session, &command.user) else {
        return CommandReply::Gone;
    };
    session.touched_elsewhere();
    match session.handle(command.event).await {
        Ok(Handled::Continue) => CommandReply::Continue,
        Ok(Handled::End) => CommandReply::End,
        Err(Refusal { code, message }) => CommandReply::Refused { code, message },
    }
}

/// Sends the session's snapshot to `reply_to` in parts that fit a NATS
/// message; no session is one part numbered "0/0".
async fn send_snapshot(
    client: &Client,
    reply_to: async_nats::Subject,
    session: Option<Arc<Session>>,
) {
    let part_size = client
        .server_info()
        .max_payload
        .saturating_sub(HEADER_ROOM)
        .max(HEADER_ROOM);
    let body = match session {
        Some(session) => {
            let snapshot = session.snapshot();
            let mut body = String::from("[");
            let mut seq = snapshot.seq;
            for (i, event) in snapshot.events.iter().enumerate() {
                if i > 0 {
                    body.push(',');
                }
                body.push_str(&serialize_envelope(seq, event));
                seq = 0;
            }
            body.push(']');
            Bytes::from(body)
        }
        None => Bytes::new(),
    };
    let count = body.len().div_ceil(part_size);
    if count == 0 {
        let mut headers = HeaderMap::new();
        headers.insert(PART_HEADER, "0/0");
        let _ = client
            .publish_with_headers(reply_to, headers, Bytes::new())
            .await;
        return;
    }
    for index in 0..count {
        let part = body.slice(index * part_size..((index + 1) * part_size).min(body.len()));
        let mut headers = HeaderMap::new();
        headers.insert(PART_HEADER, format!("{index}/{count}").as_str());
        if client
            .publish_with_headers(reply_to.clone(), headers, part)
            .await
            .is_err()
        {
            return;
        }
    }
}
