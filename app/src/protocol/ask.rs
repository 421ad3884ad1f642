use serde::{Deserialize, Serialize};

use super::{Action, FormField, FormRule, Millis};

/// A question the app is waiting on: the hook that asked is paused until
/// the user answers or the timeout passes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Ask {
    pub id: String,
    /// The message that shows the question.
    pub for_id: String,
    #[serde(flatten)]
    pub kind: AskKind,
    /// When the question expires (milliseconds since the epoch).
    pub deadline: Millis,
}

/// What kind of answer is wanted.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AskKind {
    /// A text reply from the composer.
    Text,
    /// One or more files.
    File(FileRules),
    /// A click on one of these actions.
    Action { actions: Vec<Action> },
    /// A form; submit is enabled while the values pass `rules`.
    Form {
        fields: Vec<FormField>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        rules: Vec<FormRule>,
    },
}

/// Which files are accepted, for an ask or for spontaneous uploads.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct FileRules {
    /// MIME types (`image/png`, `image/*`) or extensions (`.csv`); empty
    /// accepts everything.
    #[serde(default)]
    pub accept: Vec<String>,
    pub max_size_bytes: u64,
    pub max_files: u32,
}

/// The user's answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AskAnswer {
    Text {
        content: String,
    },
    /// Uploaded files, by the ids the upload route returned.
    File {
        files: Vec<String>,
    },
    Action {
        action_id: String,
    },
    Form {
        values: serde_json::Map<String, serde_json::Value>,
    },
}
