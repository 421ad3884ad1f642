use serde::{Deserialize, Serialize};

#[cfg(target_arch = "wasm32")]
use super::tag_first::{tagged_object, RestOfObject};
use super::{Action, FormField, FormRule, Millis};

/// A question the app is waiting on: the hook that asked is paused until
/// the user answers or the timeout passes.
///
/// On the wire its own fields come first, then `kind` and that kind's
/// fields, as Loquat writes them (the browser reads them in that order:
/// `protocol/tag_first.rs`).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(Deserialize))]
pub struct Ask {
    pub id: String,
    /// The message that shows the question.
    pub for_id: String,
    /// When the question expires (milliseconds since the epoch).
    pub deadline: Millis,
    #[serde(flatten)]
    pub kind: AskKind,
}

#[cfg(target_arch = "wasm32")]
impl<'de> Deserialize<'de> for Ask {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(AskVisitor)
    }
}

#[cfg(target_arch = "wasm32")]
struct AskVisitor;

#[cfg(target_arch = "wasm32")]
impl<'de> serde::de::Visitor<'de> for AskVisitor {
    type Value = Ask;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a question")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Ask, A::Error> {
        #[derive(Deserialize)]
        #[serde(rename_all = "snake_case")]
        enum Key {
            Id,
            ForId,
            Deadline,
            Kind,
            #[serde(other)]
            Other,
        }
        let (mut id, mut for_id, mut deadline) = (None, None, None);
        while let Some(key) = map.next_key()? {
            match key {
                Key::Id => id = Some(map.next_value()?),
                Key::ForId => for_id = Some(map.next_value()?),
                Key::Deadline => deadline = Some(map.next_value()?),
                Key::Kind => {
                    let kind = AskKind::deserialize(RestOfObject(map))?;
                    return Ok(Ask {
                        id: id.ok_or_else(|| serde::de::Error::missing_field("id"))?,
                        for_id: for_id.ok_or_else(|| serde::de::Error::missing_field("for_id"))?,
                        deadline: deadline
                            .ok_or_else(|| serde::de::Error::missing_field("deadline"))?,
                        kind,
                    });
                }
                Key::Other => {
                    map.next_value::<serde::de::IgnoredAny>()?;
                }
            }
        }
        Err(serde::de::Error::missing_field("kind"))
    }
}

/// What kind of answer is wanted. On the wire it is flattened into its
/// [`Ask`]: `"kind": "<kind>"`, then its fields.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", serde(remote = "Self"))]
#[cfg_attr(not(target_arch = "wasm32"), serde(tag = "kind"))]
#[serde(rename_all = "snake_case")]
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

#[cfg(target_arch = "wasm32")]
tagged_object!(AskKind, "kind");

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
