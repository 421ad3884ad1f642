use serde::{Deserialize, Serialize};

use super::{AskAnswer, McpHeaders};

/// Values the user gives for the app's `[project] user_env` keys (API
/// keys, say). `Debug` shows the keys only, never the values.
///
/// ```
/// use loquat_app::protocol::UserEnv;
///
/// let env = UserEnv::from([("OPENAI_API_KEY".to_string(), "sk-secret".to_string())]);
/// assert_eq!(format!("{env:?}"), r#"UserEnv(["OPENAI_API_KEY"])"#);
/// ```
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UserEnv(pub std::collections::BTreeMap<String, String>);

impl UserEnv {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<const N: usize> From<[(String, String); N]> for UserEnv {
    fn from(pairs: [(String, String); N]) -> Self {
        UserEnv(pairs.into_iter().collect())
    }
}

impl std::fmt::Debug for UserEnv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("UserEnv")
            .field(&self.0.keys().collect::<Vec<_>>())
            .finish()
    }
}

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
        /// The user's values of the app's `[project] user_env` keys (kept in
        /// the browser only; the server holds them in memory for the session).
        #[serde(default, skip_serializing_if = "UserEnv::is_empty")]
        user_env: UserEnv,
        /// The chat profile a new chat starts with (the server checks that
        /// the user is offered it, else the default one is used).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        chat_profile: Option<String>,
    },
    /// The user sends a message, with files uploaded for it (by id). Queued
    /// behind the active run, if any; while the app asks for text, it is
    /// the answer.
    Send {
        content: String,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        files: Vec<String>,
        /// The command the user picked for it (`/` menu, button or starter).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        command: Option<String>,
    },
    /// The user's feedback on an assistant message; `None` takes it back.
    Feedback {
        step_id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        feedback: Option<super::Feedback>,
    },
    /// The user saved the chat settings: the values changed, by input id
    /// (inputs left out keep theirs). Refused as a whole when one does not
    /// fit; else the app's `on_settings_update` runs with all of them.
    UpdateSettings {
        values: serde_json::Map<String, serde_json::Value>,
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
    /// The page that embeds the app (one of `[project]
    /// window_message_origins`) posted `value` to it, for the app's
    /// `on_window_message`.
    WindowMessage { value: serde_json::Value },
    /// The embedding page's answer to the app's `call_fn` `id`.
    CallFnResult { id: String, result: CallFnResult },
    /// The user turned the microphone on: the binary frames that follow,
    /// until `audio_end`, are its PCM16 mono audio at `sample_rate` (which
    /// must be the page's `[features.audio] sample_rate`). Refused when
    /// audio is off, a stream is already open, or the app's
    /// `on_audio_start` says no; then the browser stops recording.
    AudioStart { sample_rate: u32 },
    /// The user turned the microphone off: the app's `on_audio_end` runs
    /// once every chunk has reached `on_audio_chunk`.
    AudioEnd,
    /// The user adds an MCP server of their own (streamable HTTP) to the
    /// chat: checked by the server (name, URL host allowlist, limits),
    /// then connected at once; `mcp_servers` shows how it went. Adding a
    /// server the chat already has, with the same URL and headers, changes
    /// nothing (the browser re-sends its list on every connection).
    McpAdd {
        name: String,
        url: String,
        #[serde(default, skip_serializing_if = "McpHeaders::is_empty")]
        headers: McpHeaders,
    },
    /// The user removes one of their MCP servers from the chat.
    McpRemove { name: String },
    /// The page met these formulas (`[features] latex`): the server answers
    /// this connection with `math_rendered`. At most
    /// [`super::MAX_MATH_PER_REQUEST`], each at most
    /// [`super::MAX_MATH_TEX_BYTES`].
    RenderMath { formulas: Vec<super::MathSource> },
}

/// What the embedding page answered to a function call: its value, or why
/// it could not (no handler, the handler threw or rejected).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallFnResult {
    Ok(serde_json::Value),
    Error(String),
}

/// Longest reason a page's failed function call may give, in bytes.
pub const MAX_CALL_FN_ERROR_BYTES: usize = 1024;
