//! Every name the nodes agree on: the stream, the bucket, subjects, keys
//! and headers. Ids that appear in them are already subject-safe
//! (session ids are hex tokens; thread ids and node names are letters,
//! digits, `-` and `_`).

use crate::ids::{SessionId, ThreadId};

/// The JetStream stream holding every session's events.
pub(super) const EVENTS_STREAM: &str = "LOQUAT_EVENTS";
/// The subjects it captures: `loquat.events.<session id>`.
pub(super) const EVENTS_SUBJECTS: &str = "loquat.events.*";
/// The key-value bucket mapping sessions and threads to their node.
pub(super) const DIRECTORY_BUCKET: &str = "loquat_directory";

/// Header of an event message: what it carries.
pub(super) const KIND_HEADER: &str = "Loquat-Kind";
/// Header of an event message: the sequence number of its first event
/// (of a batch), or the session's last one (of a reset or an end).
pub(super) const SEQ_HEADER: &str = "Loquat-Seq";
/// Header of a part of a reply cut in parts: "<index>/<count>".
pub(super) const PART_HEADER: &str = "Loquat-Part";

/// The subject a session's events are published on.
pub(super) fn events(session: &SessionId) -> String {
    format!("loquat.events.{session}")
}

/// The subject a node answers `verb` requests on.
pub(super) fn node(node: &str, verb: &str) -> String {
    format!("loquat.node.{node}.{verb}")
}

/// Everything a node answers.
pub(super) fn node_all(node: &str) -> String {
    format!("loquat.node.{node}.*")
}

/// Directory key of a session.
pub(super) fn session_key(session: &SessionId) -> String {
    format!("session.{session}")
}

/// Directory key of a thread.
pub(super) fn thread_key(thread: &ThreadId) -> String {
    format!("thread.{thread}")
}
