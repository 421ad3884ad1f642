//! Chat with any OpenAI-compatible model, with memory of the conversation.
//!
//! Run: `OPENAI_API_KEY=sk-… cargo run -p loquat --example openai`
//! or, for a local model: `LOQUAT_LLM_BASE_URL=http://127.0.0.1:11434/v1 LOQUAT_LLM_MODEL=llama3.2 cargo run -p loquat --example openai`
use futures_util::StreamExt;
use loquat::llm::{ChatMessage, LlmClient, LlmConfig, LlmEvent};
use loquat::{Chat, Loquat, Message};

const MEMORY: &str = "memory";

#[tokio::main]
async fn main() -> Result<(), loquat::ServeError> {
    let Some(config) = LlmConfig::from_env() else {
        eprintln!("Set OPENAI_API_KEY, or LOQUAT_LLM_BASE_URL and LOQUAT_LLM_MODEL, first.");
        std::process::exit(2);
    };
    let client = LlmClient::new(config);
    Loquat::new()
        .on_chat_start(|chat: Chat| async move {
            // The memory starts with the instructions and grows each turn.
            chat.user_session().set(
                MEMORY,
                vec![ChatMessage::system("You are a helpful, concise assistant.")],
            );
            Ok(())
        })
        .on_message(move |chat: Chat, msg: Message| {
            let client = client.clone();
            async move {
                let memory = chat
                    .user_session()
                    .update(MEMORY, |m: &mut Vec<ChatMessage>| {
                        m.push(ChatMessage::user(msg.content.clone()))
                    });
                let reply = chat.stream(Message::assistant("")).await?;
                let mut answer = String::new();
                let mut stream = client.stream_chat(&memory).await?;
                while let Some(event) = stream.next().await {
                    if let LlmEvent::Delta(text) = event? {
                        reply.token(&text).await?;
                        answer.push_str(&text);
                    }
                }
                reply.finish().await?;
                chat.user_session()
                    .update(MEMORY, |m: &mut Vec<ChatMessage>| {
                        m.push(ChatMessage::assistant(answer))
                    });
                Ok(())
            }
        })
        .serve()
        .await
}
