//! Chat profiles: two assistants to pick from in the header, each with its
//! own description and starters; hooks read the picked one with
//! `chat.profile()`. Picking the other starts a new chat with it.
//!
//! Run: `cargo run -p loquat --example profiles` and open http://127.0.0.1:3000
use loquat::{Chat, ChatProfile, Loquat, Message, Starter, User};

#[tokio::main]
async fn main() -> Result<(), loquat::ServeError> {
    Loquat::new()
        .chat_profiles(|_user: Option<User>| async move {
            vec![
                ChatProfile::new("Support")
                    .description("Answers questions about **your order**.")
                    .default()
                    .starter(Starter::new("Where is my order?", "Where is my order?")),
                ChatProfile::new("Sales")
                    .description("Helps you **choose a plan**.")
                    .app_name("Sales desk")
                    .starter(Starter::new("Compare the plans", "Compare your plans"))
                    .starter(Starter::new("Ask for a discount", "Could I get ").fill()),
            ]
        })
        .on_chat_start(|chat: Chat| async move {
            let profile = chat.profile().unwrap_or("no").to_string();
            chat.send(Message::assistant(format!("You are talking to {profile}.")))
                .await?;
            Ok(())
        })
        .on_message(|chat: Chat, msg: Message| async move {
            let profile = chat.profile().unwrap_or("-").to_string();
            chat.send(Message::assistant(format!("[{profile}] {}", msg.content)))
                .await?;
            Ok(())
        })
        .serve()
        .await
}
