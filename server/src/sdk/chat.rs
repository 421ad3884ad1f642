use std::sync::Arc;

use loquat_app::protocol::{SidePanel, Step};

use super::element_handle::ElementHandle;
use super::message::{Message, MessageKind};
use super::serialize::SerializeOptions;
use super::step::{MessageHandle, StepBuilder};
use super::user_session::UserSession;
use super::Element;
use crate::error::ChatError;
use crate::ids::ElementId;
use crate::llm::ChatMessage;
use crate::runtime::operations;
use crate::runtime::session::Session;
use crate::time::now_millis;

/// Longest thread name a hook may set, in characters.
const MAX_THREAD_NAME_CHARS: usize = 200;

/// The handle hooks use to talk to the chat. Cheap to clone; clones refer to
/// the same session. Everything sent goes to the session's thread and reaches
/// every browser tab attached to it, including ones that attach later.
#[derive(Clone)]
pub struct Chat {
    session: Arc<Session>,
}

impl std::fmt::Debug for Chat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Chat")
            .field("session", &self.session.id.as_str())
            .finish()
    }
}

impl Chat {
    pub(crate) fn new(session: Arc<Session>) -> Self {
        Chat { session }
    }

    pub(crate) fn session(&self) -> &Arc<Session> {
        &self.session
    }

    /// The session's id.
    pub fn session_id(&self) -> &str {
        self.session.id.as_str()
    }

    /// Who signed in to start this chat; `None` when the app has no logins.
    ///
    /// ```no_run
    /// # async fn demo(chat: loquat::Chat) -> Result<(), loquat::BoxError> {
    /// let name = chat.user().map_or("there", |user| user.name());
    /// chat.send(loquat::Message::assistant(format!("Hello, {name}!"))).await?;
    /// # Ok(()) }
    /// ```
    pub fn user(&self) -> Option<&crate::User> {
        self.session.user()
    }

    /// The name of the chat profile this chat was started with (see
    /// [`Loquat::chat_profiles`](crate::Loquat::chat_profiles)); `None`
    /// when the app has none.
    ///
    /// ```no_run
    /// # async fn demo(chat: loquat::Chat) -> Result<(), loquat::BoxError> {
    /// let model = match chat.profile() {
    ///     Some("GPT-4o") => "gpt-4o",
    ///     _ => "gpt-4o-mini",
    /// };
    /// # let _ = model; Ok(()) }
    /// ```
    pub fn profile(&self) -> Option<&str> {
        self.session.chat_profile().map(|p| p.name.as_str())
    }

    /// The values the user gave in the UI for the app's `[project]
    /// user_env` keys (kept in their browser, sent when it connects; the
    /// server holds them in memory for this session only).
    ///
    /// ```no_run
    /// # async fn demo(chat: loquat::Chat) -> Result<(), loquat::BoxError> {
    /// let Some(key) = chat.user_env().get("OPENAI_API_KEY").cloned() else {
    ///     chat.send(loquat::Message::assistant("Add your API key under Keys first.")).await?;
    ///     return Ok(());
    /// };
    /// # let _ = key; Ok(()) }
    /// ```
    pub fn user_env(&self) -> std::collections::HashMap<String, String> {
        self.session.user_env()
    }

    /// Names the thread (the history shows the name at once). Without
    /// persistence there is no history, and this does nothing.
    ///
    /// ```no_run
    /// # async fn demo(chat: loquat::Chat) -> Result<(), loquat::BoxError> {
    /// chat.set_thread_name("Trip to Lisbon").await?;
    /// # Ok(()) }
    /// ```
    pub async fn set_thread_name(&self, name: impl Into<String>) -> Result<(), ChatError> {
        let name: String = name.into().chars().take(MAX_THREAD_NAME_CHARS).collect();
        self.update_thread(crate::data::ThreadUpdate {
            name: Some(name),
            ..Default::default()
        })
        .await
    }

    /// Replaces the thread's tags (kept with it, exported, filterable).
    pub async fn set_thread_tags(&self, tags: Vec<String>) -> Result<(), ChatError> {
        self.update_thread(crate::data::ThreadUpdate {
            tags: Some(tags),
            ..Default::default()
        })
        .await
    }

    /// Replaces the thread's metadata (the app's own; the `user_session` key
    /// is kept for [`UserSession::save`]).
    ///
    /// ```no_run
    /// # async fn demo(chat: loquat::Chat) -> Result<(), loquat::BoxError> {
    /// let meta = loquat::json!({ "customer": "ACME" });
    /// chat.set_thread_metadata(meta.as_object().cloned().unwrap_or_default()).await?;
    /// # Ok(()) }
    /// ```
    pub async fn set_thread_metadata(
        &self,
        metadata: serde_json::Map<String, serde_json::Value>,
    ) -> Result<(), ChatError> {
        self.update_thread(crate::data::ThreadUpdate {
            metadata: Some(metadata),
            ..Default::default()
        })
        .await
    }

    /// Changes the thread's name, tags and metadata at once.
    pub async fn update_thread(&self, update: crate::data::ThreadUpdate) -> Result<(), ChatError> {
        self.session.update_thread(update).await
    }

    /// The thread as it would be stored now (with persistence).
    pub fn thread(&self) -> Option<crate::data::ThreadRecord> {
        self.session.record()
    }

    /// The id of the thread being shown.
    pub fn thread_id(&self) -> String {
        self.session.thread_id()
    }

    /// Sends a complete message.
    ///
    /// ```no_run
    /// # async fn demo(chat: loquat::Chat) -> Result<(), loquat::BoxError> {
    /// chat.send(loquat::Message::assistant("Hi!")).await?;
    /// # Ok(()) }
    /// ```
    pub async fn send(&self, message: Message) -> Result<MessageHandle, ChatError> {
        self.create(message, false).await
    }

    /// Starts a message whose content will be streamed with
    /// [`MessageHandle::token`]; call [`MessageHandle::finish`] at the end.
    pub async fn stream(&self, message: Message) -> Result<MessageHandle, ChatError> {
        self.create(message, true).await
    }

    async fn create(&self, message: Message, streaming: bool) -> Result<MessageHandle, ChatError> {
        let now = now_millis();
        let author = if !message.author.is_empty() {
            message.author
        } else if message.kind == MessageKind::User {
            "User".to_string()
        } else {
            self.session.assistant_name()
        };
        let author = self.session.shown_author(author).await;
        let id = crate::ids::new_id();
        let mut actions = message.actions;
        for action in &mut actions {
            if action.id.is_empty() {
                action.id = crate::ids::new_id();
            }
        }
        let step = Step {
            id: id.clone(),
            thread_id: self.session.thread_id(),
            parent_id: message.parent_id,
            name: author,
            step_type: message.kind.step_type(),
            output: message.content,
            streaming,
            language: message.language,
            metadata: message.metadata,
            created_at: now,
            start: Some(now),
            end: (!streaming).then_some(now),
            actions,
            ..Default::default()
        };
        self.session.create_step(step).await?;
        for element in message.elements {
            self.attach(element, Some(id.clone())).await?;
        }
        Ok(MessageHandle::new(self.session.clone(), id))
    }

    /// Stores an element's content and shows it, attached to `for_id` (a
    /// message) or to the thread.
    pub(crate) async fn attach(
        &self,
        element: Element,
        for_id: Option<String>,
    ) -> Result<ElementHandle, ChatError> {
        let id = ElementId::generate().into_string();
        let wire = element
            .prepare(
                self.session.runtime.files.as_ref(),
                id.clone(),
                self.session.thread_id(),
                for_id,
            )
            .await?;
        self.session.set_element(wire).await?;
        Ok(ElementHandle::new(self.session.clone(), id))
    }

    /// Shows an element that belongs to the thread rather than to a
    /// message, such as a task list.
    pub async fn send_element(&self, element: Element) -> Result<ElementHandle, ChatError> {
        self.attach(element, None).await
    }

    /// Opens the side panel with `title` and `elements` (replacing what it
    /// showed). The panel is part of the live session, not of history.
    pub async fn set_side_panel(
        &self,
        title: impl Into<String>,
        elements: Vec<Element>,
    ) -> Result<(), ChatError> {
        let thread_id = self.session.thread_id();
        let mut shown = Vec::with_capacity(elements.len());
        for element in elements {
            let wire = element
                .prepare(
                    self.session.runtime.files.as_ref(),
                    ElementId::generate().into_string(),
                    thread_id.clone(),
                    None,
                )
                .await?;
            shown.push(wire);
        }
        self.session.set_side_panel(Some(SidePanel {
            title: title.into(),
            elements: shown,
        }))
    }

    /// Closes the side panel.
    pub fn clear_side_panel(&self) -> Result<(), ChatError> {
        self.session.set_side_panel(None)
    }

    /// Removes one action button from a message.
    pub async fn remove_action(&self, message_id: &str, action_id: &str) -> Result<(), ChatError> {
        let step = self
            .session
            .step(message_id)
            .ok_or_else(|| ChatError::UnknownStep(message_id.to_string()))?;
        if !step.actions.iter().any(|a| a.id == action_id) {
            return Err(ChatError::UnknownAction(action_id.to_string()));
        }
        self.session
            .update_step(message_id, |s| s.actions.retain(|a| a.id != action_id))
            .await
    }

    /// Starts building a step at the top level of the thread.
    pub fn step(&self, name: impl Into<String>) -> StepBuilder {
        StepBuilder::new(self.session.clone(), name.into(), None)
    }

    /// The session's key/value store.
    pub fn user_session(&self) -> &UserSession {
        &self.session.user_session
    }

    /// The conversation so far as OpenAI-style `{role, content}` messages:
    /// user, assistant and system messages in order; error messages and
    /// intermediate steps are left out. A resumed thread includes its
    /// history.
    pub fn messages(&self) -> Vec<ChatMessage> {
        self.serialize(&SerializeOptions::new())
    }

    /// The conversation as `{role, content}` messages, shaped by `options`
    /// (author → role mapping, exclusions, filter, custom content, limit).
    pub fn serialize(&self, options: &SerializeOptions) -> Vec<ChatMessage> {
        self.session.with_steps(|steps| options.apply(steps))
    }

    /// Removes the last `count` top-level messages (and any steps after the
    /// first of them) and returns them, oldest first.
    pub async fn undo(&self, count: usize) -> Result<Vec<Message>, ChatError> {
        operations::undo(&self.session, count).await
    }

    /// Removes every message and step of the conversation and returns the
    /// messages removed. The thread stays in history, empty.
    pub async fn clear(&self) -> Result<Vec<Message>, ChatError> {
        operations::clear(&self.session).await
    }

    /// Runs `on_message` again with the conversation's last message as
    /// input, after the current run: lets bots answer bots in a chain.
    ///
    /// ```no_run
    /// # async fn demo(chat: loquat::Chat) -> Result<(), loquat::BoxError> {
    /// chat.send(loquat::Message::user("Your turn").author("Bot A")).await?;
    /// chat.respond()?; // on_message runs again with "Your turn"
    /// # Ok(()) }
    /// ```
    pub fn respond(&self) -> Result<(), ChatError> {
        operations::respond(&self.session)
    }

    /// A copy of every step in the thread, in order.
    pub fn steps(&self) -> Vec<Step> {
        self.session.steps()
    }

    /// True while a run (hook invocation) is active in this session.
    pub fn is_running(&self) -> bool {
        self.session.is_running()
    }
}
