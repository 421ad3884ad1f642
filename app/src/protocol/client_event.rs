use serde::{Deserialize, Serialize};

use super::AskAnswer;

/// What the browser sends. Every frame is one JSON object tagged by `type`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientEvent {
    /// First frame on every connection. With a live `session_id` (of the same
    /// thread, when `thread_id` is given too) the connection attaches to that
    /// session: if `last_seq` is given the server replays every event after
    /// it, otherwise (or when the gap is older than the replay buffer) it
    /// sends a snapshot. Otherwise, with `thread_id`, the thread is resumed
    /// from history (or the live session showing it is attached); with
    /// neither, a new chat starts.
    Hello {
        #[serde(default)]
        session_id: Option<String>,
        #[serde(default)]
        last_seq: Option<u64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        thread_id: Option<String>,
    },
    /// The user sends a message, with files uploaded for it (by id). Queued
    /// behind the active run, if any; while the app asks for text, it is
    /// the answer.
    Send {
        content: String,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        files: Vec<String>,
    },
    /// The user's feedback on an assistant message; `None` takes it back.
    Feedback {
        step_id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        feedback: Option<super::Feedback>,
    },
    /// The user answers the app's question `id`.
    Answer { id: String, answer: AskAnswer },
    /// Cancel the active run and discard queued messages.
    Stop,
    /// The user leaves this chat (new chat): the session ends now.
    EndChat,
    /// Replace the content of one of the user's earlier messages: everything
    /// after it is removed and the message is answered again.
    EditMessage { id: String, content: String },
    /// Answer the last user message again, replacing what came after it.
    Rerun,
    /// Remove the last user message and everything after it.
    Undo,
    /// Remove every message of the conversation.
    Clear,
    /// The user clicked one of a message's action buttons.
    ActionClicked { step_id: String, action_id: String },
    /// The user turned a reaction on a message on or off.
    React {
        step_id: String,
        reaction: String,
        active: bool,
    },
    /// A custom element replaced its own props.
    ElementPropsUpdated {
        id: String,
        props: serde_json::Value,
    },
    /// A custom element removed itself.
    ElementRemoveRequested { id: String },
    /// A custom element called the action callback `name` with `payload`.
    ElementAction {
        id: String,
        name: String,
        #[serde(default)]
        payload: serde_json::Value,
    },
}
