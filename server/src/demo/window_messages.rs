//! The demo's answer to the page that embeds it: it says in the chat what
//! the page posted, and posts it back (`{"echo": …}`), so a host page can
//! see the round trip (docs/embedding.md); and `/call <name> [JSON]` calls
//! a function of the page and says what it answered.

use crate::error::HookResult;
use std::time::Duration;

use crate::sdk::{Chat, Message};

/// How long `/call` waits for the page: `LOQUAT_DEMO_CALL_TIMEOUT_MS`,
/// else 10 seconds.
fn call_timeout() -> Duration {
    std::env::var("LOQUAT_DEMO_CALL_TIMEOUT_MS")
        .ok()
        .and_then(|ms| ms.trim().parse::<u64>().ok())
        .filter(|ms| *ms > 0)
        .map_or(Duration::from_secs(10), Duration::from_millis)
}

/// How much of a posted value the chat shows.
const SHOWN_CHARS: usize = 200;

pub async fn on_window_message(chat: Chat, value: serde_json::Value) -> HookResult {
    let text = value.to_string();
    let shown: String = text.chars().take(SHOWN_CHARS).collect();
    let more = if shown.len() < text.len() { "…" } else { "" };
    chat.send(Message::system(format!(
        "The page around the chat says: `{shown}{more}`"
    )))
    .await?;
    chat.send_window_message(serde_json::json!({ "echo": value }))
        .await?;
    Ok(())
}

/// `/call <name> [JSON]`: calls the page's function `name` with the JSON
/// after it (`null` without) and says what the page answered, or why not.
pub async fn call(chat: &Chat, name: Option<&str>, content: &str) -> HookResult {
    let Some(name) = name else {
        chat.send(Message::assistant(
            "Say which function: `/call <name> [JSON]`.",
        ))
        .await?;
        return Ok(());
    };
    let rest = content.split_once(name).map_or("", |(_, rest)| rest).trim();
    let args = if rest.is_empty() {
        serde_json::Value::Null
    } else {
        match serde_json::from_str(rest) {
            Ok(args) => args,
            Err(err) => {
                chat.send(Message::assistant(format!(
                    "The arguments are not JSON: {err}"
                )))
                .await?;
                return Ok(());
            }
        }
    };
    let reply = match chat.call_fn(name, args).timeout(call_timeout()).await {
        Ok(value) => format!("The page answered `{name}`: `{value}`"),
        Err(err) => format!("The call of `{name}` failed: {err}"),
    };
    chat.send(Message::assistant(reply)).await?;
    Ok(())
}
