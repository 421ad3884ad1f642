//! The default app's model mode: the conversation so far goes to an
//! OpenAI-compatible endpoint and the reply streams back, with an `llm` step
//! showing the model and the token usage it reports.

use futures_util::StreamExt;
use serde_json::json;

use crate::error::HookResult;
use crate::llm::{LlmClient, LlmEvent, Usage};
use crate::sdk::{Chat, Message};
use crate::StepType;

fn usage_summary(model: &str, usage: Option<&Usage>) -> String {
    match usage {
        Some(u) => format!(
            "`{model}` · {} prompt + {} completion = {} tokens",
            u.prompt_tokens, u.completion_tokens, u.total_tokens
        ),
        None => format!("`{model}` (no token usage reported)"),
    }
}

/// Streams the model's reply to the conversation so far.
pub async fn llm_reply(chat: Chat, client: LlmClient) -> HookResult {
    let history = chat.messages();
    let step = chat
        .step(client.model())
        .kind(StepType::Llm)
        .metadata("model", json!(client.model()))
        .start()
        .await?;
    let mut stream = match client.stream_chat(&history).await {
        Ok(stream) => stream,
        Err(err) => {
            step.fail(&err).await?;
            return Err(err.into());
        }
    };
    let reply = chat.stream(Message::assistant("")).await?;
    let mut usage = None;
    while let Some(event) = stream.next().await {
        match event {
            Ok(LlmEvent::Delta(text)) => reply.token(&text).await?,
            Ok(LlmEvent::Usage(u)) => usage = Some(u),
            Err(err) => {
                reply.finish().await?;
                step.fail(&err).await?;
                return Err(err.into());
            }
        }
    }
    reply.finish().await?;
    step.finish_with(usage_summary(client.model(), usage.as_ref()))
        .await?;
    Ok(())
}
