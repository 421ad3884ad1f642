//! The runtime: sessions, runs, the streaming endpoint and the replay buffer.

pub(crate) mod answers;
mod attach;
pub(crate) mod audio;
pub(crate) mod changes;
mod client_events;
mod event_log;
pub(crate) mod hooks;
mod limits;
pub(crate) mod live;
pub(crate) mod math;
pub(crate) mod operations;
pub(crate) mod persist;
mod persist_state;
mod refusal;
pub(crate) mod runner;
pub(crate) mod session;
pub(crate) mod thread;

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Duration;

pub(crate) use attach::Hello;
pub use event_log::ReplayLimits;
pub(crate) use event_log::{EventLog, ReplayBudget, Since};
use hooks::Hooks;
pub use limits::{RuntimeLimits, SessionLimits, UploadLimits, WebSocketLimits};
use persist::Persistence;
use persist_state::{Checkpoint, PersistState};
pub(crate) use refusal::{Handled, Refusal};
use runner::RunRequest;
use session::Session;
use thread::ThreadState;

use loquat_app::protocol::ChatProfile;

use crate::auth::User;
use crate::cluster::{Claimed, Cluster};
use crate::config::Config;
use crate::data::DataError;
use crate::files::FileStorage;
use crate::ids::{ElementId, SessionId, ThreadId, UserId};

/// A thread as a live session holds it: record, steps and elements.
pub(crate) type LiveThread = (
    crate::data::ThreadRecord,
    Vec<loquat_app::protocol::Step>,
    Vec<loquat_app::protocol::Element>,
);

/// What a resumed thread says when the server running its last reply
/// stopped before the reply finished.
pub(crate) const INTERRUPTED_NOTICE: &str =
    "The server running the last reply stopped before it finished; what it had written is kept above.";

/// How often the checkpointer runs: changes that need not be written
/// before they are published are written within this, except the text of
/// streaming steps (`[project] checkpoint_seconds`).
const CHECKPOINT_TICK: Duration = Duration::from_secs(1);

/// The checkpointer's ticks in `period` (at least one; a part of a tick
/// counts as a whole one).
fn checkpoint_ticks(period: Duration) -> u64 {
    let ticks = period.as_millis().div_ceil(CHECKPOINT_TICK.as_millis());
    u64::try_from(ticks).unwrap_or(u64::MAX).max(1)
}

/// Why no new session was started: a cap of [`SessionLimits`] is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum SessionCap {
    #[error("this address has {0} chat sessions open; close some tabs or wait a minute")]
    Client(usize),
    #[error("you have {0} chat sessions open; close some tabs or wait a minute")]
    User(usize),
    #[error("the server has as many chat sessions as it takes ({0}); try again shortly")]
    Total(usize),
}

/// Why a thread could not be opened.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ResumeError {
    #[error("thread not found")]
    NotFound,
    #[error(transparent)]
    Cluster(#[from] crate::cluster::ClusterError),
    #[error(transparent)]
    Cap(#[from] SessionCap),
    #[error(transparent)]
    Data(#[from] DataError),
}

pub(crate) struct Runtime {
    pub(crate) hooks: Hooks,
    pub(crate) config: Arc<Config>,
    pub(crate) limits: RuntimeLimits,
    /// Absent when persistence is off.
    pub(crate) persistence: Option<Arc<Persistence>>,
    /// Where element and upload bytes are kept.
    pub(crate) files: Arc<dyn FileStorage>,
    /// Uploads streaming in at once, for the whole server.
    pub(crate) upload_permits: Arc<tokio::sync::Semaphore>,
    /// This node's part in a cluster (`[cluster] nats_url`), if any.
    pub(crate) cluster: Option<Arc<Cluster>>,
    /// The MCP servers chats may use (`[features.mcp]`), when enabled.
    pub(crate) mcp: Option<Arc<crate::mcp::McpServers>>,
    /// Set when a cluster node starts draining: a session ends here as
    /// soon as its reply does.
    draining: std::sync::atomic::AtomicBool,
    /// One resume at a time per thread: two tabs opening a thread at once
    /// get one session (the second finds the first's).
    resuming: Mutex<HashMap<ThreadId, Weak<tokio::sync::Mutex<()>>>>,
    sessions: Mutex<HashMap<SessionId, Arc<Session>>>,
    /// The replay buffers' shared byte bound.
    pub(crate) replay: Arc<ReplayBudget>,
    /// Counts the heartbeats (one every `ping_interval`, when every socket
    /// is woken): one timer for all sockets, which ping their tabs when it
    /// moved (a timer each was about 200 bytes a socket, and a wait on a
    /// shared one 100 more).
    pub(crate) heartbeat: AtomicU64,
}

impl Runtime {
    pub(crate) fn new(
        hooks: Hooks,
        config: Arc<Config>,
        limits: RuntimeLimits,
        persistence: Option<Arc<Persistence>>,
        files: Arc<dyn FileStorage>,
        cluster: Option<Arc<Cluster>>,
        mcp: Option<crate::mcp::McpServers>,
    ) -> Arc<Runtime> {
        Arc::new(Runtime {
            hooks,
            config,
            limits,
            persistence,
            files,
            cluster,
            mcp: mcp.map(Arc::new),
            upload_permits: Arc::new(tokio::sync::Semaphore::new(limits.uploads.max_concurrent)),
            draining: std::sync::atomic::AtomicBool::new(false),
            resuming: Mutex::new(HashMap::new()),
            sessions: Mutex::new(HashMap::new()),
            replay: ReplayBudget::new(limits.replay),
            heartbeat: AtomicU64::new(0),
        })
    }

    /// The local user, whom every request acts for while no login is
    /// configured: the stored user with persistence, else a fixed id (a
    /// session still belongs to it alone).
    pub(crate) fn local_user(&self) -> UserId {
        self.persistence
            .as_ref()
            .map(|p| p.local_user.clone())
            // A constant of the right shape (a test checks it parses).
            .unwrap_or_else(|| UserId::from_trusted(crate::data::LOCAL_USER.to_string()))
    }

    fn sessions(&self) -> MutexGuard<'_, HashMap<SessionId, Arc<Session>>> {
        self.sessions.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Every session, copied out of the map: each is then used on its own,
    /// never under the map's lock.
    fn all_sessions(&self) -> Vec<Arc<Session>> {
        self.sessions().values().cloned().collect()
    }

    /// Starts a new session and queues `on_chat_start`.
    /// `owner` is the user the session belongs to (and its thread is saved
    /// for, with persistence); only they may attach to it or act on it.
    pub(crate) fn create_session(
        self: &Arc<Self>,
        owner: &UserId,
        profile: Option<Arc<User>>,
        client: IpAddr,
        chat_profile: Option<ChatProfile>,
    ) -> Result<Arc<Session>, SessionCap> {
        let thread = ThreadState::new(ThreadId::generate().into_string());
        let persist = self.persistence.is_some().then(|| {
            let mut persist = PersistState::new_thread(owner.to_string());
            if let Some(chat_profile) = &chat_profile {
                persist.set_chat_profile(&chat_profile.name, self.config.features.auto_tag_thread);
            }
            persist
        });
        self.start_session(
            SessionId::generate(),
            owner,
            (profile, chat_profile),
            client,
            thread,
            persist,
            RunRequest::ChatStart,
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn start_session(
        self: &Arc<Self>,
        id: SessionId,
        owner: &UserId,
        (profile, chat_profile): (Option<Arc<User>>, Option<ChatProfile>),
        client: IpAddr,
        thread: ThreadState,
        persist: Option<PersistState>,
        first: RunRequest,
    ) -> Result<Arc<Session>, SessionCap> {
        let mut sessions = self.sessions();
        self.check_caps(&sessions, owner, client)?;
        let session = Session::new(
            id.clone(),
            (owner.clone(), profile, chat_profile),
            client,
            thread,
            persist,
            self.clone(),
        );
        // With user servers on, the tabs list the operator's servers from
        // the start (before the first run, so the panel never shows none).
        if let Some(event) = self.mcp.as_deref().and_then(crate::mcp::initial_event) {
            let _ = session.emit(event);
        }
        let _ = session.enqueue(first);
        sessions.insert(id, session.clone());
        Ok(session)
    }

    /// Refuses one more session for `owner` from `client` when a cap is
    /// reached. Counted by walking the live sessions, under the same lock
    /// as the insert: at the 10,000-session default cap that walk takes
    /// tens of microseconds, and only a new session pays it.
    fn check_caps(
        &self,
        sessions: &HashMap<SessionId, Arc<Session>>,
        owner: &UserId,
        client: IpAddr,
    ) -> Result<(), SessionCap> {
        let caps = self.limits.sessions;
        if sessions.len() >= caps.max_total {
            return Err(SessionCap::Total(caps.max_total));
        }
        let (mut from_client, mut of_user) = (0, 0);
        for session in sessions.values() {
            from_client += usize::from(session.client() == client);
            of_user += usize::from(session.owner() == owner);
        }
        if from_client >= caps.max_per_client {
            return Err(SessionCap::Client(caps.max_per_client));
        }
        if of_user >= caps.max_per_user {
            return Err(SessionCap::User(caps.max_per_user));
        }
        Ok(())
    }

    /// The live session showing `thread_id` for `user` (in a cluster, on
    /// any node), or a new one that resumes it from history (queuing
    /// `on_chat_resume`).
    pub(crate) async fn open_thread(
        self: &Arc<Self>,
        user: &UserId,
        profile: Option<Arc<User>>,
        client: IpAddr,
        thread_id: &ThreadId,
    ) -> Result<live::Live, ResumeError> {
        if let Some(live) = self.live_session_of(user, thread_id) {
            return Ok(live::Live::Local(live));
        }
        let lock = self.resume_lock(thread_id);
        let _resuming = lock.lock().await;
        if let Some(live) = self.live_session_of(user, thread_id) {
            return Ok(live::Live::Local(live));
        }
        let persistence = self.persistence.as_ref().ok_or(ResumeError::NotFound)?;
        let session_id = SessionId::generate();
        if let Some(cluster) = &self.cluster {
            // Only a thread of the user's history is claimed.
            if persistence.data.thread(user, thread_id).await?.is_none() {
                return Err(ResumeError::NotFound);
            }
            let claimed = cluster
                .claim_thread(thread_id, &session_id, user, self.replay.clone())
                .await?;
            if let Claimed::Elsewhere(remote) = claimed {
                return Ok(live::Live::Remote(remote));
            }
        }
        let (record, mut steps) = persistence
            .data
            .thread_with_steps(user, thread_id)
            .await?
            .ok_or(ResumeError::NotFound)?;
        // Steps the server was still streaming when it stopped are closed
        // with what they had; they are written back at the next checkpoint.
        let mut interrupted = std::collections::HashSet::new();
        for step in &mut steps {
            if step.streaming || step.end.is_none() {
                step.streaming = false;
                step.end = Some(step.end.or(step.start).unwrap_or(step.created_at));
                interrupted.insert(step.id.clone());
            }
        }
        let elements = persistence.data.thread_elements(user, thread_id).await?;
        // Another request may have resumed it meanwhile.
        if let Some(live) = self.live_session_of(user, thread_id) {
            return Ok(live::Live::Local(live));
        }
        let mut was_interrupted = !interrupted.is_empty();
        let mut thread = ThreadState::with_steps(record.id.clone(), steps);
        thread.set_elements(elements);
        let persist = PersistState::resumed(&record, interrupted);
        was_interrupted |= persist.saved_run_open();
        if let Some(settings) = persist.saved_chat_settings() {
            thread.restore_settings(settings);
        }
        // The thread keeps the profile it was started with (as the app
        // offers it now, else by name alone).
        let chat_profile = match persist.saved_chat_profile() {
            Some(name) => {
                let offered = self.chat_profiles(profile.as_deref()).await;
                Some(
                    offered
                        .into_iter()
                        .find(|p| p.name == name)
                        .unwrap_or_else(|| ChatProfile::new(name)),
                )
            }
            None => None,
        };
        // Another request may have resumed it meanwhile.
        if let Some(live) = self.live_session_of(user, thread_id) {
            return Ok(live::Live::Local(live));
        }
        let session = self.start_session(
            session_id,
            user,
            (profile, chat_profile),
            client,
            thread,
            Some(persist),
            RunRequest::ChatResume {
                interrupted: was_interrupted,
            },
        )?;
        Ok(live::Live::Local(session))
    }

    /// The lock that resumes of `thread_id` take in turn.
    fn resume_lock(&self, thread_id: &ThreadId) -> Arc<tokio::sync::Mutex<()>> {
        let mut resuming = self.resuming.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(lock) = resuming.get(thread_id).and_then(Weak::upgrade) {
            return lock;
        }
        resuming.retain(|_, lock| lock.strong_count() > 0);
        let lock = Arc::new(tokio::sync::Mutex::new(()));
        resuming.insert(thread_id.clone(), Arc::downgrade(&lock));
        lock
    }

    fn live_session_of(&self, user: &UserId, thread_id: &ThreadId) -> Option<Arc<Session>> {
        self.sessions()
            .values()
            .find(|s| !s.is_closed() && s.thread_id() == thread_id.as_str() && s.owner() == user)
            .cloned()
    }

    /// A live session's thread as it is now (what is still streaming
    /// included), if `user` has one showing `thread_id`.
    pub(crate) fn live_thread(&self, user: &UserId, thread_id: &ThreadId) -> Option<LiveThread> {
        let session = self.live_session_of(user, thread_id)?;
        Some((session.record()?, session.steps(), session.elements()))
    }

    /// True when `user` may open `thread_id`: it is live or in history.
    pub(crate) async fn thread_visible(&self, user: &UserId, thread_id: &ThreadId) -> bool {
        if self.live_session_of(user, thread_id).is_some() {
            return true;
        }
        match &self.persistence {
            Some(p) => matches!(p.data.thread(user, thread_id).await, Ok(Some(_))),
            None => false,
        }
    }

    /// An element `user` may see: in one of their live sessions (side panel
    /// included) or in their history.
    pub(crate) async fn find_element(
        &self,
        user: &UserId,
        id: &ElementId,
    ) -> Result<Option<loquat_app::protocol::Element>, DataError> {
        for session in self.all_sessions() {
            if session.owner() != user {
                continue;
            }
            if let Some(found) = session
                .element(id.as_str())
                .or_else(|| session.side_panel_element(id.as_str()))
            {
                return Ok(Some(found));
            }
        }
        match &self.persistence {
            Some(persistence) => persistence.data.element(user, id).await,
            None => Ok(None),
        }
    }

    /// Ends the live sessions showing a thread (it was deleted).
    pub(crate) fn end_sessions_of(&self, thread_id: &ThreadId) {
        let ids: Vec<SessionId> = self
            .sessions()
            .values()
            .filter(|s| s.thread_id() == thread_id.as_str())
            .map(|s| s.id.clone())
            .collect();
        for id in ids {
            self.end_session(&id);
        }
    }

    /// Writes what changed since the last checkpoint and `when` says is
    /// due, for every session.
    pub(crate) fn checkpoint_all(&self, when: Checkpoint) {
        for session in self.all_sessions() {
            session.checkpoint(when);
        }
    }

    /// Closes the MCP connections of every session (at shutdown), so that
    /// stdio servers exit before Loquat does.
    pub(crate) async fn close_mcp(&self) {
        let used = self.all_sessions().into_iter().filter(|s| s.mcp.is_used());
        let closing = used.map(|session| async move {
            let chat = crate::sdk::Chat::new(session);
            chat.session().mcp.close(&chat).await;
        });
        futures_util::future::join_all(closing).await;
    }

    /// Writes everything pending and waits for it (at shutdown).
    pub(crate) async fn flush(&self) {
        self.checkpoint_all(Checkpoint::All);
        if let Some(persistence) = &self.persistence {
            persistence.flush().await;
        }
    }

    pub(crate) fn session(&self, id: &SessionId) -> Option<Arc<Session>> {
        self.sessions().get(id).cloned()
    }

    pub(crate) fn session_count(&self) -> usize {
        self.sessions().len()
    }

    /// Ends a session now: cancels its run and calls `on_chat_end`.
    pub(crate) fn end_session(&self, id: &SessionId) {
        let Some(session) = self.sessions().remove(id) else {
            return;
        };
        crate::files::discard(&self.files, session.files_to_discard());
        session.close();
        if let Some(cluster) = &self.cluster {
            cluster.ended(session.clone());
        }
        let on_chat_end = self.hooks.on_chat_end.clone();
        if on_chat_end.is_some() || session.mcp.is_used() {
            let chat = crate::sdk::Chat::new(session);
            tokio::spawn(async move {
                if let Some(on_chat_end) = on_chat_end {
                    if let Err(err) = on_chat_end(chat.clone()).await {
                        tracing::warn!(error = %err, "on_chat_end failed");
                    }
                }
                // After on_chat_end, which may still use them.
                chat.session().mcp.close(&chat).await;
            });
        }
    }

    /// Ends the sessions no browser has been attached to for
    /// `session_timeout`, and sooner ([`SessionLimits::unused_timeout`])
    /// those whose thread never got a message.
    pub(crate) fn expire_idle(&self) {
        let timeout = self.config.project.session_timeout;
        let unused = self.limits.sessions.unused_timeout.min(timeout);
        let expired: Vec<SessionId> = self
            .sessions()
            .values()
            .filter(|s| {
                s.detached_for()
                    .is_some_and(|d| d >= timeout || (d >= unused && s.is_unused()))
            })
            .map(|s| s.id.clone())
            .collect();
        for id in expired {
            tracing::debug!(session = %id, "session expired");
            self.end_session(&id);
        }
    }

    /// Stops this node's part in a cluster (on SIGTERM, once it takes no
    /// new connections). Every session that is not running a reply is
    /// written out and ended here at once, and the others as soon as their
    /// reply finishes (for up to `[cluster] drain_timeout`): their tabs
    /// reconnect, and the nodes they reach resume the chats from the
    /// database, complete. A session ended at the deadline keeps what its
    /// reply had written, with a notice, like after a crash.
    pub(crate) async fn drain(&self, cluster: &Cluster) {
        self.draining
            .store(true, std::sync::atomic::Ordering::Release);
        let deadline = tokio::time::Instant::now() + cluster.drain_timeout();
        let mut tick = tokio::time::interval(Duration::from_millis(100));
        loop {
            tick.tick().await;
            let last_call = tokio::time::Instant::now() >= deadline;
            let done: Vec<Arc<Session>> = self
                .sessions()
                .values()
                .filter(|s| s.try_hand_over(last_call))
                .cloned()
                .collect();
            if !done.is_empty() {
                // Written before the other nodes may read them.
                for session in &done {
                    session.checkpoint(Checkpoint::All);
                }
                if let Some(persistence) = &self.persistence {
                    persistence.flush().await;
                }
                for session in &done {
                    self.end_session(&session.id);
                }
            }
            if self.session_count() == 0 {
                break;
            }
        }
        self.flush().await;
        cluster.flush().await;
        tracing::info!("drained: the other nodes have this node's chats");
    }

    /// True while a cluster node drains (see [`Runtime::drain`]).
    pub(crate) fn is_draining(&self) -> bool {
        self.draining.load(std::sync::atomic::Ordering::Acquire)
    }

    /// Hands a session to the other nodes (while draining, once
    /// [`Session::try_hand_over`] said so): written out, then ended here.
    pub(crate) async fn hand_over(&self, session: &Session) {
        session.checkpoint(Checkpoint::All);
        if let Some(persistence) = &self.persistence {
            persistence.flush().await;
        }
        self.end_session(&session.id);
    }

    /// Writes pending changes every [`CHECKPOINT_TICK`] while the runtime
    /// lives, and the text of streaming steps every `[project]
    /// checkpoint_seconds`.
    pub(crate) fn spawn_checkpointer(self: &Arc<Self>) {
        if self.persistence.is_none() {
            return;
        }
        let period = checkpoint_ticks(self.config.project.checkpoint_seconds);
        let runtime: Weak<Runtime> = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut interval = tokio::time::interval(CHECKPOINT_TICK);
            interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            for tick in 0u64.. {
                interval.tick().await;
                let Some(runtime) = runtime.upgrade() else {
                    break;
                };
                runtime.checkpoint_all(Checkpoint::Tick { tick, period });
            }
        });
    }

    /// Cuts every session's replay buffer to its share whenever one took
    /// the total over [`ReplayLimits::max_total_bytes`] (the one that did
    /// has cut itself already).
    pub(crate) fn spawn_replay_trimmer(self: &Arc<Self>) {
        let runtime: Weak<Runtime> = Arc::downgrade(self);
        let budget = self.replay.clone();
        tokio::spawn(async move {
            loop {
                budget.went_over().await;
                let Some(runtime) = runtime.upgrade() else {
                    break;
                };
                runtime.trim_replays();
            }
        });
    }

    pub(crate) fn trim_replays(&self) {
        let share = self.replay.share();
        for session in self.all_sessions() {
            session.trim_replay(share);
        }
        if let Some(cluster) = &self.cluster {
            cluster.trim_replays(share);
        }
    }

    /// Wakes every socket, here or following a session of another node
    /// (they find no new events, and see the heartbeat's count moved).
    fn wake_sockets(&self) {
        for session in self.all_sessions() {
            session.changes().bump();
        }
        if let Some(cluster) = &self.cluster {
            cluster.wake_sockets();
        }
    }

    /// Beats the sockets' heartbeat while the runtime lives.
    pub(crate) fn spawn_heartbeat(self: &Arc<Self>) {
        let period = self.limits.websocket.ping_interval;
        let runtime: Weak<Runtime> = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                let Some(runtime) = runtime.upgrade() else {
                    break;
                };
                runtime.heartbeat.fetch_add(1, Ordering::Release);
                runtime.wake_sockets();
            }
        });
    }

    /// Checks for expired sessions periodically while the runtime lives.
    pub(crate) fn spawn_sweeper(self: &Arc<Self>) {
        let soonest = self
            .config
            .project
            .session_timeout
            .min(self.limits.sessions.unused_timeout);
        let period = (soonest / 4).clamp(Duration::from_millis(100), Duration::from_secs(30));
        let runtime: Weak<Runtime> = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(period);
            loop {
                tick.tick().await;
                let Some(runtime) = runtime.upgrade() else {
                    break;
                };
                runtime.expire_idle();
            }
        });
    }
}
