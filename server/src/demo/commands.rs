//! The demo's starters and commands: suggestions on the empty chat, and
//! `/commands`, which gives the composer a `/` menu and a button command;
//! a message sent with one is answered by saying which it was.

use crate::error::HookResult;
use crate::sdk::{Chat, Message};
use crate::{Command, Starter, User};

/// The starters on the demo's empty chat.
pub async fn starters(_user: Option<User>, _profile: Option<String>) -> Vec<Starter> {
    vec![
        Starter::new("Show me what you can do", "/help"),
        Starter::new("Try the chat settings", "/settings"),
        Starter::new("A 10,000-row table", "/table"),
        Starter::new("Ask your own question", "Tell me about ").fill(),
    ]
}

/// The commands `/commands` sets.
pub fn demo_commands() -> Vec<Command> {
    vec![
        Command::new("Picture").description("Draw a picture of it"),
        Command::new("Search")
            .description("Find it on the web")
            .button(),
        Command::new("Canvas")
            .description("Write it together (stays on)")
            .persistent(),
    ]
}

/// `/commands`: the composer offers the demo's commands.
pub async fn declare(chat: &Chat) -> HookResult {
    chat.set_commands(demo_commands()).await?;
    chat.send(Message::assistant(
        "This chat has commands now: type `/` in the message box to pick one (arrow keys and \
Enter), or toggle **Search** under it. Your next message goes with the command.",
    ))
    .await?;
    Ok(())
}

/// The reply to a message sent with `command`.
pub async fn answer(chat: &Chat, command: &str, content: &str) -> HookResult {
    let known = chat.commands().iter().any(|c| c.id == command);
    let text = if known {
        format!("Command **{command}** received, with: {content}")
    } else {
        format!(
            "There is no command {command:?} in this chat; I read your message as is: {content}"
        )
    };
    chat.send(Message::assistant(text)).await?;
    Ok(())
}
