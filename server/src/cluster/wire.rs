//! What nodes say to each other: the directory's values and the bodies
//! of requests and replies, as JSON. Nodes of one cluster run the same
//! build, so these change freely between releases (a rolling upgrade
//! drains each node, see `Runtime::drain`).

use loquat_app::protocol::{ClientEvent, ErrorCode, FileRules};
use serde::{Deserialize, Serialize};

/// Where a live session runs: the directory's value under both its
/// session key and its thread key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Placement {
    pub(crate) node: String,
    pub(crate) session: String,
    pub(crate) thread: String,
    /// The user it belongs to: a node never attaches another user's tab.
    pub(crate) user: String,
}

impl Placement {
    /// The session it names, as requests about it name it.
    pub(super) fn session_ref(&self) -> SessionRef {
        SessionRef {
            session: self.session.clone(),
            user: self.user.clone(),
        }
    }
}

/// A tab's event, forwarded to the node running its session. The user is
/// the one the forwarding node's identity extractor found.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct Command {
    pub(super) session: String,
    pub(super) user: String,
    pub(super) event: ClientEvent,
}

/// What became of a forwarded event.
#[derive(Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(super) enum CommandReply {
    Continue,
    End,
    Refused {
        code: ErrorCode,
        message: String,
    },
    /// The session is not (or no longer) on that node.
    Gone,
}

/// Names a session of a user: the body of `snapshot` and `touch`.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct SessionRef {
    pub(super) session: String,
    pub(super) user: String,
}

/// The answer to `touch`.
#[derive(Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(super) enum TouchReply {
    Live,
    Gone,
}

/// A file about to be uploaded through another node: the body of
/// `upload_plan`.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct UploadPlan {
    pub(super) session: String,
    pub(super) user: String,
    /// The question it answers; `None` for a spontaneous upload.
    pub(super) ask: Option<String>,
}

/// The answer to `upload_plan`.
#[derive(Debug, Serialize, Deserialize)]
pub(super) enum UploadPlanReply {
    /// Which files the session takes now, and how many bytes it can still
    /// keep waiting.
    Ready {
        rules: FileRules,
        room: u64,
    },
    /// Refused as the session's own node would refuse it (HTTP status).
    Refused {
        status: u16,
        message: String,
    },
    Gone,
}

/// A file stored through another node, for the session to keep: the
/// body of `upload_add`.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct UploadAdd {
    pub(super) session: String,
    pub(super) user: String,
    pub(super) upload: crate::runtime::session::Upload,
}

/// The answer to `upload_add`.
#[derive(Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(super) enum UploadAddReply {
    Kept,
    /// The session has no room left for it (it was not kept).
    Full,
    Gone,
}

/// What an event message of the stream carries (its `Loquat-Kind`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum EventKind {
    /// A JSON array of envelopes, numbered from `Loquat-Seq` on.
    Batch,
    /// Events up to `Loquat-Seq` were not published (too large, or the
    /// publisher fell behind the session's buffer): take a snapshot.
    Reset,
    /// The session ended on its node after event `Loquat-Seq`.
    Closed,
}

impl EventKind {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            EventKind::Batch => "batch",
            EventKind::Reset => "reset",
            EventKind::Closed => "closed",
        }
    }

    pub(super) fn parse(text: &str) -> Option<EventKind> {
        match text {
            "batch" => Some(EventKind::Batch),
            "reset" => Some(EventKind::Reset),
            "closed" => Some(EventKind::Closed),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_kinds_read_back() {
        for kind in [EventKind::Batch, EventKind::Reset, EventKind::Closed] {
            assert_eq!(EventKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(EventKind::parse("other"), None);
    }
}
