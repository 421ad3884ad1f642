//! Starters and commands through a real server: the starters hook runs per
//! user for the chat pages (two users see their own), the commands a hook
//! sets reach every tab, and a message's command travels to `on_message`
//! and stays with the message in the thread; a malformed command is
//! refused and nothing is posted.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use loquat::auth::AuthSecret;
use loquat::protocol::{ClientEvent, ErrorCode, StepType, COMMAND_KEY};
use loquat::{Chat, Command, Loquat, Message, Starter, User};
use support::auth::{secret, status_with};
use support::{Client, TestApp};

fn command_app() -> Loquat {
    Loquat::new()
        .on_chat_start(|chat: Chat| async move {
            chat.set_commands(vec![
                Command::new("Search").description("Find it").button(),
                Command::new("Picture").persistent(),
            ])
            .await?;
            Ok(())
        })
        .on_message(|chat: Chat, msg: Message| async move {
            let said = match &msg.command {
                Some(command) => format!("{command}: {}", msg.content),
                None => format!("plain: {}", msg.content),
            };
            chat.send(Message::assistant(said)).await?;
            Ok(())
        })
}

fn says(client: &Client, text: &str) -> bool {
    client
        .messages_of(StepType::AssistantMessage)
        .iter()
        .any(|s| s.output == text)
}

async fn send(client: &mut Client, content: &str, command: Option<&str>) {
    client
        .send(&ClientEvent::Send {
            content: content.into(),
            files: vec![],
            command: command.map(str::to_string),
        })
        .await;
}

#[tokio::test]
async fn a_messages_command_reaches_the_hook_and_stays_with_the_message() {
    let app = TestApp::start(command_app()).await;
    let mut client = app.client().await;
    client.wait_for(|c| c.commands.len() == 2).await;
    assert!(client.commands[0].button && client.commands[1].persistent);
    send(&mut client, "cats", Some("Search")).await;
    client.wait_for(|c| says(c, "Search: cats")).await;
    send(&mut client, "dogs", None).await;
    client.wait_for(|c| says(c, "plain: dogs")).await;

    let users = client.messages_of(StepType::UserMessage);
    assert_eq!(users[0].metadata[COMMAND_KEY], "Search");
    assert!(!users[1].metadata.contains_key(COMMAND_KEY));

    // A tab that attaches later gets the commands with its snapshot.
    let mut other = Client::connect(app.addr, Some(client.session_id.clone()), None).await;
    other.wait_for(|c| c.snapshots > 0).await;
    assert_eq!(other.commands, client.commands);
    app.stop().await;
}

#[tokio::test]
async fn a_malformed_command_is_refused_and_nothing_is_posted() {
    let app = TestApp::start(command_app()).await;
    let mut client = app.client().await;
    let long = "x".repeat(65);
    send(&mut client, "hello", Some(&long)).await;
    send(&mut client, "hello", Some("a\u{0}b")).await;
    send(&mut client, "hello", Some("")).await;
    client.wait_for(|c| c.errors.len() == 3).await;
    assert!(client
        .error_codes()
        .iter()
        .all(|c| *c == ErrorCode::MalformedFrame));
    // The next good message is the first one posted.
    send(&mut client, "fine", Some("Picture")).await;
    client.wait_for(|c| says(c, "Picture: fine")).await;
    assert_eq!(client.messages_of(StepType::UserMessage).len(), 1);
    app.stop().await;
}

#[tokio::test]
async fn a_hook_that_sets_bad_commands_gets_an_error() {
    let app = TestApp::start(
        Loquat::new().on_message(|chat: Chat, _msg: Message| async move {
            let twice = chat
                .set_commands(vec![Command::new("A"), Command::new("A")])
                .await;
            let empty = chat.set_commands(vec![Command::new("")]).await;
            chat.send(Message::assistant(format!(
                "{} / {}",
                twice.is_err(),
                empty.is_err()
            )))
            .await?;
            Ok(())
        }),
    )
    .await;
    let mut client = app.client().await;
    client.say("go").await;
    client.wait_for(|c| says(c, "true / true")).await;
    app.stop().await;
}

fn starter_app() -> Loquat {
    Loquat::new()
        .auth_secret(AuthSecret::new(secret()).unwrap())
        .header_auth(|headers| async move {
            let name = headers.get("x-forwarded-user")?.to_str().ok()?;
            Some(User::new(name))
        })
        .starters(|user: Option<User>, _profile: Option<String>| async move {
            let name = user.map(|u| u.identifier).unwrap_or_default();
            vec![
                Starter::new(
                    format!("Plan for {name}"),
                    format!("Make a plan for {name}"),
                ),
                Starter::new("Draft", "Dear ").fill().command("Canvas"),
            ]
        })
}

/// The starters in the page's embedded settings.
fn starters_in(page: &str) -> Vec<Starter> {
    let start = page
        .find(r#"id="loquat-config">"#)
        .map(|i| i + r#"id="loquat-config">"#.len())
        .expect("the page embeds its settings");
    let end = start + page[start..].find("</script>").expect("closed");
    let config: loquat::protocol::UiConfig =
        serde_json::from_str(&page[start..end]).expect("settings JSON");
    config.starters
}

#[tokio::test]
async fn each_user_sees_their_own_starters_on_the_chat_pages() {
    let app = TestApp::start(starter_app()).await;
    let (status, erin) = status_with(&app, "/", &[("x-forwarded-user", "erin")]).await;
    assert_eq!(status, 200);
    let (_, finn) = status_with(&app, "/", &[("x-forwarded-user", "finn")]).await;
    let erin = starters_in(&erin);
    let finn = starters_in(&finn);
    assert_eq!(erin[0].label, "Plan for erin");
    assert_eq!(finn[0].label, "Plan for finn");
    assert!(erin[1].fill && erin[1].command.as_deref() == Some("Canvas"));
    // Rendered on the server, so they show before the app hydrates.
    let (_, html) = status_with(&app, "/", &[("x-forwarded-user", "erin")]).await;
    assert!(html.contains(r#"data-testid="starter""#), "{html}");
    assert!(html.contains("Make a plan for erin"));
    assert!(!html.contains("Make a plan for finn"));
    app.stop().await;
}
