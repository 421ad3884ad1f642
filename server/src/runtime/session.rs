//! A session: one browser tab's live chat. It owns the thread state, the
//! replay buffer and the run queue; every server event goes through
//! [`Session::emit`], the one place that numbers, records and publishes it.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use loquat_app::protocol::{
    Ask, AskAnswer, CallFnResult, ChatProfile, ChatSettings, Element, ServerEvent, SidePanel, Step,
};
use serde::Serialize;
use tokio::sync::oneshot;
use tokio::task::AbortHandle;

use super::event_log::{EventLog, Since};
use super::persist_state::{is_durable, is_user_turn, Checkpoint, PersistState};
use super::runner::RunRequest;
use super::thread::ThreadState;
use super::Runtime;
use crate::error::ChatError;
use crate::files::stored_keys;
use crate::ids::{SessionId, ThreadId, UserId};
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
    /// Present when the runtime persists conversations.
    persist: Option<PersistState>,
    /// Where the answer to the pending question goes (boxed, like the
    /// other rarely used parts: an idle session stays small).
    answer_to: Option<Box<(String, oneshot::Sender<AskAnswer>)>>,
    /// Where the embedding page's answers to `call_fn` go, by call id.
    #[allow(clippy::box_collection)]
    calls: Option<Box<Vec<PendingCall>>>,
    /// The user's `[project] user_env` values from their browser: memory
    /// only, never written or logged.
    // Boxed on purpose: an empty map is 48 bytes inline, a box 8.
    #[allow(clippy::box_collection)]
    user_env: Option<Box<std::collections::HashMap<String, String>>>,
    /// Files uploaded but not yet sent with a message or an answer.
    uploads: Vec<Upload>,
    /// Uploads streaming in now.
    uploading: usize,
    /// When a tab on another node last said it shows the session.
    touched_elsewhere: Option<Instant>,
    /// Client events being handled and runs queued or running: a draining
    /// node hands the session over only when this is 0.
    busy: usize,
    /// Set when a draining node hands the session to another node: what
    /// its tabs send from then on is refused (and sent again there), never
    /// half done here.
    handing_over: bool,
    /// Hook invocations waiting their turn behind the running one, with
    /// the epoch they were queued in (bounded: a client cannot queue runs
    /// without end).
    queue: std::collections::VecDeque<(u64, RunRequest)>,
    /// A task takes requests off `queue`. It is started by a request and
    /// ends when the queue is empty, so an idle session has no task (nor
    /// a channel: together 1.7 KiB an idle session, measured).
    runner: bool,
}

/// One client event being handled (see [`Session::enter`]).
pub(crate) struct Busy<'a>(&'a Session);

impl Drop for Busy<'_> {
    fn drop(&mut self) {
        self.0.done_request();
    }
}

/// What the cluster's publisher has sent of the session (unused on a
/// single server).
#[derive(Debug, Default)]
pub(crate) struct Outbound {
    /// The session waits in the publisher's queue.
    pub(crate) queued: std::sync::atomic::AtomicBool,
    /// The last event published.
    pub(crate) published: std::sync::atomic::AtomicU64,
}

/// A file uploaded for this session, not yet part of the thread.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Upload {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) mime: String,
    pub(crate) size: u64,
    /// The question it answers; `None` for a spontaneous upload.
    pub(crate) ask: Option<String>,
}

/// One upload streaming into a session; the place is freed when dropped.
pub(crate) struct UploadSlot {
    session: Arc<Session>,
    /// Bytes the session can still keep waiting.
    pub(crate) room: u64,
}

impl Drop for UploadSlot {
    fn drop(&mut self) {
        let mut st = self.session.lock();
        st.uploading = st.uploading.saturating_sub(1);
    }
}

/// Why a session takes no upload now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum UploadRefusal {
    #[error("at most {0} files can wait to be sent")]
    TooManyFiles(usize),
    #[error("at most {0} files can upload at once in one chat")]
    TooManyAtOnce(usize),
}

pub(crate) struct Session {
    pub(crate) id: SessionId,
    /// Itself, for the cluster's publisher queue.
    me: std::sync::Weak<Session>,
    pub(crate) outbound: Outbound,
    /// The user it was created for: the only one who may attach to it,
    /// answer, stop or upload to it.
    owner: UserId,
    /// Who signed in to create it (none without logins): `Chat::user`.
    user: Option<Arc<crate::auth::User>>,
    /// The chat profile it was started with (boxed: most apps have none,
    /// and an idle session stays small).
    chat_profile: Option<Box<ChatProfile>>,
    /// The address it was created from (for the per-client cap).
    client: std::net::IpAddr,
    state: Mutex<SessionState>,
    /// Wakes the tabs showing it.
    changes: super::changes::Changes,
    /// Clicks, reactions and element updates from the browser: made at the
    /// first one (most sessions never click; the limiter is 40 bytes).
    interactions: std::sync::OnceLock<Box<governor::DefaultDirectRateLimiter>>,
    pub(crate) user_session: UserSession,
    /// The chat's MCP connections (empty until it uses MCP).
    pub(crate) mcp: crate::mcp::SessionMcp,
    /// The microphone's streams (see `runtime::audio`).
    pub(super) audio: std::sync::OnceLock<Box<super::audio::SessionAudio>>,
    pub(crate) runtime: Arc<Runtime>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("id", &self.id.as_str())
            .finish()
    }
}

/// A consistent view of the session for a (re)connecting client: a
/// `snapshot` event (sent with `seq`) and its `snapshot_more` pages (sent
/// unsequenced, right after it).
pub(crate) struct Snapshot {
    pub(crate) seq: u64,
    pub(crate) events: Vec<ServerEvent>,
}

/// Text of steps per snapshot page: a quarter of the default frame limit,
/// so a page stays a comfortable frame for the browser.
pub(crate) const SNAPSHOT_PAGE_BYTES: usize = 256 * 1024;

/// A function call to the embedding page waiting for its answer: its id
/// and where the answer goes.
type PendingCall = (String, oneshot::Sender<CallFnResult>);

/// Function calls to the embedding page (`chat.call_fn`) waiting at once
/// in one session.
pub(crate) const MAX_PENDING_CALLS: usize = 16;

/// `steps` cut into pages of about `SNAPSHOT_PAGE_BYTES` of text each.
fn paged(steps: Vec<Step>) -> Vec<Vec<Step>> {
    // What a step adds to its frame: its texts plus its fields.
    let size = |s: &Step| s.output.len() + s.input.len() + 256;
    let mut pages = vec![Vec::new()];
    let mut bytes = 0;
    for step in steps {
        let step_bytes = size(&step);
        if bytes + step_bytes > SNAPSHOT_PAGE_BYTES && !pages.last().is_none_or(Vec::is_empty) {
            pages.push(Vec::new());
            bytes = 0;
        }
        bytes += step_bytes;
        if let Some(page) = pages.last_mut() {
            page.push(step);
        }
    }
    pages
}

/// What a snapshot is made of, copied out of a thread under its lock (and
/// paged and wrapped in events after it is released).
pub(crate) struct SnapshotSource {
    seq: u64,
    thread_id: String,
    steps: Vec<Step>,
    elements: Vec<Element>,
    side_panel: Option<SidePanel>,
    ask: Option<Ask>,
    settings: Option<ChatSettings>,
    commands: Vec<loquat_app::protocol::Command>,
    mcp_servers: Vec<loquat_app::protocol::McpServerState>,
    running: bool,
}

impl SnapshotSource {
    pub(crate) fn of(seq: u64, thread: &ThreadState, running: bool) -> SnapshotSource {
        SnapshotSource {
            seq,
            thread_id: thread.id.clone(),
            steps: thread.steps().to_vec(),
            elements: thread.elements().to_vec(),
            side_panel: thread.side_panel().cloned(),
            ask: thread.ask().cloned(),
            settings: thread.settings().cloned(),
            commands: thread.commands().to_vec(),
            mcp_servers: thread.mcp_servers().to_vec(),
            running,
        }
    }

    /// The thread in pages of about [`SNAPSHOT_PAGE_BYTES`] of steps each
    /// (at least one step a page), so a long thread never becomes one
    /// huge frame.
    pub(crate) fn build(self) -> Snapshot {
        let mut pages = paged(self.steps).into_iter();
        let first = ServerEvent::Snapshot {
            thread_id: self.thread_id,
            steps: pages.next().unwrap_or_default(),
            elements: self.elements,
            side_panel: self.side_panel,
            ask: self.ask,
            settings: self.settings,
            commands: self.commands,
            mcp_servers: self.mcp_servers,
            running: self.running,
        };
        let mut events = vec![first];
        events.extend(pages.map(|steps| ServerEvent::SnapshotMore { steps }));
        Snapshot {
            seq: self.seq,
            events,
        }
    }
}

impl Session {
    pub(crate) fn new(
        id: SessionId,
        (owner, user, chat_profile): (UserId, Option<Arc<crate::auth::User>>, Option<ChatProfile>),
        client: std::net::IpAddr,
        thread: ThreadState,
        persist: Option<PersistState>,
        runtime: Arc<Runtime>,
    ) -> Arc<Session> {
        let session = Arc::new_cyclic(|me| Session {
            id,
            me: me.clone(),
            outbound: Outbound::default(),
            owner,
            user,
            chat_profile: chat_profile.map(Box::new),
            client,
            state: Mutex::new(SessionState {
                log: EventLog::new(runtime.replay.clone()),
                thread,
                running: false,
                attached: 0,
                detached_since: Some(Instant::now()),
                current_run: None,
                epoch: 0,
                closed: false,
                persist,
                answer_to: None,
                calls: None,
                user_env: None,
                uploads: Vec::new(),
                uploading: 0,
                touched_elsewhere: None,
                busy: 0,
                handing_over: false,
                queue: std::collections::VecDeque::new(),
                runner: false,
            }),
            changes: Default::default(),
            interactions: std::sync::OnceLock::new(),
            audio: std::sync::OnceLock::new(),
            mcp: crate::mcp::SessionMcp::default(),
            user_session: UserSession::default(),
            runtime,
        });
        // A resumed thread's saved user session is back before its first hook.
        if let Some(values) = session
            .lock()
            .persist
            .as_ref()
            .and_then(|p| p.saved_user_session())
        {
            session.user_session.restore(values);
        }
        let weak = Arc::downgrade(&session);
        session.user_session.on_save(move |values| {
            if let Some(session) = weak.upgrade() {
                session.save_user_session(values);
            }
        });
        session
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
        self.emit_with(move |_| Ok(event), None)
    }

    /// Builds an event from the thread and emits it under one lock; what
    /// it changes is written with the next checkpoint.
    pub(crate) fn emit_tracked(
        &self,
        make: impl FnOnce(&ThreadState) -> Result<ServerEvent, ChatError>,
    ) -> Result<u64, ChatError> {
        self.emit_with(make, None)
    }

    /// Builds an event from the thread and emits it under one lock, so
    /// nothing can slip in between reading the state and changing it.
    /// `persisted` is the event as already written: if the built event is
    /// the same, it is not marked for the next checkpoint.
    fn emit_with(
        &self,
        make: impl FnOnce(&ThreadState) -> Result<ServerEvent, ChatError>,
        persisted: Option<&ServerEvent>,
    ) -> Result<u64, ChatError> {
        let seq = {
            let mut guard = self.lock();
            let st = &mut *guard;
            if st.closed {
                return Err(ChatError::SessionClosed);
            }
            let event = make(&st.thread)?;
            if let Some(persist) = st.persist.as_mut() {
                if persisted != Some(&event) {
                    persist.track(&event, &st.thread);
                }
            }
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
        self.changes.bump();
        if let Some(cluster) = &self.runtime.cluster {
            cluster.events_ready(self);
        }
        Ok(seq)
    }

    /// Counts a client event as being handled until the guard drops;
    /// `None` once the session is being handed to another node.
    pub(crate) fn enter(&self) -> Option<Busy<'_>> {
        let mut st = self.lock();
        if st.handing_over {
            return None;
        }
        st.busy += 1;
        Some(Busy(self))
    }

    /// A client event was handled, or a queued run is done (or dropped).
    pub(crate) fn done_request(&self) {
        let mut st = self.lock();
        st.busy = st.busy.saturating_sub(1);
    }

    /// Starts handing the session to another node if nothing is being
    /// handled or run (or, with `force`, whatever is): from then on what
    /// its tabs send is refused. False when it is busy, or already being
    /// handed over.
    pub(crate) fn try_hand_over(&self, force: bool) -> bool {
        let mut st = self.lock();
        if st.handing_over || (st.busy > 0 && !force) {
            return false;
        }
        st.handing_over = true;
        true
    }

    /// A weak handle on the session.
    pub(crate) fn weak(&self) -> std::sync::Weak<Session> {
        self.me.clone()
    }

    /// A tab on another node still shows the session: it does not expire.
    pub(crate) fn touched_elsewhere(&self) {
        self.lock().touched_elsewhere = Some(Instant::now());
    }

    /// Emits a step change; when it completes or removes a step and the
    /// thread is persisted, it is written first, so whatever a browser has
    /// seen completed survives a crash. The writing happens outside the
    /// session lock: other events flow meanwhile.
    pub(crate) async fn commit(
        &self,
        make: impl Fn(&ThreadState) -> Result<ServerEvent, ChatError>,
    ) -> Result<u64, ChatError> {
        self.commit_with(make, false).await
    }

    /// [`Session::commit`]; with `run_follows`, the write of a user turn
    /// also marks a run as open (see [`Session::mark_run`]), so the run
    /// queued right after it writes nothing when it starts.
    async fn commit_with(
        &self,
        make: impl Fn(&ThreadState) -> Result<ServerEvent, ChatError>,
        run_follows: bool,
    ) -> Result<u64, ChatError> {
        let pending = {
            let mut guard = self.lock();
            let st = &mut *guard;
            if st.closed {
                return Err(ChatError::SessionClosed);
            }
            let event = make(&st.thread)?;
            match (&self.runtime.persistence, st.persist.as_mut()) {
                (Some(persistence), Some(persist))
                    if is_durable(&event) || is_user_turn(&event) =>
                {
                    if run_follows && is_user_turn(&event) {
                        // Taken by this batch's record, under this lock:
                        // no other write can carry the mark before the
                        // message it is for.
                        persist.set_run_open(true);
                    }
                    persist
                        .batch(&st.thread, std::slice::from_ref(&event))
                        .map(|batch| (persistence.submit_and_wait(batch), event))
                }
                _ => None,
            }
        };
        let Some((written, event)) = pending else {
            return self.emit_with(|t| make(t), None);
        };
        // A failed write was logged; the conversation goes on regardless.
        let _ = written.wait().await;
        let seq = self.emit_with(|t| make(t), Some(&event))?;
        if is_user_turn(&event) {
            let summary = {
                let st = self.lock();
                st.persist
                    .as_ref()
                    .filter(|p| p.is_saved())
                    .map(|p| p.summary(&st.thread.id))
            };
            if let Some(thread) = summary {
                let _ = self.emit(ServerEvent::ThreadUpdated {
                    thread,
                    renamed: false,
                });
            }
        }
        Ok(seq)
    }

    /// Removes several steps (with their descendants) in one write; the
    /// stored files of their elements are deleted after it.
    pub(crate) async fn remove_steps(&self, ids: &[String]) -> Result<(), ChatError> {
        let (pending, orphans) = {
            let mut guard = self.lock();
            let st = &mut *guard;
            if st.closed {
                return Err(ChatError::SessionClosed);
            }
            let doomed: std::collections::HashSet<String> =
                ids.iter().flat_map(|id| st.thread.subtree(id)).collect();
            let orphans = stored_keys(
                st.thread
                    .elements()
                    .iter()
                    .filter(|e| e.for_id.as_ref().is_some_and(|f| doomed.contains(f))),
            );
            let changes: Vec<ServerEvent> = ids
                .iter()
                .filter(|id| st.thread.get(id).is_some())
                .map(|id| ServerEvent::StepRemoved { id: id.clone() })
                .collect();
            let pending = match (&self.runtime.persistence, st.persist.as_mut()) {
                (Some(persistence), Some(persist)) => persist
                    .batch(&st.thread, &changes)
                    .map(|batch| persistence.submit_and_wait(batch)),
                _ => None,
            };
            (pending, orphans)
        };
        if let Some(written) = pending {
            let _ = written.wait().await;
        }
        crate::files::discard(&self.runtime.files, orphans);
        for id in ids {
            let removal = ServerEvent::StepRemoved { id: id.clone() };
            let _ = self.emit_with(
                |thread| {
                    thread
                        .get(id)
                        .map(|_| removal.clone())
                        .ok_or_else(|| ChatError::UnknownStep(id.clone()))
                },
                Some(&removal),
            );
        }
        Ok(())
    }

    /// Submits what changed since the last write and `when` says is due
    /// (see [`Checkpoint`]).
    pub(crate) fn checkpoint(&self, when: Checkpoint) {
        let Some(persistence) = &self.runtime.persistence else {
            return;
        };
        let mut guard = self.lock();
        let st = &mut *guard;
        if let Some(batch) = st
            .persist
            .as_mut()
            .and_then(|p| p.checkpoint(&st.thread, when))
        {
            // Submitted under the lock, so it cannot overtake a later write.
            persistence.submit(batch);
        }
    }

    /// The thread's record as it would be stored now.
    pub(crate) fn record(&self) -> Option<crate::data::ThreadRecord> {
        let st = self.lock();
        st.persist.as_ref().map(|p| p.peek_record(&st.thread.id))
    }

    /// Changes the thread's name, tags or metadata (from a hook): shown in
    /// the history at once, and written after everything the session
    /// submitted before (a thread not saved yet gets them when it is).
    pub(crate) async fn update_thread(
        &self,
        update: crate::data::ThreadUpdate,
    ) -> Result<(), ChatError> {
        let (pending, summary) = {
            let mut guard = self.lock();
            let st = &mut *guard;
            if st.closed {
                return Err(ChatError::SessionClosed);
            }
            let Some(persist) = st.persist.as_mut() else {
                return Ok(());
            };
            persist.update(&update);
            let pending = match (&self.runtime.persistence, persist.is_saved()) {
                (Some(persistence), true) => {
                    let batch = crate::data::WriteBatch {
                        threads: vec![persist.record(&st.thread.id)],
                        ..Default::default()
                    };
                    Some((persistence.clone(), persistence.submit_and_wait(batch)))
                }
                _ => None,
            };
            (
                pending,
                persist.is_saved().then(|| persist.summary(&st.thread.id)),
            )
        };
        if let Some((persistence, written)) = pending {
            // The record's upsert keeps a stored name; the new one replaces it.
            let _ = written.wait().await;
            if let (Some(name), Some(thread)) = (&update.name, ThreadId::parse(&self.thread_id())) {
                let rename = crate::data::ThreadUpdate {
                    name: Some(name.clone()),
                    ..Default::default()
                };
                if let Err(err) = persistence
                    .data
                    .update_thread(&self.owner, &thread, &rename)
                    .await
                {
                    tracing::error!(error = %err, "renaming a thread failed");
                    return Err(ChatError::Storage("the thread name".into()));
                }
            }
        }
        if let Some(thread) = summary {
            let _ = self.emit(ServerEvent::ThreadUpdated {
                thread,
                renamed: update.name.is_some(),
            });
        }
        Ok(())
    }

    /// Stores (or, with `None`, removes) a message's feedback, after
    /// everything the session submitted before. A thread not saved yet has
    /// nothing stored to attach it to.
    pub(crate) fn store_feedback(
        &self,
        thread_id: &str,
        step_id: &str,
        record: Option<crate::data::FeedbackRecord>,
    ) {
        let Some(persistence) = &self.runtime.persistence else {
            return;
        };
        let guard = self.lock();
        if !guard.persist.as_ref().is_some_and(|p| p.is_saved()) {
            return;
        }
        let mut batch = crate::data::WriteBatch::default();
        match record {
            Some(record) => batch.feedbacks.push(record),
            None => batch
                .deleted_feedbacks
                .push((thread_id.to_string(), step_id.to_string())),
        }
        // Under the lock: it cannot overtake a write submitted before.
        persistence.submit(batch);
    }

    /// The browser's latest `user_env` values replace the earlier ones (a
    /// tab that sends none keeps what another tab gave).
    pub(crate) fn set_user_env(&self, values: std::collections::HashMap<String, String>) {
        if !values.is_empty() {
            self.lock().user_env = Some(Box::new(values));
        }
    }

    pub(crate) fn user_env(&self) -> std::collections::HashMap<String, String> {
        self.lock().user_env.as_deref().cloned().unwrap_or_default()
    }

    /// Notes that a run started or ended, and submits the thread's record
    /// (not awaited: a run does not wait for it) when that changes what was
    /// last written, so a thread resumed after its server stopped mid-run
    /// knows it was cut off, and one that stopped after its run ended does
    /// not say so. A run whose user message carried the mark writes
    /// nothing when it starts; a run with another queued behind it leaves
    /// the mark to that one.
    pub(crate) fn mark_run(&self, open: bool) {
        let mut guard = self.lock();
        let st = &mut *guard;
        let Some(persist) = st.persist.as_mut() else {
            return;
        };
        let write = if open {
            persist.open_run()
        } else if !st.closed && st.queue.iter().any(|(epoch, _)| *epoch == st.epoch) {
            // The runner takes the next run at once: its start would write
            // back what this end wrote. Requests a stop dropped do not
            // count; the runner calls this again after each of them.
            false
        } else {
            persist.close_run()
        };
        if let (Some(persistence), true) = (&self.runtime.persistence, write && persist.is_saved())
        {
            // Under the lock: it cannot overtake a write submitted before.
            persistence.submit(crate::data::WriteBatch {
                threads: vec![persist.record(&st.thread.id)],
                ..Default::default()
            });
        }
    }

    /// Notes the JSON part of the user session for the next checkpoint.
    pub(crate) fn save_user_session(&self, values: serde_json::Map<String, serde_json::Value>) {
        if let Some(persist) = self.lock().persist.as_mut() {
            persist.set_user_session(values);
        }
    }

    /// The chat profile the session was started with.
    pub(crate) fn chat_profile(&self) -> Option<&ChatProfile> {
        self.chat_profile.as_deref()
    }

    /// The name `author` is shown with: the app's `author_rename`, if any,
    /// bounded like a thread name.
    pub(crate) async fn shown_author(&self, author: String) -> String {
        match &self.runtime.hooks.author_rename {
            Some(rename) => rename(author).await.chars().take(200).collect(),
            None => author,
        }
    }

    /// The assistant's name: the profile's, else `[UI] name`.
    pub(crate) fn assistant_name(&self) -> String {
        self.chat_profile()
            .and_then(|p| p.overrides.name.clone())
            .unwrap_or_else(|| self.runtime.config.ui.name.clone())
    }

    /// `[features] edit_message`, as the session's profile may change it.
    pub(crate) fn edit_message_on(&self) -> bool {
        self.chat_profile()
            .and_then(|p| p.overrides.edit_message)
            .unwrap_or(self.runtime.config.features.edit_message)
    }

    /// `[features] feedback`, as the session's profile may change it.
    pub(crate) fn feedback_on(&self) -> bool {
        self.chat_profile()
            .and_then(|p| p.overrides.feedback)
            .unwrap_or(self.runtime.config.features.feedback)
    }

    /// The user the session belongs to.
    pub(crate) fn owner(&self) -> &UserId {
        &self.owner
    }

    /// Who signed in to create it (none without logins).
    pub(crate) fn user(&self) -> Option<&crate::auth::User> {
        self.user.as_deref()
    }

    /// The address the session was created from.
    pub(crate) fn client(&self) -> std::net::IpAddr {
        self.client
    }

    /// Bytes of text (outputs and inputs) of the thread's steps.
    pub(crate) fn text_bytes(&self) -> usize {
        self.with_steps(|steps| steps.iter().map(|s| s.output.len() + s.input.len()).sum())
    }

    /// True while its thread has no message from the user: nothing in it
    /// is worth keeping the session for.
    pub(crate) fn is_unused(&self) -> bool {
        self.with_steps(|steps| {
            !steps
                .iter()
                .any(|s| s.step_type == loquat_app::protocol::StepType::UserMessage)
        })
    }

    /// Appends streamed text to a step's output (or input).
    pub(crate) fn append(&self, id: &str, delta: &str, input: bool) -> Result<(), ChatError> {
        if delta.is_empty() {
            return Ok(());
        }
        self.emit_with(
            |thread| {
                if thread.get(id).is_none() {
                    return Err(ChatError::UnknownStep(id.to_string()));
                }
                Ok(ServerEvent::StepDelta {
                    id: id.to_string(),
                    delta: delta.to_string(),
                    input,
                })
            },
            None,
        )
        .map(|_| ())
    }

    /// Shows a new step (written first when it is already complete).
    pub(crate) async fn create_step(&self, step: Step) -> Result<(), ChatError> {
        self.commit(|_| Ok(ServerEvent::StepCreated { step: step.clone() }))
            .await
            .map(|_| ())
    }

    /// Creates the user's message that a run is queued for right after:
    /// the write that saves it also marks the run as open. A caller that
    /// then queues no run calls `mark_run(false)`, or a server stopping
    /// later would leave the thread marked as cut off.
    pub(crate) async fn create_turn_step(&self, step: Step) -> Result<(), ChatError> {
        self.commit_with(
            |_| Ok(ServerEvent::StepCreated { step: step.clone() }),
            true,
        )
        .await
        .map(|_| ())
    }

    /// Changes a step and publishes its new state.
    pub(crate) async fn update_step(
        &self,
        id: &str,
        change: impl Fn(&mut Step),
    ) -> Result<(), ChatError> {
        self.commit(|thread| {
            let mut step = thread
                .get(id)
                .cloned()
                .ok_or_else(|| ChatError::UnknownStep(id.to_string()))?;
            change(&mut step);
            Ok(ServerEvent::StepUpdated { step })
        })
        .await
        .map(|_| ())
    }

    /// Shows a new element or an element's new state; written first when
    /// the thread is saved.
    pub(crate) async fn set_element(&self, element: Element) -> Result<(), ChatError> {
        self.commit(|thread| {
            if thread.id != element.thread_id {
                return Err(ChatError::UnknownElement(element.id.clone()));
            }
            Ok(ServerEvent::ElementSet {
                element: element.clone(),
            })
        })
        .await
        .map(|_| ())
    }

    /// Removes an element (written first when the thread is saved), then
    /// its stored file.
    pub(crate) async fn remove_element(&self, id: &str) -> Result<(), ChatError> {
        let stored = self
            .element(id)
            .is_some_and(|e| crate::files::is_stored(&e));
        self.commit(|thread| match thread.element(id) {
            Some(_) => Ok(ServerEvent::ElementRemoved { id: id.to_string() }),
            None => Err(ChatError::UnknownElement(id.to_string())),
        })
        .await?;
        if stored {
            crate::files::discard(&self.runtime.files, vec![id.to_string()]);
        }
        Ok(())
    }

    /// Shows a question and returns where its answer will arrive. A
    /// question still pending is ended first (one at a time).
    pub(crate) fn begin_ask(&self, ask: Ask) -> Result<oneshot::Receiver<AskAnswer>, ChatError> {
        let (tx, rx) = oneshot::channel();
        let previous = {
            let mut st = self.lock();
            st.answer_to
                .replace(Box::new((ask.id.clone(), tx)))
                .map(|pending| pending.0)
        };
        if let Some(id) = previous {
            let _ = self.emit(ServerEvent::AskEnded { id });
        }
        self.emit(ServerEvent::AskStarted { ask })?;
        Ok(rx)
    }

    /// The question waiting for an answer, if any.
    pub(crate) fn pending_ask(&self) -> Option<Ask> {
        self.lock().thread.ask().cloned()
    }

    /// Ends question `id` if it is the pending one: publishes its end and
    /// returns where its answer would go.
    fn close_ask(&self, id: &str) -> Option<oneshot::Sender<AskAnswer>> {
        let to = {
            let mut st = self.lock();
            match &st.answer_to {
                Some(pending) if pending.0 == id => st.answer_to.take(),
                _ => None,
            }
        };
        let (_, tx) = *to?;
        let _ = self.emit(ServerEvent::AskEnded { id: id.to_string() });
        Some(tx)
    }

    /// Delivers the answer to question `id`; false when it is not pending.
    pub(crate) fn answer(&self, id: &str, answer: AskAnswer) -> bool {
        self.close_ask(id).is_some_and(|tx| tx.send(answer).is_ok())
    }

    /// Ends question `id` without an answer (timeout, or the run ended).
    pub(crate) fn end_ask(&self, id: &str) {
        self.close_ask(id);
    }

    /// Asks the embedding page to call `name` with `args`; returns where
    /// its answer will arrive. At most [`MAX_PENDING_CALLS`] at once.
    pub(crate) fn begin_call(
        &self,
        id: &str,
        name: String,
        args: serde_json::Value,
    ) -> Result<oneshot::Receiver<CallFnResult>, ChatError> {
        let (tx, rx) = oneshot::channel();
        {
            let mut st = self.lock();
            let calls = st.calls.get_or_insert_with(Default::default);
            calls.retain(|(_, tx)| !tx.is_closed());
            if calls.len() >= MAX_PENDING_CALLS {
                return Err(ChatError::CallFn(format!(
                    "at most {MAX_PENDING_CALLS} function calls can wait at once"
                )));
            }
            calls.push((id.to_string(), tx));
        }
        let emitted = self.emit(ServerEvent::CallFn {
            id: id.to_string(),
            name,
            args,
        });
        if let Err(err) = emitted {
            self.end_call(id);
            return Err(err);
        }
        Ok(rx)
    }

    /// Delivers the page's answer to call `id`; false when none is waiting
    /// (answered already, timed out, or never made).
    pub(crate) fn finish_call(&self, id: &str, result: CallFnResult) -> bool {
        self.take_call(id).is_some_and(|tx| tx.send(result).is_ok())
    }

    /// Forgets call `id` (its hook stopped waiting).
    pub(crate) fn end_call(&self, id: &str) {
        self.take_call(id);
    }

    /// Takes call `id` out of the waiting ones: where its answer goes.
    fn take_call(&self, id: &str) -> Option<oneshot::Sender<CallFnResult>> {
        let mut st = self.lock();
        let calls = st.calls.as_mut()?;
        let at = calls.iter().position(|(call, _)| call == id)?;
        let (_, tx) = calls.swap_remove(at);
        if calls.is_empty() {
            st.calls = None;
        }
        Some(tx)
    }

    /// Keeps an upload until it is sent; false when too many are waiting.
    /// A place for one more upload streaming in, or why there is none.
    pub(crate) fn begin_upload(self: &Arc<Self>) -> Result<UploadSlot, UploadRefusal> {
        let limits = self.runtime.limits.uploads;
        let mut st = self.lock();
        if st.uploads.len() >= limits.max_pending_files {
            return Err(UploadRefusal::TooManyFiles(limits.max_pending_files));
        }
        if st.uploading >= limits.max_concurrent_per_session {
            return Err(UploadRefusal::TooManyAtOnce(
                limits.max_concurrent_per_session,
            ));
        }
        st.uploading += 1;
        let pending: u64 = st.uploads.iter().map(|u| u.size).sum();
        Ok(UploadSlot {
            session: self.clone(),
            room: limits.max_pending_bytes.saturating_sub(pending),
        })
    }

    /// Keeps a finished upload until a message or an answer uses it; false
    /// when the session has no room left for it (then it is not kept).
    pub(crate) fn add_upload(&self, upload: Upload) -> bool {
        let limits = self.runtime.limits.uploads;
        let mut st = self.lock();
        let pending: u64 = st.uploads.iter().map(|u| u.size).sum();
        if st.uploads.len() >= limits.max_pending_files
            || pending + upload.size > limits.max_pending_bytes
        {
            return false;
        }
        st.uploads.push(upload);
        true
    }

    /// Takes the uploads `ids` made for `ask` (all of them, or none when
    /// one is unknown or was made for something else).
    pub(crate) fn take_uploads(&self, ids: &[String], ask: Option<&str>) -> Option<Vec<Upload>> {
        let mut st = self.lock();
        let mut found = Vec::with_capacity(ids.len());
        for id in ids {
            let upload = st
                .uploads
                .iter()
                .find(|u| &u.id == id && u.ask.as_deref() == ask)?;
            if found.iter().any(|f: &Upload| f.id == upload.id) {
                return None;
            }
            found.push(upload.clone());
        }
        st.uploads.retain(|u| !ids.contains(&u.id));
        Some(found)
    }

    /// Every element of the thread, in the order they were created.
    pub(crate) fn elements(&self) -> Vec<Element> {
        self.lock().thread.elements().to_vec()
    }

    /// An element of the thread as it is now.
    pub(crate) fn element(&self, id: &str) -> Option<Element> {
        self.lock().thread.element(id).cloned()
    }

    /// Declares, changes or (with `None`) removes the chat settings: every
    /// tab shows them, and they are kept with the thread (written now when
    /// the thread is saved, else with its first record).
    pub(crate) fn set_settings(&self, settings: Option<ChatSettings>) -> Result<(), ChatError> {
        self.emit(ServerEvent::SettingsSet { settings })?;
        // What is written is the thread's settings as they are when the
        // lock is taken: of two saves at once, the later write has the
        // later settings.
        let mut guard = self.lock();
        let st = &mut *guard;
        if let Some(persist) = st.persist.as_mut() {
            persist.set_chat_settings(st.thread.settings());
            if let (Some(persistence), true) = (&self.runtime.persistence, persist.is_saved()) {
                // Under the lock: it cannot overtake a write submitted before.
                persistence.submit(crate::data::WriteBatch {
                    threads: vec![persist.record(&st.thread.id)],
                    ..Default::default()
                });
            }
        }
        Ok(())
    }

    /// The commands the user can pick now.
    pub(crate) fn commands(&self) -> Vec<loquat_app::protocol::Command> {
        self.lock().thread.commands().to_vec()
    }

    /// The chat settings as they are now.
    pub(crate) fn settings(&self) -> Option<ChatSettings> {
        self.lock().thread.settings().cloned()
    }

    /// Sets (or with `None` closes) the side panel; the files of what it
    /// showed before are deleted (the panel is not kept in history).
    pub(crate) fn set_side_panel(&self, panel: Option<SidePanel>) -> Result<(), ChatError> {
        let before = self.lock().thread.side_panel().cloned();
        self.emit(ServerEvent::SidePanelSet { panel })?;
        let orphans = before.map(|p| stored_keys(&p.elements)).unwrap_or_default();
        crate::files::discard(&self.runtime.files, orphans);
        Ok(())
    }

    /// Files that die with the session: uploads never sent, the side
    /// panel's, and — when nothing is persisted — every element's.
    pub(crate) fn files_to_discard(&self) -> Vec<String> {
        let st = self.lock();
        let mut keys: Vec<String> = st.uploads.iter().map(|u| u.id.clone()).collect();
        if let Some(panel) = st.thread.side_panel() {
            keys.extend(stored_keys(&panel.elements));
        }
        if st.persist.is_none() {
            keys.extend(stored_keys(st.thread.elements()));
        }
        keys
    }

    /// The side panel's element with this id, if the panel shows it.
    pub(crate) fn side_panel_element(&self, id: &str) -> Option<Element> {
        self.lock()
            .thread
            .side_panel()
            .and_then(|p| p.elements.iter().find(|e| e.id == id).cloned())
    }

    pub(crate) async fn remove_step(&self, id: &str) -> Result<(), ChatError> {
        if self.lock().thread.get(id).is_none() {
            return Err(ChatError::UnknownStep(id.to_string()));
        }
        self.remove_steps(&[id.to_string()]).await
    }

    /// Closes every step a finished run left open, keeping what it produced.
    pub(crate) async fn close_open_steps(&self) {
        let open = self.lock().thread.open_steps();
        let end = now_millis();
        for id in open {
            let _ = self
                .update_step(&id, |s| {
                    s.streaming = false;
                    s.end.get_or_insert(end);
                })
                .await;
        }
    }

    /// One step of the thread as it is now.
    pub(crate) fn step(&self, id: &str) -> Option<Step> {
        self.lock().thread.get(id).cloned()
    }

    pub(crate) fn steps(&self) -> Vec<Step> {
        self.lock().thread.steps().to_vec()
    }

    /// Reads the thread without copying it.
    pub(crate) fn with_steps<R>(&self, read: impl FnOnce(&[Step]) -> R) -> R {
        read(self.lock().thread.steps())
    }

    /// The thread as it is now, in pages of about [`SNAPSHOT_PAGE_BYTES`]
    /// of steps each (at least one step a page), so a long thread never
    /// becomes one huge frame.
    pub(crate) fn snapshot(&self) -> Snapshot {
        let source = {
            let st = self.lock();
            SnapshotSource::of(st.log.last_seq(), &st.thread, st.running)
        };
        source.build()
    }

    pub(crate) fn last_seq(&self) -> u64 {
        self.lock().log.last_seq()
    }

    /// Cuts the replay buffer to `bytes` (the oldest events go first).
    pub(crate) fn trim_replay(&self, bytes: usize) {
        self.lock().log.trim_to(bytes);
    }

    pub(crate) fn events_since(&self, cursor: u64, max: usize) -> Since {
        self.lock().log.since(cursor, max)
    }

    pub(crate) fn changes(&self) -> &super::changes::Changes {
        &self.changes
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
        let st = self.lock();
        let detached = st.detached_since?.elapsed();
        Some(match st.touched_elsewhere {
            Some(touched) => detached.min(touched.elapsed()),
            None => detached,
        })
    }

    pub(crate) fn is_running(&self) -> bool {
        self.lock().running
    }

    /// Queues a hook invocation behind the active run.
    /// Each queued request counts as busy until the run queue is done
    /// with it.
    pub(crate) fn enqueue(&self, request: RunRequest) -> Result<(), ChatError> {
        let start_runner = {
            let mut st = self.lock();
            if st.closed {
                return Err(ChatError::SessionClosed);
            }
            if st.queue.len() >= self.max_queued_runs() {
                return Err(ChatError::QueueFull);
            }
            st.busy += 1;
            let epoch = st.epoch;
            st.queue.push_back((epoch, request));
            !std::mem::replace(&mut st.runner, true)
        };
        if start_runner {
            tokio::spawn(super::runner::run_queue(self.me.clone()));
        }
        Ok(())
    }

    fn max_queued_runs(&self) -> usize {
        self.runtime.limits.sessions.max_queued_runs.max(1)
    }

    /// The next queued request, or `None` when there is none (the runner
    /// then ends, and the next request starts another) or the session
    /// has ended (what was queued is dropped).
    pub(crate) fn next_request(&self) -> Option<(u64, RunRequest)> {
        let mut st = self.lock();
        if st.closed {
            st.queue.clear();
        }
        let next = st.queue.pop_front();
        if next.is_none() {
            st.runner = false;
            st.queue = std::collections::VecDeque::new();
        }
        next
    }

    /// True while the run queue can take another request.
    pub(crate) fn has_queue_room(&self) -> bool {
        self.lock().queue.len() < self.max_queued_runs()
    }

    /// Takes one interaction (click, reaction, element update) from the
    /// session's allowance; false when it is used up for now.
    pub(crate) fn take_interaction(&self) -> bool {
        self.interactions
            .get_or_init(|| {
                let quota = self.runtime.limits.sessions.interaction_quota();
                Box::new(governor::RateLimiter::direct(quota))
            })
            .check()
            .is_ok()
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
        // Tabs wake up, deliver the rest and go.
        self.changes.bump();
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.lock().closed
    }
}
