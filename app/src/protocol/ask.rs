use serde::{Deserialize, Serialize};

use super::{Action, Millis};

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

/// One input of a form.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FormField {
    /// The key of its value in the answer.
    pub id: String,
    pub label: String,
    #[serde(flatten)]
    pub input: FormInput,
}

/// The kind of a form input, with its initial value.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "input", rename_all = "snake_case")]
pub enum FormInput {
    Text {
        #[serde(default)]
        initial: String,
        #[serde(default)]
        placeholder: String,
    },
    Number {
        #[serde(default)]
        initial: Option<f64>,
        #[serde(default)]
        min: Option<f64>,
        #[serde(default)]
        max: Option<f64>,
    },
    Select {
        options: Vec<String>,
        #[serde(default)]
        initial: Option<String>,
    },
    Switch {
        #[serde(default)]
        initial: bool,
    },
    Slider {
        min: f64,
        max: f64,
        #[serde(default = "one")]
        step: f64,
        #[serde(default)]
        initial: Option<f64>,
    },
}

fn one() -> f64 {
    1.0
}

/// A condition the form's values must meet before it can be submitted.
/// Checked in the browser (to enable submit) and again on the server.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum FormRule {
    /// The field has a non-empty value.
    Required { field: String },
    /// A number field lies within `min..=max`.
    Range {
        field: String,
        #[serde(default)]
        min: Option<f64>,
        #[serde(default)]
        max: Option<f64>,
    },
    /// A switch is on.
    Checked { field: String },
}

impl FormRule {
    /// True when `values` meet the rule.
    pub fn holds(&self, values: &serde_json::Map<String, serde_json::Value>) -> bool {
        match self {
            FormRule::Required { field } => match values.get(field) {
                Some(serde_json::Value::String(s)) => !s.trim().is_empty(),
                Some(serde_json::Value::Null) | None => false,
                Some(_) => true,
            },
            FormRule::Range { field, min, max } => values
                .get(field)
                .and_then(|v| v.as_f64())
                .is_some_and(|n| min.is_none_or(|m| n >= m) && max.is_none_or(|m| n <= m)),
            FormRule::Checked { field } => {
                values.get(field).and_then(|v| v.as_bool()) == Some(true)
            }
        }
    }
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
