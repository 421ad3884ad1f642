//! The developer's hooks, type-erased so the runtime can store them.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use loquat_app::protocol::{ChatProfile, Starter};

use crate::data::{FeedbackRecord, ThreadRecord};
use crate::error::HookResult;
use crate::sdk::{ActionCall, Chat, Message, SettingsValues};

pub(crate) type HookFuture = Pin<Box<dyn Future<Output = HookResult> + Send + 'static>>;
pub(crate) type ChatHook = Arc<dyn Fn(Chat) -> HookFuture + Send + Sync>;
/// A hook called with the chat and one value.
pub(crate) type ChatWith<T> = Arc<dyn Fn(Chat, T) -> HookFuture + Send + Sync>;
pub(crate) type MessageHook = ChatWith<Message>;
pub(crate) type ActionHook = ChatWith<ActionCall>;
pub(crate) type FeedbackHook = ChatWith<FeedbackRecord>;
pub(crate) type SettingsHook = ChatWith<SettingsValues>;
pub(crate) type WindowMessageHook = ChatWith<serde_json::Value>;
/// `on_audio_start`: may the user record now?
pub(crate) type AudioStartHook = Arc<
    dyn Fn(Chat) -> Pin<Box<dyn Future<Output = Result<bool, crate::BoxError>> + Send>>
        + Send
        + Sync,
>;
pub(crate) type AudioChunkHook = ChatWith<crate::sdk::AudioChunk>;
pub(crate) type McpConnectHook = ChatWith<crate::mcp::McpConnection>;
/// `on_mcp_disconnect`: with the server's name.
pub(crate) type McpDisconnectHook = ChatWith<String>;
/// `on_shared_thread_view`: may this viewer (signed in or not) read it?
pub(crate) type SharedViewHook = Arc<
    dyn Fn(ThreadRecord, Option<crate::User>) -> Pin<Box<dyn Future<Output = bool> + Send>>
        + Send
        + Sync,
>;
pub(crate) type ResumeHook = ChatWith<ThreadRecord>;
/// `chat_profiles`: the assistants a user (signed in or not) can pick.
pub(crate) type ProfilesHook = Arc<
    dyn Fn(Option<crate::User>) -> Pin<Box<dyn Future<Output = Vec<ChatProfile>> + Send>>
        + Send
        + Sync,
>;
/// `author_rename`: the name a message's author is shown (and kept) with.
pub(crate) type RenameHook =
    Arc<dyn Fn(String) -> Pin<Box<dyn Future<Output = String> + Send>> + Send + Sync>;
/// `starters`: the suggestions on a user's empty chat (signed in or not;
/// with the chat profile's name, once profiles exist).
pub(crate) type StartersHook = Arc<
    dyn Fn(
            Option<crate::User>,
            Option<String>,
        ) -> Pin<Box<dyn Future<Output = Vec<Starter>> + Send>>
        + Send
        + Sync,
>;

/// Every hook an app may register; all optional.
#[derive(Clone, Default)]
pub(crate) struct Hooks {
    pub(crate) on_chat_start: Option<ChatHook>,
    pub(crate) on_message: Option<MessageHook>,
    pub(crate) on_stop: Option<ChatHook>,
    pub(crate) on_chat_end: Option<ChatHook>,
    pub(crate) on_chat_resume: Option<ResumeHook>,
    pub(crate) on_feedback: Option<FeedbackHook>,
    pub(crate) on_settings_update: Option<SettingsHook>,
    pub(crate) on_window_message: Option<WindowMessageHook>,
    pub(crate) on_audio_start: Option<AudioStartHook>,
    pub(crate) on_audio_chunk: Option<AudioChunkHook>,
    pub(crate) on_audio_end: Option<ChatHook>,
    pub(crate) on_mcp_connect: Option<McpConnectHook>,
    pub(crate) on_mcp_disconnect: Option<McpDisconnectHook>,
    pub(crate) on_shared_thread_view: Option<SharedViewHook>,
    pub(crate) starters: Option<StartersHook>,
    pub(crate) chat_profiles: Option<ProfilesHook>,
    pub(crate) author_rename: Option<RenameHook>,
    /// Action callbacks by action name.
    pub(crate) actions: HashMap<String, ActionHook>,
}

pub(crate) fn chat_hook<F, Fut>(f: F) -> ChatHook
where
    F: Fn(Chat) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = HookResult> + Send + 'static,
{
    Arc::new(move |chat| Box::pin(f(chat)))
}

/// Boxes a hook called with the chat and one value (a message, an action
/// call, a resumed thread, a feedback).
pub(crate) fn chat_with_hook<T, F, Fut>(f: F) -> ChatWith<T>
where
    T: 'static,
    F: Fn(Chat, T) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = HookResult> + Send + 'static,
{
    Arc::new(move |chat, value| Box::pin(f(chat, value)))
}

pub(crate) fn audio_start_hook<F, Fut>(f: F) -> AudioStartHook
where
    F: Fn(Chat) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<bool, crate::BoxError>> + Send + 'static,
{
    Arc::new(move |chat| Box::pin(f(chat)))
}

pub(crate) fn shared_view_hook<F, Fut>(f: F) -> SharedViewHook
where
    F: Fn(ThreadRecord, Option<crate::User>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = bool> + Send + 'static,
{
    Arc::new(move |thread, viewer| Box::pin(f(thread, viewer)))
}

pub(crate) fn starters_hook<F, Fut>(f: F) -> StartersHook
where
    F: Fn(Option<crate::User>, Option<String>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Vec<Starter>> + Send + 'static,
{
    Arc::new(move |user, profile| Box::pin(f(user, profile)))
}

pub(crate) fn profiles_hook<F, Fut>(f: F) -> ProfilesHook
where
    F: Fn(Option<crate::User>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Vec<ChatProfile>> + Send + 'static,
{
    Arc::new(move |user| Box::pin(f(user)))
}

pub(crate) fn rename_hook<F, Fut>(f: F) -> RenameHook
where
    F: Fn(String) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = String> + Send + 'static,
{
    Arc::new(move |author| Box::pin(f(author)))
}
