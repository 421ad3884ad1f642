//! Tool calling: the tools offered to the model, the calls it makes, and
//! the turns of a conversation that carries them (the model's calls and
//! each call's result), for [`super::LlmClient::stream_chat_with_tools`].

use serde::{Deserialize, Serialize};

use super::ChatMessage;

/// A function the model may call.
///
/// ```
/// use loquat::llm::LlmTool;
/// let tool = LlmTool {
///     name: "weather".into(),
///     description: Some("Today's weather in a city".into()),
///     parameters: serde_json::json!({"type": "object", "properties": {"city": {"type": "string"}}}),
/// };
/// assert_eq!(tool.name, "weather");
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LlmTool {
    /// Letters, digits, `_` and `-`, at most 64 characters (the API's rule).
    pub name: String,
    /// What it does, for the model to choose it.
    pub description: Option<String>,
    /// Its arguments, as a JSON Schema object.
    pub parameters: serde_json::Value,
}

/// A call the model made, whole (assembled from the stream's pieces).
///
/// ```
/// use loquat::llm::ToolCall;
/// let call = ToolCall { id: "call_1".into(), name: "weather".into(), arguments: r#"{"city":"Oslo"}"#.into() };
/// assert_eq!(call.arguments_json().unwrap()["city"], "Oslo");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolCall {
    /// The model's id for the call, which its result names.
    pub id: String,
    /// Which tool.
    pub name: String,
    /// The arguments as the model wrote them: JSON, unless it erred.
    pub arguments: String,
}

impl ToolCall {
    /// The arguments as JSON (an empty string is `{}`).
    ///
    /// # Errors
    ///
    /// When the model wrote arguments that are not JSON.
    pub fn arguments_json(&self) -> Result<serde_json::Value, serde_json::Error> {
        if self.arguments.trim().is_empty() {
            return Ok(serde_json::json!({}));
        }
        serde_json::from_str(&self.arguments)
    }
}

/// One turn of a conversation with tools: a message, the model's calls
/// (with the text it said before them), or one call's result.
///
/// ```
/// use loquat::llm::{ChatMessage, ToolCall, Turn};
/// let turns = vec![
///     Turn::from(ChatMessage::user("Weather in Oslo?")),
///     Turn::ToolCalls { text: String::new(), calls: vec![ToolCall { id: "c1".into(), name: "weather".into(), arguments: "{}".into() }] },
///     Turn::ToolResult { call_id: "c1".into(), content: "sunny".into() },
/// ];
/// assert_eq!(turns.len(), 3);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Turn {
    /// A system, user or assistant message.
    Message(ChatMessage),
    /// The model asked for these calls (after saying `text`, often empty).
    ToolCalls { text: String, calls: Vec<ToolCall> },
    /// The result of call `call_id`, as text for the model.
    ToolResult { call_id: String, content: String },
}

impl From<ChatMessage> for Turn {
    fn from(message: ChatMessage) -> Turn {
        Turn::Message(message)
    }
}

/// One streamed piece of a tool call: the stream gives a call's id and name
/// first, then its arguments a few characters at a time, by `index`.
#[derive(Debug, Default)]
pub(crate) struct ToolCallPart {
    pub(crate) index: usize,
    pub(crate) id: Option<String>,
    pub(crate) name: Option<String>,
    pub(crate) arguments: Option<String>,
}

/// The calls of one reply, as their pieces arrive.
#[derive(Debug, Default)]
pub(crate) struct ToolCallsInProgress(Vec<ToolCall>);

/// Most calls one reply may make (more is a protocol error, not memory).
pub(crate) const MAX_TOOL_CALLS: usize = 64;

/// Longest arguments of one call, in bytes.
pub(crate) const MAX_ARGUMENT_BYTES: usize = 1024 * 1024;

impl ToolCallsInProgress {
    /// Adds a piece; an error when the reply goes past the bounds.
    pub(crate) fn add(&mut self, part: ToolCallPart) -> Result<(), String> {
        if part.index >= MAX_TOOL_CALLS {
            return Err(format!(
                "the model made more than {MAX_TOOL_CALLS} tool calls"
            ));
        }
        if self.0.len() <= part.index {
            self.0.resize_with(part.index + 1, ToolCall::default);
        }
        let call = &mut self.0[part.index];
        if let Some(id) = part.id {
            call.id = id;
        }
        if let Some(name) = part.name {
            call.name.push_str(&name);
        }
        if let Some(arguments) = part.arguments {
            if call.arguments.len() + arguments.len() > MAX_ARGUMENT_BYTES {
                return Err("a tool call's arguments are larger than 1 MiB".into());
            }
            call.arguments.push_str(&arguments);
        }
        Ok(())
    }

    /// The whole calls (those with a name), in the model's order.
    pub(crate) fn finish(self) -> Vec<ToolCall> {
        self.0
            .into_iter()
            .filter(|call| !call.name.is_empty())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_make_whole_calls_in_order() {
        let mut calls = ToolCallsInProgress::default();
        let part = |index, id: Option<&str>, name: Option<&str>, args: Option<&str>| ToolCallPart {
            index,
            id: id.map(str::to_string),
            name: name.map(str::to_string),
            arguments: args.map(str::to_string),
        };
        calls
            .add(part(0, Some("a"), Some("add"), Some("{\"a\":")))
            .unwrap();
        calls.add(part(1, Some("b"), Some("echo"), None)).unwrap();
        calls.add(part(0, None, None, Some("2}"))).unwrap();
        let done = calls.finish();
        assert_eq!(done.len(), 2);
        assert_eq!((done[0].id.as_str(), done[0].name.as_str()), ("a", "add"));
        assert_eq!(done[0].arguments_json().unwrap()["a"], 2);
        assert_eq!(done[1].arguments_json().unwrap(), serde_json::json!({}));
        let mut many = ToolCallsInProgress::default();
        assert!(many
            .add(part(MAX_TOOL_CALLS, None, Some("x"), None))
            .is_err());
    }
}
