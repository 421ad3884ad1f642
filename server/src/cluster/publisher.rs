//! Publishes every session's events to the stream, in batches: one task
//! per node, woken by the sessions that emitted something. An idle
//! session costs it nothing (no task or subscription of its own); a busy
//! one is published as a JSON array of whatever accumulated since its
//! last batch, as the WebSocket sends frames.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak};

use async_nats::{Client, HeaderMap};
use tokio::sync::mpsc;
use tokio_util::task::TaskTracker;

use super::directory::Directory;
use super::names::{self, KIND_HEADER, SEQ_HEADER};
use super::wire::{EventKind, Placement};
use crate::runtime::session::Session;
use crate::runtime::Since;

/// Most events in one message…
const MAX_BATCH: usize = 1024;
/// …and most bytes (below the server's `max_payload`, whichever is less).
const MAX_BATCH_BYTES: usize = 256 * 1024;
/// Room left in a message for its headers.
const HEADER_ROOM: usize = 1024;

enum Job {
    /// The session emitted events since it was last published.
    Events(Weak<Session>),
    /// The session ended: publish the rest and the end, then free its
    /// directory entries.
    Close(Arc<Session>, Placement),
    /// Answers once every job before it is done (for draining).
    Flush(tokio::sync::oneshot::Sender<()>),
}

pub(super) struct Publisher {
    tx: mpsc::UnboundedSender<Job>,
    /// The directory removals of ended sessions, running beside.
    removals: TaskTracker,
}

impl Publisher {
    pub(super) fn start(client: Client, directory: Arc<Directory>) -> Publisher {
        let (tx, rx) = mpsc::unbounded_channel();
        let removals = TaskTracker::new();
        tokio::spawn(run(client, directory, rx, removals.clone()));
        Publisher { tx, removals }
    }

    /// Queues the session for publishing, unless it is queued already: a
    /// token costs an atomic swap here, and one message per batch.
    pub(super) fn ready(&self, session: &Session) {
        if !session.outbound.queued.swap(true, Ordering::AcqRel) {
            let _ = self.tx.send(Job::Events(session.weak()));
        }
    }

    pub(super) fn close(&self, session: Arc<Session>, placement: Placement) {
        let _ = self.tx.send(Job::Close(session, placement));
    }

    /// Waits until everything queued before is published, and the
    /// directory entries of the sessions ended before are removed.
    pub(super) async fn flush(&self) {
        let (tx, rx) = tokio::sync::oneshot::channel();
        if self.tx.send(Job::Flush(tx)).is_ok() {
            let _ = rx.await;
        }
        self.removals.close();
        self.removals.wait().await;
        self.removals.reopen();
    }
}

async fn run(
    client: Client,
    directory: Arc<Directory>,
    mut jobs: mpsc::UnboundedReceiver<Job>,
    removals: TaskTracker,
) {
    let limit = MAX_BATCH_BYTES.min(client.server_info().max_payload.saturating_sub(HEADER_ROOM));
    while let Some(job) = jobs.recv().await {
        match job {
            Job::Events(session) => {
                let Some(session) = session.upgrade() else {
                    continue;
                };
                session.outbound.queued.store(false, Ordering::Release);
                publish_pending(&client, &session, limit).await;
            }
            Job::Close(session, placement) => {
                publish_pending(&client, &session, limit).await;
                let seq = session.last_seq();
                marker(&client, &session, EventKind::Closed, seq).await;
                let directory = directory.clone();
                removals.spawn(async move {
                    if let Err(err) = directory.remove(&placement).await {
                        tracing::warn!(error = %err, "freeing an ended session's directory entry failed");
                    }
                });
            }
            Job::Flush(done) => {
                let _ = client.flush().await;
                let _ = done.send(());
            }
        }
    }
}

fn headers(kind: EventKind, seq: u64) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(KIND_HEADER, kind.as_str());
    headers.insert(SEQ_HEADER, seq.to_string().as_str());
    headers
}

async fn marker(client: &Client, session: &Session, kind: EventKind, seq: u64) {
    let subject = names::events(&session.id);
    if let Err(err) = client
        .publish_with_headers(subject, headers(kind, seq), bytes::Bytes::new())
        .await
    {
        tracing::warn!(error = %err, "publishing a session marker failed");
    }
}

/// Publishes the session's events after its published cursor.
async fn publish_pending(client: &Client, session: &Session, limit: usize) {
    loop {
        let from = session.outbound.published.load(Ordering::Acquire);
        match session.events_since(from, MAX_BATCH) {
            Since::Events(events) if events.is_empty() => return,
            Since::Events(events) => {
                if events[0].len() + 2 > limit {
                    // Too large for one message: the followers take a
                    // snapshot instead.
                    session
                        .outbound
                        .published
                        .store(from + 1, Ordering::Release);
                    marker(client, session, EventKind::Reset, from + 1).await;
                    continue;
                }
                let mut payload = Vec::with_capacity(limit.min(64 * 1024));
                payload.push(b'[');
                let mut count = 0u64;
                for event in &events {
                    if count > 0 && payload.len() + event.len() + 2 > limit {
                        break;
                    }
                    if count > 0 {
                        payload.push(b',');
                    }
                    payload.extend_from_slice(event.as_bytes());
                    count += 1;
                }
                payload.push(b']');
                session
                    .outbound
                    .published
                    .store(from + count, Ordering::Release);
                let subject = names::events(&session.id);
                let sent = client
                    .publish_with_headers(
                        subject,
                        headers(EventKind::Batch, from + 1),
                        payload.into(),
                    )
                    .await;
                if let Err(err) = sent {
                    // Followers see the gap and take a snapshot.
                    tracing::warn!(error = %err, "publishing session events failed");
                }
            }
            Since::Gap => {
                // The session's buffer dropped events not yet published.
                let last = session.last_seq();
                session.outbound.published.store(last, Ordering::Release);
                marker(client, session, EventKind::Reset, last).await;
            }
        }
    }
}
