//! The default app's model mode: the conversation so far goes to an
//! OpenAI-compatible endpoint and the reply streams back, with an `llm` step
//! showing the model and the token usage it reports. With `[features.mcp]`
//! servers, the model is offered their tools: each call it makes runs as a
//! `tool` step (input and output shown), its result goes back to the model,
//! and the model answers (at most [`MAX_TOOL_ROUNDS`] rounds of calls).

use futures_util::StreamExt;
use serde_json::json;

use crate::error::HookResult;
use crate::llm::{LlmClient, LlmError, LlmEvent, LlmTool, ToolCall, Turn, Usage};
use crate::mcp::{McpError, McpTool};
use crate::sdk::{Chat, Message, MessageHandle, StepHandle};
use crate::StepType;

/// Rounds of tool calls one reply may take; the last round offers no tools,
/// so the model has to answer.
pub const MAX_TOOL_ROUNDS: usize = 8;

fn usage_summary(model: &str, usage: Option<&Usage>) -> String {
    match usage {
        Some(u) => format!(
            "`{model}` · {} prompt + {} completion = {} tokens",
            u.prompt_tokens, u.completion_tokens, u.total_tokens
        ),
        None => format!("`{model}` (no token usage reported)"),
    }
}

/// Both requests' usage together.
fn add_usage(total: Option<Usage>, more: Usage) -> Usage {
    let total = total.unwrap_or_default();
    Usage {
        prompt_tokens: total.prompt_tokens.saturating_add(more.prompt_tokens),
        completion_tokens: total
            .completion_tokens
            .saturating_add(more.completion_tokens),
        total_tokens: total.total_tokens.saturating_add(more.total_tokens),
    }
}

/// The tools of the chat's MCP servers (none without any; a server that
/// cannot be reached is left out, with a warning in the log).
async fn mcp_tools(chat: &Chat) -> Vec<McpTool> {
    if chat.mcp_servers().is_empty() {
        return Vec::new();
    }
    match chat.mcp_tools().await {
        Ok(tools) => tools,
        Err(err) => {
            tracing::warn!(error = %err, "the MCP tools are not offered to the model");
            Vec::new()
        }
    }
}

/// Runs one call of the model's as a `tool` step; the text for the model.
async fn run_call(chat: &Chat, tools: &[McpTool], call: &ToolCall) -> Result<String, McpError> {
    let Some(tool) = tools.iter().find(|tool| tool.qualified_name() == call.name) else {
        return Ok(format!("There is no tool named `{}`.", call.name));
    };
    let args = match call.arguments_json() {
        Ok(args) => args,
        Err(err) => return Ok(format!("The arguments are not JSON: {err}")),
    };
    match chat.run_mcp_tool(&tool.server, &tool.name, args).await {
        Ok(result) => Ok(result.text),
        // The chat ended: nothing more to do.
        Err(err @ (McpError::Chat(_) | McpError::Closed)) => Err(err),
        // The model reads why, and may try otherwise.
        Err(err) => Ok(format!("The tool failed: {err}")),
    }
}

/// Ends the reply so far and marks the `llm` step failed with `err`.
async fn failed(reply: Option<MessageHandle>, step: StepHandle, err: LlmError) -> HookResult {
    if let Some(reply) = reply {
        reply.finish().await?;
    }
    step.fail(&err).await?;
    Err(err.into())
}

/// Streams the model's reply to the conversation so far.
pub async fn llm_reply(chat: Chat, client: LlmClient) -> HookResult {
    let tools = mcp_tools(&chat).await;
    let offered: Vec<LlmTool> = tools
        .iter()
        .map(|tool| LlmTool {
            name: tool.qualified_name(),
            description: tool.description.clone(),
            parameters: tool.input_schema.clone(),
        })
        .collect();
    let mut turns: Vec<Turn> = chat.messages().into_iter().map(Turn::from).collect();
    let step = chat
        .step(client.model())
        .kind(StepType::Llm)
        .metadata("model", json!(client.model()))
        .start()
        .await?;
    let mut reply: Option<MessageHandle> = None;
    let mut usage = None;
    for round in 0..=MAX_TOOL_ROUNDS {
        let offer = if round < MAX_TOOL_ROUNDS {
            &offered[..]
        } else {
            &[]
        };
        let mut stream = match client.stream_chat_with_tools(&turns, offer).await {
            Ok(stream) => stream,
            Err(err) => return failed(reply, step, err).await,
        };
        let mut text = String::new();
        let mut calls = Vec::new();
        while let Some(event) = stream.next().await {
            match event {
                Ok(LlmEvent::Delta(piece)) => {
                    if reply.is_none() {
                        reply = Some(chat.stream(Message::assistant("")).await?);
                    }
                    if let Some(reply) = &reply {
                        reply.token(&piece).await?;
                    }
                    if !offer.is_empty() {
                        text.push_str(&piece);
                    }
                }
                Ok(LlmEvent::Usage(more)) => usage = Some(add_usage(usage, more)),
                Ok(LlmEvent::ToolCall(call)) => calls.push(call),
                Err(err) => return failed(reply, step, err).await,
            }
        }
        if calls.is_empty() {
            break;
        }
        let mut results = Vec::with_capacity(calls.len());
        for call in &calls {
            let content = run_call(&chat, &tools, call).await?;
            results.push(Turn::ToolResult {
                call_id: call.id.clone(),
                content,
            });
        }
        turns.push(Turn::ToolCalls { text, calls });
        turns.extend(results);
    }
    let reply = match reply {
        Some(reply) => reply,
        None => chat.stream(Message::assistant("")).await?,
    };
    reply.finish().await?;
    step.finish_with(usage_summary(client.model(), usage.as_ref()))
        .await?;
    Ok(())
}
