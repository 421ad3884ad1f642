//! The `chat.completion.chunk` objects of the reply stream.
//!
//! Deliberately lenient: async-openai's own chunk type requires fields and enum
//! values (`id`, `created`, known `finish_reason`s…) that some compatible
//! servers omit or extend, and a single unexpected value would abort the
//! reply. Only what Loquat shows is read here; everything else is ignored.

use serde::Deserialize;

use super::error::{message_in_value, LlmError};
use super::message::{LlmEvent, Usage};
use super::tools::ToolCallPart;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Chunk {
    choices: Option<Vec<Choice>>,
    usage: Option<ChunkUsage>,
    /// Some servers report failures mid-stream as `data: {"error": …}`.
    error: Option<serde_json::Value>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Choice {
    delta: Option<Delta>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Delta {
    content: Option<String>,
    tool_calls: Option<Vec<DeltaToolCall>>,
}

/// A piece of a tool call: `index` says which call it continues.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct DeltaToolCall {
    index: usize,
    id: Option<String>,
    function: Option<DeltaFunction>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct DeltaFunction {
    name: Option<String>,
    arguments: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ChunkUsage {
    prompt_tokens: Option<u32>,
    completion_tokens: Option<u32>,
    total_tokens: Option<u32>,
}

impl Chunk {
    /// The pieces of tool calls this chunk carries (taken out of it).
    pub(crate) fn take_tool_parts(&mut self) -> Vec<ToolCallPart> {
        self.choices
            .iter_mut()
            .flatten()
            .filter_map(|choice| choice.delta.as_mut()?.tool_calls.take())
            .flatten()
            .map(|call| {
                let function = call.function.unwrap_or_default();
                ToolCallPart {
                    index: call.index,
                    id: call.id,
                    name: function.name,
                    arguments: function.arguments,
                }
            })
            .collect()
    }

    /// The events this chunk carries: reply text first, then usage.
    pub(crate) fn into_events(self) -> Result<Vec<LlmEvent>, LlmError> {
        if let Some(error) = self.error.filter(|e| !e.is_null()) {
            let wrapped = serde_json::json!({ "error": error });
            let message = message_in_value(&wrapped).unwrap_or_else(|| error.to_string());
            return Err(LlmError::Remote(message));
        }

        let mut events = Vec::with_capacity(2);
        let text: String = self
            .choices
            .unwrap_or_default()
            .into_iter()
            .filter_map(|choice| choice.delta?.content)
            .collect();
        if !text.is_empty() {
            events.push(LlmEvent::Delta(text));
        }
        if let Some(usage) = self.usage {
            let prompt_tokens = usage.prompt_tokens.unwrap_or(0);
            let completion_tokens = usage.completion_tokens.unwrap_or(0);
            events.push(LlmEvent::Usage(Usage {
                prompt_tokens,
                completion_tokens,
                total_tokens: usage
                    .total_tokens
                    .unwrap_or(prompt_tokens.saturating_add(completion_tokens)),
            }));
        }
        Ok(events)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(json: &str) -> Result<Vec<LlmEvent>, LlmError> {
        let chunk: Chunk =
            serde_json::from_str(json).map_err(|e| LlmError::Protocol(e.to_string()))?;
        chunk.into_events()
    }

    #[test]
    fn reads_text_and_skips_empty_deltas() {
        let first = r#"{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}],"usage":null}"#;
        assert_eq!(events(first).ok(), Some(vec![]));
        let text =
            r#"{"choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":"eos_token"}]}"#;
        assert_eq!(events(text).ok(), Some(vec![LlmEvent::Delta("Hi".into())]));
        let null_delta = r#"{"choices":[{"index":0,"delta":null}],"usage":null}"#;
        assert_eq!(events(null_delta).ok(), Some(vec![]));
    }

    #[test]
    fn reads_usage_alone_or_with_text() {
        let usage =
            r#"{"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7}}"#;
        assert_eq!(
            events(usage).ok(),
            Some(vec![LlmEvent::Usage(Usage {
                prompt_tokens: 3,
                completion_tokens: 4,
                total_tokens: 7
            })])
        );
        let both = r#"{"choices":[{"delta":{"content":"."}}],"usage":{"prompt_tokens":3,"completion_tokens":4}}"#;
        assert_eq!(
            events(both).ok(),
            Some(vec![
                LlmEvent::Delta(".".into()),
                LlmEvent::Usage(Usage {
                    prompt_tokens: 3,
                    completion_tokens: 4,
                    total_tokens: 7
                })
            ])
        );
    }

    #[test]
    fn an_error_object_becomes_an_error() {
        let err = events(r#"{"error":{"message":"overloaded","type":"server_error"}}"#);
        assert!(
            matches!(err, Err(LlmError::Remote(ref m)) if m == "overloaded"),
            "{err:?}"
        );
        let err = events(r#"{"error":"boom"}"#);
        assert!(
            matches!(err, Err(LlmError::Remote(ref m)) if m == "boom"),
            "{err:?}"
        );
    }
}
