//! A session that runs on another node, as a node with a tab of it has
//! it: a copy of its thread and of its recent events, kept current from
//! the event stream, so the tab gets replays and snapshots from here as
//! from a local session; what the tab does is forwarded to the session's
//! node ([`super::rpc`]).
//!
//! The copy lives while a tab here shows it. It ends when the session
//! ends on its node (the stream says so) or the node is gone (its
//! requests find no responder); the tab then reconnects, and the node
//! it reaches takes the thread over (see [`crate::runtime::Runtime::attach`]).

use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Duration;

use async_nats::jetstream::consumer::{pull::OrderedConfig, DeliverPolicy};
use futures_util::StreamExt;
use loquat_app::protocol::{ClientEvent, Envelope, ErrorCode, ServerEvent};
use tokio::task::AbortHandle;

use super::names::{self, KIND_HEADER, SEQ_HEADER};
use super::rpc::Unreachable;
use super::wire::{Command, CommandReply, EventKind, Placement, SessionRef, TouchReply};
use super::Cluster;
use crate::ids::{SessionId, UserId};
use crate::runtime::changes::Changes;
use crate::runtime::session::{serialize_envelope, Snapshot, SnapshotSource};
use crate::runtime::thread::ThreadState;
use crate::runtime::{EventLog, Handled, Refusal, ReplayBudget, Since};

/// How often a node with a tab of the session tells its node so (and
/// finds out whether that node is still there).
const TOUCH_PERIOD: Duration = Duration::from_secs(2);
/// Longest the copy waits for the stream's backlog when it starts.
const CATCH_UP_TIMEOUT: Duration = Duration::from_secs(5);

struct Mirror {
    log: EventLog,
    thread: ThreadState,
    running: bool,
    closed: bool,
}

pub(crate) struct RemoteSession {
    pub(crate) id: SessionId,
    placement: Placement,
    owner: UserId,
    cluster: Arc<Cluster>,
    state: Mutex<Mirror>,
    /// Wakes the tabs showing it.
    changes: Changes,
    follower: Mutex<Option<AbortHandle>>,
}

impl Drop for RemoteSession {
    fn drop(&mut self) {
        if let Some(task) = self
            .follower
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
        {
            task.abort();
        }
    }
}

/// Why a copy could not be made.
#[derive(Debug, thiserror::Error)]
pub(crate) enum FollowError {
    #[error("the session is not on its node any more")]
    Gone,
    #[error(transparent)]
    Unreachable(#[from] Unreachable),
    #[error("reading the event stream: {0}")]
    Stream(String),
}

/// What the copy does after a stream message.
enum Next {
    Go,
    Resync,
    Closed,
}

impl RemoteSession {
    /// Copies the session `placement` names (it runs on another node) and
    /// follows it from then on.
    pub(super) async fn follow(
        cluster: Arc<Cluster>,
        placement: Placement,
        owner: UserId,
        replay: Arc<ReplayBudget>,
    ) -> Result<Arc<RemoteSession>, FollowError> {
        let id = SessionId::parse(&placement.session).ok_or(FollowError::Gone)?;
        let session_ref = placement.session_ref();
        let (seq, thread, running) = copy(&cluster, &placement).await?;
        // The stream from its start: what it still holds up to the
        // snapshot becomes the replay buffer, the rest is applied.
        let consumer = cluster
            .events
            .create_consumer(OrderedConfig {
                filter_subject: names::events(&id),
                deliver_policy: DeliverPolicy::All,
                ..Default::default()
            })
            .await
            .map_err(|err| FollowError::Stream(err.to_string()))?;
        let backlog = consumer.cached_info().num_pending;
        let mut messages = consumer
            .messages()
            .await
            .map_err(|err| FollowError::Stream(err.to_string()))?;
        let mut history: Vec<(u64, Arc<str>)> = Vec::new();
        let mut later = Vec::new();
        let catch_up = async {
            for _ in 0..backlog {
                let Some(Ok(message)) = messages.next().await else {
                    break;
                };
                later.push(message.message);
            }
        };
        let _ = tokio::time::timeout(CATCH_UP_TIMEOUT, catch_up).await;
        // Batches up to the snapshot, kept if they run without a hole up
        // to it.
        for message in &later {
            if let Some((EventKind::Batch, _)) = kind_and_seq(message) {
                if let Ok(envelopes) = serde_json::from_slice::<Vec<Envelope>>(&message.payload) {
                    for envelope in envelopes.into_iter().filter(|e| e.seq <= seq) {
                        if history
                            .last()
                            .is_some_and(|(last, _)| envelope.seq != last + 1)
                        {
                            history.clear();
                        }
                        let json = serialize_envelope(envelope.seq, &envelope.event);
                        history.push((envelope.seq, json.into()));
                    }
                }
            }
        }
        let log = match history.first() {
            Some((first, _)) if history.last().is_some_and(|(last, _)| *last == seq) => {
                let mut log = EventLog::starting_at(first - 1, replay);
                for (_, json) in history {
                    log.push(json);
                }
                log
            }
            _ => EventLog::starting_at(seq, replay),
        };
        let remote = Arc::new(RemoteSession {
            id,
            owner,
            cluster: cluster.clone(),
            state: Mutex::new(Mirror {
                log,
                thread,
                running,
                closed: false,
            }),
            changes: Changes::default(),
            follower: Mutex::new(None),
            placement,
        });
        // What arrived after the snapshot is applied now.
        for message in &later {
            match remote.receive(message) {
                Next::Go => {}
                Next::Closed => return Ok(remote),
                Next::Resync => {
                    remote.resync().await;
                }
            }
        }
        let task = tokio::spawn(follow_stream(
            Arc::downgrade(&remote),
            messages,
            session_ref,
        ));
        *remote.follower.lock().unwrap_or_else(|e| e.into_inner()) = Some(task.abort_handle());
        Ok(remote)
    }

    fn lock(&self) -> MutexGuard<'_, Mirror> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn placement(&self) -> &Placement {
        &self.placement
    }

    pub(crate) fn thread_id(&self) -> String {
        self.lock().thread.id.clone()
    }

    pub(crate) fn last_seq(&self) -> u64 {
        self.lock().log.last_seq()
    }

    pub(crate) fn events_since(&self, cursor: u64, max: usize) -> Since {
        self.lock().log.since(cursor, max)
    }

    /// Cuts the replay buffer to `bytes` (the oldest events go first).
    pub(crate) fn trim_replay(&self, bytes: usize) {
        self.lock().log.trim_to(bytes);
    }

    pub(crate) fn snapshot(&self) -> Snapshot {
        let source = {
            let st = self.lock();
            SnapshotSource::of(st.log.last_seq(), &st.thread, st.running)
        };
        source.build()
    }

    pub(crate) fn changes(&self) -> &Changes {
        &self.changes
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.lock().closed
    }

    /// Ends the copy: tabs get what it has, then reconnect.
    pub(super) fn close(&self) {
        self.lock().closed = true;
        self.changes.bump();
    }

    /// Forwards a tab's event to the session's node.
    pub(crate) async fn handle(&self, event: ClientEvent) -> Result<Handled, Refusal> {
        if matches!(event, ClientEvent::Hello { .. }) {
            return Err(Refusal::new(
                ErrorCode::MalformedFrame,
                "already attached to a session",
            ));
        }
        let command = Command {
            session: self.placement.session.clone(),
            user: self.owner.to_string(),
            event,
        };
        match self.cluster.command(&self.placement.node, &command).await {
            Ok(CommandReply::Continue) => Ok(Handled::Continue),
            Ok(CommandReply::End) => Ok(Handled::End),
            Ok(CommandReply::Refused { code, message }) => Err(Refusal::new(code, message)),
            Ok(CommandReply::Gone) | Err(Unreachable::Gone) => {
                self.close();
                Err(Refusal::new(
                    ErrorCode::SessionExpired,
                    "the server running this chat stopped; reconnecting, then send it again",
                ))
            }
            Err(err) => {
                tracing::warn!(error = %err, node = %self.placement.node, "forwarding a client event failed");
                Err(Refusal::new(
                    ErrorCode::Storage,
                    "the server running this chat did not answer; try again",
                ))
            }
        }
    }

    /// Applies one message of the stream.
    fn receive(&self, message: &async_nats::Message) -> Next {
        let Some((kind, seq)) = kind_and_seq(message) else {
            return Next::Go;
        };
        match kind {
            EventKind::Closed => {
                self.close();
                Next::Closed
            }
            EventKind::Reset => {
                if seq > self.last_seq() {
                    Next::Resync
                } else {
                    Next::Go
                }
            }
            EventKind::Batch => {
                let Ok(envelopes) = serde_json::from_slice::<Vec<Envelope>>(&message.payload)
                else {
                    return Next::Resync;
                };
                {
                    let mut guard = self.lock();
                    let st = &mut *guard;
                    for Envelope { seq, event } in envelopes {
                        if seq <= st.log.last_seq() {
                            continue;
                        }
                        if seq != st.log.next_seq() {
                            return Next::Resync;
                        }
                        st.log.push(serialize_envelope(seq, &event).into());
                        match &event {
                            ServerEvent::RunStarted { .. } => st.running = true,
                            ServerEvent::RunEnded { .. } => st.running = false,
                            _ => {}
                        }
                        st.thread.apply(event);
                    }
                }
                self.changes.bump();
                Next::Go
            }
        }
    }

    /// Takes a new snapshot after a hole in the stream: tabs behind it
    /// get the snapshot, as after a gap in a local session's buffer.
    async fn resync(&self) {
        let (seq, thread, running) = match copy(&self.cluster, &self.placement).await {
            Ok(copied) => copied,
            Err(FollowError::Gone | FollowError::Unreachable(Unreachable::Gone)) => {
                return self.close()
            }
            Err(err) => {
                tracing::warn!(error = %err, "taking a session's snapshot again failed");
                return self.close();
            }
        };
        {
            let mut st = self.lock();
            let replay = st.log.budget().clone();
            st.log = EventLog::starting_at(seq.max(st.log.last_seq()), replay);
            st.thread = thread;
            st.running = running;
        }
        self.changes.bump();
    }
}

/// The session `placement` names as its node has it now: the sequence
/// number the snapshot is current to, its thread, and whether a run is on.
async fn copy(
    cluster: &Cluster,
    placement: &Placement,
) -> Result<(u64, ThreadState, bool), FollowError> {
    let envelopes = cluster
        .snapshot(&placement.node, &placement.session_ref())
        .await?
        .ok_or(FollowError::Gone)?;
    let seq = envelopes.first().map_or(0, |e| e.seq);
    let (thread, running) = ThreadState::from_snapshot(envelopes.into_iter().map(|e| e.event))
        .ok_or(FollowError::Gone)?;
    Ok((seq, thread, running))
}

/// A stream message's kind and sequence number (from its headers).
fn kind_and_seq(message: &async_nats::Message) -> Option<(EventKind, u64)> {
    let headers = message.headers.as_ref()?;
    let kind = EventKind::parse(headers.get(KIND_HEADER)?.as_str())?;
    let seq = headers.get(SEQ_HEADER)?.as_str().parse().ok()?;
    Some((kind, seq))
}

/// Applies the stream to the copy and touches the session's node, until
/// the copy is dropped or closed.
async fn follow_stream(
    remote: Weak<RemoteSession>,
    mut messages: async_nats::jetstream::consumer::pull::Ordered,
    session_ref: SessionRef,
) {
    let mut touch = tokio::time::interval(TOUCH_PERIOD);
    touch.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    touch.tick().await;
    loop {
        tokio::select! {
            next = messages.next() => {
                let Some(remote) = remote.upgrade() else { return };
                match next {
                    Some(Ok(message)) => match remote.receive(&message.message) {
                        Next::Go => {}
                        Next::Resync => remote.resync().await,
                        Next::Closed => return,
                    },
                    Some(Err(err)) => {
                        // The ordered consumer recreates itself.
                        tracing::debug!(error = %err, "the event stream hiccuped");
                    }
                    None => return remote.close(),
                }
                if remote.is_closed() {
                    return;
                }
            }
            _ = touch.tick() => {
                let Some(remote) = remote.upgrade() else { return };
                match remote.cluster.touch(&remote.placement.node, &session_ref).await {
                    Ok(TouchReply::Live) | Err(Unreachable::TimedOut | Unreachable::Failed(_)) => {}
                    Ok(TouchReply::Gone) | Err(Unreachable::Gone) => return remote.close(),
                }
            }
        }
    }
}
