//! Streaming chat client for any OpenAI-compatible endpoint.
//!
//! Works with OpenAI, Mistral, Ollama, vLLM, LM Studio and anything else that
//! speaks `POST {base_url}/chat/completions` with server-sent events. The
//! protocol itself (HTTP, auth header, SSE framing, retries) is handled by the
//! [`async_openai`] crate; this module adds environment configuration,
//! lenient chunk parsing and readable errors.
//!
//! ```no_run
//! use futures_util::StreamExt;
//! use loquat::llm::{ChatMessage, LlmClient, LlmConfig, LlmEvent};
//!
//! # async fn demo() -> Result<(), loquat::llm::LlmError> {
//! let Some(config) = LlmConfig::from_env() else {
//!     return Ok(()); // no endpoint configured
//! };
//! let client = LlmClient::new(config);
//! let history = vec![
//!     ChatMessage::system("You are terse."),
//!     ChatMessage::user("Name a fruit."),
//! ];
//! let mut reply = client.stream_chat(&history).await?;
//! while let Some(event) = reply.next().await {
//!     match event? {
//!         LlmEvent::Delta(text) => print!("{text}"),
//!         LlmEvent::Usage(usage) => println!("\n[{} tokens]", usage.total_tokens),
//!         LlmEvent::ToolCall(_) => {} // only when tools are offered
//!     }
//! }
//! # Ok(())
//! # }
//! ```

mod chunk;
mod client;
mod config;
mod error;
mod message;
mod tools;

pub use client::{LlmClient, LlmStream};
pub use config::{LlmConfig, DEFAULT_BASE_URL, DEFAULT_MODEL};
pub use error::LlmError;
pub use message::{ChatMessage, LlmEvent, Role, Usage};
pub use tools::{LlmTool, ToolCall, Turn};
