//! The developer's hooks, type-erased so the runtime can store them.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::data::{FeedbackRecord, ThreadRecord};
use crate::error::HookResult;
use crate::sdk::{ActionCall, Chat, Message};

pub(crate) type HookFuture = Pin<Box<dyn Future<Output = HookResult> + Send + 'static>>;
pub(crate) type ChatHook = Arc<dyn Fn(Chat) -> HookFuture + Send + Sync>;
pub(crate) type MessageHook = Arc<dyn Fn(Chat, Message) -> HookFuture + Send + Sync>;
pub(crate) type ActionHook = Arc<dyn Fn(Chat, ActionCall) -> HookFuture + Send + Sync>;
pub(crate) type FeedbackHook = Arc<dyn Fn(Chat, FeedbackRecord) -> HookFuture + Send + Sync>;
/// `on_shared_thread_view`: may this viewer (signed in or not) read it?
pub(crate) type SharedViewHook = Arc<
    dyn Fn(ThreadRecord, Option<crate::User>) -> Pin<Box<dyn Future<Output = bool> + Send>>
        + Send
        + Sync,
>;
pub(crate) type ResumeHook = Arc<dyn Fn(Chat, ThreadRecord) -> HookFuture + Send + Sync>;

/// Every hook an app may register; all optional.
#[derive(Clone, Default)]
pub(crate) struct Hooks {
    pub(crate) on_chat_start: Option<ChatHook>,
    pub(crate) on_message: Option<MessageHook>,
    pub(crate) on_stop: Option<ChatHook>,
    pub(crate) on_chat_end: Option<ChatHook>,
    pub(crate) on_chat_resume: Option<ResumeHook>,
    pub(crate) on_feedback: Option<FeedbackHook>,
    pub(crate) on_shared_thread_view: Option<SharedViewHook>,
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

pub(crate) fn message_hook<F, Fut>(f: F) -> MessageHook
where
    F: Fn(Chat, Message) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = HookResult> + Send + 'static,
{
    Arc::new(move |chat, msg| Box::pin(f(chat, msg)))
}

pub(crate) fn action_hook<F, Fut>(f: F) -> ActionHook
where
    F: Fn(Chat, ActionCall) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = HookResult> + Send + 'static,
{
    Arc::new(move |chat, call| Box::pin(f(chat, call)))
}

pub(crate) fn resume_hook<F, Fut>(f: F) -> ResumeHook
where
    F: Fn(Chat, ThreadRecord) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = HookResult> + Send + 'static,
{
    Arc::new(move |chat, thread| Box::pin(f(chat, thread)))
}

pub(crate) fn feedback_hook<F, Fut>(f: F) -> FeedbackHook
where
    F: Fn(Chat, FeedbackRecord) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = HookResult> + Send + 'static,
{
    Arc::new(move |chat, feedback| Box::pin(f(chat, feedback)))
}

pub(crate) fn shared_view_hook<F, Fut>(f: F) -> SharedViewHook
where
    F: Fn(ThreadRecord, Option<crate::User>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = bool> + Send + 'static,
{
    Arc::new(move |thread, viewer| Box::pin(f(thread, viewer)))
}
