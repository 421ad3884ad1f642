//! The session a tab is attached to, as its transport sees it: one of
//! this server's ([`Session`]) or, in a cluster, a copy of one running on
//! another node ([`RemoteSession`]). Both replay, snapshot and notify the
//! same way; what the tab does goes to the session either way.

use std::sync::Arc;

use loquat_app::protocol::ClientEvent;

use super::changes::Changes;
use super::session::{Session, Snapshot};
use super::{Handled, Refusal, Since};
use crate::cluster::remote::RemoteSession;
use crate::ids::SessionId;

pub(crate) enum Live {
    Local(Arc<Session>),
    Remote(Arc<RemoteSession>),
}

impl Live {
    pub(crate) fn id(&self) -> &SessionId {
        match self {
            Live::Local(s) => &s.id,
            Live::Remote(s) => &s.id,
        }
    }

    pub(crate) fn thread_id(&self) -> String {
        match self {
            Live::Local(s) => s.thread_id(),
            Live::Remote(s) => s.thread_id(),
        }
    }

    pub(crate) fn last_seq(&self) -> u64 {
        match self {
            Live::Local(s) => s.last_seq(),
            Live::Remote(s) => s.last_seq(),
        }
    }

    pub(crate) fn events_since(&self, cursor: u64, max: usize) -> Since {
        match self {
            Live::Local(s) => s.events_since(cursor, max),
            Live::Remote(s) => s.events_since(cursor, max),
        }
    }

    pub(crate) fn snapshot(&self) -> Snapshot {
        match self {
            Live::Local(s) => s.snapshot(),
            Live::Remote(s) => s.snapshot(),
        }
    }

    pub(crate) fn changes(&self) -> &Changes {
        match self {
            Live::Local(s) => s.changes(),
            Live::Remote(s) => s.changes(),
        }
    }

    /// A tab shows the session (it does not expire meanwhile). A copy
    /// lives exactly as long as its tabs hold it, and keeps the session
    /// on its node alive by touching it (see `cluster::remote`).
    pub(crate) fn attach(&self) {
        if let Live::Local(s) = self {
            s.attach();
        }
    }

    pub(crate) fn detach(&self) {
        if let Live::Local(s) = self {
            s.detach();
        }
    }

    pub(crate) fn is_closed(&self) -> bool {
        match self {
            Live::Local(s) => s.is_closed(),
            Live::Remote(s) => s.is_closed(),
        }
    }

    /// Opens the microphone's stream: only to a session of this server
    /// (audio chunks are not relayed between nodes).
    pub(crate) async fn start_audio(
        &self,
        sample_rate: u32,
    ) -> Result<super::audio::AudioInput, Refusal> {
        match self {
            Live::Local(s) => s.start_audio(sample_rate).await,
            Live::Remote(_) => Err(Refusal::new(
                loquat_app::protocol::ErrorCode::AudioStopped,
                "this chat runs on another server, which takes no audio from here; reload the page",
            )),
        }
    }

    pub(crate) async fn handle(&self, event: ClientEvent) -> Result<Handled, Refusal> {
        match self {
            Live::Local(s) => s.handle(event).await,
            Live::Remote(s) => s.handle(event).await,
        }
    }
}
