//! A session: one browser tab's live chat. It owns the thread state, the
//! replay buffer and the run queue; every server event goes through
//! [`Session::emit`], the one place that numbers, records and publishes it.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use loquat_app::protocol::{ServerEvent, Step};
use serde::Serialize;
use tokio::sync::{mpsc, watch};
use tokio::task::AbortHandle;

use super::event_log::{EventLog, ReplayLimits, Since};
use super::runner::RunRequest;
use super::thread::ThreadState;
use super::Runtime;
use crate::error::ChatError;
use crate::sdk::UserSession;
use crate::time::now_millis;

/// Borrowing twin of `protocol::Envelope`, so events serialize without a clone.
#[derive(Serialize)]
struct EnvelopeRef<'a> {
    seq: u64,
    event: &'a ServerEvent,
}

pub(crate) fn serialize_envelope(seq: u64, event: &ServerEvent) -> String {
    // Serializing these plain data types cannot fail; fall back to an empty
    // array element rather than panicking if it ever did.
    serde_json::to_string(&EnvelopeRef { seq, event }).unwrap_or_else(|_| "null".into())
}

#[derive(Debug)]
struct SessionState {
    log: EventLog,
    thread: ThreadState,
    running: bool,
    attached: usize,
    detached_since: Option<Instant>,
    current_run: Option<AbortHandle>,
    /// Bumped by stop: queued requests from an older epoch are dropped.
    epoch: u64,
    closed: bool,
}

pub(crate) struct Session {
    pub(crate) id: String,
    state: Mutex<SessionState>,
    seq_tx: watch::Sender<u64>,
    queue_tx: mpsc::UnboundedSender<(u64, RunRequest)>,
    pub(crate) user_session: UserSession,
    pub(crate) runtime: Arc<Runtime>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session").field("id", &self.id).finish()
    }
}

/// A consistent view of the session for a (re)connecting client.
pub(crate) struct Snapshot {
    pub(crate) seq: u64,
    pub(crate) json: String,
}

impl Session {
    pub(crate) fn new(
        id: String,
        thread_id: String,
        runtime: Arc<Runtime>,
        limits: ReplayLimits,
    ) -> (Arc<Session>, mpsc::UnboundedReceiver<(u64, RunRequest)>) {
        let (queue_tx, queue_rx) = mpsc::unbounded_channel();
        let (seq_tx, _) = watch::channel(0);
        let session = Arc::new(Session {
            id,
            state: Mutex::new(SessionState {
                log: EventLog::new(limits),
                thread: ThreadState::new(thread_id),
                running: false,
                attached: 0,
                detached_since: Some(Instant::now()),
                current_run: None,
                epoch: 0,
                closed: false,
            }),
            seq_tx,
            queue_tx,
            user_session: UserSession::default(),
            runtime,
        });
        (session, queue_rx)
    }

    fn lock(&self) -> MutexGuard<'_, SessionState> {
        // A panic while holding this lock cannot leave the state half-written
        // in a way later readers could misread, so recover from poisoning.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn thread_id(&self) -> String {
        self.lock().thread.id.clone()
    }

    /// Numbers, records, applies and publishes one event.
    pub(crate) fn emit(&self, event: ServerEvent) -> Result<u64, ChatError> {
        self.emit_with(|_| Ok(event))
    }

    /// Like `emit`, but first checks (under the same lock) that step
    /// `must_exist` is in the thread.
    fn emit_checked(&self, must_exist: Option<&str>, event: ServerEvent) -> Result<u64, ChatError> {
        self.emit_with(|thread| {
            if let Some(id) = must_exist {
                if thread.get(id).is_none() {
                    return Err(ChatError::UnknownStep(id.to_string()));
                }
            }
            Ok(event)
        })
    }

    /// Builds an event from the thread and emits it under one lock, so
    /// nothing can slip in between reading the state and changing it.
    fn emit_with(
        &self,
        make: impl FnOnce(&ThreadState) -> Result<ServerEvent, ChatError>,
    ) -> Result<u64, ChatError> {
        let seq = {
            let mut st = self.lock();
            if st.closed {
                return Err(ChatError::SessionClosed);
            }
            let event = make(&st.thread)?;
            let seq = st.log.next_seq();
            let json = serialize_envelope(seq, &event);
            st.log.push(json.into());
            match &event {
                ServerEvent::RunStarted { .. } => st.running = true,
                ServerEvent::RunEnded { .. } => st.running = false,
                _ => {}
            }
            st.thread.apply(event);
            seq
        };
        self.seq_tx.send_replace(seq);
        Ok(seq)
    }

    /// Appends streamed text to a step's output (or input).
    pub(crate) fn append(&self, id: &str, delta: &str, input: bool) -> Result<(), ChatError> {
        if delta.is_empty() {
            return Ok(());
        }
        let event = ServerEvent::StepDelta {
            id: id.to_string(),
            delta: delta.to_string(),
            input,
        };
        self.emit_checked(Some(id), event).map(|_| ())
    }

    /// Changes a step and publishes its new state.
    pub(crate) fn update_step(
        &self,
        id: &str,
        change: impl FnOnce(&mut Step),
    ) -> Result<(), ChatError> {
        self.emit_with(|thread| {
            let mut step = thread
                .get(id)
                .cloned()
                .ok_or_else(|| ChatError::UnknownStep(id.to_string()))?;
            change(&mut step);
            Ok(ServerEvent::StepUpdated { step })
        })
        .map(|_| ())
    }

    pub(crate) fn remove_step(&self, id: &str) -> Result<(), ChatError> {
        self.emit_checked(Some(id), ServerEvent::StepRemoved { id: id.to_string() })
            .map(|_| ())
    }

    /// Closes every step a finished run left open, keeping what it produced.
    pub(crate) fn close_open_steps(&self) {
        let open = self.lock().thread.open_steps();
        let end = now_millis();
        for id in open {
            let _ = self.update_step(&id, |s| {
                s.streaming = false;
                s.end.get_or_insert(end);
            });
        }
    }

    pub(crate) fn steps(&self) -> Vec<Step> {
        self.lock().thread.steps().to_vec()
    }

    /// Reads the thread without copying it.
    pub(crate) fn with_steps<R>(&self, read: impl FnOnce(&[Step]) -> R) -> R {
        read(self.lock().thread.steps())
    }

    pub(crate) fn snapshot(&self) -> Snapshot {
        let st = self.lock();
        let seq = st.log.last_seq();
        let event = ServerEvent::Snapshot {
            thread_id: st.thread.id.clone(),
            steps: st.thread.steps().to_vec(),
            running: st.running,
        };
        Snapshot {
            seq,
            json: serialize_envelope(seq, &event),
        }
    }

    pub(crate) fn last_seq(&self) -> u64 {
        self.lock().log.last_seq()
    }

    pub(crate) fn events_since(&self, cursor: u64, max: usize) -> Since {
        self.lock().log.since(cursor, max)
    }

    pub(crate) fn subscribe(&self) -> watch::Receiver<u64> {
        self.seq_tx.subscribe()
    }

    pub(crate) fn attach(&self) {
        let mut st = self.lock();
        st.attached += 1;
        st.detached_since = None;
    }

    pub(crate) fn detach(&self) {
        let mut st = self.lock();
        st.attached = st.attached.saturating_sub(1);
        if st.attached == 0 {
            st.detached_since = Some(Instant::now());
        }
    }

    /// How long no browser has been attached, if none is.
    pub(crate) fn detached_for(&self) -> Option<std::time::Duration> {
        self.lock().detached_since.map(|t| t.elapsed())
    }

    pub(crate) fn is_running(&self) -> bool {
        self.lock().running
    }

    /// Queues a hook invocation behind the active run.
    pub(crate) fn enqueue(&self, request: RunRequest) -> Result<(), ChatError> {
        let epoch = {
            let st = self.lock();
            if st.closed {
                return Err(ChatError::SessionClosed);
            }
            st.epoch
        };
        self.queue_tx
            .send((epoch, request))
            .map_err(|_| ChatError::SessionClosed)
    }

    /// True when a request queued in `epoch` should still run.
    pub(crate) fn is_current_epoch(&self, epoch: u64) -> bool {
        let st = self.lock();
        !st.closed && st.epoch == epoch
    }

    pub(crate) fn set_current_run(&self, handle: Option<AbortHandle>) {
        self.lock().current_run = handle;
    }

    /// Cancels the active run and drops queued requests. Returns whether a
    /// run was active.
    pub(crate) fn stop(&self) -> bool {
        let mut st = self.lock();
        st.epoch += 1;
        match st.current_run.take() {
            Some(run) => {
                run.abort();
                true
            }
            None => false,
        }
    }

    /// Ends the session: nothing more is emitted or run.
    pub(crate) fn close(&self) {
        self.stop();
        self.lock().closed = true;
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.lock().closed
    }
}
