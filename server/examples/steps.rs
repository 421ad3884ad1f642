//! Nested steps (chain of thought) and a failing step; the hook names the
//! thread after the latest topic (the history shows it at once).
//!
//! Run: `cargo run -p loquat --example steps`
use std::time::Duration;

use loquat::{Chat, Loquat, Message, StepKind};

#[tokio::main]
async fn main() -> Result<(), loquat::ServeError> {
    Loquat::new()
        .on_message(|chat: Chat, msg: Message| async move {
            chat.set_thread_name(format!("Research: {}", msg.content))
                .await?;
            let plan = chat.step("Research").kind(StepKind::Run).start().await?;

            let search = plan
                .step("web_search")
                .kind(StepKind::Tool)
                .input(format!("{{\"query\": {:?}}}", msg.content))
                .show_input("json")
                .start()
                .await?;
            tokio::time::sleep(Duration::from_millis(400)).await;
            search.finish_with("Found 2 relevant pages.").await?;

            let summarize = plan.step("summarize").kind(StepKind::Llm).start().await?;
            for token in ["The pages ", "agree ", "on ", "the ", "answer."] {
                summarize.token(token).await?;
                tokio::time::sleep(Duration::from_millis(80)).await;
            }
            summarize.finish().await?;

            let flaky = plan
                .step("citation_check")
                .kind(StepKind::Tool)
                .start()
                .await?;
            flaky.fail("the citation service timed out").await?;

            plan.finish().await?;
            chat.send(Message::assistant(format!(
                "Here is what I found about **{}**.",
                msg.content
            )))
            .await?;
            Ok(())
        })
        .serve()
        .await
}
