use serde::{Deserialize, Serialize};

use super::{Action, Millis};

/// The kind of a step. Messages are steps too (`*_message`); the others are
/// intermediate work shown as the chain of thought.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum StepType {
    UserMessage,
    AssistantMessage,
    SystemMessage,
    Run,
    Tool,
    Llm,
    Embedding,
    Retrieval,
    Rerank,
    #[default]
    #[serde(other)]
    Undefined,
}

impl StepType {
    /// True for the three message types.
    pub fn is_message(self) -> bool {
        matches!(
            self,
            StepType::UserMessage | StepType::AssistantMessage | StepType::SystemMessage
        )
    }

    /// The snake_case name used on the wire and in `data-step-type`.
    pub fn as_str(self) -> &'static str {
        match self {
            StepType::UserMessage => "user_message",
            StepType::AssistantMessage => "assistant_message",
            StepType::SystemMessage => "system_message",
            StepType::Run => "run",
            StepType::Tool => "tool",
            StepType::Llm => "llm",
            StepType::Embedding => "embedding",
            StepType::Retrieval => "retrieval",
            StepType::Rerank => "rerank",
            StepType::Undefined => "undefined",
        }
    }
}

/// Whether a step shows its input: not at all, as text, or highlighted as a
/// language (`"json"`, `"python"`, …).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum ShowInput {
    Flag(bool),
    Language(String),
}

impl<'de> Deserialize<'de> for ShowInput {
    /// A bool or a string, read by hand: a derived `untagged` enum buffers
    /// the value first, code the browser's bundle would carry for every
    /// step it reads.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ShowInputVisitor;

        impl serde::de::Visitor<'_> for ShowInputVisitor {
            type Value = ShowInput;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a bool or a language name")
            }

            fn visit_bool<E: serde::de::Error>(self, show: bool) -> Result<ShowInput, E> {
                Ok(ShowInput::Flag(show))
            }

            fn visit_str<E: serde::de::Error>(self, language: &str) -> Result<ShowInput, E> {
                Ok(ShowInput::Language(language.to_string()))
            }

            fn visit_string<E: serde::de::Error>(self, language: String) -> Result<ShowInput, E> {
                Ok(ShowInput::Language(language))
            }
        }

        deserializer.deserialize_any(ShowInputVisitor)
    }
}

impl Default for ShowInput {
    fn default() -> Self {
        ShowInput::Flag(false)
    }
}

impl From<bool> for ShowInput {
    fn from(show: bool) -> Self {
        ShowInput::Flag(show)
    }
}

impl From<&str> for ShowInput {
    fn from(language: &str) -> Self {
        ShowInput::Language(language.to_string())
    }
}

impl ShowInput {
    /// True unless the input is hidden.
    pub fn is_shown(&self) -> bool {
        !matches!(self, ShowInput::Flag(false))
    }

    /// The language to label the input with, if any.
    pub fn language(&self) -> Option<&str> {
        match self {
            ShowInput::Language(l) => Some(l),
            ShowInput::Flag(_) => None,
        }
    }
}

/// One item of a thread. Field names follow Chainlit's step model so data
/// maps 1:1. For messages, `name` is the author and `output` the content.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
pub struct Step {
    pub id: String,
    pub thread_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<String>,
    pub name: String,
    #[serde(rename = "type")]
    pub step_type: StepType,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub input: String,
    #[serde(default)]
    pub output: String,
    #[serde(default, skip_serializing_if = "is_false")]
    pub is_error: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub streaming: bool,
    #[serde(default)]
    pub show_input: ShowInput,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub metadata: serde_json::Map<String, serde_json::Value>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    pub created_at: Millis,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<Millis>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<Millis>,
    /// Buttons shown on the step (messages show them under the content).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub actions: Vec<Action>,
    /// The user's feedback on an assistant message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feedback: Option<Feedback>,
}

/// Thumbs up or down on an assistant message, with an optional comment and
/// reasons from the app's list (`[features] feedback_reasons`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Feedback {
    /// 1: good, 0: bad (as Chainlit stores it).
    pub value: u8,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<String>,
}

/// Longest feedback comment, in characters.
pub const MAX_FEEDBACK_COMMENT_CHARS: usize = 2000;
/// Most reasons one feedback carries.
pub const MAX_FEEDBACK_REASONS: usize = 32;

/// Why a feedback is not well-formed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FeedbackError {
    Value,
    CommentTooLong,
    TooManyReasons,
    ReasonNotOffered,
}

impl std::fmt::Display for FeedbackError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            FeedbackError::Value => "feedback is 1 (good) or 0 (bad)",
            FeedbackError::CommentTooLong => "the comment is too long",
            FeedbackError::TooManyReasons => "there are too many reasons",
            FeedbackError::ReasonNotOffered => "that reason is not offered",
        })
    }
}

impl std::error::Error for FeedbackError {}

impl Feedback {
    /// The feedback, tidied, if it is well-formed: a value of 0 or 1, a
    /// comment of at most [`MAX_FEEDBACK_COMMENT_CHARS`] (trimmed; blank is
    /// none), at most [`MAX_FEEDBACK_REASONS`] reasons, each one of
    /// `offered` when given, sorted without repeats.
    ///
    /// ```
    /// use loquat_app::protocol::{Feedback, FeedbackError};
    ///
    /// let offered = ["Wrong".to_string(), "Too long".to_string()];
    /// let given = Feedback { value: 0, comment: Some("  ".into()), reasons: vec!["Wrong".into(), "Wrong".into()] };
    /// let tidy = given.checked(Some(&offered)).unwrap();
    /// assert_eq!((tidy.comment, tidy.reasons), (None, vec!["Wrong".to_string()]));
    ///
    /// let unknown = Feedback { value: 1, comment: None, reasons: vec!["Rude".into()] };
    /// assert_eq!(unknown.checked(Some(&offered)), Err(FeedbackError::ReasonNotOffered));
    /// ```
    pub fn checked(mut self, offered: Option<&[String]>) -> Result<Feedback, FeedbackError> {
        if self.value > 1 {
            return Err(FeedbackError::Value);
        }
        if self
            .comment
            .as_ref()
            .is_some_and(|c| c.chars().count() > MAX_FEEDBACK_COMMENT_CHARS)
        {
            return Err(FeedbackError::CommentTooLong);
        }
        if self.reasons.len() > MAX_FEEDBACK_REASONS {
            return Err(FeedbackError::TooManyReasons);
        }
        if let Some(offered) = offered {
            if self.reasons.iter().any(|r| !offered.contains(r)) {
                return Err(FeedbackError::ReasonNotOffered);
            }
        }
        self.comment = self
            .comment
            .map(|c| c.trim().to_string())
            .filter(|c| !c.is_empty());
        self.reasons.sort();
        self.reasons.dedup();
        Ok(self)
    }
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// Metadata key of a message's active reactions (a list of names).
pub const REACTIONS_KEY: &str = "reactions";
/// Metadata key of a message's footer (markdown shown under it).
pub const FOOTER_KEY: &str = "footer";
/// Metadata key of a user message: the command it was sent with.
pub const COMMAND_KEY: &str = "command";

/// The reactions recorded in a message's metadata.
pub fn reactions_in(metadata: &serde_json::Map<String, serde_json::Value>) -> Vec<String> {
    metadata
        .get(REACTIONS_KEY)
        .and_then(|v| v.as_array())
        .map(|list| {
            list.iter()
                .filter_map(|r| r.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

impl Step {
    /// The reactions turned on for this message.
    pub fn reactions(&self) -> Vec<String> {
        reactions_in(&self.metadata)
    }

    /// Whether `reaction` is on for this message.
    pub fn has_reaction(&self, reaction: &str) -> bool {
        self.metadata
            .get(REACTIONS_KEY)
            .and_then(|v| v.as_array())
            .is_some_and(|list| list.iter().any(|r| r.as_str() == Some(reaction)))
    }

    /// The message's footer, if it has one.
    pub fn footer(&self) -> Option<&str> {
        self.metadata.get(FOOTER_KEY).and_then(|v| v.as_str())
    }

    /// `running`, `done` or `error`: the status shown in `data-status`.
    pub fn status(&self) -> &'static str {
        if self.is_error {
            "error"
        } else if self.end.is_none() || self.streaming {
            "running"
        } else {
            "done"
        }
    }
}
