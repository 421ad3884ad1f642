//! Errors of the SDK and runtime.

/// The error type hooks return. Anything that implements `std::error::Error`
/// (and `anyhow::Error`) converts into it with `?`.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// What a hook returns.
pub type HookResult = Result<(), BoxError>;

/// Errors of SDK operations on a chat.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ChatError {
    /// The session ended (expired, or the user left the chat).
    #[error("the chat session has ended")]
    SessionClosed,
    /// The step or message is not (or no longer) in the thread.
    #[error("step `{0}` does not exist in this thread")]
    UnknownStep(String),
    /// The element is not (or no longer) in the thread.
    #[error("element `{0}` does not exist in this thread")]
    UnknownElement(String),
    /// An element could not be built: unreadable file, refused URL, …
    #[error("invalid element `{name}`: {reason}")]
    InvalidElement { name: String, reason: String },
    /// Storing an element's content failed (the server logged why).
    #[error("could not store the content of element `{0}`")]
    Storage(String),
    /// Nobody answered a question in time (with `error_on_timeout`).
    #[error("the question was not answered in time")]
    AskTimeout,
    /// The action is not (or no longer) on the message.
    #[error("action `{0}` does not exist")]
    UnknownAction(String),
    /// Too many runs are waiting in the session's queue (see
    /// [`crate::SessionLimits::max_queued_runs`]).
    #[error("too many requests are waiting in this chat")]
    QueueFull,
    /// A settings form or a question's form does not hold together (an
    /// empty or repeated id, an initial value that does not fit its input).
    #[error("invalid form: {0}")]
    InvalidForm(String),
    /// A command id is empty, too long, or used twice.
    #[error("invalid commands: {0}")]
    InvalidCommands(String),
    /// The settings' values do not read as the type asked for.
    #[error("the chat settings do not read as asked: {0}")]
    SettingsType(String),
    /// A value to send does not serialize to JSON.
    #[error("the value is not JSON: {0}")]
    NotJson(String),
    /// The embedding page could not answer a function call (`chat.call_fn`):
    /// the page has no handler for it, the handler failed, or the chat is
    /// not in a page that answers function calls.
    #[error("the page's function call failed: {0}")]
    CallFn(String),
    /// The embedding page did not answer a function call in time.
    #[error("the page did not answer the function call `{0}` in time")]
    CallFnTimeout(String),
    /// Audio to stream is not what it must be (see
    /// [`crate::Chat::stream_audio`]).
    #[error("invalid audio: {0}")]
    InvalidAudio(String),
}

/// Errors that stop the server from starting or serving.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("configuration error: {0}")]
    Config(#[from] crate::config::ConfigError),
    #[error("cannot create data directory {path}: {source}")]
    DataDir {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
    #[error("server error: {0}")]
    Io(#[from] std::io::Error),
    #[error("cannot set up persistence: {0}")]
    Data(#[from] crate::data::DataError),
    #[error("no browser bundle to serve: {0}")]
    Site(#[from] crate::site::SiteError),
    #[error("the app's look: {0}")]
    Branding(#[from] crate::site::branding::BrandingError),
    #[error("the translations: {0}")]
    Translations(#[from] crate::i18n::I18nError),
    #[error("the translations have problems:\n{0}")]
    TranslationsLint(String),
    #[error("who may use the app: {0}")]
    Policy(#[from] crate::http::PolicyError),
    #[error("cannot create the app: {0}")]
    Starter(#[from] crate::starter::StarterError),
    #[error("{0}")]
    Users(#[from] crate::auth::UsersError),
    #[error("{0}")]
    ImportChainlit(#[from] crate::data::chainlit_import::ChainlitImportError),
    #[error("cannot set up logins: {0}")]
    Auth(#[from] crate::auth::AuthSetupError),
    #[error("cannot set up file storage: {0}")]
    Files(#[from] crate::files::FileError),
    #[error("cannot join the cluster: {0}")]
    Cluster(#[from] crate::cluster::ClusterError),
}

/// The first error of type `T` in `err`'s chain of causes (`err` itself
/// included): how the body pace, the WebSocket codec and others find their
/// own error inside the one a library wraps it in.
pub(crate) fn find_cause<'a, T: std::error::Error + 'static>(
    err: &'a (dyn std::error::Error + 'static),
) -> Option<&'a T> {
    std::iter::successors(Some(err), |e| e.source()).find_map(|e| e.downcast_ref::<T>())
}

/// Renders an error for the chat: the message alone, or with its whole
/// chain of causes when `debug` is on.
pub(crate) fn describe(err: &(dyn std::error::Error + 'static), debug: bool) -> String {
    let mut text = err.to_string();
    if debug {
        let mut source = err.source();
        while let Some(cause) = source {
            text.push_str("\n\nCaused by: ");
            text.push_str(&cause.to_string());
            source = cause.source();
        }
    }
    text
}
