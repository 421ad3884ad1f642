//! # Loquat
//!
//! Build conversational-AI web apps in Rust: write async hooks, get a
//! complete chat app in the browser with token streaming, nested steps and
//! markdown.
//!
//! ```no_run
//! use loquat::{Chat, Loquat, Message};
//!
//! #[tokio::main]
//! async fn main() -> Result<(), loquat::ServeError> {
//!     Loquat::new()
//!         .on_message(|chat: Chat, msg: Message| async move {
//!             chat.send(Message::assistant(format!("Received: {}", msg.content))).await?;
//!             Ok(())
//!         })
//!         .serve()
//!         .await
//! }
//! ```
// Leptos views nest deep types; the server renders them all.
#![recursion_limit = "256"]

pub mod auth;
pub mod cli;
mod cluster;
pub mod config;
pub mod data;
pub mod demo;
mod error;
pub mod files;
mod http;
pub mod i18n;
mod ids;
mod lazy_json_map;
pub mod llm;
mod mcp;
mod runtime;
mod sdk;
pub mod site;
pub mod starter;
mod time;

pub use auth::User;
pub use cli::ServeOptions;
pub use cluster::ClusterError;
pub use error::{BoxError, ChatError, HookResult, ServeError};
pub use http::{BodyLimits, ConnectionLimits, PolicyError};
pub use i18n::{lint_translations, I18nError, LintReport};
pub use ids::{ElementId, MalformedId, SessionId, ThreadId, UserId};
pub use loquat_app::protocol;
pub use loquat_app::protocol::{
    Action, ChatProfile, Choice, Command, Display, ElementKind, ElementSize, FormInput, FormRule,
    ShowInput, Starter, Step, StepType, Task, TaskStatus,
};
pub use loquat_app::root_path::{RootPath, RootPathError};
pub use mcp::{McpAddError, McpConfigError, McpConnection, McpError, McpTool, McpToolResult};
pub use runtime::{ReplayLimits, RuntimeLimits, SessionLimits, UploadLimits, WebSocketLimits};
pub use sdk::{
    ActionCall, AskAction, AskFile, AskForm, AskText, AudioChunk, AudioStream, CallFn, Chat,
    ChatSettings, CsvError, Element, ElementHandle, Embedded, Input, Loquat, Message,
    MessageHandle, MessageKind, SerializeOptions, Server, SettingsValues, StepBuilder, StepHandle,
    Table, TaskList, UploadedFile, UserSession, DATABASE_FILE, DEFAULT_ASK_TIMEOUT,
    DEFAULT_CALL_FN_TIMEOUT, FILES_DIR,
};

/// JSON for element props, metadata and payloads: `loquat::json!({ … })`
/// without a dependency of the app's own.
pub use serde_json::{self, json};

/// The kind of a step (alias of [`StepType`]).
pub type StepKind = StepType;

/// Logs to stderr, filtered by `LOQUAT_LOG` (default `info`). Safe to call twice.
pub fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("LOQUAT_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
