//! Streams a reply token by token, greets on start and reacts to stop.
//!
//! Run: `cargo run -p loquat --example streaming`
use std::time::Duration;

use loquat::{Chat, Loquat, Message};

#[tokio::main]
async fn main() -> Result<(), loquat::ServeError> {
    Loquat::new()
        .on_chat_start(|chat: Chat| async move {
            chat.send(Message::assistant(
                "Say something and I will spell it out, slowly.",
            ))
            .await?;
            Ok(())
        })
        .on_message(|chat: Chat, msg: Message| async move {
            let reply = chat.stream(Message::assistant("")).await?;
            for word in msg.content.split_inclusive(' ') {
                for letter in word.chars() {
                    reply.token(&letter.to_string()).await?;
                    tokio::time::sleep(Duration::from_millis(60)).await;
                }
            }
            reply.finish().await?;
            Ok(())
        })
        .on_stop(|chat: Chat| async move {
            chat.send(Message::system("Stopped.")).await?;
            Ok(())
        })
        .serve()
        .await
}
