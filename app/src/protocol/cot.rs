//! Chain of thought: which intermediate steps the chat shows.

use serde::{Deserialize, Serialize};

use super::StepType;

/// Which intermediate steps the chat shows (`[UI] cot`). The same value is
/// read from `config.toml` and sent to the browser with `ready`.
///
/// ```
/// use loquat_app::protocol::{Cot, StepType};
///
/// assert_eq!(serde_json::to_string(&Cot::ToolCall).unwrap(), r#""tool_call""#);
/// assert!(Cot::ToolCall.shows(StepType::Tool));
/// assert!(!Cot::ToolCall.shows(StepType::Llm));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Cot {
    /// Every step.
    #[default]
    Full,
    /// Only tool calls.
    ToolCall,
    /// No steps.
    Hidden,
}

impl Cot {
    /// Every variant, in documentation order.
    pub const ALL: [Cot; 3] = [Cot::Full, Cot::ToolCall, Cot::Hidden];

    /// The name used in `config.toml`, `LOQUAT_COT` and on the wire.
    #[must_use]
    pub fn as_str(&self) -> &'static str {
        match self {
            Cot::Full => "full",
            Cot::ToolCall => "tool_call",
            Cot::Hidden => "hidden",
        }
    }

    /// Whether a step of this type is shown (messages are not steps: they
    /// are always shown).
    #[must_use]
    pub fn shows(&self, step_type: StepType) -> bool {
        match self {
            Cot::Full => true,
            Cot::ToolCall => step_type == StepType::Tool,
            Cot::Hidden => false,
        }
    }
}

impl std::fmt::Display for Cot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_serde() {
        for cot in Cot::ALL {
            let json = serde_json::to_string(&cot).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", cot.as_str()));
            assert_eq!(serde_json::from_str::<Cot>(&json).ok(), Some(cot));
        }
        assert!(serde_json::from_str::<Cot>("\"Full\"").is_err());
        assert!(serde_json::from_str::<Cot>("\"sometimes\"").is_err());
    }
}
