//! Placeholder until the OpenAI-compatible client lands.
use serde::{Deserialize, Serialize};
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role { System, User, Assistant }
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChatMessage { pub role: Role, pub content: String }
