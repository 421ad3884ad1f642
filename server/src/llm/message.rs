//! The conversation sent to the model and the events streamed back.

use serde::{Deserialize, Serialize};

/// Who wrote a [`ChatMessage`]. Serialized in lowercase, as the OpenAI API
/// expects.
///
/// ```
/// use loquat::llm::Role;
/// let json = serde_json::to_string(&Role::Assistant).ok();
/// assert_eq!(json.as_deref(), Some("\"assistant\""));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Instructions that steer the model.
    System,
    /// The person chatting.
    User,
    /// The model's earlier replies.
    Assistant,
}

/// One turn of the conversation given to the model as context.
///
/// ```
/// use loquat::llm::{ChatMessage, Role};
/// let msg = ChatMessage::user("hi");
/// assert_eq!(msg, ChatMessage { role: Role::User, content: "hi".into() });
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatMessage {
    /// Author of the message.
    pub role: Role,
    /// Plain-text content.
    pub content: String,
}

impl ChatMessage {
    /// A message with the given role.
    ///
    /// ```
    /// use loquat::llm::{ChatMessage, Role};
    /// assert_eq!(ChatMessage::new(Role::System, "be brief").role, Role::System);
    /// ```
    pub fn new(role: Role, content: impl Into<String>) -> Self {
        Self {
            role,
            content: content.into(),
        }
    }

    /// A [`Role::System`] message.
    ///
    /// ```
    /// # use loquat::llm::{ChatMessage, Role};
    /// assert_eq!(ChatMessage::system("x").role, Role::System);
    /// ```
    pub fn system(content: impl Into<String>) -> Self {
        Self::new(Role::System, content)
    }

    /// A [`Role::User`] message.
    ///
    /// ```
    /// # use loquat::llm::{ChatMessage, Role};
    /// assert_eq!(ChatMessage::user("x").role, Role::User);
    /// ```
    pub fn user(content: impl Into<String>) -> Self {
        Self::new(Role::User, content)
    }

    /// A [`Role::Assistant`] message.
    ///
    /// ```
    /// # use loquat::llm::{ChatMessage, Role};
    /// assert_eq!(ChatMessage::assistant("x").role, Role::Assistant);
    /// ```
    pub fn assistant(content: impl Into<String>) -> Self {
        Self::new(Role::Assistant, content)
    }
}

/// Token counts reported by the endpoint for one request.
///
/// ```
/// use loquat::llm::Usage;
/// let usage = Usage { prompt_tokens: 12, completion_tokens: 30, total_tokens: 42 };
/// assert_eq!(usage.prompt_tokens + usage.completion_tokens, usage.total_tokens);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Usage {
    /// Tokens in the conversation sent to the model.
    pub prompt_tokens: u32,
    /// Tokens the model generated.
    pub completion_tokens: u32,
    /// Both together, as reported by the endpoint.
    pub total_tokens: u32,
}

/// One item of a streamed reply.
///
/// ```
/// use loquat::llm::LlmEvent;
/// let event = LlmEvent::Delta("Hel".into());
/// assert!(matches!(event, LlmEvent::Delta(ref t) if t == "Hel"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LlmEvent {
    /// The next piece of reply text (never empty).
    Delta(String),
    /// Token usage, sent near the end by endpoints that report it. Endpoints
    /// that don't report usage never produce this event.
    Usage(Usage),
    /// A tool the model calls, whole, at the end of the reply (only when it
    /// was offered tools: [`super::LlmClient::stream_chat_with_tools`]).
    ToolCall(super::ToolCall),
}
