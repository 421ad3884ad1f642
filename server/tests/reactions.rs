//! Reactions and footers: a reaction the user toggles is stored on the
//! message, visible to hooks and usable in serialize filters.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use loquat::config::Config;
use loquat::protocol::{ClientEvent, ErrorCode, StepType};
use loquat::{Chat, Loquat, Message, SerializeOptions};
use support::{Client, TestApp};

fn app() -> Loquat {
    Loquat::new().on_message(|chat: Chat, msg: Message| async move {
        if msg.content == "favorites?" {
            let favorites = chat
                .serialize(&SerializeOptions::new().filter(|step| step.has_reaction("favorite")));
            let texts: Vec<String> = favorites.into_iter().map(|m| m.content).collect();
            chat.send(Message::assistant(format!("favorites: {texts:?}")))
                .await?;
        } else {
            chat.send(Message::assistant(format!("re: {}", msg.content)).footer("*demo*"))
                .await?;
        }
        Ok(())
    })
}

async fn converse(client: &mut Client, text: &str) -> loquat::Step {
    let runs = client.run_ends().len();
    client.say(text).await;
    client.wait_for(|c| c.run_ends().len() > runs).await;
    client
        .messages_of(StepType::AssistantMessage)
        .last()
        .cloned()
        .cloned()
        .unwrap()
}

async fn react(client: &mut Client, step_id: &str, reaction: &str, active: bool) {
    client
        .send(&ClientEvent::React {
            step_id: step_id.into(),
            reaction: reaction.into(),
            active,
        })
        .await;
}

#[tokio::test]
async fn reactions_are_stored_on_the_message_and_filter_the_conversation() {
    let mut config = Config::default();
    config.ui.reactions = vec!["favorite".into(), "like".into()];
    let app = TestApp::start_with(app(), config).await;
    let mut client = app.client().await;
    let first = converse(&mut client, "one").await;
    assert_eq!(first.footer(), Some("*demo*"));
    let second = converse(&mut client, "two").await;

    react(&mut client, &first.id, "favorite", true).await;
    react(&mut client, &second.id, "like", true).await;
    client
        .wait_for(|c| {
            c.steps
                .iter()
                .any(|s| s.id == second.id && s.has_reaction("like"))
                && c.steps
                    .iter()
                    .any(|s| s.id == first.id && s.has_reaction("favorite"))
        })
        .await;
    let reply = converse(&mut client, "favorites?").await;
    assert_eq!(reply.output, r#"favorites: ["re: one"]"#);

    // Off again; an unoffered reaction or a made-up message is refused.
    react(&mut client, &first.id, "favorite", false).await;
    client
        .wait_for(|c| {
            c.steps
                .iter()
                .any(|s| s.id == first.id && s.reactions().is_empty())
        })
        .await;
    react(&mut client, &first.id, "party", true).await;
    client
        .wait_for(|c| c.error_codes().contains(&ErrorCode::FeatureDisabled))
        .await;
    react(&mut client, "nope", "like", true).await;
    client
        .wait_for(|c| c.error_codes().contains(&ErrorCode::UnknownStep))
        .await;

    // Stored: a resumed thread has them.
    let thread_id = client.thread_id.clone();
    client.send(&ClientEvent::EndChat).await;
    let mut resumed = app.open_thread(&thread_id).await;
    resumed.wait_for(|c| !c.steps.is_empty()).await;
    let stored = resumed.steps.iter().find(|s| s.id == second.id).unwrap();
    assert_eq!(stored.reactions(), ["like"]);
}
