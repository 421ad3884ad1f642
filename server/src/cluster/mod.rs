//! Many nodes as one app (`[cluster] nats_url`): any node serves any tab,
//! with no sticky sessions, on NATS JetStream.
//!
//! - A session runs on the node that started (or took over) it. Its
//!   events are numbered there, as on a single server, and published in
//!   batches to the stream subject `loquat.events.<session>`
//!   ([`publisher`]).
//! - The directory (a JetStream key-value bucket) says which node runs a
//!   session and a thread ([`directory`]).
//! - A tab attached to another node gets a copy of the session that
//!   follows the stream: replays by sequence number and snapshots are
//!   served there, and its events (messages, stop, answers, clicks) go to
//!   the session's node as NATS requests ([`remote`], [`rpc`]).
//! - A node that dies is noticed by its requests finding no responder.
//!   Its tabs reconnect; the node they reach claims the thread in the
//!   directory (compare-and-set: one winner) and resumes it from the
//!   database, where every completed message already is. The interrupted
//!   reply is closed with a notice.
//! - A node stopping with SIGTERM drains: it takes no new connections,
//!   lets running replies finish, writes everything, then hands its
//!   sessions over (`Runtime::drain`).
//!
//! The in-process default (no `nats_url`) has none of this: sessions and
//! tabs are all on the one server.

mod directory;
mod names;
mod publisher;
pub(crate) mod remote;
mod rpc;
mod uploads;
pub(crate) mod wire;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use async_nats::jetstream::{self, stream};

use crate::config::ClusterSection;
use crate::ids::{SessionId, ThreadId, UserId};
use crate::runtime::session::Session;
use crate::runtime::{ReplayBudget, Runtime};
use directory::{Claim, Directory};
use publisher::Publisher;
use remote::{FollowError, RemoteSession};
pub(crate) use rpc::Unreachable;
use wire::Placement;

/// Most bytes the event stream keeps in all (the oldest go first).
const STREAM_MAX_BYTES: i64 = 1 << 30;
/// Most batches it keeps per session.
const STREAM_MAX_PER_SESSION: i64 = 4096;

/// Why this node could not join the cluster.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error(
        "the nodes of a cluster share one database: set [project] database_url \
         (or DATABASE_URL) to a postgres:// URL, with persistence on"
    )]
    NeedsSharedDatabase,
    #[error("cannot reach NATS at {url}: {message}")]
    Connect { url: String, message: String },
    #[error("NATS, {what}: {message}")]
    Nats { what: &'static str, message: String },
}

impl ClusterError {
    pub(crate) fn nats(what: &'static str, err: impl std::fmt::Display) -> ClusterError {
        ClusterError::Nats {
            what,
            message: err.to_string(),
        }
    }
}

/// This node's part in the cluster.
pub(crate) struct Cluster {
    node: String,
    client: async_nats::Client,
    events: stream::Stream,
    directory: Arc<Directory>,
    publisher: Publisher,
    /// Copies of other nodes' sessions that tabs here show.
    remotes: Mutex<HashMap<SessionId, Weak<RemoteSession>>>,
    section: ClusterSection,
}

/// Where the session a tab asks for is.
pub(crate) enum Located {
    /// On another node, alive: the tab follows a copy.
    Remote(Arc<RemoteSession>),
    /// Its node is gone: whoever claims the thread resumes it.
    Orphaned { thread: ThreadId },
    /// Nowhere (or another user's): as on a single server.
    Nowhere,
}

/// What claiming a thread for a new local session found.
pub(crate) enum Claimed {
    /// This node has it now.
    Here,
    /// A live session of it runs on another node.
    Elsewhere(Arc<RemoteSession>),
}

impl Cluster {
    /// Connects to NATS and makes sure the stream and the bucket exist.
    pub(crate) async fn join(section: &ClusterSection) -> Result<Arc<Cluster>, ClusterError> {
        let url = section.nats_url.clone().unwrap_or_default();
        let node = section.node_name.clone().unwrap_or_else(|| {
            format!("node-{}", &crate::ids::SessionId::generate().as_str()[..12])
        });
        let client = async_nats::ConnectOptions::new()
            .name(format!("loquat {node}"))
            .connect(url.as_str())
            .await
            .map_err(|err| ClusterError::Connect {
                url: redact(&url),
                message: err.to_string(),
            })?;
        let js = jetstream::new(client.clone());
        let events = js
            .get_or_create_stream(stream::Config {
                name: names::EVENTS_STREAM.to_string(),
                subjects: vec![names::EVENTS_SUBJECTS.to_string()],
                max_age: section.replay_window,
                max_bytes: STREAM_MAX_BYTES,
                max_messages_per_subject: STREAM_MAX_PER_SESSION,
                discard: stream::DiscardPolicy::Old,
                storage: stream::StorageType::File,
                ..Default::default()
            })
            .await
            .map_err(|err| ClusterError::nats("creating the event stream", err))?;
        // The bucket's stream is made here, in the layout of NATS's
        // key-value buckets: async-nats's `create_key_value` first reads the
        // account's info, and cannot parse NATS 2.9's (Debian's) reply.
        js.get_or_create_stream(stream::Config {
            name: format!("KV_{}", names::DIRECTORY_BUCKET),
            subjects: vec![format!("$KV.{}.>", names::DIRECTORY_BUCKET)],
            max_messages_per_subject: 1,
            allow_rollup: true,
            deny_delete: true,
            allow_direct: true,
            discard: stream::DiscardPolicy::New,
            storage: stream::StorageType::File,
            ..Default::default()
        })
        .await
        .map_err(|err| ClusterError::nats("creating the directory bucket", err))?;
        let kv = js
            .get_key_value(names::DIRECTORY_BUCKET)
            .await
            .map_err(|err| ClusterError::nats("opening the directory bucket", err))?;
        let directory = Arc::new(Directory::new(kv));
        let publisher = Publisher::start(client.clone(), directory.clone());
        tracing::info!(node = %node, "joined the cluster");
        Ok(Arc::new(Cluster {
            node,
            client,
            events,
            directory,
            publisher,
            remotes: Mutex::new(HashMap::new()),
            section: section.clone(),
        }))
    }

    /// Starts answering the other nodes for `runtime`'s sessions. Until
    /// this returns, requests to this node find no responder.
    pub(crate) async fn serve(
        self: &Arc<Self>,
        runtime: &Arc<Runtime>,
    ) -> Result<(), ClusterError> {
        let requests = self
            .client
            .subscribe(names::node_all(&self.node))
            .await
            .map_err(|err| ClusterError::nats("subscribing to requests", err))?;
        self.client
            .flush()
            .await
            .map_err(|err| ClusterError::nats("subscribing to requests", err))?;
        tokio::spawn(rpc::serve(self.clone(), Arc::downgrade(runtime), requests));
        Ok(())
    }

    /// How long a stopping node lets running replies finish.
    pub(crate) fn drain_timeout(&self) -> Duration {
        self.section.drain_timeout
    }

    /// The session emitted events: they will be published.
    pub(crate) fn events_ready(&self, session: &Session) {
        self.publisher.ready(session);
    }

    fn placement(&self, session: &SessionId, thread: &str, user: &UserId) -> Placement {
        Placement {
            node: self.node.clone(),
            session: session.to_string(),
            thread: thread.to_string(),
            user: user.to_string(),
        }
    }

    /// Records a new local session in the directory.
    pub(crate) async fn register(&self, session: &Session) {
        let placement = self.placement(&session.id, &session.thread_id(), session.owner());
        if let Err(err) = self.directory.place(&placement).await {
            tracing::warn!(error = %err, "recording a session in the directory failed");
        }
    }

    /// A local session ended: the rest of its events and its end are
    /// published, then its directory entries removed.
    pub(crate) fn ended(&self, session: Arc<Session>) {
        let placement = self.placement(&session.id, &session.thread_id(), session.owner());
        self.publisher.close(session, placement);
    }

    /// Finds the session `session` (or, without one, the live session of
    /// `thread`) for `user` on another node.
    pub(crate) async fn locate(
        self: &Arc<Self>,
        user: &UserId,
        session: Option<&SessionId>,
        thread: Option<&ThreadId>,
        replay: Arc<ReplayBudget>,
    ) -> Located {
        let found = match (session, thread) {
            (Some(id), _) => self.directory.session(id).await,
            (None, Some(thread)) => self.directory.thread(thread).await,
            (None, None) => return Located::Nowhere,
        };
        let entry = match found {
            Ok(Some(entry)) => entry,
            Ok(None) => return Located::Nowhere,
            Err(err) => {
                tracing::warn!(error = %err, "reading the directory failed");
                return Located::Nowhere;
            }
        };
        let placement = entry.placement;
        if placement.user != user.as_str()
            || thread.is_some_and(|t| t.as_str() != placement.thread)
            || placement.node == self.node
        {
            return Located::Nowhere;
        }
        match self.follow(placement.clone(), user, replay.clone()).await {
            Ok(remote) => Located::Remote(remote),
            Err(FollowError::Gone | FollowError::Unreachable(Unreachable::Gone)) => {
                match ThreadId::parse(&placement.thread) {
                    Some(thread) => Located::Orphaned { thread },
                    None => Located::Nowhere,
                }
            }
            Err(err) => {
                tracing::warn!(error = %err, node = %placement.node, "following a session on another node failed");
                Located::Nowhere
            }
        }
    }

    /// The copy of a session on another node that tabs here share, made
    /// when the first of them attaches.
    async fn follow(
        self: &Arc<Self>,
        placement: Placement,
        user: &UserId,
        replay: Arc<ReplayBudget>,
    ) -> Result<Arc<RemoteSession>, FollowError> {
        let id = SessionId::parse(&placement.session).ok_or(FollowError::Gone)?;
        let existing = self
            .remotes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&id)
            .and_then(Weak::upgrade)
            .filter(|r| !r.is_closed() && r.placement() == &placement);
        if let Some(remote) = existing {
            // Its node may have died since the copy last heard from it.
            if self.node_alive(&remote.placement().node).await {
                return Ok(remote);
            }
            remote.close();
            return Err(FollowError::Gone);
        }
        let remote = RemoteSession::follow(self.clone(), placement, user.clone(), replay).await?;
        let mut remotes = self.remotes.lock().unwrap_or_else(|e| e.into_inner());
        remotes.retain(|_, r| r.strong_count() > 0);
        remotes.insert(id, Arc::downgrade(&remote));
        Ok(remote)
    }

    /// Cuts the replay buffers of this node's copies of other nodes'
    /// sessions to `bytes` each.
    pub(crate) fn trim_replays(&self, bytes: usize) {
        for remote in self.live_remotes() {
            remote.trim_replay(bytes);
        }
    }

    /// Wakes the sockets showing this node's copies of other nodes'
    /// sessions (the heartbeat).
    pub(crate) fn wake_sockets(&self) {
        for remote in self.live_remotes() {
            remote.changes().bump();
        }
    }

    /// This node's copies of other nodes' sessions, copied out of the map
    /// (each is then used on its own, never under the map's lock).
    fn live_remotes(&self) -> Vec<Arc<RemoteSession>> {
        self.remotes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .filter_map(Weak::upgrade)
            .collect()
    }

    /// Claims `thread` for a session `session` of `user` about to start
    /// here (resumed from the database). When a live session of it runs
    /// on another node, the tab follows that instead.
    pub(crate) async fn claim_thread(
        self: &Arc<Self>,
        thread: &ThreadId,
        session: &SessionId,
        user: &UserId,
        replay: Arc<ReplayBudget>,
    ) -> Result<Claimed, ClusterError> {
        let mine = self.placement(session, thread.as_str(), user);
        // A few rounds: each lost claim means another node changed the key.
        for _ in 0..4 {
            let stale = match self.directory.thread(thread).await? {
                None => None,
                Some(entry) => {
                    let there = entry.placement;
                    let alive = there.node != self.node && self.node_alive(&there.node).await;
                    if alive && there.user == user.as_str() {
                        match self.follow(there, user, replay.clone()).await {
                            Ok(remote) => return Ok(Claimed::Elsewhere(remote)),
                            // It ended meanwhile: claim it.
                            Err(
                                FollowError::Gone | FollowError::Unreachable(Unreachable::Gone),
                            ) => {}
                            Err(err) => {
                                return Err(ClusterError::nats("following a session", err));
                            }
                        }
                    }
                    Some(entry.revision)
                }
            };
            if self.directory.claim_thread(thread, &mine, stale).await? == Claim::Won {
                return Ok(Claimed::Here);
            }
        }
        Err(ClusterError::Nats {
            what: "claiming a thread",
            message: "other nodes kept claiming it".into(),
        })
    }

    /// Ends the live session of a deleted thread on the node running it.
    pub(crate) async fn end_thread(&self, user: &UserId, thread: &ThreadId) {
        let placement = match self.directory.thread(thread).await {
            Ok(Some(entry)) => entry.placement,
            Ok(None) => return,
            Err(err) => {
                tracing::warn!(error = %err, "reading the directory failed");
                return;
            }
        };
        if placement.node == self.node || placement.user != user.as_str() {
            return;
        }
        let body = placement.session_ref();
        if let Err(err) = self
            .ask(
                &placement.node,
                "end",
                rpc::encode(&body),
                Duration::from_secs(5),
            )
            .await
        {
            if err != Unreachable::Gone {
                tracing::warn!(error = %err, "ending a deleted thread's session failed");
            }
        }
    }

    /// Waits until the events of every session are published and the
    /// directory entries of the sessions that ended are removed.
    pub(crate) async fn flush(&self) {
        self.publisher.flush().await;
        let _ = self.client.flush().await;
    }
}

/// `url` without a password, for messages.
fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_string(),
    }
}
