use loquat_app::protocol::{Action, Millis, Step, StepType};

use super::step::StepHandle;
use super::{Element, UploadedFile};

/// Who a message is from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MessageKind {
    User,
    Assistant,
    System,
}

impl MessageKind {
    pub(crate) fn step_type(self) -> StepType {
        match self {
            MessageKind::User => StepType::UserMessage,
            MessageKind::Assistant => StepType::AssistantMessage,
            MessageKind::System => StepType::SystemMessage,
        }
    }

    fn from_step_type(t: StepType) -> Option<MessageKind> {
        match t {
            StepType::UserMessage => Some(MessageKind::User),
            StepType::AssistantMessage => Some(MessageKind::Assistant),
            StepType::SystemMessage => Some(MessageKind::System),
            _ => None,
        }
    }
}

/// A chat message: what hooks receive from the user and what they send.
///
/// ```
/// use loquat::Message;
/// let hello = Message::assistant("Hello, **world**").author("Guide");
/// assert_eq!(hello.content, "Hello, **world**");
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Message {
    /// Step id; empty until the message is sent.
    pub id: String,
    /// Display name of the author; empty means the app's name (assistant)
    /// or "User".
    pub author: String,
    /// Markdown content.
    pub content: String,
    pub kind: MessageKind,
    /// The step this message is nested in, if any.
    pub parent_id: Option<String>,
    /// Set to show the content as a code block in this language.
    pub language: Option<String>,
    pub metadata: serde_json::Map<String, serde_json::Value>,
    pub created_at: Millis,
    /// Elements to send with the message (empty on received messages).
    pub elements: Vec<Element>,
    /// Buttons on the message.
    pub actions: Vec<Action>,
    /// Files the user attached (on received messages).
    pub files: Vec<UploadedFile>,
    /// The command the user picked for it (from the `/` menu, a command
    /// button or a starter), if any. It is what their browser sent: match
    /// it against your commands' ids and treat anything else as none.
    pub command: Option<String>,
}

impl Message {
    fn new(kind: MessageKind, content: impl Into<String>) -> Self {
        Message {
            id: String::new(),
            author: String::new(),
            content: content.into(),
            kind,
            parent_id: None,
            language: None,
            metadata: Default::default(),
            created_at: 0,
            elements: Vec::new(),
            actions: Vec::new(),
            files: Vec::new(),
            command: None,
        }
    }

    /// A message from the assistant.
    pub fn assistant(content: impl Into<String>) -> Self {
        Self::new(MessageKind::Assistant, content)
    }

    /// A message shown as the user's (e.g. for bots talking to bots).
    pub fn user(content: impl Into<String>) -> Self {
        Self::new(MessageKind::User, content)
    }

    /// A system message (instructions, notices).
    pub fn system(content: impl Into<String>) -> Self {
        Self::new(MessageKind::System, content)
    }

    /// Sets the author shown above the message.
    pub fn author(mut self, author: impl Into<String>) -> Self {
        self.author = author.into();
        self
    }

    /// Nests the message inside a step.
    pub fn in_step(mut self, step: &StepHandle) -> Self {
        self.parent_id = Some(step.id().to_string());
        self
    }

    /// Renders the content as a code block in `language`.
    pub fn language(mut self, language: impl Into<String>) -> Self {
        self.language = Some(language.into());
        self
    }

    /// Adds a metadata entry.
    pub fn metadata(mut self, key: impl Into<String>, value: serde_json::Value) -> Self {
        self.metadata.insert(key.into(), value);
        self
    }

    /// Attaches an element, shown with the message (see [`Element::display`]).
    /// Marks the message as sent with the command `id` (a user message the
    /// app posts itself, say).
    pub fn command(mut self, id: impl Into<String>) -> Self {
        let id = id.into();
        self.metadata.insert(
            loquat_app::protocol::COMMAND_KEY.into(),
            serde_json::Value::String(id.clone()),
        );
        self.command = Some(id);
        self
    }

    pub fn element(mut self, element: Element) -> Self {
        self.elements.push(element);
        self
    }

    /// Adds a footer: small markdown shown under the message (sources, a
    /// model name, a timing).
    pub fn footer(self, footer: impl Into<String>) -> Self {
        self.metadata(
            loquat_app::protocol::FOOTER_KEY,
            serde_json::Value::String(footer.into()),
        )
    }

    /// The reactions the user turned on for this message (see `[UI]
    /// reactions`).
    pub fn reactions(&self) -> Vec<String> {
        loquat_app::protocol::reactions_in(&self.metadata)
    }

    /// Adds an action button.
    pub fn action(mut self, action: Action) -> Self {
        self.actions.push(action);
        self
    }

    pub(crate) fn from_step(step: &Step) -> Message {
        Message {
            id: step.id.clone(),
            author: step.name.clone(),
            content: step.output.clone(),
            kind: MessageKind::from_step_type(step.step_type).unwrap_or(MessageKind::System),
            parent_id: step.parent_id.clone(),
            language: step.language.clone(),
            metadata: step.metadata.clone(),
            created_at: step.created_at,
            elements: Vec::new(),
            actions: step.actions.clone(),
            files: Vec::new(),
            command: step
                .metadata
                .get(loquat_app::protocol::COMMAND_KEY)
                .and_then(|v| v.as_str())
                .map(str::to_string),
        }
    }
}
