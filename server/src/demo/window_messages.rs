//! The demo's answer to the page that embeds it: it says in the chat what
//! the page posted, and posts it back (`{"echo": …}`), so a host page can
//! see the round trip (docs/embedding.md).

use crate::error::HookResult;
use crate::sdk::{Chat, Message};

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
