use serde::{Deserialize, Serialize};

/// What the browser sends. Every frame is one JSON object tagged by `type`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientEvent {
    /// First frame on every connection. Without `session_id` a new session
    /// starts. With it, the connection attaches to that session: if
    /// `last_seq` is given the server replays every event after it, otherwise
    /// (or when the gap is older than the replay buffer) it sends a snapshot.
    Hello {
        #[serde(default)]
        session_id: Option<String>,
        #[serde(default)]
        last_seq: Option<u64>,
    },
    /// The user sends a message. Queued behind the active run, if any.
    Send { content: String },
    /// Cancel the active run and discard queued messages.
    Stop,
    /// The user leaves this chat (new chat): the session ends now.
    EndChat,
}
