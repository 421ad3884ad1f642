//! [`RuntimeLimits`]: what one client, one session and the server as a
//! whole may hold at once, and how long they may take. Every number here
//! has a default that an app changes with [`crate::Loquat::limits`].

use std::num::NonZeroU32;
use std::time::Duration;

use super::ReplayLimits;
use crate::http::{BodyLimits, ConnectionLimits};

/// Limits that protect the server from its clients.
///
/// ```
/// use loquat::{Loquat, RuntimeLimits};
///
/// let mut limits = RuntimeLimits::default();
/// limits.sessions.max_per_client = 50;
/// limits.uploads.max_concurrent = 4;
/// let app = Loquat::new().limits(limits);
/// # let _ = app;
/// ```
#[derive(Clone, Copy, Debug)]
pub struct RuntimeLimits {
    /// Events kept per session for replay on reconnect.
    pub replay: ReplayLimits,
    /// Largest client frame accepted, which is also the WebSocket codec's
    /// limit: a larger frame closes the socket (status 1009) before it is
    /// buffered whole. The browser refuses to send one in the first place.
    pub max_frame_bytes: usize,
    /// Connections: header timeout, caps per client and in total.
    pub connections: ConnectionLimits,
    /// Request bodies: idle timeout and slowest rate.
    pub bodies: BodyLimits,
    /// Attached WebSockets: heartbeat and slow readers.
    pub websocket: WebSocketLimits,
    /// Live sessions: caps and how soon an unused one ends.
    pub sessions: SessionLimits,
    /// Uploads in flight and waiting to be sent.
    pub uploads: UploadLimits,
    /// Sign-in attempts per account and per client address.
    pub logins: crate::auth::LoginLimits,
}

impl Default for RuntimeLimits {
    fn default() -> Self {
        RuntimeLimits {
            replay: ReplayLimits::default(),
            max_frame_bytes: 1024 * 1024,
            connections: ConnectionLimits::default(),
            bodies: BodyLimits::default(),
            websocket: WebSocketLimits::default(),
            sessions: SessionLimits::default(),
            uploads: UploadLimits::default(),
            logins: crate::auth::LoginLimits::default(),
        }
    }
}

/// How an attached WebSocket is kept honest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WebSocketLimits {
    /// A ping is sent this often (browsers answer by themselves).
    pub ping_interval: Duration,
    /// A socket that sent nothing (not even a pong) for this long is
    /// closed; its session stays and a reconnect resumes it.
    pub idle_timeout: Duration,
    /// A frame the client does not take within this long (its receive
    /// window stays full) drops the connection instead of queueing more.
    pub send_timeout: Duration,
}

impl Default for WebSocketLimits {
    fn default() -> Self {
        WebSocketLimits {
            ping_interval: Duration::from_secs(20),
            idle_timeout: Duration::from_secs(60),
            send_timeout: Duration::from_secs(30),
        }
    }
}

/// Caps on live sessions. A new session over a cap is refused with an
/// error frame (`too_many_sessions`); reconnecting to an existing one is
/// never refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionLimits {
    /// Live sessions created from one client address (tabs, reloads that
    /// have not expired yet).
    pub max_per_client: usize,
    /// Live sessions of one user (with logins, across their addresses).
    pub max_per_user: usize,
    /// Live sessions in total.
    pub max_total: usize,
    /// A session whose thread never got a message ends this soon after its
    /// last tab goes (instead of `[project] session_timeout`): a reload or
    /// a script opening sockets leaves nothing behind for long.
    pub unused_timeout: Duration,
    /// Runs (messages, action callbacks) waiting behind the active one;
    /// more are refused with `rate_limited`.
    pub max_queued_runs: usize,
    /// Clicks, reactions and element updates per second, on average…
    pub interactions_per_second: u32,
    /// …and at once, after a quiet spell.
    pub interaction_burst: u32,
    /// Text a session's thread may hold in memory (messages and step
    /// outputs); past it the user's messages are refused with
    /// `thread_full` and a new chat is suggested.
    pub max_thread_bytes: usize,
}

impl SessionLimits {
    pub(crate) fn interaction_quota(&self) -> governor::Quota {
        let rate = NonZeroU32::new(self.interactions_per_second).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(self.interaction_burst).unwrap_or(rate);
        governor::Quota::per_second(rate).allow_burst(burst)
    }
}

impl Default for SessionLimits {
    fn default() -> Self {
        SessionLimits {
            max_per_client: 100,
            max_per_user: 200,
            max_total: 10_000,
            unused_timeout: Duration::from_secs(30),
            max_queued_runs: 32,
            interactions_per_second: 20,
            interaction_burst: 40,
            max_thread_bytes: 32 * 1024 * 1024,
        }
    }
}

/// Caps on uploads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UploadLimits {
    /// Uploads streaming in at once, in total; more get 503.
    pub max_concurrent: usize,
    /// Uploads streaming in at once for one session; more get 429.
    pub max_concurrent_per_session: usize,
    /// Files waiting in one session to be sent with a message or answer.
    pub max_pending_files: usize,
    /// Bytes of those waiting files together.
    pub max_pending_bytes: u64,
}

impl Default for UploadLimits {
    fn default() -> Self {
        UploadLimits {
            max_concurrent: 16,
            max_concurrent_per_session: 4,
            max_pending_files: 100,
            max_pending_bytes: 1024 * 1024 * 1024,
        }
    }
}
