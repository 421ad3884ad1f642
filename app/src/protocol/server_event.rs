use serde::{Deserialize, Serialize};

#[cfg(target_arch = "wasm32")]
use super::tag_first::tagged_object;

use super::{
    Ask, ChatProfile, ChatSettings, Command, Cot, Element, FileRules, Millis, SettingsLocation,
    Starter, Step, ThreadSummary,
};

/// A server event with its per-session sequence number. `seq` is 0 for
/// connection-level events (`ready`, `error`) that are not part of the
/// session's history and never replayed. Every frame the server sends is a
/// JSON array of envelopes, in order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Envelope {
    pub seq: u64,
    pub event: ServerEvent,
}

/// How a run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunOutcome {
    Completed,
    Stopped,
    Failed,
}

/// Why the server refused something.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The frame was not a valid client event.
    MalformedFrame,
    /// The frame exceeded the size limit.
    FrameTooLarge,
    /// A frame other than `hello` arrived before `hello`.
    NotReady,
    /// The message was empty.
    EmptyMessage,
    /// The session asked for no longer exists; a new one was started.
    SessionExpired,
    /// Binary frames are not part of the protocol.
    UnsupportedFrame,
    /// The thread does not exist or belongs to someone else.
    ThreadNotFound,
    /// The operation is turned off in the configuration.
    FeatureDisabled,
    /// The message or step named does not exist (or cannot be used so).
    UnknownStep,
    /// Persistence failed; the server logged why.
    Storage,
    /// The action clicked no longer exists or has no callback.
    UnknownAction,
    /// The element named does not exist in this thread (or cannot be
    /// changed from the browser).
    UnknownElement,
    /// No question with that id is waiting, or the answer does not fit it.
    InvalidAnswer,
    /// A new session was refused: this client, user or server is at its
    /// cap of live sessions (close other tabs, or wait for them to end).
    TooManySessions,
    /// Too many clicks, reactions or element updates in a short time; this
    /// one was dropped.
    RateLimited,
    /// The conversation reached its size limit; a new chat is needed.
    ThreadFull,
    /// The settings saved do not fit the chat's settings (an unknown
    /// input, or a value out of range or not one of the options); nothing
    /// was changed.
    InvalidSettings,
    /// The microphone's stream was refused or ended by the server (the
    /// app declined it, it ran over a limit, or the app fell behind): the
    /// browser stops recording. The message says why.
    AudioStopped,
    /// An `mcp_add` or `mcp_remove` was refused (the message says why);
    /// nothing changed.
    McpRefused,
}

/// The UI settings the browser needs, sent with `ready`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
pub struct UiConfig {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Which intermediate steps to show.
    #[serde(default)]
    pub cot: Cot,
    pub default_collapse_content: bool,
    pub unsafe_allow_html: bool,
    /// `$…$` and `$$…$$` are rendered as math.
    #[serde(default, skip_serializing_if = "is_false")]
    pub latex: bool,
    /// Conversations are persisted: show the history sidebar.
    #[serde(default)]
    pub history: bool,
    /// Users may edit their earlier messages.
    #[serde(default)]
    pub edit_message: bool,
    /// Reactions users can toggle on messages.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reactions: Vec<String>,
    /// What users may attach to messages; `None` when attaching is off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uploads: Option<FileRules>,
    /// Largest frame the server takes; the browser refuses to send a
    /// larger one (the server would close the socket on it).
    #[serde(default = "default_max_frame_bytes")]
    pub max_frame_bytes: usize,
    /// Thumbs up/down under assistant messages.
    #[serde(default, skip_serializing_if = "is_false")]
    pub feedback: bool,
    /// Keys the user is asked values for (`[project] user_env`), kept in
    /// the browser and sent with `hello`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub user_env: Vec<String>,
    /// Users may make read-only share links to their threads.
    #[serde(default, skip_serializing_if = "is_false")]
    pub sharing: bool,
    /// Reasons offered with feedback.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub feedback_reasons: Vec<String>,
    /// Who is signed in, when the app has logins: the header shows them
    /// with a sign-out button.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<SignedInUser>,
    /// Where the chat settings open from.
    #[serde(default)]
    pub settings_location: SettingsLocation,
    /// Suggestions for the empty chat, for this user.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub starters: Vec<Starter>,
    /// The chat profiles offered to this user (none: no picker).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub profiles: Vec<ChatProfile>,
    /// The profile this page was rendered with (its overrides applied).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// The app's logo, avatars and layout.
    #[serde(default)]
    pub branding: crate::branding::Branding,
    /// How the feed and the composer look (`[UI]`).
    #[serde(default)]
    pub interface: Interface,
    /// The interface's strings in this page's language.
    #[serde(default)]
    pub translations: crate::i18n::Translations,
    /// Where the app is served from (`[project] root_path`): every address
    /// the browser uses starts with it.
    #[serde(default, skip_serializing_if = "crate::root_path::RootPath::is_root")]
    pub root: crate::root_path::RootPath,
    /// Origins of the pages that may embed the app and exchange window
    /// messages with it (`[project] window_message_origins`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub window_origins: Vec<String>,
    /// A page signed in without a cookie (in a frame of another site): the
    /// tokens it sends itself (see `crate::access`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access: Option<PageAccess>,
    /// Shown in the copilot widget (`?copilot=1`): no history sidebar, no
    /// sign-out (the host page is in charge), and the page tells the widget
    /// when it is ready and which thread it shows.
    #[serde(default, skip_serializing_if = "is_false")]
    pub copilot: bool,
    /// The theme the page's address asks for (`?theme=`), until the user
    /// picks one; else `[UI] default_theme`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub theme: Option<String>,
    /// The microphone button and the audio it sends (`[features.audio]`,
    /// shown when the app takes audio); `None`: no button.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audio: Option<super::AudioSettings>,
    /// Set when `[features.mcp] user_servers` lets users add MCP servers:
    /// the composer then shows the MCP button.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mcp: Option<super::McpUi>,
}

/// The tokens of a page signed in without a cookie.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageAccess {
    /// The session token: on requests and the WebSocket.
    pub token: String,
    /// Reads the user's elements and exports: on the addresses the browser
    /// loads by itself (images, media, links).
    pub media: String,
    /// The app address the page was rendered for (the browser shows the
    /// sign-in form's address until the page replaces it with this).
    pub path: String,
}

impl std::fmt::Debug for PageAccess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PageAccess(…)")
    }
}

/// How the feed and the composer look: which parts of a message show,
/// which conversation buttons, the composer's placeholder.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Interface {
    pub expand_steps: bool,
    pub placeholder: String,
    pub buttons: Vec<ConversationButton>,
    pub avatars: bool,
    pub authors: bool,
    pub timestamps: bool,
    /// strftime-style (`%H:%M`).
    pub timestamp_format: String,
}

impl Default for Interface {
    fn default() -> Self {
        Interface {
            expand_steps: false,
            placeholder: "Message…".into(),
            buttons: ConversationButton::ALL.to_vec(),
            avatars: true,
            authors: true,
            timestamps: true,
            timestamp_format: "%H:%M".into(),
        }
    }
}

/// A conversation button of the composer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ConversationButton {
    /// Answer the last message again.
    Rerun,
    /// Take the last message and its answer back.
    Undo,
    /// Remove every message.
    Clear,
}

impl ConversationButton {
    pub const ALL: [ConversationButton; 3] = [
        ConversationButton::Rerun,
        ConversationButton::Undo,
        ConversationButton::Clear,
    ];
}

/// The signed-in user as the page shows them (nothing of their metadata
/// but the avatar).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct SignedInUser {
    pub identifier: String,
    /// The display name, else the identifier.
    pub name: String,
    /// Avatar URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// The server's default frame limit (1 MiB).
pub const DEFAULT_MAX_FRAME_BYTES: usize = 1024 * 1024;

fn default_max_frame_bytes() -> usize {
    DEFAULT_MAX_FRAME_BYTES
}

/// What the server sends: on the wire, one JSON object whose first key,
/// `type`, names the event (`{"type":"step_delta","id":"…","delta":"…"}`);
/// the browser reads it in one pass (`protocol/tag_first.rs`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", serde(remote = "Self"))]
#[cfg_attr(not(target_arch = "wasm32"), serde(tag = "type"))]
#[serde(rename_all = "snake_case")]
pub enum ServerEvent {
    /// More steps of the snapshot just sent (unsequenced), appended after
    /// the ones already applied.
    SnapshotMore { steps: Vec<Step> },
    /// Answer to `hello` (unsequenced): the session the connection is
    /// attached to and the last sequence number it has emitted so far.
    Ready {
        session_id: String,
        thread_id: String,
        last_seq: u64,
    },
    /// The current thread; replaces the client's state. Sent when no
    /// `last_seq` was given or it is older than the replay buffer. Its `seq`
    /// is the last event it includes. A long thread's steps come in pages:
    /// this event has the first, `snapshot_more` events (unsequenced, in
    /// the frames right after it) the rest, in thread order.
    Snapshot {
        thread_id: String,
        steps: Vec<Step>,
        /// The thread's elements, in the order they were created.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        elements: Vec<Element>,
        /// What the side panel shows, when the app opened it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        side_panel: Option<SidePanel>,
        /// The question the app is waiting on, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ask: Option<Ask>,
        /// The chat's settings, when the app declared some.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        settings: Option<ChatSettings>,
        /// The commands the user can pick.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        commands: Vec<Command>,
        /// The chat's MCP servers, when users may add their own.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        mcp_servers: Vec<super::McpServerState>,
        /// True while a run is active.
        running: bool,
    },
    /// A new step (or message).
    StepCreated { step: Step },
    /// Text appended to a streaming step's output (or input when `input`).
    StepDelta {
        id: String,
        delta: String,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        input: bool,
    },
    /// The step's new full state (not sent per token).
    StepUpdated { step: Step },
    /// The step and its children are gone (with their elements).
    StepRemoved { id: String },
    /// A new element, or an element's new full state.
    ElementSet { element: Element },
    /// The element is gone.
    ElementRemoved { id: String },
    /// The app set what the side panel shows; `None` closes it.
    SidePanelSet { panel: Option<SidePanel> },
    /// The chat's settings: declared or changed by the app, or saved by
    /// the user (every tab shows the new values); `None` removes them.
    SettingsSet { settings: Option<ChatSettings> },
    /// The commands the user can pick now (replacing the earlier ones).
    CommandsSet { commands: Vec<Command> },
    /// The chat's MCP servers (the operator's and the user's) and where
    /// each stands, replacing the earlier list; sent when one changes,
    /// only when `[features.mcp] user_servers` is on.
    McpServers { servers: Vec<super::McpServerState> },
    /// The app asks the user something and waits for the answer.
    AskStarted { ask: Ask },
    /// The question was answered, timed out or was cancelled.
    AskEnded { id: String },
    /// The thread was saved to history for the first time, a new user
    /// message made it the most recent, or (`renamed`) a hook gave it a new
    /// name, which the history then shows instead of the one it lists.
    ThreadUpdated {
        thread: ThreadSummary,
        #[serde(default, skip_serializing_if = "is_false")]
        renamed: bool,
    },
    /// A hook invocation began.
    RunStarted { run_id: String, at: Millis },
    /// The hook invocation ended.
    RunEnded { run_id: String, outcome: RunOutcome },
    /// A refusal concerning this connection (unsequenced).
    Error { code: ErrorCode, message: String },
    /// The app posts `value` to the page that embeds it
    /// (`chat.send_window_message`), if that page is of one of `[project]
    /// window_message_origins`.
    WindowMessage { value: serde_json::Value },
    /// The app calls function `name` of the page that embeds it
    /// (`chat.call_fn`): the page answers with a `call_fn_result` of `id`.
    CallFn {
        id: String,
        name: String,
        #[serde(default)]
        args: serde_json::Value,
    },
    /// Audio the app speaks (`chat.stream_audio`): `data` is base64 of
    /// PCM16 mono at `sample_rate`, the next piece of stream `stream`. The
    /// browser plays the pieces back to back as they come. Not kept in
    /// the thread.
    AudioOutput {
        stream: String,
        sample_rate: u32,
        data: String,
    },
    /// Stream `stream` has no more audio.
    AudioOutputEnd { stream: String },
    /// The formulas this connection asked for with `render_math`, as
    /// markup (unsequenced).
    MathRendered { formulas: Vec<super::RenderedMath> },
}

#[cfg(target_arch = "wasm32")]
tagged_object!(ServerEvent, "type");

/// The side panel's content as the app set it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
pub struct SidePanel {
    pub title: String,
    pub elements: Vec<Element>,
}
