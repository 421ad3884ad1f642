//! The smallest Loquat app: echoes every message.
//!
//! Run: `cargo run -p loquat --example hello` and open http://127.0.0.1:3000
//! (`loquat new <DIR>` starts an app crate of your own from this code).
use loquat::{Chat, Loquat, Message};

#[tokio::main]
async fn main() -> Result<(), loquat::ServeError> {
    Loquat::new()
        .on_message(|chat: Chat, msg: Message| async move {
            chat.send(Message::assistant(format!("Received: {}", msg.content)))
                .await?;
            Ok(())
        })
        .serve()
        .await
}
