use std::sync::Arc;

use loquat_app::protocol::{ServerEvent, Step, StepType};

use super::message::{Message, MessageKind};
use super::step::{MessageHandle, StepBuilder};
use super::user_session::UserSession;
use crate::error::ChatError;
use crate::llm::{ChatMessage, Role};
use crate::runtime::session::Session;
use crate::time::now_millis;

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
            .field("session", &self.session.id)
            .finish()
    }
}

impl Chat {
    pub(crate) fn new(session: Arc<Session>) -> Self {
        Chat { session }
    }

    /// The session's id.
    pub fn session_id(&self) -> &str {
        &self.session.id
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
        self.create(message, false)
    }

    /// Starts a message whose content will be streamed with
    /// [`MessageHandle::token`]; call [`MessageHandle::finish`] at the end.
    pub async fn stream(&self, message: Message) -> Result<MessageHandle, ChatError> {
        self.create(message, true)
    }

    fn create(&self, message: Message, streaming: bool) -> Result<MessageHandle, ChatError> {
        let now = now_millis();
        let author = if !message.author.is_empty() {
            message.author
        } else if message.kind == MessageKind::User {
            "User".to_string()
        } else {
            self.session.runtime.config.ui.name.clone()
        };
        let id = uuid::Uuid::new_v4().to_string();
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
            ..Default::default()
        };
        self.session.emit(ServerEvent::StepCreated { step })?;
        Ok(MessageHandle::new(self.session.clone(), id))
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
    /// intermediate steps are left out.
    pub fn messages(&self) -> Vec<ChatMessage> {
        self.session.with_steps(|steps| {
            steps
                .iter()
                .filter(|s| !s.is_error)
                .filter_map(|s| {
                    let role = match s.step_type {
                        StepType::UserMessage => Role::User,
                        StepType::AssistantMessage => Role::Assistant,
                        StepType::SystemMessage => Role::System,
                        _ => return None,
                    };
                    Some(ChatMessage {
                        role,
                        content: s.output.clone(),
                    })
                })
                .collect()
        })
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
