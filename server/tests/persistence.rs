//! Persistence through a real server, a real WebSocket and a real SQLite
//! file: history, resume, ownership, conversation operations, export and
//! import, and a server killed with SIGKILL mid-reply. The restart and the
//! SIGKILL run on PostgreSQL too.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::Arc;
use std::time::Duration;

use loquat::config::Config;
use loquat::data::{DataLayer, SqliteDataLayer, ThreadRecord, WriteBatch};
use loquat::protocol::{ClientEvent, ErrorCode, RunOutcome, Step, StepType, ThreadPage};
use loquat::{Chat, Loquat, Message, ThreadId, UserId, DATABASE_FILE};
use support::stores::Place;
use support::{Client, TempDir, TestApp, DEADLINE};

/// Replies "echo: <text> (n earlier)" where n counts the messages the hook
/// sees as context; on resume it says so.
fn echo_app() -> Loquat {
    Loquat::new()
        .on_message(|chat: Chat, msg: Message| async move {
            let seen = chat.messages().len() - 1;
            let reply = chat.stream(Message::assistant("")).await?;
            reply.token("echo: ").await?;
            reply
                .token(&format!("{} ({seen} earlier)", msg.content))
                .await?;
            reply.finish().await?;
            Ok(())
        })
        .on_chat_resume(|chat: Chat, _thread| async move {
            chat.send(Message::system("resumed")).await?;
            Ok(())
        })
}

fn outputs(steps: &[Step]) -> Vec<(StepType, String)> {
    steps
        .iter()
        .map(|s| (s.step_type, s.output.clone()))
        .collect()
}

async fn converse(client: &mut Client, text: &str) {
    let replies = client.finished_replies().len();
    let runs = client.run_ends().len();
    client.say(text).await;
    client
        .wait_for(|c| c.finished_replies().len() == replies + 1 && c.run_ends().len() > runs)
        .await;
}

async fn list(app: &TestApp, search: Option<&str>) -> ThreadPage {
    let form: Vec<(&str, &str)> = search.map(|s| vec![("search", s)]).unwrap_or_default();
    let (status, body) = app.server_fn("threads/list", &form).await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).unwrap()
}

async fn stored(dir: &std::path::Path, thread_id: &str) -> Option<Vec<Step>> {
    let data = SqliteDataLayer::open(dir.join(DATABASE_FILE))
        .await
        .unwrap();
    let found = thread_steps(&data, thread_id).await;
    data.close().await;
    found
}

/// [`stored`], wherever the place keeps its data.
async fn stored_at(place: &Place, thread_id: &str) -> Option<Vec<Step>> {
    let data = place.open().await;
    let found = thread_steps(&*data, thread_id).await;
    data.close().await;
    found
}

/// The local user's thread, as the data layer has it.
async fn thread_steps(data: &dyn DataLayer, thread_id: &str) -> Option<Vec<Step>> {
    let user = data
        .get_or_create_user(loquat::data::LOCAL_USER)
        .await
        .unwrap();
    let user = UserId::parse(&user.id).unwrap();
    let found = data
        .thread_with_steps(&user, &ThreadId::parse(thread_id).unwrap())
        .await
        .unwrap();
    found.map(|(_, steps)| steps)
}

async fn a_conversation_is_listed_and_resumed_with_its_context_after_a_restart(place: Place) {
    let app = TestApp::start_in(echo_app(), place.config(), place.data_dir()).await;
    let mut client = app.client().await;
    converse(&mut client, "first question").await;
    converse(&mut client, "second").await;
    let thread_id = client.thread_id.clone();
    let before = outputs(&client.steps);
    client.drop_connection().await;
    app.stop().await;

    let app = TestApp::start_in(echo_app(), place.config(), place.data_dir()).await;
    let page = list(&app, None).await;
    assert_eq!(page.threads.len(), 1);
    assert_eq!(page.threads[0].id, thread_id);
    assert_eq!(page.threads[0].name, "first question");

    let mut client = app.open_thread(&thread_id).await;
    assert!(client.errors.is_empty(), "{:?}", client.errors);
    // on_chat_resume ran after the history was shown.
    client
        .wait_for(|c| c.steps.iter().any(|s| s.output == "resumed"))
        .await;
    let resumed: Vec<_> = outputs(&client.steps)
        .into_iter()
        .filter(|(_, text)| text != "resumed")
        .collect();
    assert_eq!(resumed, before);
    // The hook sees the resumed history as context (4 earlier + "resumed").
    converse(&mut client, "third").await;
    let last = client.finished_replies().last().unwrap().output.clone();
    assert_eq!(last, "echo: third (5 earlier)");
    // And it is all in the database.
    let steps = stored_at(&place, &thread_id).await.unwrap();
    assert_eq!(steps.len(), client.steps.len());
}

#[tokio::test]
async fn welcome_only_sessions_leave_no_thread_and_user_turns_are_written_before_shown() {
    let app = TestApp::start(echo_app().on_chat_start(|chat: Chat| async move {
        chat.send(Message::assistant("Welcome!")).await?;
        Ok(())
    }))
    .await;
    let mut idle = app.client().await;
    idle.wait_for(|c| !c.steps.is_empty()).await;
    assert!(list(&app, None).await.threads.is_empty());

    let mut client = app.client().await;
    client.wait_for(|c| !c.steps.is_empty()).await;
    client.say("hello there").await;
    client
        .wait_for(|c| !c.messages_of(StepType::UserMessage).is_empty())
        .await;
    // Shown means stored: the welcome message and the user's.
    let steps = stored(&app.data_dir, &client.thread_id).await.unwrap();
    assert_eq!(steps[0].output, "Welcome!");
    assert_eq!(steps[1].output, "hello there");
    let page = list(&app, None).await;
    assert_eq!(page.threads.len(), 1);
    // The browser hears about the new history entry.
    client
        .wait_for(|c| {
            c.events
                .iter()
                .any(|e| matches!(e, loquat::protocol::ServerEvent::ThreadUpdated { thread, .. } if thread.name == "hello there"))
        })
        .await;
}

/// Whether the thread's stored record says a run goes on.
async fn stored_run_open(dir: &std::path::Path, thread_id: &str) -> bool {
    let data = SqliteDataLayer::open(dir.join(DATABASE_FILE))
        .await
        .unwrap();
    let user = data
        .get_or_create_user(loquat::data::LOCAL_USER)
        .await
        .unwrap();
    let record = data
        .thread(
            &UserId::parse(&user.id).unwrap(),
            &ThreadId::parse(thread_id).unwrap(),
        )
        .await
        .unwrap()
        .unwrap();
    data.close().await;
    record.metadata.get("run_open") == Some(&serde_json::json!(true))
}

#[tokio::test]
async fn a_thread_is_marked_running_from_its_user_message_until_its_last_run_ends() {
    // Each reply waits for a permit, so the test decides when runs end.
    let gate = Arc::new(tokio::sync::Semaphore::new(0));
    let hook_gate = gate.clone();
    let app = TestApp::start(Loquat::new().on_message(move |chat: Chat, msg: Message| {
        let gate = hook_gate.clone();
        async move {
            gate.acquire().await?.forget();
            chat.send(Message::assistant(format!("re: {}", msg.content)))
                .await?;
            Ok(())
        }
    }))
    .await;
    let mut client = app.client().await;
    client.say("one").await;
    client
        .wait_for(|c| !c.messages_of(StepType::UserMessage).is_empty())
        .await;
    // Shown means stored, and the message was stored with its run's mark.
    assert!(stored_run_open(&app.data_dir, &client.thread_id).await);
    client.say("two").await;
    client
        .wait_for(|c| c.messages_of(StepType::UserMessage).len() == 2)
        .await;
    gate.add_permits(1);
    client.wait_for(|c| c.run_ends().len() == 1).await;
    // The second run goes on: still marked.
    assert!(stored_run_open(&app.data_dir, &client.thread_id).await);
    gate.add_permits(1);
    client.wait_for(|c| c.run_ends().len() == 2).await;
    // The mark is taken back right after the last run (not awaited by it).
    support::eventually("the mark outlived the runs", || async {
        !stored_run_open(&app.data_dir, &client.thread_id).await
    })
    .await;
    assert_eq!(client.finished_replies().len(), 2);
}

/// Inserts a thread of another user straight into the database.
async fn foreign_thread(data: &SqliteDataLayer) -> String {
    let other = data.get_or_create_user("mallory").await.unwrap();
    let id = "0000-foreign-thread".to_string();
    data.write(WriteBatch {
        threads: vec![ThreadRecord {
            id: id.clone(),
            user_id: other.id,
            name: Some("secret plans".into()),
            created_at: 1,
            updated_at: 2,
            tags: vec![],
            metadata: Default::default(),
        }],
        steps: vec![Step {
            id: "foreign-step".into(),
            thread_id: id.clone(),
            name: "User".into(),
            step_type: StepType::UserMessage,
            output: "the secret plans".into(),
            created_at: 1,
            end: Some(1),
            ..Default::default()
        }],
        deleted_steps: vec![],
        ..Default::default()
    })
    .await
    .unwrap();
    id
}

#[tokio::test]
async fn another_users_thread_is_not_found_everywhere() {
    let dir = TempDir::new();
    let data = Arc::new(
        SqliteDataLayer::open(dir.path.join("shared.db"))
            .await
            .unwrap(),
    );
    let foreign = foreign_thread(&data).await;
    let app = TestApp::start_in(
        echo_app().data_layer(data.clone()),
        Config::default(),
        &dir.path,
    )
    .await;

    // Resume over the socket.
    let client = app.open_thread(&foreign).await;
    assert_eq!(client.error_codes(), vec![ErrorCode::ThreadNotFound]);
    assert!(client.steps.is_empty());
    // The page.
    let (status, body) = app.get(&format!("/thread/{foreign}")).await;
    assert_eq!(status, 404);
    assert!(body.contains("data-testid=\"not-found\""));
    assert!(!body.contains("secret"));
    let (status, _) = app.get("/thread/no-such-thread").await;
    assert_eq!(status, 404);
    // Export.
    let (status, body) = app
        .get(&format!("/api/threads/{foreign}/export?format=json"))
        .await;
    assert_eq!(status, 404);
    assert!(!body.contains("secret"));
    // Server functions.
    // Another user's thread is not found (404, not a server error).
    let (status, body) = app
        .server_fn("threads/rename", &[("id", &foreign), ("name", "mine now")])
        .await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(body, r#"{"error":"not_found"}"#, "a typed error");
    let (status, _) = app.server_fn("threads/delete", &[("id", &foreign)]).await;
    assert_eq!(status, 404);
    let (status, _) = app
        .server_fn("threads/rename", &[("id", "no-such-thread"), ("name", "x")])
        .await;
    assert_eq!(status, 404);
    assert!(list(&app, None).await.threads.is_empty());
    assert!(list(&app, Some("secret")).await.threads.is_empty());
    // Still there, untouched.
    let other = data.get_or_create_user("mallory").await.unwrap();
    let (thread, _) = data
        .thread_with_steps(
            &UserId::parse(&other.id).unwrap(),
            &ThreadId::parse(&foreign).unwrap(),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(thread.name.as_deref(), Some("secret plans"));
}

#[tokio::test]
async fn rename_delete_and_search_through_the_server_functions() {
    let app = TestApp::start(echo_app()).await;
    let mut ids = Vec::new();
    for text in ["apples and pears", "bananas", "cherries 100%"] {
        let mut client = app.client().await;
        converse(&mut client, text).await;
        ids.push(client.thread_id.clone());
    }
    let page = list(&app, None).await;
    let names: Vec<_> = page.threads.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, vec!["cherries 100%", "bananas", "apples and pears"]);

    assert_eq!(list(&app, Some("BANANA")).await.threads.len(), 1);
    // Content matches too (the reply quotes the message).
    assert_eq!(list(&app, Some("echo: apples")).await.threads.len(), 1);
    // `%` is literal.
    assert_eq!(list(&app, Some("100%")).await.threads.len(), 1);
    assert_eq!(list(&app, Some("%")).await.threads.len(), 1);

    let (status, body) = app
        .server_fn(
            "threads/rename",
            &[("id", &ids[1]), ("name", "Yellow fruit")],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = app
        .server_fn("threads/rename", &[("id", &ids[1]), ("name", "   ")])
        .await;
    assert_eq!(status, 400, "an empty name is the request's fault");
    assert_eq!(list(&app, Some("yellow")).await.threads[0].id, ids[1]);

    let (status, body) = app.server_fn("threads/delete", &[("id", &ids[0])]).await;
    assert_eq!(status, 200, "{body}");
    let page = list(&app, None).await;
    assert_eq!(page.threads.len(), 2);
    assert!(stored(&app.data_dir, &ids[0]).await.is_none());
    // A deleted thread cannot be opened.
    let client = app.open_thread(&ids[0]).await;
    assert_eq!(client.error_codes(), vec![ErrorCode::ThreadNotFound]);
}

#[tokio::test]
async fn history_pages_through_many_threads() {
    let app = TestApp::start(echo_app()).await;
    for i in 0..35 {
        let mut client = app.client().await;
        client.say(&format!("thread {i}")).await;
        client
            .wait_for(|c| !c.messages_of(StepType::UserMessage).is_empty())
            .await;
    }
    let first = list(&app, None).await;
    assert_eq!(first.threads.len(), 30);
    let cursor = first.next_cursor.clone().unwrap();
    let (status, body) = app.server_fn("threads/list", &[("cursor", &cursor)]).await;
    assert_eq!(status, 200, "{body}");
    let second: ThreadPage = serde_json::from_str(&body).unwrap();
    assert_eq!(second.threads.len(), 5);
    assert!(second.next_cursor.is_none());
    let mut all: Vec<_> = first
        .threads
        .iter()
        .chain(&second.threads)
        .map(|t| t.id.clone())
        .collect();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 35);
    let (status, _) = app
        .server_fn("threads/list", &[("cursor", "garbage")])
        .await;
    assert_ne!(status, 200);
}

fn texts(client: &Client) -> Vec<String> {
    client
        .steps
        .iter()
        .filter(|s| s.step_type.is_message())
        .map(|s| s.output.clone())
        .collect()
}

async fn stored_texts(app: &TestApp, thread_id: &str) -> Vec<String> {
    stored(&app.data_dir, thread_id)
        .await
        .unwrap()
        .into_iter()
        .filter(|s| s.step_type.is_message())
        .map(|s| s.output)
        .collect()
}

#[tokio::test]
async fn edit_rerun_undo_and_clear_are_persisted() {
    let app = TestApp::start(echo_app()).await;
    let mut client = app.client().await;
    converse(&mut client, "one").await;
    converse(&mut client, "two").await;
    converse(&mut client, "three").await;
    let thread = client.thread_id.clone();

    // Edit "two": "three" and the replies after "two" go; "2" is answered.
    let two = client
        .steps
        .iter()
        .find(|s| s.output == "two")
        .unwrap()
        .id
        .clone();
    client
        .send(&ClientEvent::EditMessage {
            id: two,
            content: "2".into(),
        })
        .await;
    let expected = vec!["one", "echo: one (0 earlier)", "2", "echo: 2 (2 earlier)"];
    client.wait_for(|c| texts(c) == expected).await;
    client
        .wait_for(|c| !c.events.is_empty() && c.run_ends().len() == 4)
        .await;
    assert_eq!(stored_texts(&app, &thread).await, expected);

    // Rerun: the last reply is replaced by a new one.
    let old_reply = client.steps.last().unwrap().id.clone();
    client.send(&ClientEvent::Rerun).await;
    client
        .wait_for(|c| c.run_ends().len() == 5 && c.steps.last().is_some_and(|s| s.id != old_reply))
        .await;
    assert_eq!(texts(&client), expected);
    assert_eq!(stored_texts(&app, &thread).await, expected);

    // Undo: the last user message and its reply go.
    client.send(&ClientEvent::Undo).await;
    client.wait_for(|c| texts(c).len() == 2).await;
    assert_eq!(stored_texts(&app, &thread).await, expected[..2].to_vec());

    // Clear: nothing left, in the browser or in history.
    client.send(&ClientEvent::Clear).await;
    client.wait_for(|c| c.steps.is_empty()).await;
    assert!(stored_texts(&app, &thread).await.is_empty());

    // Editing something that is not a user message is refused.
    client
        .send(&ClientEvent::EditMessage {
            id: "nope".into(),
            content: "x".into(),
        })
        .await;
    client.wait_for(|c| !c.errors.is_empty()).await;
    assert_eq!(client.error_codes(), vec![ErrorCode::UnknownStep]);
}

#[tokio::test]
async fn editing_can_be_turned_off() {
    let mut config = Config::default();
    config.features.edit_message = false;
    let app = TestApp::start_with(echo_app(), config).await;
    let mut client = app.client().await;
    converse(&mut client, "one").await;
    let id = client.steps[0].id.clone();
    client
        .send(&ClientEvent::EditMessage {
            id,
            content: "changed".into(),
        })
        .await;
    client.wait_for(|c| !c.errors.is_empty()).await;
    assert_eq!(client.error_codes(), vec![ErrorCode::FeatureDisabled]);
    assert_eq!(client.steps[0].output, "one");
}

#[tokio::test]
async fn sdk_undo_clear_and_respond() {
    let app = TestApp::start(
        Loquat::new().on_message(|chat: Chat, msg: Message| async move {
            match msg.content.as_str() {
                "undo" => {
                    // Removes "undo" itself and the reply before it.
                    let removed = chat.undo(2).await?;
                    chat.send(Message::assistant(format!("undid {}", removed.len())))
                        .await?;
                }
                "clear" => {
                    chat.clear().await?;
                }
                "chain" => {
                    chat.send(Message::user("ping").author("Bot A")).await?;
                    chat.respond()?;
                }
                "ping" => {
                    chat.send(Message::assistant("pong")).await?;
                }
                other => {
                    chat.send(Message::assistant(format!("said {other}")))
                        .await?;
                }
            }
            Ok(())
        }),
    )
    .await;
    let mut client = app.client().await;
    client.say("hello").await;
    client
        .wait_for(|c| texts(c) == ["hello", "said hello"])
        .await;
    client.say("undo").await;
    client.wait_for(|c| texts(c) == ["hello", "undid 2"]).await;
    client.say("chain").await;
    client
        .wait_for(|c| texts(c) == ["hello", "undid 2", "chain", "ping", "pong"])
        .await;
    client.say("clear").await;
    client.wait_for(|c| c.steps.is_empty()).await;
    client.wait_for(|c| c.run_ends().len() == 5).await;
    assert!(stored_texts(&app, &client.thread_id).await.is_empty());
}

#[tokio::test]
async fn export_then_import_recreates_the_conversation() {
    let app = TestApp::start(
        Loquat::new().on_message(|chat: Chat, msg: Message| async move {
            let tool = chat
                .step("lookup")
                .kind(StepType::Tool)
                .input(&msg.content)
                .show_input("json")
                .metadata("k", serde_json::json!([1, 2]))
                .start()
                .await?;
            tool.finish_with("found").await?;
            chat.send(Message::assistant("**done**").in_step(&tool))
                .await?;
            chat.send(Message::assistant("answer")).await?;
            Ok(())
        }),
    )
    .await;
    let mut client = app.client().await;
    client.say("question").await;
    client.wait_for(|c| c.run_ends().len() == 1).await;
    let thread = client.thread_id.clone();

    let (status, json) = app
        .get(&format!("/api/threads/{thread}/export?format=json"))
        .await;
    assert_eq!(status, 200);
    let (status, jsonl) = app
        .get(&format!("/api/threads/{thread}/export?format=jsonl"))
        .await;
    assert_eq!(status, 200);
    let line: serde_json::Value = serde_json::from_str(jsonl.trim_end()).unwrap();
    assert_eq!(jsonl.lines().count(), 1);
    assert_eq!(
        line,
        serde_json::json!({"messages": [
            {"role": "user", "content": "question"},
            {"role": "assistant", "content": "**done**"},
            {"role": "assistant", "content": "answer"},
        ]})
    );

    let (status, body) = app
        .post("/api/threads/import", json.clone().into_bytes())
        .await;
    assert_eq!(status, 201, "{body}");
    let reply: serde_json::Value = serde_json::from_str(&body).unwrap();
    let imported = reply["thread_id"].as_str().unwrap().to_string();
    assert_ne!(imported, thread);
    assert_eq!(list(&app, None).await.threads.len(), 2);

    // Same conversation, field for field, apart from the ids.
    let normalize = |steps: Vec<Step>| -> Vec<Step> {
        let ids: Vec<String> = steps.iter().map(|s| s.id.clone()).collect();
        steps
            .into_iter()
            .map(|mut s| {
                s.parent_id = s
                    .parent_id
                    .map(|p| ids.iter().position(|i| *i == p).unwrap().to_string());
                s.id = String::new();
                s.thread_id = String::new();
                s
            })
            .collect()
    };
    let original = normalize(stored(&app.data_dir, &thread).await.unwrap());
    let copy = normalize(stored(&app.data_dir, &imported).await.unwrap());
    assert_eq!(original.len(), 4);
    assert_eq!(copy, original);
    // The import opens like any thread, and its export matches the first.
    let mut opened = app.open_thread(&imported).await;
    opened.wait_for(|c| c.steps.len() == 4).await;
    let (_, again) = app
        .get(&format!("/api/threads/{imported}/export?format=json"))
        .await;
    let strip = |text: &str| {
        let mut v: serde_json::Value = serde_json::from_str(text).unwrap();
        v["thread"]["id"] = serde_json::Value::Null;
        v["thread"]["updated_at"] = serde_json::Value::Null;
        v["steps"] = serde_json::Value::Null;
        v
    };
    assert_eq!(strip(&again), strip(&json));
}

#[tokio::test]
async fn malformed_or_oversized_imports_are_refused_and_create_nothing() {
    let app = TestApp::start(echo_app()).await;
    let cases: Vec<Vec<u8>> = vec![
        b"not json".to_vec(),
        br#"{"format":"something-else","version":1,"thread":{"id":"t","created_at":0,"updated_at":0},"steps":[]}"#.to_vec(),
        br#"{"format":"loquat.thread","version":1,"thread":{"id":"t","created_at":0,"updated_at":0},"steps":[{"id":"a","thread_id":"t","parent_id":"missing","name":"x","type":"tool","created_at":0}]}"#.to_vec(),
    ];
    for body in cases {
        let (status, text) = app.post("/api/threads/import", body).await;
        assert_eq!(status, 400, "{text}");
        let error: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert!(!error["error"].as_str().unwrap().is_empty());
    }
    let huge = vec![b' '; 17 * 1024 * 1024];
    let (status, _) = app.post("/api/threads/import", huge).await;
    assert_eq!(status, 413);
    assert!(list(&app, None).await.threads.is_empty());
}

#[tokio::test]
async fn without_persistence_there_is_no_history() {
    let app = TestApp::start(echo_app().without_persistence()).await;
    let mut client = app.client().await;
    converse(&mut client, "hello").await;
    let (status, _) = app.server_fn("threads/list", &[]).await;
    assert_ne!(status, 200);
    assert!(!app.data_dir.join(DATABASE_FILE).exists());
    // While the chat is live its user may open it in another tab; once it
    // has ended there is nothing left to open.
    let other_tab = app.open_thread(&client.thread_id).await;
    assert!(other_tab.error_codes().is_empty());
    assert_eq!(other_tab.session_id, client.session_id);
    let thread_id = client.thread_id.clone();
    client.send(&ClientEvent::EndChat).await;
    support::eventually("the ended chat stayed open", || async {
        let reopened = app.open_thread(&thread_id).await;
        reopened.error_codes() == vec![ErrorCode::ThreadNotFound]
    })
    .await;
}

/// The stored step `id` of the thread, if any.
async fn stored_step(dir: &std::path::Path, thread_id: &str, id: &str) -> Option<Step> {
    let steps = stored(dir, thread_id).await.unwrap_or_default();
    steps.into_iter().find(|s| s.id == id)
}

/// Waits until the stored step `id` passes `done`.
async fn wait_stored(
    dir: &std::path::Path,
    thread_id: &str,
    id: &str,
    done: impl Fn(&Step) -> bool,
) {
    let what = format!("step {id} not stored as expected");
    support::eventually(&what, || async {
        stored_step(dir, thread_id, id)
            .await
            .is_some_and(|s| done(&s))
    })
    .await;
}

/// Toggles the reaction "like" on `step_id` and waits until it is stored:
/// a change that does not stream, written within a second.
async fn like_and_wait_stored(client: &mut Client, dir: &std::path::Path, step_id: &str, on: bool) {
    client
        .send(&ClientEvent::React {
            step_id: step_id.into(),
            reaction: "like".into(),
            active: on,
        })
        .await;
    wait_stored(dir, &client.thread_id, step_id, |s| {
        s.has_reaction("like") == on
    })
    .await;
}

/// With `checkpoint_seconds = 4`, the text of a streaming reply is stored
/// once it waited the period; a reaction made after the text, which does
/// not stream, is stored before it. The finished reply is stored whole
/// before it is shown.
#[tokio::test]
async fn streamed_text_waits_for_the_checkpoint_period_and_other_changes_do_not() {
    // The reply streams a token per permit, so the test decides when.
    let gate = Arc::new(tokio::sync::Semaphore::new(0));
    let hook_gate = gate.clone();
    let app = Loquat::new().on_message(move |chat: Chat, msg: Message| {
        let gate = hook_gate.clone();
        async move {
            if msg.content == "first" {
                chat.send(Message::assistant("done")).await?;
                return Ok(());
            }
            let reply = chat.stream(Message::assistant("")).await?;
            for text in ["one", " two"] {
                reply.token(text).await?;
                gate.acquire().await?.forget();
            }
            reply.finish().await?;
            Ok(())
        }
    });
    let mut config = Config::default();
    config.ui.reactions = vec!["like".into()];
    config.project.checkpoint_seconds = Duration::from_secs(4);
    let app = TestApp::start_with(app, config).await;
    let dir = app.data_dir.clone();
    let mut client = app.client().await;
    client.say("first").await;
    client.wait_for(|c| c.run_ends().len() == 1).await;
    let done = client.finished_replies()[0].id.clone();
    client.say("second").await;
    let streaming = |c: &Client| {
        c.steps
            .last()
            .filter(|s| s.step_type == StepType::AssistantMessage && s.streaming)
            .map(|s| (s.id.clone(), s.output.clone()))
    };
    client
        .wait_for(|c| streaming(c).is_some_and(|(_, text)| text == "one"))
        .await;
    let (reply, _) = streaming(&client).unwrap();

    // Stored within a second; the streamed text waits.
    like_and_wait_stored(&mut client, &dir, &done, true).await;
    assert_eq!(stored_step(&dir, &client.thread_id, &reply).await, None);
    wait_stored(&dir, &client.thread_id, &reply, |s| s.output == "one").await;

    // Text after the checkpoint waits for the next one.
    gate.add_permits(1);
    client
        .wait_for(|c| streaming(c).is_some_and(|(_, text)| text == "one two"))
        .await;
    like_and_wait_stored(&mut client, &dir, &done, false).await;
    let saved = stored_step(&dir, &client.thread_id, &reply).await.unwrap();
    assert_eq!(saved.output, "one");
    assert!(saved.streaming);

    // Finished: shown means stored, whole.
    gate.add_permits(1);
    client.wait_for(|c| c.run_ends().len() == 2).await;
    let saved = stored_step(&dir, &client.thread_id, &reply).await.unwrap();
    assert_eq!(saved.output, "one two");
    assert!(!saved.streaming);
}

/// Spawns the real binary (the offline demo) and returns it with its address.
fn spawn_binary(place: &Place) -> (std::process::Child, std::net::SocketAddr) {
    use std::io::{BufRead, BufReader};
    let dir = place.data_dir();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_loquat"))
        .args(["run", "--port", "0", "--data-dir"])
        .arg(dir)
        .envs(place.env())
        // Streamed text is checkpointed every second, not every 5 (the
        // default), so a short reply has one to keep.
        .env("LOQUAT_CHECKPOINT_SECONDS", "1")
        .env("LOQUAT_DEMO_TOKENS_PER_SEC", "80")
        .env_remove("OPENAI_API_KEY")
        .env_remove("LOQUAT_LLM_BASE_URL")
        .current_dir(dir)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn loquat");
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let addr = loop {
        let line = lines.next().expect("server exited").unwrap();
        if let Some(url) = line.split("http://").nth(1) {
            break url.trim().parse().unwrap();
        }
    };
    (child, addr)
}

async fn sigkill_mid_reply_loses_at_most_the_unfinished_tail(place: Place) {
    let (mut child, addr) = spawn_binary(&place);
    let mut client = Client::connect(addr, None, None).await;
    client.say("first").await;
    client
        .wait_for(|c| c.run_ends() == vec![RunOutcome::Completed])
        .await;
    client.say("second").await;
    // Stream long enough for a checkpoint (every second here) to have run.
    let started = tokio::time::Instant::now();
    client
        .wait_for(|c| {
            c.steps
                .last()
                .is_some_and(|s| s.step_type == StepType::AssistantMessage && s.streaming)
        })
        .await;
    while started.elapsed() < Duration::from_millis(1600) {
        tokio::time::timeout(DEADLINE, client.recv_frame())
            .await
            .unwrap();
    }
    assert!(
        client.steps.last().unwrap().streaming,
        "reply ended too soon"
    );
    child.kill().unwrap(); // SIGKILL
    let _ = child.wait();

    let seen = client.steps.clone();
    let steps = stored_at(&place, &client.thread_id).await.unwrap();
    let in_flight = seen.last().unwrap();
    for step in &seen {
        let saved = steps.iter().find(|s| s.id == step.id);
        if step.id == in_flight.id || step.parent_id.as_deref() == Some(in_flight.id.as_str()) {
            // Present up to its last checkpoint, or absent; never corrupt.
            if let Some(saved) = saved {
                assert!(in_flight.output.starts_with(&saved.output));
            }
            continue;
        }
        let saved = saved.unwrap_or_else(|| panic!("lost {:?}: {}", step.step_type, step.output));
        if step.end.is_some() && !step.streaming {
            assert_eq!(saved.output, step.output, "completed step differs");
        }
    }
    let partial = steps.iter().find(|s| s.id == in_flight.id).unwrap();
    assert!(
        !partial.output.is_empty(),
        "no checkpoint of the streaming reply"
    );
    // The server comes back and resumes the thread, the tail closed.
    let (mut child, addr) = spawn_binary(&place);
    let mut client2 = Client::connect_raw_pub(addr).await;
    client2.hello_thread(&client.thread_id).await;
    client2
        .wait_for(|c| c.steps.iter().any(|s| s.id == in_flight.id))
        .await;
    assert!(client2.steps.iter().all(|s| !s.streaming));
    child.kill().unwrap();
    let _ = child.wait();
}

both_backends!(
    a_conversation_is_listed_and_resumed_with_its_context_after_a_restart,
    sigkill_mid_reply_loses_at_most_the_unfinished_tail,
);
