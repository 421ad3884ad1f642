//! The offline demo assistant: a deterministic markdown reply, streamed at a
//! visible pace after a nested tool step, so every part of the UI shows up
//! without an API key.

use std::time::Duration;

use crate::error::HookResult;
use crate::sdk::{Chat, Message};
use crate::StepType;

/// The demo's reply to `content` when it sees `earlier` earlier messages.
pub fn reply_text(content: &str, earlier: usize) -> String {
    let quoted: String = content.chars().take(80).collect();
    let plural = if earlier == 1 { "" } else { "s" };
    format!(
        "## Hello from the Loquat demo\n\n\
You said: *{quoted}*. I am the built-in offline assistant, so this answer comes \
without a language model. I can see {earlier} earlier message{plural} in this conversation.\n\n\
Here is what just happened:\n\n\
- Your message travelled to the server over a WebSocket.\n\
- A **tool step** named `search_docs` ran inside a plan step; expand it to see its input and output.\n\
- This reply streams to you token by token, as small deltas, never the whole text again.\n\
- If you reload the page now, the reply keeps going and continues where it was.\n\
- Every event is numbered, so after a reconnect nothing is lost and nothing is shown twice.\n\n\
A complete Loquat app is about this long:\n\n\
```rust\n\
Loquat::new()\n    .on_message(|chat: Chat, msg: Message| async move {{\n        \
chat.send(Message::assistant(format!(\"Received: {{}}\", msg.content))).await?;\n        \
Ok(())\n    }})\n    .serve()\n    .await\n\
```\n\n\
Type `/help` to see images, tables, charts, task lists and buttons.\n\n\
> **Connect a real model:** set `OPENAI_API_KEY` (or `LOQUAT_LLM_BASE_URL` for Ollama, \
vLLM or LM Studio, with `LOQUAT_LLM_MODEL`) and restart the server.\n"
    )
}

/// Splits text into word-sized tokens, each keeping its trailing whitespace.
pub(crate) fn tokens(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut prev_space = false;
    for (i, c) in text.char_indices() {
        let space = c.is_whitespace();
        if prev_space && !space {
            out.push(&text[start..i]);
            start = i;
        }
        prev_space = space;
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

/// The offline demo's `on_message`: a plan step with a nested tool step,
/// then a streamed markdown reply, one token every `pace`.
pub async fn offline_reply(chat: Chat, msg: Message, pace: Option<Duration>) -> HookResult {
    if let Some(command) = &msg.command {
        return super::commands::answer(&chat, command, &msg.content).await;
    }
    if let Some(done) = super::showcase::run(&chat, &msg.content, pace).await {
        return done;
    }
    if !msg.files.is_empty() {
        return super::showcase::describe_files(&chat, &msg).await;
    }
    let earlier = chat.messages().len().saturating_sub(1);
    let plan = chat.step("Plan").kind(StepType::Run).start().await?;
    let search = plan
        .step("search_docs")
        .kind(StepType::Tool)
        .input(serde_json::json!({ "query": msg.content }).to_string())
        .show_input("json")
        .start()
        .await?;
    if let Some(pace) = pace {
        tokio::time::sleep(pace * 4).await;
    }
    search.finish_with("Found 3 documents").await?;
    plan.finish_with("Answer from the documents").await?;

    let reply = chat.stream(Message::assistant("")).await?;
    let text = reply_text(&msg.content, earlier);
    let mut ticker = pace.map(tokio::time::interval);
    for token in tokens(&text) {
        if let Some(ticker) = ticker.as_mut() {
            ticker.tick().await;
        }
        reply.token(token).await?;
    }
    reply.finish().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_rejoin_to_the_text_and_the_reply_is_long_enough() {
        let text = reply_text("hello", 0);
        let toks = tokens(&text);
        assert_eq!(toks.concat(), text);
        assert!(toks.len() >= 150, "only {} tokens", toks.len());
        assert!(text.contains("## "));
        assert!(text.contains("\n- "));
        assert!(text.contains("```rust"));
        assert!(text.trim_end().ends_with("restart the server."));
        assert!(reply_text("x", 1).contains("1 earlier message "));
    }
}
