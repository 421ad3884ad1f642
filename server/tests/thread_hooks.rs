//! Threads from hooks: a hook names the thread, tags it and gives it
//! metadata; the history shows the name at once; after a restart
//! `on_chat_resume` receives the stored thread, and what the app saved in
//! the user session is back.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use loquat::config::Config;
use loquat::data::ThreadRecord;
use loquat::protocol::ThreadPage;
use loquat::{Chat, Loquat, Message};
use support::{Client, TempDir, TestApp};

fn app() -> Loquat {
    Loquat::new()
        .on_message(|chat: Chat, msg: Message| async move {
            let count = chat.user_session().load::<u32>("count").unwrap_or(0) + 1;
            chat.user_session().save("count", &count)?;
            chat.user_session().set("not saved", 7u8);
            if msg.content == "name it" {
                chat.set_thread_name("Named by the hook").await?;
                chat.set_thread_tags(vec!["travel".into(), "lisbon".into()])
                    .await?;
                let meta = loquat::json!({ "customer": "ACME" });
                chat.set_thread_metadata(meta.as_object().cloned().unwrap())
                    .await?;
            }
            chat.send(Message::assistant(format!("count {count}")))
                .await?;
            Ok(())
        })
        .on_chat_resume(|chat: Chat, thread: ThreadRecord| async move {
            let count = chat.user_session().load::<u32>("count").unwrap_or(0);
            let lost = chat.user_session().get::<u8>("not saved").is_none();
            let text = format!(
                "resumed {} tags={} customer={} count={count} lost={lost}",
                thread.name.unwrap_or_default(),
                thread.tags.join(","),
                thread.metadata["customer"].as_str().unwrap_or("?"),
            );
            chat.send(Message::system(text)).await?;
            Ok(())
        })
}

async fn say(client: &mut Client, text: &str, reply: &str) {
    client.say(text).await;
    client
        .wait_for(|c| c.steps.iter().any(|s| s.output == reply))
        .await;
}

async fn list(app: &TestApp) -> ThreadPage {
    let (status, body) = app.server_fn("threads/list", &[]).await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).unwrap()
}

#[tokio::test]
async fn hooks_name_tag_and_annotate_threads_and_resume_gets_them_back() {
    let dir = TempDir::new();
    let app = TestApp::start_in(self::app(), Config::default(), &dir.path).await;
    let mut client = app.client().await;
    say(&mut client, "hello", "count 1").await;
    say(&mut client, "name it", "count 2").await;
    // The history shows the hook's name at once (the automatic one lost).
    let page = list(&app).await;
    assert_eq!(page.threads[0].name, "Named by the hook");
    // A later user turn does not put the automatic name back.
    say(&mut client, "more", "count 3").await;
    let thread_id = client.thread_id.clone();
    client.drop_connection().await;
    app.stop().await;

    let app = TestApp::start_in(self::app(), Config::default(), &dir.path).await;
    assert_eq!(list(&app).await.threads[0].name, "Named by the hook");
    let mut client = app.open_thread(&thread_id).await;
    let expected = "resumed Named by the hook tags=travel,lisbon customer=ACME count=3 lost=true";
    client
        .wait_for(|c| c.steps.iter().any(|s| s.output == expected))
        .await;
    // The saved count goes on from where it was.
    say(&mut client, "again", "count 4").await;
    // The export has the tags and metadata; the user session key is there too.
    let (status, body) = app.get(&format!("/api/threads/{thread_id}/export")).await;
    assert_eq!(status, 200);
    assert!(
        body.contains("\"lisbon\"") && body.contains("ACME"),
        "{body}"
    );
}

#[tokio::test]
async fn author_rename_names_the_users_and_the_apps_messages() {
    let app = TestApp::start(
        Loquat::new()
            .author_rename(|author: String| async move {
                match author.as_str() {
                    "User" => "You".to_string(),
                    "planner" => "Planning agent".to_string(),
                    _ => author,
                }
            })
            .on_message(|chat: Chat, _msg: Message| async move {
                chat.send(Message::assistant("plan ready").author("planner"))
                    .await?;
                chat.send(Message::assistant("done")).await?;
                Ok(())
            }),
    )
    .await;
    let mut client = app.client().await;
    client.say("go").await;
    client
        .wait_for(|c| c.steps.iter().any(|s| s.output == "done"))
        .await;
    let names: Vec<&str> = client.steps.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["You", "Planning agent", "Loquat"]);
    app.stop().await;
}
