//! The runtime: sessions, runs, the streaming endpoint and the replay buffer.

mod event_log;
pub(crate) mod hooks;
pub(crate) mod runner;
pub(crate) mod session;
pub(crate) mod socket;
mod thread;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Duration;

pub use event_log::ReplayLimits;
use hooks::Hooks;
use runner::RunRequest;
use session::Session;

use crate::config::Config;

/// Limits that protect the server from its clients.
#[derive(Clone, Copy, Debug)]
pub struct RuntimeLimits {
    /// Events kept per session for replay on reconnect.
    pub replay: ReplayLimits,
    /// Largest client frame accepted; larger ones are answered with an error.
    pub max_frame_bytes: usize,
}

impl Default for RuntimeLimits {
    fn default() -> Self {
        RuntimeLimits {
            replay: ReplayLimits::default(),
            max_frame_bytes: 1024 * 1024,
        }
    }
}

pub(crate) struct Runtime {
    pub(crate) hooks: Hooks,
    pub(crate) config: Arc<Config>,
    pub(crate) limits: RuntimeLimits,
    sessions: Mutex<HashMap<String, Arc<Session>>>,
}

impl Runtime {
    pub(crate) fn new(hooks: Hooks, config: Arc<Config>, limits: RuntimeLimits) -> Arc<Runtime> {
        Arc::new(Runtime {
            hooks,
            config,
            limits,
            sessions: Mutex::new(HashMap::new()),
        })
    }

    fn sessions(&self) -> MutexGuard<'_, HashMap<String, Arc<Session>>> {
        self.sessions.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Starts a new session and queues `on_chat_start`.
    pub(crate) fn create_session(self: &Arc<Self>) -> Arc<Session> {
        let id = uuid::Uuid::new_v4().to_string();
        let thread_id = uuid::Uuid::new_v4().to_string();
        let (session, queue) =
            Session::new(id.clone(), thread_id, self.clone(), self.limits.replay);
        tokio::spawn(runner::run_queue(Arc::downgrade(&session), queue));
        let _ = session.enqueue(RunRequest::ChatStart);
        self.sessions().insert(id, session.clone());
        session
    }

    pub(crate) fn session(&self, id: &str) -> Option<Arc<Session>> {
        self.sessions().get(id).cloned()
    }

    pub(crate) fn session_count(&self) -> usize {
        self.sessions().len()
    }

    /// Ends a session now: cancels its run and calls `on_chat_end`.
    pub(crate) fn end_session(&self, id: &str) {
        let Some(session) = self.sessions().remove(id) else {
            return;
        };
        session.close();
        if let Some(on_chat_end) = self.hooks.on_chat_end.clone() {
            let chat = crate::sdk::Chat::new(session);
            tokio::spawn(async move {
                if let Err(err) = on_chat_end(chat).await {
                    tracing::warn!(error = %err, "on_chat_end failed");
                }
            });
        }
    }

    /// Ends the sessions no browser has been attached to for `session_timeout`.
    pub(crate) fn expire_idle(&self) {
        let timeout = self.config.project.session_timeout;
        let expired: Vec<String> = self
            .sessions()
            .values()
            .filter(|s| s.detached_for().is_some_and(|d| d >= timeout))
            .map(|s| s.id.clone())
            .collect();
        for id in expired {
            tracing::debug!(session = %id, "session expired");
            self.end_session(&id);
        }
    }

    /// Checks for expired sessions periodically while the runtime lives.
    pub(crate) fn spawn_sweeper(self: &Arc<Self>) {
        let period = (self.config.project.session_timeout / 4)
            .clamp(Duration::from_millis(100), Duration::from_secs(30));
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
